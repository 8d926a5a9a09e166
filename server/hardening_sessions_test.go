package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/server"
)

// sessionOf returns the session cookie value of a logged-in client.
func sessionOf(e *env, c *client) string {
	for _, ck := range c.http.Jar.Cookies(mustURL(e.ts.URL)) {
		if ck.Name == "gridmap_session" {
			return ck.Value
		}
	}
	return ""
}

// TestSessionAbsoluteLifetime checks that a session older than the
// absolute lifetime (12 h by default) is refused even when it was used a
// moment ago, and that a younger one still works.
func TestSessionAbsoluteLifetime(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	old := e.client(t, "old", auth.Viewer, 0)
	young := e.client(t, "young", auth.Viewer, 0)
	if r := old.do("GET", "/api/me", nil); r.Status != 200 { // used just now: the idle expiry slides
		t.Fatalf("me: %d", r.Status)
	}
	scalar[int64](t, e, `WITH u AS (UPDATE sessions SET created_at = now() - interval '13 hours' WHERE token_hash = $1 RETURNING 1) SELECT count(*) FROM u`, auth.HashToken(sessionOf(e, old)))
	scalar[int64](t, e, `WITH u AS (UPDATE sessions SET created_at = now() - interval '11 hours' WHERE token_hash = $1 RETURNING 1) SELECT count(*) FROM u`, auth.HashToken(sessionOf(e, young)))
	if r := old.do("GET", "/api/me", nil); r.Status != 401 {
		t.Errorf("a session created 13 h ago, used a moment ago: %d, want 401", r.Status)
	}
	if r := young.do("GET", "/api/me", nil); r.Status != 200 {
		t.Errorf("a session created 11 h ago: %d, want 200", r.Status)
	}
	short := newEnv(t, server.Config{SessionMax: time.Hour})
	c := short.client(t, "short", auth.Viewer, 0)
	scalar[int64](t, short, `WITH u AS (UPDATE sessions SET created_at = now() - interval '61 minutes' RETURNING 1) SELECT count(*) FROM u`)
	if r := c.do("GET", "/api/me", nil); r.Status != 401 {
		t.Errorf("--session-max 1h, session 61 min old: %d, want 401", r.Status)
	}
}

// TestDisableAccountEndsStreams checks that an admin can disable an
// account: its sessions end (rows deleted), its open streams close with
// 4001 at once, its password and tokens stop working; enabling restores
// the login.
func TestDisableAccountEndsStreams(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "admin", auth.Admin, 0)
	leader := e.client(t, "leader9", auth.GridLeader, 9)
	password := "leader9-password" // e.client's convention
	phone := e.client(t, "phone", auth.Device, 0)

	v, _, err := dial(t, e, leader, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "grid": 9})
	v.next(15*time.Second, func(m message) bool { return m.Type == "snapshot" })
	dev, res, err := dialWS(t, e, phone, "/ws/device")
	if err != nil {
		t.Fatalf("device stream: %v %v", err, res)
	}

	if r := admin.do("POST", fmt.Sprintf("/api/accounts/%d/disable", admin.accountID), nil); r.Status != 409 || r.Error.Field != "id" {
		t.Errorf("an admin disabling themselves: %d %s, want 409 naming id", r.Status, r.Body)
	}
	r := admin.do("POST", fmt.Sprintf("/api/accounts/%d/disable", leader.accountID), nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"disabled":true`) {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	if code := v.closeCode(3 * time.Second); code != live.CloseUnauthorized {
		t.Errorf("the disabled account's stream closed with %d, want %d", code, live.CloseUnauthorized)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM sessions WHERE account_id = $1`, leader.accountID); n != 0 {
		t.Errorf("%d sessions left, want none", n)
	}
	if r := leader.do("GET", "/api/me", nil); r.Status != 401 {
		t.Errorf("the disabled account's session: %d, want 401", r.Status)
	}
	login := e.anonymous(t)
	if r := login.do("POST", "/api/login", map[string]string{"username": "leader9", "password": password}); r.Status != 401 {
		t.Errorf("login while disabled: %d, want 401", r.Status)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM audit_log WHERE action = 'disable' AND entity = 'account' AND entity_id = $1`, fmt.Sprint(leader.accountID)); n != 1 {
		t.Errorf("%d audit rows of the disable, want 1", n)
	}

	// A device: its token is refused at once (the cache is cleared) and
	// its stream closes.
	if r := phone.do("POST", "/api/positions", positionsBody(t, e, 1)); r.Status != 202 {
		t.Fatalf("device before: %d %s", r.Status, r.Body)
	}
	if r := admin.do("POST", fmt.Sprintf("/api/accounts/%d/disable", phone.accountID), nil); r.Status != 200 {
		t.Fatalf("disable device: %d %s", r.Status, r.Body)
	}
	if r := phone.do("POST", "/api/positions", positionsBody(t, e, 1)); r.Status != 401 {
		t.Errorf("disabled device's token: %d, want 401", r.Status)
	}
	(&viewer{t: t, conn: dev}).closeCode(3 * time.Second)

	if r := admin.do("POST", fmt.Sprintf("/api/accounts/%d/enable", leader.accountID), nil); r.Status != 200 || !strings.Contains(string(r.Body), `"disabled":false`) {
		t.Fatalf("enable: %d %s", r.Status, r.Body)
	}
	if r := login.do("POST", "/api/login", map[string]string{"username": "leader9", "password": password}); r.Status != 200 {
		t.Errorf("login after enabling: %d %s", r.Status, r.Body)
	}
	if r := admin.do("POST", "/api/accounts/99999999/disable", nil); r.Status != 404 {
		t.Errorf("disable an unknown account: %d, want 404", r.Status)
	}
}

// TestChangePasswordEndsOtherSessions checks POST /api/me/password: the
// current password is required, the new one works and the old does not,
// the session that changed it stays, and the account's other sessions
// end, streams included.
func TestChangePasswordEndsOtherSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	_, password := e.account(t, "leader", auth.GridLeader, 9, 0)
	here, there := e.anonymous(t), e.anonymous(t)
	for _, c := range []*client{here, there} {
		if r := c.do("POST", "/api/login", map[string]string{"username": "leader", "password": password}); r.Status != 200 {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
	}
	v, _, err := dial(t, e, there, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "grid": 9})
	v.next(15*time.Second, func(m message) bool { return m.Type == "snapshot" })
	mine, _, err := dial(t, e, here, "")
	if err != nil {
		t.Fatal(err)
	}
	mine.send(map[string]any{"type": "subscribe", "grid": 9})
	mine.next(15*time.Second, func(m message) bool { return m.Type == "snapshot" })

	const fresh = "a-new-long-password"
	if r := here.do("POST", "/api/me/password", map[string]string{"current": "not-the-password", "new": fresh}); r.Status != 403 || r.Error.Field != "current" {
		t.Errorf("wrong current password: %d %s, want 403 naming current", r.Status, r.Body)
	}
	if r := here.do("POST", "/api/me/password", map[string]string{"current": password, "new": "short"}); r.Status != 400 || r.Error.Field != "new" {
		t.Errorf("short new password: %d %s, want 400 naming new", r.Status, r.Body)
	}
	if r := here.do("POST", "/api/me/password", map[string]string{"current": password, "new": fresh}); r.Status != 200 {
		t.Fatalf("change password: %d %s", r.Status, r.Body)
	}
	if code := v.closeCode(3 * time.Second); code != live.CloseUnauthorized {
		t.Errorf("the other session's stream closed with %d, want %d", code, live.CloseUnauthorized)
	}
	if r := there.do("GET", "/api/me", nil); r.Status != 401 {
		t.Errorf("the other session: %d, want 401", r.Status)
	}
	if r := here.do("GET", "/api/me", nil); r.Status != 200 {
		t.Errorf("the session that changed it: %d, want 200", r.Status)
	}
	// The stream of the session that changed it goes on.
	mine.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, _, err := mine.conn.ReadMessage(); err != nil && !strings.Contains(err.Error(), "timeout") {
		t.Errorf("the current session's stream ended: %v", err)
	}
	login := e.anonymous(t)
	if r := login.do("POST", "/api/login", map[string]string{"username": "leader", "password": password}); r.Status != 401 {
		t.Errorf("old password: %d, want 401", r.Status)
	}
	if r := login.do("POST", "/api/login", map[string]string{"username": "leader", "password": fresh}); r.Status != 200 {
		t.Errorf("new password: %d, want 200", r.Status)
	}
	if n := scalar[string](t, e, `SELECT coalesce(string_agg(after::text, ''), '') FROM audit_log WHERE action = 'change_password'`); n == "" || strings.Contains(n, "$2") {
		t.Errorf("audit of the change %q: want a row, without the hash", n)
	}
	phone := e.client(t, "phone", auth.Device, 0)
	if r := phone.do("POST", "/api/me/password", map[string]string{"current": "x", "new": fresh}); r.Status != 403 {
		t.Errorf("a device changing a password: %d, want 403", r.Status)
	}
}

// TestMetricsAdminOnly checks that /metrics is served only to admins.
func TestMetricsAdminOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	if r := e.anonymous(t).do("GET", "/metrics", nil); r.Status != 401 {
		t.Errorf("anonymous: %d, want 401", r.Status)
	}
	if r := e.client(t, "wall", auth.Viewer, 0).do("GET", "/metrics", nil); r.Status != 403 {
		t.Errorf("viewer: %d, want 403", r.Status)
	}
	r := e.client(t, "admin", auth.Admin, 0).do("GET", "/metrics", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "gridmap_http_requests_total") {
		t.Errorf("admin: %d, want the metrics", r.Status)
	}
}
