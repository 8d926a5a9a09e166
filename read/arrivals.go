package read

import (
	"context"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// Arrivals is the roster of people arriving in a grid's subtree on a
// local day.
type Arrivals struct {
	Day      string          `json:"day"`
	Arrivals []store.Arrival `json:"arrivals"`
	// Truncated: there are more than store.ListCap; the first are listed.
	Truncated bool `json:"truncated"`
}

// Arrivals returns the roster of grid's subtree (0: p's scope), today's
// days of observation left, names and phones masked for p.
func (s *Service) Arrivals(ctx context.Context, p *auth.Principal, grid int64) (Arrivals, error) {
	grids, err := s.gridsOf(ctx, p, grid)
	if err != nil {
		return Arrivals{}, err
	}
	day := s.cov.Day()
	list, more, err := s.store.Arrivals(ctx, grids, day)
	for i := range list {
		list[i].Name, list[i].Phone = access.MaskName(p, list[i].Name), access.MaskPhone(p, list[i].Phone)
	}
	return Arrivals{Day: day, Arrivals: list, Truncated: more}, err
}
