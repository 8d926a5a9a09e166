package live

import (
	"cmp"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
)

// ErrOutOfScope refuses a subscription outside the principal's scope.
var ErrOutOfScope = errors.New("live: subscription outside your grid")

// Hub routes positions and events to the clients subscribed to them.
type Hub struct {
	mu        sync.RWMutex
	hier      *auth.Hierarchy
	clients   map[*Client]struct{}
	byRoot    map[int64]map[*Client]struct{} // subscription root → clients
	latest    map[int64]model.Position       // every volunteer's latest, for snapshots
	lastSeq   int64                          // highest event seq published
	Dropped   atomic.Int64                   // clients dropped for falling behind
	Positions atomic.Int64                   // positions delivered into client frames
}

// NewHub returns a hub over the grid hierarchy h.
func NewHub(h *auth.Hierarchy) *Hub {
	return &Hub{hier: h, clients: map[*Client]struct{}{}, byRoot: map[int64]map[*Client]struct{}{}, latest: map[int64]model.Position{}}
}

// SetHierarchy swaps in a new hierarchy after boundaries change.
func (h *Hub) SetHierarchy(hier *auth.Hierarchy) {
	h.mu.Lock()
	h.hier = hier
	h.mu.Unlock()
}

// Hierarchy returns the current hierarchy.
func (h *Hub) Hierarchy() *auth.Hierarchy {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.hier
}

// Subscribe sets (or replaces) a client's subscription after the scope
// check, and returns the snapshot of latest positions it covers with the
// highest event seq published so far.
func (h *Hub) Subscribe(c *Client, p *auth.Principal, sub *Subscription) ([]model.Position, int64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !inScope(p, h.hier, sub.Root) {
		return nil, 0, ErrOutOfScope
	}
	h.removeLocked(c)
	c.sub.Store(sub)
	c.positions.Store(sub.Wants(TopicPositions))
	h.clients[c] = struct{}{}
	set := h.byRoot[sub.Root]
	if set == nil {
		set = map[*Client]struct{}{}
		h.byRoot[sub.Root] = set
	}
	set[c] = struct{}{}
	var snap []model.Position
	if sub.Wants(TopicPositions) {
		for _, pos := range h.latest {
			if h.matchesLocked(sub, pos) {
				snap = append(snap, pos)
			}
		}
	}
	return snap, h.lastSeq, nil
}

// Unsubscribe removes a client.
func (h *Hub) Unsubscribe(c *Client) {
	h.mu.Lock()
	h.removeLocked(c)
	h.mu.Unlock()
}

func (h *Hub) removeLocked(c *Client) {
	if sub := c.sub.Load(); sub != nil {
		if set := h.byRoot[sub.Root]; set != nil {
			delete(set, c)
			if len(set) == 0 {
				delete(h.byRoot, sub.Root)
			}
		}
	}
	delete(h.clients, c)
}

// Clients returns the number of subscribed clients.
func (h *Hub) Clients() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.clients)
}

func (h *Hub) matchesLocked(sub *Subscription, p model.Position) bool {
	if sub.BBox != nil && !sub.BBox.Contains([2]float64{p.Lon, p.Lat}) {
		return false
	}
	return sub.Root == 0 || (p.GridID != 0 && (auth.Scope{Root: sub.Root}).Contains(h.hier, p.GridID))
}

// recipientsLocked collects the clients subscribed to grid or one of its
// ancestors, and those watching the whole area. A position outside every
// grid (grid 0) reaches whole-area viewers only.
func (h *Hub) recipientsLocked(grid int64, out []*Client) []*Client {
	for c := range h.byRoot[0] {
		out = append(out, c)
	}
	for g, i := grid, 0; g != 0 && i < 16; i++ {
		for c := range h.byRoot[g] {
			out = append(out, c)
		}
		g = h.hier.Parent(g)
	}
	return out
}

// PublishPositions records the latest positions and hands each to the
// clients that want it. Recipients are collected under the read lock and
// offered after it is released, so a slow client never holds the hub.
func (h *Hub) PublishPositions(ps []model.Position) {
	type delivery struct {
		c *Client
		p model.Position
	}
	var out []delivery
	var rcpt []*Client
	h.mu.Lock()
	for _, p := range ps {
		if old, ok := h.latest[p.VolunteerID]; ok && old.At.After(p.At) {
			continue // an older report arriving late
		}
		h.latest[p.VolunteerID] = p
		rcpt = h.recipientsLocked(p.GridID, rcpt[:0])
		for _, c := range rcpt {
			if !c.positions.Load() {
				continue
			}
			if box := c.sub.Load().BBox; box == nil || box.Contains([2]float64{p.Lon, p.Lat}) {
				out = append(out, delivery{c, p})
			}
		}
	}
	h.mu.Unlock()
	for _, d := range out {
		d.c.offerPosition(d.p)
	}
	h.Positions.Add(int64(len(out)))
}

// PublishEvent queues a durable event for every client subscribed to its
// topic and grid. A client whose queue is full is dropped.
func (h *Hub) PublishEvent(e Event) {
	h.mu.Lock()
	if e.Seq > h.lastSeq {
		h.lastSeq = e.Seq
	}
	rcpt := h.recipientsLocked(e.GridID, nil)
	h.mu.Unlock()
	data := e.Frame()
	for _, c := range rcpt {
		if !c.sub.Load().Wants(e.Topic) {
			continue
		}
		if !c.offer(Item{seq: e.Seq, data: data}) {
			h.Dropped.Add(1)
			h.Unsubscribe(c)
		}
	}
}

// LastSeq is the highest event seq published through this hub.
func (h *Hub) LastSeq() int64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.lastSeq
}

// SetLastSeq raises the hub's last seq, e.g. from the database at start.
func (h *Hub) SetLastSeq(seq int64) {
	h.mu.Lock()
	if seq > h.lastSeq {
		h.lastSeq = seq
	}
	h.mu.Unlock()
}

// Latest returns the latest position of a volunteer.
func (h *Hub) Latest(volunteer int64) (model.Position, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	p, ok := h.latest[volunteer]
	return p, ok
}

// Near is a volunteer's latest position and its distance from a point.
type Near struct {
	model.Position
	Distance float64 // metres
}

// Nearest returns up to n volunteers nearest (lon, lat) by their latest
// positions, among those whose current grid passes keep.
func (h *Hub) Nearest(lon, lat float64, n int, keep func(grid int64) bool) []Near {
	h.mu.RLock()
	out := make([]Near, 0, n+1)
	for _, p := range h.latest {
		if !keep(p.GridID) {
			continue
		}
		d := orbgeo.Distance(orb.Point{lon, lat}, orb.Point{p.Lon, p.Lat})
		if len(out) == n && d >= out[n-1].Distance {
			continue
		}
		i, _ := slices.BinarySearchFunc(out, d, func(x Near, d float64) int { return cmp.Compare(x.Distance, d) })
		out = slices.Insert(out, i, Near{p, d})
		if len(out) > n {
			out = out[:n]
		}
	}
	h.mu.RUnlock()
	return out
}
