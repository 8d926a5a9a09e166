package live

import (
	"log/slog"
	"sync"

	"github.com/gridmap/gridmap/model"
)

// Bus is the one way live things move inside an instance: positions and
// durable events (coverage, screening, alerts, geofence, boundaries)
// published on it reach this instance's viewers through the hub and, when
// NATS is configured, the other instances through the relay; what other
// instances publish reaches the listeners registered with OnRemote (the
// coverage figures, the boundary reload) and then the hub. Nothing else
// holds the relay, so a single instance and several behave the same.
type Bus struct {
	hub   *Hub
	relay *Relay // nil for a single instance
	log   *slog.Logger

	mu        sync.RWMutex
	listeners map[string][]func(Event) // by topic: events of other instances
	observers map[string][]func(Event) // by topic: every event, this instance's and others'
}

// NewBus returns the bus of hub and relay (nil: a single instance).
func NewBus(hub *Hub, relay *Relay, log *slog.Logger) *Bus {
	b := &Bus{hub: hub, relay: relay, log: log, listeners: map[string][]func(Event){}, observers: map[string][]func(Event){}}
	if relay != nil {
		relay.OnRemoteEvent(b.remote)
	}
	return b
}

// Hub is the instance's viewer hub (subscriptions and snapshots).
func (b *Bus) Hub() *Hub { return b.hub }

// PublishPositions hands positions to this instance's viewers and to the
// other instances.
func (b *Bus) PublishPositions(ps []model.Position) {
	b.hub.PublishPositions(ps)
	if b.relay != nil {
		if err := b.relay.PublishPositions(ps); err != nil {
			b.log.Warn("nats: publish positions", "error", err)
		}
	}
}

// PublishEvent hands a stored (numbered) event to this instance's
// viewers and to the other instances.
func (b *Bus) PublishEvent(e Event) {
	b.observe(e)
	b.hub.PublishEvent(e)
	if b.relay != nil {
		if err := b.relay.PublishEvent(e); err != nil {
			b.log.Warn("nats: publish event", "error", err, "topic", e.Topic)
		}
	}
}

// OnRemote registers fn for events of topic that another instance
// published; fn runs on the relay's goroutine before viewers get the
// event, so it must not block.
func (b *Bus) OnRemote(topic string, fn func(Event)) {
	b.mu.Lock()
	b.listeners[topic] = append(b.listeners[topic], fn)
	b.mu.Unlock()
}

// Observe registers fn for every event of topic, published here or by
// another instance, before viewers get it (what derives from the events
// on every instance alike, such as the tile cache); fn must not block.
func (b *Bus) Observe(topic string, fn func(Event)) {
	b.mu.Lock()
	b.observers[topic] = append(b.observers[topic], fn)
	b.mu.Unlock()
}

func (b *Bus) observe(e Event) { b.call(b.observers, e) }

func (b *Bus) remote(e Event) {
	b.call(b.listeners, e)
	b.call(b.observers, e)
}

// call runs the functions registered in set for e's topic.
func (b *Bus) call(set map[string][]func(Event), e Event) {
	b.mu.RLock()
	fns := set[e.Topic]
	b.mu.RUnlock()
	for _, fn := range fns {
		fn(e)
	}
}

// Shared reports whether the bus reaches other instances (NATS is
// configured).
func (b *Bus) Shared() bool { return b.relay != nil }

// Ping reports whether NATS answers (nil on a single instance).
func (b *Bus) Ping() error {
	if b.relay == nil {
		return nil
	}
	return b.relay.Ping()
}
