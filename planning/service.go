package planning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/store"
)

// Store is what planning needs of the database.
type Store interface {
	LastPublication(ctx context.Context) (int64, error)
	SubtreePlan(ctx context.Context, root int64) (store.Plan, error)
	Grid(ctx context.Context, id int64) (*store.GridDetail, error)
	CreateDraft(ctx context.Context, a store.Actor, rootID int64, name string, base int64, state []byte) (int64, error)
	Draft(ctx context.Context, id int64) (*store.Draft, error)
	Drafts(ctx context.Context, accountID int64) ([]store.Draft, error)
	SaveRevision(ctx context.Context, id int64, rev int, op string, state []byte) error
	MoveRevision(ctx context.Context, id int64, step int) error
	DiscardDraft(ctx context.Context, a store.Actor, id int64) error
	ValidatePlan(ctx context.Context, p store.Plan) ([]store.Problem, error)
	PlanImpact(ctx context.Context, p store.Plan, today string) (*store.Impact, error)
	PublishPlan(ctx context.Context, a store.Actor, in store.PublishInput) (store.Publication, error)
	RollbackPublication(ctx context.Context, a store.Actor, pubID int64, note string) (store.Publication, error)
	SplitPolygon(ctx context.Context, mp orb.MultiPolygon, line orb.LineString) ([]orb.MultiPolygon, error)
	UnionPolygons(ctx context.Context, mps []orb.MultiPolygon) (orb.MultiPolygon, error)
	RepairPolygon(ctx context.Context, mp orb.MultiPolygon) (orb.MultiPolygon, float64, int, error)
	BoundaryGrids(ctx context.Context, root int64, asof *time.Time) ([]store.PlanGrid, error)
	PublicationExists(ctx context.Context, id int64) (bool, error)
	ComparePublications(ctx context.Context, from, to int64) (*store.Comparison, error)
}

// Service holds the planning rules over a store.
type Service struct {
	st  Store
	loc *time.Location // the area's time zone, for "today" in impact figures
	now func() time.Time
}

// New returns a planning service. loc is the area's time zone.
func New(st Store, loc *time.Location, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, loc: loc, now: now}
}

// rootInfo is what ops need of a draft's root.
type rootInfo struct {
	ID    int64
	Level int
	Code  string
}

// Draft is a draft as the planner sees it: its current state, its root
// with its fixed boundary, and the problems validation finds.
type Draft struct {
	store.Draft
	CanUndo    bool              `json:"can_undo"`
	CanRedo    bool              `json:"can_redo"`
	Root       *store.GridDetail `json:"-"`
	State      State             `json:"-"`
	Status     map[int64]string  `json:"-"` // per grid: new, changed or unchanged against the draft's start
	Validation *Validation       `json:"validation"`
}

// Validation is the problems of a draft.
type Validation struct {
	OK       bool            `json:"ok"`
	Errors   int             `json:"errors"`
	Warnings int             `json:"warnings"`
	Problems []store.Problem `json:"problems"`
}

func report(probs []store.Problem) *Validation {
	v := &Validation{Problems: probs}
	for _, p := range probs {
		if p.Severity == store.SeverityError {
			v.Errors++
		} else {
			v.Warnings++
		}
	}
	v.OK = v.Errors == 0
	return v
}

// Open starts a draft of the subtree below root (a community or a
// subdistrict) from the boundaries as they are now.
func (s *Service) Open(ctx context.Context, a store.Actor, rootID int64, name string) (*Draft, error) {
	if err := checkName("name", name); err != nil {
		return nil, err
	}
	root, err := s.st.Grid(ctx, rootID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, inputErr("root_id", "no current grid has this id")
	}
	if err != nil {
		return nil, err
	}
	if root.Level >= 3 {
		return nil, inputErr("root_id", "a compound grid has no grids below it: open a draft of its community")
	}
	base, err := s.st.LastPublication(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.st.SubtreePlan(ctx, rootID)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(stateOf(p))
	if err != nil {
		return nil, fmt.Errorf("planning: open draft: %w", err)
	}
	id, err := s.st.CreateDraft(ctx, a, rootID, name, base, body)
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// load reads a draft of the caller's; another planner's draft is not
// found.
func (s *Service) load(ctx context.Context, a store.Actor, id int64) (*Draft, error) {
	sd, err := s.st.Draft(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (sd.AccountID != a.AccountID || sd.Closed)) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	d := &Draft{Draft: *sd, CanUndo: sd.CanUndo(), CanRedo: sd.CanRedo()}
	if d.State, err = decodeState(sd.State); err != nil {
		return nil, err
	}
	base, err := decodeState(sd.Base)
	if err != nil {
		return nil, err
	}
	d.Status = status(base, d.State)
	if d.Root, err = s.st.Grid(ctx, sd.RootID); err != nil {
		return nil, err
	}
	return d, nil
}

// status compares each grid of a state with the draft's start.
func status(base, cur State) map[int64]string {
	out := make(map[int64]string, len(cur.Grids))
	for _, g := range cur.Grids {
		k := base.index(g.ID)
		switch {
		case k < 0:
			out[g.ID] = "new"
		case !sameGrid(base.Grids[k], g):
			out[g.ID] = "changed"
		default:
			out[g.ID] = "unchanged"
		}
	}
	return out
}

func sameGrid(a, b GridState) bool {
	if a.ParentID != b.ParentID || a.Code != b.Code || a.Name != b.Name || !equalIDs(a.LeaderID, b.LeaderID) {
		return false
	}
	return orb.Equal(a.Geometry, b.Geometry)
}

func equalIDs(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// Get returns one of the caller's drafts, validated.
func (s *Service) Get(ctx context.Context, a store.Actor, id int64) (*Draft, error) {
	d, err := s.load(ctx, a, id)
	if err != nil {
		return nil, err
	}
	probs, err := s.st.ValidatePlan(ctx, d.State.plan(d.RootID))
	if err != nil {
		return nil, err
	}
	d.Validation = report(probs)
	return d, nil
}

// List returns the caller's open drafts.
func (s *Service) List(ctx context.Context, a store.Actor) ([]store.Draft, error) {
	return s.st.Drafts(ctx, a.AccountID)
}

// Apply makes one edit as a new revision and returns the draft.
func (s *Service) Apply(ctx context.Context, a store.Actor, id int64, op Op) (*Draft, error) {
	d, err := s.load(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if op.Revision != d.Revision {
		return nil, store.ErrStaleRevision
	}
	root := rootInfo{ID: d.RootID, Level: d.Root.Level, Code: d.Root.Code}
	next, err := s.apply(ctx, d.State, root, op)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(next)
	if err != nil {
		return nil, fmt.Errorf("planning: save draft %d: %w", id, err)
	}
	if err := s.st.SaveRevision(ctx, id, d.Revision, op.Kind, body); err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// Undo steps back one revision (step -1) or forward again (step +1).
func (s *Service) Undo(ctx context.Context, a store.Actor, id int64, step int) (*Draft, error) {
	if _, err := s.load(ctx, a, id); err != nil {
		return nil, err
	}
	if err := s.st.MoveRevision(ctx, id, step); err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// Discard closes one of the caller's drafts unpublished.
func (s *Service) Discard(ctx context.Context, a store.Actor, id int64) error {
	if _, err := s.load(ctx, a, id); err != nil {
		return err
	}
	return s.st.DiscardDraft(ctx, a, id)
}

// Validate returns a draft's problems.
func (s *Service) Validate(ctx context.Context, a store.Actor, id int64) (*Validation, error) {
	d, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return d.Validation, nil
}

// Impact works out what publishing a draft would move.
func (s *Service) Impact(ctx context.Context, a store.Actor, id int64) (*store.Impact, error) {
	d, err := s.load(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return s.st.PlanImpact(ctx, d.State.plan(d.RootID), s.now().In(s.loc).Format(time.DateOnly))
}

// Publish makes a draft current. rev must be its current revision;
// acknowledge lists the warning codes the planner accepts.
func (s *Service) Publish(ctx context.Context, a store.Actor, id int64, rev int, acknowledge []string, note string) (store.Publication, error) {
	d, err := s.load(ctx, a, id)
	if err != nil {
		return store.Publication{}, err
	}
	if rev != d.Revision {
		return store.Publication{}, store.ErrStaleRevision
	}
	base, err := decodeState(d.Base)
	if err != nil {
		return store.Publication{}, err
	}
	return s.st.PublishPlan(ctx, a, store.PublishInput{
		Plan: d.State.plan(d.RootID), Started: base.plan(d.RootID).Grids, Base: d.BasePub,
		Acknowledge: acknowledge, Note: note, DraftID: id,
	})
}

// Rollback publishes again the boundaries publication pubID replaced.
func (s *Service) Rollback(ctx context.Context, a store.Actor, pubID int64, note string) (store.Publication, error) {
	return s.st.RollbackPublication(ctx, a, pubID, note)
}

// SetBoundary gives one grid a new boundary at once, checked like a
// draft of its parent's subtree: the same validation, the same publish.
// Warnings are accepted; errors refuse it.
func (s *Service) SetBoundary(ctx context.Context, a store.Actor, gridID int64, mp orb.MultiPolygon, note string) (store.Publication, error) {
	g, err := s.st.Grid(ctx, gridID)
	if err != nil {
		return store.Publication{}, err
	}
	if g.ParentID == nil {
		return store.Publication{}, inputErr("id", "a subdistrict's boundary is fixed: its communities must tile it")
	}
	base, err := s.st.LastPublication(ctx)
	if err != nil {
		return store.Publication{}, err
	}
	p, err := s.st.SubtreePlan(ctx, *g.ParentID)
	if err != nil {
		return store.Publication{}, err
	}
	for i := range p.Grids {
		if p.Grids[i].ID == gridID {
			p.Grids[i].Geometry = mp
		}
	}
	return s.st.PublishPlan(ctx, a, store.PublishInput{
		Plan: p, Base: base, Acknowledge: store.Warnings, Note: note,
	})
}
