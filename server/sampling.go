package server

import (
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
)

// Nucleic-acid sampling sites and rounds of testing (docs/SAMPLING.md).

func (s *Server) postSamplingSite(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.SamplingSiteInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	res, err := s.field.AddSamplingSite(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) postSamplingReport(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.SamplingReportInput
	if !s.pathInput(w, r, &in.SiteID, &in) {
		return
	}
	res, err := s.field.ReportSampling(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) postSamplingRound(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.SamplingRoundInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	res, err := s.field.AddSamplingRound(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

// samplingSites lists the sampling sites of ?grid= (default: the caller's
// scope) with their state now.
func (s *Server) samplingSites(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	grid, err := gridParam(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	sites, err := s.read.SamplingSites(r.Context(), p, grid)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, sites)
}

// samplingRounds lists the rounds that concern ?grid= (default: the
// caller's scope).
func (s *Server) samplingRounds(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	grid, err := gridParam(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	rounds, err := s.read.SamplingRounds(r.Context(), p, grid)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"rounds": rounds})
}

// samplingRound answers a round with its completeness per compound grid.
func (s *Server) samplingRound(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	round, err := s.read.SamplingRound(r.Context(), p, id)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, round)
}

// gridParam parses the optional ?grid= of a list (0 when absent).
func gridParam(r *http.Request) (int64, error) {
	q := r.URL.Query()
	if err := query(q, "grid"); err != nil {
		return 0, err
	}
	return parseID("grid", q.Get("grid"), true)
}
