// Package field is the service of field writes: screenings, quarantines,
// seal alerts, checkpoints, the ledger, hotline requests, spot checks,
// points, references (heads, contacts, leaders), people and spreadsheet
// imports. Each method validates its input, checks the scope of every id
// the write refers to, writes under the coverage hold (the store's
// transaction stores the answer with the client id and the audit row),
// applies the committed change to the live figures and publishes its
// events. Errors are *model.Error; nothing here speaks HTTP, so the CLI,
// an importer or a worker can use the same rules as the server.
package field

import (
	"context"
	"errors"
	"time"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// Store is what the service calls on the database (store.Store in the
// product): the grid of each kind of row, and the writes.
type Store interface {
	BuildingGrid(ctx context.Context, id int64) (int64, error)
	HouseholdGrid(ctx context.Context, id int64) (int64, error)
	PersonGrid(ctx context.Context, id int64) (int64, error)
	PartyMemberGrid(ctx context.Context, id int64) (int64, error)
	PartyBranchGrid(ctx context.Context, id int64) (int64, error)
	QuarantineGrid(ctx context.Context, id int64) (int64, error)
	AlertGrid(ctx context.Context, id int64) (int64, error)
	SealGrid(ctx context.Context, sealID string) (int64, error)
	ResidentGrid(ctx context.Context, id int64) (int64, error)
	RequestGrid(ctx context.Context, id int64) (int64, error)
	CheckpointGrid(ctx context.Context, id int64) (int64, error)
	SpotCheckGrid(ctx context.Context, id int64) (int64, error)
	SamplingSiteGrid(ctx context.Context, id int64) (int64, error)

	ReportScreening(ctx context.Context, a store.Actor, clientID, today string, in store.ScreeningInput) (store.WriteResult, error)
	StartQuarantine(ctx context.Context, a store.Actor, clientID, today string, in store.QuarantineInput) (store.WriteResult, error)
	EndQuarantine(ctx context.Context, a store.Actor, clientID, today string, id int64) (store.WriteResult, error)
	ResolveAlert(ctx context.Context, a store.Actor, clientID string, id int64, resolution string) (store.WriteResult, error)
	SealAlert(ctx context.Context, a store.Actor, clientID, sealID, kind, note string) (store.WriteResult, error)
	AddResident(ctx context.Context, a store.Actor, clientID string, now time.Time, in store.ResidentInput) (store.WriteResult, error)
	AddArrival(ctx context.Context, a store.Actor, clientID, today string, in store.ArrivalInput) (store.WriteResult, error)
	RecordVisit(ctx context.Context, a store.Actor, clientID string, now time.Time, in store.VisitInput) (store.WriteResult, error)
	OpenRequest(ctx context.Context, a store.Actor, clientID string, in store.RequestInput) (store.WriteResult, error)
	CloseRequest(ctx context.Context, a store.Actor, clientID string, id int64, resolution string) (store.WriteResult, error)
	FollowUpRequest(ctx context.Context, a store.Actor, clientID string, in store.FollowUpInput) (store.WriteResult, error)
	AwardPoints(ctx context.Context, a store.Actor, clientID string, person int64, points int, reason string) (store.WriteResult, error)
	AddPartyMember(ctx context.Context, a store.Actor, clientID string, scope []int64, in store.PartyMemberInput) (store.WriteResult, error)
	RegisterPartyMember(ctx context.Context, a store.Actor, clientID string, in store.RegistrationInput) (store.WriteResult, error)
	RecordService(ctx context.Context, a store.Actor, clientID string, scope []int64, in store.ServiceInput) (store.WriteResult, error)
	AddPartyBranch(ctx context.Context, a store.Actor, clientID string, scope []int64, grid int64, name string) (store.WriteResult, error)
	UpdatePartyBranch(ctx context.Context, a store.Actor, clientID string, id int64, name string, secretary int64) (store.WriteResult, error)
	MovePartyMember(ctx context.Context, a store.Actor, clientID string, scope []int64, person, branch int64) (store.WriteResult, error)
	AddCheckpoint(ctx context.Context, a store.Actor, clientID, today string, in store.CheckpointInput) (store.WriteResult, error)
	SetCheckpointDuty(ctx context.Context, a store.Actor, clientID, today string, id int64, onDuty bool, person int64) (store.WriteResult, error)
	CountCheckpoint(ctx context.Context, a store.Actor, clientID, today string, id int64, scans, temperatures, fevers int) (store.WriteResult, error)
	DrawSpotCheck(ctx context.Context, a store.Actor, clientID string, grid int64, k int, seed int64) (store.WriteResult, error)
	RecordSpotCheck(ctx context.Context, a store.Actor, clientID string, id, household int64, result, method string) (store.WriteResult, error)
	AddSamplingSite(ctx context.Context, a store.Actor, clientID string, clk store.SiteClock, in store.SamplingSiteInput, check func(grid int64) error) (store.WriteResult, error)
	ReportSampling(ctx context.Context, a store.Actor, clientID string, clk store.SiteClock, id int64, queue, tested int) (store.WriteResult, error)
	AddSamplingRound(ctx context.Context, a store.Actor, clientID string, in store.RoundInput) (store.WriteResult, error)
	SetReference(ctx context.Context, a store.Actor, clientID, entity string, id int64, value *int64) (store.WriteResult, error)
	ImportFile(ctx context.Context, a store.Actor, clientID, today string, now time.Time, in store.Import, scope []int64) (store.WriteResult, error)
	CreatePerson(ctx context.Context, a store.Actor, in store.PersonInput) (store.Person, error)
	UpdatePerson(ctx context.Context, a store.Actor, id int64, in store.PersonInput) (store.Person, error)
}

// Service holds the rules of field writes. Safe for concurrent use.
type Service struct {
	store  Store
	scopes *access.Scopes
	cov    *Coverage
	now    func() time.Time
}

// New returns the service writing to st, checking scopes with scopes and
// keeping cov's figures current; now is the clock (nil for time.Now).
func New(st Store, scopes *access.Scopes, cov *Coverage, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, scopes: scopes, cov: cov, now: now}
}

// target is the row a write concerns: the field that named it, what it
// is (for "no household has this id") and its grid, as looked up.
type target struct {
	field, what string
	grid        int64
	err         error // of the lookup
}

// on names the row a write concerns, looked up by gridOf.
func on(ctx context.Context, field, what string, id int64, gridOf func(context.Context, int64) (int64, error)) target {
	grid, err := gridOf(ctx, id)
	return target{field: field, what: what, grid: grid, err: err}
}

// check is the scope check of t's grid: NotFound naming t's field when
// the row or its grid does not exist, Forbidden outside p's scope.
func (s *Service) check(ctx context.Context, p *auth.Principal, t target) error {
	err := t.err
	if err == nil {
		err = s.scopes.CheckGrid(ctx, p, t.field, t.grid)
	}
	return notFoundAs(err, t.field, t.what)
}

// checkPerson is the scope check of a person a write refers to (field
// names it): Invalid when there is no such person (what says which kind),
// Forbidden outside p's scope.
func (s *Service) checkPerson(ctx context.Context, p *auth.Principal, field, what string, id int64,
	gridOf func(context.Context, int64) (int64, error)) error {
	grid, err := gridOf(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return invalid(field, "no %s has this id", what)
	}
	if err != nil {
		return err
	}
	return s.scopes.CheckPersonGrid(ctx, p, field, grid)
}

// write is the path of every field write once its input is valid: the
// scope check of the row it concerns, then commit.
func (s *Service) write(ctx context.Context, p *auth.Principal, t target,
	do func(context.Context) (store.WriteResult, error)) (store.WriteResult, error) {
	if err := s.check(ctx, p, t); err != nil {
		return store.WriteResult{}, err
	}
	return s.commit(ctx, t, do)
}

// commit runs a write whose scope was checked under the coverage hold
// and applies its committed change to the live figures before the hold
// is released (so a recount either saw the write or journals its delta),
// then publishes the change's events. A replay changes nothing.
func (s *Service) commit(ctx context.Context, t target, do func(context.Context) (store.WriteResult, error)) (store.WriteResult, error) {
	if err := s.cov.Fresh(ctx); err != nil {
		return store.WriteResult{}, writeError(err, t)
	}
	release := s.cov.live.Hold()
	res, err := do(ctx)
	if err == nil && !res.Replay {
		s.cov.commitChange(res.Change)
	}
	release()
	if err != nil {
		return store.WriteResult{}, writeError(err, t)
	}
	return res, nil
}

// today is the area's local day now.
func (s *Service) today() string { return s.cov.Today(s.now()) }

// writeError translates a write's error to a *model.Error: a row that is
// not there NotFound naming the target's field, a reference the database
// refused Invalid, a database that cannot be reached Unavailable (the
// write was not stored; retry with the same client id), a refused import
// Unprocessable with its rows.
func writeError(err error, t target) error {
	var ie *store.ImportError
	switch {
	case errors.As(err, &ie):
		return rowReport(ie.Rows)
	case errors.Is(err, store.ErrNotFound):
		return notFoundAs(err, t.field, t.what)
	case errors.Is(err, store.ErrBadReference):
		return &model.Error{Kind: model.Invalid, Field: "body", Err: err,
			Msg: "a value refers to a row that does not exist or breaks a rule: " + err.Error()}
	case store.Unavailable(err):
		return &model.Error{Kind: model.Unavailable, RetryAfter: 2 * time.Second, Err: err,
			Msg: "the database is unavailable; the write is not confirmed: retry it with the same client_id, which stores it once"}
	}
	return err
}

// notFoundAs turns store.ErrNotFound into NotFound naming field.
func notFoundAs(err error, field, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &model.Error{Kind: model.NotFound, Field: field, Msg: field + ": no " + what + " has this id"}
	}
	return err
}
