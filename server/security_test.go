package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestScopeIsolation checks that a grid leader sees and changes only
// their subtree, through every kind of route.
func TestScopeIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "leader9", auth.GridLeader, 9) // 桐柏路61号院
	staff := e.client(t, "staff2", auth.Staff, 2)        // 协作路社区: grids 2, 9, 10, 11

	var fc struct{ Features []struct{ ID int64 } }
	leader.get("/api/grids", &fc)
	if len(fc.Features) != 1 || fc.Features[0].ID != 9 {
		t.Errorf("leader of 9 lists grids %v, want only 9", fc.Features)
	}
	staff.get("/api/grids", &fc)
	if len(fc.Features) != 4 {
		t.Errorf("staff of 2 lists %d grids, want 4", len(fc.Features))
	}
	var tree struct{ Roots []struct{ ID int64 } }
	leader.get("/api/tree", &tree)
	if len(tree.Roots) != 1 || tree.Roots[0].ID != 9 {
		t.Errorf("leader's tree roots %v, want [9]", tree.Roots)
	}
	var bs struct {
		Features []struct {
			Properties struct {
				GridID int64 `json:"grid_id"`
			}
		}
	}
	leader.get("/api/buildings?bbox=113.5,34.7,113.7,34.8&limit=20000", &bs)
	if len(bs.Features) == 0 {
		t.Fatal("leader sees no buildings")
	}
	for _, b := range bs.Features {
		if b.Properties.GridID != 9 {
			t.Fatalf("leader of 9 sees a building of grid %d", b.Properties.GridID)
		}
	}

	other := scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 10`)
	otherHousehold := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 10`)
	own := scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9`)
	ownHousehold := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9`)
	otherPerson := scalar[int64](t, e, `SELECT min(id) FROM people WHERE home_grid_id = 10`)
	otherMember := scalar[int64](t, e, `SELECT min(person_id) FROM party_members WHERE grid_id = 10`)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"grid outside", "GET", "/api/grids/10", nil, 403, "id"},
		{"parent grid", "GET", "/api/grids/2", nil, 403, "id"},
		{"tree outside", "GET", "/api/tree?root=1", nil, 403, "root"},
		{"buildings of a grid outside", "GET", "/api/buildings?grid=10", nil, 403, "grid"},
		{"households outside", "GET", fmt.Sprintf("/api/buildings/%d/households", other), nil, 403, "id"},
		{"person outside", "GET", fmt.Sprintf("/api/people/%d", otherPerson), nil, 403, "id"},
		{"head of a building outside", "PUT", fmt.Sprintf("/api/buildings/%d/head", other), map[string]any{"head_id": nil}, 403, "id"},
		{"head from outside", "PUT", fmt.Sprintf("/api/buildings/%d/head", own), map[string]any{"head_id": otherPerson}, 403, "head_id"},
		{"contact of a household outside", "PUT", fmt.Sprintf("/api/households/%d/contact", otherHousehold), map[string]any{"contact_id": nil}, 403, "id"},
		{"contact from outside", "PUT", fmt.Sprintf("/api/households/%d/contact", ownHousehold), map[string]any{"contact_id": otherMember}, 403, "contact_id"},
		{"person into a grid outside", "POST", "/api/people", map[string]any{"name": "某人", "home_grid_id": 10}, 403, "home_grid_id"},
		{"person without a grid", "POST", "/api/people", map[string]any{"name": "某人"}, 400, "home_grid_id"},
		{"edit a person outside", "PUT", fmt.Sprintf("/api/people/%d", otherPerson), map[string]any{"name": "某人", "home_grid_id": 9}, 403, "id"},
		{"leader of a grid outside", "PUT", "/api/grids/10/leader", map[string]any{"leader_id": nil}, 403, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leader.t = t
			r := leader.do(tt.method, tt.path, tt.body)
			if r.Status != tt.status || r.Error.Field != tt.field {
				t.Errorf("%s %s: %d field %q (%s), want %d field %q", tt.method, tt.path, r.Status, r.Error.Field, r.Body, tt.status, tt.field)
			}
		})
	}
	// Nothing outside changed.
	if n := scalar[int64](t, e, `SELECT count(*) FROM audit_log WHERE actor = 'leader9'`); n != 0 {
		t.Errorf("%d audited changes by the leader, want none", n)
	}
}

// TestPrivacyMasking checks that viewers see counts, not people, and
// that grid leaders see the people of their grid.
func TestPrivacyMasking(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	viewer := e.client(t, "wall", auth.Viewer, 0)
	leader := e.client(t, "leader9", auth.GridLeader, 9)
	building := scalar[int64](t, e, `SELECT min(b.id) FROM buildings b JOIN households h ON h.building_id = b.id WHERE b.grid_id = 9 AND h.contact_id IS NOT NULL`)
	type hh struct {
		Households []struct {
			Contact *struct{ Name, Phone string }
		}
	}
	var seen, full hh
	viewer.get(fmt.Sprintf("/api/buildings/%d/households", building), &seen)
	leader.get(fmt.Sprintf("/api/buildings/%d/households", building), &full)
	if len(seen.Households) == 0 || len(seen.Households) != len(full.Households) {
		t.Fatalf("viewer sees %d households, leader %d", len(seen.Households), len(full.Households))
	}
	contacts := 0
	for i, h := range seen.Households {
		f := full.Households[i]
		if h.Contact == nil {
			continue
		}
		contacts++
		if !strings.Contains(h.Contact.Name, "*") || !strings.Contains(h.Contact.Phone, "*") {
			t.Errorf("viewer sees contact %q %q unmasked", h.Contact.Name, h.Contact.Phone)
		}
		if strings.Contains(f.Contact.Name, "*") || f.Contact.Phone != scalar[string](t, e, `SELECT phone FROM people WHERE name = $1 LIMIT 1`, f.Contact.Name) {
			t.Errorf("leader sees %q %q, want the stored name and phone", f.Contact.Name, f.Contact.Phone)
		}
	}
	if contacts == 0 {
		t.Fatal("no contacts to check")
	}
	var g struct {
		Properties struct {
			LeaderName string `json:"leader_name"`
			Counts     struct{ Households int }
		}
	}
	viewer.get("/api/grids/9", &g)
	if !strings.Contains(g.Properties.LeaderName, "*") || g.Properties.Counts.Households == 0 {
		t.Errorf("viewer: leader %q, households %d: want masked name and real counts", g.Properties.LeaderName, g.Properties.Counts.Households)
	}
	var bs struct {
		Features []struct {
			Properties struct {
				HeadName *string `json:"head_name"`
			}
		}
	}
	viewer.get("/api/buildings?grid=9", &bs)
	for _, b := range bs.Features {
		if b.Properties.HeadName != nil && !strings.Contains(*b.Properties.HeadName, "*") {
			t.Errorf("viewer sees building head %q", *b.Properties.HeadName)
		}
	}
}

// TestHostileInput checks size limits, strict decoding and geometry checks.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "admin", auth.Admin, 0)
	huge := `{"geometry": {"type": "Polygon", "coordinates": [[` + strings.Repeat("[113.6, 34.7],", 80000) + `[113.6, 34.7]]]}}`
	tests := []struct {
		name, method, path string
		body               string
		status             int
		field              string
	}{
		{"oversize body", "PUT", "/api/grids/9/boundary", huge, 413, "body"},
		{"unknown field", "POST", "/api/people", `{"name": "某人", "nmae": "x"}`, 400, "nmae"},
		{"wrong type", "POST", "/api/people", `{"name": 5}`, 400, "name"},
		{"wrong type number", "POST", "/api/people", `{"name": "某人", "home_grid_id": "nine"}`, 400, "home_grid_id"},
		{"not an object", "POST", "/api/people", `[1, 2]`, 400, "body"},
		{"two objects", "POST", "/api/people", `{"name": "a"} {"name": "b"}`, 400, "body"},
		{"malformed", "POST", "/api/people", `{"name": `, 400, "body"},
		{"empty", "POST", "/api/people", ``, 400, "body"},
		{"bad phone", "POST", "/api/people", `{"name": "某人", "phone": "call me"}`, 400, "phone"},
		{"long name", "POST", "/api/people", `{"name": "` + strings.Repeat("名", 101) + `"}`, 400, "name"},
		{"ref missing", "PUT", "/api/grids/9/leader", `{}`, 400, "leader_id"},
		{"ref not an id", "PUT", "/api/grids/9/leader", `{"leader_id": "x"}`, 400, "leader_id"},
		{"ref unknown", "PUT", "/api/grids/9/leader", `{"leader_id": 99999999}`, 400, "leader_id"},
		{"contact not a party member", "PUT", "/api/households/1/contact", `{"contact_id": 1}`, 400, "contact_id"},
		{"open ring", "PUT", "/api/grids/9/boundary", `{"geometry": {"type": "Polygon", "coordinates": [[[113.62,34.75],[113.63,34.75],[113.63,34.76],[113.62,34.76]]]}}`, 400, "geometry"},
		{"bow tie", "PUT", "/api/grids/9/boundary", `{"geometry": {"type": "Polygon", "coordinates": [[[113.62,34.75],[113.63,34.76],[113.63,34.75],[113.62,34.76],[113.62,34.75]]]}}`, 400, "geometry"},
		{"latitude out of range", "PUT", "/api/grids/9/boundary", `{"geometry": {"type": "Polygon", "coordinates": [[[113.62,34.75],[113.63,34.75],[113.63,94.76],[113.62,34.75]]]}}`, 400, "geometry"},
		{"a point", "PUT", "/api/grids/9/boundary", `{"geometry": {"type": "Point", "coordinates": [113.62, 34.75]}}`, 400, "geometry"},
		{"no geometry", "PUT", "/api/grids/9/boundary", `{"note": "x"}`, 400, "geometry"},
		{"bad account role", "POST", "/api/accounts", `{"username": "x1", "password": "long-enough-pw", "role": "root"}`, 400, "role"},
		{"short password", "POST", "/api/accounts", `{"username": "x1", "password": "short", "role": "viewer"}`, 400, "password"},
		{"leader without grid", "POST", "/api/accounts", `{"username": "x1", "password": "long-enough-pw", "role": "grid-leader"}`, 400, "grid_id"},
		{"token too long-lived", "POST", "/api/accounts/1/tokens", `{"name": "x", "ttl_hours": 100000}`, 400, "ttl_hours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			admin.t = t
			r := admin.do(tt.method, tt.path, []byte(tt.body))
			if r.Status != tt.status || !strings.HasPrefix(r.Error.Field, tt.field) {
				t.Errorf("%d field %q (%.200s), want %d field %q", r.Status, r.Error.Field, r.Body, tt.status, tt.field)
			}
		})
	}
	// Wrong content type.
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/people", strings.NewReader(`{"name":"x"}`))
	req.Header.Set("Content-Type", "text/plain")
	res, err := admin.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 415 {
		t.Errorf("text/plain body: %d, want 415", res.StatusCode)
	}
	// Nothing half-written: the grid still has its seeded boundary and no one was created.
	if n := scalar[int64](t, e, `SELECT count(*) FROM grid_versions WHERE grid_id = 9`); n != 1 {
		t.Errorf("grid 9 has %d versions after rejected writes, want 1", n)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM audit_log WHERE actor = 'admin'`); n != 0 {
		t.Errorf("%d audit rows after rejected writes, want 0", n)
	}
}

// TestBruteForceLogin checks that password guessing meets 429s, per
// account, and that wrong passwords and unknown users look the same.
func TestBruteForceLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{LoginPerMinute: 5})
	_, password := e.account(t, "target", auth.Viewer, 0, 0)
	c := e.anonymous(t)
	unknown := c.do("POST", "/api/login", map[string]string{"username": "nobody", "password": "guess-000"})
	wrong := c.do("POST", "/api/login", map[string]string{"username": "target", "password": "guess-001"})
	if unknown.Status != 401 || wrong.Status != 401 || unknown.Error.Error != wrong.Error.Error || wrong.Error.Field != "password" {
		t.Errorf("unknown user %d %q, wrong password %d %q: want the same 401", unknown.Status, unknown.Error.Error, wrong.Status, wrong.Error.Error)
	}
	limited := 0
	for i := 2; i < 12; i++ {
		r := c.do("POST", "/api/login", map[string]string{"username": "target", "password": fmt.Sprintf("guess-%03d", i)})
		if r.Status == 429 {
			limited++
			if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
				t.Errorf("429 without a Retry-After: %q", r.Header.Get("Retry-After"))
			}
		}
	}
	if limited < 5 {
		t.Errorf("%d of 10 guesses limited, want the last ones all 429", limited)
	}
	// Even the right password waits: the limit counts attempts.
	if r := c.do("POST", "/api/login", map[string]string{"username": "target", "password": password}); r.Status != 429 {
		t.Errorf("right password during lock-out: %d, want 429", r.Status)
	}
}

// TestSessionLifecycle logs in with the real endpoint and out again.
func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	_, password := e.account(t, "leader", auth.GridLeader, 9, 0)
	c := e.anonymous(t)
	if r := c.do("GET", "/api/me", nil); r.Status != 401 {
		t.Fatalf("me before login: %d", r.Status)
	}
	r := c.do("POST", "/api/login", map[string]string{"username": "Leader", "password": password})
	if r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	cookie := r.Header.Get("Set-Cookie")
	if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
		t.Errorf("session cookie %q: want HttpOnly and SameSite", cookie)
	}
	var me struct {
		Username, Role string
		GridID         int64  `json:"grid_id"`
		GridName       string `json:"grid_name"`
	}
	json.Unmarshal(r.Body, &me)
	if me.Username != "leader" || me.Role != "grid-leader" || me.GridID != 9 || me.GridName != "桐柏路61号院" {
		t.Errorf("login answer %+v", me)
	}
	if r := c.do("GET", "/api/me", nil); r.Status != 200 {
		t.Errorf("me after login: %d", r.Status)
	}
	stored := scalar[int64](t, e, `SELECT count(*) FROM sessions WHERE token_hash = $1`, auth.HashToken(strings.SplitN(strings.TrimPrefix(cookie, "gridmap_session="), ";", 2)[0]))
	if stored != 1 {
		t.Errorf("session stored %d times by hash", stored)
	}
	if r := c.do("POST", "/api/logout", nil); r.Status != 204 {
		t.Errorf("logout: %d", r.Status)
	}
	if r := c.do("GET", "/api/me", nil); r.Status != 401 {
		t.Errorf("me after logout: %d", r.Status)
	}
}

// TestOperations checks the health, readiness and metrics endpoints
// (metrics for an admin: TestMetricsAdminOnly).
func TestOperations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	c := e.anonymous(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := c.do("GET", p, nil); r.Status != 200 {
			t.Errorf("%s: %d", p, r.Status)
		}
	}
	c.do("GET", "/api/grids", nil) // a 401, counted
	r := e.client(t, "admin", auth.Admin, 0).do("GET", "/metrics", nil)
	for _, want := range []string{`gridmap_http_requests_total{code="401",method="GET",route="GET /api/grids"} 1`, "gridmap_db_connections_idle", "go_goroutines",
		"gridmap_stream_clients", "gridmap_positions_queued", "gridmap_positions_dropped_total", "gridmap_positions_persisted_total"} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
