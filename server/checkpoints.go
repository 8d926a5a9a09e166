package server

import (
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
)

// Gate checkpoints: placing one, duty, and the day's counts.

func (s *Server) postCheckpoint(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.CheckpointInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	res, err := s.field.AddCheckpoint(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) checkpointDuty(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.DutyInput
	if !s.pathInput(w, r, &in.CheckpointID, &in) {
		return
	}
	res, err := s.field.SetCheckpointDuty(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) checkpointCounts(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.CountsInput
	if !s.pathInput(w, r, &in.CheckpointID, &in) {
		return
	}
	res, err := s.field.CountCheckpoint(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

// checkpoints lists a grid subtree's gate checkpoints with duty and
// today's counts.
func (s *Server) checkpoints(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	_, grids, ok := s.subtree(w, r, p)
	if !ok {
		return
	}
	cps, more, err := s.store.Checkpoints(r.Context(), grids, s.cov.Today(s.now()))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"day": s.cov.Today(s.now()), "checkpoints": cps, "truncated": more})
}
