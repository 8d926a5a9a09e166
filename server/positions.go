package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/ingest"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/read"
)

// postPositions takes a device's batch over HTTP. A device posts only its
// own volunteer's positions: the volunteer comes from its token.
func (s *Server) postPositions(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if s.ingest == nil {
		s.respondError(w, r, ingest.ErrNotReady)
		return
	}
	var b ingest.Batch
	if !s.decodeValid(w, r, &b) {
		return
	}
	if le := s.admitPositions(p, len(b.Positions)); le != nil {
		s.refuseLimit(w, r, le) // per-device rate or daily cap: 429 with the limit
		return
	}
	n, err := s.ingestFrame(r.Context(), p.PersonID, b.Positions)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusAccepted, "application/json; charset=utf-8", map[string]int{"accepted": n})
}

// commitWait is how long a device's request waits for its positions'
// commit before it is answered 503 (retry): 202 is sent only once the
// positions are committed.
const commitWait = 10 * time.Second

// ingestFrame ingests one batch of a device, waiting for its commit.
func (s *Server) ingestFrame(ctx context.Context, person int64, reports []ingest.Report) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, commitWait)
	defer cancel()
	return s.ingest.Ingest(ctx, person, reports, s.now())
}

// deviceStream takes positions over a WebSocket: each message is an
// ingest.Batch, each answer {"type":"ack","accepted":n}, sent once the
// positions are committed, or an error.
func (s *Server) deviceStream(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if s.ingest == nil {
		s.respondError(w, r, ingest.ErrNotReady)
		return
	}
	conn, h, done := s.upgrade(w, r, p, s.cfg.DeviceStreamsPerAccount)
	if conn == nil {
		return // refused (over the cap: 429) or the upgrader answered
	}
	defer done()
	conn.SetReadLimit(maxBody)
	go closeOnKick(conn, h)
	go s.closeOnStop(conn)
	s.serveDevice(r.Context(), s.lang(r), conn, p)
}

// serveDevice reads a device's messages and answers each in turn, until
// the device goes away or stops sending for pongWait.
func (s *Server) serveDevice(ctx context.Context, lang string, conn *websocket.Conn, p *auth.Principal) {
	for {
		conn.SetReadDeadline(time.Now().Add(pongWait))
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		conn.SetWriteDeadline(time.Now().Add(writeWait))
		if conn.WriteMessage(websocket.TextMessage, s.deviceAnswer(ctx, lang, p, data)) != nil {
			return
		}
	}
}

// deviceAnswer takes one device-stream message and returns its answer:
// an ack once the positions are committed, or an error frame.
func (s *Server) deviceAnswer(ctx context.Context, lang string, p *auth.Principal, data []byte) []byte {
	var b ingest.Batch
	if err := decodeBody(data, &b); err != nil {
		var fe *model.Error
		errors.As(err, &fe)
		return errorFrame(lang, fe)
	}
	if le := s.admitPositions(p, len(b.Positions)); le != nil {
		return errorFrame(lang, le.err())
	}
	n, err := s.ingestFrame(ctx, p.PersonID, b.Positions)
	if err != nil {
		return errorFrame(lang, frameError(err))
	}
	return []byte(`{"type":"ack","accepted":` + strconv.Itoa(n) + `}`)
}

// closeOnStop closes conn with 1001 when the server shuts down.
func (s *Server) closeOnStop(conn *websocket.Conn) {
	<-s.stopStreams
	closeWith(conn, websocket.CloseGoingAway, "server shutting down")
	conn.Close()
}

// teams lists the volunteer teams with their colours, for the map.
func (s *Server) teams(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	ts, err := s.store.Teams(r.Context(), nil)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"teams": ts})
}

// trail answers a volunteer's positions of the last minutes. A scoped
// account sees the trail of a volunteer now in its grids.
func (s *Server) trail(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	q := r.URL.Query()
	if err == nil {
		err = query(q, "minutes")
	}
	var minutes int
	if err == nil {
		minutes, err = parseRange("minutes", q.Get("minutes"), read.TrailMinutes, 1, read.MaxTrailMinutes)
	}
	var points []read.TrailPoint
	if err == nil {
		points, err = s.read.Trail(r.Context(), p, id, minutes)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"volunteer_id": id, "points": points})
}
