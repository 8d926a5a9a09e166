package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/seed"
)

// TestCoverageAsOf: as of now the past-time count equals the live count;
// a field record made later is not in a count as of before it; before
// the area existed there is nothing to count.
func TestCoverageAsOf(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	now := time.Now().In(seed.Zone)
	ds, err := seed.DemoAt(1, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Store.ImportDataset(ctx, ds, false, nil); err != nil {
		t.Fatal(err)
	}
	imported := time.Now()
	today := now.Format(time.DateOnly)

	live, _, err := db.Store.CoverageLeaves(ctx, today, imported)
	if err != nil {
		t.Fatal(err)
	}
	asof, err := db.Store.CoverageLeavesAsOf(ctx, today, imported)
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 23 || len(asof) != len(live) {
		t.Fatalf("%d grids live, %d as of now; want 23 each", len(live), len(asof))
	}
	var total coverage.Tally
	for id, want := range live {
		if asof[id] != want {
			t.Errorf("grid %d: as of now %+v, live %+v", id, asof[id], want)
		}
		total.Add(want)
	}
	if total.ScreenedToday == 0 || total.OpenRequests == 0 || total.Quarantined == 0 {
		t.Fatalf("the demo's field day is too thin to test with: %+v", total)
	}

	// A household screened, a request closed and a fever resolved after
	// the instant counted: the count as of that instant does not see them.
	conn := connect(t, db)
	var household, grid int64
	if err := conn.QueryRow(ctx, `
		SELECT h.id, b.grid_id FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE h.status = 'occupied' AND NOT EXISTS (SELECT 1 FROM screenings s WHERE s.household_id = h.id AND s.day = $1::date)
		ORDER BY h.id LIMIT 1`, today).Scan(&household, &grid); err != nil {
		t.Fatal(err)
	}
	later := imported.Add(time.Minute)
	if _, err := conn.Exec(ctx, `INSERT INTO screenings (household_id, day, outcome, reported_at) VALUES ($1, $2::date, 'normal', $3)`,
		household, today, later); err != nil {
		t.Fatal(err)
	}
	var request, requestGrid int64
	if err := conn.QueryRow(ctx, `UPDATE requests SET closed_at = $1, resolution = 'done'
		WHERE id = (SELECT min(id) FROM requests WHERE closed_at IS NULL) RETURNING id, grid_id`, later).Scan(&request, &requestGrid); err != nil {
		t.Fatal(err)
	}
	before, err := db.Store.CoverageLeavesAsOf(ctx, today, imported)
	if err != nil {
		t.Fatal(err)
	}
	if before[grid] != live[grid] || before[requestGrid] != live[requestGrid] {
		t.Errorf("as of before the writes: %+v and %+v, want %+v and %+v", before[grid], before[requestGrid], live[grid], live[requestGrid])
	}
	after, err := db.Store.CoverageLeavesAsOf(ctx, today, later)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := after[grid].ScreenedToday, live[grid].ScreenedToday+1; got != want {
		t.Errorf("as of after the screening: %d screened in grid %d, want %d", got, grid, want)
	}
	if got, want := after[requestGrid].OpenRequests, live[requestGrid].OpenRequests-1; got != want {
		t.Errorf("as of after closing request %d: %d open in grid %d, want %d", request, got, requestGrid, want)
	}

	// Before the grids were made there is nothing.
	empty, err := db.Store.CoverageLeavesAsOf(ctx, today, imported.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(empty) != 0 {
		t.Errorf("as of yesterday, before the import: %d grids, want none", len(empty))
	}
}
