// Package ingest is the live path of a position: validate a device's
// report, convert it to WGS84, assign it to its grid with the in-memory
// index, track geofence changes, hand it to the hub (and other instances)
// at once, and persist it with group commit: a device's request returns
// once the batch holding its positions has committed, and one COPY takes
// every request waiting, so the acknowledgement means stored.
package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/geo"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
	"github.com/gridmap/gridmap/track"
)

// Config bounds what is accepted and how persistence batches.
type Config struct {
	MaxAge    time.Duration // reports older than this are refused
	MaxFuture time.Duration // reports further ahead of the server clock are refused
	MaxBatch  int           // reports in one request
	Buffer    int           // positions waiting for the database; more are refused (503)
	BatchSize int           // most positions in one COPY
	Dwell     time.Duration // geofence hysteresis
	Retention time.Duration // positions and stream events are kept this long
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.MaxAge, 10*time.Minute)
	def(&c.MaxFuture, time.Minute)
	def(&c.Dwell, 20*time.Second)
	def(&c.Retention, 30*24*time.Hour)
	if c.MaxBatch <= 0 {
		c.MaxBatch = 500
	}
	if c.Buffer <= 0 {
		c.Buffer = 200_000
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 5000
	}
	return c
}

// Coordinate systems a report may use.
const (
	WGS84 = "wgs84"
	GCJ02 = "gcj02"
)

// Batch is a device's batch of fixes, as it posts them.
type Batch struct {
	Positions []Report `json:"positions"`
}

// Validate refuses an empty batch posted over HTTP: a device with
// nothing to report does not post.
func (b *Batch) Validate() error {
	if len(b.Positions) == 0 {
		return &model.Error{Kind: model.Invalid, Field: "positions", Msg: "positions: want at least one"}
	}
	return nil
}

// Report is one fix as a device sends it.
type Report struct {
	Lon      float64   `json:"lon"`
	Lat      float64   `json:"lat"`
	Accuracy float32   `json:"accuracy"`
	At       time.Time `json:"at"`
	CRS      string    `json:"crs"`
}

// Errors a caller branches on. A bad report is a model.Error of kind
// Invalid naming it (positions[3].lat).
var (
	ErrUnknownVolunteer = &model.Error{Kind: model.Forbidden, Code: model.CodeNotVolunteer, Msg: "this device's person is not a volunteer"}
	ErrBusy             = &model.Error{Kind: model.Unavailable, Code: model.CodeBusy, Msg: "busy: retry the batch in a second", RetryAfter: time.Second}
	ErrNotReady         = &model.Error{Kind: model.Unavailable, Code: model.CodeStarting, Msg: "starting (grid index not loaded): retry the batch in a second", RetryAfter: time.Second}
	// ErrNotCommitted: the caller gave up waiting; the positions may be stored.
	ErrNotCommitted = &model.Error{Kind: model.Unavailable, Code: model.CodeNotStored, Msg: "not stored yet (the database is slow or away): retry the batch", RetryAfter: time.Second}
)

func reportErr(field, msg string) error { return model.Errorf(model.Invalid, field, "%s", msg) }

// Store is what the pipeline needs of the database (store.Store in the
// product; a fake in the unit tests of group commit).
type Store interface {
	GridShapes(ctx context.Context, level int) ([]geo.Region, error)
	Volunteers(ctx context.Context) ([]store.VolunteerInfo, error)
	WritePositions(ctx context.Context, batch []model.Position) error
	AppendEvents(ctx context.Context, evs []store.LiveEvent) ([]store.LiveEvent, error)
	LastPublication(ctx context.Context) (int64, error)
	EnsurePositionPartitions(ctx context.Context, from, to time.Time) error
	DropPositionsBefore(ctx context.Context, cutoff time.Time) ([]string, error)
	DropEventsBefore(ctx context.Context, cutoff time.Time) (int64, error)
	CompactPositions(ctx context.Context, cutoff time.Time) (int64, error)
	DropSegmentsBefore(ctx context.Context, cutoff time.Time) (int64, error)
}

// Pipeline is the live path. Ingest may be called from many goroutines;
// Run persists and must run for the pipeline's lifetime.
type Pipeline struct {
	cfg        Config
	compacting sync.Mutex // held while a compaction runs
	store      Store
	bus        *live.Bus // the viewers here and, through NATS, on other instances
	log        *slog.Logger

	index atomic.Pointer[geo.Index]
	vols  atomic.Pointer[map[int64]store.VolunteerInfo]

	trackMu sync.Mutex
	tracker *track.Tracker

	buf    chan *pending // requests waiting for their commit, in arrival order
	queued atomic.Int64  // positions in buf and in the batch being written
	events chan store.LiveEvent

	Accepted  atomic.Int64 // positions accepted
	Dropped   atomic.Int64 // positions refused because the buffer was full
	Persisted atomic.Int64 // positions written to the database
	Published atomic.Int64 // durable events stored and published
}

// New returns a pipeline; call Load before Ingest and run Run.
func New(cfg Config, st Store, bus *live.Bus, log *slog.Logger) *Pipeline {
	cfg = cfg.withDefaults()
	p := &Pipeline{cfg: cfg, store: st, bus: bus, log: log,
		buf: make(chan *pending, cfg.Buffer), events: make(chan store.LiveEvent, 100_000)}
	p.tracker = track.New(track.Config{Dwell: cfg.Dwell}, func(grid, area int64) bool {
		return auth.Scope{Root: area}.Contains(bus.Hub().Hierarchy(), grid)
	})
	return p
}

// Load (re)builds the grid index and the volunteer list from the
// database and swaps them in; call it again after boundaries change.
func (p *Pipeline) Load(ctx context.Context) error {
	regions, err := p.store.GridShapes(ctx, 3)
	if err != nil {
		return err
	}
	ix, err := geo.NewIndex(regions)
	if err != nil {
		return fmt.Errorf("ingest: build index: %w", err)
	}
	vs, err := p.store.Volunteers(ctx)
	if err != nil {
		return err
	}
	m := make(map[int64]store.VolunteerInfo, len(vs))
	for _, v := range vs {
		m[v.PersonID] = v
	}
	p.index.Store(ix)
	p.vols.Store(&m)
	return nil
}

// Rebuild reloads the grid index after boundaries change and settles
// the geofence state of every volunteer under the new boundaries, so a
// position assigned after it returns uses them and no volunteer seems to
// enter or leave a grid because a line moved.
func (p *Pipeline) Rebuild(ctx context.Context) error {
	if err := p.Load(ctx); err != nil {
		return err
	}
	ix, vols := p.index.Load(), *p.vols.Load()
	p.trackMu.Lock()
	defer p.trackMu.Unlock()
	p.tracker.Rebase(func(lon, lat float64) int64 {
		id, _ := ix.Locate(orb.Point{lon, lat})
		return id
	}, func(v int64) int64 { return vols[v].TeamGridID })
	return nil
}

// BufferLen is the number of positions waiting for the database.
func (p *Pipeline) BufferLen() int { return int(p.queued.Load()) }

// pending is one request's positions and the answer of their commit.
type pending struct {
	pos  []model.Position
	done chan error // receives once: nil when committed
}

// check validates one report and returns its WGS84 point.
func (p *Pipeline) check(i int, r Report, now time.Time) (orb.Point, error) {
	field := func(f string) string { return fmt.Sprintf("positions[%d].%s", i, f) }
	if err := model.CheckLonLat(r.Lon, r.Lat, field("lon"), field("lat")); err != nil {
		return orb.Point{}, err
	}
	switch {
	case r.Accuracy < 0 || r.Accuracy > 100_000 || math.IsNaN(float64(r.Accuracy)):
		return orb.Point{}, reportErr(field("accuracy"), "want metres, 0 to 100000")
	case r.At.IsZero():
		return orb.Point{}, reportErr(field("at"), "required: when the fix was taken (RFC 3339)")
	case r.At.After(now.Add(p.cfg.MaxFuture)):
		return orb.Point{}, reportErr(field("at"), fmt.Sprintf("more than %s in the future", p.cfg.MaxFuture))
	case r.At.Before(now.Add(-p.cfg.MaxAge)):
		return orb.Point{}, reportErr(field("at"), fmt.Sprintf("older than %s", p.cfg.MaxAge))
	}
	pt := orb.Point{r.Lon, r.Lat}
	switch r.CRS {
	case "", WGS84:
	case GCJ02:
		pt = geo.GCJ02ToWGS84(pt)
	default:
		return orb.Point{}, reportErr(field("crs"), "want wgs84 or gcj02")
	}
	return pt, nil
}

// Ingest accepts a device's batch for volunteer: every report is checked
// first (an error names the first bad one and nothing is taken), then all
// are assigned, tracked and published to viewers, and Ingest returns once
// they are committed to the database (group commit). A full buffer
// refuses the whole batch (ErrBusy) before anything is taken; a caller
// whose ctx ends first gets ErrNotCommitted (the positions may still be
// stored: the device should retry).
func (p *Pipeline) Ingest(ctx context.Context, volunteer int64, reports []Report, now time.Time) (int, error) {
	if len(reports) > p.cfg.MaxBatch {
		return 0, reportErr("positions", fmt.Sprintf("at most %d per request", p.cfg.MaxBatch))
	}
	ix, vols := p.index.Load(), p.vols.Load()
	if ix == nil || vols == nil {
		return 0, ErrNotReady
	}
	v, ok := (*vols)[volunteer]
	if !ok {
		return 0, ErrUnknownVolunteer
	}
	pts := make([]orb.Point, len(reports))
	for i, r := range reports {
		pt, err := p.check(i, r, now)
		if err != nil {
			return 0, err
		}
		pts[i] = pt
	}
	if p.queued.Add(int64(len(reports))) > int64(p.cfg.Buffer) {
		p.queued.Add(-int64(len(reports)))
		p.Dropped.Add(int64(len(reports)))
		return 0, ErrBusy
	}
	ps := make([]model.Position, len(reports))
	pd := &pending{pos: make([]model.Position, len(reports)), done: make(chan error, 1)}
	for i, r := range reports {
		grid, _ := ix.Locate(pts[i])
		ps[i] = model.Position{VolunteerID: volunteer, TeamID: v.TeamID, GridID: grid,
			Lon: pts[i][0], Lat: pts[i][1], Accuracy: r.Accuracy, At: r.At}
		pd.pos[i] = model.Position{VolunteerID: volunteer, At: r.At, Lon: pts[i][0], Lat: pts[i][1], Accuracy: r.Accuracy, GridID: grid}
	}
	select {
	case p.buf <- pd:
	default: // more requests waiting than the buffer has slots
		p.queued.Add(-int64(len(reports)))
		p.Dropped.Add(int64(len(reports)))
		return 0, ErrBusy
	}
	p.track(v, ps)
	p.bus.PublishPositions(ps)
	select {
	case err := <-pd.done:
		if err != nil {
			return 0, err
		}
	case <-ctx.Done():
		return 0, ErrNotCommitted
	}
	p.Accepted.Add(int64(len(ps)))
	return len(ps), nil
}
