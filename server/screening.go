package server

import (
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
)

// Screening reports, home quarantine, door seals and alerts.

func (s *Server) postScreening(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.ScreeningInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	res, err := s.field.ReportScreening(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) postQuarantine(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.QuarantineInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	res, err := s.field.StartQuarantine(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) endQuarantine(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.PathInput
	if !s.pathInput(w, r, &in.ID, &in) {
		return
	}
	res, err := s.field.EndQuarantine(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) resolveAlert(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.PathInput
	if !s.pathInput(w, r, &in.ID, &in) {
		return
	}
	res, err := s.field.ResolveAlert(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) postSealAlert(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.SealAlertInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	res, err := s.field.SealAlert(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}
