package server

import (
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
)

// Spot checks (晒网督查): drawing a sample and recording results.

func (s *Server) postSpotCheck(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.SpotCheckInput
	if !s.pathInput(w, r, &in.GridID, &in) {
		return
	}
	res, err := s.field.DrawSpotCheck(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) postSpotResult(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.SpotResultInput
	if !s.pathInput(w, r, &in.CheckID, &in) {
		return
	}
	res, err := s.field.RecordSpotCheck(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

// spotChecks lists a grid's spot checks with their result rates.
func (s *Server) spotChecks(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, ok := s.pathGrid(w, r, p)
	if !ok {
		return
	}
	checks, err := s.store.SpotChecks(r.Context(), id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"checks": checks})
}
