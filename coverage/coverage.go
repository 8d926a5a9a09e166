// Package coverage holds the live coverage figures of every grid and
// keeps them current incrementally: a write changes one compound grid's
// tally by a small delta, which is added to that grid and each of its
// ancestors, so one write costs a handful of additions, not a recount of
// the area. A periodic full count from the database (Reconcile) corrects
// anything time changes on its own (a new day, a visit falling due) and
// any drift. No I/O: the store computes deltas and full counts.
package coverage

import (
	"encoding/json"
	"math"
	"sync"
)

// Tally is the raw figures of one grid. Households are occupied
// households only: vacant and demolished ones are counted in Excluded and
// are outside every percentage.
type Tally struct {
	Households    int64 `json:"households"`
	Excluded      int64 `json:"excluded"`
	WithContact   int64 `json:"with_contact"`
	Buildings     int64 `json:"buildings"`
	WithHead      int64 `json:"with_head"`
	ScreenedToday int64 `json:"screened_today"`
	Quarantined   int64 `json:"quarantined"`
	FeverAlerts   int64 `json:"fever_alerts"`
	OverdueVisits int64 `json:"overdue_visits"`
	OpenRequests  int64 `json:"open_requests"`
}

// Add adds d field by field.
func (t *Tally) Add(d Tally) {
	t.Households += d.Households
	t.Excluded += d.Excluded
	t.WithContact += d.WithContact
	t.Buildings += d.Buildings
	t.WithHead += d.WithHead
	t.ScreenedToday += d.ScreenedToday
	t.Quarantined += d.Quarantined
	t.FeverAlerts += d.FeverAlerts
	t.OverdueVisits += d.OverdueVisits
	t.OpenRequests += d.OpenRequests
}

// Sub returns t - o.
func (t Tally) Sub(o Tally) Tally {
	return Tally{
		Households: t.Households - o.Households, Excluded: t.Excluded - o.Excluded,
		WithContact: t.WithContact - o.WithContact, Buildings: t.Buildings - o.Buildings,
		WithHead: t.WithHead - o.WithHead, ScreenedToday: t.ScreenedToday - o.ScreenedToday,
		Quarantined: t.Quarantined - o.Quarantined, FeverAlerts: t.FeverAlerts - o.FeverAlerts,
		OverdueVisits: t.OverdueVisits - o.OverdueVisits, OpenRequests: t.OpenRequests - o.OpenRequests,
	}
}

// IsZero reports whether every field is zero.
func (t Tally) IsZero() bool { return t == Tally{} }

// Figures is a grid's tally with its percentages, as the API and the
// stream give it. A percentage is nil when its denominator is zero.
type Figures struct {
	Grid int64 `json:"grid"`
	Tally
	ContactPct  *float64 `json:"contact_pct"`
	HeadPct     *float64 `json:"head_pct"`
	ScreenedPct *float64 `json:"screened_pct"`
}

// Denominator says in words what the percentages are of.
const Denominator = "contact_pct and screened_pct are of occupied households (vacant and demolished ones are excluded and counted in excluded); head_pct is of buildings"

func pct(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	v := math.Round(float64(n)*1000/float64(d)) / 10
	return &v
}

// Percent is n of d in per cent to one decimal, nil when d is 0: the
// rounding of every percentage the API gives.
func Percent(n, d int64) *float64 { return pct(n, d) }

// FiguresOf returns the figures of a tally.
func FiguresOf(grid int64, t Tally) Figures {
	return Figures{Grid: grid, Tally: t,
		ContactPct: pct(t.WithContact, t.Households), HeadPct: pct(t.WithHead, t.Buildings),
		ScreenedPct: pct(t.ScreenedToday, t.Households)}
}

// JSON encodes the figures.
func (f Figures) JSON() json.RawMessage {
	b, _ := json.Marshal(f)
	return b
}

// Rollup holds the tally of every grid, leaves and ancestors alike. It is
// safe for concurrent use.
type Rollup struct {
	mu      sync.RWMutex
	parent  func(int64) int64 // 0 at the top
	tallies map[int64]Tally
	day     string
}

// New returns an empty roll-up over the hierarchy given by parent.
func New(parent func(int64) int64) *Rollup {
	return &Rollup{parent: parent, tallies: map[int64]Tally{}}
}

// maxDepth bounds a walk up the hierarchy (it has four levels at most).
const maxDepth = 16

// Apply adds a write's delta to its compound grid and every ancestor, and
// returns the figures of each grid it changed, the compound grid first.
func (r *Rollup) Apply(grid int64, d Tally) []Figures {
	if d.IsZero() || grid == 0 {
		return nil
	}
	out := make([]Figures, 0, 4)
	r.mu.Lock()
	for g, i := grid, 0; g != 0 && i < maxDepth; i++ {
		t := r.tallies[g]
		t.Add(d)
		r.tallies[g] = t
		out = append(out, FiguresOf(g, t))
		g = r.parent(g)
	}
	r.mu.Unlock()
	return out
}

// Reconcile replaces every tally with a full count of the compound grids
// (leaves) for day, rolls it up, and returns the figures of the grids
// whose tally changed. It also swaps the hierarchy when parent is not nil.
func (r *Rollup) Reconcile(day string, leaves map[int64]Tally, parent func(int64) int64) []Figures {
	r.mu.Lock()
	defer r.mu.Unlock()
	if parent != nil {
		r.parent = parent
	}
	next := make(map[int64]Tally, len(r.tallies))
	for leaf, t := range leaves {
		for g, i := leaf, 0; g != 0 && i < maxDepth; i++ {
			s := next[g]
			s.Add(t)
			next[g] = s
			g = r.parent(g)
		}
	}
	var changed []Figures
	for g, t := range next {
		if old, ok := r.tallies[g]; !ok || old != t {
			changed = append(changed, FiguresOf(g, t))
		}
	}
	for g := range r.tallies {
		if _, ok := next[g]; !ok {
			changed = append(changed, FiguresOf(g, Tally{}))
		}
	}
	r.tallies, r.day = next, day
	return changed
}

// Day is the local day the figures are for.
func (r *Rollup) Day() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.day
}

// Get returns a grid's figures (zero figures for a grid with nothing in it).
func (r *Rollup) Get(grid int64) Figures {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return FiguresOf(grid, r.tallies[grid])
}

// Set overwrites one grid's tally, as another instance announced it.
func (r *Rollup) Set(f Figures) {
	r.mu.Lock()
	r.tallies[f.Grid] = f.Tally
	r.mu.Unlock()
}
