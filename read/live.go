package read

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/model"
)

// Volunteer is a volunteer near a point. The fields are in the order of
// their JSON names, so the answer reads as it did when it was a map.
type Volunteer struct {
	At        time.Time `json:"at"`
	DistanceM float64   `json:"distance_m"`
	ID        int64     `json:"id"`
	Lat       float64   `json:"lat"`
	Lon       float64   `json:"lon"`
	Name      string    `json:"name"`
	Team      string    `json:"team"`
	TeamID    int64     `json:"team_id"`
}

// The volunteers one answer may list.
const (
	NearestVolunteers    = 5
	MaxNearestVolunteers = 50
)

// Nearest returns up to n volunteers (0: NearestVolunteers) nearest a
// WGS84 point by their live positions, among those now in p's scope,
// names masked for p. Distances are rounded to the metre.
func (s *Service) Nearest(ctx context.Context, p *auth.Principal, lon, lat float64, n int) ([]Volunteer, error) {
	if err := checkPoint(lon, lat, n); err != nil {
		return nil, err
	}
	if n == 0 {
		n = NearestVolunteers
	}
	h, err := s.scopes.Hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	sc := p.Scope()
	near := s.pos.Nearest(lon, lat, n, func(grid int64) bool { return sc.All() || (grid != 0 && sc.Contains(h, grid)) })
	ids := make([]int64, len(near))
	for i, v := range near {
		ids[i] = v.VolunteerID
	}
	names, err := s.store.VolunteerNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Volunteer, len(near))
	for i, v := range near {
		nm := names[v.VolunteerID]
		out[i] = Volunteer{At: v.At, DistanceM: math.Round(v.Distance), ID: v.VolunteerID, Lat: v.Lat, Lon: v.Lon,
			Name: access.MaskName(p, nm.Name), Team: nm.Team, TeamID: v.TeamID}
	}
	return out, nil
}

// checkPoint checks a point and a count of volunteers.
func checkPoint(lon, lat float64, n int) error {
	switch {
	case math.IsNaN(lon) || lon < -180 || lon > 180:
		return invalid("lon", "required: longitude, WGS84")
	case math.IsNaN(lat) || lat < -90 || lat > 90:
		return invalid("lat", "required: latitude, WGS84")
	case n < 0 || n > MaxNearestVolunteers:
		return invalid("n", "want 1 to %d", MaxNearestVolunteers)
	}
	return nil
}

// A trail's length in minutes, by default and at most.
const (
	TrailMinutes    = 10
	MaxTrailMinutes = 24 * 60
)

// TrailPoint is one fix of a trail.
type TrailPoint struct {
	Lon  float64 `json:"lon"`
	Lat  float64 `json:"lat"`
	T    int64   `json:"t"` // Unix milliseconds
	Grid int64   `json:"g"`
}

// Trail returns a volunteer's positions of the last minutes (0:
// TrailMinutes). A scoped principal sees the trail of a volunteer who is
// now in their grids, and nobody else's.
func (s *Service) Trail(ctx context.Context, p *auth.Principal, volunteer int64, minutes int) ([]TrailPoint, error) {
	if minutes < 0 || minutes > MaxTrailMinutes {
		return nil, invalid("minutes", "want 1 to %d", MaxTrailMinutes)
	}
	if minutes == 0 {
		minutes = TrailMinutes
	}
	last, ok := s.pos.Latest(volunteer)
	if !ok {
		return nil, &model.Error{Kind: model.NotFound, Field: "id", Msg: "id: no recent position for this volunteer"}
	}
	if !p.Scope().All() {
		if err := s.scopes.CheckGrid(ctx, p, "id", last.GridID); err != nil || last.GridID == 0 {
			return nil, &model.Error{Kind: model.Forbidden, Field: "id", Code: model.CodeOutsideScope, Msg: "id: this volunteer is not in your grid"}
		}
	}
	ps, err := s.store.Trail(ctx, volunteer, s.now().Add(-time.Duration(minutes)*time.Minute))
	if err != nil {
		return nil, err
	}
	out := make([]TrailPoint, len(ps))
	for i, pos := range ps {
		out[i] = TrailPoint{Lon: pos.Lon, Lat: pos.Lat, T: pos.At.UnixMilli(), Grid: pos.GridID}
	}
	return out, nil
}

// Denominator says what the coverage percentages are of.
const Denominator = "households: occupied households (vacant and demolished ones are outside the denominator and counted in excluded); contact_pct and screened_pct are of households, head_pct of buildings"

// Coverage is the live figures of a level's grids. The fields are in the
// order of their JSON names, so the answer reads as it did when it was a
// map.
type Coverage struct {
	Day         string             `json:"day"`
	Denominator string             `json:"denominator"`
	Grids       []coverage.Figures `json:"grids"`
}

// CoverageLevel returns the figures of every grid of a level (1 to 3) in
// p's scope, by id, after making sure they are today's.
func (s *Service) CoverageLevel(ctx context.Context, p *auth.Principal, level int) (Coverage, error) {
	if level < 1 || level > 3 {
		return Coverage{}, invalid("level", "required: 1, 2 or 3")
	}
	h, err := s.Hierarchy(ctx)
	if err != nil {
		return Coverage{}, err
	}
	ids := p.Scope().GridIDs(h)
	if ids == nil {
		ids = h.All()
	}
	slices.Sort(ids)
	c := Coverage{Day: s.cov.Day(), Denominator: Denominator, Grids: []coverage.Figures{}}
	for _, id := range ids {
		if h.Level(id) == level {
			c.Grids = append(c.Grids, s.cov.Get(id))
		}
	}
	return c, nil
}

// Hierarchy makes sure the coverage figures are today's and returns the
// grid hierarchy to read them by.
func (s *Service) Hierarchy(ctx context.Context) (*auth.Hierarchy, error) {
	if err := s.cov.Fresh(ctx); err != nil {
		return nil, err
	}
	return s.scopes.Hierarchy(ctx)
}
