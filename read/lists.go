package read

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// Person returns a person in p's scope (by their home grid; one with none
// only to unscoped roles), masked for p.
func (s *Service) Person(ctx context.Context, p *auth.Principal, id int64) (store.Person, error) {
	grid, err := s.store.PersonGrid(ctx, id)
	if err == nil {
		err = s.scopes.CheckPersonGrid(ctx, p, "id", grid)
	}
	var person store.Person
	if err == nil {
		person, err = s.store.Person(ctx, id)
	}
	if err != nil {
		return person, notFoundAs(err, "id", "person")
	}
	return MaskPerson(p, person), nil
}

// Gaps returns what needs doing in a grid's subtree today, names and
// phones masked for p.
func (s *Service) Gaps(ctx context.Context, p *auth.Principal, grid int64) (*store.Gaps, error) {
	grids, err := s.subtree(ctx, p, grid)
	if err != nil {
		return nil, err
	}
	now := s.now()
	g, err := s.store.GridGaps(ctx, grid, grids, s.cov.Today(now), now)
	if err != nil {
		return nil, err
	}
	maskGaps(p, g)
	return g, nil
}

// Gap pages.
const (
	DefaultGapPage = 500
	MaxGapPage     = store.GapLimit
)

// GapPage returns a page of one kind of gap of a grid's subtree (the
// field of that kind filled), masked for p, and the cursor of the next
// page ("" after the last).
func (s *Service) GapPage(ctx context.Context, p *auth.Principal, grid int64, kind, after string, limit int) (*store.Gaps, string, error) {
	if !slices.Contains(store.GapLists, kind) {
		return nil, "", &model.Error{Kind: model.NotFound, Field: "kind", Msg: fmt.Sprintf("kind: no gap list %q; want one of %v", kind, store.GapLists)}
	}
	if limit == 0 {
		limit = DefaultGapPage
	}
	if limit < 1 || limit > MaxGapPage {
		return nil, "", invalid("limit", "want 1 to %d", MaxGapPage)
	}
	grids, err := s.subtree(ctx, p, grid)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	g, next, err := s.store.GapPage(ctx, grid, grids, s.cov.Today(now), now, kind, after, limit)
	if errors.Is(err, store.ErrBadCursor) {
		return nil, "", invalid("after", "want the next cursor of the page before")
	}
	if err != nil {
		return nil, "", err
	}
	maskGaps(p, g)
	return g, next, nil
}

// maskGaps masks the names and phones of g for p.
func maskGaps(p *auth.Principal, g *store.Gaps) {
	for i := range g.OverdueVisits {
		v := &g.OverdueVisits[i]
		v.Name, v.Phone = access.MaskName(p, v.Name), access.MaskPhone(p, v.Phone)
	}
	for i := range g.OpenRequests {
		q := &g.OpenRequests[i]
		q.Caller, q.Phone = access.MaskNamePtr(p, q.Caller), access.MaskPhone(p, q.Phone)
	}
}

// Ledger returns the vulnerable residents of a grid's subtree with their
// visits, masked for p, and whether there are more than store.ListCap.
func (s *Service) Ledger(ctx context.Context, p *auth.Principal, grid int64) ([]store.LedgerEntry, bool, error) {
	grids, err := s.subtree(ctx, p, grid)
	if err != nil {
		return nil, false, err
	}
	entries, more, err := s.store.Ledger(ctx, grids, s.now())
	for i := range entries {
		entries[i].Name, entries[i].Phone = access.MaskName(p, entries[i].Name), access.MaskPhone(p, entries[i].Phone)
	}
	return entries, more, err
}

// PartyMembers returns the party members of a grid's subtree with their
// points, masked for p, and whether there are more than store.ListCap.
func (s *Service) PartyMembers(ctx context.Context, p *auth.Principal, grid int64) ([]store.PartyMemberActivity, bool, error) {
	grids, err := s.subtree(ctx, p, grid)
	if err != nil {
		return nil, false, err
	}
	list, more, err := s.store.PartyMembers(ctx, grids, s.now())
	for i := range list {
		list[i].Name, list[i].Phone = access.MaskName(p, list[i].Name), access.MaskPhone(p, list[i].Phone)
	}
	return list, more, err
}

// The hotline requests a list shows besides the open ones: those received
// in the last RequestDays days, by default.
const (
	RequestDays    = 7
	MaxRequestDays = 90
)

// RequestFilter chooses a grid's hotline requests: State "open" (or
// empty) for the open ones, "all" for those and the ones received in the
// last Days days.
type RequestFilter struct {
	State string
	Days  int
}

// Validate checks the state and the days (0 for RequestDays).
func (f *RequestFilter) Validate() error {
	switch {
	case f.State != "" && f.State != "open" && f.State != "all":
		return invalid("state", "want open or all")
	case f.Days < 0 || f.Days > MaxRequestDays:
		return invalid("days", "want 1 to %d", MaxRequestDays)
	}
	return nil
}

// Requests returns the hotline requests of a grid's subtree that f
// chooses, callers masked for p.
func (s *Service) Requests(ctx context.Context, p *auth.Principal, grid int64, f RequestFilter) ([]store.Request, bool, error) {
	if err := f.Validate(); err != nil {
		return nil, false, err
	}
	if f.Days == 0 {
		f.Days = RequestDays
	}
	grids, err := s.subtree(ctx, p, grid)
	if err != nil {
		return nil, false, err
	}
	list, more, err := s.store.Requests(ctx, grids, f.State != "all", s.now().AddDate(0, 0, -f.Days))
	for i := range list {
		list[i].Caller, list[i].Phone = access.MaskNamePtr(p, list[i].Caller), access.MaskPhone(p, list[i].Phone)
	}
	return list, more, err
}
