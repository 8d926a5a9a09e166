package playback

import (
	"context"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/read"
)

// Coverage is the figures of a level's grids on a day: live (as they are
// now) for today without an instant, otherwise as of At. The fields are
// in the order of their JSON names.
type Coverage struct {
	At          time.Time          `json:"at"`
	Day         string             `json:"day"`
	Denominator string             `json:"denominator"`
	Grids       []coverage.Figures `json:"grids"`
	Live        bool               `json:"live"`
}

// When chooses the figures of a coverage read: Day (YYYY-MM-DD, local)
// and At (RFC 3339), either, both or neither.
type When struct {
	Day, At string
}

// resolve turns w into a local day and the instant its figures are as of;
// live is true for today without an instant. A day with no instant is as
// of its end; an instant alone names its own local day; an instant with
// a day must lie in that day. Neither may be in the future.
func (s *Service) resolve(w When) (day string, at time.Time, live bool, err error) {
	now := s.now()
	day, start, end, err := s.day("day", w.Day)
	if err != nil {
		return "", time.Time{}, false, err
	}
	if w.At == "" {
		if w.Day == "" || !end.Before(now) && !start.After(now) {
			return day, now, true, nil
		}
		return day, endOf(end), false, nil
	}
	at, err = time.Parse(time.RFC3339, w.At)
	switch {
	case err != nil:
		return "", time.Time{}, false, invalid("at", "want an RFC 3339 time such as 2026-12-01T18:00:00+08:00, got %q", clip(w.At))
	case at.After(now):
		return "", time.Time{}, false, invalid("at", "is in the future")
	case w.Day == "":
		day = at.In(s.loc).Format(time.DateOnly)
	case at.Before(start) || !at.Before(end):
		return "", time.Time{}, false, invalid("at", "lies outside the day %s", day)
	}
	return day, at, false, nil
}

// Coverage returns the figures of every grid of a level (1 to 3) in p's
// scope: live for today, else as they stood at the end of a past day or
// at an instant, rolled up by the hierarchy of then. Before the area
// existed there are no grids to give.
func (s *Service) Coverage(ctx context.Context, p *auth.Principal, level int, w When) (Coverage, error) {
	day, at, live, err := s.resolve(w)
	if err != nil {
		return Coverage{}, err
	}
	if live {
		c, err := s.live.CoverageLevel(ctx, p, level)
		return Coverage{At: at, Day: c.Day, Denominator: c.Denominator, Grids: c.Grids, Live: true}, err
	}
	if level < 1 || level > 3 {
		return Coverage{}, invalid("level", "required: 1, 2 or 3")
	}
	t, sums, err := s.asOf(ctx, day, at)
	if err != nil {
		return Coverage{}, err
	}
	c := Coverage{At: at, Day: day, Denominator: Denominator, Grids: []coverage.Figures{}}
	for _, g := range t.sorted() {
		if g.Level == level && t.within(p.Scope().Root, g.ID) {
			c.Grids = append(c.Grids, coverage.FiguresOf(g.ID, sums[g.ID]))
		}
	}
	return c, nil
}

// asOf counts the leaves as of at for day and rolls them up by the
// hierarchy of then.
func (s *Service) asOf(ctx context.Context, day string, at time.Time) (*tree, map[int64]coverage.Tally, error) {
	gs, err := s.store.GridsAsOf(ctx, at)
	if err != nil {
		return nil, nil, err
	}
	leaves, err := s.leavesAsOf(ctx, day, at)
	if err != nil {
		return nil, nil, err
	}
	t := newTree(gs)
	return t, t.rollup(leaves), nil
}

// leavesAsOf counts the compound grids as of at for day: the kept
// figures when at is the end of a closed day, else a count.
func (s *Service) leavesAsOf(ctx context.Context, day string, at time.Time) (map[int64]coverage.Tally, error) {
	start, err := time.ParseInLocation(time.DateOnly, day, s.loc)
	if end := start.AddDate(0, 0, 1); err == nil && at.Equal(endOf(end)) && s.closed(end) {
		d, err := s.store.ReportDay(ctx, day, start, end, s.loc.String())
		return d.Leaves, err
	}
	return s.store.CoverageLeavesAsOf(ctx, day, at)
}

// The days one history request may span.
const (
	HistoryDays    = 30
	MaxHistoryDays = 92
)

// Day is one day of a grid's coverage history: its figures at the end of
// the day (today: now).
type Day struct {
	Day     string           `json:"day"`
	Figures coverage.Figures `json:"figures"`
}

// History returns a grid's figures at the end of each local day from
// from to to (to: today by default; from: HistoryDays days before to),
// at most MaxHistoryDays days, skipping days on which the grid did not
// exist. A scoped principal names a current grid of their scope; those
// who see the whole area may name a retired one.
func (s *Service) History(ctx context.Context, p *auth.Principal, grid int64, from, to string) ([]Day, error) {
	if err := s.scopes.CheckPast(ctx, p, "id", grid); err != nil {
		return nil, err
	}
	to, _, end, err := s.day("to", to)
	if err != nil {
		return nil, err
	}
	if from == "" {
		from = end.AddDate(0, 0, -HistoryDays).Format(time.DateOnly)
	}
	from, start, _, err := s.day("from", from)
	switch {
	case err != nil:
		return nil, err
	case from > to:
		return nil, invalid("from", "%s is after to (%s)", from, to)
	case start.AddDate(0, 0, MaxHistoryDays).Before(end):
		return nil, invalid("from", "want at most %d days from from to to", MaxHistoryDays)
	}
	out := []Day{}
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		at := endOf(d.AddDate(0, 0, 1))
		if now := s.now(); at.After(now) {
			at = now
		}
		t, sums, err := s.asOf(ctx, d.Format(time.DateOnly), at)
		if err != nil {
			return nil, err
		}
		if t.has(grid) {
			out = append(out, Day{Day: d.Format(time.DateOnly), Figures: coverage.FiguresOf(grid, sums[grid])})
		}
	}
	if len(out) == 0 {
		return out, s.exists(ctx, grid)
	}
	return out, nil
}

// Denominator says what the percentages are of (read.Denominator).
const Denominator = read.Denominator

// exists is NotFound naming id unless grid is a current grid (a history
// with no day in its span is then simply empty).
func (s *Service) exists(ctx context.Context, grid int64) error {
	h, err := s.scopes.Hierarchy(ctx)
	if err == nil && !h.Has(grid) {
		err = &model.Error{Kind: model.NotFound, Field: "id", Msg: "id: no grid had this id in these days"}
	}
	return err
}
