package read

import (
	"context"
	"strconv"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// Nucleic-acid sampling sites and rounds of testing (issue 13): the sites
// of the principal's scope with their state now, and a round's
// completeness per compound grid.

// Sites are the sampling sites of a grid's subtree with their state on Day.
type Sites struct {
	Day   string               `json:"day"`
	Sites []store.SamplingSite `json:"sites"`
	// Truncated: there are more than store.ListCap; the first are listed.
	Truncated bool `json:"truncated"`
}

// SamplingSites returns the active sampling sites of grid's subtree (0:
// the whole of p's scope), each with its queue, tested count and
// throughput now (store.SamplingSite).
func (s *Service) SamplingSites(ctx context.Context, p *auth.Principal, grid int64) (Sites, error) {
	grids, err := s.gridsOf(ctx, p, grid)
	if err != nil {
		return Sites{}, err
	}
	clk := store.ClockAt(s.now(), s.cov.Location())
	list, more, err := s.store.SamplingSites(ctx, grids, clk)
	return Sites{Day: clk.Day, Sites: list, Truncated: more}, err
}

// gridsOf is grid's subtree (the parameter "grid") checked against p's
// scope, or with grid 0 p's scope: nil for the whole area.
func (s *Service) gridsOf(ctx context.Context, p *auth.Principal, grid int64) ([]int64, error) {
	if grid == 0 {
		return s.scopes.ScopeIDs(ctx, p)
	}
	if err := s.scopes.CheckGrid(ctx, p, "grid", grid); err != nil {
		return nil, err
	}
	h, err := s.scopes.Hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	return auth.Scope{Root: grid}.GridIDs(h), nil
}

// SamplingRounds returns the rounds that concern grid (0: p's scope
// root): those over a grid of its subtree and those over one of its
// ancestors (a subdistrict's round is every compound's), newest first.
func (s *Service) SamplingRounds(ctx context.Context, p *auth.Principal, grid int64) ([]store.SamplingRound, error) {
	grids, err := s.gridsOf(ctx, p, grid)
	if err != nil {
		return nil, err
	}
	if len(grids) == 0 { // nil: the whole area; empty: a retired grid
		return s.store.SamplingRounds(ctx, grids)
	}
	h, err := s.scopes.Hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	for a := h.Parent(grids[0]); a != 0; a = h.Parent(a) {
		grids = append(grids, a)
	}
	return s.store.SamplingRounds(ctx, grids)
}

// RoundTotal is a round's households and screened ones over the grids shown.
type RoundTotal struct {
	Households int      `json:"households"`
	Screened   int      `json:"screened"`
	Pct        *float64 `json:"pct"`
}

// Round is a round of testing with its completeness per compound grid.
type Round struct {
	Round       store.SamplingRound `json:"round"`
	Denominator string              `json:"denominator"`
	Screened    []string            `json:"screened_outcomes"`
	Grids       []store.RoundGrid   `json:"grids"`
	Total       RoundTotal          `json:"total"`
}

// RoundDenominator says in words what a round's percentages are of.
const RoundDenominator = "pct is of occupied households (vacant and demolished ones are excluded); a household counts as screened when its latest screening report of the round's day has an outcome in screened_outcomes, as for coverage"

// SamplingRound returns round id with the completeness of each compound
// grid under its grid that p may see: a scoped principal sees a round
// over their grid's subtree, or over an ancestor of their grid limited to
// their own compounds. Households are counted as they are now (they have
// no history); a round whose grid was since retired has no grids.
func (s *Service) SamplingRound(ctx context.Context, p *auth.Principal, id int64) (Round, error) {
	r, err := s.store.SamplingRound(ctx, id)
	if err != nil {
		return Round{}, notFoundAs(err, "id", "sampling round")
	}
	h, err := s.scopes.Hierarchy(ctx)
	if err != nil {
		return Round{}, err
	}
	root := r.GridID
	if scope := p.Scope(); !scope.Contains(h, root) {
		if !(auth.Scope{Root: root}).Contains(h, scope.Root) {
			return Round{}, &model.Error{Kind: model.Forbidden, Field: "id", Code: model.CodeOutsideScope,
				Msg: "id: round " + strconv.FormatInt(id, 10) + " is over a grid outside yours"}
		}
		root = scope.Root
	}
	var leaves []int64
	for _, g := range (auth.Scope{Root: root}).GridIDs(h) {
		if h.Level(g) == 3 {
			leaves = append(leaves, g)
		}
	}
	screened := model.ScreenedOutcomes()
	grids, err := s.store.RoundCompleteness(ctx, leaves, r.Day, screened)
	if err != nil {
		return Round{}, err
	}
	out := Round{Round: r, Denominator: RoundDenominator, Screened: screened, Grids: grids}
	for i := range grids {
		g := &grids[i]
		g.Pct = coverage.Percent(int64(g.Screened), int64(g.Households))
		out.Total.Households += g.Households
		out.Total.Screened += g.Screened
	}
	out.Total.Pct = coverage.Percent(int64(out.Total.Screened), int64(out.Total.Households))
	return out, nil
}
