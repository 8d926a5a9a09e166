// Package live fans positions and stream events out to WebSocket viewers.
// The Hub knows every connected client's subscription (a grid subtree,
// optional bounding box, topics), finds the recipients of each position
// or event through the grid hierarchy, coalesces positions per volunteer
// for each client and queues durable events in a bounded queue per
// client. It holds no sockets: the server's writer goroutine drains a
// client. Events cross instances through NATS (see Relay).
package live

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/gridmap/gridmap/model"
)

// Topics a viewer can subscribe to.
const (
	TopicPositions  = "positions"
	TopicGeofence   = "geofence"
	TopicScreening  = "screening"
	TopicCoverage   = "coverage"
	TopicAlerts     = "alerts"
	TopicBoundaries = "boundaries"
	TopicSampling   = "sampling" // a sampling site's state after a report (issue 13)
	TopicTasks      = "tasks"    // a task's state after each change (issue 14)
)

// Topics lists every topic.
func Topics() []string {
	return []string{TopicPositions, TopicGeofence, TopicScreening, TopicCoverage, TopicAlerts, TopicBoundaries, TopicSampling, TopicTasks}
}

// ValidTopic reports whether t is a topic.
func ValidTopic(t string) bool {
	for _, k := range Topics() {
		if k == t {
			return true
		}
	}
	return false
}

// appendJSON appends p as a compact JSON object: short keys, since a
// whole-area frame carries thousands of them ten times a second.
func appendPosition(b []byte, p model.Position) []byte {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, p.VolunteerID, 10)
	b = append(b, `,"team":`...)
	b = strconv.AppendInt(b, p.TeamID, 10)
	b = append(b, `,"g":`...)
	b = strconv.AppendInt(b, p.GridID, 10)
	b = append(b, `,"lon":`...)
	b = strconv.AppendFloat(b, p.Lon, 'f', 7, 64)
	b = append(b, `,"lat":`...)
	b = strconv.AppendFloat(b, p.Lat, 'f', 7, 64)
	b = append(b, `,"acc":`...)
	b = strconv.AppendFloat(b, float64(p.Accuracy), 'f', 1, 32)
	b = append(b, `,"t":`...)
	b = strconv.AppendInt(b, p.At.UnixMilli(), 10)
	return append(b, '}')
}

// Event is a durable stream event: it has a global sequence number and is
// kept in the database, so a viewer that reconnects gets what it missed.
type Event struct {
	Seq     int64           `json:"seq"`
	Topic   string          `json:"topic"`
	GridID  int64           `json:"grid"`
	At      time.Time       `json:"at"`
	Payload json.RawMessage `json:"data"`
}

// Frame encodes an event as the message a viewer receives.
func (e Event) Frame() []byte {
	b, _ := json.Marshal(struct {
		Type string `json:"type"`
		Event
	}{"event", e})
	return b
}

// Close codes the stream uses (RFC 6455 leaves 4000-4999 to applications).
const (
	CloseNormal       = 1000 // the client asked to stop
	CloseGoingAway    = 1001 // the server is shutting down; reconnect with your last seq
	CloseUnauthorized = 4001 // the login expired or was revoked
	CloseForbidden    = 4003 // a subscription outside the account's scope
	CloseSlowConsumer = 4008 // the client did not keep up; its queue overflowed
	CloseBadMessage   = 4400 // a message the server could not understand
)

// SnapshotFrame encodes the first message of a subscription: the latest
// positions it covers and the seq it is current to. resync says a resume
// was asked for but the gap was too large to replay.
func SnapshotFrame(seq int64, ps []model.Position, resync bool) []byte {
	b := make([]byte, 0, 64+110*len(ps))
	b = append(b, `{"type":"snapshot","seq":`...)
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, `,"resync":`...)
	b = strconv.AppendBool(b, resync)
	b = append(b, `,"positions":[`...)
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPosition(b, p)
	}
	return append(b, "]}"...)
}

// PositionsFrame encodes positions as one delta frame.
func PositionsFrame(ps []model.Position) []byte {
	b := make([]byte, 0, 40+110*len(ps))
	b = append(b, `{"type":"positions","items":[`...)
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPosition(b, p)
	}
	return append(b, "]}"...)
}
