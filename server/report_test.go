package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/playback"
	"github.com/gridmap/gridmap/store"
)

// reportDay adds to pastEnv's day (screenings) the rest of a day's field
// work: visits, hotline requests received and closed, spot-check answers,
// tasks made (a third done that day, some left open and escalated), all
// in the day's local hours.
func reportDay(t *testing.T, e *env, start time.Time) {
	t.Helper()
	ctx := context.Background()
	for _, sql := range []string{
		`INSERT INTO vulnerable_residents (person_id, household_id, category, visit_every_days, since)
		 SELECT p.id, h.id, 'elderly_alone', 7, $1::timestamptz - interval '30 days'
		 FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM people ORDER BY id LIMIT 12) p
		 JOIN (SELECT id, row_number() OVER (ORDER BY id) n FROM households ORDER BY id LIMIT 12) h USING (n)`,
		`INSERT INTO visits (resident_id, at, method)
		 SELECT id, $1::timestamptz + (id % 8) * interval '1 hour', 'visit' FROM vulnerable_residents WHERE id % 2 = 0`,
		`UPDATE vulnerable_residents r SET last_visit = (SELECT max(at) FROM visits v WHERE v.resident_id = r.id)
		 WHERE $1::timestamptz IS NOT NULL`,
		`INSERT INTO requests (building_id, grid_id, category, body, received_at, closed_at)
		 SELECT b.id, b.grid_id, 'supplies', '买药', $1::timestamptz + interval '1 hour',
		        CASE WHEN b.id % 8 = 0 THEN $1::timestamptz + interval '6 hours' END
		 FROM buildings b WHERE b.id % 4 = 0`,
		`WITH c AS (INSERT INTO spot_checks (grid_id, seed, k, created_at) VALUES (9, 1, 5, $1) RETURNING id)
		 INSERT INTO spot_check_items (check_id, position, household_id, result, method, recorded_at)
		 SELECT c.id, row_number() OVER (ORDER BY h.id), h.id, CASE WHEN h.id % 2 = 0 THEN 'knows' ELSE 'does_not_know' END,
		        'phone', $1::timestamptz + interval '3 hours'
		 FROM c, (SELECT h.id FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 ORDER BY h.id LIMIT 5) h`,
		`INSERT INTO tasks (grid_id, gap, building_id, status, created_at, accept_by, due_at, done_at, escalation)
		 SELECT b.grid_id, 'no_head', b.id, CASE WHEN b.id % 9 = 0 THEN 'done' ELSE 'open' END, $1::timestamptz + interval '1 hour',
		        $1::timestamptz + interval '2 hours', $1::timestamptz + interval '4 hours',
		        CASE WHEN b.id % 9 = 0 THEN $1::timestamptz + interval '3 hours' END, CASE WHEN b.id % 2 = 0 AND b.id % 9 <> 0 THEN 1 ELSE 0 END
		 FROM buildings b WHERE b.id % 3 = 0`,
	} {
		if _, err := e.conn.Exec(ctx, sql, start.Add(8*time.Hour)); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

// TestDailyReport: the day's report of the subdistrict for a past day
// gives the figures /api/coverage?day= gives for it and each community,
// the day's field work as SQL counts it, and a week's trend whose last
// day is the day's figure; rows add up to the total; scope, levels and
// bad input as elsewhere.
func TestDailyReport(t *testing.T) {
	t.Parallel()
	e, day, start := pastEnv(t)
	reportDay(t, e, start)
	admin := e.client(t, "admin", auth.Admin, 0)

	var rep playback.Report
	if st := admin.get("/api/reports/daily?grid=1&day="+day, &rep); st != 200 {
		t.Fatalf("report: %d", st)
	}
	if rep.Day != day || rep.Live || rep.Total.Grid != 1 || len(rep.Rows) == 0 {
		t.Fatalf("report of %s: live %v, total of grid %d, %d rows", rep.Day, rep.Live, rep.Total.Grid, len(rep.Rows))
	}
	same := func(level int, f coverage.Figures) {
		t.Helper()
		var c coverageAnswer
		if st := admin.get(fmt.Sprintf("/api/coverage?level=%d&day=%s", level, day), &c); st != 200 {
			t.Fatalf("coverage: %d", st)
		}
		for _, g := range c.Grids {
			if g.Grid == f.Grid {
				if g.Tally != f.Tally {
					t.Errorf("grid %d: the report says %+v, /api/coverage %+v", f.Grid, f.Tally, g.Tally)
				}
				return
			}
		}
		t.Errorf("grid %d: not in /api/coverage?level=%d", f.Grid, level)
	}
	same(1, rep.Total.Figures)
	var sum store.Activity
	for _, r := range rep.Rows {
		same(2, r.Figures)
		if r.Parent != 1 || r.Level != 2 {
			t.Errorf("row %d: parent %d level %d; want the subdistrict's communities", r.Grid, r.Parent, r.Level)
		}
		sum.Add(r.Activity)
	}
	if sum != rep.Total.Activity {
		t.Errorf("the rows' work adds up to %+v, the total says %+v", sum, rep.Total.Activity)
	}
	end := start.AddDate(0, 0, 1)
	want := store.Activity{
		Reports:          scalar[int](t, e, `SELECT count(*) FROM screenings WHERE day = $1`, day),
		FeverReports:     scalar[int](t, e, `SELECT count(*) FROM screenings WHERE day = $1 AND outcome = 'fever'`, day),
		NotHome:          scalar[int](t, e, `SELECT count(*) FROM screenings WHERE day = $1 AND outcome = 'not_home'`, day),
		Visits:           scalar[int](t, e, `SELECT count(*) FROM visits WHERE at >= $1 AND at < $2`, start, end),
		RequestsReceived: scalar[int](t, e, `SELECT count(*) FROM requests WHERE received_at >= $1 AND received_at < $2`, start, end),
		RequestsClosed:   scalar[int](t, e, `SELECT count(*) FROM requests WHERE closed_at >= $1 AND closed_at < $2`, start, end),
		SpotChecked:      5,
		SpotKnows:        scalar[int](t, e, `SELECT count(*) FROM spot_check_items WHERE result = 'knows'`),
		TasksMade:        scalar[int](t, e, `SELECT count(*) FROM tasks WHERE created_at >= $1 AND created_at < $2`, start, end),
		TasksDone:        scalar[int](t, e, `SELECT count(*) FROM tasks WHERE status = 'done' AND done_at >= $1 AND done_at < $2`, start, end),
	}
	if rep.Total.Activity != want || want.Reports == 0 || want.Visits == 0 || want.RequestsClosed == 0 || want.RequestsClosed == want.RequestsReceived ||
		want.TasksDone == 0 || want.TasksDone == want.TasksMade {
		t.Errorf("the day's work: report %+v, SQL %+v", rep.Total.Activity, want)
	}
	tr := rep.Total.Trend
	if len(tr) != playback.TrendDays || tr[len(tr)-1].Day != day || tr[len(tr)-1].Screened != rep.Total.Figures.ScreenedToday ||
		*tr[len(tr)-1].ScreenedPct != *rep.Total.Figures.ScreenedPct || tr[0].Screened != 0 {
		t.Errorf("trend %+v; want 7 days ending %s with %d screened", tr, day, rep.Total.Figures.ScreenedToday)
	}

	// Every compound grid of the subdistrict, with level=3.
	var leaves playback.Report
	if st := admin.get("/api/reports/daily?grid=1&level=3&day="+day, &leaves); st != 200 {
		t.Fatalf("level 3: %d", st)
	}
	if n := scalar[int](t, e, `SELECT count(*) FROM current_grids WHERE level = 3`); len(leaves.Rows) != n {
		t.Errorf("level=3 gives %d rows, the area has %d compound grids", len(leaves.Rows), n)
	}

	// Today: live, and the live figures.
	var today playback.Report
	if st := admin.get("/api/reports/daily?grid=1", &today); st != 200 || !today.Live {
		t.Fatalf("today: %d live %v", st, today.Live)
	}
	var live coverageAnswer
	admin.get("/api/coverage?level=1", &live)
	if len(live.Grids) != 1 || live.Grids[0].Tally != today.Total.Figures.Tally {
		t.Errorf("today's report %+v, the live figures %+v", today.Total.Figures.Tally, live.Grids)
	}
	// Today's work counts the tasks open now and escalated; none made today.
	open := scalar[int](t, e, `SELECT count(*) FROM tasks WHERE status IN ('open', 'accepted')`)
	escalated := scalar[int](t, e, `SELECT count(*) FROM tasks WHERE status IN ('open', 'accepted') AND escalation > 0`)
	if a := today.Total.Activity; a.TasksOpen != open || a.TasksEscalated != escalated || a.TasksMade != 0 || open == 0 || escalated == 0 {
		t.Errorf("today's tasks: %+v; want %d open, %d escalated, none made", a, open, escalated)
	}
	var todaySum store.Activity
	for _, r := range today.Rows {
		todaySum.Add(r.Activity)
	}
	if todaySum != today.Total.Activity {
		t.Errorf("today's rows add up to %+v, the total says %+v", todaySum, today.Total.Activity)
	}

	// A leader gets their own grid by default and nothing else.
	leader := e.client(t, "leader9", auth.GridLeader, 9)
	var own playback.Report
	if st := leader.get("/api/reports/daily?day="+day, &own); st != 200 || own.Total.Grid != 9 {
		t.Errorf("leader of 9 without grid: %d, total of %d", st, own.Total.Grid)
	}
	for _, c := range []struct {
		who         *client
		path, field string
		status      int
	}{
		{leader, "/api/reports/daily?grid=2&day=" + day, "grid", 403},
		{admin, "/api/reports/daily?grid=1&day=2999-01-01", "day", 400},
		{admin, "/api/reports/daily?grid=1&day=yesterday", "day", 400},
		{admin, "/api/reports/daily?grid=1&level=7", "level", 400},
		{admin, "/api/reports/daily?grid=abc", "grid", 400},
		{admin, "/api/reports/daily?grid=1&color=red", "color", 400},
		{admin, "/api/reports/daily.xlsx?grid=2&level=9", "level", 400},
		{leader, "/api/reports/daily.xlsx?grid=2", "grid", 403},
	} {
		if r := c.who.do("GET", c.path, nil); r.Status != c.status || r.Error.Field != c.field {
			t.Errorf("%s: %d %+v; want %d naming %s", c.path, r.Status, r.Error, c.status, c.field)
		}
	}
}

// TestDailyReportXLSX: the .xlsx of a past day opens with excelize; its
// total row holds the API's figures, each community's row its own; a
// grid named like a formula comes out as text, escaped.
func TestDailyReportXLSX(t *testing.T) {
	t.Parallel()
	e, day, start := pastEnv(t)
	reportDay(t, e, start)
	const evil = `=cmd|' /C calc'!A0`
	victim := scalar[int64](t, e, `SELECT min(id) FROM grids WHERE parent_id = 1`)
	if _, err := e.conn.Exec(context.Background(), `UPDATE grids SET name = $1 WHERE id = $2`, evil, victim); err != nil {
		t.Fatal(err)
	}
	admin := e.client(t, "admin", auth.Admin, 0)
	var rep playback.Report
	if st := admin.get("/api/reports/daily?grid=1&day="+day, &rep); st != 200 {
		t.Fatalf("report: %d", st)
	}
	req, _ := http.NewRequest("GET", e.ts.URL+"/api/reports/daily.xlsx?grid=1&day="+day, nil)
	res, err := admin.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("excelize cannot open the export: %v", err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 2 || sheets[0] != "日报 "+day {
		t.Fatalf("sheets %q", sheets)
	}
	rows, err := f.GetRows("日报 " + day)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2+len(rep.Rows) || rows[0][0] != "网格" || rows[0][2] != "在住户数" || len(rows[0]) != 25 || rows[0][23] != "任务新建" {
		t.Fatalf("%d rows, header %q", len(rows), rows[0])
	}
	// Columns: name, level, households, screened, screened %, ...
	check := func(row []string, r playback.ReportRow) {
		t.Helper()
		for i, want := range []int64{r.Figures.Households, r.Figures.ScreenedToday} {
			if got, _ := strconv.ParseInt(row[2+i*1], 10, 64); got != want {
				t.Errorf("%s column %d: %q, the API says %d", r.Name, 2+i, row[2+i], want)
			}
		}
		for col, want := range map[int]int{14: r.Activity.Reports, 23: r.Activity.TasksMade, 24: r.Activity.TasksDone} {
			if got, _ := strconv.Atoi(row[col]); got != want {
				t.Errorf("%s column %d (%s): %q, the API says %d", r.Name, col, rows[0][col], row[col], want)
			}
		}
	}
	check(rows[1], rep.Total)
	found := false
	for i, r := range rep.Rows {
		check(rows[2+i], r)
		if r.Grid == victim {
			found = true
			if rows[2+i][0] != "'"+evil {
				t.Errorf("the formula-like name came out as %q, want it escaped as %q", rows[2+i][0], "'"+evil)
			}
		}
	}
	if !found {
		t.Errorf("grid %d is not in the report", victim)
	}
	if v, _ := f.GetCellFormula("日报 "+day, "A3"); v != "" {
		t.Errorf("a cell holds a formula: %q", v)
	}
	en, _ := http.NewRequest("GET", e.ts.URL+"/api/reports/daily.xlsx?grid=1&lang=en&day="+day, nil)
	if res, err := admin.http.Do(en); err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if g, err := excelize.OpenReader(bytes.NewReader(b)); err != nil || g.GetSheetList()[0] != "Daily "+day {
			t.Errorf("English export: %v", err)
		}
	}

	// Today's export adds the tasks open now and escalated.
	var today playback.Report
	if st := admin.get("/api/reports/daily?grid=1", &today); st != 200 || !today.Live {
		t.Fatalf("today: %d", st)
	}
	tr, _ := http.NewRequest("GET", e.ts.URL+"/api/reports/daily.xlsx?grid=1&lang=en", nil)
	res, err = admin.http.Do(tr)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	g, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	trows, _ := g.GetRows(g.GetSheetList()[0])
	if len(trows) < 2 || len(trows[0]) != 27 || trows[0][25] != "Tasks open" || trows[0][26] != "Tasks escalated" ||
		trows[1][25] != strconv.Itoa(today.Total.Activity.TasksOpen) || trows[1][26] != strconv.Itoa(today.Total.Activity.TasksEscalated) ||
		today.Total.Activity.TasksOpen == 0 {
		t.Errorf("today's export: header %q, total %q; the API says %d open, %d escalated", trows[0], trows[1], today.Total.Activity.TasksOpen, today.Total.Activity.TasksEscalated)
	}
}

// TestReportBrowser: /report shows the API's figures for the day (the
// total row and one row per community), switches to every compound grid,
// offers the .xlsx of what it shows, and works on a phone: the controls
// are at least 44 px tall and the table scrolls sideways, not the page.
func TestReportBrowser(t *testing.T) {
	e, day, start := pastEnv(t)
	reportDay(t, e, start)
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	admin := e.client(t, "admin-api", auth.Admin, 0)
	var rep playback.Report
	if st := admin.get("/api/reports/daily?grid=1&day="+day, &rep); st != 200 {
		t.Fatalf("report: %d", st)
	}
	for _, size := range []struct {
		name string
		w, h int
	}{{"laptop", 1400, 900}, {"phone", 390, 844}} {
		ctx := newBrowser(t, size.w, size.h)
		login(t, ctx, e.ts.URL, "/report?grid=1&day="+day, "admin", password)
		waitJS(t, ctx, "the report", `document.body.dataset.reportLoaded === 'true'`, 20*time.Second)
		got := eval[struct {
			Rows             int
			Screened, Totals string
			Reports, Tasks   string
			Href             string
			Small            []string
			PageWide         bool
		}](t, ctx, `(() => {
			const total = document.querySelector('#rep-table tr.rep-total');
			return {
				rows: document.querySelectorAll('#rep-table tbody tr').length,
				screened: total.querySelector('[data-col="screened"] b').textContent,
				totals: total.children[2].textContent,
				reports: total.querySelector('[data-col="reports"]').textContent,
				tasks: total.querySelector('[data-col="tasks"]').textContent,
				href: document.getElementById('rep-xlsx').getAttribute('href'),
				small: [...document.querySelectorAll('#rep-pick select, #rep-pick input, #rep-pick a')]
					.filter(e => e.getBoundingClientRect().height < 44).map(e => e.id),
				pageWide: document.documentElement.scrollWidth > innerWidth,
			};
		})()`)
		screenshot(t, ctx, "report-"+size.name+"-zh")
		wantTotals := fmt.Sprintf("%s / %s", commas(rep.Total.Figures.ScreenedToday), commas(rep.Total.Figures.Households))
		wantTasks := fmt.Sprintf("%s / %s", commas(int64(rep.Total.Activity.TasksMade)), commas(int64(rep.Total.Activity.TasksDone)))
		if got.Rows != 1+len(rep.Rows) || got.Totals != wantTotals || got.Reports != commas(int64(rep.Total.Activity.Reports)) || got.Tasks != wantTasks ||
			got.Screened != fmt.Sprintf("%.1f%%", *rep.Total.Figures.ScreenedPct) {
			t.Errorf("%s: page shows %+v; the API %d rows, %s, %d reports, %.1f%%", size.name, got, 1+len(rep.Rows), wantTotals, rep.Total.Activity.Reports, *rep.Total.Figures.ScreenedPct)
		}
		if !strings.Contains(got.Href, "/api/reports/daily.xlsx?") || !strings.Contains(got.Href, "day="+day) {
			t.Errorf("%s: download link %q", size.name, got.Href)
		}
		if len(got.Small) > 0 || got.PageWide {
			t.Errorf("%s: controls under 44 px: %v; page wider than the screen: %v", size.name, got.Small, got.PageWide)
		}
	}
	// Every compound grid.
	ctx := newBrowser(t, 1400, 900)
	login(t, ctx, e.ts.URL, "/report?grid=1&level=3&day="+day, "admin", password)
	waitJS(t, ctx, "the report of every compound grid", `document.body.dataset.reportLoaded === 'true'`, 20*time.Second)
	if n, want := eval[int](t, ctx, `document.querySelectorAll('#rep-table tbody tr').length`), 1+scalar[int](t, e, `SELECT count(*) FROM current_grids WHERE level = 3`); n != want {
		t.Errorf("level=3 shows %d rows, want %d", n, want)
	}
	screenshot(t, ctx, "report-leaves-zh")
}

// commas formats n as the pages do in zh-CN (1,234).
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
