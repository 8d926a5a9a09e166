package server_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/server"
)

// shanghaiDay is the local day d days from today (Asia/Shanghai).
func shanghaiDay(d int) (string, time.Time) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	y, m, dd := time.Now().In(loc).Date()
	start := time.Date(y, m, dd+d, 0, 0, 0, 0, loc)
	return start.Format(time.DateOnly), start
}

// pastEnv is a server whose demo area was created at 01:00 ten days ago, with
// households screened yesterday at 10:00 and 15:00 local time (one of
// them twice: not home, then normal).
func pastEnv(t *testing.T) (*env, string, time.Time) {
	t.Helper()
	e := newEnv(t, server.Config{DefaultLang: "zh-CN"})
	ctx := context.Background()
	_, created := shanghaiDay(-10)
	if _, err := e.conn.Exec(ctx, `UPDATE grids SET created_at = $1`, created.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	day, start := shanghaiDay(-1)
	_, err := e.conn.Exec(ctx, `
		INSERT INTO screenings (household_id, day, outcome, reported_at)
		SELECT h.id, $1::date, CASE WHEN h.id % 5 = 0 THEN 'fever' ELSE 'normal' END,
		       $2::timestamptz + (h.id % 2)::float8 * interval '5 hours'
		FROM households h WHERE h.status = 'occupied' AND h.id % 3 = 0`, day, start.Add(10*time.Hour))
	if err == nil {
		_, err = e.conn.Exec(ctx, `
			INSERT INTO screenings (household_id, day, outcome, reported_at)
			SELECT h.id, $1::date, 'not_home', $2::timestamptz FROM households h WHERE h.status = 'occupied' AND h.id % 3 = 1
			UNION ALL
			SELECT h.id, $1::date, 'normal', $3::timestamptz FROM households h WHERE h.status = 'occupied' AND h.id % 3 = 1 AND h.id % 7 = 0`,
			day, start.Add(9*time.Hour), start.Add(16*time.Hour))
	}
	if err != nil {
		t.Fatal(err)
	}
	return e, day, start
}

type coverageAnswer struct {
	Day   string             `json:"day"`
	Live  bool               `json:"live"`
	At    time.Time          `json:"at"`
	Grids []coverage.Figures `json:"grids"`
}

// rolledUp is store.CoverageLeavesAsOf rolled up to every grid by the
// parents in the database.
func rolledUp(t *testing.T, e *env, day string, at time.Time) map[int64]coverage.Tally {
	t.Helper()
	leaves, err := e.db.Store.CoverageLeavesAsOf(context.Background(), day, at)
	if err != nil {
		t.Fatal(err)
	}
	parent := map[int64]int64{}
	rows, err := e.conn.Query(context.Background(), `SELECT id, COALESCE(parent_id, 0) FROM grids`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, p int64
		rows.Scan(&id, &p)
		parent[id] = p
	}
	rows.Close()
	out := map[int64]coverage.Tally{}
	for leaf, tl := range leaves {
		for g := leaf; g != 0; g = parent[g] {
			s := out[g]
			s.Add(tl)
			out[g] = s
		}
	}
	return out
}

// TestCoveragePastDay: /api/coverage?day= for yesterday gives, at every
// level, the store's count as of the end of that day rolled up; &at=
// gives the count at an instant; today is live; a grid leader gets only
// their subtree; before the area existed there are no grids.
func TestCoveragePastDay(t *testing.T) {
	t.Parallel()
	e, day, start := pastEnv(t)
	admin := e.client(t, "admin", auth.Admin, 0)
	want := rolledUp(t, e, day, start.AddDate(0, 0, 1).Add(-time.Microsecond))
	var screened int64
	for level := 1; level <= 3; level++ {
		var c coverageAnswer
		if st := admin.get(fmt.Sprintf("/api/coverage?level=%d&day=%s", level, day), &c); st != 200 || c.Day != day || c.Live {
			t.Fatalf("level %d: %d %+v", level, st, c)
		}
		n := scalar[int](t, e, `SELECT count(*) FROM grids WHERE level = $1`, level)
		if len(c.Grids) != n {
			t.Errorf("level %d: %d grids, want %d", level, len(c.Grids), n)
		}
		for _, f := range c.Grids {
			if f.Tally != want[f.Grid] {
				t.Errorf("level %d grid %d: %+v, want %+v", level, f.Grid, f.Tally, want[f.Grid])
			}
			if level == 1 {
				screened += f.ScreenedToday
			}
		}
	}
	if screened == 0 {
		t.Fatal("nothing screened yesterday: the test proves nothing")
	}

	// At 12:00 the 15:00 and 16:00 reports had not come in.
	noon := start.Add(12 * time.Hour)
	var c coverageAnswer
	if st := admin.get("/api/coverage?level=1&at="+url.QueryEscape(noon.Format(time.RFC3339)), &c); st != 200 || c.Day != day {
		t.Fatalf("at noon: %d %+v", st, c)
	}
	wantNoon := rolledUp(t, e, day, noon)
	if c.Grids[0].Tally != wantNoon[c.Grids[0].Grid] || c.Grids[0].ScreenedToday >= screened {
		t.Errorf("at noon: %+v, want %+v (fewer than %d screened)", c.Grids[0].Tally, wantNoon[c.Grids[0].Grid], screened)
	}

	today, _ := shanghaiDay(0)
	if st := admin.get("/api/coverage?level=3&day="+today, &c); st != 200 || !c.Live || c.Day != today {
		t.Errorf("today: %d live %v day %s", st, c.Live, c.Day)
	}
	if st := admin.get("/api/coverage?level=3&day=2001-01-01", &c); st != 200 || len(c.Grids) != 0 {
		t.Errorf("before the area existed: %d, %d grids", st, len(c.Grids))
	}

	leader := e.client(t, "leader", auth.GridLeader, 2)
	if st := leader.get("/api/coverage?level=3&day="+day, &c); st != 200 {
		t.Fatalf("leader: %d", st)
	}
	var got []int64
	for _, f := range c.Grids {
		got = append(got, f.Grid)
	}
	wantIDs := scalar[[]int64](t, e, `SELECT array_agg(id ORDER BY id) FROM grids WHERE parent_id = 2`)
	if !slices.Equal(got, wantIDs) {
		t.Errorf("leader of grid 2 sees %v, want %v", got, wantIDs)
	}
}

// TestCoverageHistory: a daily series, one entry per day the grid
// existed, yesterday's equal to the store's count at its end; scoped to
// the leader's subtree.
func TestCoverageHistory(t *testing.T) {
	t.Parallel()
	e, day, start := pastEnv(t)
	admin := e.client(t, "admin", auth.Admin, 0)
	from, _ := shanghaiDay(-6)
	today, _ := shanghaiDay(0)
	var h struct {
		Grid int64 `json:"grid"`
		Days []struct {
			Day     string           `json:"day"`
			Figures coverage.Figures `json:"figures"`
		} `json:"days"`
	}
	if st := admin.get("/api/grids/2/coverage/history?from="+from+"&to="+today, &h); st != 200 || len(h.Days) != 7 {
		t.Fatalf("7 days: %d, %d days", st, len(h.Days))
	}
	if h.Days[0].Day != from || h.Days[6].Day != today || h.Days[5].Day != day {
		t.Errorf("days %s … %s, want %s … %s", h.Days[0].Day, h.Days[6].Day, from, today)
	}
	want := rolledUp(t, e, day, start.AddDate(0, 0, 1).Add(-time.Microsecond))
	if h.Days[5].Figures.Tally != want[2] || want[2].ScreenedToday == 0 {
		t.Errorf("yesterday: %+v, want %+v", h.Days[5].Figures.Tally, want[2])
	}
	if h.Days[4].Figures.ScreenedToday != 0 {
		t.Errorf("the day before yesterday: %d screened, want 0", h.Days[4].Figures.ScreenedToday)
	}
	began := time.Now()
	if st := admin.get("/api/grids/2/coverage/history", &h); st != 200 || len(h.Days) != 11 || h.Days[len(h.Days)-1].Day != today {
		t.Errorf("default span: %d, %d days", st, len(h.Days))
	}
	t.Logf("history of 30 days (11 with the grid): %v", time.Since(began))
	old, _ := shanghaiDay(-40)
	if st := admin.get("/api/grids/2/coverage/history?from="+old+"&to="+from, &h); st != 200 || len(h.Days) != 5 {
		t.Errorf("from before the area existed: %d, %d days, want the 5 it existed", st, len(h.Days))
	}

	leader := e.client(t, "leader", auth.GridLeader, 2)
	child := scalar[int64](t, e, `SELECT min(id) FROM grids WHERE parent_id = 2`)
	other := scalar[int64](t, e, `SELECT min(id) FROM grids WHERE level = 3 AND parent_id <> 2`)
	if st := leader.get(fmt.Sprintf("/api/grids/%d/coverage/history?from=%s", child, from), &h); st != 200 || len(h.Days) != 7 {
		t.Errorf("leader, own compound grid: %d, %d days", st, len(h.Days))
	}
	if r := leader.do("GET", fmt.Sprintf("/api/grids/%d/coverage/history", other), nil); r.Status != 403 || r.Error.Field != "id" {
		t.Errorf("leader, another community's grid: %d %+v", r.Status, r.Error)
	}
}

// TestCoveragePastBadParams: each bad parameter is a 400 naming it.
func TestCoveragePastBadParams(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{DefaultLang: "zh-CN"})
	c := e.client(t, "admin", auth.Admin, 0)
	tomorrow, _ := shanghaiDay(1)
	yesterday, ys := shanghaiDay(-1)
	today, _ := shanghaiDay(0)
	long, _ := shanghaiDay(-100)
	future := time.Now().Add(time.Hour).Format(time.RFC3339)
	for _, tc := range []struct{ path, field string }{
		{"/api/coverage?level=3&day=" + tomorrow, "day"},
		{"/api/coverage?level=3&day=2026-13-01", "day"},
		{"/api/coverage?level=3&day=1.12.2026", "day"},
		{"/api/coverage?level=3&at=yesterday", "at"},
		{"/api/coverage?level=3&at=" + future, "at"},
		{"/api/coverage?level=3&day=" + yesterday + "&at=" + url.QueryEscape(ys.Add(-time.Hour).Format(time.RFC3339)), "at"},
		{"/api/coverage?level=4&day=" + yesterday, "level"},
		{"/api/coverage?level=3&days=" + yesterday, "days"},
		{"/api/grids/2/coverage/history?from=" + today + "&to=" + yesterday, "from"},
		{"/api/grids/2/coverage/history?from=" + long, "from"},
		{"/api/grids/2/coverage/history?to=" + tomorrow, "to"},
		{"/api/grids/2/coverage/history?from=x", "from"},
		{"/api/replay?grid=2&day=" + tomorrow, "day"},
		{"/api/replay?day=" + yesterday, "grid"},
		{"/api/replay?grid=x", "grid"},
	} {
		if r := c.do("GET", tc.path, nil); r.Status != 400 || r.Error.Field != tc.field {
			t.Errorf("GET %s: %d %+v, want 400 naming %s", tc.path, r.Status, r.Error, tc.field)
		}
	}
	if r := c.do("GET", "/api/grids/99999/coverage/history", nil); r.Status != 404 {
		t.Errorf("history of no grid: %d", r.Status)
	}
}
