package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// Stream timing: positions go out in frames every frameEvery. Every
// heartbeat (Config.Heartbeat) a viewer gets a ping and a heartbeat frame:
// the ping keeps idle connections alive through proxies and detects dead
// peers, the frame lets the page tell a quiet stream from a dead one.
const (
	frameEvery = 100 * time.Millisecond
	// DefaultHeartbeat is the heartbeat of a server configured without one.
	DefaultHeartbeat = 25 * time.Second
	// MinHeartbeat and MaxHeartbeat bound --heartbeat: below a second the
	// frames are noise; above a minute common proxies (nginx's 60 s
	// proxy_read_timeout) cut the idle stream, and a page would take over two
	// minutes to say that its figures are stale.
	MinHeartbeat  = time.Second
	MaxHeartbeat  = time.Minute
	pongWait      = 60 * time.Second // a device stream silent this long is dropped
	writeWait     = 10 * time.Second
	recheckEvery  = time.Minute // the login is checked again this often
	maxMessage    = 4096        // bytes in one viewer message
	clientQueue   = 1024        // durable events and control frames waiting for one viewer
	maxReplay     = 5000        // events replayed on resume before a fresh snapshot is cheaper
	closeDeadline = time.Second
)

// viewerWait is how long a viewer may stay silent (no message, no pong)
// before the server drops it: two missed pings and the time to write one
// (60 s for the default 25 s heartbeat).
func viewerWait(heartbeat time.Duration) time.Duration { return 2*heartbeat + writeWait }

// subscribeMessage is what a viewer sends to choose what it receives.
type subscribeMessage struct {
	Type   string    `json:"type"`
	Grid   int64     `json:"grid"`
	BBox   []float64 `json:"bbox"`
	Topics []string  `json:"topics"`
	Since  int64     `json:"since"`
}

func (m *subscribeMessage) subscription() (*live.Subscription, error) {
	if m.Type != "subscribe" {
		return nil, badParam("type", "want \"subscribe\"")
	}
	if m.Grid < 0 {
		return nil, badParam("grid", "want a grid id, or 0 for the whole area")
	}
	if m.Since < 0 {
		return nil, badParam("since", "want the last seq you received, or 0")
	}
	sub := &live.Subscription{Root: m.Grid, Topics: map[string]bool{}}
	if len(m.Topics) == 0 {
		m.Topics = live.Topics()
	}
	for _, t := range m.Topics {
		if !live.ValidTopic(t) {
			return nil, badParam("topics", "unknown topic %q (want %s)", clip(t), strings.Join(live.Topics(), ", "))
		}
		sub.Topics[t] = true
	}
	if m.BBox != nil {
		s := make([]string, len(m.BBox))
		for i, f := range m.BBox {
			s[i] = jsonNumber(f)
		}
		b, err := parseBBox(strings.Join(s, ","))
		if err != nil {
			return nil, err
		}
		sub.BBox = b
	}
	return sub, nil
}

func jsonNumber(f float64) string { b, _ := json.Marshal(f); return string(b) }

// upgrader checks Origin: a browser may open the stream only from this
// site (non-browser clients send no Origin and authenticate by token).
func (s *Server) upgrader() *websocket.Upgrader {
	return &websocket.Upgrader{
		ReadBufferSize: 4096, WriteBufferSize: 16384,
		CheckOrigin: func(r *http.Request) bool {
			origin := r.Header.Get("Origin")
			if origin == "" {
				return true
			}
			for _, o := range s.cfg.AllowedOrigins {
				if origin == o {
					return true
				}
			}
			return origin == "http://"+r.Host || origin == "https://"+r.Host
		},
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			kind := model.Invalid
			if status == http.StatusForbidden {
				kind = model.Forbidden
			}
			s.answer(w, r, status, &model.Error{Kind: kind, Field: "Origin", Msg: "stream: " + reason.Error()})
		},
	}
}

// stream serves /ws: after the upgrade the viewer sends a subscribe
// message; it gets a snapshot (or, resuming with since, the durable
// events it missed) and then deltas until it or the server goes away.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if _, err := s.scopes.Hierarchy(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	conn, h, done := s.upgrade(w, r, p, s.cfg.StreamsPerAccount)
	if conn == nil {
		return // refused (over the cap: 429) or the upgrader answered
	}
	defer done()
	c := s.viewer(conn, viewerWait(s.cfg.Heartbeat))
	defer s.dropViewer(c)
	// The first subscription is answered here, before the writer starts,
	// so that its snapshot or replay goes out ahead of any live delta.
	if err := s.firstSubscribe(r.Context(), s.lang(r), conn, c, p); err != nil {
		return
	}
	msgs := make(chan subscribeMessage)
	go s.readStream(s.lang(r), conn, c, msgs)
	s.writeStream(r, conn, c, p, h, msgs)
}

// upgrade counts a new stream of p against limit and upgrades the
// connection; done closes it and gives its place back. A nil conn means
// the request was answered: 429 over the cap, or the upgrader's error.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request, p *auth.Principal, limit int) (conn *websocket.Conn, h *openStream, done func()) {
	h = s.openStream(w, r, p, limit)
	if h == nil {
		return nil, nil, nil
	}
	conn, err := s.upgrader().Upgrade(w, r, nil)
	if err != nil {
		s.closeStream(h)
		return nil, nil, nil
	}
	s.streams.Add(1)
	return conn, h, func() {
		conn.Close()
		s.streams.Done()
		s.closeStream(h)
	}
}

// viewer sets a viewer's connection up (message size, pong deadline wait)
// and returns its client in the hub, counted.
func (s *Server) viewer(conn *websocket.Conn, wait time.Duration) *live.Client {
	conn.SetReadLimit(maxMessage)
	conn.SetReadDeadline(time.Now().Add(wait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(wait)) })
	s.metrics.streamClients.Inc()
	return live.NewClient(clientQueue)
}

// dropViewer takes a viewer's client out of the hub and the count.
func (s *Server) dropViewer(c *live.Client) {
	s.hub.Unsubscribe(c)
	s.metrics.streamClients.Dec()
}

// closeWith sends a close frame with code and reason.
func closeWith(conn *websocket.Conn, code int, reason string) {
	conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(closeDeadline))
}

// readSubscribe reads one subscribe message.
func readSubscribe(conn *websocket.Conn) (subscribeMessage, error) {
	var m subscribeMessage
	_, data, err := conn.ReadMessage()
	if err != nil {
		return m, err
	}
	return m, decodeBody(data, &m)
}

func (s *Server) firstSubscribe(ctx context.Context, lang string, conn *websocket.Conn, c *live.Client, p *auth.Principal) error {
	m, err := readSubscribe(conn)
	var fe *model.Error
	if errors.As(err, &fe) {
		conn.SetWriteDeadline(time.Now().Add(writeWait))
		conn.WriteMessage(websocket.TextMessage, errorFrame(lang, fe))
		closeWith(conn, live.CloseBadMessage, "bad subscribe message")
		return err
	}
	if err != nil {
		return err
	}
	frames, err := s.subscribe(ctx, lang, c, p, m)
	conn.SetWriteDeadline(time.Now().Add(writeWait))
	for _, f := range frames {
		if werr := conn.WriteMessage(websocket.TextMessage, f); werr != nil {
			return werr
		}
	}
	switch {
	case errors.Is(err, live.ErrOutOfScope):
		closeWith(conn, live.CloseForbidden, "subscription outside your grid")
	case errors.As(err, &fe):
		closeWith(conn, live.CloseBadMessage, "bad subscribe message")
	case err != nil:
		closeWith(conn, websocket.CloseInternalServerErr, "internal error")
	}
	return err
}

// subscribe applies a subscribe message and returns the frames that must
// precede live deltas: an error, or the snapshot, or the replay.
func (s *Server) subscribe(ctx context.Context, lang string, c *live.Client, p *auth.Principal, m subscribeMessage) ([][]byte, error) {
	sub, err := m.subscription()
	if err != nil {
		var fe *model.Error
		errors.As(err, &fe)
		return [][]byte{errorFrame(lang, fe)}, err
	}
	snap, seq, err := s.hub.Subscribe(c, p, sub)
	if errors.Is(err, live.ErrOutOfScope) {
		return [][]byte{errorFrame(lang, &model.Error{Kind: model.Forbidden, Field: "grid", Code: model.CodeOutsideScope, Msg: "grid: outside your grid"})}, err
	}
	if m.Since > 0 && m.Since <= seq {
		frames, ok, err := s.replay(ctx, c, p, sub, m.Since)
		if err != nil {
			return [][]byte{errorFrame(lang, &model.Error{Code: model.CodeInternal})}, err
		}
		if ok {
			// Positions are not replayed: bring the viewer up to date at once.
			if len(snap) > 0 {
				frames = append(frames, live.PositionsFrame(snap))
			}
			return frames, nil
		}
	}
	c.SetLastSeq(seq)
	return [][]byte{snapshotFrame(seq, snap, m.Since > 0, s.cfg.Heartbeat)}, nil
}

// replay returns the durable events after since, or ok=false when there
// are too many (or they were pruned) and a snapshot should go instead.
func (s *Server) replay(ctx context.Context, c *live.Client, p *auth.Principal, sub *live.Subscription, since int64) ([][]byte, bool, error) {
	var grids []int64
	if sub.Root != 0 {
		grids = (auth.Scope{Root: sub.Root}).GridIDs(s.hub.Hierarchy())
	}
	var topics []string
	for t := range sub.Topics {
		topics = append(topics, t)
	}
	evs, err := s.store.EventsSince(ctx, since, grids, topics, maxReplay+1)
	if err != nil {
		return nil, false, err
	}
	oldest, err := s.store.OldestEventSeq(ctx)
	if err != nil {
		return nil, false, err
	}
	if len(evs) > maxReplay || (oldest > 0 && since < oldest-1) {
		return nil, false, nil
	}
	frames := [][]byte{[]byte(`{"type":"resumed","since":` + jsonNumber(float64(since)) +
		`,"heartbeat_ms":` + strconv.FormatInt(s.cfg.Heartbeat.Milliseconds(), 10) + `}`)}
	last := since
	for _, e := range evs {
		frames = append(frames, liveEvent(e).Frame())
		last = e.Seq
	}
	c.SetLastSeq(last)
	return frames, true, nil
}

// snapshotFrame is live.SnapshotFrame with the heartbeat interval first,
// so that the page's rule for "stale" follows this server's setting.
func snapshotFrame(seq int64, ps []model.Position, resync bool, heartbeat time.Duration) []byte {
	const head = `{"type":"snapshot",`
	f := live.SnapshotFrame(seq, ps, resync)
	b := make([]byte, 0, len(f)+32)
	b = append(b, head...)
	b = append(b, `"heartbeat_ms":`...)
	b = strconv.AppendInt(b, heartbeat.Milliseconds(), 10)
	b = append(b, ',')
	return append(b, f[len(head):]...)
}

// liveEvent converts a stored event for the hub.
func liveEvent(e store.LiveEvent) live.Event {
	return live.Event{Seq: e.Seq, Topic: e.Topic, GridID: e.GridID, At: e.At, Payload: e.Payload}
}

// readStream reads later subscribe messages; a bad one closes the stream.
func (s *Server) readStream(lang string, conn *websocket.Conn, c *live.Client, msgs chan<- subscribeMessage) {
	defer close(msgs)
	for {
		m, err := readSubscribe(conn)
		if err != nil {
			var fe *model.Error
			if errors.As(err, &fe) {
				c.Send(errorFrame(lang, fe))
			}
			return
		}
		select {
		case msgs <- m:
		case <-c.Done():
			return
		}
	}
}

// writeStream is the one writer of a connection: queued events and
// control frames as they come, positions every frameEvery, pings, and a
// close frame saying why when the stream ends.
func (s *Server) writeStream(r *http.Request, conn *websocket.Conn, c *live.Client, p *auth.Principal, h *openStream, msgs <-chan subscribeMessage) {
	frames := time.NewTicker(frameEvery)
	defer frames.Stop()
	pings := time.NewTicker(s.cfg.Heartbeat)
	defer pings.Stop()
	recheck := time.NewTicker(recheckEvery)
	defer recheck.Stop()
	write := func(data []byte) bool {
		conn.SetWriteDeadline(time.Now().Add(writeWait))
		return conn.WriteMessage(websocket.TextMessage, data) == nil
	}
	for {
		select {
		case it := <-c.Queue():
			if data, ok := c.Data(it); ok && !write(data) {
				return
			}
		case <-frames.C:
			if data := c.TakePositions(); data != nil && !write(data) {
				return
			}
		case m, ok := <-msgs:
			if !ok {
				closeWith(conn, live.CloseNormal, "")
				return
			}
			out, err := s.subscribe(r.Context(), s.lang(r), c, p, m)
			for _, f := range out {
				if !write(f) {
					return
				}
			}
			if errors.Is(err, live.ErrOutOfScope) {
				closeWith(conn, live.CloseForbidden, "subscription outside your grid")
				return
			}
		case now := <-pings.C:
			// A ping for the peer's TCP stack, and a heartbeat the page can
			// see, so a half-dead connection is noticed even when nothing moves.
			if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)) != nil {
				return
			}
			if !write([]byte(`{"type":"heartbeat","t":` + strconv.FormatInt(now.UnixMilli(), 10) + `}`)) {
				return
			}
		case <-recheck.C:
			if q, err := s.authenticate(r); err != nil || q == nil {
				closeWith(conn, live.CloseUnauthorized, "login expired")
				return
			}
		case <-h.kicked: // account disabled or password changed
			closeWith(conn, live.CloseUnauthorized, "login no longer valid")
			return
		case <-c.Done():
			s.metrics.streamDropped.Inc()
			closeWith(conn, c.CloseCode(), "too slow: queue overflowed")
			return
		case <-s.stopStreams:
			closeWith(conn, live.CloseGoingAway, "server shutting down")
			return
		}
	}
}

// streamRegistry holds the open WebSocket streams of this instance by
// account: it enforces the per-account caps and ends an account's streams
// when it is disabled or its password changes. The counts are per
// instance, in memory: a cap of 20 behind three instances lets one account
// hold up to 60 streams in all, still a bound on every process's file
// descriptors. An account disabled on another instance loses its streams
// here at the next login recheck (recheckEvery).
type streamRegistry struct {
	mu        sync.Mutex
	byAccount map[int64]map[*openStream]struct{}
}

// openStream is one open stream: the account's, opened with a session
// (the hash of its cookie, empty for a bearer token).
type openStream struct {
	account int64
	session string
	kicked  chan struct{} // closed to end the stream: the login is no longer valid
	ended   chan struct{} // closed when the stream's handler returns
	once    sync.Once
}

// streamRetry is the Retry-After of a refused upgrade: time for the
// client's stale streams to close or be noticed as dead.
const streamRetry = 10 * time.Second

// openStream counts a new stream of p against limit, or answers 429 with
// the limit before the upgrade and returns nil.
func (s *Server) openStream(w http.ResponseWriter, r *http.Request, p *auth.Principal, limit int) *openStream {
	h := &openStream{account: p.AccountID, session: string(sessionHash(r)), kicked: make(chan struct{}), ended: make(chan struct{})}
	g := &s.open
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byAccount == nil {
		g.byAccount = map[int64]map[*openStream]struct{}{}
	}
	mine := g.byAccount[p.AccountID]
	if len(mine) >= limit {
		s.refuseLimit(w, r, &limitError{metric: "streams", field: "streams", key: "limit", value: float64(limit), wait: streamRetry,
			msg: "streams: this account already has " + strconv.Itoa(len(mine)) + " open streams, the most one account may hold on this server; close one first"})
		return nil
	}
	if mine == nil {
		mine = map[*openStream]struct{}{}
		g.byAccount[p.AccountID] = mine
	}
	mine[h] = struct{}{}
	return h
}

// closeStream gives a stream's place back.
func (s *Server) closeStream(h *openStream) {
	close(h.ended)
	g := &s.open
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.byAccount[h.account], h)
	if len(g.byAccount[h.account]) == 0 {
		delete(g.byAccount, h.account)
	}
}

// kickStreams ends the open streams of an account on this instance, all
// of them or those of sessions other than keep (a cookie hash; bearer
// streams are kept then, since a password change does not end tokens).
// They close with 4001 (live.CloseUnauthorized).
func (s *Server) kickStreams(account int64, all bool, keep string) int {
	g := &s.open
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for h := range g.byAccount[account] {
		if all || (h.session != "" && h.session != keep) {
			h.once.Do(func() { close(h.kicked) })
			n++
		}
	}
	return n
}

// closeOnKick closes conn with 4001 when h is kicked, for a stream whose
// handler blocks reading (the device stream).
func closeOnKick(conn *websocket.Conn, h *openStream) {
	select {
	case <-h.kicked:
		closeWith(conn, live.CloseUnauthorized, "login no longer valid")
		conn.Close()
	case <-h.ended:
	}
}
