package server

import (
	"net/http"
	"strconv"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
)

// The ledger of vulnerable residents and their visits, hotline requests
// and party members' points.

func (s *Server) postResident(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.ResidentInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	res, err := s.field.AddResident(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) postVisit(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.VisitInput
	if !s.pathInput(w, r, &in.ResidentID, &in) {
		return
	}
	res, err := s.field.RecordVisit(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) postRequest(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.RequestInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	res, err := s.field.OpenRequest(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) closeRequest(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.PathInput
	if !s.pathInput(w, r, &in.ID, &in) {
		return
	}
	res, err := s.field.CloseRequest(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) postPoints(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.PointsInput
	if !s.pathInput(w, r, &in.PersonID, &in) {
		return
	}
	res, err := s.field.AwardPoints(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

// ledger lists a grid's vulnerable residents with their visit logs,
// overdue first.
func (s *Server) ledger(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	_, grids, ok := s.subtree(w, r, p)
	if !ok {
		return
	}
	entries, err := s.store.Ledger(r.Context(), grids, s.now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for i := range entries {
		entries[i].Name, entries[i].Phone = maskName(p, entries[i].Name), maskPhone(p, entries[i].Phone)
	}
	s.ok(w, r, map[string]any{"residents": entries})
}

// requests lists a grid's hotline requests: ?state=open (default) or all
// (open ones and those received in the last days, default 7).
func (s *Server) requests(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	err := query(q, "state", "days")
	state := q.Get("state")
	days := 7
	switch {
	case err != nil:
	case state != "" && state != "open" && state != "all":
		err = badParam("state", "want open or all")
	case q.Get("days") != "":
		if days, err = strconv.Atoi(q.Get("days")); err != nil || days < 1 || days > 90 {
			err = badParam("days", "want 1 to 90")
		}
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	_, grids, ok := s.subtree(w, r, p)
	if !ok {
		return
	}
	list, err := s.store.Requests(r.Context(), grids, state != "all", s.now().AddDate(0, 0, -days))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for i := range list {
		list[i].Caller, list[i].Phone = maskNamePtr(p, list[i].Caller), maskPhone(p, list[i].Phone)
	}
	s.ok(w, r, map[string]any{"requests": list})
}

// partyMembers lists the party members registered in a grid's subtree
// with their points and the households they are the contact of.
func (s *Server) partyMembers(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	_, grids, ok := s.subtree(w, r, p)
	if !ok {
		return
	}
	list, err := s.store.PartyMembers(r.Context(), grids, s.now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for i := range list {
		list[i].Name, list[i].Phone = maskName(p, list[i].Name), maskPhone(p, list[i].Phone)
	}
	s.ok(w, r, map[string]any{"party_members": list})
}
