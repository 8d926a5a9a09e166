package coverage

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Snapshot is which transactions a count saw (PostgreSQL's
// pg_current_snapshot()): a write's delta is in a count's figures exactly
// when its transaction is visible to the count's snapshot.
type Snapshot struct {
	Xmin, Xmax uint64
	InProgress []uint64
}

// Visible reports whether transaction xid had committed (or aborted)
// when the snapshot was taken.
func (s Snapshot) Visible(xid uint64) bool {
	if xid < s.Xmin {
		return true
	}
	if xid >= s.Xmax {
		return false
	}
	return !slices.Contains(s.InProgress, xid)
}

// Counter counts every compound grid's tally for a day, in one snapshot
// (store.Store in the product).
type Counter interface {
	CoverageLeaves(ctx context.Context, day string, now time.Time) (map[int64]Tally, Snapshot, error)
}

// Live is the live coverage figures of the area: each field write
// changes one compound grid's tally by the delta the store worked out
// inside the write's transaction, and the roll-up adds it to the grid and
// its ancestors. A full count (Recount) takes in what time changes by
// itself (visits falling due, quarantines ending) and any drift. Writes
// go on while a count runs (it can take a second on a city): each one's
// delta is journaled with its transaction id, and those the count's
// snapshot did not see are added to the count before it replaces the
// figures, so no write is lost or counted twice. Safe for concurrent use.
type Live struct {
	count Counter
	loc   *time.Location

	recount   sync.Mutex   // one count at a time
	mu        sync.RWMutex // writes hold it for reading; a count for writing only to start its journal and to swap
	journalMu sync.Mutex   // guards journal
	journal   []journaled  // writes' deltas while a count runs; nil when none runs
	counted   Snapshot     // the snapshot of the last count swapped in: deltas it saw are in the figures
	roll      *Rollup
}

// journaled is a write's delta recorded while a count runs.
type journaled struct {
	xid   uint64
	grid  int64
	delta Tally
}

// NewLive returns figures counted by count, whose day is the local day
// in loc. It holds no figures until the first Recount or Fresh.
func NewLive(count Counter, loc *time.Location) *Live {
	return &Live{count: count, loc: loc, roll: New(func(int64) int64 { return 0 })}
}

// Today is the area's local day at t.
func (l *Live) Today(t time.Time) string { return t.In(l.loc).Format(time.DateOnly) }

// Day is the local day the figures are for ("" before the first count).
func (l *Live) Day() string { return l.roll.Day() }

// Get returns a grid's figures.
func (l *Live) Get(grid int64) Figures { return l.roll.Get(grid) }

// Fresh makes sure the figures are for the day at now, counting them in
// full if they are missing or an older day's.
func (l *Live) Fresh(ctx context.Context, now time.Time, parent func(int64) int64) error {
	if l.roll.Day() == l.Today(now) {
		return nil
	}
	_, err := l.Recount(ctx, now, parent, false)
	return err
}

// Recount counts every compound grid in full and replaces the figures,
// returning those that changed. Unless force is set it does nothing when
// the figures are already for now's day (another caller counted
// meanwhile).
func (l *Live) Recount(ctx context.Context, now time.Time, parent func(int64) int64, force bool) ([]Figures, error) {
	l.recount.Lock()
	defer l.recount.Unlock()
	day := l.Today(now)
	if !force && l.roll.Day() == day {
		return nil, nil
	}
	l.mu.Lock()
	l.journal = []journaled{}
	l.mu.Unlock()
	leaves, snap, err := l.count.CoverageLeaves(ctx, day, now)
	l.mu.Lock()
	defer l.mu.Unlock()
	journal := l.journal
	l.journal = nil
	if err != nil {
		return nil, err
	}
	for _, j := range journal {
		if !snap.Visible(j.xid) {
			t := leaves[j.grid]
			t.Add(j.delta)
			leaves[j.grid] = t
		}
	}
	l.counted = snap
	return l.roll.Reconcile(day, leaves, parent), nil
}

// Hold keeps a count from swapping in its figures until release is
// called: a write holds it from before its transaction to after Apply,
// so a count either saw the write or journals its delta.
func (l *Live) Hold() (release func()) {
	l.mu.RLock()
	return l.mu.RUnlock
}

// Apply adds a committed write's delta (transaction xid) to grid and its
// ancestors and returns their new figures. Call it under Hold.
func (l *Live) Apply(grid int64, d Tally, xid uint64) []Figures {
	if d.IsZero() {
		return nil
	}
	l.journalMu.Lock()
	if l.journal != nil {
		l.journal = append(l.journal, journaled{xid, grid, d})
	}
	l.journalMu.Unlock()
	return l.roll.Apply(grid, d)
}

// ApplyRemote adds a delta another instance's write made. It can arrive
// after a count whose snapshot already saw its transaction: the figures
// hold it then, and it is dropped rather than counted twice.
func (l *Live) ApplyRemote(grid int64, d Tally, xid uint64) {
	release := l.Hold()
	defer release()
	if xid != 0 && l.counted.Visible(xid) {
		return
	}
	l.Apply(grid, d, xid)
}
