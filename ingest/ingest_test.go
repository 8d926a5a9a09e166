package ingest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/geo"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// fakeStore stands in for PostgreSQL where these tests are about the
// pipeline's timing (when a request returns relative to its commit), which
// the real database makes slow and nondeterministic to observe; the real
// database is in the integration tests (server/durability_test.go kills
// the server under load and counts what was acknowledged).
type fakeStore struct {
	mu      sync.Mutex
	written [][]model.Position // one entry per committed WritePositions
	fail    int                // WritePositions fails this many more times
	gate    chan struct{}      // when set, WritePositions waits for a value
}

func (f *fakeStore) GridShapes(context.Context, int) ([]geo.Region, error) {
	square := orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}
	return []geo.Region{{ID: 3, Shape: square}}, nil
}

func (f *fakeStore) Volunteers(context.Context) ([]store.VolunteerInfo, error) {
	return []store.VolunteerInfo{{PersonID: 7, TeamID: 1, TeamGridID: 2}, {PersonID: 8, TeamID: 1, TeamGridID: 2}}, nil
}

func (f *fakeStore) WritePositions(ctx context.Context, batch []model.Position) error {
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail > 0 {
		f.fail--
		return errors.New("connection reset")
	}
	f.written = append(f.written, append([]model.Position(nil), batch...))
	return nil
}

func (f *fakeStore) commits() (groups, positions int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.written {
		positions += len(b)
	}
	return len(f.written), positions
}

func (f *fakeStore) AppendEvents(_ context.Context, evs []store.LiveEvent) ([]store.LiveEvent, error) {
	return evs, nil
}
func (f *fakeStore) LastPublication(context.Context) (int64, error)                       { return 1, nil }
func (f *fakeStore) EnsurePositionPartitions(context.Context, time.Time, time.Time) error { return nil }
func (f *fakeStore) DropPositionsBefore(context.Context, time.Time) ([]string, error) {
	return nil, nil
}
func (f *fakeStore) DropEventsBefore(context.Context, time.Time) (int64, error)   { return 0, nil }
func (f *fakeStore) CompactPositions(context.Context, time.Time) (int64, error)   { return 0, nil }
func (f *fakeStore) DropSegmentsBefore(context.Context, time.Time) (int64, error) { return 0, nil }

// pipeline starts a pipeline on st and stops it when the test ends.
func pipeline(t *testing.T, cfg Config, st Store) *Pipeline {
	t.Helper()
	hub := live.NewHub(auth.NewHierarchy(map[int64]int64{1: 0, 2: 1, 3: 2}))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := New(cfg, st, live.NewBus(hub, nil, log), log)
	if err := p.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return p
}

func fix(now time.Time) Report { return Report{Lon: 0.5, Lat: 0.5, Accuracy: 5, At: now} }

// TestIngestReturnsAfterCommit: a request is not answered while its
// group's commit is still running, and is answered once it has.
func TestIngestReturnsAfterCommit(t *testing.T) {
	t.Parallel()
	st := &fakeStore{gate: make(chan struct{})}
	p := pipeline(t, Config{}, st)
	now := time.Now()
	res := make(chan error, 1)
	go func() { _, err := p.Ingest(context.Background(), 7, []Report{fix(now)}, now); res <- err }()
	select {
	case err := <-res:
		t.Fatalf("answered (%v) before the commit", err)
	case <-time.After(100 * time.Millisecond):
	}
	st.gate <- struct{}{}
	if err := <-res; err != nil {
		t.Fatal(err)
	}
	if _, n := st.commits(); n != 1 {
		t.Errorf("%d positions written, want 1", n)
	}
}

// TestIngestGroupsWaitingRequests: requests that arrive while a commit
// runs are written together in the next one, each answered after it.
func TestIngestGroupsWaitingRequests(t *testing.T) {
	t.Parallel()
	st := &fakeStore{gate: make(chan struct{})}
	p := pipeline(t, Config{}, st)
	now := time.Now()
	const requests = 50
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.Ingest(context.Background(), 7+int64(i%2), []Report{fix(now), fix(now)}, now)
			errs <- err
		}()
	}
	// Let every request queue behind the first commit, then open the gate.
	for p.BufferLen() < 2*requests {
		time.Sleep(time.Millisecond)
	}
	go func() {
		for range requests {
			select {
			case st.gate <- struct{}{}:
			case <-time.After(time.Second):
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	groups, n := st.commits()
	if n != 2*requests || groups > 3 {
		t.Errorf("%d positions in %d commits, want %d in at most 3", n, groups, 2*requests)
	}
	if got := p.Accepted.Load(); got != 2*requests {
		t.Errorf("accepted %d, want %d", got, 2*requests)
	}
}

// TestIngestRetriesUntilStored: a failed commit is retried and the
// request is answered only once it succeeds.
func TestIngestRetriesUntilStored(t *testing.T) {
	t.Parallel()
	st := &fakeStore{fail: 1}
	p := pipeline(t, Config{}, st)
	now := time.Now()
	start := time.Now()
	if _, err := p.Ingest(context.Background(), 7, []Report{fix(now)}, now); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("answered after %s, before the retry a second later", waited)
	}
	if groups, n := st.commits(); groups != 1 || n != 1 {
		t.Errorf("%d commits of %d positions, want 1 of 1", groups, n)
	}
}

// TestIngestGiveUpIsNotCommitted: a caller whose context ends while the
// commit is held is told ErrNotCommitted, never success.
func TestIngestGiveUpIsNotCommitted(t *testing.T) {
	t.Parallel()
	st := &fakeStore{gate: make(chan struct{})}
	p := pipeline(t, Config{}, st)
	now := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Ingest(ctx, 7, []Report{fix(now)}, now); !errors.Is(err, ErrNotCommitted) {
		t.Fatalf("got %v, want ErrNotCommitted", err)
	}
	if model.KindOf(ErrNotCommitted) != model.Unavailable {
		t.Error("ErrNotCommitted must be Unavailable (503, retry)")
	}
	close(st.gate)
}

// TestIngestRefuses: a bad report names its field and nothing is taken;
// a full buffer refuses the whole batch; an unknown person is forbidden.
func TestIngestRefuses(t *testing.T) {
	t.Parallel()
	st := &fakeStore{gate: make(chan struct{})}
	p := pipeline(t, Config{Buffer: 3}, st)
	now := time.Now()
	bad := fix(now)
	bad.Lat = 91
	tests := []struct {
		name      string
		volunteer int64
		reports   []Report
		kind      model.Kind
		field     string
	}{
		{"latitude out of range", 7, []Report{fix(now), bad}, model.Invalid, "positions[1].lat"},
		{"no time", 7, []Report{{Lon: 0.5, Lat: 0.5}}, model.Invalid, "positions[0].at"},
		{"too old", 7, []Report{{Lon: 0.5, Lat: 0.5, At: now.Add(-time.Hour)}}, model.Invalid, "positions[0].at"},
		{"unknown crs", 7, []Report{{Lon: 0.5, Lat: 0.5, At: now, CRS: "bd09"}}, model.Invalid, "positions[0].crs"},
		{"not a volunteer", 99, []Report{fix(now)}, model.Forbidden, ""},
		{"more than the buffer", 7, []Report{fix(now), fix(now), fix(now), fix(now)}, model.Unavailable, ""},
	}
	for _, tt := range tests {
		_, err := p.Ingest(context.Background(), tt.volunteer, tt.reports, now)
		if model.KindOf(err) != tt.kind || model.FieldOf(err) != tt.field {
			t.Errorf("%s: got %v (kind %v field %q), want %v %q", tt.name, err, model.KindOf(err), model.FieldOf(err), tt.kind, tt.field)
		}
	}
	if p.BufferLen() != 0 {
		t.Errorf("%d positions queued after refusals, want 0", p.BufferLen())
	}
	close(st.gate)
}

func TestBatchValidate(t *testing.T) {
	t.Parallel()
	if err := (&Batch{}).Validate(); model.FieldOf(err) != "positions" || model.KindOf(err) != model.Invalid {
		t.Errorf("empty batch: %v, want Invalid on positions", err)
	}
	if err := (&Batch{Positions: make([]Report, 1)}).Validate(); err != nil {
		t.Errorf("one report: %v", err)
	}
}
