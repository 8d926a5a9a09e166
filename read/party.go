package read

import (
	"context"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// PartyRoster returns the party layer of a grid's subtree (branches, their
// members with their registration, service hours this month and in all,
// tasks done and points), names and phones masked for p.
func (s *Service) PartyRoster(ctx context.Context, p *auth.Principal, grid int64) (*store.PartyRoster, error) {
	grids, err := s.subtree(ctx, p, grid)
	if err != nil {
		return nil, err
	}
	r, err := s.store.PartyRoster(ctx, grids, s.cov.Today(s.now()))
	if err != nil {
		return nil, err
	}
	for i := range r.Branches {
		b := &r.Branches[i]
		b.Secretary = access.MaskNamePtr(p, b.Secretary)
		for j := range b.Members {
			m := &b.Members[j]
			m.Name, m.Phone = access.MaskName(p, m.Name), access.MaskPhone(p, m.Phone)
		}
	}
	return r, nil
}

// ServiceRecords lists the service hours of a party member in p's scope.
func (s *Service) ServiceRecords(ctx context.Context, p *auth.Principal, person int64) ([]store.ServiceRecord, error) {
	grid, err := s.store.PartyMemberGrid(ctx, person)
	if err == nil {
		err = s.scopes.CheckGrid(ctx, p, "id", grid)
	}
	if err != nil {
		return nil, notFoundAs(err, "id", "party member")
	}
	return s.store.ServiceRecords(ctx, person)
}
