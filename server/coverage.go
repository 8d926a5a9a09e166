package server

import (
	"context"
	"log/slog"

	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/store"
)

// directEvents publishes events without an ingest pipeline (a server
// that refuses positions, as in some tests): it stores them, which
// numbers them, and hands them to the bus.
type directEvents struct {
	store *store.Store
	bus   *live.Bus
	log   *slog.Logger
}

// PublishEvents stores evs and publishes them on the bus.
func (d directEvents) PublishEvents(evs []store.LiveEvent) {
	if len(evs) == 0 {
		return
	}
	stored, err := d.store.AppendEvents(context.Background(), evs)
	if err != nil {
		d.log.Error("store events", "error", err, "events", len(evs))
		return
	}
	for _, e := range stored {
		d.bus.PublishEvent(live.Event{Seq: e.Seq, Topic: e.Topic, GridID: e.GridID, At: e.At, Payload: e.Payload})
	}
}
