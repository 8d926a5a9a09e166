package server_test

import (
	"context"
	"fmt"
	"image/color"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/basemap/basemaptest"
	"github.com/gridmap/gridmap/planning"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

// matrix says who may use each route: "*" everyone, "logged-in" any
// account, otherwise the roles by name. It is written out by hand, not
// derived from auth, so a change to either shows up here. A route the
// server has but the matrix lacks fails the test.
var matrix = map[string]string{
	"GET /healthz":                              "*",
	"GET /readyz":                               "*",
	"GET /metrics":                              "admin",
	"GET /api/config":                           "*",
	"POST /api/login":                           "*",
	"POST /api/logout":                          "*",
	"GET /api/me":                               "logged-in",
	"POST /api/me/password":                     "admin planner viewer grid-leader staff volunteer",
	"GET /ws":                                   "admin planner viewer grid-leader staff volunteer",
	"POST /api/positions":                       "device volunteer",
	"GET /ws/device":                            "device volunteer",
	"GET /api/teams":                            "admin planner viewer grid-leader staff volunteer",
	"GET /api/volunteers/{id}/trail":            "admin planner viewer grid-leader staff volunteer",
	"GET /api/tree":                             "admin planner viewer grid-leader staff volunteer",
	"GET /tiles/{file}":                         "admin planner viewer grid-leader staff volunteer",
	"GET /tiles/{layer}/{z}/{x}/{y}":            "admin planner viewer grid-leader staff volunteer",
	"GET /ogc/{$}":                              "admin planner viewer grid-leader staff volunteer",
	"GET /ogc/conformance":                      "admin planner viewer grid-leader staff volunteer",
	"GET /ogc/api":                              "admin planner viewer grid-leader staff volunteer",
	"GET /ogc/collections":                      "admin planner viewer grid-leader staff volunteer",
	"GET /ogc/collections/{collectionId}":       "admin planner viewer grid-leader staff volunteer",
	"GET /ogc/collections/{collectionId}/items": "admin planner viewer grid-leader staff volunteer",
	"GET /ogc/collections/{collectionId}/items/{featureId}": "admin planner viewer grid-leader staff volunteer",
	"GET /api/grids":                     "admin planner viewer grid-leader staff volunteer",
	"GET /api/grids/{id}":                "admin planner viewer grid-leader staff volunteer",
	"GET /api/buildings":                 "admin planner viewer grid-leader staff volunteer",
	"GET /api/buildings/{id}/households": "admin planner viewer grid-leader staff volunteer",
	"GET /api/people/{id}":               "admin planner viewer grid-leader staff volunteer",
	"PUT /api/buildings/{id}/head":       "admin grid-leader staff",
	"PUT /api/households/{id}/contact":   "admin grid-leader staff",
	"POST /api/people":                   "admin grid-leader",
	"PUT /api/people/{id}":               "admin grid-leader",
	"PUT /api/grids/{id}/leader":         "admin grid-leader",
	"PUT /api/grids/{id}/boundary":       "admin planner",

	"GET /api/grids/{id}/versions":         "admin planner viewer grid-leader staff volunteer",
	"GET /api/publications":                "admin planner viewer grid-leader staff volunteer",
	"GET /api/publications/compare":        "admin planner viewer grid-leader staff volunteer",
	"POST /api/publications/{id}/rollback": "admin planner",
	"POST /api/drafts":                     "admin planner",
	"POST /api/drafts/import":              "admin planner",
	"GET /api/boundaries/export":           "admin planner viewer grid-leader staff volunteer",
	"GET /api/drafts":                      "admin planner",
	"GET /api/drafts/{id}":                 "admin planner",
	"DELETE /api/drafts/{id}":              "admin planner",
	"POST /api/drafts/{id}/ops":            "admin planner",
	"POST /api/drafts/{id}/undo":           "admin planner",
	"POST /api/drafts/{id}/redo":           "admin planner",
	"GET /api/drafts/{id}/validation":      "admin planner",
	"GET /api/drafts/{id}/impact":          "admin planner",
	"POST /api/drafts/{id}/publish":        "admin planner",
	"GET /api/audit":                       "admin",
	"GET /api/accounts":                    "admin",
	"POST /api/accounts":                   "admin",
	"POST /api/accounts/{id}/tokens":       "admin",
	"POST /api/accounts/{id}/disable":      "admin",
	"POST /api/accounts/{id}/enable":       "admin",
	"DELETE /api/tokens/{id}":              "admin",
	"POST /api/wall-links":                 "admin",
	"GET /api/wall-links":                  "admin",
	"DELETE /api/wall-links/{id}":          "admin",
	"GET /wall/link/{secret}":              "*",

	// The admin page (issue 14).
	"PUT /api/accounts/{id}":               "admin",
	"POST /api/accounts/{id}/password":     "admin",
	"POST /api/accounts/{id}/sessions/end": "admin",
	"GET /api/tokens":                      "admin",

	// The wall display's counters (issue 13).
	"GET /api/grids/{id}/wall": "admin planner viewer grid-leader staff volunteer",

	// The roster of people arriving, the hotline's follow-up (issue 14).
	"GET /api/arrivals":                 "admin planner viewer grid-leader staff volunteer",
	"POST /api/arrivals":                "admin grid-leader staff",
	"POST /api/requests/{id}/follow-up": "admin grid-leader staff",

	// Tasks (issue 14).
	"POST /api/tasks":              "admin grid-leader staff",
	"GET /api/tasks":               "admin grid-leader staff volunteer",
	"POST /api/tasks/{id}/assign":  "admin grid-leader staff",
	"POST /api/tasks/{id}/accept":  "volunteer",
	"POST /api/tasks/{id}/decline": "volunteer",
	"POST /api/tasks/{id}/done":    "admin grid-leader staff volunteer",

	// The day's report (issue 14).
	"GET /api/reports/daily":      "admin planner viewer grid-leader staff volunteer",
	"GET /api/reports/daily.xlsx": "admin planner viewer grid-leader staff volunteer",

	"GET /api/coverage":                         "admin planner viewer grid-leader staff volunteer",
	"GET /api/grids/{id}/coverage":              "admin planner viewer grid-leader staff volunteer",
	"GET /api/grids/{id}/coverage/history":      "admin planner viewer grid-leader staff volunteer",
	"GET /api/replay":                           "admin planner viewer grid-leader staff volunteer",
	"GET /api/grids/{id}/gaps":                  "admin planner viewer grid-leader staff volunteer",
	"GET /api/grids/{id}/gaps/{kind}":           "admin planner viewer grid-leader staff volunteer",
	"GET /api/grids/{id}/spot-checks":           "admin planner viewer grid-leader staff volunteer",
	"GET /api/grids/{id}/checkpoints":           "admin planner viewer grid-leader staff volunteer",
	"GET /api/grids/{id}/vulnerable":            "admin planner viewer grid-leader staff volunteer",
	"GET /api/grids/{id}/requests":              "admin planner viewer grid-leader staff volunteer",
	"GET /api/grids/{id}/party-members":         "admin planner viewer grid-leader staff volunteer",
	"GET /api/nearest-volunteers":               "admin planner viewer grid-leader staff volunteer",
	"POST /api/screenings":                      "admin grid-leader staff",
	"POST /api/quarantines":                     "admin grid-leader staff",
	"POST /api/quarantines/{id}/end":            "admin grid-leader staff",
	"POST /api/seal-alerts":                     "admin grid-leader staff",
	"POST /api/checkpoints":                     "admin grid-leader staff",
	"POST /api/checkpoints/{id}/duty":           "admin grid-leader staff",
	"POST /api/checkpoints/{id}/counts":         "admin grid-leader staff",
	"POST /api/alerts/{id}/resolve":             "admin grid-leader staff",
	"POST /api/vulnerable":                      "admin grid-leader staff",
	"POST /api/vulnerable/{id}/visits":          "admin grid-leader staff",
	"POST /api/requests":                        "admin grid-leader staff",
	"POST /api/requests/{id}/close":             "admin grid-leader staff",
	"POST /api/grids/{id}/spot-checks":          "admin grid-leader staff",
	"POST /api/spot-checks/{id}/results":        "admin grid-leader staff",
	"POST /api/party-members/{id}/points":       "admin grid-leader staff",
	"GET /api/grids/{id}/party":                 "admin planner viewer grid-leader staff volunteer",
	"POST /api/party-members":                   "admin grid-leader staff",
	"POST /api/party-members/{id}/registration": "admin grid-leader staff",
	"GET /api/party-members/{id}/service":       "admin planner viewer grid-leader staff volunteer",
	"POST /api/party-members/{id}/service":      "admin grid-leader staff",
	"POST /api/party-branches":                  "admin grid-leader staff",
	"PUT /api/party-branches/{id}":              "admin grid-leader staff",
	"PUT /api/party-members/{id}/branch":        "admin grid-leader staff",
	"POST /api/import/{kind}":                   "admin grid-leader staff",

	// Sampling sites and rounds of testing (issue 13).
	"GET /api/sampling-sites":               "admin planner viewer grid-leader staff volunteer",
	"POST /api/sampling-sites":              "admin grid-leader staff",
	"POST /api/sampling-sites/{id}/reports": "admin grid-leader staff",
	"GET /api/sampling-rounds":              "admin planner viewer grid-leader staff volunteer",
	"POST /api/sampling-rounds":             "admin grid-leader staff",
	"GET /api/sampling-rounds/{id}":         "admin planner viewer grid-leader staff volunteer",

	// Base maps: whoever sees the map sees the offline tiles under it.
	"GET /basemap/{z}/{x}/{y}": "admin planner viewer grid-leader staff volunteer",
	"GET /basemap.json":        "admin planner viewer grid-leader staff volunteer",
}

// samples are the concrete requests the matrix sends: ids inside grid 9
// (桐柏路61号院), which is inside every scoped test account's grid.
type sample struct {
	path string
	body func(who string) any
}

// routed is a sample body that also gives the path, when the path
// differs by account.
type routed struct {
	path string
	body any
}

func samples(t *testing.T, e *env) map[string]sample {
	building := scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9`)
	household := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9`)
	person := scalar[int64](t, e, `SELECT min(id) FROM people WHERE home_grid_id = 9`)
	member := scalar[int64](t, e, `SELECT min(person_id) FROM party_members WHERE grid_id = 9`)
	geometry := scalar[string](t, e, `SELECT ST_AsGeoJSON(geom) FROM current_grids WHERE id = 9`)
	adminID := scalar[int64](t, e, `SELECT min(id) FROM accounts`)
	target, _ := e.account(t, "matrix-target", auth.Viewer, 0, 0) // disabled and enabled again
	position := func(string) any { return samplePosition(t, e) }
	none := func(string) any { return nil }
	out := map[string]sample{
		"GET /healthz":    {"/healthz", none},
		"GET /readyz":     {"/readyz", none},
		"GET /metrics":    {"/metrics", none},
		"GET /api/config": {"/api/config", none},

		"GET /basemap/{z}/{x}/{y}":                              {"/basemap/12/3341/1626", none},
		"GET /basemap.json":                                     {"/basemap.json", none},
		"GET /tiles/{file}":                                     {"/tiles/grids-3.json", none},
		"GET /tiles/{layer}/{z}/{x}/{y}":                        {"/tiles/grids-3/14/13364/6502.mvt", none},
		"GET /ogc/{$}":                                          {"/ogc/", none},
		"GET /ogc/conformance":                                  {"/ogc/conformance", none},
		"GET /ogc/api":                                          {"/ogc/api", none},
		"GET /ogc/collections":                                  {"/ogc/collections", none},
		"GET /ogc/collections/{collectionId}":                   {"/ogc/collections/grids-3", none},
		"GET /ogc/collections/{collectionId}/items":             {"/ogc/collections/grids-3/items?limit=5", none},
		"GET /ogc/collections/{collectionId}/items/{featureId}": {"/ogc/collections/grids-3/items/9", none},
		"POST /api/login": {"/api/login", func(string) any {
			return map[string]string{"username": "login-sample", "password": "login-sample-password"}
		}},
		"POST /api/logout": {"/api/logout", none},
		"GET /api/me":      {"/api/me", none},
		"POST /api/me/password": {"/api/me/password", func(who string) any {
			return map[string]string{"current": "m-" + who + "-password", "new": "m-" + who + "-new-password"}
		}},
		"GET /ws":                            {"/ws", none},
		"POST /api/positions":                {"/api/positions", position},
		"GET /ws/device":                     {"/ws/device", none},
		"GET /api/teams":                     {"/api/teams", none},
		"GET /api/volunteers/{id}/trail":     {fmt.Sprintf("/api/volunteers/%d/trail", e.volunteer), none},
		"GET /api/tree":                      {"/api/tree", none},
		"GET /api/grids":                     {"/api/grids?level=3", none},
		"GET /api/grids/{id}":                {"/api/grids/9", none},
		"GET /api/buildings":                 {"/api/buildings?grid=9", none},
		"GET /api/buildings/{id}/households": {fmt.Sprintf("/api/buildings/%d/households", building), none},
		"GET /api/people/{id}":               {fmt.Sprintf("/api/people/%d", person), none},
		"PUT /api/buildings/{id}/head":       {fmt.Sprintf("/api/buildings/%d/head", building), func(string) any { return map[string]any{"head_id": person} }},
		"PUT /api/households/{id}/contact":   {fmt.Sprintf("/api/households/%d/contact", household), func(string) any { return map[string]any{"contact_id": member} }},
		"POST /api/people":                   {"/api/people", func(string) any { return map[string]any{"name": "测试人员", "home_grid_id": 9} }},
		"PUT /api/people/{id}":               {fmt.Sprintf("/api/people/%d", person), func(string) any { return map[string]any{"name": "改名人员", "home_grid_id": 9} }},
		"PUT /api/grids/{id}/leader":         {"/api/grids/9/leader", func(string) any { return map[string]any{"leader_id": person} }},
		"PUT /api/grids/{id}/boundary":       {"/api/grids/9/boundary", func(string) any { return fmt.Sprintf(`{"geometry": %s, "note": "matrix"}`, geometry) }},
		"GET /api/audit":                     {"/api/audit", none},
		"GET /api/accounts":                  {"/api/accounts", none},
		"POST /api/accounts": {"/api/accounts", func(who string) any {
			return map[string]string{"username": "new-" + who, "password": "a-long-password", "role": "viewer"}
		}},
		"POST /api/accounts/{id}/tokens":  {fmt.Sprintf("/api/accounts/%d/tokens", adminID), func(string) any { return map[string]any{"name": "matrix", "ttl_hours": 1} }},
		"POST /api/accounts/{id}/disable": {fmt.Sprintf("/api/accounts/%d/disable", target), none},
		"POST /api/accounts/{id}/enable":  {fmt.Sprintf("/api/accounts/%d/enable", target), none},
		"POST /api/wall-links":            {"/api/wall-links", func(string) any { return map[string]any{"grid_id": 9, "ttl_hours": 1} }},
		"GET /api/wall-links":             {"/api/wall-links", none},
		"DELETE /api/wall-links/{id}":     {fmt.Sprintf("/api/wall-links/%d", sampleWallLink(t, e).ID), none},
		"GET /wall/link/{secret}":         {"/wall/link/" + sampleWallLink(t, e).Secret, none},

		// The admin page (issue 14).
		"PUT /api/accounts/{id}":               {fmt.Sprintf("/api/accounts/%d", target), func(string) any { return map[string]any{"role": "viewer"} }},
		"POST /api/accounts/{id}/password":     {fmt.Sprintf("/api/accounts/%d/password", target), func(string) any { return map[string]any{"password": "matrix-new-password"} }},
		"POST /api/accounts/{id}/sessions/end": {fmt.Sprintf("/api/accounts/%d/sessions/end", target), none},
		"GET /api/tokens":                      {"/api/tokens?role=device", none},
	}
	for k, v := range fieldSamples(t, e, building, household, member) {
		out[k] = v
	}
	for k, v := range planSamples(t, e) {
		out[k] = v
	}
	return out
}

// TestAuthorizationMatrix walks every route with every role, with no
// login and with an expired token, and checks allow or deny.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	offline := openMBTiles(t, map[string]string{"format": "png", "minzoom": "12", "maxzoom": "12"},
		[]basemaptest.Tile{{Z: 12, X: 3341, Y: 1626, Data: basemaptest.PNG(color.White)}})
	e := newEnv(t, server.Config{BaseMap: offline})
	e.account(t, "login-sample", auth.Viewer, 0, 0) // for the login sample
	clients := map[string]*client{
		"anonymous": e.anonymous(t),
		"expired":   e.anonymous(t),
		"revoked":   e.anonymous(t),
	}
	for _, r := range auth.Roles() {
		grid := int64(0)
		if r.Scoped() {
			grid = 2 // 协作路社区, which holds grid 9
		}
		clients[string(r)] = e.client(t, "m-"+string(r), r, grid)
	}
	clients["expired"].bearer = e.token(t, clients["admin"].accountID, -time.Minute)
	clients["revoked"].bearer = e.token(t, clients["admin"].accountID, time.Hour)
	revoked := scalar[int64](t, e, `SELECT id FROM api_tokens WHERE token_hash = $1`, auth.HashToken(clients["revoked"].bearer))
	if r := clients["admin"].do("DELETE", fmt.Sprintf("/api/tokens/%d", revoked), nil); r.Status != 200 {
		t.Fatalf("revoke token: %d %s", r.Status, r.Body)
	}
	// The device reports from inside grid 9 first, so the trail sample has
	// a recent position to show.
	if r := clients["device"].do("POST", "/api/positions", samplePosition(t, e)); r.Status != 202 {
		t.Fatalf("device position: %d %s", r.Status, r.Body)
	}
	victim := e.token(t, clients["admin"].accountID, time.Hour)
	ss := samples(t, e)
	ss["DELETE /api/tokens/{id}"] = sample{
		fmt.Sprintf("/api/tokens/%d", scalar[int64](t, e, `SELECT id FROM api_tokens WHERE token_hash = $1`, auth.HashToken(victim))),
		func(string) any { return nil }}

	// Logout ends the sessions the other requests use, so it goes last.
	routes := e.srv.Routes()
	sort.SliceStable(routes, func(i, j int) bool { return routes[j].Pattern == "/api/logout" && routes[i].Pattern != "/api/logout" })
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		allowed, ok := matrix[key]
		if !ok {
			t.Errorf("route %s is not in the authorisation matrix", key)
			continue
		}
		s, ok := ss[key]
		if !ok {
			t.Errorf("route %s has no sample request", key)
			continue
		}
		for who, c := range clients {
			t.Run(key+"/"+who, func(t *testing.T) {
				c.t = t
				send := c
				switch rt.Pattern {
				case "/api/login":
					// A login would swap the client's session for the sample's.
					send = &client{t: t, base: c.base, http: &http.Client{}, bearer: c.bearer}
				case "/wall/link/{secret}":
					// So would a wall link; its 303 is the answer.
					send = &client{t: t, base: c.base, bearer: c.bearer, http: &http.Client{
						CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
				}
				path, body := s.path, s.body(who)
				if r, ok := body.(routed); ok {
					path, body = r.path, r.body
				}
				res := send.do(rt.Method, path, body)
				want := "allow"
				switch {
				case allowed == "*":
				case who == "anonymous" || who == "expired" || who == "revoked":
					want = "401"
				case allowed == "logged-in":
				case !strings.Contains(" "+allowed+" ", " "+who+" "):
					want = "403"
				}
				got := fmt.Sprint(res.Status)
				if want == "allow" && res.Status != 401 && res.Status != 403 {
					got = "allow"
				}
				if got != want {
					t.Errorf("%s %s as %s: got %s (%s), want %s", rt.Method, s.path, who, got, res.Body, want)
				}
				// A plain GET of a WebSocket route passes the guard and is then
				// refused by the upgrader with a 400.
				upgrade := strings.HasPrefix(rt.Pattern, "/ws") && res.Status == 400
				if want == "allow" && res.Status >= 400 && res.Status != 429 && !upgrade {
					t.Errorf("%s %s as %s: allowed but failed: %d %s", rt.Method, s.path, who, res.Status, res.Body)
				}
			})
		}
	}
	t.Run("stream topics", func(t *testing.T) { streamTopicsMatrix(t, e) })
	for key := range matrix {
		found := false
		for _, rt := range e.srv.Routes() {
			found = found || rt.Method+" "+rt.Pattern == key
		}
		if !found {
			t.Errorf("matrix lists %s, which the server does not have", key)
		}
	}
}

// samplePosition is a position body for now, inside grid 9.
func samplePosition(t *testing.T, e *env) string {
	inside := scalar[string](t, e, `SELECT ST_X(ST_PointOnSurface(geom)) || ',' || ST_Y(ST_PointOnSurface(geom)) FROM current_grids WHERE id = 9`)
	lonlat := strings.Split(inside, ",")
	return fmt.Sprintf(`{"positions": [{"lon": %s, "lat": %s, "accuracy": 8, "at": %q}]}`, lonlat[0], lonlat[1], time.Now().UTC().Format(time.RFC3339Nano))
}

// fieldSamples are the field routes' sample requests, on rows made in
// grid 9 for the purpose. Each account sends its own client id.
func fieldSamples(t *testing.T, e *env, building, household, member int64) map[string]sample {
	id := func(sql string, args ...any) int64 { return scalar[int64](t, e, sql, args...) }
	branch9 := id(`SELECT min(id) FROM party_branches WHERE grid_id = 9`)
	id(`INSERT INTO quarantines (household_id, starts, ends, reason, seal_id)
		VALUES ($1, current_date - 1, current_date + 7, 'close_contact', 'DS-MATRIX') RETURNING id`, household)
	quarantine := id(`INSERT INTO quarantines (household_id, starts, ends, reason)
		VALUES ($1, current_date - 1, current_date + 7, 'close_contact') RETURNING id`, household)
	alert := id(`INSERT INTO alerts (kind, grid_id, household_id) VALUES ('fever', 9, $1) RETURNING id`, household)
	checkpoint := id(`INSERT INTO checkpoints (grid_id, name, geom) SELECT 9, '矩阵卡点', geom FROM buildings WHERE id = $1 RETURNING id`, building)
	site := id(`INSERT INTO sampling_sites (grid_id, name, geom, opens, closes) SELECT 9, '矩阵采样点', geom, '07:00', '19:00' FROM buildings WHERE id = $1 RETURNING id`, building)
	round := id(`INSERT INTO sampling_rounds (day, grid_id, name) VALUES (current_date, 9, '矩阵轮次') RETURNING id`)
	resident := id(`WITH p AS (INSERT INTO people (name, home_grid_id) VALUES ('矩阵老人', 9) RETURNING id)
		INSERT INTO vulnerable_residents (person_id, household_id, category, visit_every_days)
		SELECT p.id, $1, 'elderly_alone', 2 FROM p RETURNING id`, household)
	request := id(`INSERT INTO requests (building_id, grid_id, category, body) VALUES ($1, 9, 'supplies', '矩阵诉求') RETURNING id`, building)
	closedRequest := id(`INSERT INTO requests (building_id, grid_id, category, body, closed_at, resolution) VALUES ($1, 9, 'supplies', '矩阵已办结诉求', now(), '已办结') RETURNING id`, building)
	check := id(`WITH c AS (INSERT INTO spot_checks (grid_id, seed, k) VALUES (9, 1, 1) RETURNING id)
		INSERT INTO spot_check_items (check_id, position, household_id) SELECT c.id, 1, $1 FROM c RETURNING check_id`, household)
	inService := id(`WITH p AS (INSERT INTO people (name, home_grid_id) VALUES ('矩阵在职党员', 9) RETURNING id)
		INSERT INTO party_members (person_id, membership, employer, grid_id) SELECT p.id, 'in_service', '矩阵单位', 9 FROM p RETURNING person_id`)
	point := scalar[string](t, e, `SELECT ST_X(ST_PointOnSurface(geom)) || ',' || ST_Y(ST_PointOnSurface(geom)) FROM current_grids WHERE id = 9`)
	lon, lat, _ := strings.Cut(point, ",")
	// Tasks: households of grid 9 without a contact, one for each task.
	noContact := func(n int) int64 {
		return id(`SELECT h.id FROM households h JOIN buildings b ON b.id = h.building_id
			WHERE b.grid_id = 9 AND h.contact_id IS NULL ORDER BY h.id OFFSET $1 LIMIT 1`, n)
	}
	tasks := 0
	newTask := func(assignee int64) int64 {
		tasks++
		return id(`INSERT INTO tasks (grid_id, gap, building_id, household_id, assignee_id, accept_by, due_at)
			SELECT 9, 'no_contact', building_id, id, $2, now() + interval '1 hour', now() + interval '2 hours'
			FROM households WHERE id = $1 RETURNING id`, noContact(tasks), nilIfZero(assignee))
	}
	makers := map[string]int64{}
	taskHousehold := func(who string) int64 {
		if _, ok := makers[who]; !ok {
			makers[who] = noContact(10 + len(makers))
		}
		return makers[who]
	}
	body := func(fields string) func(who string) any {
		return func(who string) any {
			return fmt.Sprintf(`{"client_id": "matrix-%s-%d", %s}`, who, time.Now().UnixNano(), fields)
		}
	}
	none := func(string) any { return nil }
	return map[string]sample{
		"GET /api/coverage":                         {"/api/coverage?level=3", none},
		"GET /api/grids/{id}/coverage":              {"/api/grids/9/coverage", none},
		"GET /api/grids/{id}/coverage/history":      {"/api/grids/9/coverage/history", none},
		"GET /api/replay":                           {"/api/replay?grid=9", none},
		"GET /api/grids/{id}/gaps":                  {"/api/grids/9/gaps", none},
		"GET /api/grids/{id}/gaps/{kind}":           {"/api/grids/9/gaps/unscreened?limit=5", none},
		"GET /api/grids/{id}/spot-checks":           {"/api/grids/9/spot-checks", none},
		"GET /api/grids/{id}/checkpoints":           {"/api/grids/9/checkpoints", none},
		"GET /api/grids/{id}/vulnerable":            {"/api/grids/9/vulnerable", none},
		"GET /api/grids/{id}/requests":              {"/api/grids/9/requests?state=all", none},
		"GET /api/grids/{id}/party-members":         {"/api/grids/9/party-members", none},
		"GET /api/grids/{id}/wall":                  {"/api/grids/9/wall", none},
		"GET /api/nearest-volunteers":               {"/api/nearest-volunteers?lon=" + lon + "&lat=" + lat, none},
		"POST /api/screenings":                      {"/api/screenings", body(fmt.Sprintf(`"household_id": %d, "outcome": "normal"`, household))},
		"POST /api/quarantines":                     {"/api/quarantines", body(fmt.Sprintf(`"household_id": %d, "starts": "2026-01-01", "ends": "2026-01-14", "reason": "other"`, household))},
		"POST /api/quarantines/{id}/end":            {fmt.Sprintf("/api/quarantines/%d/end", quarantine), body(`"resolution": ""`)},
		"POST /api/seal-alerts":                     {"/api/seal-alerts", body(`"seal_id": "DS-MATRIX", "kind": "seal_opened"`)},
		"POST /api/checkpoints":                     {"/api/checkpoints", body(fmt.Sprintf(`"grid_id": 9, "name": "矩阵新卡点", "lon": %s, "lat": %s`, lon, lat))},
		"POST /api/checkpoints/{id}/duty":           {fmt.Sprintf("/api/checkpoints/%d/duty", checkpoint), body(`"on_duty": false`)},
		"POST /api/checkpoints/{id}/counts":         {fmt.Sprintf("/api/checkpoints/%d/counts", checkpoint), body(`"scans": 10, "temperatures": 10, "fevers": 0`)},
		"POST /api/alerts/{id}/resolve":             {fmt.Sprintf("/api/alerts/%d/resolve", alert), body(`"resolution": "复测正常"`)},
		"POST /api/vulnerable":                      {"/api/vulnerable", body(fmt.Sprintf(`"household_id": %d, "name": "矩阵新老人", "category": "elderly_alone", "visit_every_days": 2`, household))},
		"POST /api/vulnerable/{id}/visits":          {fmt.Sprintf("/api/vulnerable/%d/visits", resident), body(`"method": "phone"`)},
		"POST /api/requests":                        {"/api/requests", body(fmt.Sprintf(`"building_id": %d, "category": "repair", "body": "楼道灯坏了"`, building))},
		"POST /api/requests/{id}/close":             {fmt.Sprintf("/api/requests/%d/close", request), body(`"resolution": "已办结"`)},
		"POST /api/grids/{id}/spot-checks":          {"/api/grids/9/spot-checks", body(`"k": 3`)},
		"POST /api/spot-checks/{id}/results":        {fmt.Sprintf("/api/spot-checks/%d/results", check), body(fmt.Sprintf(`"household_id": %d, "result": "knows", "method": "phone"`, household))},
		"POST /api/party-members/{id}/points":       {fmt.Sprintf("/api/party-members/%d/points", member), body(`"points": 2, "reason": "参与卡点值守"`)},
		"GET /api/grids/{id}/party":                 {"/api/grids/9/party", none},
		"POST /api/party-members":                   {"/api/party-members", body(`"name": "矩阵驻区党员", "grid_id": 9, "employer": "矩阵单位"`)},
		"POST /api/party-members/{id}/registration": {fmt.Sprintf("/api/party-members/%d/registration", inService), body(`"employer": "矩阵单位"`)},
		"GET /api/party-members/{id}/service":       {fmt.Sprintf("/api/party-members/%d/service", member), none},
		"POST /api/party-members/{id}/service":      {fmt.Sprintf("/api/party-members/%d/service", member), body(`"hours": 1.5, "what": "矩阵服务"`)},
		"POST /api/party-branches":                  {"/api/party-branches", body(`"grid_id": 9, "name": "矩阵党支部"`)},
		"PUT /api/party-branches/{id}":              {fmt.Sprintf("/api/party-branches/%d", branch9), body(`"name": "矩阵改名党支部"`)},
		"PUT /api/party-members/{id}/branch":        {fmt.Sprintf("/api/party-members/%d/branch", member), body(fmt.Sprintf(`"branch_id": %d`, branch9))},
		"POST /api/import/{kind}": {"/api/import/screenings", func(string) any {
			return routed{"/api/import/screenings?client_id=" + cid(), upload{"text/csv", []byte(importCSV(t, e, household))}}
		}},

		// The roster of people arriving, the hotline's follow-up (issue 14).
		"POST /api/requests/{id}/follow-up": {fmt.Sprintf("/api/requests/%d/follow-up", closedRequest), body(`"satisfaction": "satisfied"`)},
		"GET /api/arrivals":                 {"/api/arrivals?grid=9", none},
		"POST /api/arrivals":                {"/api/arrivals", body(fmt.Sprintf(`"household_id": %d, "name": "矩阵返乡人", "kind": "returnee", "origin": "武汉"`, household))},

		// Tasks (issue 14): one of its own gap for each account that makes
		// one, and a task of its own for each route that changes one.
		"POST /api/tasks": {"/api/tasks", func(who string) any {
			return body(fmt.Sprintf(`"gap": "no_contact", "household_id": %d`, taskHousehold(who)))(who)
		}},
		"GET /api/tasks":               {"/api/tasks?grid=9", none},
		"POST /api/tasks/{id}/assign":  {fmt.Sprintf("/api/tasks/%d/assign", newTask(0)), body(fmt.Sprintf(`"assignee": %d`, e.volunteer))},
		"POST /api/tasks/{id}/accept":  {fmt.Sprintf("/api/tasks/%d/accept", newTask(e.volunteer)), body(`"reason": ""`)},
		"POST /api/tasks/{id}/decline": {fmt.Sprintf("/api/tasks/%d/decline", newTask(e.volunteer)), body(`"reason": "不在附近"`)},
		"POST /api/tasks/{id}/done":    {fmt.Sprintf("/api/tasks/%d/done", newTask(e.volunteer)), body(`"result": "已联系住户"`)},

		// The day's report (issue 14).
		"GET /api/reports/daily":      {"/api/reports/daily?grid=9", none},
		"GET /api/reports/daily.xlsx": {"/api/reports/daily.xlsx?grid=9", none},

		// Sampling sites and rounds of testing (issue 13).
		"GET /api/sampling-sites":               {"/api/sampling-sites?grid=9", none},
		"POST /api/sampling-sites":              {"/api/sampling-sites", body(fmt.Sprintf(`"name": "矩阵新采样点", "lon": %s, "lat": %s, "opens": "08:00", "closes": "18:00"`, lon, lat))},
		"POST /api/sampling-sites/{id}/reports": {fmt.Sprintf("/api/sampling-sites/%d/reports", site), body(`"queue": 4, "tested": 10`)},
		"GET /api/sampling-rounds":              {"/api/sampling-rounds?grid=9", none},
		"POST /api/sampling-rounds":             {"/api/sampling-rounds", body(fmt.Sprintf(`"day": %q, "grid_id": 9, "name": "矩阵新轮次"`, time.Now().Format(time.DateOnly)))},
		"GET /api/sampling-rounds/{id}":         {fmt.Sprintf("/api/sampling-rounds/%d", round), none},
	}
}

// planSamples are the planning routes' sample requests. Drafts belong to
// one account, so each allowed role works on its own newest open draft;
// a rollback needs a publication of its own that changed boundaries.
func planSamples(t *testing.T, e *env) map[string]sample {
	ctx := context.Background()
	svc := planning.New(e.db.Store, time.UTC, nil)
	allowed := func(who string) bool { return who == "admin" || who == "planner" }
	actorOf := func(who string) store.Actor {
		id := scalar[int64](t, e, `SELECT id FROM accounts WHERE username = $1`, "m-"+who)
		return store.Actor{AccountID: id, Name: "m-" + who}
	}
	open := func(who string, root int64) *planning.Draft {
		d, err := svc.Open(ctx, actorOf(who), root, "矩阵草稿")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	newest := func(who string) *planning.Draft {
		ds, err := svc.List(ctx, actorOf(who))
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 0 {
			return open(who, 2)
		}
		d, err := svc.Get(ctx, actorOf(who), ds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	onDraft := func(suffix string, fresh bool, body func(d *planning.Draft) any) func(string) any {
		return func(who string) any {
			if !allowed(who) {
				return routed{"/api/drafts/1" + suffix, body(&planning.Draft{})}
			}
			d := newest(who)
			if fresh {
				d = open(who, 2)
			}
			return routed{fmt.Sprintf("/api/drafts/%d%s", d.ID, suffix), body(d)}
		}
	}
	none := func(*planning.Draft) any { return nil }
	// published splits a compound grid of a community of its own and
	// publishes it, for a rollback.
	published := func(who string) any {
		if !allowed(who) {
			return routed{"/api/publications/1/rollback", map[string]any{}}
		}
		root := map[string]int64{"admin": 3, "planner": 4}[who]
		grid := scalar[int64](t, e, `SELECT min(id) FROM current_grids WHERE parent_id = $1`, root)
		d := open(who, root)
		line, err := planning.ParseLine("line", splitLine(t, e, grid, 0.5))
		if err != nil {
			t.Fatal(err)
		}
		if d, err = svc.Apply(ctx, actorOf(who), d.ID, planning.Op{Kind: "split", ID: grid, Line: line}); err != nil {
			t.Fatal(err)
		}
		pub, err := svc.Publish(ctx, actorOf(who), d.ID, d.Revision, []string{"no_leader", "load_rise"}, "matrix")
		if err != nil {
			t.Fatal(err)
		}
		return routed{fmt.Sprintf("/api/publications/%d/rollback", pub.ID), map[string]any{"note": "matrix"}}
	}
	none0 := func(string) any { return nil }
	return map[string]sample{
		"GET /api/grids/{id}/versions":         {"/api/grids/9/versions", none0},
		"GET /api/publications":                {"/api/publications", none0},
		"GET /api/publications/compare":        {"/api/publications/compare?from=1&to=1", none0},
		"POST /api/publications/{id}/rollback": {"/api/publications/{id}/rollback", published},
		"POST /api/drafts":                     {"/api/drafts", func(string) any { return map[string]any{"root_id": 2, "name": "矩阵"} }},
		"GET /api/drafts":                      {"/api/drafts", none0},
		"GET /api/boundaries/export":           {"/api/boundaries/export?root=9&format=kml", none0},
		"POST /api/drafts/import": {"/api/drafts/import?root=2&format=geojson", func(string) any {
			fc := scalar[string](t, e, `SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object(
				'type', 'Feature', 'geometry', ST_AsGeoJSON(geom)::json, 'properties', json_build_object('code', code))))
				FROM current_grids WHERE parent_id = 2`)
			return upload{"application/geo+json", []byte(fc)}
		}},
		"GET /api/drafts/{id}":    {"/api/drafts/{id}", onDraft("", false, none)},
		"DELETE /api/drafts/{id}": {"/api/drafts/{id}", onDraft("", true, none)},
		"POST /api/drafts/{id}/ops": {"/api/drafts/{id}/ops", onDraft("/ops", false, func(d *planning.Draft) any {
			return map[string]any{"op": "update", "id": 10, "name": "矩阵网格", "revision": d.Revision}
		})},
		"POST /api/drafts/{id}/undo":      {"/api/drafts/{id}/undo", onDraft("/undo", false, none)},
		"POST /api/drafts/{id}/redo":      {"/api/drafts/{id}/redo", onDraft("/redo", false, none)},
		"GET /api/drafts/{id}/validation": {"/api/drafts/{id}/validation", onDraft("/validation", false, none)},
		"GET /api/drafts/{id}/impact":     {"/api/drafts/{id}/impact", onDraft("/impact", false, none)},
		"POST /api/drafts/{id}/publish": {"/api/drafts/{id}/publish", onDraft("/publish", false, func(d *planning.Draft) any {
			return map[string]any{"revision": d.Revision, "acknowledge": []string{"no_leader", "load_rise"}}
		})},
	}
}

// sampleWallLinkAnswer is a wall link made in the store, with its secret.
type sampleWallLinkAnswer struct {
	ID     int64
	Secret string
}

// sampleWallLink makes a wall link for grid 9, valid for an hour.
func sampleWallLink(t *testing.T, e *env) sampleWallLinkAnswer {
	t.Helper()
	secret, hash := auth.NewToken("gmw_")
	l, err := e.db.Store.CreateWallLink(context.Background(), store.Actor{Name: "test"}, 9, hash, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return sampleWallLinkAnswer{l.ID, secret}
}

// nilIfZero is NULL for 0, for optional ids in SQL.
func nilIfZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
