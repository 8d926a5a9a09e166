package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// site is a sampling site as GET /api/sampling-sites and the writes give it.
type site struct {
	ID                int64
	Grid              int64
	Name              string
	Lon, Lat          float64
	Opens, Closes     string
	OpenNow           bool `json:"open_now"`
	Queue             *int
	TestedToday       int        `json:"tested_today"`
	ReportedAt        *time.Time `json:"reported_at"`
	ThroughputPerHour int        `json:"throughput_per_hour"`
}

// gridPoint is a point inside a current grid, as "lon, lat" numbers.
func gridPoint(t *testing.T, e *env, grid int64) (string, string) {
	t.Helper()
	p := scalar[string](t, e, `SELECT ST_X(ST_PointOnSurface(geom)) || ',' || ST_Y(ST_PointOnSurface(geom)) FROM current_grids WHERE id = $1`, grid)
	lon, lat, _ := strings.Cut(p, ",")
	return lon, lat
}

// TestSamplingSites: a grid leader places a site in their compound (its
// grid found from the point) but not outside it nor outside every grid,
// sees only their subtree's sites, reports queue and tested counts once
// per client id, and the site's state follows the reports by the rules:
// queue the latest, tested the day's sum, throughput the last hour's.
func TestSamplingSites(t *testing.T) {
	t.Parallel()
	loc := shanghai(t)
	now := time.Now().In(loc)
	clk := newClock(time.Date(now.Year(), now.Month(), now.Day(), 10, 0, 0, 0, loc))
	e := newEnv(t, server.Config{Clock: clk.now})
	leader := e.client(t, "samp-leader", auth.GridLeader, 9)
	other := scalar[int64](t, e, `SELECT min(id) FROM current_grids WHERE level = 3 AND id <> 9`)
	lon, lat := gridPoint(t, e, 9)
	olon, olat := gridPoint(t, e, other)

	body := func(lon, lat, opens, closes string) string {
		return fmt.Sprintf(`{"client_id": %q, "name": "测试采样点", "lon": %s, "lat": %s, "opens": %q, "closes": %q}`, cid(), lon, lat, opens, closes)
	}
	r := leader.do("POST", "/api/sampling-sites", body(lon, lat, "08:00", "18:00"))
	var created site
	if r.Status != 201 || json.Unmarshal(r.Body, &created) != nil || created.Grid != 9 || !created.OpenNow || created.Queue != nil {
		t.Fatalf("create: %d %s, want 201 in grid 9, open at 10:00, no queue yet", r.Status, r.Body)
	}
	for _, c := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"outside the leader's grid", body(olon, olat, "08:00", "18:00"), 403, "lon"},
		{"outside every grid", body("100.5", "30.5", "08:00", "18:00"), 422, "lon"},
		{"closes before opens", body(lon, lat, "18:00", "08:00"), 400, "closes"},
		{"bad opens", body(lon, lat, "8am", "18:00"), 400, "opens"},
		{"no lat", fmt.Sprintf(`{"client_id": %q, "name": "x", "lon": %s, "opens": "08:00", "closes": "18:00"}`, cid(), lon), 400, "lat"},
		{"no name", fmt.Sprintf(`{"client_id": %q, "name": " ", "lon": %s, "lat": %s, "opens": "08:00", "closes": "18:00"}`, cid(), lon, lat), 400, "name"},
	} {
		if r := leader.do("POST", "/api/sampling-sites", c.body); r.Status != c.status || r.Error.Field != c.field {
			t.Errorf("%s: %d %s, want %d naming %s", c.name, r.Status, r.Body, c.status, c.field)
		}
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM sampling_sites WHERE name = '测试采样点'`); n != 1 {
		t.Errorf("%d sites stored, want only the one accepted", n)
	}

	// Scope of the list: only the leader's subtree, and no other grid.
	var list struct {
		Day   string
		Sites []site
	}
	if st := leader.get("/api/sampling-sites", &list); st != 200 || len(list.Sites) == 0 {
		t.Fatalf("list: %d with %d sites", st, len(list.Sites))
	}
	for _, s := range list.Sites {
		if s.Grid != 9 {
			t.Errorf("the leader of grid 9 sees site %d of grid %d", s.ID, s.Grid)
		}
	}
	if r := leader.do("GET", fmt.Sprintf("/api/sampling-sites?grid=%d", other), nil); r.Status != 403 || r.Error.Field != "grid" {
		t.Errorf("another grid's sites: %d %s, want 403 naming grid", r.Status, r.Body)
	}
	admin := e.client(t, "samp-admin", auth.Admin, 0)
	if r := admin.do("POST", "/api/sampling-sites", body(olon, olat, "07:00", "19:00")); r.Status != 201 {
		t.Fatalf("admin's site in grid %d: %d %s", other, r.Status, r.Body)
	}
	var all struct{ Sites []site }
	admin.get("/api/sampling-sites", &all)
	if want := scalar[int64](t, e, `SELECT count(*) FROM sampling_sites WHERE active`); int64(len(all.Sites)) != want || want != 2 {
		t.Errorf("admin sees %d sites, the database holds %d active, want both", len(all.Sites), want)
	}
	if st := leader.get("/api/sampling-sites", &list); st != 200 || len(list.Sites) != 1 || list.Sites[0].ID != created.ID {
		t.Errorf("the leader of 9 lists %+v, want only their own site", list.Sites)
	}

	// Reports: idempotent on client id, the rules of queue, tested and throughput.
	path := fmt.Sprintf("/api/sampling-sites/%d/reports", created.ID)
	id := cid()
	first := leader.do("POST", path, fmt.Sprintf(`{"client_id": %q, "queue": 12, "tested": 30}`, id))
	again := leader.do("POST", path, fmt.Sprintf(`{"client_id": %q, "queue": 12, "tested": 30}`, id))
	if first.Status != 201 || again.Status != 201 || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replay") != "true" {
		t.Errorf("report and its retry: %d %s / %d %s (replay %q)", first.Status, first.Body, again.Status, again.Body, again.Header.Get("Idempotent-Replay"))
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM sampling_reports WHERE site_id = $1`, created.ID); n != 1 {
		t.Errorf("%d reports stored for one report sent twice", n)
	}
	report := func(at string, queue, tested int) site {
		t.Helper()
		h, m, _ := strings.Cut(at, ":")
		var hh, mm int
		fmt.Sscan(h, &hh)
		fmt.Sscan(m, &mm)
		clk.set(time.Date(now.Year(), now.Month(), now.Day(), hh, mm, 0, 0, loc))
		r := leader.do("POST", path, fmt.Sprintf(`{"client_id": %q, "queue": %d, "tested": %d}`, cid(), queue, tested))
		var s site
		if r.Status != 201 || json.Unmarshal(r.Body, &s) != nil {
			t.Fatalf("report at %s: %d %s", at, r.Status, r.Body)
		}
		return s
	}
	s := report("10:40", 5, 20)
	if *s.Queue != 5 || s.TestedToday != 50 || s.ThroughputPerHour != 50 {
		t.Errorf("at 10:40: queue %v, tested %d, throughput %d; want 5, 50, 50", *s.Queue, s.TestedToday, s.ThroughputPerHour)
	}
	s = report("11:30", 0, 10)
	if *s.Queue != 0 || s.TestedToday != 60 || s.ThroughputPerHour != 30 {
		t.Errorf("at 11:30: queue %v, tested %d, throughput %d; want 0, 60, 30 (the 10:00 report is over an hour old)", *s.Queue, s.TestedToday, s.ThroughputPerHour)
	}
	clk.set(time.Date(now.Year(), now.Month(), now.Day(), 19, 0, 0, 0, loc))
	leader.get("/api/sampling-sites?grid=9", &list)
	for _, x := range list.Sites {
		if x.ID == created.ID && (x.OpenNow || x.TestedToday != 60 || x.ThroughputPerHour != 0 || *x.Queue != 0) {
			t.Errorf("at 19:00: %+v, want closed, 60 tested, no throughput", x)
		}
	}

	// Bad reports name their field; another grid's site is forbidden.
	outsideSite := scalar[int64](t, e, `SELECT min(id) FROM sampling_sites WHERE grid_id <> 9`)
	for _, c := range []struct {
		name, path, body string
		status           int
		field            string
	}{
		{"negative queue", path, fmt.Sprintf(`{"client_id": %q, "queue": -1, "tested": 3}`, cid()), 400, "queue"},
		{"no queue", path, fmt.Sprintf(`{"client_id": %q, "tested": 3}`, cid()), 400, "queue"},
		{"negative tested", path, fmt.Sprintf(`{"client_id": %q, "queue": 1, "tested": -3}`, cid()), 400, "tested"},
		{"no client id", path, `{"queue": 1, "tested": 3}`, 400, "client_id"},
		{"unknown site", "/api/sampling-sites/99999999/reports", fmt.Sprintf(`{"client_id": %q, "queue": 1}`, cid()), 404, "id"},
		{"another grid's site", fmt.Sprintf("/api/sampling-sites/%d/reports", outsideSite), fmt.Sprintf(`{"client_id": %q, "queue": 1}`, cid()), 403, "id"},
	} {
		if r := leader.do("POST", c.path, c.body); r.Status != c.status || r.Error.Field != c.field {
			t.Errorf("%s: %d %s, want %d naming %s", c.name, r.Status, r.Body, c.status, c.field)
		}
	}
}

// TestSamplingReportStream: a report reaches a viewer subscribed to the
// site's grid on the "sampling" topic, with the site's new state.
func TestSamplingReportStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "samp-ws-leader", auth.GridLeader, 9)
	siteID := scalar[int64](t, e, `INSERT INTO sampling_sites (grid_id, name, geom, opens, closes)
		SELECT 9, '流测采样点', ST_PointOnSurface(geom), '00:00', '23:59' FROM current_grids WHERE id = 9 RETURNING id`)
	v, _, err := dial(t, e, leader, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "grid": 9, "topics": []string{"sampling"}})
	v.next(15*time.Second, func(m message) bool { return m.Type == "snapshot" })
	if r := leader.do("POST", fmt.Sprintf("/api/sampling-sites/%d/reports", siteID), fmt.Sprintf(`{"client_id": %q, "queue": 17, "tested": 40}`, cid())); r.Status != 201 {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	m := v.next(15*time.Second, func(m message) bool { return m.Type == "event" })
	var s site
	if err := json.Unmarshal(m.Data, &s); err != nil || m.Topic != "sampling" || m.Grid != 9 || s.ID != siteID || s.Queue == nil || *s.Queue != 17 || s.TestedToday != 40 {
		t.Errorf("event %s on %s for grid %d, want the site %d with queue 17 and 40 tested on sampling", m.Data, m.Topic, m.Grid, siteID)
	}
}

// roundGrid is one compound grid of a round's completeness.
type roundGrid struct {
	Grid                 int64
	Households, Screened int
	Pct                  *float64
}

// sqlRound counts a round's completeness directly: for each compound grid
// under root, its occupied households and those whose last report of day
// was one that means someone was seen.
func sqlRound(t *testing.T, e *env, root int64, day string) map[int64][2]int {
	t.Helper()
	rows, err := e.conn.Query(t.Context(), `
		WITH RECURSIVE sub AS (SELECT id, level FROM current_grids WHERE id = $1
			UNION ALL SELECT g.id, g.level FROM current_grids g JOIN sub ON g.parent_id = sub.id)
		SELECT sub.id,
		       (SELECT count(*) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = sub.id AND h.status = 'occupied'),
		       (SELECT count(*) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = sub.id AND h.status = 'occupied'
		          AND (SELECT s.outcome FROM screenings s WHERE s.household_id = h.id AND s.day = $2::date
		               ORDER BY s.reported_at DESC, s.id DESC LIMIT 1) IN ('normal', 'fever', 'home_quarantine', 'risk_area_return'))
		FROM sub WHERE sub.level = 3`, root, day)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64][2]int{}
	for rows.Next() {
		var id int64
		var h, s int
		if err := rows.Scan(&id, &h, &s); err != nil {
			t.Fatal(err)
		}
		out[id] = [2]int{h, s}
	}
	return out
}

// TestSamplingRoundCompleteness: a round's completeness per compound grid
// equals an independent SQL count, for today and yesterday; for today it
// agrees with the live coverage; a leader sees a community round limited
// to their compound, and bad rounds are refused naming the field.
func TestSamplingRoundCompleteness(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{WritePerMinute: 100000})
	admin := e.client(t, "round-admin", auth.Admin, 0)
	leader := e.client(t, "round-leader", auth.GridLeader, 9)
	community := scalar[int64](t, e, `SELECT parent_id FROM current_grids WHERE id = 9`)
	otherCommunity := scalar[int64](t, e, `SELECT min(id) FROM current_grids WHERE level = 2 AND id <> $1`, community)
	today := scalar[string](t, e, `SELECT ((now() AT TIME ZONE 'Asia/Shanghai')::date)::text`)
	yesterday := scalar[string](t, e, `SELECT ((now() AT TIME ZONE 'Asia/Shanghai')::date - 1)::text`)

	// Screenings of today and yesterday in the community's compounds,
	// with every outcome, and households reported twice (the later report
	// decides).
	rows, err := e.conn.Query(t.Context(), `SELECT h.id FROM households h JOIN buildings b ON b.id = h.building_id
		JOIN current_grids g ON g.id = b.grid_id WHERE g.parent_id = $1 AND h.status = 'occupied' ORDER BY h.id`, community)
	if err != nil {
		t.Fatal(err)
	}
	var households []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		households = append(households, id)
	}
	rows.Close()
	outcomes := []string{"normal", "not_home", "fever", "home_quarantine", "risk_area_return", "refused", "normal"}
	for i, h := range households {
		if i%3 == 2 {
			continue
		}
		for _, day := range []string{today, yesterday} {
			out := outcomes[(i+len(day)+int(h))%len(outcomes)]
			if r := admin.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": %q, "day": %q}`, cid(), h, out, day)); r.Status != 201 {
				t.Fatalf("screening: %d %s", r.Status, r.Body)
			}
			if i%5 == 0 { // reported again: not at home after all, or seen now
				again := map[bool]string{true: "not_home", false: "normal"}[out == "normal"]
				if r := admin.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": %q, "day": %q}`, cid(), h, again, day)); r.Status != 201 {
					t.Fatalf("screening: %d %s", r.Status, r.Body)
				}
			}
		}
		if i > 150 {
			break
		}
	}
	create := func(c *client, day string, grid int64) int64 {
		t.Helper()
		r := c.do("POST", "/api/sampling-rounds", fmt.Sprintf(`{"client_id": %q, "day": %q, "grid_id": %d, "name": "第%s轮全员核酸"}`, cid(), day, grid, day))
		var round struct {
			ID     int64
			GridID int64 `json:"grid_id"`
		}
		if r.Status != 201 || json.Unmarshal(r.Body, &round) != nil || round.GridID != grid {
			t.Fatalf("round %s over %d: %d %s", day, grid, r.Status, r.Body)
		}
		return round.ID
	}
	type answer struct {
		Round struct{ Day string }
		Grids []roundGrid
		Total struct {
			Households, Screened int
			Pct                  *float64
		}
	}
	for _, day := range []string{today, yesterday} {
		id := create(admin, day, community)
		var a answer
		if st := admin.get(fmt.Sprintf("/api/sampling-rounds/%d", id), &a); st != 200 {
			t.Fatalf("round %d: %d", id, st)
		}
		want := sqlRound(t, e, community, day)
		if len(a.Grids) != len(want) || len(want) < 2 {
			t.Errorf("%s: %d grids, SQL has %d", day, len(a.Grids), len(want))
		}
		var h, s int
		for _, g := range a.Grids {
			w, ok := want[g.Grid]
			if !ok || g.Households != w[0] || g.Screened != w[1] {
				t.Errorf("%s grid %d: %d of %d, SQL %d of %d", day, g.Grid, g.Screened, g.Households, w[1], w[0])
			}
			if g.Households > 0 && (g.Pct == nil || *g.Pct < 0 || *g.Pct > 100) {
				t.Errorf("%s grid %d: pct %v", day, g.Grid, g.Pct)
			}
			h, s = h+w[0], s+w[1]
		}
		if a.Total.Households != h || a.Total.Screened != s || s == 0 {
			t.Errorf("%s: total %d of %d, SQL %d of %d", day, a.Total.Screened, a.Total.Households, s, h)
		}
		if day == today {
			var cov struct {
				Grid struct {
					Households    int64
					ScreenedToday int64 `json:"screened_today"`
				}
			}
			admin.get("/api/grids/9/coverage", &cov)
			if w := want[9]; int64(w[0]) != cov.Grid.Households || int64(w[1]) != cov.Grid.ScreenedToday {
				t.Errorf("today's round in grid 9: %d of %d; coverage says %d of %d", w[1], w[0], cov.Grid.ScreenedToday, cov.Grid.Households)
			}
		}
	}

	// The leader of compound 9 sees the community's round limited to 9,
	// lists it, and may not see another community's.
	id := create(admin, today, community)
	var a answer
	if st := leader.get(fmt.Sprintf("/api/sampling-rounds/%d", id), &a); st != 200 || len(a.Grids) != 1 || a.Grids[0].Grid != 9 {
		t.Errorf("leader of 9 on the community's round: %d with %+v, want grid 9 only", st, a.Grids)
	}
	var rounds struct {
		Rounds []struct {
			ID     int64
			GridID int64 `json:"grid_id"`
		}
	}
	leader.get("/api/sampling-rounds", &rounds)
	listed := false
	for _, r := range rounds.Rounds {
		listed = listed || r.ID == id
		if r.GridID != community && r.GridID != 9 && scalar[int64](t, e, `SELECT level FROM grids WHERE id = $1`, r.GridID) != 1 {
			t.Errorf("the leader of 9 lists round %d over grid %d", r.ID, r.GridID)
		}
	}
	if !listed {
		t.Errorf("the leader of 9 does not list the community's round %d: %+v", id, rounds.Rounds)
	}
	foreign := create(admin, today, otherCommunity)
	if r := leader.do("GET", fmt.Sprintf("/api/sampling-rounds/%d", foreign), nil); r.Status != 403 || r.Error.Field != "id" {
		t.Errorf("another community's round: %d %s, want 403 naming id", r.Status, r.Body)
	}
	if r := leader.do("GET", "/api/sampling-rounds/99999999", nil); r.Status != 404 || r.Error.Field != "id" {
		t.Errorf("unknown round: %d %s, want 404 naming id", r.Status, r.Body)
	}
	for _, c := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"bad day", fmt.Sprintf(`{"client_id": %q, "day": "2026-13-01", "grid_id": 9, "name": "x"}`, cid()), 400, "day"},
		{"far day", fmt.Sprintf(`{"client_id": %q, "day": "2099-01-01", "grid_id": 9, "name": "x"}`, cid()), 400, "day"},
		{"unknown grid", fmt.Sprintf(`{"client_id": %q, "day": %q, "grid_id": 99999999, "name": "x"}`, cid(), today), 400, "grid_id"},
		{"grid outside", fmt.Sprintf(`{"client_id": %q, "day": %q, "grid_id": %d, "name": "x"}`, cid(), today, otherCommunity), 403, "grid_id"},
		{"no name", fmt.Sprintf(`{"client_id": %q, "day": %q, "grid_id": 9, "name": ""}`, cid(), today), 400, "name"},
	} {
		if r := leader.do("POST", "/api/sampling-rounds", c.body); r.Status != c.status || r.Error.Field != c.field {
			t.Errorf("%s: %d %s, want %d naming %s", c.name, r.Status, r.Body, c.status, c.field)
		}
	}
}
