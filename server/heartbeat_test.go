package server_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestStreamHeartbeat: with a 1 s heartbeat the snapshot and a resume say
// heartbeat_ms 1000, heartbeat frames come about every second, and a
// viewer that stops answering pings is dropped after two heartbeats and
// the write wait (12 s), not the 60 s of the default.
func TestStreamHeartbeat(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{Heartbeat: time.Second})
	wall := e.client(t, "wall", auth.Viewer, 0)
	v, _, err := dial(t, e, wall, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "topics": []string{"geofence"}})
	snap := v.next(15*time.Second, func(m message) bool { return m.Type == "snapshot" })
	if snap.HeartbeatMS != 1000 {
		t.Errorf("snapshot heartbeat_ms %d, want 1000", snap.HeartbeatMS)
	}
	var beats []message
	var arrived []time.Time
	for len(beats) < 4 {
		beats = append(beats, v.next(5*time.Second, func(m message) bool { return m.Type == "heartbeat" }))
		arrived = append(arrived, time.Now())
	}
	for i := 1; i < len(beats); i++ {
		// The server's clock and ours: each gap near 1 s (ticks are not
		// delayed by more than a loaded machine's scheduling).
		if d := beats[i].T - beats[i-1].T; d < 900 || d > 1600 {
			t.Errorf("heartbeat %d came %d ms after the one before (server time), want about 1000", i, d)
		}
		if d := arrived[i].Sub(arrived[i-1]); d < 500*time.Millisecond || d > 2*time.Second {
			t.Errorf("heartbeat %d arrived %s after the one before, want about 1s", i, d)
		}
	}

	// A resume says the interval too.
	lon, lat := pointIn(t, e, 9)
	e.device(t, "walker", volunteers(t, e, 1)[0]).post(lon, lat, time.Now())
	last := v.next(15*time.Second, func(m message) bool { return m.Type == "event" }).Seq
	v2, _, err := dial(t, e, wall, "")
	if err != nil {
		t.Fatal(err)
	}
	v2.send(map[string]any{"type": "subscribe", "topics": []string{"geofence"}, "since": last})
	if m := v2.next(15*time.Second, func(message) bool { return true }); m.Type != "resumed" || m.HeartbeatMS != 1000 {
		t.Errorf("resume answered %+v, want resumed with heartbeat_ms 1000", m)
	}

	// v stops reading, so its pongs stop too: the server gives up on it
	// after 2 × 1 s + 10 s.
	start := time.Now()
	time.Sleep(14 * time.Second)
	v.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := v.conn.ReadMessage()
		if err == nil {
			continue // heartbeats written before the server gave up
		}
		// A close frame, or the pong to a buffered ping failing on the
		// closed connection; a read timeout means it is still open.
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("silent viewer still connected after %s: %v", time.Since(start).Round(time.Second), err)
		}
		break
	}
}
