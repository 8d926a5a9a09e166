package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/server"
)

// viewer is a real WebSocket client of /ws.
type viewer struct {
	t    *testing.T
	conn *websocket.Conn
}

// dial opens /ws as c (its session cookie or token) with an Origin of
// this site unless origin says otherwise.
func dial(t *testing.T, e *env, c *client, origin string) (*viewer, *http.Response, error) {
	t.Helper()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	if c.bearer != "" {
		h.Set("Authorization", "Bearer "+c.bearer)
	} else if c.http.Jar != nil {
		for _, ck := range c.http.Jar.Cookies(mustURL(e.ts.URL)) {
			h.Add("Cookie", ck.Name+"="+ck.Value)
		}
	}
	url := "ws" + strings.TrimPrefix(e.ts.URL, "http") + "/ws"
	conn, res, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		return nil, res, err
	}
	t.Cleanup(func() { conn.Close() })
	return &viewer{t: t, conn: conn}, res, nil
}

func (v *viewer) send(m any) {
	v.t.Helper()
	if err := v.conn.WriteJSON(m); err != nil {
		v.t.Fatal(err)
	}
}

// message is any frame the server sends.
type message struct {
	Type      string
	Seq       int64
	Resync    bool
	Since     int64
	Topic     string
	Grid      int64
	Field     string
	Error     string
	Data      json.RawMessage
	Items     []livePos
	Positions []livePos

	HeartbeatMS int64 `json:"heartbeat_ms"`
	T           int64 // a heartbeat's server time, Unix ms
}

type livePos struct {
	V   int64
	G   int64
	Lon float64
	Lat float64
	T   int64
}

// next reads frames until one satisfies match, failing after wait.
func (v *viewer) next(wait time.Duration, match func(message) bool) message {
	v.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		v.conn.SetReadDeadline(deadline)
		var m message
		if err := v.conn.ReadJSON(&m); err != nil {
			v.t.Fatalf("waiting for a frame: %v", err)
		}
		if match(m) {
			return m
		}
	}
}

// closeCode reads until the server closes and returns the close code.
func (v *viewer) closeCode(wait time.Duration) int {
	v.t.Helper()
	v.conn.SetReadDeadline(time.Now().Add(wait))
	for {
		if _, _, err := v.conn.ReadMessage(); err != nil {
			if ce, ok := err.(*websocket.CloseError); ok {
				return ce.Code
			}
			v.t.Fatalf("no close frame: %v", err)
		}
	}
}

// device posts positions for a volunteer, at lon/lat, now.
type device struct {
	c  *client
	id int64
}

func (e *env) device(t *testing.T, name string, volunteer int64) *device {
	id, _ := e.account(t, name, auth.Device, 0, volunteer)
	jar := e.anonymous(t)
	jar.bearer = e.token(t, id, time.Hour)
	jar.http.Jar = nil
	return &device{c: jar, id: volunteer}
}

func (d *device) post(lon, lat float64, at time.Time) {
	d.c.t.Helper()
	r := d.c.do("POST", "/api/positions", map[string]any{"positions": []map[string]any{{"lon": lon, "lat": lat, "accuracy": 5, "at": at.UTC().Format(time.RFC3339Nano)}}})
	if r.Status != 202 {
		d.c.t.Fatalf("post position: %d %s", r.Status, r.Body)
	}
}

// pointIn returns a point inside grid id.
func pointIn(t *testing.T, e *env, id int64) (float64, float64) {
	var lon, lat float64
	if err := e.conn.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM current_grids WHERE id = $1) x`, id).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	return lon, lat
}

func volunteers(t *testing.T, e *env, n int) []int64 {
	rows, err := e.conn.Query(context.Background(), `SELECT person_id FROM volunteers ORDER BY person_id LIMIT $1`, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}

func TestStreamSnapshotThenDeltas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	vs := volunteers(t, e, 2)
	a, b := e.device(t, "phone-a", vs[0]), e.device(t, "phone-b", vs[1])
	lon, lat := pointIn(t, e, 9)
	a.post(lon, lat, time.Now())

	v, _, err := dial(t, e, e.client(t, "wall", auth.Viewer, 0), "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "topics": []string{"positions", "geofence"}})
	snap := v.next(15*time.Second, func(m message) bool { return true })
	if snap.Type != "snapshot" || len(snap.Positions) != 1 || snap.Positions[0].V != vs[0] || snap.Positions[0].G != 9 {
		t.Fatalf("first frame %+v, want a snapshot with volunteer %d in grid 9", snap, vs[0])
	}
	lon10, lat10 := pointIn(t, e, 10)
	b.post(lon10, lat10, time.Now())
	// The delta, and (in either order: events go at once, positions with
	// the next frame) a durable geofence "enter" for the first sighting.
	var delta, ev *message
	for delta == nil || ev == nil {
		m := v.next(15*time.Second, func(m message) bool { return m.Type == "positions" || m.Type == "event" })
		if m.Type == "positions" {
			delta = &m
		} else {
			ev = &m
		}
	}
	if len(delta.Items) != 1 || delta.Items[0].V != vs[1] || delta.Items[0].G != 10 {
		t.Errorf("delta %+v, want volunteer %d in grid 10", delta.Items, vs[1])
	}
	if ev.Seq <= 0 || ev.Topic != "geofence" || ev.Grid != 10 || !strings.Contains(string(ev.Data), `"enter"`) {
		t.Errorf("geofence event %+v", ev)
	}
}

// TestStreamScope checks that a grid leader's stream never carries what
// happens outside their subtree, with positions on both sides of the
// boundary, and that subscribing outside it is refused.
func TestStreamScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	vs := volunteers(t, e, 2)
	in, out := e.device(t, "phone-in", vs[0]), e.device(t, "phone-out", vs[1])
	leader := e.client(t, "leader9", auth.GridLeader, 9)
	v, _, err := dial(t, e, leader, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "grid": 9})
	if m := v.next(15*time.Second, func(message) bool { return true }); m.Type != "snapshot" {
		t.Fatalf("first frame %+v", m)
	}
	lon9, lat9 := pointIn(t, e, 9)
	lon10, lat10 := pointIn(t, e, 10) // the neighbouring compound
	for i := 0; i < 5; i++ {
		now := time.Now()
		out.post(lon10, lat10, now)
		in.post(lon9, lat9, now)
		time.Sleep(120 * time.Millisecond)
	}
	deadline := time.Now().Add(1500 * time.Millisecond)
	seen := 0
	for time.Now().Before(deadline) {
		v.conn.SetReadDeadline(deadline)
		var m message
		if err := v.conn.ReadJSON(&m); err != nil {
			break
		}
		for _, p := range append(m.Items, m.Positions...) {
			if p.V == vs[1] || p.G != 9 {
				t.Fatalf("leader of 9 received %+v from outside the grid", p)
			}
			seen++
		}
		if m.Type == "event" && m.Grid != 9 {
			t.Fatalf("leader of 9 received an event of grid %d", m.Grid)
		}
	}
	if seen == 0 {
		t.Error("leader saw no position of their own grid")
	}
	for _, sub := range []map[string]any{{"type": "subscribe", "grid": 10}, {"type": "subscribe"}} {
		v2, _, err := dial(t, e, leader, "")
		if err != nil {
			t.Fatal(err)
		}
		v2.send(sub)
		if m := v2.next(15*time.Second, func(message) bool { return true }); m.Type != "error" || m.Field != "grid" {
			t.Errorf("subscribe %v: %+v, want an error naming grid", sub, m)
		}
		if code := v2.closeCode(5 * time.Second); code != live.CloseForbidden {
			t.Errorf("subscribe %v: close %d, want %d", sub, code, live.CloseForbidden)
		}
	}
}

// streamTopicsMatrix subscribes to every topic as every role, inside the
// role's scope; TestAuthorizationMatrix runs it. (Subscriptions outside
// the scope are TestStreamScope's.)
func streamTopicsMatrix(t *testing.T, e *env) {
	for _, r := range auth.Roles() {
		grid := int64(0)
		if r.Scoped() {
			grid = 2
		}
		c := e.client(t, "t-"+string(r), r, grid)
		for _, topic := range live.Topics() {
			t.Run(string(r)+"/"+topic, func(t *testing.T) {
				v, res, err := dial(t, e, c, "")
				if r == auth.Device {
					if err == nil || res == nil || res.StatusCode != 403 {
						t.Fatalf("device opened the viewer stream: %v", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				v.send(map[string]any{"type": "subscribe", "grid": grid, "topics": []string{topic}})
				if m := v.next(15*time.Second, func(message) bool { return true }); m.Type != "snapshot" {
					t.Errorf("%s subscribing to %s in its scope: %+v", r, topic, m)
				}
			})
		}
	}
}

func TestStreamUpgradeChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	wall := e.client(t, "wall", auth.Viewer, 0)
	if _, res, err := dial(t, e, wall, "https://evil.example"); err == nil || res == nil || res.StatusCode != 403 {
		t.Errorf("foreign Origin: %v, want 403", err)
	}
	if _, _, err := dial(t, e, wall, e.ts.URL); err != nil {
		t.Errorf("own Origin refused: %v", err)
	}
	if _, res, err := dial(t, e, e.anonymous(t), e.ts.URL); err == nil || res == nil || res.StatusCode != 401 {
		t.Errorf("no login: %v, want 401", err)
	}
	v, _, err := dial(t, e, wall, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "topics": []string{"gossip"}})
	if m := v.next(15*time.Second, func(message) bool { return true }); m.Type != "error" || m.Field != "topics" {
		t.Errorf("unknown topic: %+v", m)
	}
	if code := v.closeCode(5 * time.Second); code != live.CloseBadMessage {
		t.Errorf("close %d, want %d", code, live.CloseBadMessage)
	}
	v2, _, _ := dial(t, e, wall, "")
	v2.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"subscribe","note":"`+strings.Repeat("x", 5000)+`"}`))
	if code := v2.closeCode(5 * time.Second); code != websocket.CloseMessageTooBig {
		t.Errorf("oversize message: close %d, want %d", code, websocket.CloseMessageTooBig)
	}
}

// TestStreamResume disconnects a viewer, makes durable events while it is
// away, and checks it gets each missed one exactly once on reconnect.
func TestStreamResume(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	wall := e.client(t, "wall", auth.Viewer, 0)
	v, _, err := dial(t, e, wall, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "topics": []string{"geofence"}})
	v.next(15*time.Second, func(m message) bool { return m.Type == "snapshot" })
	vs := volunteers(t, e, 8)
	lon, lat := pointIn(t, e, 9)
	e.device(t, "first", vs[0]).post(lon, lat, time.Now())
	last := v.next(15*time.Second, func(m message) bool { return m.Type == "event" }).Seq
	v.conn.Close()

	// While away: six volunteers appear (six enter events).
	for i, id := range vs[1:7] {
		e.device(t, fmt.Sprintf("away%d", i), id).post(lon, lat, time.Now())
	}
	want := scalar[int64](t, e, `SELECT count(*) FROM live_events WHERE seq > $1`, last)
	deadline := time.Now().Add(5 * time.Second)
	for want < 6 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		want = scalar[int64](t, e, `SELECT count(*) FROM live_events WHERE seq > $1`, last)
	}
	if want != 6 {
		t.Fatalf("%d events stored while away, want 6", want)
	}
	v2, _, err := dial(t, e, wall, "")
	if err != nil {
		t.Fatal(err)
	}
	v2.send(map[string]any{"type": "subscribe", "topics": []string{"geofence"}, "since": last})
	if m := v2.next(15*time.Second, func(message) bool { return true }); m.Type != "resumed" || m.Since != last {
		t.Fatalf("first frame on resume %+v", m)
	}
	got := map[int64]int{}
	prev := last
	for i := 0; i < 6; i++ {
		m := v2.next(15*time.Second, func(m message) bool { return m.Type == "event" })
		got[m.Seq]++
		if m.Seq <= prev {
			t.Errorf("seq %d after %d: out of order or repeated", m.Seq, prev)
		}
		prev = m.Seq
	}
	// One more live event arrives after the replay, once.
	e.device(t, "after", vs[7]).post(lon, lat, time.Now())
	m := v2.next(15*time.Second, func(m message) bool { return m.Type == "event" })
	if m.Seq <= prev || got[m.Seq] > 0 {
		t.Errorf("live event after replay has seq %d (last replayed %d)", m.Seq, prev)
	}
	for seq, n := range got {
		if n != 1 {
			t.Errorf("event %d delivered %d times", seq, n)
		}
	}
}

// TestStreamSlowClientDropped stalls one viewer (it never reads) while
// events pour in: it is closed with 4008, and another viewer still gets a
// fresh position within normal latency.
func TestStreamSlowClientDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	wall := e.client(t, "wall", auth.Viewer, 0)
	stalled, _, err := dial(t, e, wall, "")
	if err != nil {
		t.Fatal(err)
	}
	stalled.send(map[string]any{"type": "subscribe", "topics": []string{"alerts", "positions"}})
	healthy, _, err := dial(t, e, wall, "")
	if err != nil {
		t.Fatal(err)
	}
	healthy.send(map[string]any{"type": "subscribe", "topics": []string{"positions"}})
	healthy.next(15*time.Second, func(m message) bool { return m.Type == "snapshot" })
	time.Sleep(200 * time.Millisecond)

	// 4 MB of alerts per burst into the real hub: far more than the stalled
	// viewer's socket buffers and its queue of 1,024 can hold.
	payload := json.RawMessage(`{"text":"` + strings.Repeat("告警", 1000) + `"}`)
	go func() {
		for i := int64(1); i <= 8000; i++ {
			e.hub.PublishEvent(live.Event{Seq: 1_000_000 + i, Topic: live.TopicAlerts, GridID: 9, At: time.Now(), Payload: payload})
		}
	}()
	lon, lat := pointIn(t, e, 9)
	d := e.device(t, "phone", volunteers(t, e, 1)[0])
	var worst time.Duration
	for i := 0; i < 10; i++ {
		start := time.Now()
		d.post(lon, lat, start)
		healthy.next(15*time.Second, func(m message) bool { return m.Type == "positions" })
		worst = max(worst, time.Since(start))
		time.Sleep(50 * time.Millisecond)
	}
	if worst > time.Second {
		t.Errorf("healthy viewer's worst post-to-receipt latency %v while another stalled", worst)
	}
	// The stalled viewer now reads, and finds it was closed for falling behind.
	stalled.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	code := 0
	for {
		_, _, err := stalled.conn.ReadMessage()
		if ce, ok := err.(*websocket.CloseError); ok {
			code = ce.Code
			break
		}
		if err != nil {
			t.Fatalf("stalled viewer: %v", err)
		}
	}
	if code != live.CloseSlowConsumer {
		t.Errorf("stalled viewer closed with %d, want %d", code, live.CloseSlowConsumer)
	}
	t.Logf("healthy viewer's worst latency %v; stalled viewer closed with %d", worst, code)
}
