package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
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

// wallLink is the answer to POST /api/wall-links.
type wallLink struct {
	ID         int64      `json:"id"`
	URL        string     `json:"url"`
	GridID     int64      `json:"grid_id"`
	GridName   *string    `json:"grid_name"`
	CreatedBy  *string    `json:"created_by"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// issueWallLink issues a wall link for grid as admin.
func issueWallLink(t *testing.T, admin *client, grid int64, ttlHours int) wallLink {
	t.Helper()
	r := admin.do("POST", "/api/wall-links", map[string]any{"grid_id": grid, "ttl_hours": ttlHours})
	var l wallLink
	if r.Status != 201 || json.Unmarshal(r.Body, &l) != nil {
		t.Fatalf("issue a wall link: %d %s", r.Status, r.Body)
	}
	return l
}

// screen is a client with no cookie and no keyboard: it opens a link and
// keeps whatever cookie the answer sets. It does not follow redirects, so
// the test sees the 303 itself.
func screen(e *env) *client {
	jar, _ := cookiejar.New(nil)
	return &client{base: e.ts.URL, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// open opens a wall link's URL as the screen does, at the client's
// server (the link's path, whichever server issued it).
func (c *client) open(t *testing.T, link string) response {
	t.Helper()
	c.t = t
	return c.do("GET", mustURL(link).RequestURI(), nil)
}

// TestWallLinkLogsInReadOnly issues a wall link for grid 9 and opens it
// in a client with no cookie: it is logged in as a viewer limited to grid
// 9, people's names masked, every write refused, its stream limited to
// the grid; the log-in is audited.
func TestWallLinkLogsInReadOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "admin", auth.Admin, 0)
	l := issueWallLink(t, admin, 9, 720)
	if !strings.HasPrefix(l.URL, e.ts.URL+"/wall/link/gmw_") || l.GridID != 9 || l.CreatedBy == nil || *l.CreatedBy != "admin" {
		t.Fatalf("issued %+v, want a URL of this server under /wall/link/, grid 9, by admin", l)
	}
	if d := time.Until(l.ExpiresAt); d < 719*time.Hour || d > 721*time.Hour {
		t.Errorf("expires in %v, want 720 h", d)
	}

	wall := screen(e)
	r := wall.open(t, l.URL)
	if r.Status != 303 || r.Header.Get("Location") != "/wall?grid=9" {
		t.Fatalf("open the link: %d Location %q, want 303 to /wall?grid=9", r.Status, r.Header.Get("Location"))
	}
	cookie := r.Header.Get("Set-Cookie")
	if !strings.Contains(cookie, "gridmap_session=gms_") || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "Max-Age=259") {
		t.Errorf("Set-Cookie %q, want an HttpOnly session cookie kept for the link's 720 h (Max-Age=259…)", cookie)
	}
	var me struct {
		Role   string `json:"role"`
		GridID *int64 `json:"grid_id"`
	}
	if s := wall.get("/api/me", &me); s != 200 || me.Role != "viewer" || me.GridID == nil || *me.GridID != 9 {
		t.Fatalf("/api/me: %d %+v, want a viewer of grid 9", s, me)
	}

	// Only its area.
	for path, want := range map[string]int{
		"/api/grids/9": 200, "/api/grids/10": 403, "/api/grids/9/coverage": 200, "/api/grids/10/coverage": 403,
		"/api/buildings?grid=10": 403, "/api/audit": 403, "/api/wall-links": 403, "/api/accounts": 403,
	} {
		if r := wall.do("GET", path, nil); r.Status != want {
			t.Errorf("GET %s: %d, want %d", path, r.Status, want)
		}
	}
	var cov struct {
		Grids []struct{ Grid int64 } `json:"grids"`
	}
	if s := wall.get("/api/coverage?level=3", &cov); s != 200 || len(cov.Grids) != 1 || cov.Grids[0].Grid != 9 {
		t.Errorf("/api/coverage?level=3: %d %+v, want grid 9 alone", s, cov)
	}
	person := scalar[int64](t, e, `SELECT min(id) FROM people WHERE home_grid_id = 9 AND length(name) > 1`)
	var who struct{ Name string }
	if s := wall.get(fmt.Sprintf("/api/people/%d", person), &who); s != 200 || !strings.Contains(who.Name, "*") {
		t.Errorf("a person of grid 9: %d %q, want the name masked", s, who.Name)
	}

	// Every write is refused.
	for _, rt := range e.srv.Routes() {
		if rt.Method == "GET" || rt.Perm == auth.Public {
			continue
		}
		path := strings.NewReplacer("{id}", "1", "{kind}", "screenings").Replace(rt.Pattern)
		body := map[string]any{"current": "not-its-password", "new": "a-new-password"} // the password change passes the guard, and finds no password
		if r := wall.do(rt.Method, path, body); r.Status != 403 {
			t.Errorf("%s %s as the wall: %d %s, want 403", rt.Method, path, r.Status, r.Body)
		}
	}

	// Its stream: its grid, not the whole area.
	v, _, err := dial(t, e, wall, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "grid": 9})
	v.next(5*time.Second, func(m message) bool { return m.Type == "snapshot" })
	whole, _, err := dial(t, e, wall, "")
	if err != nil {
		t.Fatal(err)
	}
	whole.send(map[string]any{"type": "subscribe"})
	if code := whole.closeCode(5 * time.Second); code != live.CloseForbidden {
		t.Errorf("the wall subscribing to the whole area: close %d, want %d", code, live.CloseForbidden)
	}

	if n := scalar[int64](t, e, `SELECT count(*) FROM audit_log WHERE entity = 'wall_link' AND entity_id = $1 AND action IN ('create', 'login')`, fmt.Sprint(l.ID)); n != 2 {
		t.Errorf("%d audit rows of the issue and the log-in, want 2", n)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM audit_log WHERE entity = 'wall_link' AND action = 'login' AND account_id IS NOT NULL AND after->>'addr' <> ''`); n != 1 {
		t.Errorf("%d log-in rows with the screen's account and address, want 1", n)
	}
}

// TestWallLinkIssueRules checks who may issue a link and what it must
// say.
func TestWallLinkIssueRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "admin", auth.Admin, 0)
	for _, who := range []*client{e.client(t, "leader", auth.GridLeader, 9), e.client(t, "viewer", auth.Viewer, 0), e.client(t, "planner", auth.Planner, 0)} {
		if r := who.do("POST", "/api/wall-links", map[string]any{"grid_id": 9, "ttl_hours": 1}); r.Status != 403 {
			t.Errorf("a non-admin issuing a link: %d, want 403", r.Status)
		}
	}
	for _, tt := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"ttl_hours": 1}, "grid_id"},
		{map[string]any{"grid_id": 9}, "ttl_hours"},
		{map[string]any{"grid_id": 9, "ttl_hours": 367 * 24}, "ttl_hours"},
		{map[string]any{"grid_id": 1 << 40, "ttl_hours": 1}, "grid_id"},
	} {
		if r := admin.do("POST", "/api/wall-links", tt.body); r.Status != 400 || r.Error.Field != tt.field {
			t.Errorf("issue %v: %d %s, want 400 naming %s", tt.body, r.Status, r.Body, tt.field)
		}
	}
	if r := admin.do("DELETE", "/api/wall-links/99999999", nil); r.Status != 404 {
		t.Errorf("revoke an unknown link: %d, want 404", r.Status)
	}
}

// TestWallLinkExpired checks that an expired link and nonsense are
// refused with the page that says so, never a login form, and that a
// session ends with its link's expiry, however recently used.
func TestWallLinkExpired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "admin", auth.Admin, 0)
	l := issueWallLink(t, admin, 9, 1)
	wall := screen(e)
	if r := wall.open(t, l.URL); r.Status != 303 {
		t.Fatalf("open: %d", r.Status)
	}
	scalar[int64](t, e, `WITH u AS (UPDATE wall_links SET expires_at = now() - interval '1 minute' WHERE id = $1 RETURNING 1) SELECT count(*) FROM u`, l.ID)
	for _, url := range []string{l.URL, e.ts.URL + "/wall/link/nonsense", e.ts.URL + "/wall/link/gmw_" + strings.Repeat("0", 43)} {
		r := screen(e).open(t, url)
		body := string(r.Body)
		if r.Status != 410 || r.Header.Get("Set-Cookie") != "" || !strings.Contains(body, "指挥中心") || !strings.Contains(body, "command centre") ||
			strings.Contains(body, "password") || strings.Contains(body, "<form") {
			t.Errorf("open %s: %d %.300s, want 410 and the page in both languages, no cookie, no form", url, r.Status, body)
		}
	}
	if r := wall.do("GET", "/api/me", nil); r.Status != 200 {
		t.Fatalf("the session before its expiry: %d", r.Status)
	}
	scalar[int64](t, e, `WITH u AS (UPDATE sessions SET expires_at = now() - interval '1 second' WHERE wall_link_id = $1 RETURNING 1) SELECT count(*) FROM u`, l.ID)
	if r := wall.do("GET", "/api/me", nil); r.Status != 401 {
		t.Errorf("the session past the link's expiry: %d, want 401", r.Status)
	}
	// A wall session has no 12 h limit of its own.
	l2 := issueWallLink(t, admin, 9, 72)
	wall2 := screen(e)
	wall2.open(t, l2.URL)
	scalar[int64](t, e, `WITH u AS (UPDATE sessions SET created_at = now() - interval '30 hours' WHERE wall_link_id = $1 RETURNING 1) SELECT count(*) FROM u`, l2.ID)
	if r := wall2.do("GET", "/api/me", nil); r.Status != 200 {
		t.Errorf("a wall session 30 h old of a 72 h link: %d, want 200", r.Status)
	}
	if n := scalar[time.Time](t, e, `SELECT expires_at FROM sessions WHERE wall_link_id = $1`, l2.ID); n.Sub(l2.ExpiresAt).Abs() > time.Second {
		t.Errorf("the wall session expires at %v, want the link's %v (no sliding)", n, l2.ExpiresAt)
	}
}

// TestWallLinkSurvivesRestartUntilRevoked opens a link, replaces the
// server by a new one over the same database, and finds the screen still
// logged in; revoking the link then ends its session and closes its open
// stream with 4001.
func TestWallLinkSurvivesRestartUntilRevoked(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "admin", auth.Admin, 0)
	l := issueWallLink(t, admin, 9, 720)
	wall := screen(e)
	if r := wall.open(t, l.URL); r.Status != 303 {
		t.Fatalf("open: %d", r.Status)
	}

	// The restart: the first server stops; a new one serves the database.
	e.srv.StopStreams()
	e.ts.Close()
	e2 := restarted(t, e)
	wall.base, admin.base = e2.ts.URL, e2.ts.URL
	if r := wall.do("GET", "/api/me", nil); r.Status != 200 {
		t.Fatalf("the wall's cookie after a restart: %d %s, want 200", r.Status, r.Body)
	}
	v, _, err := dial(t, e2, wall, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "grid": 9})
	v.next(5*time.Second, func(m message) bool { return m.Type == "snapshot" })

	r := admin.do("DELETE", fmt.Sprintf("/api/wall-links/%d", l.ID), nil)
	var revoked wallLink
	if r.Status != 200 || json.Unmarshal(r.Body, &revoked) != nil || revoked.RevokedAt == nil {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if code := v.closeCode(3 * time.Second); code != live.CloseUnauthorized {
		t.Errorf("the wall's stream after the revocation: close %d, want %d", code, live.CloseUnauthorized)
	}
	if r := wall.do("GET", "/api/me", nil); r.Status != 401 {
		t.Errorf("the wall's cookie after the revocation: %d, want 401", r.Status)
	}
	if r := screen(e2).open(t, l.URL); r.Status != 410 {
		t.Errorf("the revoked link opened again: %d, want 410", r.Status)
	}
	if r := admin.do("DELETE", fmt.Sprintf("/api/wall-links/%d", l.ID), nil); r.Status != 200 {
		t.Errorf("revoke again: %d, want 200", r.Status)
	}
	var list struct {
		WallLinks []wallLink `json:"wall_links"`
	}
	if s := admin.get("/api/wall-links", &list); s != 200 || len(list.WallLinks) != 1 {
		t.Fatalf("list: %d %+v", s, list)
	}
	got := list.WallLinks[0]
	if got.ID != l.ID || got.RevokedAt == nil || !got.RevokedAt.Equal(*revoked.RevokedAt) || got.LastUsedAt == nil || got.URL != "" ||
		got.GridName == nil || got.CreatedBy == nil {
		t.Errorf("listed %+v, want the link revoked once, used, named, without its URL", got)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM audit_log WHERE entity = 'wall_link' AND entity_id = $1 AND action = 'revoke'`, fmt.Sprint(l.ID)); n != 2 {
		t.Errorf("%d audit rows of the revocations, want 2", n)
	}
}

// restarted is a new server over e's database, as after a restart of the
// process: nothing of the first server's memory carries over.
func restarted(t *testing.T, e *env) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hier, err := e.db.Store.Hierarchy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	bus := live.NewBus(live.NewHub(hier), nil, log)
	srv := server.New(server.Config{}, server.Deps{Store: e.db.Store, Bus: bus, Log: log})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.StopStreams()
		ts.Close()
	})
	e2 := *e
	e2.ts, e2.srv, e2.hub, e2.bus, e2.pipe = ts, srv, bus.Hub(), bus, nil
	return &e2
}

// TestWallLinkDatabaseOutage: a screen that opens its link while the
// database is out of reach gets a page that reloads itself (503), not the
// dead-link page nor a login form, and is logged in once it is back.
func TestWallLinkDatabaseOutage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	l := issueWallLink(t, e.client(t, "admin", auth.Admin, 0), 9, 1)
	host := strings.SplitN(strings.SplitN(e.db.URL, "@", 2)[1], "/", 2)[0]
	proxy := newCutProxy(t, host)
	st, err := store.Open(context.Background(), strings.Replace(e.db.URL, host, proxy.addr, 1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := server.New(server.Config{}, server.Deps{Store: st, Log: log})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	wall := screen(e)
	wall.base = ts.URL

	proxy.cut()
	r := wall.open(t, l.URL)
	body := string(r.Body)
	if r.Status != 503 || r.Header.Get("Retry-After") == "" || !strings.Contains(body, `http-equiv="refresh"`) ||
		!strings.Contains(body, "自动重试") || strings.Contains(body, "指挥中心") || strings.Contains(body, "<form") {
		t.Errorf("the link with the database away: %d %.300s, want 503 and a page that retries by itself", r.Status, body)
	}
	proxy.restore(t)
	deadline := time.Now().Add(10 * time.Second)
	for r := wall.open(t, l.URL); r.Status != 303; r = wall.open(t, l.URL) {
		if time.Now().After(deadline) {
			t.Fatalf("the link once the database is back: %d", r.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestWallLinkSecretNotLogged: the server's log, at debug level, never
// holds a link's secret, whether it logs the screen in or not.
func TestWallLinkSecretNotLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	l := issueWallLink(t, e.client(t, "admin", auth.Admin, 0), 9, 1)
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := server.New(server.Config{}, server.Deps{Store: e.db.Store, Log: log})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	wall := screen(e)
	wall.base = ts.URL
	if r := wall.open(t, l.URL); r.Status != 303 {
		t.Fatalf("open: %d", r.Status)
	}
	dead := strings.Replace(l.URL, "gmw_", "gmw_x", 1)
	if r := wall.open(t, dead); r.Status != 410 {
		t.Fatalf("open a dead link: %d", r.Status)
	}
	secret := l.URL[strings.LastIndex(l.URL, "/")+1:]
	out := buf.String()
	if strings.Contains(out, secret[4:]) || !strings.Contains(out, "/wall/link/…") {
		t.Errorf("the log holds the secret, or no line of the link's request:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
