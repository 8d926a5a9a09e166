package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/seed"
	"github.com/gridmap/gridmap/store"
)

// referenceActivity is the day's work as the day's report counted it
// before the writes kept it (day_activity, migration 012): one join of
// the day's field records to households and buildings, by the grids of
// now. DayActivity must give exactly this while no boundary is published.
func referenceActivity(t *testing.T, conn *pgx.Conn, day string, start, end time.Time) map[int64]store.Activity {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
		WITH sc AS (
			SELECT b.grid_id, count(*) AS reports,
			       count(*) FILTER (WHERE s.outcome = 'fever') AS fever,
			       count(*) FILTER (WHERE s.outcome = 'not_home') AS not_home,
			       count(*) FILTER (WHERE s.outcome = 'refused') AS refused
			FROM screenings s JOIN households h ON h.id = s.household_id JOIN buildings b ON b.id = h.building_id
			WHERE s.day = $1::date AND s.reported_at < $3
			GROUP BY b.grid_id
		), vi AS (
			SELECT b.grid_id, count(*) AS visits
			FROM visits v JOIN vulnerable_residents r ON r.id = v.resident_id
			JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id
			WHERE v.at >= $2 AND v.at < $3
			GROUP BY b.grid_id
		), rr AS (
			SELECT grid_id, count(*) AS received FROM requests WHERE received_at >= $2 AND received_at < $3 GROUP BY grid_id
		), rc AS (
			SELECT grid_id, count(*) AS closed FROM requests WHERE closed_at >= $2 AND closed_at < $3 GROUP BY grid_id
		), sp AS (
			SELECT b.grid_id, count(*) AS checked, count(*) FILTER (WHERE i.result = 'knows') AS knows
			FROM spot_check_items i JOIN households h ON h.id = i.household_id JOIN buildings b ON b.id = h.building_id
			WHERE i.recorded_at >= $2 AND i.recorded_at < $3
			GROUP BY b.grid_id
		), tm AS (
			SELECT grid_id, count(*) AS made FROM tasks WHERE created_at >= $2 AND created_at < $3 GROUP BY grid_id
		), td AS (
			SELECT grid_id, count(*) AS done FROM tasks WHERE status = 'done' AND done_at >= $2 AND done_at < $3 GROUP BY grid_id
		), g AS (
			SELECT grid_id FROM sc UNION SELECT grid_id FROM vi UNION SELECT grid_id FROM rr
			UNION SELECT grid_id FROM rc UNION SELECT grid_id FROM sp UNION SELECT grid_id FROM tm UNION SELECT grid_id FROM td
		)
		SELECT g.grid_id, COALESCE(sc.reports, 0), COALESCE(sc.fever, 0), COALESCE(sc.not_home, 0), COALESCE(sc.refused, 0),
		       COALESCE(vi.visits, 0), COALESCE(rr.received, 0), COALESCE(rc.closed, 0),
		       COALESCE(sp.checked, 0), COALESCE(sp.knows, 0), COALESCE(tm.made, 0), COALESCE(td.done, 0)
		FROM g LEFT JOIN sc USING (grid_id) LEFT JOIN vi USING (grid_id) LEFT JOIN rr USING (grid_id)
		LEFT JOIN rc USING (grid_id) LEFT JOIN sp USING (grid_id) LEFT JOIN tm USING (grid_id) LEFT JOIN td USING (grid_id)`,
		day, start, end)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]store.Activity{}
	var id int64
	var a store.Activity
	if _, err := pgx.ForEachRow(rows, []any{&id, &a.Reports, &a.FeverReports, &a.NotHome, &a.Refused, &a.Visits,
		&a.RequestsReceived, &a.RequestsClosed, &a.SpotChecked, &a.SpotKnows, &a.TasksMade, &a.TasksDone}, func() error {
		out[id] = a
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDayActivityCounters: after the generated week of field work (bulk
// inserts) and a mix of single writes through the store (screenings of
// every outcome, one for yesterday made today, visits incl. one logged
// for an earlier day, requests received and closed, spot-check answers
// and a correction, tasks made, done and escalated), the counters the
// writes keep equal the old join's count on every day, and the migration's
// recount of every row gives them again.
func TestDayActivityCounters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	const zone = "Asia/Shanghai"
	loc, _ := time.LoadLocation(zone)
	now := time.Now().In(loc)
	ds, err := seed.DemoAt(1, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Store.ImportDataset(ctx, ds, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Store.AddFieldDays(ctx, store.FieldDays{Days: 4, Now: now, Zone: zone}); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, db)
	y, m, d := now.Date()
	dayAt := func(i int) (string, time.Time) {
		s := time.Date(y, m, d-i, 0, 0, 0, 0, loc)
		return s.Format(time.DateOnly), s
	}
	today, _ := dayAt(0)
	yesterday, _ := dayAt(1)
	actor := store.Actor{Name: "test"}
	n := 0
	write := func(label string, f func(clientID string) (store.WriteResult, error)) store.WriteResult {
		t.Helper()
		n++
		r, err := f(fmt.Sprintf("activity-%03d", n))
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		return r
	}

	// Households not screened today, and a resident on the ledger.
	rows, _ := conn.Query(ctx, `
		SELECT h.id FROM households h WHERE h.status = 'occupied'
		  AND NOT EXISTS (SELECT 1 FROM screenings s WHERE s.household_id = h.id AND s.day = $1::date)
		ORDER BY h.id LIMIT 7`, today)
	households, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(households) < 7 {
		t.Fatalf("households to screen: %v %v", households, err)
	}
	var resident, building, grid int64
	if err := conn.QueryRow(ctx, `
		SELECT r.id, b.id, b.grid_id FROM vulnerable_residents r JOIN households h ON h.id = r.household_id
		JOIN buildings b ON b.id = h.building_id WHERE r.left_at IS NULL ORDER BY r.id LIMIT 1`).Scan(&resident, &building, &grid); err != nil {
		t.Fatal(err)
	}
	var headless int64
	if err := conn.QueryRow(ctx, `SELECT id FROM buildings WHERE head_id IS NULL ORDER BY id LIMIT 1`).Scan(&headless); err != nil {
		t.Fatal(err)
	}

	temp := 38.5
	for i, o := range []string{"normal", "fever", "not_home", "refused", "home_quarantine"} {
		in := store.ScreeningInput{HouseholdID: households[i], Day: today, Outcome: o}
		if o == "fever" {
			in.Temperature = &temp
		}
		write("screening "+o, func(c string) (store.WriteResult, error) { return db.Store.ReportScreening(ctx, actor, c, today, in) })
	}
	write("screening for yesterday", func(c string) (store.WriteResult, error) {
		return db.Store.ReportScreening(ctx, actor, c, today, store.ScreeningInput{HouseholdID: households[5], Day: yesterday, Outcome: "normal"})
	})
	// A task of an unscreened household, done by its screening; one of a
	// building without a head, left open.
	write("task unscreened", func(c string) (store.WriteResult, error) {
		return db.Store.CreateTask(ctx, actor, c, today, store.TaskInput{GapRef: store.GapRef{Gap: store.GapUnscreened, HouseholdID: households[6]},
			AcceptBy: now.Add(time.Hour), DueAt: now.Add(2 * time.Hour)})
	})
	write("task no head", func(c string) (store.WriteResult, error) {
		return db.Store.CreateTask(ctx, actor, c, today, store.TaskInput{GapRef: store.GapRef{Gap: store.GapNoHead, BuildingID: headless},
			AcceptBy: now.Add(-2 * time.Hour), DueAt: now.Add(-time.Hour)})
	})
	write("screening closing a task", func(c string) (store.WriteResult, error) {
		return db.Store.ReportScreening(ctx, actor, c, today, store.ScreeningInput{HouseholdID: households[6], Day: today, Outcome: "normal"})
	})
	for _, at := range []time.Time{now.Add(-time.Minute), now.Add(-50 * time.Hour)} {
		write("visit", func(c string) (store.WriteResult, error) {
			return db.Store.RecordVisit(ctx, actor, c, time.Now(), store.VisitInput{ResidentID: resident, At: at, Method: "visit"})
		})
	}
	// Two requests (each a task): one closed, one left open.
	var requests []int64
	for range 2 {
		r := write("request", func(c string) (store.WriteResult, error) {
			return db.Store.OpenRequest(ctx, actor, c, store.RequestInput{BuildingID: building, Category: "supplies", Body: "rice",
				ReceivedAt: now, Urgency: "normal", Deadline: now.Add(24 * time.Hour), TaskAcceptBy: now.Add(time.Hour)})
		})
		var q store.Request
		if err := json.Unmarshal(r.Body, &q); err != nil {
			t.Fatal(err)
		}
		requests = append(requests, q.ID)
	}
	write("close request", func(c string) (store.WriteResult, error) {
		return db.Store.CloseRequest(ctx, actor, c, requests[0], "delivered")
	})
	// Spot checks: three answers, one corrected.
	sc := write("spot check", func(c string) (store.WriteResult, error) { return db.Store.DrawSpotCheck(ctx, actor, c, grid, 3, 7) })
	var check store.SpotCheck
	if err := json.Unmarshal(sc.Body, &check); err != nil || len(check.Households) != 3 {
		t.Fatalf("spot check %s: %v", sc.Body, err)
	}
	for i, res := range []string{"knows", "does_not_know", "knows", "unreachable"} {
		item := check.Households[i%3]
		write("spot answer", func(c string) (store.WriteResult, error) {
			return db.Store.RecordSpotCheck(ctx, actor, c, check.ID, item.HouseholdID, res, "phone")
		})
	}
	if _, err := db.Store.EscalateTasks(ctx, store.Escalation{Now: time.Now(), ToCommunity: time.Hour}); err != nil {
		t.Fatal(err)
	}

	check1 := func(label string) {
		t.Helper()
		var made, done int
		for i := range 5 {
			day, start := dayAt(i)
			got, err := db.Store.DayActivity(ctx, day)
			if err != nil {
				t.Fatal(err)
			}
			want := referenceActivity(t, conn, day, start, start.AddDate(0, 0, 1))
			if !maps.Equal(got, want) {
				t.Errorf("%s, %s: counters differ from the join\n got %v\nwant %v", label, day, got, want)
			}
			if i == 0 {
				for _, a := range got {
					made += a.TasksMade
					done += a.TasksDone
				}
			}
		}
		if made != 4 || done != 2 {
			t.Errorf("%s: today %d tasks made, %d done; want 4, 2", label, made, done)
		}
	}
	check1("kept by the writes")
	if _, err := conn.Exec(ctx, `SELECT day_activity_recount('-infinity', NULL)`); err != nil {
		t.Fatal(err)
	}
	check1("recounted")

	open, err := db.Store.OpenTasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var o, e int
	for _, a := range open {
		o, e = o+a.TasksOpen, e+a.TasksEscalated
	}
	if o != 2 || e != 1 {
		t.Errorf("open tasks %d, escalated %d; want 2 (no head, the open request) and 1 (no head, past its time)", o, e)
	}
}

// TestDayActivityAfterPublish: a boundary publish that moves buildings to
// new grids recounts today's and yesterday's work of the grids involved,
// so it counts in the grids of now, as the old join counted it; the new
// grids have the work of their buildings.
func TestDayActivityAfterPublish(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	conn := connect(t, db)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now().In(loc)
	if err := db.Store.AddFieldDays(ctx, store.FieldDays{Days: 2, Now: now, Zone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	p, err := db.Store.SubtreePlan(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range p.Grids {
		if g.ID != 9 {
			continue
		}
		bd := g.Geometry.Bound()
		x := (bd.Min[0] + bd.Max[0]) / 2
		parts, err := db.Store.SplitPolygon(ctx, g.Geometry, orb.LineString{{x, bd.Min[1] - 0.001}, {x, bd.Max[1] + 0.001}})
		if err != nil || len(parts) != 2 {
			t.Fatal(err, len(parts))
		}
		p.Grids[i].ID, p.Grids[i].Geometry = -1, parts[0]
		extra := p.Grids[i]
		extra.ID, extra.Code, extra.Geometry = -2, "41010200300199", parts[1]
		p.Grids = append(p.Grids, extra)
		break
	}
	base, _ := db.Store.LastPublication(ctx)
	pub, err := db.Store.PublishPlan(ctx, store.Actor{Name: "test"}, store.PublishInput{
		Plan: p, Base: base, Acknowledge: []string{"no_leader", "load_rise"}})
	if err != nil || pub.BuildingsMoved == 0 {
		t.Fatal(err, pub)
	}
	y, m, d := now.Date()
	for i := range 2 {
		start := time.Date(y, m, d-i, 0, 0, 0, 0, loc)
		day := start.Format(time.DateOnly)
		got, err := db.Store.DayActivity(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		want := referenceActivity(t, conn, day, start, start.AddDate(0, 0, 1))
		if !maps.Equal(got, want) {
			t.Errorf("%s after the publish: counters differ from the join\n got %v\nwant %v", day, got, want)
		}
		if got[9].Reports != 0 {
			t.Errorf("%s: grid 9, split, still has %+v", day, got[9])
		}
	}
}
