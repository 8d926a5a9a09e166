// Package playback holds the rules of looking back: the coverage figures
// of a past day or instant and their daily series, and a day's playback
// of a grid (its volunteers' fixes with a summary each, and its screening
// counts in steps through the day). What a principal may see is their
// scope, as for live reads; the past's hierarchy is the grids that
// existed then (store.GridsAsOf), so a grid since split or merged is
// still counted in the area it belonged to. It calls the store through a
// small interface and names no HTTP status.
package playback

import (
	"context"
	"fmt"
	"time"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/read"
	"github.com/gridmap/gridmap/store"
)

// Store is what the service reads from the database (store.Store in the
// product).
type Store interface {
	CoverageLeavesAsOf(ctx context.Context, day string, at time.Time) (map[int64]coverage.Tally, error)
	GridsAsOf(ctx context.Context, at time.Time) ([]store.GridAsOf, error)
	TeamVolunteers(ctx context.Context, grids []int64) ([]store.TeamVolunteer, error)
	PositionsBetween(ctx context.Context, volunteers []int64, from, to time.Time) ([]model.Position, error)
	ScreeningChanges(ctx context.Context, day string, leaves []int64, from time.Time, step time.Duration) ([]store.ScreeningChange, error)
	DayActivity(ctx context.Context, day string) (map[int64]store.Activity, error)
	OpenTasks(ctx context.Context) (map[int64]store.Activity, error)
	ScreenedByDay(ctx context.Context, from, to, zone string, now time.Time) ([]store.ScreenedOn, error)
	ReportDay(ctx context.Context, day string, start, end time.Time, zone string) (store.ClosedDay, error)
	ReportDaysScreened(ctx context.Context, from, to string, start time.Time, zone string) ([]store.ScreenedOn, error)
}

// Live gives today's figures as they are now (read.Service in the
// product).
type Live interface {
	CoverageLevel(ctx context.Context, p *auth.Principal, level int) (read.Coverage, error)
}

// Service holds the rules of looking back. Safe for concurrent use.
type Service struct {
	store  Store
	scopes *access.Scopes
	live   Live
	loc    *time.Location
	now    func() time.Time
}

// New returns the service reading st, limiting by scopes, with today's
// live figures from live; loc is the area's time zone (its days), now
// the clock (nil for time.Now).
func New(st Store, scopes *access.Scopes, live Live, loc *time.Location, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, scopes: scopes, live: live, loc: loc, now: now}
}

// day parses a local day named by field ("" gives today) and returns it
// with its first instant and the instant it ends (exclusive). A day after
// today is Invalid.
func (s *Service) day(field, v string) (string, time.Time, time.Time, error) {
	today := s.now().In(s.loc).Format(time.DateOnly)
	if v == "" {
		v = today
	}
	start, err := time.ParseInLocation(time.DateOnly, v, s.loc)
	switch {
	case err != nil || start.Format(time.DateOnly) != v:
		return "", time.Time{}, time.Time{}, invalid(field, "want a date YYYY-MM-DD, got %q", clip(v))
	case v > today:
		return "", time.Time{}, time.Time{}, invalid(field, "%s is after today (%s)", v, today)
	}
	return v, start, start.AddDate(0, 0, 1), nil
}

// endOf is the last instant of a day that ends at end: what "the figures
// at the end of the day" are as of (the store's instants are microseconds).
func endOf(end time.Time) time.Time { return end.Add(-time.Microsecond) }

// closed reports whether the day ending at end is over for good: its
// figures are counted once and kept (store.ReportDay).
func (s *Service) closed(end time.Time) bool { return !s.now().Before(end.Add(store.ReportGrace)) }

// invalid is an Invalid error naming the parameter at fault.
func invalid(field, format string, args ...any) *model.Error {
	return &model.Error{Kind: model.Invalid, Field: field, Msg: field + ": " + fmt.Sprintf(format, args...)}
}

// clip shortens echoed input so an error never grows with it.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
