package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/server"
)

// clock is a test's movable server clock.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.set(t)
	return c
}
func (c *clock) now() time.Time  { return time.Unix(0, c.ns.Load()) }
func (c *clock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

var clientSeq atomic.Int64

// cid makes a fresh client id.
func cid() string { return fmt.Sprintf("test-%d-%d", time.Now().UnixNano(), clientSeq.Add(1)) }

// sqlCoverage computes every grid's figures directly from the tables,
// written independently of the store's count: each grid's compound grids
// are found by walking up from them, and "screened" is a report with no
// later report that day.
func sqlCoverage(t *testing.T, conn *pgx.Conn, today string, now time.Time) map[int64]coverage.Tally {
	t.Helper()
	ctx := context.Background()
	const anc = `WITH RECURSIVE anc(grid, leaf) AS (
		SELECT id, id FROM grids WHERE level = 3 AND retired_at IS NULL
		UNION ALL SELECT g.parent_id, anc.leaf FROM anc JOIN grids g ON g.id = anc.grid WHERE g.parent_id IS NOT NULL) `
	metrics := map[string]string{
		"households": `SELECT anc.grid, count(*) FROM anc JOIN buildings b ON b.grid_id = anc.leaf JOIN households h ON h.building_id = b.id
			WHERE h.status = 'occupied' AND $1::date IS NOT NULL AND $2::timestamptz IS NOT NULL GROUP BY 1`,
		"excluded": `SELECT anc.grid, count(*) FROM anc JOIN buildings b ON b.grid_id = anc.leaf JOIN households h ON h.building_id = b.id
			WHERE h.status IN ('vacant', 'demolished') AND $1::date IS NOT NULL AND $2::timestamptz IS NOT NULL GROUP BY 1`,
		"with_contact": `SELECT anc.grid, count(*) FROM anc JOIN buildings b ON b.grid_id = anc.leaf JOIN households h ON h.building_id = b.id
			WHERE h.status = 'occupied' AND h.contact_id IS NOT NULL AND $1::date IS NOT NULL AND $2::timestamptz IS NOT NULL GROUP BY 1`,
		"buildings": `SELECT anc.grid, count(*) FROM anc JOIN buildings b ON b.grid_id = anc.leaf WHERE $1::date IS NOT NULL AND $2::timestamptz IS NOT NULL GROUP BY 1`,
		"with_head": `SELECT anc.grid, count(*) FROM anc JOIN buildings b ON b.grid_id = anc.leaf WHERE b.head_id IS NOT NULL AND $1::date IS NOT NULL AND $2::timestamptz IS NOT NULL GROUP BY 1`,
		"screened_today": `SELECT anc.grid, count(*) FROM anc JOIN buildings b ON b.grid_id = anc.leaf JOIN households h ON h.building_id = b.id
			JOIN screenings s ON s.household_id = h.id AND s.day = $1::date
			WHERE h.status = 'occupied' AND s.outcome NOT IN ('not_home', 'refused') AND $2::timestamptz IS NOT NULL
			  AND NOT EXISTS (SELECT 1 FROM screenings l WHERE l.household_id = s.household_id AND l.day = s.day
			                  AND (l.reported_at, l.id) > (s.reported_at, s.id)) GROUP BY 1`,
		"quarantined": `SELECT anc.grid, count(DISTINCT h.id) FROM anc JOIN buildings b ON b.grid_id = anc.leaf JOIN households h ON h.building_id = b.id
			JOIN quarantines q ON q.household_id = h.id WHERE q.ended_at IS NULL AND $1::date BETWEEN q.starts AND q.ends AND $2::timestamptz IS NOT NULL GROUP BY 1`,
		"fever_alerts": `SELECT anc.grid, count(*) FROM anc JOIN alerts a ON a.grid_id = anc.leaf
			WHERE a.kind = 'fever' AND a.resolved_at IS NULL AND $1::date IS NOT NULL AND $2::timestamptz IS NOT NULL GROUP BY 1`,
		"overdue_visits": `SELECT anc.grid, count(*) FROM anc JOIN buildings b ON b.grid_id = anc.leaf JOIN households h ON h.building_id = b.id
			JOIN vulnerable_residents r ON r.household_id = h.id
			WHERE r.left_at IS NULL AND $1::date IS NOT NULL
			  AND COALESCE((SELECT max(v.at) FROM visits v WHERE v.resident_id = r.id), r.since) + r.visit_every_days * interval '1 day' < $2 GROUP BY 1`,
		"open_requests": `SELECT anc.grid, count(*) FROM anc JOIN requests q ON q.building_id IN (SELECT id FROM buildings WHERE grid_id = anc.leaf)
			WHERE q.closed_at IS NULL AND $1::date IS NOT NULL AND $2::timestamptz IS NOT NULL GROUP BY 1`,
	}
	out := map[int64]coverage.Tally{}
	rows, err := conn.Query(ctx, `SELECT id FROM grids WHERE retired_at IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		out[id] = coverage.Tally{}
	}
	for name, sql := range metrics {
		rows, err := conn.Query(ctx, anc+sql, today, now)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var grid, n int64
		_, err = pgx.ForEachRow(rows, []any{&grid, &n}, func() error {
			tl := out[grid]
			field := map[string]*int64{"households": &tl.Households, "excluded": &tl.Excluded, "with_contact": &tl.WithContact,
				"buildings": &tl.Buildings, "with_head": &tl.WithHead, "screened_today": &tl.ScreenedToday,
				"quarantined": &tl.Quarantined, "fever_alerts": &tl.FeverAlerts, "overdue_visits": &tl.OverdueVisits,
				"open_requests": &tl.OpenRequests}[name]
			*field = n
			out[grid] = tl
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return out
}

// apiCoverage reads every grid's figures from the API, level by level.
func apiCoverage(t *testing.T, c *client) (string, map[int64]coverage.Figures) {
	t.Helper()
	out := map[int64]coverage.Figures{}
	var day string
	for level := 1; level <= 3; level++ {
		var res struct {
			Day   string
			Grids []coverage.Figures
		}
		if st := c.get(fmt.Sprintf("/api/coverage?level=%d", level), &res); st != 200 {
			t.Fatalf("coverage level %d: %d", level, st)
		}
		day = res.Day
		for _, f := range res.Grids {
			out[f.Grid] = f
		}
	}
	return day, out
}

// checkCoverage compares the API's live figures with SQL's for every grid.
func checkCoverage(t *testing.T, e *env, c *client, clk *clock, label string) {
	t.Helper()
	now := clk.now()
	today := now.In(shanghai(t)).Format(time.DateOnly)
	day, api := apiCoverage(t, c)
	if day != today {
		t.Errorf("%s: coverage is for %s, want %s", label, day, today)
	}
	want := sqlCoverage(t, e.conn, today, now)
	if len(api) != len(want) {
		t.Errorf("%s: the API has figures for %d grids, SQL for %d", label, len(api), len(want))
	}
	for id, w := range want {
		if got := api[id].Tally; got != w {
			t.Errorf("%s: grid %d:\n api %+v\n sql %+v", label, id, got, w)
		}
	}
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestCoverageMatchesSQL makes a random series of field writes of every
// kind through the API, across a jump of three days, and checks that
// every figure of every grid equals the same figure computed in SQL.
func TestCoverageMatchesSQL(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Now())
	e := newEnv(t, server.Config{Clock: clk.now, WritePerMinute: 100000})
	admin := e.client(t, "cov-admin", auth.Admin, 0)
	checkCoverage(t, e, admin, clk, "demo as seeded")

	rng := rand.New(rand.NewPCG(7, 11))
	ids := func(sql string) []int64 {
		rows, err := e.conn.Query(context.Background(), sql)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(out) == 0 {
			t.Fatalf("%s: %v (%d rows)", sql, err, len(out))
		}
		return out
	}
	households := ids(`SELECT id FROM households ORDER BY id`)
	buildings := ids(`SELECT id FROM buildings ORDER BY id`)
	members := ids(`SELECT person_id FROM party_members ORDER BY 1`)
	people := ids(`SELECT id FROM people ORDER BY id LIMIT 500`)
	pick := func(s []int64) int64 { return s[rng.IntN(len(s))] }
	post := func(path string, body string) response {
		t.Helper()
		r := admin.do("POST", path, body)
		if r.Status >= 300 {
			t.Fatalf("POST %s %s: %d %s", path, body, r.Status, r.Body)
		}
		return r
	}
	idOf := func(r response) int64 {
		var v struct{ ID int64 }
		json.Unmarshal(r.Body, &v)
		return v.ID
	}
	var quarantines, requests, residents, alerts []int64
	var checkpoint int64
	outcomes := []string{"normal", "not_home", "fever", "home_quarantine", "risk_area_return", "refused"}
	writes := func(n int) {
		for range n {
			today := clk.now().In(shanghai(t)).Format(time.DateOnly)
			switch k := rng.IntN(11); k {
			case 0, 1, 2:
				day := today
				if rng.IntN(5) == 0 {
					day = clk.now().In(shanghai(t)).AddDate(0, 0, -1).Format(time.DateOnly)
				}
				r := post("/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": %q, "day": %q}`,
					cid(), pick(households), outcomes[rng.IntN(len(outcomes))], day))
				var s struct {
					AlertID int64 `json:"alert_id"`
				}
				json.Unmarshal(r.Body, &s)
				if s.AlertID != 0 {
					alerts = append(alerts, s.AlertID)
				}
			case 3:
				ref := "null"
				if rng.IntN(3) > 0 {
					ref = fmt.Sprint(pick(members))
				}
				if r := admin.do("PUT", fmt.Sprintf("/api/households/%d/contact", pick(households)), fmt.Sprintf(`{"contact_id": %s, "client_id": %q}`, ref, cid())); r.Status != 204 {
					t.Fatalf("contact: %d %s", r.Status, r.Body)
				}
			case 4:
				ref := "null"
				if rng.IntN(2) > 0 {
					ref = fmt.Sprint(pick(people))
				}
				if r := admin.do("PUT", fmt.Sprintf("/api/buildings/%d/head", pick(buildings)), fmt.Sprintf(`{"head_id": %s}`, ref)); r.Status != 204 {
					t.Fatalf("head: %d %s", r.Status, r.Body)
				}
			case 5:
				start := clk.now().In(shanghai(t)).AddDate(0, 0, rng.IntN(5)-3)
				r := post("/api/quarantines", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "starts": %q, "ends": %q, "reason": "risk_area_return"}`,
					cid(), pick(households), start.Format(time.DateOnly), start.AddDate(0, 0, rng.IntN(6)).Format(time.DateOnly)))
				quarantines = append(quarantines, idOf(r))
			case 6:
				if len(quarantines) > 0 {
					post(fmt.Sprintf("/api/quarantines/%d/end", pick(quarantines)), fmt.Sprintf(`{"client_id": %q}`, cid()))
				}
			case 7:
				r := post("/api/requests", fmt.Sprintf(`{"client_id": %q, "building_id": %d, "category": "supplies", "body": "需要代购药品"}`, cid(), pick(buildings)))
				requests = append(requests, idOf(r))
				if rng.IntN(2) == 0 {
					post(fmt.Sprintf("/api/requests/%d/close", pick(requests)), fmt.Sprintf(`{"client_id": %q, "resolution": "已送达"}`, cid()))
				}
			case 8:
				r := post("/api/vulnerable", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "name": "独居老人", "category": "elderly_alone", "visit_every_days": %d}`,
					cid(), pick(households), 1+rng.IntN(3)))
				residents = append(residents, idOf(r))
				if len(residents) > 1 {
					post(fmt.Sprintf("/api/vulnerable/%d/visits", pick(residents)), fmt.Sprintf(`{"client_id": %q, "method": "visit", "at": %q}`,
						cid(), clk.now().Add(-time.Duration(rng.IntN(40))*time.Hour).Format(time.RFC3339)))
				}
			case 9:
				if checkpoint == 0 {
					lon, lat := pointIn(t, e, 9)
					checkpoint = idOf(post("/api/checkpoints", fmt.Sprintf(`{"client_id": %q, "grid_id": 9, "name": "北门卡点", "lon": %f, "lat": %f}`, cid(), lon, lat)))
				}
				post(fmt.Sprintf("/api/checkpoints/%d/counts", checkpoint), fmt.Sprintf(`{"client_id": %q, "scans": 40, "temperatures": 40, "fevers": %d}`, cid(), rng.IntN(2)))
			case 10:
				if len(alerts) > 0 {
					post(fmt.Sprintf("/api/alerts/%d/resolve", pick(alerts)), fmt.Sprintf(`{"client_id": %q, "resolution": "复测正常"}`, cid()))
				}
			}
		}
	}
	writes(120)
	checkCoverage(t, e, admin, clk, "after 120 random writes")
	// Three days on: residents fall due, quarantines end, and "today"
	// starts again from zero screenings.
	clk.set(clk.now().Add(72 * time.Hour))
	checkCoverage(t, e, admin, clk, "three days later")
	writes(120)
	checkCoverage(t, e, admin, clk, "after 120 more writes")
}

// TestFieldWriteIdempotent: a retried write (same client id) is stored
// once and answered as the first time; the same id from another account
// or for another kind of write is refused.
func TestFieldWriteIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "idem-leader", auth.GridLeader, 9)
	staff := e.client(t, "idem-staff", auth.Staff, 9)
	household := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9`)
	id := cid()
	body := fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal"}`, id, household)
	first := leader.do("POST", "/api/screenings", body)
	if first.Status != 201 || first.Header.Get("Idempotent-Replay") != "" {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	for i := range 3 {
		again := leader.do("POST", "/api/screenings", body)
		if again.Status != 201 || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replay") != "true" {
			t.Errorf("retry %d: %d %s (replay %q), want the first answer %s", i, again.Status, again.Body, again.Header.Get("Idempotent-Replay"), first.Body)
		}
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM screenings WHERE household_id = $1`, household); n != 1 {
		t.Errorf("%d screenings stored for one report sent four times", n)
	}
	// Retries racing each other are stored once too.
	id2 := cid()
	building := scalar[int64](t, e, `SELECT building_id FROM households WHERE id = $1`, household)
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = leader.do("POST", "/api/requests", fmt.Sprintf(`{"client_id": %q, "building_id": %d, "category": "repair", "body": "水管漏水"}`,
				id2, building)).Status
		}()
	}
	wg.Wait()
	for _, st := range statuses {
		if st != 201 {
			t.Errorf("concurrent retries answered %v, want all 201", statuses)
			break
		}
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM requests WHERE body = '水管漏水'`); n != 1 {
		t.Errorf("%d requests stored for 8 concurrent retries", n)
	}
	if r := staff.do("POST", "/api/screenings", body); r.Status != 409 || r.Error.Field != "client_id" {
		t.Errorf("another account reusing a client id: %d %s, want 409 naming client_id", r.Status, r.Body)
	}
	if r := leader.do("POST", "/api/requests", fmt.Sprintf(`{"client_id": %q, "building_id": 1, "category": "repair", "body": "x"}`, id)); r.Status != 409 || r.Error.Field != "client_id" {
		t.Errorf("a client id reused for another kind of write: %d %s, want 409", r.Status, r.Body)
	}
	// A write refused for a bad value stores nothing, so the same client
	// id can carry the corrected write.
	id3 := cid()
	if r := leader.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": 999999999, "outcome": "normal"}`, id3)); r.Status != 404 && r.Status != 400 {
		t.Errorf("unknown household: %d %s", r.Status, r.Body)
	}
	if r := leader.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "fever"}`, id3, household)); r.Status != 201 {
		t.Errorf("corrected write with the refused write's client id: %d %s", r.Status, r.Body)
	}
}

// TestFieldWriteValidation: bad bodies are refused with 4xx naming the
// field, and nothing is stored.
func TestFieldWriteValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "val-leader", auth.GridLeader, 9)
	household := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9`)
	outside := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id <> 9`)
	before := scalar[int64](t, e, `SELECT count(*) FROM field_writes`)
	cases := []struct {
		name, path, body string
		status           int
		field            string
	}{
		{"no client id", "/api/screenings", fmt.Sprintf(`{"household_id": %d, "outcome": "normal"}`, household), 400, "client_id"},
		{"short client id", "/api/screenings", fmt.Sprintf(`{"client_id": "abc", "household_id": %d, "outcome": "normal"}`, household), 400, "client_id"},
		{"client id with spaces", "/api/screenings", fmt.Sprintf(`{"client_id": "abc def ghi", "household_id": %d, "outcome": "normal"}`, household), 400, "client_id"},
		{"unknown outcome", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "fine"}`, cid(), household), 400, "outcome"},
		{"no outcome", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d}`, cid(), household), 400, "outcome"},
		{"hot", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "fever", "temperature": 48}`, cid(), household), 400, "temperature"},
		{"tomorrow", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal", "day": "2099-01-01"}`, cid(), household), 400, "day"},
		{"bad day", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal", "day": "28/11/2026"}`, cid(), household), 400, "day"},
		{"no household", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "outcome": "normal"}`, cid()), 400, "household_id"},
		{"unknown household", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": 99999999, "outcome": "normal"}`, cid()), 404, "household_id"},
		{"outside the grid", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal"}`, cid(), outside), 403, "household_id"},
		{"unknown field", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal", "colour": 1}`, cid(), household), 400, "colour"},
		{"quarantine ends first", "/api/quarantines", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "starts": "2026-11-20", "ends": "2026-11-10", "reason": "other"}`, cid(), household), 400, "ends"},
		{"quarantine reason", "/api/quarantines", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "starts": "2026-11-20", "ends": "2026-11-30", "reason": "bored"}`, cid(), household), 400, "reason"},
		{"seal nobody wears", "/api/seal-alerts", fmt.Sprintf(`{"client_id": %q, "seal_id": "DS-NONE", "kind": "seal_opened"}`, cid()), 400, "seal_id"},
		{"request body empty", "/api/requests", fmt.Sprintf(`{"client_id": %q, "building_id": 1, "category": "repair", "body": "  "}`, cid()), 400, "body"},
		{"request category", "/api/requests", fmt.Sprintf(`{"client_id": %q, "building_id": 1, "category": "gossip", "body": "x"}`, cid()), 400, "category"},
		{"visit interval", "/api/vulnerable", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "name": "王奶奶", "category": "elderly_alone", "visit_every_days": 0}`, cid(), household), 400, "visit_every_days"},
		{"spot check size", "/api/grids/9/spot-checks", fmt.Sprintf(`{"client_id": %q, "k": 0}`, cid()), 400, "k"},
		{"points zero", fmt.Sprintf("/api/party-members/%d/points", scalar[int64](t, e, `SELECT min(person_id) FROM party_members WHERE grid_id = 9`)), fmt.Sprintf(`{"client_id": %q, "points": 0, "reason": "x"}`, cid()), 400, "points"},
		{"checkpoint outside its grid", "/api/checkpoints", fmt.Sprintf(`{"client_id": %q, "grid_id": 9, "name": "卡点", "lon": 100, "lat": 30}`, cid()), 400, "lon"},
		{"counts negative", "/api/checkpoints/1/counts", fmt.Sprintf(`{"client_id": %q, "scans": -1, "temperatures": 0, "fevers": 0}`, cid()), 400, "scans"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			leader.t = t
			r := leader.do("POST", c.path, c.body)
			if r.Status != c.status || r.Error.Field != c.field {
				t.Errorf("%d %s, want %d naming %s", r.Status, r.Body, c.status, c.field)
			}
		})
	}
	if after := scalar[int64](t, e, `SELECT count(*) FROM field_writes`); after != before {
		t.Errorf("refused writes stored %d client ids", after-before)
	}
}

// TestScreeningTodayIsShanghai: a report just after midnight in
// Asia/Shanghai (16:00 UTC) counts for the new day, one just before for
// the old one, and the new day starts with no one screened.
func TestScreeningTodayIsShanghai(t *testing.T) {
	t.Parallel()
	before := time.Date(2026, 11, 28, 15, 59, 30, 0, time.UTC) // 23:59:30 in Shanghai
	clk := newClock(before)
	e := newEnv(t, server.Config{Clock: clk.now})
	leader := e.client(t, "tz-leader", auth.GridLeader, 9)
	households := func() []int64 {
		rows, _ := e.conn.Query(context.Background(), `SELECT h.id FROM households h JOIN buildings b ON b.id = h.building_id
			WHERE b.grid_id = 9 AND h.status = 'occupied' AND NOT EXISTS (SELECT 1 FROM screenings s WHERE s.household_id = h.id) ORDER BY h.id LIMIT 2`)
		ids, _ := pgx.CollectRows(rows, pgx.RowTo[int64])
		return ids
	}()
	if len(households) < 2 {
		t.Fatal("grid 9 has no unscreened households to report")
	}
	figures := func() coverage.Figures {
		var res struct {
			Day  string
			Grid coverage.Figures
		}
		leader.get("/api/grids/9/coverage", &res)
		return res.Grid
	}
	old := figures()
	r := leader.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal"}`, cid(), households[0]))
	var s struct{ Day string }
	json.Unmarshal(r.Body, &s)
	if r.Status != 201 || s.Day != "2026-11-28" {
		t.Fatalf("at 23:59:30 in Shanghai: %d %s, want day 2026-11-28", r.Status, r.Body)
	}
	if f := figures(); f.ScreenedToday != old.ScreenedToday+1 {
		t.Errorf("before midnight: screened today %d, want %d", f.ScreenedToday, old.ScreenedToday+1)
	}
	clk.set(time.Date(2026, 11, 28, 16, 0, 30, 0, time.UTC)) // 00:00:30 on the 29th in Shanghai
	if f := figures(); f.ScreenedToday != scalar[int64](t, e, `SELECT count(DISTINCT s.household_id) FROM screenings s JOIN households h ON h.id = s.household_id
		JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 AND s.day = '2026-11-29' AND h.status = 'occupied' AND s.outcome NOT IN ('not_home', 'refused')`) {
		t.Errorf("after midnight the new day starts from the 29th's reports: got %d", f.ScreenedToday)
	}
	base := figures().ScreenedToday
	r = leader.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal"}`, cid(), households[1]))
	json.Unmarshal(r.Body, &s)
	if r.Status != 201 || s.Day != "2026-11-29" {
		t.Fatalf("at 00:00:30 in Shanghai: %d %s, want day 2026-11-29", r.Status, r.Body)
	}
	if f := figures(); f.ScreenedToday != base+1 {
		t.Errorf("a report just after midnight: screened today %d, want %d", f.ScreenedToday, base+1)
	}
	var day string
	if err := e.conn.QueryRow(context.Background(), `SELECT day::text FROM screenings WHERE household_id = $1`, households[1]).Scan(&day); err != nil || day != "2026-11-29" {
		t.Errorf("stored day %q %v, want 2026-11-29", day, err)
	}
	// The building's household list shows today's state: the report just
	// after midnight counts, the one just before does not.
	var list struct {
		Households []struct {
			ID            int64
			Outcome       *string
			ScreenedToday bool `json:"screened_today"`
		}
	}
	building := scalar[int64](t, e, `SELECT building_id FROM households WHERE id = $1`, households[1])
	leader.get(fmt.Sprintf("/api/buildings/%d/households", building), &list)
	for _, h := range list.Households {
		switch h.ID {
		case households[1]:
			if h.Outcome == nil || *h.Outcome != "normal" || !h.ScreenedToday {
				t.Errorf("household %d today: %+v, want screened normal", h.ID, h)
			}
		case households[0]:
			if h.Outcome != nil || h.ScreenedToday {
				t.Errorf("household %d was reported yesterday, not today: %+v", h.ID, h)
			}
		}
	}
}

// TestFieldWriteDuringDatabaseRestart: while the database refuses and
// drops connections, every write is either acknowledged and present
// afterwards, or refused with an error; none is acknowledged and lost,
// and retrying a refused one with its client id stores it once.
func TestFieldWriteDuringDatabaseRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{WritePerMinute: 100000})
	leader := e.client(t, "restart-leader", auth.GridLeader, 9)
	rows, err := e.conn.Query(context.Background(), `SELECT h.id FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 ORDER BY h.id`)
	if err != nil {
		t.Fatal(err)
	}
	households, _ := pgx.CollectRows(rows, pgx.RowTo[int64])
	admin, err := pgx.Connect(context.Background(), testdb.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	db := pgx.Identifier{e.db.Name}.Sanitize()
	defer admin.Exec(context.Background(), `ALTER DATABASE `+db+` ALLOW_CONNECTIONS true`)

	type sent struct {
		id, body string
		status   int
	}
	var mu sync.Mutex
	var all []sent
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := cid()
				body := fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal"}`, id, households[(w*997+i)%len(households)])
				r := leader.do("POST", "/api/screenings", body)
				mu.Lock()
				all = append(all, sent{id, body, r.Status})
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	// The "restart": no new connections, every open one dropped, for 1.5 s.
	if _, err := admin.Exec(context.Background(), `ALTER DATABASE `+db+` ALLOW_CONNECTIONS false`); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, e.db.Name); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if _, err := admin.Exec(context.Background(), `ALTER DATABASE `+db+` ALLOW_CONNECTIONS true`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	close(stop)
	wg.Wait()

	conn, err := pgx.Connect(context.Background(), e.db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	stored := func(id string) bool {
		var n int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM field_writes w JOIN screenings s ON s.id = (w.response::jsonb->>'id')::bigint
			WHERE w.client_id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	var acked, refused int
	var retry []sent
	for _, s := range all {
		switch {
		case s.status == 201:
			acked++
			if !stored(s.id) {
				t.Errorf("write %s was acknowledged but is not in the database", s.id)
			}
		case s.status >= 500:
			refused++
			retry = append(retry, s)
		default:
			t.Errorf("write %s answered %d during the restart, want 201 or a 5xx", s.id, s.status)
		}
	}
	if refused == 0 {
		t.Errorf("no write was refused in a 1.5 s outage (%d acknowledged): the outage was not exercised", acked)
	}
	t.Logf("%d writes acknowledged and present, %d refused during the outage", acked, refused)
	// A refused write may have committed (the connection can drop after
	// COMMIT) or not; its retry with the same client id settles it, once.
	for _, s := range retry {
		if r := leader.do("POST", "/api/screenings", s.body); r.Status != 201 {
			t.Errorf("retry of %s after the restart: %d %s", s.id, r.Status, r.Body)
		} else if !stored(s.id) {
			t.Errorf("retry of %s acknowledged but not stored", s.id)
		}
	}
	var dup int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) - count(DISTINCT (response::jsonb->>'id')) FROM field_writes`).Scan(&dup); err != nil || dup != 0 {
		t.Errorf("%d client ids share a screening (%v)", dup, err)
	}
}

// TestGridLeaderGetsCoverageOverStream: a screening in the leader's grid
// reaches the leader's stream as a screening event and a coverage event
// with the new figures; nothing from outside the grid arrives.
func TestGridLeaderGetsCoverageOverStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "ws-leader", auth.GridLeader, 9)
	admin := e.client(t, "ws-admin", auth.Admin, 0)
	v, _, err := dial(t, e, leader, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "grid": 9, "topics": []string{"screening", "coverage"}})
	v.next(15*time.Second, func(m message) bool { return m.Type == "snapshot" })
	var start struct{ Grid coverage.Figures }
	leader.get("/api/grids/9/coverage", &start)
	outside := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id <> 9 AND h.status = 'occupied' AND NOT EXISTS (SELECT 1 FROM screenings s WHERE s.household_id = h.id AND s.day = (now() AT TIME ZONE 'Asia/Shanghai')::date)`)
	inside := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = 9 AND h.status = 'occupied' AND NOT EXISTS (SELECT 1 FROM screenings s WHERE s.household_id = h.id AND s.day = (now() AT TIME ZONE 'Asia/Shanghai')::date)`)
	if r := admin.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal"}`, cid(), outside)); r.Status != 201 {
		t.Fatalf("screening outside: %d %s", r.Status, r.Body)
	}
	if r := admin.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal"}`, cid(), inside)); r.Status != 201 {
		t.Fatalf("screening inside: %d %s", r.Status, r.Body)
	}
	var gotScreening bool
	m := v.next(15*time.Second, func(m message) bool {
		if m.Type != "event" {
			return false
		}
		if m.Grid != 9 {
			t.Errorf("an event for grid %d reached the leader of grid 9: %s", m.Grid, m.Data)
		}
		var d struct {
			HouseholdID int64 `json:"household_id"`
		}
		json.Unmarshal(m.Data, &d)
		if m.Topic == "screening" {
			gotScreening = d.HouseholdID == inside
		}
		return m.Topic == "coverage"
	})
	var f coverage.Figures
	json.Unmarshal(m.Data, &f)
	if f.Grid != 9 || f.ScreenedToday != start.Grid.ScreenedToday+1 {
		t.Errorf("coverage event %s, want grid 9 with screened_today %d", m.Data, start.Grid.ScreenedToday+1)
	}
	if !gotScreening {
		t.Error("no screening event for the household before the coverage event")
	}
}

// TestSpotCheck: a sample is reproducible from its seed, holds k occupied
// households of the grid, and its result rate follows the results.
func TestSpotCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "spot-leader", auth.GridLeader, 9)
	draw := func(seed int) (out struct {
		ID         int64
		Households []struct {
			HouseholdID int64 `json:"household_id"`
		}
		RatePct *float64 `json:"rate_pct"`
	}) {
		r := leader.do("POST", "/api/grids/9/spot-checks", fmt.Sprintf(`{"client_id": %q, "k": 5, "seed": %d}`, cid(), seed))
		if r.Status != 201 {
			t.Fatalf("draw: %d %s", r.Status, r.Body)
		}
		json.Unmarshal(r.Body, &out)
		return out
	}
	a, b, c := draw(42), draw(42), draw(43)
	if len(a.Households) != 5 {
		t.Fatalf("sample of %d, want 5", len(a.Households))
	}
	same := func(x, y []struct {
		HouseholdID int64 `json:"household_id"`
	}) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return len(x) == len(y)
	}
	if !same(a.Households, b.Households) {
		t.Errorf("the same seed drew %v and %v", a.Households, b.Households)
	}
	if same(a.Households, c.Households) {
		t.Errorf("seeds 42 and 43 drew the same sample %v", a.Households)
	}
	for _, h := range a.Households {
		if g := scalar[int64](t, e, `SELECT b.grid_id FROM households h JOIN buildings b ON b.id = h.building_id WHERE h.id = $1 AND h.status = 'occupied'`, h.HouseholdID); g != 9 {
			t.Errorf("household %d of the sample is in grid %d", h.HouseholdID, g)
		}
	}
	results := []string{"knows", "knows", "does_not_know", "knows"}
	for i, res := range results {
		if r := leader.do("POST", fmt.Sprintf("/api/spot-checks/%d/results", a.ID), fmt.Sprintf(`{"client_id": %q, "household_id": %d, "result": %q, "method": "phone"}`,
			cid(), a.Households[i].HouseholdID, res)); r.Status != 200 {
			t.Fatalf("result: %d %s", r.Status, r.Body)
		}
	}
	var list struct {
		Checks []struct {
			ID              int64
			Recorded, Knows int
			RatePct         *float64 `json:"rate_pct"`
		}
	}
	leader.get("/api/grids/9/spot-checks", &list)
	for _, ch := range list.Checks {
		if ch.ID == a.ID && (ch.Recorded != 4 || ch.Knows != 3 || ch.RatePct == nil || *ch.RatePct != 75) {
			t.Errorf("spot check %d: %+v, want 3 of 4 know (75%%)", a.ID, ch)
		}
	}
	outsider := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id <> 9`)
	if r := leader.do("POST", fmt.Sprintf("/api/spot-checks/%d/results", a.ID), fmt.Sprintf(`{"client_id": %q, "household_id": %d, "result": "knows", "method": "visit"}`,
		cid(), outsider)); r.Status != 400 || r.Error.Field != "household_id" {
		t.Errorf("a household outside the sample: %d %s", r.Status, r.Body)
	}
}

// TestCoverageRecountDuringWrites: recounts every 20 ms while four
// clients write; writes committed while a count runs are neither lost
// nor counted twice, so the figures still equal SQL's.
func TestCoverageRecountDuringWrites(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Now())
	e := newEnv(t, server.Config{Clock: clk.now, CoverageEvery: 20 * time.Millisecond, WritePerMinute: 100000})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.srv.Background(ctx); close(done) }()
	admin := e.client(t, "recount-admin", auth.Admin, 0)
	rows, err := e.conn.Query(context.Background(), `SELECT h.id FROM households h WHERE h.status = 'occupied' ORDER BY h.id`)
	if err != nil {
		t.Fatal(err)
	}
	households, _ := pgx.CollectRows(rows, pgx.RowTo[int64])
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				h := households[(w*7919+i*104729)%len(households)]
				outcome := []string{"normal", "not_home", "fever"}[i%3]
				if r := admin.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": %q}`, cid(), h, outcome)); r.Status != 201 {
					t.Errorf("screening: %d %s", r.Status, r.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	cancel()
	<-done
	checkCoverage(t, e, admin, clk, "after writes racing recounts")
}

// TestGridGaps: the gap lists of a grid are the rows SQL finds for each
// definition, and viewers see names masked.
func TestGridGaps(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Now())
	e := newEnv(t, server.Config{Clock: clk.now})
	leader := e.client(t, "gaps-leader", auth.GridLeader, 9)
	viewer := e.client(t, "gaps-viewer", auth.Viewer, 0)
	household := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 AND h.status = 'occupied'`)
	building := scalar[int64](t, e, `SELECT building_id FROM households WHERE id = $1`, household)
	for _, body := range []struct{ path, body string }{
		{"/api/vulnerable", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "name": "王秀英", "phone": "13900001234", "category": "elderly_alone", "visit_every_days": 2}`, cid(), household)},
		{"/api/requests", fmt.Sprintf(`{"client_id": %q, "building_id": %d, "category": "medical", "body": "需要代购降压药", "caller": "李明", "phone": "13900004321"}`, cid(), building)},
		{"/api/quarantines", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "starts": %q, "ends": %q, "reason": "risk_area_return", "seal_id": "DS-GAPS"}`,
			cid(), household, clk.now().In(shanghai(t)).Format(time.DateOnly), clk.now().In(shanghai(t)).AddDate(0, 0, 7).Format(time.DateOnly))},
		{"/api/seal-alerts", fmt.Sprintf(`{"client_id": %q, "seal_id": "DS-GAPS", "kind": "seal_opened"}`, cid())},
		{"/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "fever", "temperature": 38.2}`, cid(), household)},
	} {
		if r := leader.do("POST", body.path, body.body); r.Status != 201 {
			t.Fatalf("%s: %d %s", body.path, r.Status, r.Body)
		}
	}
	clk.set(clk.now().Add(50 * time.Hour)) // the new resident falls due
	var g struct {
		Unscreened []struct {
			Building   struct{ ID int64 }
			Households []struct{ ID int64 }
		}
		BuildingsWithoutHead []struct{ ID int64 } `json:"buildings_without_head"`
		OverdueVisits        []struct {
			ID   int64
			Name string
		} `json:"overdue_visits"`
		OpenRequests []struct {
			ID     int64
			Caller string
			Phone  string
		} `json:"open_requests"`
		Quarantined []struct {
			HouseholdID int64 `json:"household_id"`
		} `json:"quarantined"`
		FeverAlerts []struct{ ID int64 }    `json:"fever_alerts"`
		SealAlerts  []struct{ Kind string } `json:"seal_alerts"`
	}
	if st := leader.get("/api/grids/9/gaps", &g); st != 200 {
		t.Fatalf("gaps: %d", st)
	}
	today := clk.now().In(shanghai(t)).Format(time.DateOnly)
	want := scalar[int64](t, e, `SELECT count(*) FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = 9 AND h.status = 'occupied' AND NOT EXISTS (
			SELECT 1 FROM screenings s WHERE s.household_id = h.id AND s.day = $1 AND s.outcome NOT IN ('not_home', 'refused')
			AND NOT EXISTS (SELECT 1 FROM screenings l WHERE l.household_id = h.id AND l.day = $1 AND (l.reported_at, l.id) > (s.reported_at, s.id)))`, today)
	got := 0
	for _, b := range g.Unscreened {
		got += len(b.Households)
	}
	if int64(got) != want {
		t.Errorf("unscreened: %d households listed, SQL finds %d", got, want)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM buildings WHERE grid_id = 9 AND head_id IS NULL`); int64(len(g.BuildingsWithoutHead)) != n {
		t.Errorf("buildings without a head: %d listed, SQL finds %d", len(g.BuildingsWithoutHead), n)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM vulnerable_residents r JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = 9 AND COALESCE(r.last_visit, r.since) + r.visit_every_days * interval '1 day' < $1`, clk.now()); int64(len(g.OverdueVisits)) != n || n == 0 {
		t.Errorf("overdue visits: %d listed, SQL finds %d", len(g.OverdueVisits), n)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM requests WHERE grid_id = 9 AND closed_at IS NULL`); int64(len(g.OpenRequests)) != n || n == 0 {
		t.Errorf("open requests: %d listed, SQL finds %d", len(g.OpenRequests), n)
	}
	if len(g.SealAlerts) == 0 || g.SealAlerts[len(g.SealAlerts)-1].Kind != "seal_opened" {
		t.Errorf("seal alerts: %+v", g.SealAlerts)
	}
	found := false
	for _, q := range g.Quarantined {
		found = found || q.HouseholdID == household
	}
	if !found {
		t.Errorf("the quarantined household %d is not listed", household)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM alerts WHERE grid_id = 9 AND kind = 'fever' AND resolved_at IS NULL`); int64(len(g.FeverAlerts)) != n || n == 0 {
		t.Errorf("fever alerts: %d listed, SQL finds %d", len(g.FeverAlerts), n)
	}
	// A viewer of the whole area sees the same gaps, names masked.
	var masked struct {
		OverdueVisits []struct{ Name string }          `json:"overdue_visits"`
		OpenRequests  []struct{ Caller, Phone string } `json:"open_requests"`
	}
	viewer.get("/api/grids/9/gaps", &masked)
	for _, v := range masked.OverdueVisits {
		if v.Name == "王秀英" || !strings.Contains(v.Name, "*") {
			t.Errorf("a viewer sees the resident's name %q", v.Name)
		}
	}
	for _, q := range masked.OpenRequests {
		if q.Caller == "李明" || q.Phone == "13900004321" {
			t.Errorf("a viewer sees the caller %q %q", q.Caller, q.Phone)
		}
	}
	var cps struct{ Checkpoints []struct{ Grid int64 } }
	if st := viewer.get("/api/grids/2/checkpoints", &cps); st != 200 {
		t.Errorf("checkpoints: %d", st)
	}

	// The ledger, the requests and the party members of the grid.
	var ledger struct {
		Residents []struct {
			Name    string
			Overdue bool
			Visits  []struct{ Method string }
		}
	}
	leader.get("/api/grids/9/vulnerable", &ledger)
	if len(ledger.Residents) != 1 || ledger.Residents[0].Name != "王秀英" || !ledger.Residents[0].Overdue || len(ledger.Residents[0].Visits) != 0 {
		t.Errorf("ledger before a visit: %+v", ledger.Residents)
	}
	var rid struct{ Residents []struct{ ID int64 } }
	leader.get("/api/grids/9/vulnerable", &rid)
	if r := leader.do("POST", fmt.Sprintf("/api/vulnerable/%d/visits", rid.Residents[0].ID), fmt.Sprintf(`{"client_id": %q, "method": "phone"}`, cid())); r.Status != 201 {
		t.Fatalf("visit: %d %s", r.Status, r.Body)
	}
	leader.get("/api/grids/9/vulnerable", &ledger)
	if ledger.Residents[0].Overdue || len(ledger.Residents[0].Visits) != 1 || ledger.Residents[0].Visits[0].Method != "phone" {
		t.Errorf("ledger after a visit: %+v", ledger.Residents)
	}
	var reqs struct {
		Requests []struct {
			Body   string
			Caller string
		}
	}
	viewer.get("/api/grids/9/requests?state=all&days=30", &reqs)
	if len(reqs.Requests) != 1 || reqs.Requests[0].Body != "需要代购降压药" || reqs.Requests[0].Caller == "李明" {
		t.Errorf("requests as a viewer: %+v", reqs.Requests)
	}
	if r := leader.do("GET", "/api/grids/9/requests?state=closed", nil); r.Status != 400 || r.Error.Field != "state" {
		t.Errorf("a bad state: %d %s", r.Status, r.Body)
	}
	member := scalar[int64](t, e, `SELECT min(person_id) FROM party_members WHERE grid_id = 9`)
	if r := leader.do("POST", fmt.Sprintf("/api/party-members/%d/points", member), fmt.Sprintf(`{"client_id": %q, "points": 3, "reason": "入户排查"}`, cid())); r.Status != 201 {
		t.Fatalf("points: %d %s", r.Status, r.Body)
	}
	var pm struct {
		PartyMembers []struct {
			PersonID   int64 `json:"person_id"`
			Points     int
			Awards     int
			Households int
		} `json:"party_members"`
	}
	leader.get("/api/grids/9/party-members", &pm)
	found = false
	for _, m := range pm.PartyMembers {
		if m.PersonID == member {
			found = true
			if m.Points != int(scalar[int32](t, e, `SELECT points FROM party_members WHERE person_id = $1`, member)) || m.Awards < 1 {
				t.Errorf("party member %d: %+v", member, m)
			}
		}
	}
	if !found {
		t.Errorf("party member %d is not listed", member)
	}
}

// TestDevicesDoNotStarveFieldWrites: volunteers' phones reporting from
// the same address as the grid staff (one carrier NAT, one office
// gateway) do not use up the address's allowance of writes.
func TestDevicesDoNotStarveFieldWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{WritePerMinute: 60}) // 240 a minute per address, a burst of 40
	lon, lat := pointIn(t, e, 9)
	for i, v := range volunteers(t, e, 6) {
		d := e.device(t, fmt.Sprintf("nat-phone-%d", i), v)
		for j := range 9 { // each device within its own burst of 10
			d.post(lon, lat, time.Now().Add(-time.Duration(j)*time.Second))
		}
	}
	staff := e.client(t, "nat-staff", auth.Staff, 9)
	household := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9`)
	if r := staff.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal"}`, cid(), household)); r.Status != 201 {
		t.Errorf("a screening after 54 device reports from the same address: %d %s", r.Status, r.Body)
	}
}

// TestAuditFieldWrites: field writes other than the high-volume reports
// (screenings, visits, checkpoint counts, whose own rows record who and
// when) leave an audit row with the account and the request id.
func TestAuditFieldWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "audit-leader", auth.GridLeader, 9)
	household := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 AND h.status = 'occupied'`)
	building := scalar[int64](t, e, `SELECT building_id FROM households WHERE id = $1`, household)
	member := scalar[int64](t, e, `SELECT min(person_id) FROM party_members WHERE grid_id = 9`)
	lon, lat := pointIn(t, e, 9)
	post := func(path, body string) int64 {
		t.Helper()
		r := leader.do("POST", path, body)
		if r.Status >= 300 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		var v struct{ ID int64 }
		json.Unmarshal(r.Body, &v)
		return v.ID
	}
	q := post("/api/quarantines", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "starts": "2026-11-20", "ends": "2026-12-04", "reason": "close_contact"}`, cid(), household))
	post(fmt.Sprintf("/api/quarantines/%d/end", q), fmt.Sprintf(`{"client_id": %q}`, cid()))
	req := post("/api/requests", fmt.Sprintf(`{"client_id": %q, "building_id": %d, "category": "repair", "body": "电梯故障"}`, cid(), building))
	post(fmt.Sprintf("/api/requests/%d/close", req), fmt.Sprintf(`{"client_id": %q, "resolution": "已报修"}`, cid()))
	post("/api/vulnerable", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "name": "孤寡老人", "category": "elderly_alone", "visit_every_days": 2}`, cid(), household))
	cp := post("/api/checkpoints", fmt.Sprintf(`{"client_id": %q, "grid_id": 9, "name": "东门卡点", "lon": %f, "lat": %f}`, cid(), lon, lat))
	post(fmt.Sprintf("/api/checkpoints/%d/duty", cp), fmt.Sprintf(`{"client_id": %q, "on_duty": true}`, cid()))
	alert := scalar[int64](t, e, `INSERT INTO alerts (kind, grid_id, household_id) VALUES ('fever', 9, $1) RETURNING id`, household)
	post(fmt.Sprintf("/api/alerts/%d/resolve", alert), fmt.Sprintf(`{"client_id": %q}`, cid()))
	post(fmt.Sprintf("/api/party-members/%d/points", member), fmt.Sprintf(`{"client_id": %q, "points": 1, "reason": "值守"}`, cid()))
	post("/api/grids/9/spot-checks", fmt.Sprintf(`{"client_id": %q, "k": 2}`, cid()))
	for _, action := range []string{"start quarantine", "end quarantine", "open request", "close request", "add vulnerable resident",
		"add checkpoint", "checkpoint duty", "resolve alert", "award points", "draw spot check"} {
		if n := scalar[int64](t, e, `SELECT count(*) FROM audit_log a JOIN accounts c ON c.id = a.account_id
			WHERE a.action = $1 AND c.username = 'audit-leader' AND a.request_id IS NOT NULL AND a.request_id <> ''`, action); n != 1 {
			t.Errorf("audit rows for %q by the leader: %d, want 1", action, n)
		}
	}
}

// TestGapPages: every gap list comes in pages; following next from a
// page of 3 to the end gives the rows of the one-shot list, in its order,
// each once (households counted one by one, a building going on across
// pages). Bad kinds, limits and cursors are 4xx naming the parameter.
func TestGapPages(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Now())
	e := newEnv(t, server.Config{Clock: clk.now})
	leader := e.client(t, "gappages-leader", auth.GridLeader, 2)
	// Requests and a resident overdue in several buildings, so that every
	// kind with rows has more than a page.
	var hh []int64 = sqlList(t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id
		JOIN grids g ON g.id = b.grid_id WHERE g.parent_id = 2 AND h.status = 'occupied' GROUP BY b.id ORDER BY b.id LIMIT 7`)
	for i, h := range hh {
		b := scalar[int64](t, e, `SELECT building_id FROM households WHERE id = $1`, h)
		for _, body := range []struct{ path, body string }{
			{"/api/vulnerable", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "name": "居民%d", "category": "elderly_alone", "visit_every_days": 2}`, cid(), h, i)},
			{"/api/requests", fmt.Sprintf(`{"client_id": %q, "building_id": %d, "category": "medical", "body": "诉求 %d"}`, cid(), b, i)},
		} {
			if r := leader.do("POST", body.path, body.body); r.Status != 201 {
				t.Fatalf("%s: %d %s", body.path, r.Status, r.Body)
			}
		}
		clk.set(clk.now().Add(time.Second))
	}
	clk.set(clk.now().Add(50 * time.Hour))
	var whole map[string]json.RawMessage
	leader.get("/api/grids/2/gaps", &whole)
	// The rows of a list as comparable strings: a household list by
	// household, anything else by its id.
	rowsOf := func(kind string, raw json.RawMessage) []string {
		var out []string
		if kind == "unscreened" || kind == "without_contact" {
			var bs []struct {
				Building   struct{ ID int64 }
				Households []struct{ ID int64 }
			}
			json.Unmarshal(raw, &bs)
			for _, b := range bs {
				for _, h := range b.Households {
					out = append(out, fmt.Sprintf("%d/%d", b.Building.ID, h.ID))
				}
			}
			return out
		}
		var xs []struct{ ID int64 }
		json.Unmarshal(raw, &xs)
		for _, x := range xs {
			out = append(out, fmt.Sprint(x.ID))
		}
		return out
	}
	for _, kind := range []string{"buildings_without_head", "unscreened", "without_contact", "overdue_visits", "open_requests", "quarantined", "fever_alerts", "seal_alerts"} {
		want := rowsOf(kind, whole[kind])
		var got []string
		path, pages := "/api/grids/2/gaps/"+kind+"?limit=3", 0
		for path != "" {
			var p struct {
				Kind  string
				Items json.RawMessage
				Next  *string
			}
			if s := leader.get(path, &p); s != 200 || p.Kind != kind {
				t.Fatalf("GET %s: %d %+v", path, s, p)
			}
			got = append(got, rowsOf(kind, p.Items)...)
			pages++
			path = ""
			if p.Next != nil {
				path = *p.Next
			}
		}
		// The one-shot list stops at its cap with the cursor of the rest;
		// the pages go on to the end.
		var more map[string]string
		json.Unmarshal(whole["next"], &more)
		if _, cut := more[kind]; cut {
			if len(got) <= len(want) || !slices.Equal(got[:len(want)], want) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("%s in pages of 3: %d rows, want the one-shot list's %d and more, each once", kind, len(got), len(want))
			}
		} else if !slices.Equal(got, want) {
			t.Errorf("%s in pages of 3: %d rows %.300v, want %d %.300v", kind, len(got), got, len(want), want)
		}
		if (kind == "unscreened" || kind == "open_requests" || kind == "overdue_visits") && (len(want) < 7 || pages < 3) {
			t.Errorf("%s: %d rows in %d pages; want more than two pages", kind, len(want), pages)
		}
	}
	for _, c := range []struct {
		path   string
		status int
		field  string
	}{
		{"/api/grids/2/gaps/nothing", 404, "kind"},
		{"/api/grids/2/gaps/unscreened?limit=0", 400, "limit"},
		{"/api/grids/2/gaps/unscreened?limit=2001", 400, "limit"},
		{"/api/grids/2/gaps/unscreened?after=!!", 400, "after"},
		{"/api/grids/2/gaps/open_requests?after=WyJ4IiwxXQ", 400, "after"}, // ["x",1]: not a time
		{"/api/grids/2/gaps/unscreened?after=WzFd", 400, "after"},          // [1]: too few keys
		{"/api/grids/1/gaps/unscreened", 403, "id"},
	} {
		r := leader.do("GET", c.path, nil)
		if r.Status != c.status || r.Error.Field != c.field {
			t.Errorf("%s: %d %s, want %d naming %s", c.path, r.Status, r.Body, c.status, c.field)
		}
	}
}
