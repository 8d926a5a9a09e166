// Package read holds the rules of the read API: what each list is
// limited to (the principal's scope, a grid's subtree, a cap on
// buildings, the days of requests), who sees a retired grid's successors,
// which names and phones are masked (access.MaskName), the volunteers
// nearest a point and a volunteer's trail. It calls the store through a
// small interface and names no HTTP status, so a report generator or the
// command line can read by the same rules as the server.
package read

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// Store is what the service reads from the database (store.Store in the
// product).
type Store interface {
	Grids(ctx context.Context, f store.GridFilter) ([]store.GridFeature, error)
	Grid(ctx context.Context, id int64) (*store.GridDetail, error)
	GridVersions(ctx context.Context, id int64) (*store.GridHistory, error)
	Tree(ctx context.Context, root int64, asof *time.Time) ([]*store.TreeNode, error)
	Buildings(ctx context.Context, f store.BuildingFilter) ([]store.BuildingFeature, bool, error)
	BuildingGrid(ctx context.Context, id int64) (int64, error)
	Households(ctx context.Context, buildingID int64, today string) ([]store.Household, error)
	Person(ctx context.Context, id int64) (store.Person, error)
	PersonGrid(ctx context.Context, id int64) (int64, error)
	GridGaps(ctx context.Context, grid int64, leaves []int64, today string, now time.Time) (*store.Gaps, error)
	GapPage(ctx context.Context, grid int64, leaves []int64, today string, now time.Time, kind, after string, limit int) (*store.Gaps, string, error)
	Ledger(ctx context.Context, leaves []int64, now time.Time) ([]store.LedgerEntry, bool, error)
	Requests(ctx context.Context, leaves []int64, openOnly bool, since time.Time) ([]store.Request, bool, error)
	PartyMembers(ctx context.Context, grids []int64, now time.Time) ([]store.PartyMemberActivity, bool, error)
	WallCounts(ctx context.Context, grids []int64, onDutySince, now time.Time) (store.WallCounts, error)
	Trail(ctx context.Context, volunteerID int64, since time.Time) ([]model.Position, error)
	VolunteerNames(ctx context.Context, ids []int64) (map[int64]store.VolunteerName, error)
	SamplingSites(ctx context.Context, leaves []int64, clk store.SiteClock) ([]store.SamplingSite, bool, error)
	SamplingRounds(ctx context.Context, grids []int64) ([]store.SamplingRound, error)
	SamplingRound(ctx context.Context, id int64) (store.SamplingRound, error)
	RoundCompleteness(ctx context.Context, leaves []int64, day string, screened []string) ([]store.RoundGrid, error)
	Arrivals(ctx context.Context, grids []int64, today string) ([]store.Arrival, bool, error)
	PartyRoster(ctx context.Context, grids []int64, today string) (*store.PartyRoster, error)
	PartyMemberGrid(ctx context.Context, id int64) (int64, error)
	ServiceRecords(ctx context.Context, person int64) ([]store.ServiceRecord, error)
}

// Positions are the volunteers' latest positions (live.Hub in the product).
type Positions interface {
	Latest(volunteer int64) (model.Position, bool)
	Nearest(lon, lat float64, n int, keep func(grid int64) bool) []live.Near
}

// Figures are the live coverage figures (field.Coverage in the product).
type Figures interface {
	Fresh(ctx context.Context) error
	Today(t time.Time) string
	Location() *time.Location
	Day() string
	Get(grid int64) coverage.Figures
}

// Service holds the rules of reads. Safe for concurrent use.
type Service struct {
	store  Store
	scopes *access.Scopes
	pos    Positions
	cov    Figures
	now    func() time.Time
}

// New returns the service reading st and pos, limiting by scopes, with
// the figures of cov; now is the clock (nil for time.Now).
func New(st Store, scopes *access.Scopes, pos Positions, cov Figures, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, scopes: scopes, pos: pos, cov: cov, now: now}
}

// subtree checks grid against p's scope (field "id") and returns every
// grid of its subtree, grid included.
func (s *Service) subtree(ctx context.Context, p *auth.Principal, grid int64) ([]int64, error) {
	if err := s.scopes.CheckGrid(ctx, p, "id", grid); err != nil {
		return nil, err
	}
	h, err := s.scopes.Hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	return auth.Scope{Root: grid}.GridIDs(h), nil
}

// invalid is an Invalid error naming the parameter at fault.
func invalid(field, format string, args ...any) *model.Error {
	return &model.Error{Kind: model.Invalid, Field: field, Msg: field + ": " + fmt.Sprintf(format, args...)}
}

// notFoundAs turns store.ErrNotFound into NotFound naming field.
func notFoundAs(err error, field, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &model.Error{Kind: model.NotFound, Field: field, Msg: field + ": no " + what + " has this id"}
	}
	return err
}
