package field

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// Nucleic-acid sampling sites (核酸采样点): placing one, staff reports of
// queue and tested count, and rounds of testing (全员核酸).

// SamplingSiteInput places a sampling site at a point; its grid is the
// compound grid containing the point, which must be in the caller's scope.
type SamplingSiteInput struct {
	ClientID string  `json:"client_id"`
	Name     string  `json:"name"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	Opens    string  `json:"opens"`  // "HH:MM", local time
	Closes   string  `json:"closes"` // "HH:MM", after opens
}

// Validate checks in, trimming its text; the service calls it before
// anything else.
func (in *SamplingSiteInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	var err error
	if in.Name, err = text("name", in.Name, 1, 100); err != nil {
		return err
	}
	switch {
	case math.IsNaN(in.Lon) || in.Lon < -180 || in.Lon > 180 || in.Lon == 0:
		return invalid("lon", "required: longitude, WGS84")
	case math.IsNaN(in.Lat) || in.Lat < -90 || in.Lat > 90 || in.Lat == 0:
		return invalid("lat", "required: latitude, WGS84")
	}
	opens, err := clock("opens", in.Opens)
	if err != nil {
		return err
	}
	closes, err := clock("closes", in.Closes)
	if err != nil {
		return err
	}
	if !closes.After(opens) {
		return invalid("closes", "must be after opens (%s); a site open past midnight is two sites' hours, not supported", in.Opens)
	}
	return nil
}

// clock checks a local time of day "HH:MM".
func clock(field, v string) (time.Time, error) {
	t, err := time.Parse("15:04", v)
	if err != nil || len(v) != 5 {
		return t, invalid(field, "want a time of day HH:MM (00:00 to 23:59), got %q", v)
	}
	return t, nil
}

// AddSamplingSite places a sampling site. The compound grid containing
// the point is found by PostGIS in the write's transaction and checked
// against p's scope there (Forbidden naming lon); a point in no compound
// grid is Unprocessable naming lon.
func (s *Service) AddSamplingSite(ctx context.Context, p *auth.Principal, a store.Actor, in SamplingSiteInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	check := func(grid int64) error {
		err := s.scopes.CheckGrid(ctx, p, "lon", grid)
		if model.KindOf(err) == model.NotFound { // a grid newer than the cached hierarchy
			s.scopes.Invalidate()
			err = s.scopes.CheckGrid(ctx, p, "lon", grid)
		}
		if model.KindOf(err) == model.Forbidden {
			return &model.Error{Kind: model.Forbidden, Field: "lon", Err: err, Code: model.CodeOutsideScope,
				Msg: "lon: the point lies in grid " + strconv.FormatInt(grid, 10) + ", outside your grid"}
		}
		return err
	}
	t := target{field: "lon", what: "grid"}
	return s.commit(ctx, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.AddSamplingSite(ctx, a, in.ClientID, s.clock(), store.SamplingSiteInput{
			Name: in.Name, Lon: in.Lon, Lat: in.Lat, Opens: in.Opens, Closes: in.Closes}, check)
	})
}

// SamplingReportInput is a report from sampling site SiteID: the queue
// now and the people sampled since the previous report (an increment).
type SamplingReportInput struct {
	SiteID   int64  `json:"-"`
	ClientID string `json:"client_id"`
	Queue    *int   `json:"queue"`
	Tested   int    `json:"tested"`
}

// Validate checks in; the service calls it before anything else.
func (in *SamplingReportInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	switch {
	case in.Queue == nil:
		return invalid("queue", "required: the number of people waiting now, 0 or more")
	case *in.Queue < 0 || *in.Queue > 10_000:
		return invalid("queue", "want 0 to 10000 people waiting")
	case in.Tested < 0 || in.Tested > 100_000:
		return invalid("tested", "want 0 to 100000: people sampled since your previous report")
	}
	return nil
}

// ReportSampling records a report from a sampling site in p's scope.
func (s *Service) ReportSampling(ctx context.Context, p *auth.Principal, a store.Actor, in SamplingReportInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "sampling site", in.SiteID, s.store.SamplingSiteGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.ReportSampling(ctx, a, in.ClientID, s.clock(), in.SiteID, *in.Queue, in.Tested)
	})
}

// The days a round of testing may be recorded for, around today.
const (
	RoundDaysBack  = 366
	RoundDaysAhead = 30
)

// SamplingRoundInput is a round of testing: a day over a grid's subtree.
type SamplingRoundInput struct {
	ClientID string `json:"client_id"`
	Day      string `json:"day"`
	GridID   int64  `json:"grid_id"`
	Name     string `json:"name"`
}

// Validate checks in against today, trimming its text; the service calls
// it before anything else.
func (in *SamplingRoundInput) Validate(today string) error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	d, err := date("day", in.Day)
	if err != nil {
		return err
	}
	t, _ := time.Parse(time.DateOnly, today)
	if d.Before(t.AddDate(0, 0, -RoundDaysBack)) || d.After(t.AddDate(0, 0, RoundDaysAhead)) {
		return invalid("day", "want a day from %d days before today (%s) to %d days after", RoundDaysBack, today, RoundDaysAhead)
	}
	if in.GridID <= 0 {
		return invalid("grid_id", "required: the grid whose subtree the round covers")
	}
	in.Name, err = text("name", in.Name, 1, 100)
	return err
}

// AddSamplingRound records a round of testing over a grid of p's scope (a
// grid that does not exist is Invalid: its id is a value of the body).
func (s *Service) AddSamplingRound(ctx context.Context, p *auth.Principal, a store.Actor, in SamplingRoundInput) (store.WriteResult, error) {
	if err := in.Validate(s.today()); err != nil {
		return store.WriteResult{}, err
	}
	t := target{field: "grid_id", what: "grid", grid: in.GridID}
	if err := s.check(ctx, p, t); err != nil {
		if model.KindOf(err) == model.NotFound {
			return store.WriteResult{}, invalid("grid_id", "no current grid has this id")
		}
		return store.WriteResult{}, err
	}
	return s.commit(ctx, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.AddSamplingRound(ctx, a, in.ClientID, store.RoundInput{Day: in.Day, GridID: in.GridID, Name: in.Name})
	})
}

// clock is the site clock now.
func (s *Service) clock() store.SiteClock { return store.ClockAt(s.now(), s.cov.Location()) }
