package live

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
)

// 1 subdistrict
// ├── 2 community ── 4, 5 compounds
// └── 3 community ── 6 compound
func testHub() *Hub {
	return NewHub(auth.NewHierarchy(map[int64]int64{1: 0, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3}))
}

func all() map[string]bool {
	m := map[string]bool{}
	for _, t := range Topics() {
		m[t] = true
	}
	return m
}

type frame struct {
	Type  string
	Items []struct {
		V int64
		G int64
	}
	Positions []struct{ V int64 }
	Seq       int64
}

func decode(t *testing.T, b []byte) frame {
	t.Helper()
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return f
}

func TestRoutingBySubtree(t *testing.T) {
	t.Parallel()
	h := testHub()
	admin := &auth.Principal{Role: auth.Viewer}
	leader := &auth.Principal{Role: auth.GridLeader, GridID: 2}
	whole, community, compound, other := NewClient(8), NewClient(8), NewClient(8), NewClient(8)
	for c, root := range map[*Client]int64{whole: 0, community: 2, compound: 4, other: 6} {
		p := admin
		if root == 2 || root == 4 {
			p = leader
		}
		if _, _, err := h.Subscribe(c, p, &Subscription{Root: root, Topics: all()}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	h.PublishPositions([]model.Position{
		{VolunteerID: 1, GridID: 4, At: now}, // in 4, so in 2 and the whole area
		{VolunteerID: 2, GridID: 6, At: now}, // in 6
		{VolunteerID: 3, GridID: 0, At: now}, // outside every grid
	})
	want := map[*Client][]int64{whole: {1, 2, 3}, community: {1}, compound: {1}, other: {2}}
	for c, ids := range want {
		f := decode(t, c.TakePositions())
		got := map[int64]bool{}
		for _, it := range f.Items {
			got[it.V] = true
		}
		if len(got) != len(ids) {
			t.Errorf("client got %v, want %v", got, ids)
		}
		for _, id := range ids {
			if !got[id] {
				t.Errorf("client lacks volunteer %d: %v", id, got)
			}
		}
	}
	h.PublishEvent(Event{Seq: 7, Topic: TopicGeofence, GridID: 5})
	for c, wantEvent := range map[*Client]bool{whole: true, community: true, compound: false, other: false} {
		select {
		case <-c.Queue():
			if !wantEvent {
				t.Error("event for grid 5 reached a client outside it")
			}
		default:
			if wantEvent {
				t.Error("event for grid 5 missed a subscriber")
			}
		}
	}
}

func TestSubscribeScope(t *testing.T) {
	t.Parallel()
	h := testHub()
	leader := &auth.Principal{Role: auth.GridLeader, GridID: 2}
	for _, root := range []int64{0, 1, 3, 6, 99} {
		if _, _, err := h.Subscribe(NewClient(1), leader, &Subscription{Root: root, Topics: all()}); !errors.Is(err, ErrOutOfScope) {
			t.Errorf("leader of 2 subscribing to %d: %v, want ErrOutOfScope", root, err)
		}
	}
	if _, _, err := h.Subscribe(NewClient(1), leader, &Subscription{Root: 5, Topics: all()}); err != nil {
		t.Errorf("leader of 2 subscribing to 5: %v", err)
	}
}

func TestCoalesceAndSnapshot(t *testing.T) {
	t.Parallel()
	h := testHub()
	c := NewClient(8)
	viewer := &auth.Principal{Role: auth.Viewer}
	h.Subscribe(c, viewer, &Subscription{Topics: all()})
	t0 := time.Now()
	for i := 0; i < 100; i++ {
		h.PublishPositions([]model.Position{{VolunteerID: 1, GridID: 4, Lon: float64(i), At: t0.Add(time.Duration(i) * time.Second)}})
	}
	h.PublishPositions([]model.Position{{VolunteerID: 1, GridID: 4, Lon: -1, At: t0}}) // late and old: ignored
	f := decode(t, c.TakePositions())
	if len(f.Items) != 1 {
		t.Fatalf("100 positions of one volunteer gave %d items, want 1", len(f.Items))
	}
	if p, _ := h.Latest(1); p.Lon != 99 {
		t.Errorf("latest lon %v, want 99", p.Lon)
	}
	snap, _, _ := h.Subscribe(NewClient(1), viewer, &Subscription{Root: 2, Topics: all()})
	if len(snap) != 1 || snap[0].Lon != 99 {
		t.Errorf("snapshot %v", snap)
	}
}

func TestSlowConsumerDropped(t *testing.T) {
	t.Parallel()
	h := testHub()
	viewer := &auth.Principal{Role: auth.Viewer}
	slow, fast := NewClient(4), NewClient(100)
	h.Subscribe(slow, viewer, &Subscription{Topics: all()})
	h.Subscribe(fast, viewer, &Subscription{Topics: all()})
	for i := int64(1); i <= 10; i++ {
		h.PublishEvent(Event{Seq: i, Topic: TopicAlerts, GridID: 4})
	}
	select {
	case <-slow.Done():
		if slow.CloseCode() != CloseSlowConsumer {
			t.Errorf("close code %d", slow.CloseCode())
		}
	default:
		t.Fatal("a client that never read is still connected")
	}
	if len(fast.queue) != 10 || h.Clients() != 1 || h.Dropped.Load() != 1 {
		t.Errorf("fast client has %d events, hub %d clients, %d dropped", len(fast.queue), h.Clients(), h.Dropped.Load())
	}
}

func TestReplayDedupe(t *testing.T) {
	t.Parallel()
	c := NewClient(8)
	c.SetLastSeq(5)
	for _, seq := range []int64{4, 5, 6, 6, 7} {
		c.queue <- Item{seq: seq, data: []byte("x")}
	}
	var sent []int64
	for len(c.queue) > 0 {
		it := <-c.queue
		if _, ok := c.Data(it); ok {
			sent = append(sent, it.seq)
		}
	}
	if len(sent) != 2 || sent[0] != 6 || sent[1] != 7 {
		t.Errorf("sent %v, want [6 7]", sent)
	}
}
