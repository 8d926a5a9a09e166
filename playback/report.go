package playback

import (
	"cmp"
	"context"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/store"
)

// TrendDays is how many days a report's trend shows, ending on its day.
const TrendDays = 7

// ReportRow is one grid of the day's report: its coverage figures at the
// end of the day (today: now), the field work done in it that day, and
// its screening completeness on each day of the week ending that day.
type ReportRow struct {
	Grid     int64            `json:"grid"`
	Name     string           `json:"name"`
	Level    int              `json:"level"`
	Parent   int64            `json:"parent"`
	Figures  coverage.Figures `json:"figures"`
	Activity store.Activity   `json:"activity"`
	Trend    []TrendDay       `json:"trend"`
}

// TrendDay is a grid's screening on one day of a report's week, as of the
// day's end, of the households the grid has now.
type TrendDay struct {
	Day         string   `json:"day"`
	Screened    int64    `json:"screened"`
	ScreenedPct *float64 `json:"screened_pct"`
}

// Report is the day's report of a grid: Total is the grid itself, Rows
// the grids below it (its children then, or every grid of one level of
// its subtree), in the order of their names within their parents. The
// report of an area of several top grids has them as its rows and their
// sum as its total (grid 0, no name).
type Report struct {
	Day         string      `json:"day"`
	At          time.Time   `json:"at"`
	Live        bool        `json:"live"`
	Denominator string      `json:"denominator"`
	Total       ReportRow   `json:"total"`
	Rows        []ReportRow `json:"rows"`
}

// ReportQuery chooses a report: the grid (0: the principal's own area, or
// the whole area's root), the local day (YYYY-MM-DD, default today) and
// optionally the level of the rows (default: the grid's children).
type ReportQuery struct {
	Grid  int64
	Day   string
	Level int
}

// Daily returns the day's report of a grid in p's scope: for a past day
// as things stood at its end, by the hierarchy of then; for today as of
// now. Coverage figures are those /api/coverage?day= gives for the same
// day. A closed day's figures, work and trend are counted once and kept
// (store.ReportDay); today's figures are the live ones the map shows,
// its work is what the writes keep per grid (store.DayActivity) with the
// tasks open now, and its trend reads the kept days and takes today's
// from the live figures.
func (s *Service) Daily(ctx context.Context, p *auth.Principal, q ReportQuery) (*Report, error) {
	day, start, end, err := s.day("day", q.Day)
	if err != nil {
		return nil, err
	}
	at, live := endOf(end), false
	if now := s.now(); !at.Before(now) {
		at, live = now, true
	}
	if q.Level != 0 && (q.Level < 1 || q.Level > 3) {
		return nil, invalid("level", "want 1, 2 or 3")
	}
	var (
		gs        []store.GridAsOf
		leaves    map[int64]coverage.Tally
		work      map[int64]store.Activity
		counts    []store.ScreenedOn
		zone      = s.loc.String()
		weekStart = start.AddDate(0, 0, 1-TrendDays)
		weekAgo   = weekStart.Format(time.DateOnly)
		fromLive  bool
	)
	if live && s.live != nil {
		if leaves, fromLive, err = s.liveLeaves(ctx, p, day); err != nil {
			return nil, err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { gs, err = s.store.GridsAsOf(gctx, at); return err })
	if s.closed(end) {
		g.Go(func() error {
			d, err := s.store.ReportDay(gctx, day, start, end, zone)
			leaves, work = d.Leaves, d.Activity
			return err
		})
		g.Go(func() (err error) {
			counts, err = s.store.ReportDaysScreened(gctx, weekAgo, day, weekStart, zone)
			return err
		})
	} else {
		if !fromLive {
			g.Go(func() (err error) { leaves, err = s.store.CoverageLeavesAsOf(gctx, day, at); return err })
		}
		g.Go(func() (err error) { work, err = s.store.DayActivity(gctx, day); return err })
		g.Go(func() (err error) { counts, err = s.weekCounts(gctx, weekStart, start, at, fromLive); return err })
	}
	var open map[int64]store.Activity
	if live {
		g.Go(func() (err error) { open, err = s.store.OpenTasks(gctx); return err })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	work = withOpenTasks(work, open)
	if fromLive {
		for id, tl := range leaves {
			if tl.ScreenedToday > 0 {
				counts = append(counts, store.ScreenedOn{Grid: id, Day: day, Screened: int(tl.ScreenedToday)})
			}
		}
	}
	t := newTree(gs)
	root, err := s.reportRoot(ctx, p, t, q.Grid)
	if err != nil {
		return nil, err
	}
	rows := t.children[root]
	if root == 0 {
		rows = t.roots()
	}
	if q.Level != 0 {
		rows = nil
		for id, g := range t.grids {
			if g.Level == q.Level && id != root && t.within(root, id) {
				rows = append(rows, id)
			}
		}
	}
	figures := t.rollup(leaves)
	activity := rollupOf(t, work, func(a *store.Activity, b store.Activity) { a.Add(b) })
	trend := t.trend(counts, weekAgo, day)
	row := func(id int64) ReportRow {
		g := t.grids[id]
		f := coverage.FiguresOf(id, figures[id])
		days := make([]TrendDay, len(trend.days))
		for i, d := range trend.days {
			n := trend.screened[id][i]
			days[i] = TrendDay{Day: d, Screened: n, ScreenedPct: coverage.FiguresOf(id, coverage.Tally{Households: f.Households, ScreenedToday: n}).ScreenedPct}
		}
		return ReportRow{Grid: id, Name: g.Name, Level: g.Level, Parent: g.ParentID, Figures: f, Activity: activity[id], Trend: days}
	}
	r := &Report{Day: day, At: at, Live: live, Denominator: Denominator, Rows: make([]ReportRow, 0, len(rows))}
	if root != 0 {
		r.Total = row(root)
	} else {
		// The whole area of several top grids (a city of districts): the
		// total is their sum.
		var sum coverage.Tally
		for _, id := range t.roots() {
			sum.Add(figures[id])
			r.Total.Activity.Add(activity[id])
		}
		r.Total.Figures = coverage.FiguresOf(0, sum)
		r.Total.Trend = make([]TrendDay, len(trend.days))
		for i, d := range trend.days {
			var n int64
			for _, id := range t.roots() {
				n += trend.screened[id][i]
			}
			r.Total.Trend[i] = TrendDay{Day: d, Screened: n, ScreenedPct: coverage.FiguresOf(0, coverage.Tally{Households: sum.Households, ScreenedToday: n}).ScreenedPct}
		}
	}
	for _, id := range t.inOrder(rows) {
		r.Rows = append(r.Rows, row(id))
	}
	return r, nil
}

// withOpenTasks adds the tasks open now to the day's work (today's
// report only).
func withOpenTasks(work, open map[int64]store.Activity) map[int64]store.Activity {
	if len(open) == 0 {
		return work
	}
	if work == nil {
		work = make(map[int64]store.Activity, len(open))
	}
	for id, a := range open {
		w := work[id]
		w.Add(a)
		work[id] = w
	}
	return work
}

// liveLeaves returns today's figures of the compound grids in p's scope
// as the map has them (the live figures); ok is false when those are not
// of day (a moment after midnight).
func (s *Service) liveLeaves(ctx context.Context, p *auth.Principal, day string) (map[int64]coverage.Tally, bool, error) {
	c, err := s.live.CoverageLevel(ctx, p, 3)
	if err != nil || c.Day != day {
		return nil, false, err
	}
	out := make(map[int64]coverage.Tally, len(c.Grids))
	for _, f := range c.Grids {
		out[f.Grid] = f.Tally
	}
	return out, true, nil
}

// weekCounts counts the screened households of each compound grid on
// each day of the week from weekStart to the day starting at start,
// which is not closed: the closed days from what is kept, the others
// (that day, and the day before for a moment after midnight) counted as
// of at; without that day when its counts come from the live figures.
func (s *Service) weekCounts(ctx context.Context, weekStart, start, at time.Time, live bool) ([]store.ScreenedOn, error) {
	open := weekStart
	for open.Before(start) && s.closed(open.AddDate(0, 0, 1)) {
		open = open.AddDate(0, 0, 1)
	}
	var out []store.ScreenedOn
	if open.After(weekStart) {
		kept, err := s.store.ReportDaysScreened(ctx, weekStart.Format(time.DateOnly), open.AddDate(0, 0, -1).Format(time.DateOnly), weekStart, s.loc.String())
		if err != nil {
			return nil, err
		}
		out = kept
	}
	last := start
	if live {
		last = start.AddDate(0, 0, -1)
	}
	if !open.After(last) {
		counted, err := s.store.ScreenedByDay(ctx, open.Format(time.DateOnly), last.Format(time.DateOnly), s.loc.String(), at)
		if err != nil {
			return nil, err
		}
		out = append(out, counted...)
	}
	return out, nil
}

// roots lists the top grids then.
func (t *tree) roots() []int64 {
	var out []int64
	for id, g := range t.grids {
		if g.ParentID == 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// reportRoot is the grid a report is of: grid when given (within p's
// scope, and existing on the day), else p's own grid, else the area's
// only root, else 0: the whole area of several top grids.
func (s *Service) reportRoot(ctx context.Context, p *auth.Principal, t *tree, grid int64) (int64, error) {
	if grid == 0 {
		grid = p.Scope().Root
	}
	if grid == 0 {
		switch roots := t.roots(); len(roots) {
		case 0:
			return 0, invalid("grid", "no grid existed on that day")
		case 1:
			return roots[0], nil
		}
		return 0, nil
	}
	if err := s.scopes.CheckPast(ctx, p, "grid", grid); err != nil {
		return 0, err
	}
	if !t.has(grid) {
		return 0, invalid("grid", "grid %d did not exist on that day", grid)
	}
	return grid, nil
}

// weekTrend is each grid's screened households on each day of a week.
type weekTrend struct {
	days     []string
	screened map[int64][]int64 // grid → per day, rolled up
}

// trend rolls the compound grids' daily counts up the tree (of the
// report's day) for the days from from to to.
func (t *tree) trend(counts []store.ScreenedOn, from, to string) weekTrend {
	var w weekTrend
	start, _ := time.Parse(time.DateOnly, from)
	for d := start; d.Format(time.DateOnly) <= to; d = d.AddDate(0, 0, 1) {
		w.days = append(w.days, d.Format(time.DateOnly))
	}
	index := make(map[string]int, len(w.days))
	for i, d := range w.days {
		index[d] = i
	}
	w.screened = make(map[int64][]int64, len(t.grids))
	for id := range t.grids {
		w.screened[id] = make([]int64, len(w.days))
	}
	for _, c := range counts {
		i, ok := index[c.Day]
		if !ok {
			continue
		}
		for id, n := c.Grid, 0; id != 0 && n < maxDepth; n++ {
			g, ok := t.grids[id]
			if !ok {
				break
			}
			w.screened[id][i] += int64(c.Screened)
			id = g.ParentID
		}
	}
	return w
}

// rollupOf adds each leaf's value to the leaf and every ancestor then.
func rollupOf[T any](t *tree, leaves map[int64]T, add func(*T, T)) map[int64]T {
	out := make(map[int64]T, len(t.grids))
	for leaf, v := range leaves {
		for id, n := leaf, 0; id != 0 && n < maxDepth; n++ {
			g, ok := t.grids[id]
			if !ok {
				break
			}
			sum := out[id]
			add(&sum, v)
			out[id] = sum
			id = g.ParentID
		}
	}
	return out
}

// inOrder sorts grids by their parent's name, then their own name, then
// id: the order of a printed report.
func (t *tree) inOrder(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b int64) int {
		ga, gb := t.grids[a], t.grids[b]
		return cmp.Or(cmp.Compare(t.grids[ga.ParentID].Name, t.grids[gb.ParentID].Name), cmp.Compare(ga.Name, gb.Name), cmp.Compare(a, b))
	})
	return out
}
