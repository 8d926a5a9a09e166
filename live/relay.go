package live

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/nats-io/nats.go"
)

// NATS subjects between gridmap instances.
const (
	subjectPositions = "gridmap.live.positions"
	subjectEvents    = "gridmap.live.events"
	originHeader     = "Gridmap-Origin"
)

// Relay shares positions and events between gridmap instances through
// NATS: what one instance ingests is published once, and every other
// instance hands it to its own hub. An instance ignores its own messages
// (it delivered them locally already).
type Relay struct {
	nc   *nats.Conn
	id   string
	hub  *Hub
	log  *slog.Logger
	subs []*nats.Subscription

	onRemote atomic.Pointer[func(Event)]
}

// OnRemoteEvent sets a function called with each event another instance
// published, before the hub delivers it (the server applies other
// instances' coverage deltas to its own roll-up).
func (r *Relay) OnRemoteEvent(fn func(Event)) { r.onRemote.Store(&fn) }

// wirePosition is a position on the wire between instances.
type wirePosition struct {
	V    int64   `json:"v"`
	Team int64   `json:"team"`
	G    int64   `json:"g"`
	Lon  float64 `json:"lon"`
	Lat  float64 `json:"lat"`
	Acc  float32 `json:"acc"`
	T    int64   `json:"t"` // Unix ms
}

// NewRelay connects to NATS at url and starts delivering other
// instances' positions and events to hub. id names this instance.
func NewRelay(url, id string, hub *Hub, log *slog.Logger) (*Relay, error) {
	// RetryOnFailedConnect: an instance started while NATS is down serves
	// alone (local fan-out) and joins the others once NATS answers.
	nc, err := nats.Connect(url, nats.Name("gridmap "+id), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("nats disconnected", "error", err) }),
		nats.ReconnectHandler(func(*nats.Conn) { log.Info("nats reconnected") }))
	if err != nil {
		return nil, fmt.Errorf("live: connect nats %s: %w", url, err)
	}
	r := &Relay{nc: nc, id: id, hub: hub, log: log}
	for subject, handle := range map[string]nats.MsgHandler{subjectPositions: r.onPositions, subjectEvents: r.onEvent} {
		sub, err := nc.Subscribe(subject, handle)
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("live: subscribe %s: %w", subject, err)
		}
		sub.SetPendingLimits(1<<20, 256<<20)
		r.subs = append(r.subs, sub)
	}
	if nc.IsConnected() {
		if err := nc.Flush(); err != nil {
			nc.Close()
			return nil, fmt.Errorf("live: nats flush: %w", err)
		}
	} else {
		log.Warn("nats unreachable at start; serving alone and retrying", "url", url)
	}
	return r, nil
}

// Close drains the subscriptions and disconnects.
func (r *Relay) Close() {
	for _, s := range r.subs {
		s.Unsubscribe()
	}
	r.nc.Close()
}

// Ping reports whether NATS answers.
func (r *Relay) Ping() error {
	if !r.nc.IsConnected() {
		return errors.New("live: nats not connected")
	}
	return r.nc.FlushTimeout(2 * time.Second)
}

func (r *Relay) publish(subject string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	msg := nats.NewMsg(subject)
	msg.Header.Set(originHeader, r.id)
	msg.Data = data
	return r.nc.PublishMsg(msg)
}

// PublishPositions sends a batch to the other instances.
func (r *Relay) PublishPositions(ps []model.Position) error {
	w := make([]wirePosition, len(ps))
	for i, p := range ps {
		w[i] = wirePosition{V: p.VolunteerID, Team: p.TeamID, G: p.GridID, Lon: p.Lon, Lat: p.Lat, Acc: p.Accuracy, T: p.At.UnixMilli()}
	}
	return r.publish(subjectPositions, w)
}

// PublishEvent sends a durable event to the other instances.
func (r *Relay) PublishEvent(e Event) error { return r.publish(subjectEvents, e) }

func (r *Relay) onPositions(m *nats.Msg) {
	if m.Header.Get(originHeader) == r.id {
		return
	}
	var w []wirePosition
	if err := json.Unmarshal(m.Data, &w); err != nil {
		r.log.Warn("nats: bad positions message", "error", err)
		return
	}
	ps := make([]model.Position, len(w))
	for i, p := range w {
		ps[i] = model.Position{VolunteerID: p.V, TeamID: p.Team, GridID: p.G, Lon: p.Lon, Lat: p.Lat, Accuracy: p.Acc, At: time.UnixMilli(p.T)}
	}
	r.hub.PublishPositions(ps)
}

func (r *Relay) onEvent(m *nats.Msg) {
	if m.Header.Get(originHeader) == r.id {
		return
	}
	var e Event
	if err := json.Unmarshal(m.Data, &e); err != nil {
		r.log.Warn("nats: bad event message", "error", err)
		return
	}
	if fn := r.onRemote.Load(); fn != nil {
		(*fn)(e)
	}
	r.hub.PublishEvent(e)
}
