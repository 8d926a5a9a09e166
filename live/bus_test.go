package live

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
)

// TestBusAlone: on a single instance the bus hands positions to the hub,
// reports no NATS and is ready; remote events reach only the listeners
// of their topic.
func TestBusAlone(t *testing.T) {
	t.Parallel()
	hub := NewHub(auth.NewHierarchy(map[int64]int64{1: 0, 2: 1}))
	b := NewBus(hub, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if b.Shared() || b.Ping() != nil {
		t.Error("a bus without NATS is not shared and pings fine")
	}
	b.PublishPositions([]model.Position{{VolunteerID: 5, GridID: 2, Lon: 1, Lat: 1, At: time.Now()}})
	if _, ok := hub.Latest(5); !ok {
		t.Error("the position did not reach the hub")
	}
	var coverage, boundaries int
	b.OnRemote(TopicCoverage, func(Event) { coverage++ })
	b.OnRemote(TopicBoundaries, func(Event) { boundaries++ })
	b.remote(Event{Topic: TopicCoverage})
	b.remote(Event{Topic: TopicCoverage})
	b.remote(Event{Topic: TopicGeofence})
	if coverage != 2 || boundaries != 0 {
		t.Errorf("coverage listener %d, boundaries %d; want 2 and 0", coverage, boundaries)
	}
}
