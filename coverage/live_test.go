package coverage

import (
	"context"
	"sync"
	"testing"
	"time"
)

// countAt is a Counter that returns fixed leaves and a snapshot, and
// lets the test run writes while the count is "running".
type countAt struct {
	leaves map[int64]Tally
	snap   Snapshot
	during func() // called inside the count, before it returns
}

func (c *countAt) CoverageLeaves(context.Context, string, time.Time) (map[int64]Tally, Snapshot, error) {
	if c.during != nil {
		c.during()
	}
	out := make(map[int64]Tally, len(c.leaves))
	for k, v := range c.leaves {
		out[k] = v
	}
	return out, c.snap, nil
}

// parentOf is a two-level area: grids 10 and 11 under 1.
func parentOf(g int64) int64 {
	if g == 10 || g == 11 {
		return 1
	}
	return 0
}

var noon = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// TestLiveRecountTakesInWritesItDidNotSee: writes committed while a count
// runs are added to it when its snapshot did not see them, and not when
// it did; a remote delta the last count saw is dropped.
func TestLiveRecountTakesInWritesItDidNotSee(t *testing.T) {
	t.Parallel()
	one := Tally{Households: 1, ScreenedToday: 1}
	c := &countAt{leaves: map[int64]Tally{10: {Households: 5, ScreenedToday: 2}, 11: {Households: 4}},
		snap: Snapshot{Xmin: 100, Xmax: 105, InProgress: []uint64{102}}}
	l := NewLive(c, time.UTC)
	c.during = func() {
		var wg sync.WaitGroup
		for _, xid := range []uint64{99, 102, 106} { // seen, in progress (not seen), after (not seen)
			wg.Add(1)
			go func() {
				defer wg.Done()
				release := l.Hold()
				l.Apply(10, one, xid)
				release()
			}()
		}
		wg.Wait()
	}
	if _, err := l.Recount(context.Background(), noon, parentOf, true); err != nil {
		t.Fatal(err)
	}
	// The count had 2 screened in grid 10; xids 102 and 106 were not in it.
	if got := l.Get(10).Tally; got.ScreenedToday != 4 || got.Households != 7 {
		t.Errorf("grid 10 %+v, want 4 screened of 7", got)
	}
	if got := l.Get(1).Tally; got.Households != 11 || got.ScreenedToday != 4 {
		t.Errorf("area %+v, want 4 screened of 11", got)
	}
	l.ApplyRemote(11, one, 101) // seen by the count: already in the figures
	l.ApplyRemote(11, one, 107) // after it: added
	if got := l.Get(11).Tally; got.Households != 5 || got.ScreenedToday != 1 {
		t.Errorf("grid 11 %+v, want 1 screened of 5", got)
	}
	if l.Day() != "2026-12-06" {
		t.Errorf("day %q", l.Day())
	}
}

// TestLiveFresh counts once a day: Fresh on the same day does not
// recount, a new local day does.
func TestLiveFresh(t *testing.T) {
	t.Parallel()
	c := &countAt{leaves: map[int64]Tally{10: {Households: 1}}}
	counts := 0
	c.during = func() { counts++ }
	shanghai := time.FixedZone("CST", 8*3600)
	l := NewLive(c, shanghai)
	for _, at := range []time.Time{noon, noon.Add(time.Hour), noon.Add(12 * time.Hour)} { // the last is past local midnight
		if err := l.Fresh(context.Background(), at, parentOf); err != nil {
			t.Fatal(err)
		}
	}
	if counts != 2 || l.Day() != "2026-12-07" {
		t.Errorf("%d counts, day %q; want 2 and 2026-12-07", counts, l.Day())
	}
}
