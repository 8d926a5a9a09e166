package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

// cutProxy forwards TCP to PostgreSQL until cut, like a network that can
// fail: cut closes the listener and every open connection; restore
// listens on the same address again.
type cutProxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	p := &cutProxy{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *cutProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *cutProxy) restore(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

// TestDatabaseOutageIs503: with PostgreSQL out of reach, a session
// lookup, a read, a field write and readiness all answer 503 with
// Retry-After (never 500 or 401), and everything works again once it is
// back.
func TestDatabaseOutageIs503(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	host := strings.TrimPrefix(strings.SplitN(strings.SplitN(e.db.URL, "@", 2)[1], "/", 2)[0], "")
	proxy := newCutProxy(t, host)
	st, err := store.Open(context.Background(), strings.Replace(e.db.URL, host, proxy.addr, 1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hier, err := st.Hierarchy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{}, server.Deps{Store: st, Bus: live.NewBus(live.NewHub(hier), nil, log), Log: log})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	leader := e.client(t, "leader", auth.GridLeader, 9)
	leader.base = ts.URL
	household := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9`)
	if s := leader.get("/api/grids/9", nil); s != 200 {
		t.Fatalf("before the outage: %d", s)
	}

	proxy.cut()
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/grids/9", nil},
		{"GET", "/api/grids/9/gaps", nil},
		{"POST", "/api/screenings", map[string]any{"client_id": cid(), "household_id": household, "outcome": "normal"}},
		{"GET", "/readyz", nil},
	} {
		r := leader.do(c.method, c.path, c.body)
		if r.Status != 503 || r.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s with the database away: %d (Retry-After %q) %s, want 503 with Retry-After",
				c.method, c.path, r.Status, r.Header.Get("Retry-After"), r.Body)
		}
		if c.path != "/readyz" && (r.Error.Code != "db_unavailable" || !hasCJK(r.Error.Error)) {
			t.Errorf("%s %s with the database away: %s, want code db_unavailable in zh-CN (the default)", c.method, c.path, r.Body)
		}
	}

	english := *leader
	english.lang = "en"
	if r := english.do("GET", "/api/grids/9", nil); r.Status != 503 || r.Error.Code != "db_unavailable" || hasCJK(r.Error.Error) || r.Error.Error == "" {
		t.Errorf("in English with the database away: %d %s", r.Status, r.Body)
	}

	proxy.restore(t)
	deadline := time.Now().Add(10 * time.Second)
	for leader.get("/api/grids/9", nil) != 200 {
		if time.Now().After(deadline) {
			t.Fatal("the server did not recover once the database was back")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestReadyWithNATSDown: an instance started with --nats while NATS is
// unreachable starts, serves alone and stays ready, saying so.
func TestReadyWithNATSDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := live.NewHub(nil)
	relay, err := live.NewRelay("nats://127.0.0.1:1", "down-"+e.db.Name, hub, log)
	if err != nil {
		t.Fatalf("NewRelay with NATS down: %v, want a relay that keeps retrying", err)
	}
	t.Cleanup(relay.Close)
	srv := server.New(server.Config{}, server.Deps{Store: e.db.Store, Bus: live.NewBus(hub, relay, log), Log: log})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	c := e.anonymous(t)
	c.base = ts.URL
	var ready map[string]string
	if s := c.get("/readyz", &ready); s != 200 || ready["nats"] != "unreachable" || ready["fanout"] != "local" {
		t.Errorf("readyz with NATS down: %d %v, want 200 saying NATS is unreachable and fan-out local", s, ready)
	}
}
