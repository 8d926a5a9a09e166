package field_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// events records what the service publishes.
type events struct {
	mu  sync.Mutex
	evs []store.LiveEvent
}

func (e *events) PublishEvents(evs []store.LiveEvent) {
	e.mu.Lock()
	e.evs = append(e.evs, evs...)
	e.mu.Unlock()
}

func (e *events) topics() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := map[string]int{}
	for _, ev := range e.evs {
		n[ev.Topic]++
	}
	return n
}

// newService is the service over a fresh demo database, as the server
// builds it but without HTTP.
func newService(t *testing.T) (*field.Service, *field.Coverage, *events, *testdb.DB) {
	db := testdb.Demo(t)
	pub := &events{}
	scopes := access.New(db.Store, nil, nil)
	cov := field.NewCoverage(db.Store, scopes, pub, time.UTC, nil, slog.New(slog.DiscardHandler))
	return field.New(db.Store, scopes, cov, nil), cov, pub, db
}

func scalar(t *testing.T, db *testdb.DB, q string, args ...any) int64 {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v int64
	if err := conn.QueryRow(context.Background(), q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// TestReportScreeningWithoutHTTP drives a screening through the service
// against the real database: stored once, applied to the live figures of
// the compound grid and its ancestors, published, replayed on retry, and
// refused outside the principal's scope or for a household that does not
// exist.
func TestReportScreeningWithoutHTTP(t *testing.T) {
	t.Parallel()
	svc, cov, pub, db := newService(t)
	ctx := context.Background()
	const grid = 9
	staff := &auth.Principal{Username: "staff", Role: auth.Staff, GridID: grid}
	a := store.Actor{Name: "field test"}
	household := scalar(t, db, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = $1 AND h.status = 'occupied'`, grid)
	outside := scalar(t, db, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id <> $1`, grid)
	if err := cov.Fresh(ctx); err != nil {
		t.Fatal(err)
	}
	before := cov.Get(grid).ScreenedToday

	in := field.ScreeningInput{ClientID: "svc-test-0001", HouseholdID: household, Outcome: "normal"}
	res, err := svc.ReportScreening(ctx, staff, a, in)
	if err != nil || res.Effect != store.Created || res.Replay || len(res.Body) == 0 {
		t.Fatalf("first write: %+v %v, want a new screening", res, err)
	}
	if got := cov.Get(grid).ScreenedToday; got != before+1 {
		t.Errorf("screened_today %d after the write, want %d", got, before+1)
	}
	if n := pub.topics(); n["screening"] != 1 || n["coverage"] < 2 {
		t.Errorf("published %v, want a screening event and coverage events for the grid and its ancestors", n)
	}

	again, err := svc.ReportScreening(ctx, staff, a, in)
	if err != nil || !again.Replay || again.Effect != store.Created || string(again.Body) != string(res.Body) {
		t.Errorf("retry: %+v %v, want the first answer replayed", again, err)
	}
	if got := cov.Get(grid).ScreenedToday; got != before+1 {
		t.Errorf("screened_today %d after the retry, want still %d", got, before+1)
	}
	if n := scalar(t, db, `SELECT count(*) FROM screenings WHERE household_id = $1`, household); n != 1 {
		t.Errorf("%d screenings stored, want 1", n)
	}
	if n := scalar(t, db, `SELECT count(*) FROM field_writes WHERE client_id = $1 AND status = 201`, in.ClientID); n != 1 {
		t.Errorf("%d stored answers, want 1 with the code of a created row", n)
	}

	for _, tt := range []struct {
		name      string
		household int64
		clientID  string
		kind      model.Kind
	}{
		{"outside the scope", outside, "svc-test-0002", model.Forbidden},
		{"no such household", 999_999_999, "svc-test-0003", model.NotFound},
		{"invalid", 0, "svc-test-0004", model.Invalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.ReportScreening(ctx, staff, a, field.ScreeningInput{ClientID: tt.clientID, HouseholdID: tt.household, Outcome: "normal"})
			if model.KindOf(err) != tt.kind || model.FieldOf(err) != "household_id" {
				t.Errorf("got %v (%v on %q), want %v on household_id", err, model.KindOf(err), model.FieldOf(err), tt.kind)
			}
		})
	}
	_, err = svc.StartQuarantine(ctx, staff, a, field.QuarantineInput{ClientID: in.ClientID, HouseholdID: household,
		Starts: "2024-03-01", Ends: "2024-03-02", Reason: "other"})
	if model.KindOf(err) != model.Conflict || model.FieldOf(err) != "client_id" {
		t.Errorf("a client id reused for another write: %v, want Conflict on client_id", err)
	}
}

// TestSetReferenceChecksBothEnds: a head set on a building in scope to a
// person outside it is refused before anything is written.
func TestSetReferenceChecksBothEnds(t *testing.T) {
	t.Parallel()
	svc, _, pub, db := newService(t)
	ctx := context.Background()
	const grid = 9
	staff := &auth.Principal{Username: "staff", Role: auth.Staff, GridID: grid}
	building := scalar(t, db, `SELECT min(id) FROM buildings WHERE grid_id = $1`, grid)
	stranger := scalar(t, db, `SELECT min(id) FROM people WHERE home_grid_id <> $1`, grid)
	body := map[string][]byte{"head_id": fmt.Appendf(nil, "%d", stranger)}
	in := field.RefInput{ID: building, Body: map[string]json.RawMessage{}}
	for k, v := range body {
		in.Body[k] = v
	}
	_, err := svc.SetBuildingHead(ctx, staff, store.Actor{RequestID: "req-1"}, in)
	if model.KindOf(err) != model.Forbidden || model.FieldOf(err) != "head_id" {
		t.Errorf("a stranger as head: %v, want Forbidden on head_id", err)
	}
	if n := pub.topics(); len(n) != 0 {
		t.Errorf("published %v for a refused write", n)
	}
}

// refusing is the real store whose screening write fails as a database
// that went away does.
type refusing struct{ *store.Store }

func (refusing) ReportScreening(context.Context, store.Actor, string, string, store.ScreeningInput) (store.WriteResult, error) {
	return store.WriteResult{}, fmt.Errorf("store: screening: %w", syscall.ECONNREFUSED)
}

// TestUnreachableDatabase: a write the database never confirmed is
// Unavailable with a retry delay (retry with the same client id), not an
// internal error.
func TestUnreachableDatabase(t *testing.T) {
	t.Parallel()
	_, cov, _, db := newService(t)
	svc := field.New(refusing{db.Store}, access.New(db.Store, nil, nil), cov, nil)
	staff := &auth.Principal{Role: auth.Staff, GridID: 9}
	household := scalar(t, db, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9`)
	_, err := svc.ReportScreening(context.Background(), staff, store.Actor{}, field.ScreeningInput{ClientID: "svc-test-0005", HouseholdID: household, Outcome: "normal"})
	var fe *model.Error
	if !errors.As(err, &fe) || fe.Kind != model.Unavailable || fe.RetryAfter <= 0 || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("refused connection: %v, want Unavailable with a retry delay, wrapping the cause", err)
	}
}
