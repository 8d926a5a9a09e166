package ingest

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
	"github.com/gridmap/gridmap/track"
)

// geofencePayload is the data of a geofence stream event.
type geofencePayload struct {
	Kind      track.Kind `json:"kind"`
	Volunteer int64      `json:"volunteer"`
	Team      int64      `json:"team"`
	TeamGrid  int64      `json:"team_grid"`
	Lon       float64    `json:"lon"`
	Lat       float64    `json:"lat"`
}

// track feeds positions to the geofence tracker and queues its events.
func (p *Pipeline) track(v store.VolunteerInfo, ps []model.Position) {
	var evs []track.Event
	p.trackMu.Lock()
	for _, pos := range ps {
		evs = append(evs, p.tracker.Observe(pos.VolunteerID, v.TeamGridID, pos.At, pos.Lon, pos.Lat, pos.GridID)...)
	}
	p.trackMu.Unlock()
	for _, e := range evs {
		payload, _ := json.Marshal(geofencePayload{Kind: e.Kind, Volunteer: e.VolunteerID, Team: v.TeamID, TeamGrid: e.TeamGridID, Lon: e.Lon, Lat: e.Lat})
		le := store.LiveEvent{At: e.At, Topic: live.TopicGeofence, GridID: e.GridID, VolunteerID: e.VolunteerID, Payload: payload}
		if le.GridID == 0 {
			le.GridID = e.TeamGridID // an exit from every grid concerns the team's area
		}
		select {
		case p.events <- le:
		default:
			p.log.Error("geofence event queue full; event lost", "volunteer_id", e.VolunteerID, "kind", e.Kind)
		}
	}
}

// PublishEvents queues events (field writes' screening, alerts and
// coverage events) to be stored, numbered and published like geofence
// events. The queue is large; an event that finds it full is logged and
// lost, and the next coverage recount corrects the figures it carried.
func (p *Pipeline) PublishEvents(evs []store.LiveEvent) {
	for _, e := range evs {
		select {
		case p.events <- e:
		default:
			p.log.Error("event queue full; event lost", "topic", e.Topic, "grid_id", e.GridID)
		}
	}
}

// Run persists buffered positions and events until ctx ends, then
// flushes what is left, so a graceful shutdown loses nothing accepted.
func (p *Pipeline) Run(ctx context.Context) {
	done := make(chan struct{})
	go func() { p.runEvents(ctx); close(done) }()
	p.runPositions(ctx)
	<-done
}

// writers is how many groups commit at once. One: with four, commits
// queued on PostgreSQL's WAL (WALWrite/WALSync waits) and the load test
// accepted 8,500/s instead of 10,000/s (BENCHMARKS.md); one writer makes
// the largest groups, and the next group gathers while it commits.
const writers = 1

func (p *Pipeline) runPositions(ctx context.Context) {
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() { defer wg.Done(); p.runWriter(ctx) }()
	}
	retention := time.NewTicker(time.Hour)
	defer retention.Stop()
	reload := time.NewTicker(10 * time.Second)
	defer reload.Stop()
	publication, _ := p.store.LastPublication(ctx)
	p.prune(ctx)
	for {
		select {
		case <-retention.C:
			p.prune(ctx)
		case <-reload.C:
			// Boundaries published here or on another instance: rebuild.
			if pub, err := p.store.LastPublication(ctx); err == nil && pub != publication {
				if err := p.Rebuild(ctx); err != nil {
					p.log.Error("reload grid index", "error", err)
				} else {
					publication = pub
					p.log.Info("grid index rebuilt", "publication_id", pub)
				}
			}
		case <-ctx.Done():
			wg.Wait()
			return
		}
	}
}

// runWriter commits groups of waiting requests until ctx ends, then
// writes what is still waiting, so nothing a device was told is stored
// is not.
func (p *Pipeline) runWriter(ctx context.Context) {
	for {
		select {
		case pd := <-p.buf:
			p.commit(ctx, p.gather(pd))
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for {
				select {
				case pd := <-p.buf:
					p.commit(final, p.gather(pd))
				default:
					return
				}
			}
		}
	}
}

// gather takes first and every request already waiting behind it, up to
// BatchSize positions: the group of one commit. Under load the group
// grows while the previous commit runs; at rest it is one request.
func (p *Pipeline) gather(first *pending) []*pending {
	group := []*pending{first}
	n := len(first.pos)
	for n < p.cfg.BatchSize {
		select {
		case pd := <-p.buf:
			group = append(group, pd)
			n += len(pd.pos)
		default:
			return group
		}
	}
	return group
}

// commit writes a group's positions in one transaction, retrying while
// the database is away, then tells every request of the group. If ctx
// ends first the requests are told ErrNotCommitted.
func (p *Pipeline) commit(ctx context.Context, group []*pending) {
	var batch []model.Position
	for _, pd := range group {
		batch = append(batch, pd.pos...)
	}
	var err error
	for {
		if err = p.store.WritePositions(ctx, batch); err == nil {
			p.Persisted.Add(int64(len(batch)))
			break
		}
		p.log.Error("write positions; retrying", "error", err, "positions", len(batch))
		select {
		case <-time.After(time.Second):
			continue
		case <-ctx.Done():
			err = ErrNotCommitted
		}
		break
	}
	p.queued.Add(-int64(len(batch)))
	for _, pd := range group {
		pd.done <- err
	}
}

// runEvents stores geofence events (which gives them their seq) and then
// publishes them, locally and to other instances.
func (p *Pipeline) runEvents(ctx context.Context) {
	for {
		var batch []store.LiveEvent
		select {
		case e := <-p.events:
			batch = append(batch, e)
		case <-ctx.Done():
			select {
			case e := <-p.events:
				batch = append(batch, e)
			default:
				return
			}
		}
		for more := true; more && len(batch) < 1000; {
			select {
			case e := <-p.events:
				batch = append(batch, e)
			default:
				more = false
			}
		}
		wctx := ctx
		if ctx.Err() != nil {
			var cancel context.CancelFunc
			wctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
		}
		stored, err := p.store.AppendEvents(wctx, batch)
		for err != nil && wctx.Err() == nil {
			p.log.Error("store events; retrying", "error", err, "events", len(batch))
			time.Sleep(time.Second)
			stored, err = p.store.AppendEvents(wctx, batch)
		}
		if err != nil {
			p.log.Error("events lost at shutdown", "error", err, "events", len(batch))
		}
		for _, e := range stored {
			le := live.Event{Seq: e.Seq, Topic: e.Topic, GridID: e.GridID, At: e.At, Payload: e.Payload}
			p.bus.PublishEvent(le)
			p.Published.Add(1)
		}
	}
}

// KeepRows is how long positions stay rows before they are compacted
// into segments: the live engine and a day's replay of the last hour read
// rows; older hours are read from their segments.
const KeepRows = time.Hour

// prune drops positions and stream events past the retention period,
// makes sure today's and tomorrow's partitions exist, and compacts the
// positions older than KeepRows in the background.
func (p *Pipeline) prune(ctx context.Context) {
	now := time.Now()
	if err := p.store.EnsurePositionPartitions(ctx, now.Add(-24*time.Hour), now.Add(48*time.Hour)); err != nil {
		p.log.Error("position partitions", "error", err)
	}
	cutoff := now.Add(-p.cfg.Retention)
	dropped, err := p.store.DropPositionsBefore(ctx, cutoff)
	if err != nil {
		p.log.Error("position retention", "error", err)
	}
	for _, name := range dropped {
		p.log.Info("positions past retention dropped", "partition", name)
	}
	if _, err := p.store.DropEventsBefore(ctx, cutoff); err != nil {
		p.log.Error("event retention", "error", err)
	}
	if _, err := p.store.DropSegmentsBefore(ctx, cutoff); err != nil {
		p.log.Error("position segment retention", "error", err)
	}
	if p.compacting.TryLock() {
		go func() {
			defer p.compacting.Unlock()
			began := time.Now()
			n, err := p.store.CompactPositions(ctx, began.Add(-KeepRows))
			if err != nil {
				p.log.Error("compact positions", "error", err, "moved", n)
				return
			}
			if n > 0 {
				p.log.Info("positions compacted into segments", "moved", n, "took", time.Since(began).Round(time.Millisecond))
			}
		}()
	}
}
