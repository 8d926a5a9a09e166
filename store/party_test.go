package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/seed"
)

// TestPartyRosterDemo imports the demo with its field work and reads the
// whole area's party roster: its branches, registrations and hours are
// those the generator made, summed in Go.
func TestPartyRosterDemo(t *testing.T) {
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
	var grids []int64
	for _, g := range ds.Grids {
		grids = append(grids, g.ID)
	}
	r, err := db.Store.PartyRoster(ctx, grids, ds.Field.Today)
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, x := range ds.Field.Registrations {
		if x.EndedOn == "" {
			active++
		}
	}
	var total, month float64
	for _, s := range ds.Field.Service {
		total += s.Hours
		if s.Day[:7] == ds.Field.Today[:7] {
			month += s.Hours
		}
	}
	if len(r.Branches) != len(ds.Branches) || r.Totals.Members != len(ds.PartyMembers) || r.Totals.Registered != active ||
		r.Totals.HoursTotal != total || r.Totals.HoursMonth != month {
		t.Errorf("roster: %d branches, totals %+v; want %d branches, %d members, %d registered, %.1f h (%.1f this month)",
			len(r.Branches), r.Totals, len(ds.Branches), len(ds.PartyMembers), active, total, month)
	}
	secretaries := 0
	for _, b := range r.Branches {
		if b.Secretary != nil {
			secretaries++
		}
	}
	if secretaries != len(ds.Branches) {
		t.Errorf("%d of %d branches show their secretary", secretaries, len(ds.Branches))
	}
}
