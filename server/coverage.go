package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/store"
)

// The live coverage figures. Each field write changes one compound grid's
// tally by the delta the store worked out inside the write's transaction;
// the roll-up adds it to the grid and its ancestors and the new figures go
// out as coverage events. A full count (reconcile) runs when the server
// starts, when the local day changes, and every CoverageEvery, to take in
// what time changes by itself (visits falling due, quarantines ending)
// and any drift. Writes hold covMu for reading while they commit and apply
// their delta; a recount takes it for writing only to start its journal
// and to swap in the new figures, not while it counts.

// today is the area's local day at t.
func (s *Server) today(t time.Time) string { return t.In(s.cfg.Location).Format(time.DateOnly) }

// freshCoverage makes sure the roll-up holds figures for today, counting
// them in full if it holds none or an older day's.
func (s *Server) freshCoverage(ctx context.Context) error {
	if s.cov.Day() == s.today(s.now()) {
		return nil
	}
	_, err := s.reconcile(ctx, false)
	return err
}

// journaled is a write's delta recorded while a recount runs.
type journaled struct {
	xid   uint64
	grid  int64
	delta coverage.Tally
}

// reconcile recounts every compound grid and replaces the roll-up,
// publishing the figures that changed when publish is set. Writes go on
// while the count runs (it can take a second on a city): each one's delta
// is journaled with its transaction id, and those the count's snapshot
// did not see are added to the count before it replaces the roll-up, so
// no write is lost or counted twice.
func (s *Server) reconcile(ctx context.Context, publish bool) (int, error) {
	h, err := s.hierarchy(ctx)
	if err != nil {
		return 0, err
	}
	s.recountMu.Lock() // one recount at a time
	defer s.recountMu.Unlock()
	now := s.now()
	today := s.today(now)
	if !publish && s.cov.Day() == today {
		return 0, nil // another request counted meanwhile
	}
	s.covMu.Lock()
	s.journal = []journaled{}
	s.covMu.Unlock()
	leaves, snap, err := s.store.CoverageLeaves(ctx, today, now)
	s.covMu.Lock()
	journal := s.journal
	s.journal = nil
	var changed []coverage.Figures
	if err == nil {
		for _, j := range journal {
			if !snap.Visible(j.xid) {
				t := leaves[j.grid]
				t.Add(j.delta)
				leaves[j.grid] = t
			}
		}
		changed = s.cov.Reconcile(today, leaves, h.Parent)
		s.counted = snap
	}
	s.covMu.Unlock()
	if err != nil {
		return 0, err
	}
	if publish && len(changed) > 0 {
		evs := make([]store.LiveEvent, len(changed))
		for i, f := range changed {
			evs[i] = store.LiveEvent{At: now, Topic: live.TopicCoverage, GridID: f.Grid, Payload: f.JSON()}
		}
		s.publish(evs)
	}
	return len(changed), nil
}

// record applies a committed write's delta and journals it when a
// recount is running. Called with covMu held for reading.
func (s *Server) record(grid int64, d coverage.Tally, xid uint64) []coverage.Figures {
	if d.IsZero() {
		return nil
	}
	s.journalMu.Lock()
	if s.journal != nil {
		s.journal = append(s.journal, journaled{xid, grid, d})
	}
	s.journalMu.Unlock()
	return s.cov.Apply(grid, d)
}

// runReconcile recounts coverage every CoverageEvery and just after each
// local midnight, until ctx ends.
func (s *Server) runReconcile(ctx context.Context) {
	for {
		now := s.now()
		wait := s.cfg.CoverageEvery
		y, m, d := now.In(s.cfg.Location).Date()
		if untilMidnight := time.Date(y, m, d+1, 0, 0, 1, 0, s.cfg.Location).Sub(now); untilMidnight < wait {
			wait = untilMidnight
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if n, err := s.reconcile(ctx, true); err != nil && ctx.Err() == nil {
			s.log.Warn("coverage recount", "error", err)
		} else if n > 0 {
			s.log.Info("coverage recount changed figures", "grids", n)
		}
	}
}

// coverageDelta is the payload of the first coverage event of a write:
// the figures plus the delta, so that other instances can apply the same
// change to their own roll-up (deltas add up in any order; absolute
// figures from two instances would not).
type coverageDelta struct {
	coverage.Figures
	Delta *coverage.Tally `json:"delta,omitempty"`
	Xid   uint64          `json:"xid,omitempty"` // the write's transaction
}

// commitChange applies a committed write's change to the roll-up and
// publishes its events and the new figures. Called with covMu held for
// reading.
func (s *Server) commitChange(ch store.Change) {
	figs := s.record(ch.Grid, ch.Delta, ch.Xid)
	now := s.now()
	evs := ch.Events
	for i := range evs {
		evs[i].At = now
	}
	for i, f := range figs {
		p := coverageDelta{Figures: f}
		if i == 0 {
			d := ch.Delta
			p.Delta, p.Xid = &d, ch.Xid
		}
		b, _ := json.Marshal(p)
		evs = append(evs, store.LiveEvent{At: now, Topic: live.TopicCoverage, GridID: f.Grid, Payload: b})
	}
	s.publish(evs)
}

// applyRemote takes in a coverage event another instance published: its
// delta, if it carries one, is applied to this instance's roll-up.
func (s *Server) applyRemote(e live.Event) {
	if e.Topic == live.TopicBoundaries {
		go s.boundariesChanged(context.Background())
		return
	}
	if e.Topic != live.TopicCoverage {
		return
	}
	var p coverageDelta
	if json.Unmarshal(e.Payload, &p) != nil || p.Delta == nil {
		return
	}
	s.covMu.RLock()
	defer s.covMu.RUnlock()
	// A delta can reach this instance after a recount whose snapshot
	// already saw its transaction: the figures hold it, so adding it again
	// would count it twice (until the next recount).
	if p.Xid != 0 && s.counted.Visible(p.Xid) {
		return
	}
	s.record(p.Grid, *p.Delta, p.Xid)
}

// publish stores events (which numbers them) and hands them to viewers
// here and on other instances, through the ingest pipeline's event queue
// when there is one.
func (s *Server) publish(evs []store.LiveEvent) {
	if len(evs) == 0 {
		return
	}
	if s.ingest != nil {
		s.ingest.PublishEvents(evs)
		return
	}
	stored, err := s.store.AppendEvents(context.Background(), evs)
	if err != nil {
		s.log.Error("store events", "error", err, "events", len(evs))
		return
	}
	for _, e := range stored {
		le := live.Event{Seq: e.Seq, Topic: e.Topic, GridID: e.GridID, At: e.At, Payload: e.Payload}
		s.hub.PublishEvent(le)
		if s.relay != nil {
			s.relay.PublishEvent(le)
		}
	}
}
