package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// limitBody is the JSON of a 429 from one of the per-account or
// per-device caps.
type limitBody struct {
	Error          string `json:"error"`
	Field          string `json:"field"`
	Limit          int    `json:"limit"`
	LimitPerSecond int    `json:"limit_per_second"`
	LimitPerDay    int    `json:"limit_per_day"`
}

// dialWS opens path (/ws or /ws/device) as c; on a refused upgrade it
// returns the HTTP answer.
func dialWS(t *testing.T, e *env, c *client, path string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	h := http.Header{}
	if c.bearer != "" {
		h.Set("Authorization", "Bearer "+c.bearer)
	} else if c.http.Jar != nil {
		for _, ck := range c.http.Jar.Cookies(mustURL(e.ts.URL)) {
			h.Add("Cookie", ck.Name+"="+ck.Value)
		}
	}
	conn, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.ts.URL, "http")+path, h)
	if err == nil {
		t.Cleanup(func() { conn.Close() })
	}
	return conn, res, err
}

// refusedWith checks a refused upgrade: 429, Retry-After, and the JSON
// body naming the cap.
func refusedWith(t *testing.T, res *http.Response, err error, limit int) {
	t.Helper()
	if err == nil || res == nil {
		t.Fatalf("upgrade over the cap: err %v, want a 429", err)
	}
	defer res.Body.Close()
	var b limitBody
	json.NewDecoder(res.Body).Decode(&b)
	if res.StatusCode != 429 || b.Field != "streams" || b.Limit != limit {
		t.Errorf("over the cap: %d %+v, want 429 naming streams with limit %d", res.StatusCode, b, limit)
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After %q, want whole seconds", res.Header.Get("Retry-After"))
	}
}

// TestStreamCapPerAccount checks that one account cannot open more than
// its cap of /ws streams (13,032 streams from one account exhausted the
// file descriptors), that the refusal is a 429 before the upgrade naming
// the limit, that a closed stream frees its place, and that other
// accounts are not affected.
func TestStreamCapPerAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{StreamsPerAccount: 3})
	wall := e.client(t, "wall", auth.Viewer, 0)
	var open []*websocket.Conn
	for i := 0; i < 3; i++ {
		conn, res, err := dialWS(t, e, wall, "/ws")
		if err != nil {
			t.Fatalf("stream %d: %v %v", i+1, err, res)
		}
		open = append(open, conn)
	}
	_, res, err := dialWS(t, e, wall, "/ws")
	refusedWith(t, res, err, 3)

	other := e.client(t, "other", auth.Viewer, 0)
	if _, res, err := dialWS(t, e, other, "/ws"); err != nil {
		t.Errorf("another account is refused: %v %v", err, res)
	}
	// A closed stream gives its place back (once the server notices).
	open[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, _, err := dialWS(t, e, wall, "/ws")
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a closed stream never freed its place")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDeviceStreamCap checks the cap of /ws/device streams per device.
func TestDeviceStreamCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{DeviceStreamsPerAccount: 2})
	phone := e.client(t, "phone", auth.Device, 0)
	for i := 0; i < 2; i++ {
		if _, res, err := dialWS(t, e, phone, "/ws/device"); err != nil {
			t.Fatalf("device stream %d: %v %v", i+1, err, res)
		}
	}
	_, res, err := dialWS(t, e, phone, "/ws/device")
	refusedWith(t, res, err, 2)
}

// positionsBody is a batch of n valid positions inside grid 9.
func positionsBody(t *testing.T, e *env, n int) map[string]any {
	lon, lat := pointIn(t, e, 9)
	now := time.Now()
	ps := make([]map[string]any, n)
	for i := range ps {
		ps[i] = map[string]any{"lon": lon, "lat": lat, "accuracy": 5,
			"at": now.Add(time.Duration(i-n) * time.Millisecond).UTC().Format(time.RFC3339Nano)}
	}
	return map[string]any{"positions": ps}
}

// TestDeviceRateLimit checks that a device cannot post more positions per
// second than the limit (one posted 64,500 in 20 s): over HTTP a 429 with
// Retry-After and the limit, on the device stream an error frame with it.
func TestDeviceRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{PositionsPerSecond: 2}) // a bucket of 240 (two minutes)
	phone := e.client(t, "phone", auth.Device, 0)
	for i := 0; i < 2; i++ {
		if r := phone.do("POST", "/api/positions", positionsBody(t, e, 100)); r.Status != 202 {
			t.Fatalf("batch %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := phone.do("POST", "/api/positions", positionsBody(t, e, 100))
	var b limitBody
	json.Unmarshal(r.Body, &b)
	if r.Status != 429 || b.Field != "positions" || b.LimitPerSecond != 2 {
		t.Errorf("third batch of 100: %d %s, want 429 naming positions with limit_per_second 2", r.Status, r.Body)
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// Another device has its own allowance.
	other := e.device(t, "phone-2", volunteers(t, e, 2)[1])
	if r := other.c.do("POST", "/api/positions", positionsBody(t, e, 100)); r.Status != 202 {
		t.Errorf("another device: %d %s", r.Status, r.Body)
	}

	conn, res, err := dialWS(t, e, phone, "/ws/device")
	if err != nil {
		t.Fatalf("device stream: %v %v", err, res)
	}
	if err := conn.WriteJSON(positionsBody(t, e, 100)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var frame struct {
		Type           string
		Field          string
		LimitPerSecond int `json:"limit_per_second"`
	}
	if err := conn.ReadJSON(&frame); err != nil {
		t.Fatal(err)
	}
	if frame.Type != "error" || frame.Field != "positions" || frame.LimitPerSecond != 2 {
		t.Errorf("device stream over the limit: %+v, want an error frame with limit_per_second 2", frame)
	}
}

// TestDeviceDailyTrailCap checks that a device's trail stops growing at
// the daily cap (one trail reached 192,657 points in a day): positions
// beyond it are refused with 429, the cap and a Retry-After.
func TestDeviceDailyTrailCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{PositionsPerSecond: 10000, PositionsPerDay: 150})
	phone := e.client(t, "phone", auth.Device, 0)
	if r := phone.do("POST", "/api/positions", positionsBody(t, e, 100)); r.Status != 202 {
		t.Fatalf("first 100: %d %s", r.Status, r.Body)
	}
	r := phone.do("POST", "/api/positions", positionsBody(t, e, 100))
	var b limitBody
	json.Unmarshal(r.Body, &b)
	if r.Status != 429 || b.Field != "positions" || b.LimitPerDay != 150 {
		t.Errorf("100 more: %d %s, want 429 naming positions with limit_per_day 150", r.Status, r.Body)
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > 24*3600 {
		t.Errorf("Retry-After %q, want the seconds until local midnight", r.Header.Get("Retry-After"))
	}
	if r := phone.do("POST", "/api/positions", positionsBody(t, e, 50)); r.Status != 202 {
		t.Errorf("the last 50 of the day: %d %s", r.Status, r.Body)
	}
	if r := phone.do("POST", "/api/positions", positionsBody(t, e, 1)); r.Status != 429 {
		t.Errorf("one over the cap: %d, want 429", r.Status)
	}
}

// fromAddress returns a client whose connections come from ip (any
// 127.x.y.z address reaches the test server on Linux).
func fromAddress(t *testing.T, e *env, ip string) *client {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{t: t, base: e.ts.URL, http: &http.Client{Jar: jar, Transport: tr}}
}

// TestLoginLockoutPerAddress checks that guessing a known account's
// password from one address does not lock its owner out elsewhere: the
// lock is per account and address.
func TestLoginLockoutPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{LoginPerMinute: 3})
	_, password := e.account(t, "target", auth.GridLeader, 9, 0)
	attacker := fromAddress(t, e, "127.0.0.2")
	limited := false
	for i := 0; i < 10; i++ {
		r := attacker.do("POST", "/api/login", map[string]string{"username": "target", "password": fmt.Sprintf("guess-%03d", i)})
		limited = limited || r.Status == 429
	}
	if !limited {
		t.Fatal("the attacker's address was never limited")
	}
	owner := fromAddress(t, e, "127.0.0.3")
	if r := owner.do("POST", "/api/login", map[string]string{"username": "target", "password": password}); r.Status != 200 {
		t.Errorf("the owner from another address: %d %s, want 200", r.Status, r.Body)
	}
	if r := attacker.do("POST", "/api/login", map[string]string{"username": "target", "password": password}); r.Status != 429 {
		t.Errorf("the right password from the locked address: %d, want 429", r.Status)
	}
}

// TestSessionNotWrittenPerUpgrade checks that opening streams does not
// write the session row each time (it saturated the pool): only the
// first use in a while slides the expiry.
func TestSessionNotWrittenPerUpgrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	wall := e.client(t, "wall", auth.Viewer, 0)
	var cookie string
	for _, ck := range wall.http.Jar.Cookies(mustURL(e.ts.URL)) {
		cookie = ck.Value
	}
	version := func() string {
		return scalar[string](t, e, `SELECT xmin::text FROM sessions WHERE token_hash = $1`, auth.HashToken(cookie))
	}
	if conn, res, err := dialWS(t, e, wall, "/ws"); err != nil {
		t.Fatalf("stream: %v %v", err, res)
	} else {
		conn.Close()
	}
	before := version()
	if !scalar[bool](t, e, `SELECT expires_at > now() + interval '11 hours' FROM sessions WHERE token_hash = $1`, auth.HashToken(cookie)) {
		t.Error("the first use did not slide the idle expiry (12 h)")
	}
	for i := 0; i < 5; i++ {
		conn, res, err := dialWS(t, e, wall, "/ws")
		if err != nil {
			t.Fatalf("stream %d: %v %v", i, err, res)
		}
		conn.Close()
	}
	if after := version(); after != before {
		t.Errorf("the session row was rewritten by upgrades (xmin %s → %s)", before, after)
	}
	var n int64
	e.conn.QueryRow(context.Background(), `SELECT count(*) FROM sessions`).Scan(&n)
	if n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
}
