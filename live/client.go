package live

import (
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
)

// Subscription is what a viewer asked to receive.
type Subscription struct {
	Root   int64      // grid subtree; 0 for the whole area
	BBox   *orb.Bound // optional: positions inside this box only
	Topics map[string]bool
}

// Wants reports whether the subscription includes topic.
func (s *Subscription) Wants(topic string) bool { return s.Topics[topic] }

// Item is one queued message: a durable event (seq > 0) or a control frame.
type Item struct {
	seq  int64
	data []byte
}

// Client is one viewer's state in the hub: its subscription, the bounded
// queue of durable events and control frames, and the positions waiting
// for the next frame (latest per volunteer).
type Client struct {
	sub       atomic.Pointer[Subscription]
	positions atomic.Bool // the subscription wants positions: read per position, so no map lookup
	queue     chan Item

	mu      sync.Mutex
	pending map[int64]model.Position
	kick    chan struct{} // wakes the writer when positions wait

	lastSeq atomic.Int64 // highest event seq handed to the writer
	done    chan struct{}
	once    sync.Once
	code    atomic.Int32 // why the hub closed it
}

// NewClient makes a client with a queue of the given length.
func NewClient(queue int) *Client {
	return &Client{
		queue:   make(chan Item, queue),
		pending: map[int64]model.Position{},
		kick:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
}

// Subscription returns the client's current subscription (nil before
// it subscribed).
func (c *Client) Subscription() *Subscription { return c.sub.Load() }

// Queue is the channel the writer drains.
func (c *Client) Queue() <-chan Item { return c.queue }

// Kick is signalled when positions are pending.
func (c *Client) Kick() <-chan struct{} { return c.kick }

// Done is closed when the hub drops the client.
func (c *Client) Done() <-chan struct{} { return c.done }

// CloseCode says why the hub dropped the client.
func (c *Client) CloseCode() int { return int(c.code.Load()) }

// Data returns a queued Item's bytes, and whether the writer should send
// it: a replayed durable event at or below what was already sent is not.
func (c *Client) Data(it Item) ([]byte, bool) {
	if it.seq > 0 {
		for {
			last := c.lastSeq.Load()
			if it.seq <= last {
				return nil, false
			}
			if c.lastSeq.CompareAndSwap(last, it.seq) {
				break
			}
		}
	}
	return it.data, true
}

// SetLastSeq records the last event seq the client has had (from its
// resume request or its snapshot).
func (c *Client) SetLastSeq(seq int64) { c.lastSeq.Store(seq) }

// TakePositions returns the pending positions as one frame and clears
// them; nil when none wait.
func (c *Client) TakePositions() []byte {
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return nil
	}
	b := make([]byte, 0, 40+110*len(c.pending))
	b = append(b, `{"type":"positions","items":[`...)
	first := true
	for id, p := range c.pending {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendPosition(b, p)
		delete(c.pending, id)
	}
	c.mu.Unlock()
	return append(b, "]}"...)
}

// offerPosition coalesces p into the pending frame.
func (c *Client) offerPosition(p model.Position) {
	c.mu.Lock()
	c.pending[p.VolunteerID] = p
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// offer queues an Item without blocking; a full queue means the client
// fell behind, and it is dropped.
func (c *Client) offer(it Item) bool {
	select {
	case c.queue <- it:
		return true
	default:
		c.close(CloseSlowConsumer)
		return false
	}
}

// Send queues a control frame for this client only (a snapshot, an
// error); false when the queue is full and the client was dropped.
func (c *Client) Send(data []byte) bool { return c.offer(Item{data: data}) }

// SendEvent queues a replayed durable event for this client only.
func (c *Client) SendEvent(e Event) bool { return c.offer(Item{seq: e.Seq, data: e.Frame()}) }

func (c *Client) close(code int) {
	c.once.Do(func() {
		c.code.Store(int32(code))
		close(c.done)
	})
}

// inScope is the scope check a subscription passes before the hub takes
// it: its root lies in the principal's scope, and a scoped principal
// cannot ask for the whole area.
func inScope(p *auth.Principal, h *auth.Hierarchy, root int64) bool {
	sc := p.Scope()
	if root == 0 {
		return sc.All()
	}
	return sc.Contains(h, root)
}
