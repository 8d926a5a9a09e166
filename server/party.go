package server

import (
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
	"github.com/gridmap/gridmap/store"
)

// The party layer of the roster: branches and their members, 双报到
// registrations and service hours.

// party answers the party layer of a grid's subtree.
func (s *Server) party(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	var roster *store.PartyRoster
	if err == nil {
		roster, err = s.read.PartyRoster(r.Context(), p, id)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, roster)
}

func (s *Server) postPartyMember(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.PartyMemberInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	res, err := s.field.AddPartyMember(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) postRegistration(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.RegistrationInput
	if !s.pathInput(w, r, &in.PersonID, &in) {
		return
	}
	res, err := s.field.RegisterPartyMember(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) postService(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.ServiceInput
	if !s.pathInput(w, r, &in.PersonID, &in) {
		return
	}
	res, err := s.field.RecordService(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

// service lists a party member's service hours, newest first.
func (s *Server) service(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	var list []store.ServiceRecord
	if err == nil {
		list, err = s.read.ServiceRecords(r.Context(), p, id)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"service": list})
}

func (s *Server) postPartyBranch(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.BranchInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	res, err := s.field.AddPartyBranch(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) putPartyBranch(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.BranchUpdate
	if !s.pathInput(w, r, &in.ID, &in) {
		return
	}
	res, err := s.field.UpdatePartyBranch(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) putMemberBranch(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.MemberBranchInput
	if !s.pathInput(w, r, &in.PersonID, &in) {
		return
	}
	res, err := s.field.MovePartyMember(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}
