package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/ingest"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/server"
)

// natsURL is the NATS server the multi-instance test uses.
func natsURL() string {
	if u := os.Getenv("NATS_URL"); u != "" {
		return u
	}
	return nats.DefaultURL
}

// instance is a second gridmap server over the same database, sharing the
// live stream through NATS.
func instance(t *testing.T, db *testdb.DB, id string) (*httptest.Server, *live.Relay) {
	t.Helper()
	ts, relay, _ := instanceWith(t, db, id, server.Config{})
	return ts, relay
}

// instanceWith is instance with a configuration; its server is returned
// too, for its background work.
func instanceWith(t *testing.T, db *testdb.DB, id string, cfg server.Config) (*httptest.Server, *live.Relay, *server.Server) {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hier, err := db.Store.Hierarchy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hub := live.NewHub(hier)
	relay, err := live.NewRelay(natsURL(), id, hub, log)
	if err != nil {
		testdb.Unavailable(t, "NATS at %s: %v", natsURL(), err)
	}
	t.Cleanup(relay.Close)
	bus := live.NewBus(hub, relay, log)
	pipe := ingest.New(ingest.Config{}, db.Store, bus, log)
	if err := pipe.Load(ctx); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { pipe.Run(rctx); close(done) }()
	srv := server.New(cfg, server.Deps{Store: db.Store, Bus: bus, Ingest: pipe, Log: log})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.StopStreams(); ts.Close(); cancel(); <-done })
	return ts, relay, srv
}

// TestNATSAcrossInstances posts a position to instance A and receives it
// on a viewer of instance B, through the real NATS server.
func TestNATSAcrossInstances(t *testing.T) {
	e := newEnv(t, server.Config{}) // for the database, accounts and helpers
	tsA, _ := instance(t, e.db, "test-a-"+e.db.Name)
	tsB, relayB := instance(t, e.db, "test-b-"+e.db.Name)
	if err := relayB.Ping(); err != nil {
		t.Fatal(err)
	}
	wall := e.client(t, "wall", auth.Viewer, 0)
	e.ts = tsB
	v, _, err := dial(t, e, wall, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "topics": []string{"positions", "geofence"}})
	v.next(15*time.Second, func(m message) bool { return m.Type == "snapshot" })

	e.ts = tsA
	id := volunteers(t, e, 1)[0]
	d := e.device(t, "phone", id)
	d.c.base = tsA.URL
	lon, lat := pointIn(t, e, 9)
	start := time.Now()
	d.post(lon, lat, start)
	var got, ev *message
	for got == nil || ev == nil {
		m := v.next(15*time.Second, func(m message) bool { return m.Type == "event" || m.Type == "positions" && len(m.Items) > 0 })
		if m.Type == "event" {
			ev = &m
		} else {
			got = &m
		}
	}
	if got.Items[0].V != id || got.Items[0].G != 9 {
		t.Errorf("viewer on B got %+v, want volunteer %d in grid 9", got.Items, id)
	}
	if ev.Grid != 9 || ev.Seq == 0 {
		t.Errorf("geofence event on B: %+v", ev)
	}
	t.Logf("A → NATS → B in %v", time.Since(start))
	var ready map[string]string
	e.anonymous(t).get("/readyz", &ready)
	if ready["nats"] != "ok" {
		t.Errorf("readyz on A: %v, want nats ok", ready)
	}
}

// TestNATSCoverageAcrossInstances: field writes on instance A change the
// live coverage figures on instance B at once (B applies the deltas A
// publishes), without waiting for B's recount.
func TestNATSCoverageAcrossInstances(t *testing.T) {
	e := newEnv(t, server.Config{})
	tsA, _ := instance(t, e.db, "cov-a-"+e.db.Name)
	tsB, relayB := instance(t, e.db, "cov-b-"+e.db.Name)
	if err := relayB.Ping(); err != nil {
		t.Fatal(err)
	}
	admin := e.client(t, "nats-admin", auth.Admin, 0)
	figures := func(ts *httptest.Server) coverage.Figures {
		t.Helper()
		admin.base = ts.URL
		var res struct{ Grid coverage.Figures }
		if st := admin.get("/api/grids/9/coverage", &res); st != 200 {
			t.Fatalf("coverage: %d", st)
		}
		return res.Grid
	}
	before := figures(tsB) // B counts its figures now, before the writes
	hs := unscreened(t, e, 9, 3)
	building := scalar[int64](t, e, `SELECT building_id FROM households WHERE id = $1`, hs[0])
	admin.base = tsA.URL
	for _, h := range hs {
		if r := admin.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal"}`, cid(), h)); r.Status != 201 {
			t.Fatalf("screening on A: %d %s", r.Status, r.Body)
		}
	}
	if r := admin.do("POST", "/api/requests", fmt.Sprintf(`{"client_id": %q, "building_id": %d, "category": "repair", "body": "门禁坏了"}`, cid(), building)); r.Status != 201 {
		t.Fatalf("request on A: %d %s", r.Status, r.Body)
	}
	want := before
	want.ScreenedToday += 3
	want.OpenRequests++
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := figures(tsB)
		if got.Tally == want.Tally {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B's figures for grid 9: %+v, want %+v", got.Tally, want.Tally)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestNATSBoundariesAcrossInstances: a publication on instance A reaches
// instance B's index at once: a position posted to B right after A's
// answer is assigned by the new boundaries, and B's viewers hear of it.
func TestNATSBoundariesAcrossInstances(t *testing.T) {
	e := newEnv(t, server.Config{})
	tsA, _ := instance(t, e.db, "bnd-a-"+e.db.Name)
	tsB, relayB := instance(t, e.db, "bnd-b-"+e.db.Name)
	if err := relayB.Ping(); err != nil {
		t.Fatal(err)
	}
	e.ts = tsB
	v, _, err := dial(t, e, e.client(t, "wall", auth.Viewer, 0), "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "topics": []string{"boundaries"}})
	v.next(15*time.Second, func(m message) bool { return m.Type == "snapshot" })

	p := planner{t, e.client(t, "planner", auth.Planner, 0)}
	p.c.base = tsA.URL
	d := p.open(2)
	d = p.mustOp(d, map[string]any{"op": "split", "id": 9, "line": splitLine(t, e, 9, 0.5)})
	r := p.publish(d, "no_leader", "load_rise")
	if r.Status != 200 {
		t.Fatalf("publish on A: %d %s", r.Status, r.Body)
	}
	var pub struct{ Added map[string]int64 }
	json.Unmarshal(r.Body, &pub)
	v.next(15*time.Second, func(m message) bool { return m.Type == "event" && m.Topic == "boundaries" })

	// B rebuilds its index when the event arrives; the event reached B's
	// viewer through B, so B has it. Post to B.
	part := pub.Added["-2"]
	lon, lat := pointIn(t, e, part)
	id := volunteers(t, e, 1)[0]
	dev := e.device(t, "phone", id)
	dev.c.base = tsB.URL
	deadline := time.Now().Add(5 * time.Second)
	for {
		dev.post(lon, lat, time.Now())
		var grid *int64
		time.Sleep(300 * time.Millisecond)
		e.conn.QueryRow(context.Background(), `SELECT grid_id FROM latest_positions WHERE volunteer_id = $1`, id).Scan(&grid)
		if grid != nil && *grid == part {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a position posted to B is in grid %v, want the new grid %d", grid, part)
		}
	}
}

// TestNATSCoverageExactWithRecounts: a coverage delta from instance A
// that reaches instance B after a recount of B whose snapshot already saw
// the write (NATS late, B's recount quick) is not added again, so B's
// figures stay equal to SQL's instead of counting it twice until the next
// recount. The late delivery is made certain by sending A's captured
// message again after B recounted.
func TestNATSCoverageExactWithRecounts(t *testing.T) {
	clk := newClock(time.Now())
	e := newEnv(t, server.Config{Clock: clk.now})
	tsA, _, _ := instanceWith(t, e.db, "exact-a-"+e.db.Name, server.Config{Clock: clk.now})
	tsB, relayB, srvB := instanceWith(t, e.db, "exact-b-"+e.db.Name, server.Config{Clock: clk.now, CoverageEvery: 20 * time.Millisecond})
	if err := relayB.Ping(); err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(natsURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	captured := make(chan *nats.Msg, 64)
	sub, err := nc.Subscribe("gridmap.live.events", func(m *nats.Msg) {
		if strings.Contains(string(m.Data), `"delta"`) {
			captured <- m
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	nc.Flush()

	admin := e.client(t, "exact-admin", auth.Admin, 0)
	admin.base = tsB.URL
	checkCoverage(t, e, admin, clk, "B before the write") // B counts once
	admin.base = tsA.URL
	h := unscreened(t, e, 9, 1)[0]
	if r := admin.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal"}`, cid(), h)); r.Status != 201 {
		t.Fatalf("screening on A: %d %s", r.Status, r.Body)
	}
	var late *nats.Msg
	select {
	case late = <-captured:
	case <-time.After(5 * time.Second):
		t.Fatal("A's coverage delta never crossed NATS")
	}
	// B recounts (its snapshot sees the write), then the delta arrives
	// again, late.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srvB.Background(ctx); close(done) }()
	time.Sleep(150 * time.Millisecond)
	cancel()
	<-done
	if err := nc.PublishMsg(&nats.Msg{Subject: late.Subject, Header: late.Header, Data: late.Data}); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	time.Sleep(300 * time.Millisecond)
	admin.base = tsB.URL
	checkCoverage(t, e, admin, clk, "B after a late delta of a write its recount had counted")
}
