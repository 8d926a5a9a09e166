package read

import (
	"context"
	"errors"
	"time"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// Grids returns the grids matching f inside p's scope (f.InGrids is set
// here), leaders' names masked for p.
func (s *Service) Grids(ctx context.Context, p *auth.Principal, f store.GridFilter) ([]store.GridFeature, error) {
	var err error
	if f.InGrids, err = s.scopes.ScopeIDs(ctx, p); err != nil {
		return nil, err
	}
	gs, err := s.store.Grids(ctx, f)
	for i := range gs {
		gs[i].LeaderName = access.MaskNamePtr(p, gs[i].LeaderName)
	}
	return gs, err
}

// Grid returns a current grid in p's scope, its leader's name masked for
// p. A grid a split or merge retired comes back as its history (gone),
// with where its area went, but only to principals who see the whole
// area: the successors may lie outside a scoped principal's grid.
func (s *Service) Grid(ctx context.Context, p *auth.Principal, id int64) (g *store.GridDetail, gone *store.GridHistory, err error) {
	err = s.scopes.CheckGrid(ctx, p, "id", id)
	if model.KindOf(err) == model.NotFound && p.Scope().All() {
		h, herr := s.store.GridVersions(ctx, id)
		if herr != nil || h.RetiredAt == nil {
			return nil, nil, notFoundAs(store.ErrNotFound, "id", "current grid")
		}
		return nil, h, nil
	}
	if err != nil {
		return nil, nil, err
	}
	g, err = s.store.Grid(ctx, id)
	if err != nil {
		return nil, nil, notFoundAs(err, "id", "current grid")
	}
	if g.Leader != nil {
		g.Leader.Name = access.MaskName(p, g.Leader.Name)
		g.LeaderName = &g.Leader.Name
	}
	return g, nil, nil
}

// Tree returns the hierarchy below root (0: from the top of p's scope),
// now or as of a time.
func (s *Service) Tree(ctx context.Context, p *auth.Principal, root int64, asof *time.Time) ([]*store.TreeNode, error) {
	if root == 0 {
		root = p.Scope().Root
	}
	if root != 0 {
		if err := s.scopes.CheckGrid(ctx, p, "root", root); err != nil {
			return nil, err
		}
	}
	roots, err := s.store.Tree(ctx, root, asof)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &model.Error{Kind: model.NotFound, Field: "root", Msg: "root: no current grid has this id", Err: err}
	}
	return roots, err
}

// The buildings of one answer: a map draws thousands of points, but not
// a whole city's.
const (
	DefaultBuildings = 5000
	MaxBuildings     = 20000
)

// Buildings returns up to f.Limit buildings (0: DefaultBuildings) of a
// grid or a box inside p's scope, head names masked for p, and whether
// more matched.
func (s *Service) Buildings(ctx context.Context, p *auth.Principal, f store.BuildingFilter) ([]store.BuildingFeature, bool, error) {
	var err error
	switch {
	case f.GridID == 0 && f.BBox == nil:
		err = invalid("bbox", "give grid or bbox (or both)")
	case f.Limit < 0 || f.Limit > MaxBuildings:
		err = invalid("limit", "want an integer from 1 to %d", MaxBuildings)
	case f.GridID != 0:
		err = s.scopes.CheckGrid(ctx, p, "grid", f.GridID)
	}
	if err == nil {
		f.InGrids, err = s.scopes.ScopeIDs(ctx, p)
	}
	if err != nil {
		return nil, false, err
	}
	if f.Limit == 0 {
		f.Limit = DefaultBuildings
	}
	bs, truncated, err := s.store.Buildings(ctx, f)
	for i := range bs {
		bs[i].HeadName = access.MaskNamePtr(p, bs[i].HeadName)
	}
	return bs, truncated, err
}

// Households returns a building's households with today's state, their
// contacts masked for p.
func (s *Service) Households(ctx context.Context, p *auth.Principal, building int64) ([]store.Household, error) {
	grid, err := s.store.BuildingGrid(ctx, building)
	if err == nil {
		err = s.scopes.CheckGrid(ctx, p, "id", grid)
	}
	if err != nil {
		return nil, notFoundAs(err, "id", "building")
	}
	hs, err := s.store.Households(ctx, building, s.cov.Today(s.now()))
	for i := range hs {
		if hs[i].Contact != nil {
			c := MaskPerson(p, *hs[i].Contact)
			hs[i].Contact = &c
		}
	}
	return hs, err
}

// MaskPerson returns a person as p may see them.
func MaskPerson(p *auth.Principal, person store.Person) store.Person {
	person.Name, person.Phone = access.MaskName(p, person.Name), access.MaskPhone(p, person.Phone)
	return person
}
