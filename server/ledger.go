package server

import (
	"net/http"
	"net/url"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
	"github.com/gridmap/gridmap/read"
	"github.com/gridmap/gridmap/store"
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
	id, err := pathID(r)
	var entries []store.LedgerEntry
	var more bool
	if err == nil {
		entries, more, err = s.read.Ledger(r.Context(), p, id)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"residents": entries, "truncated": more})
}

// requests lists a grid's hotline requests: ?state=open (default) or all
// (open ones and those received in the last days, default 7).
func (s *Server) requests(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	f, err := requestFilter(r.URL.Query())
	var id int64
	if err == nil {
		id, err = pathID(r)
	}
	var list []store.Request
	var more bool
	if err == nil {
		list, more, err = s.read.Requests(r.Context(), p, id, f)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"requests": list, "truncated": more})
}

// requestFilter parses the parameters of a grid's requests.
func requestFilter(q url.Values) (read.RequestFilter, error) {
	f := read.RequestFilter{State: q.Get("state")}
	err := query(q, "state", "days")
	if err == nil {
		err = f.Validate()
	}
	if err == nil {
		f.Days, err = parseRange("days", q.Get("days"), read.RequestDays, 1, read.MaxRequestDays)
	}
	return f, err
}

// partyMembers lists the party members registered in a grid's subtree
// with their points and the households they are the contact of.
func (s *Server) partyMembers(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	var list []store.PartyMemberActivity
	var more bool
	if err == nil {
		list, more, err = s.read.PartyMembers(r.Context(), p, id)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"party_members": list, "truncated": more})
}

// arrivals lists the roster of people arriving in ?grid= (default: the
// caller's scope).
func (s *Server) arrivals(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	grid, err := gridParam(r)
	var list read.Arrivals
	if err == nil {
		list, err = s.read.Arrivals(r.Context(), p, grid)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, list)
}

func (s *Server) postArrival(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.ArrivalInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	res, err := s.field.AddArrival(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

// postFollowUp records the follow-up call (回访) of a closed request.
func (s *Server) postFollowUp(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.FollowUpInput
	if !s.pathInput(w, r, &in.RequestID, &in) {
		return
	}
	res, err := s.field.FollowUpRequest(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}
