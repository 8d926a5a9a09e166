package store_test

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/seed"
	"github.com/gridmap/gridmap/store"
)

// recount is what ReportDay keeps, counted straight from the field
// records: the coverage as of the day's end, the old join of the day's
// work (referenceActivity) and the trend's count.
func recount(t *testing.T, st *store.Store, conn *pgx.Conn, day string, start time.Time, zone string) store.ClosedDay {
	t.Helper()
	ctx := context.Background()
	end := start.AddDate(0, 0, 1)
	leaves, err := st.CoverageLeavesAsOf(ctx, day, end.Add(-time.Microsecond))
	if err != nil {
		t.Fatal(err)
	}
	work := referenceActivity(t, conn, day, start, end)
	counts, err := st.ScreenedByDay(ctx, day, day, zone, end.Add(-time.Microsecond))
	if err != nil {
		t.Fatal(err)
	}
	d := store.ClosedDay{Leaves: leaves, Activity: work, Screened: map[int64]int{}}
	for _, c := range counts {
		d.Screened[c.Grid] += c.Screened
	}
	return d
}

func sameDay(t *testing.T, label string, got, want store.ClosedDay) {
	t.Helper()
	if !maps.Equal(got.Leaves, want.Leaves) || !maps.Equal(got.Activity, want.Activity) || !maps.Equal(got.Screened, want.Screened) {
		t.Errorf("%s: kept figures differ from a recount:\n got %v\n     %v\n     %v\nwant %v\n     %v\n     %v",
			label, got.Leaves, got.Activity, got.Screened, want.Leaves, want.Activity, want.Screened)
	}
}

// TestReportDays: a closed day's kept figures equal a recount from the
// field records, counted on the first read and read back on the next;
// the trend's kept counts equal ScreenedByDay; a visit logged for an
// earlier day and a spot-check answer corrected days later make the days
// from theirs on be counted again, and the new figures include them.
func TestReportDays(t *testing.T) {
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
	if err := db.Store.AddFieldDays(ctx, store.FieldDays{Days: 8, Now: now, Zone: zone}); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, db)
	y, m, d := now.Date()
	dayAt := func(i int) (string, time.Time) {
		s := time.Date(y, m, d-i, 0, 0, 0, 0, loc)
		return s.Format(time.DateOnly), s
	}
	kept := func() []string {
		var days []string
		rows, _ := conn.Query(ctx, `SELECT to_char(day, 'YYYY-MM-DD') FROM report_days ORDER BY day`)
		for rows.Next() {
			var s string
			rows.Scan(&s)
			days = append(days, s)
		}
		rows.Close()
		return days
	}

	for _, i := range []int{1, 3} {
		day, start := dayAt(i)
		want := recount(t, db.Store, conn, day, start, zone)
		if len(want.Leaves) != 23 || len(want.Activity) == 0 || len(want.Screened) == 0 {
			t.Fatalf("%s: %d grids counted, %d worked in, %d screened: too thin to test with", day, len(want.Leaves), len(want.Activity), len(want.Screened))
		}
		for _, label := range []string{"counted", "kept"} {
			got, err := db.Store.ReportDay(ctx, day, start, start.AddDate(0, 0, 1), zone)
			if err != nil {
				t.Fatal(err)
			}
			sameDay(t, day+" "+label, got, want)
		}
	}
	if got := kept(); len(got) != 2 {
		t.Fatalf("kept days %v, want 2", got)
	}

	// The week's trend: two days kept, five counted and kept now.
	from, fromStart := dayAt(7)
	to, _ := dayAt(1)
	trend, err := db.Store.ReportDaysScreened(ctx, from, to, fromStart, zone)
	if err != nil {
		t.Fatal(err)
	}
	want, err := db.Store.ScreenedByDay(ctx, from, to, zone, now)
	if err != nil {
		t.Fatal(err)
	}
	sortCounts := func(cs []store.ScreenedOn) {
		slices.SortFunc(cs, func(a, b store.ScreenedOn) int { return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Grid, b.Grid)) })
	}
	sortCounts(trend)
	sortCounts(want)
	if !slices.Equal(trend, want) || len(want) < 7 {
		t.Errorf("trend %v\nwant %v", trend, want)
	}
	if got := kept(); len(got) != 7 {
		t.Fatalf("kept days %v, want 7", got)
	}

	// A visit logged now for three days ago: days from then on are
	// counted again and see it.
	threeAgo, threeStart := dayAt(3)
	before, _ := db.Store.ReportDay(ctx, threeAgo, threeStart, threeStart.AddDate(0, 0, 1), zone)
	var resident, grid int64
	if err := conn.QueryRow(ctx, `
		SELECT r.id, b.grid_id FROM vulnerable_residents r JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id
		ORDER BY r.id LIMIT 1`).Scan(&resident, &grid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Store.RecordVisit(ctx, store.Actor{Name: "test"}, "visit-late-1", time.Now(),
		store.VisitInput{ResidentID: resident, At: threeStart.Add(20 * time.Hour), Method: "phone"}); err != nil {
		t.Fatal(err)
	}
	if got := kept(); slices.Contains(got, threeAgo) || len(got) != 3 {
		t.Errorf("after a visit logged for %s, kept days %v: want only the 3 before it", threeAgo, got)
	}
	after, err := db.Store.ReportDay(ctx, threeAgo, threeStart, threeStart.AddDate(0, 0, 1), zone)
	if err != nil {
		t.Fatal(err)
	}
	sameDay(t, threeAgo+" after a late visit", after, recount(t, db.Store, conn, threeAgo, threeStart, zone))
	if after.Activity[grid].Visits != before.Activity[grid].Visits+1 {
		t.Errorf("grid %d visits on %s: %d, then %d after a late one", grid, threeAgo, before.Activity[grid].Visits, after.Activity[grid].Visits)
	}

	// A spot-check answer recorded two days ago, corrected today, moves
	// to today: two days ago is counted again without it.
	twoAgo, twoStart := dayAt(2)
	var check, household int64
	if err := conn.QueryRow(ctx, `
		WITH c AS (INSERT INTO spot_checks (grid_id, seed, k, created_at) VALUES ($1, 1, 1, $2) RETURNING id)
		INSERT INTO spot_check_items (check_id, position, household_id, result, method, recorded_at)
		SELECT c.id, 1, h.id, 'knows', 'phone', $2 FROM c, households h JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = $1 ORDER BY h.id LIMIT 1 RETURNING check_id, household_id`, grid, twoStart.Add(9*time.Hour)).Scan(&check, &household); err != nil {
		t.Fatal(err)
	}
	first, _ := db.Store.ReportDay(ctx, twoAgo, twoStart, twoStart.AddDate(0, 0, 1), zone)
	if first.Activity[grid].SpotKnows != 1 {
		t.Fatalf("grid %d on %s: %+v, want the spot check", grid, twoAgo, first.Activity[grid])
	}
	if _, err := db.Store.RecordSpotCheck(ctx, store.Actor{Name: "test"}, "spot-late-1", check, household, "does_not_know", "visit"); err != nil {
		t.Fatal(err)
	}
	second, err := db.Store.ReportDay(ctx, twoAgo, twoStart, twoStart.AddDate(0, 0, 1), zone)
	if err != nil {
		t.Fatal(err)
	}
	sameDay(t, twoAgo+" after a correction", second, recount(t, db.Store, conn, twoAgo, twoStart, zone))
	if second.Activity[grid].SpotChecked != 0 {
		t.Errorf("grid %d on %s after the answer moved to today: %+v", grid, twoAgo, second.Activity[grid])
	}
}
