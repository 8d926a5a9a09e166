// Package access is the scope check of every request, HTTP or not: the
// grid hierarchy of the area, cached in memory and reloaded when a few
// seconds old (so changes made by other instances or the command line
// show up), and the checks of a principal's scope over it. It names no
// HTTP status: a grid that does not exist is model.NotFound, one outside
// the principal's scope model.Forbidden.
package access

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
)

// maxAge is how long a loaded hierarchy is used before it is reloaded.
const maxAge = 10 * time.Second

// Source loads the current grid hierarchy (store.Store in the product).
type Source interface {
	Hierarchy(ctx context.Context) (*auth.Hierarchy, error)
}

// Follower is told of each hierarchy loaded (live.Hub in the product,
// which routes viewers' subscriptions by it).
type Follower interface {
	SetHierarchy(*auth.Hierarchy)
}

// Scopes holds the cached hierarchy and checks scopes over it. Safe for
// concurrent use.
type Scopes struct {
	src    Source
	follow Follower // may be nil
	now    func() time.Time

	mu     sync.Mutex
	hier   *auth.Hierarchy
	loaded time.Time
}

// New returns scopes over src's hierarchy; follow, if not nil, gets each
// hierarchy loaded; now is the clock (nil for time.Now).
func New(src Source, follow Follower, now func() time.Time) *Scopes {
	if now == nil {
		now = time.Now
	}
	return &Scopes{src: src, follow: follow, now: now}
}

// Hierarchy returns the grid hierarchy, reloading it when it is older
// than maxAge or was invalidated.
func (s *Scopes) Hierarchy(ctx context.Context) (*auth.Hierarchy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hier != nil && s.now().Sub(s.loaded) < maxAge {
		return s.hier, nil
	}
	h, err := s.src.Hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	s.hier, s.loaded = h, s.now()
	if s.follow != nil {
		s.follow.SetHierarchy(h)
	}
	return h, nil
}

// Invalidate drops the cached hierarchy: the next use reloads it (after a
// boundary publication).
func (s *Scopes) Invalidate() {
	s.mu.Lock()
	s.hier = nil
	s.mu.Unlock()
}

// CheckGrid is the scope check of one grid: NotFound when the grid does
// not exist, Forbidden when it lies outside the principal's scope. field
// names the parameter that carried the id.
func (s *Scopes) CheckGrid(ctx context.Context, p *auth.Principal, field string, id int64) error {
	h, err := s.Hierarchy(ctx)
	if err != nil {
		return err
	}
	if !h.Has(id) {
		return &model.Error{Kind: model.NotFound, Field: field, Msg: field + ": no current grid has this id"}
	}
	if !p.Scope().Contains(h, id) {
		return &model.Error{Kind: model.Forbidden, Field: field, Code: model.CodeOutsideScope, Msg: field + ": grid " + strconv.FormatInt(id, 10) + " is outside your grid"}
	}
	return nil
}

// CheckPast is the scope check of a grid named for its history (its
// versions, an export as of a time): principals who see the whole area
// may name any grid, current or retired, and the store says whether it
// ever existed; a scoped principal only a current grid inside their scope.
func (s *Scopes) CheckPast(ctx context.Context, p *auth.Principal, field string, id int64) error {
	if p.Scope().All() {
		return nil
	}
	return s.CheckGrid(ctx, p, field, id)
}

// CheckPersonGrid is the scope check of a person by their home grid (0
// for none): a person with no home grid is for unscoped roles only.
func (s *Scopes) CheckPersonGrid(ctx context.Context, p *auth.Principal, field string, home int64) error {
	if p.Scope().All() {
		return nil
	}
	if home == 0 {
		return &model.Error{Kind: model.Forbidden, Field: field, Code: model.CodeOutsideScope, Msg: field + ": this person belongs to no grid of yours"}
	}
	return s.CheckGrid(ctx, p, field, home)
}

// ScopeIDs returns the grid ids a list must be limited to, nil for all.
func (s *Scopes) ScopeIDs(ctx context.Context, p *auth.Principal) ([]int64, error) {
	if p.Scope().All() {
		return nil, nil
	}
	h, err := s.Hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	return p.Scope().GridIDs(h), nil
}

// CheckHome checks the grid a person or an account is being given (field
// names it): scoped roles must give one inside their scope; a grid that
// does not exist is Invalid, since the id is a value of the body.
func (s *Scopes) CheckHome(ctx context.Context, p *auth.Principal, field string, home int64) error {
	if home == 0 {
		if p.Scope().All() {
			return nil
		}
		return &model.Error{Kind: model.Invalid, Field: field, Msg: field + ": required: a grid of yours"}
	}
	err := s.CheckGrid(ctx, p, field, home)
	if model.KindOf(err) == model.NotFound {
		return &model.Error{Kind: model.Invalid, Field: field, Msg: field + ": no current grid has this id"}
	}
	return err
}
