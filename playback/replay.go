package playback

import (
	"context"
	"time"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
)

// Step is the resolution of a replay's counters: their value as of every
// five minutes of the day (289 values from midnight to midnight).
const Step = 5 * time.Minute

// Replay is a grid's day for playback: its volunteers' fixes and
// summaries, and its screening counts through the day, the grid's own
// first, then each child's. Counts[k] is as of From + k*Step.
type Replay struct {
	Grid       int64    `json:"grid"`
	Day        string   `json:"day"`
	From       int64    `json:"from"` // the day's first instant, Unix milliseconds
	To         int64    `json:"to"`   // its end, or now for today
	StepS      int      `json:"step_s"`
	Series     []Series `json:"series"`
	Volunteers []Track  `json:"volunteers"`
}

// Series is one grid's screening counts through the day, for counters and
// a coverage-over-time chart: households (occupied, the denominator),
// screened and fever (latest outcome fever) as of each step.
type Series struct {
	Grid       int64   `json:"grid"`
	Name       string  `json:"name"`
	Level      int     `json:"level"`
	Households int64   `json:"households"`
	Screened   []int64 `json:"screened"`
	Fevers     []int64 `json:"fevers"`
}

// Track is one volunteer's day: fixes as [t (Unix ms), lon, lat, grid],
// oldest first (compact: a day may hold thousands), and the summary.
type Track struct {
	ID       int64        `json:"id"`
	Name     string       `json:"name"`
	Team     string       `json:"team"`
	Colour   string       `json:"colour"`
	TeamGrid int64        `json:"team_grid"`
	Fixes    [][4]float64 `json:"fixes"`
	Summary  Summary      `json:"summary"`
}

// Replay returns a grid's local day (YYYY-MM-DD, "" for today) for
// playback: the volunteers of the teams whose area lies in the grid's
// subtree with their fixes of the day and a summary each (names masked
// for p), and the screening counts of the grid and its children in
// steps. A scoped principal names a current grid of their scope.
func (s *Service) Replay(ctx context.Context, p *auth.Principal, grid int64, day string) (*Replay, error) {
	if err := s.scopes.CheckPast(ctx, p, "grid", grid); err != nil {
		return nil, err
	}
	day, start, end, err := s.day("day", day)
	if err != nil {
		return nil, err
	}
	until := endOf(end)
	if now := s.now(); until.After(now) {
		until = now
	}
	t, sums, err := s.asOf(ctx, day, until)
	if err != nil {
		return nil, err
	}
	if !t.has(grid) {
		return nil, &model.Error{Kind: model.NotFound, Field: "grid", Msg: "grid: no grid had this id on " + day}
	}
	r := &Replay{Grid: grid, Day: day, From: start.UnixMilli(), To: until.UnixMilli(), StepS: int(Step / time.Second)}
	if r.Series, err = s.series(ctx, t, grid, day, start, end); err != nil {
		return nil, err
	}
	for i := range r.Series {
		r.Series[i].Households = sums[r.Series[i].Grid].Households
	}
	r.Volunteers, err = s.tracks(ctx, p, t, grid, start, end)
	return r, err
}

// series counts the screenings of grid and each of its children in steps
// through the day, with one statement over the day's reports.
func (s *Service) series(ctx context.Context, t *tree, grid int64, day string, start, end time.Time) ([]Series, error) {
	changes, err := s.store.ScreeningChanges(ctx, day, t.leaves(grid), start, Step)
	if err != nil {
		return nil, err
	}
	n := int(end.Sub(start)/Step) + 1
	out := []Series{}
	for _, id := range append([]int64{grid}, t.children[grid]...) {
		g := t.grids[id]
		sr := Series{Grid: id, Name: g.Name, Level: g.Level, Screened: make([]int64, n), Fevers: make([]int64, n)}
		for _, c := range changes {
			if c.Step < n && t.within(id, c.Grid) {
				sr.Screened[c.Step] += c.Screened
				sr.Fevers[c.Step] += c.Fevers
			}
		}
		for k := 1; k < n; k++ {
			sr.Screened[k] += sr.Screened[k-1]
			sr.Fevers[k] += sr.Fevers[k-1]
		}
		out = append(out, sr)
	}
	return out, nil
}

// tracks returns the day's fixes and summary of each volunteer of the
// teams whose area lies in grid's subtree.
func (s *Service) tracks(ctx context.Context, p *auth.Principal, t *tree, grid int64, start, end time.Time) ([]Track, error) {
	vols, err := s.store.TeamVolunteers(ctx, t.subtree(grid))
	if err != nil || len(vols) == 0 {
		return []Track{}, err
	}
	ids := make([]int64, len(vols))
	for i, v := range vols {
		ids[i] = v.ID
	}
	ps, err := s.store.PositionsBetween(ctx, ids, start, end)
	if err != nil {
		return nil, err
	}
	byVol := map[int64][]model.Position{}
	for _, pos := range ps {
		byVol[pos.VolunteerID] = append(byVol[pos.VolunteerID], pos)
	}
	out := make([]Track, len(vols))
	for i, v := range vols {
		fixes := byVol[v.ID]
		tr := Track{ID: v.ID, Name: access.MaskName(p, v.Name), Team: v.Team, Colour: v.Colour, TeamGrid: v.TeamGrid,
			Fixes: make([][4]float64, len(fixes))}
		for j, f := range fixes {
			tr.Fixes[j] = [4]float64{float64(f.At.UnixMilli()), f.Lon, f.Lat, float64(f.GridID)}
		}
		tr.Summary = Summarize(fixes, func(g int64) bool { return g != 0 && t.within(v.TeamGrid, g) })
		out[i] = tr
	}
	return out, nil
}
