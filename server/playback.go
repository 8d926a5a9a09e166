package server

import (
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/playback"
)

// coverageHistory answers a grid's figures at the end of each day from
// from to to.
func (s *Server) coverageHistory(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	q := r.URL.Query()
	if err == nil {
		err = query(q, "from", "to")
	}
	var days []playback.Day
	if err == nil {
		days, err = s.playback.History(r.Context(), p, id, q.Get("from"), q.Get("to"))
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"grid": id, "denominator": playback.Denominator, "days": days})
}

// replayDay answers a grid's day for playback: its volunteers' fixes and
// summaries and its screening counts in steps.
func (s *Server) replayDay(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	err := query(q, "grid", "day")
	var grid int64
	if err == nil {
		grid, err = parseID("grid", q.Get("grid"), false)
	}
	var rp *playback.Replay
	if err == nil {
		rp, err = s.playback.Replay(r.Context(), p, grid, q.Get("day"))
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, rp)
}
