package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/store"
)

// The live coverage figures are a coverage.Live (the rules: deltas,
// journal, recount). The server recounts when it starts, when the local
// day changes and every CoverageEvery, and publishes what changed.

// today is the area's local day at t.
func (s *Server) today(t time.Time) string { return s.cov.Today(t) }

// freshCoverage makes sure the figures are for today.
func (s *Server) freshCoverage(ctx context.Context) error {
	if s.cov.Day() == s.today(s.now()) {
		return nil
	}
	h, err := s.hierarchy(ctx)
	if err != nil {
		return err
	}
	return s.cov.Fresh(ctx, s.now(), h.Parent)
}

// reconcile recounts every compound grid and publishes the figures that
// changed; without publish it only makes sure there are figures for
// today (see coverage.Live.Recount).
func (s *Server) reconcile(ctx context.Context, publish bool) (int, error) {
	h, err := s.hierarchy(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	changed, err := s.cov.Recount(ctx, now, h.Parent, publish)
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

// commitChange applies a committed write's change to the figures and
// publishes its events and the new figures. Called under s.cov.Hold.
func (s *Server) commitChange(ch store.Change) {
	figs := s.cov.Apply(ch.Grid, ch.Delta, ch.Xid)
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

// applyRemoteCoverage takes in a coverage event another instance
// published: its delta, if it carries one, is applied to this instance's
// figures.
func (s *Server) applyRemoteCoverage(e live.Event) {
	var p coverageDelta
	if json.Unmarshal(e.Payload, &p) != nil || p.Delta == nil {
		return
	}
	s.cov.ApplyRemote(p.Grid, *p.Delta, p.Xid)
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
		s.bus.PublishEvent(le)
	}
}
