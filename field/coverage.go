package field

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/store"
)

// Publisher stores events (which numbers them) and hands them to viewers
// here and on other instances (ingest.Pipeline in the product).
type Publisher interface {
	PublishEvents(evs []store.LiveEvent)
}

// Coverage keeps the live coverage figures (a coverage.Live, which holds
// the rules: deltas, journal, recount) current and published: it
// recounts when asked, when the local day changes and every interval,
// applies committed writes' changes, and takes in other instances'
// deltas. Safe for concurrent use.
type Coverage struct {
	live   *coverage.Live
	scopes *access.Scopes // the hierarchy the figures roll up by
	events Publisher
	now    func() time.Time
	loc    *time.Location
	log    *slog.Logger
}

// NewCoverage returns the figures of the area in loc, counted by count
// and rolled up by scopes' hierarchy; changes go to events.
func NewCoverage(count coverage.Counter, scopes *access.Scopes, events Publisher, loc *time.Location, now func() time.Time, log *slog.Logger) *Coverage {
	if now == nil {
		now = time.Now
	}
	return &Coverage{live: coverage.NewLive(count, loc), scopes: scopes, events: events, now: now, loc: loc, log: log}
}

// Today is the area's local day at t.
func (c *Coverage) Today(t time.Time) string { return c.live.Today(t) }

// Location is the area's time zone, which "today" and sampling sites'
// opening hours are in.
func (c *Coverage) Location() *time.Location { return c.loc }

// Day is the local day the figures are for ("" before the first count).
func (c *Coverage) Day() string { return c.live.Day() }

// Get returns a grid's figures.
func (c *Coverage) Get(grid int64) coverage.Figures { return c.live.Get(grid) }

// Fresh makes sure the figures are for today.
func (c *Coverage) Fresh(ctx context.Context) error {
	if c.live.Day() == c.Today(c.now()) {
		return nil
	}
	h, err := c.scopes.Hierarchy(ctx)
	if err != nil {
		return err
	}
	return c.live.Fresh(ctx, c.now(), h.Parent)
}

// Recount counts every compound grid and publishes the figures that
// changed, returning how many did; without publish it only makes sure
// there are figures for today (see coverage.Live.Recount).
func (c *Coverage) Recount(ctx context.Context, publish bool) (int, error) {
	h, err := c.scopes.Hierarchy(ctx)
	if err != nil {
		return 0, err
	}
	now := c.now()
	changed, err := c.live.Recount(ctx, now, h.Parent, publish)
	if err != nil {
		return 0, err
	}
	if publish && len(changed) > 0 {
		evs := make([]store.LiveEvent, len(changed))
		for i, f := range changed {
			evs[i] = store.LiveEvent{At: now, Topic: live.TopicCoverage, GridID: f.Grid, Payload: f.JSON()}
		}
		c.events.PublishEvents(evs)
	}
	return len(changed), nil
}

// recountAfter recounts after what (an import, a boundary publication)
// changed many grids at once, logging a failure: the next periodic count
// corrects the figures.
func (c *Coverage) recountAfter(ctx context.Context, what string) {
	if _, err := c.Recount(ctx, true); err != nil {
		c.log.Warn("coverage recount after "+what, "error", err)
	}
}

// Run recounts every interval and just after each local midnight, until
// ctx ends.
func (c *Coverage) Run(ctx context.Context, every time.Duration) {
	for {
		now := c.now()
		wait := every
		y, m, d := now.In(c.loc).Date()
		if untilMidnight := time.Date(y, m, d+1, 0, 0, 1, 0, c.loc).Sub(now); untilMidnight < wait {
			wait = untilMidnight
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if n, err := c.Recount(ctx, true); err != nil && ctx.Err() == nil {
			c.log.Warn("coverage recount", "error", err)
		} else if n > 0 {
			c.log.Info("coverage recount changed figures", "grids", n)
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
// publishes its events and the new figures. Called under live.Hold.
func (c *Coverage) commitChange(ch store.Change) {
	figs := c.live.Apply(ch.Grid, ch.Delta, ch.Xid)
	now := c.now()
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
	if len(evs) > 0 {
		c.events.PublishEvents(evs)
	}
}

// ApplyRemote takes in a coverage event another instance published: its
// delta, if it carries one, is applied to this instance's figures.
func (c *Coverage) ApplyRemote(e live.Event) {
	var p coverageDelta
	if json.Unmarshal(e.Payload, &p) != nil || p.Delta == nil {
		return
	}
	c.live.ApplyRemote(p.Grid, *p.Delta, p.Xid)
}
