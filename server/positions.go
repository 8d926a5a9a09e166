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

// positionsRequest is a device's batch of fixes.
type positionsRequest struct {
	Positions []ingest.Report `json:"positions"`
}

// postPositions takes a device's batch over HTTP. A device posts only its
// own volunteer's positions: the volunteer comes from its token.
func (s *Server) postPositions(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if s.ingest == nil {
		s.respondError(w, r, ingest.ErrNotReady)
		return
	}
	var req positionsRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.respondError(w, r, err)
		return
	}
	if len(req.Positions) == 0 {
		s.respondError(w, r, badParam("positions", "want at least one"))
		return
	}
	if le := s.admitPositions(p, len(req.Positions)); le != nil {
		s.refuseLimit(w, r, le) // per-device rate or daily cap: 429 with the limit
		return
	}
	// 202 is sent only once the positions are committed; a request that
	// waits longer than this is told to retry.
	ctx, cancel := context.WithTimeout(r.Context(), commitWait)
	defer cancel()
	n, err := s.ingest.Ingest(ctx, p.PersonID, req.Positions, s.now())
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusAccepted, "application/json; charset=utf-8", map[string]int{"accepted": n})
}

// commitWait is how long a device's request waits for its positions'
// commit before it is answered 503 (retry).
const commitWait = 10 * time.Second

// ingestFrame ingests one device-stream message, waiting for its commit.
func (s *Server) ingestFrame(ctx context.Context, person int64, reports []ingest.Report) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, commitWait)
	defer cancel()
	return s.ingest.Ingest(ctx, person, reports, s.now())
}

// deviceStream takes positions over a WebSocket: each message is a
// positionsRequest, each answer {"type":"ack","accepted":n}, sent once
// the positions are committed, or an error.
func (s *Server) deviceStream(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if s.ingest == nil {
		s.respondError(w, r, ingest.ErrNotReady)
		return
	}
	h := s.openStream(w, r, p, s.cfg.DeviceStreamsPerAccount)
	if h == nil {
		return // over the cap: answered 429
	}
	defer s.closeStream(h)
	conn, err := s.upgrader().Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.streams.Add(1)
	defer s.streams.Done()
	defer conn.Close()
	conn.SetReadLimit(maxBody)
	go closeOnKick(conn, h)
	go func() {
		<-s.stopStreams
		closeWith(conn, websocket.CloseGoingAway, "server shutting down")
		conn.Close()
	}()
	for {
		conn.SetReadDeadline(time.Now().Add(pongWait))
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var req positionsRequest
		var answer []byte
		if err := decodeBody(data, &req); err != nil {
			var fe *model.Error
			errors.As(err, &fe)
			answer = errorFrame(fe.Field, fe.Msg)
		} else if le := s.admitPositions(p, len(req.Positions)); le != nil {
			answer = le.frame()
		} else if n, err := s.ingestFrame(r.Context(), p.PersonID, req.Positions); err != nil {
			answer = errorFrame(model.FieldOf(err), err.Error())
		} else {
			answer = []byte(`{"type":"ack","accepted":` + strconv.Itoa(n) + `}`)
		}
		conn.SetWriteDeadline(time.Now().Add(writeWait))
		if conn.WriteMessage(websocket.TextMessage, answer) != nil {
			return
		}
	}
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
