package server

import (
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
	"github.com/gridmap/gridmap/planning"
	"github.com/gridmap/gridmap/store"
)

func (s *Server) setBuildingHead(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	in := field.RefInput{}
	if !s.pathInput(w, r, &in.ID, &in.Body) {
		return
	}
	res, err := s.field.SetBuildingHead(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) setHouseholdContact(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	in := field.RefInput{}
	if !s.pathInput(w, r, &in.ID, &in.Body) {
		return
	}
	res, err := s.field.SetHouseholdContact(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) setGridLeader(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	in := field.RefInput{}
	if !s.pathInput(w, r, &in.ID, &in.Body) {
		return
	}
	res, err := s.field.SetGridLeader(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) createPerson(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.PersonInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	person, err := s.field.CreatePerson(r.Context(), p, actor(r, p), in)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, "application/json; charset=utf-8", person)
}

func (s *Server) updatePerson(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var id int64
	var in field.PersonInput
	if !s.pathInput(w, r, &id, &in) {
		return
	}
	person, err := s.field.UpdatePerson(r.Context(), p, actor(r, p), id, in)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, person)
}

// person answers one person, masked for roles that may not see people.
func (s *Server) person(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	var person store.Person
	if err == nil {
		person, err = s.read.Person(r.Context(), p, id)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, person)
}

// households answers a building's households with their contacts.
func (s *Server) households(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	var hs []store.Household
	if err == nil {
		hs, err = s.read.Households(r.Context(), p, id)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"building_id": id, "households": hs})
}

func (s *Server) setGridBoundary(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	if err == nil {
		err = s.scopes.CheckGrid(r.Context(), p, "id", id)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	var in planning.BoundaryInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	pub, err := s.plan.Redraw(r.Context(), actor(r, p), id, in)
	s.answerPublication(w, r, pub, err)
}
