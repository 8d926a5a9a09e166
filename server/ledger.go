package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

func (s *Server) closeRequest(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	s.pathWrite(w, r, p, "request", s.store.RequestGrid, func(ctx context.Context, a store.Actor, id int64, q *clientOnly) (store.WriteResult, error) {
		return s.store.CloseRequest(ctx, a, q.ClientID, id, q.Resolution)
	})
}

// The ledger of vulnerable residents and their visits, hotline requests
// and party members' points.

// residentRequest puts a resident on the ledger.
type residentRequest struct {
	ClientID       string `json:"client_id"`
	HouseholdID    int64  `json:"household_id"`
	Name           string `json:"name"`
	Phone          string `json:"phone"`
	Category       string `json:"category"`
	VisitEveryDays int    `json:"visit_every_days"`
}

func (q *residentRequest) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	var err error
	if q.Name, err = text("name", q.Name, 1, 100); err != nil {
		return err
	}
	q.Phone = strings.TrimSpace(q.Phone)
	switch {
	case q.HouseholdID <= 0:
		return badParam("household_id", "required: a household id")
	case q.Phone != "" && !phonePattern.MatchString(q.Phone):
		return badParam("phone", "5 to 20 digits, spaces, '+' or '-'")
	case q.VisitEveryDays < 1 || q.VisitEveryDays > 90:
		return badParam("visit_every_days", "want 1 to 90")
	}
	return oneOf("category", q.Category, "elderly_alone", "disabled", "chronic_illness", "other")
}

func (s *Server) postResident(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q residentRequest
	if !decodeWrite(s, w, r, &q) {
		return
	}
	s.fieldWrite(w, r, p, "household_id", byID(q.HouseholdID, s.store.HouseholdGrid), "household",
		func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
			return s.store.AddResident(ctx, a, q.ClientID, s.now(), store.ResidentInput{HouseholdID: q.HouseholdID,
				Name: q.Name, Phone: q.Phone, Category: q.Category, VisitEveryDays: q.VisitEveryDays})
		})
}

// visitRequest logs a visit to a resident on the ledger.
type visitRequest struct {
	ClientID string     `json:"client_id"`
	Method   string     `json:"method"`
	Note     string     `json:"note"`
	At       *time.Time `json:"at"`
}

func (q *visitRequest) validate(s *Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	var err error
	if q.Note, err = text("note", q.Note, 0, 500); err != nil {
		return err
	}
	now := s.now()
	switch {
	case q.At == nil:
		q.At = &now
	case q.At.After(now.Add(time.Minute)):
		return badParam("at", "in the future")
	case q.At.Before(now.AddDate(0, 0, -30)):
		return badParam("at", "more than 30 days ago")
	}
	return oneOf("method", q.Method, "visit", "phone")
}

func (s *Server) postVisit(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q visitRequest
	id, ok := pathBody(s, w, r, &q)
	if !ok {
		return
	}
	s.fieldWrite(w, r, p, "id", byID(id, s.store.ResidentGrid), "vulnerable resident", func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		return s.store.RecordVisit(ctx, a, q.ClientID, s.now(), store.VisitInput{ResidentID: id, At: *q.At, Method: q.Method, Note: q.Note})
	})
}

// requestRequest is a call to the hotline.
type requestRequest struct {
	ClientID   string `json:"client_id"`
	BuildingID int64  `json:"building_id"`
	Category   string `json:"category"`
	Body       string `json:"body"`
	Caller     string `json:"caller"`
	Phone      string `json:"phone"`
}

func (q *requestRequest) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	var err error
	if q.Body, err = text("body", q.Body, 1, 1000); err != nil {
		return err
	}
	if q.Caller, err = text("caller", q.Caller, 0, 100); err != nil {
		return err
	}
	q.Phone = strings.TrimSpace(q.Phone)
	switch {
	case q.BuildingID <= 0:
		return badParam("building_id", "required: the building the request is about")
	case q.Phone != "" && !phonePattern.MatchString(q.Phone):
		return badParam("phone", "5 to 20 digits, spaces, '+' or '-'")
	}
	return oneOf("category", q.Category, "supplies", "medical", "repair", "complaint", "other")
}

func (s *Server) postRequest(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q requestRequest
	if !decodeWrite(s, w, r, &q) {
		return
	}
	s.fieldWrite(w, r, p, "building_id", byID(q.BuildingID, s.store.BuildingGrid), "building",
		func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
			return s.store.OpenRequest(ctx, a, q.ClientID, store.RequestInput{BuildingID: q.BuildingID, Category: q.Category,
				Body: q.Body, Caller: q.Caller, Phone: q.Phone, ReceivedAt: s.now()})
		})
}

// pointsRequest awards (or takes away) a party member's points.
type pointsRequest struct {
	ClientID string `json:"client_id"`
	Points   int    `json:"points"`
	Reason   string `json:"reason"`
}

func (q *pointsRequest) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	if q.Points == 0 || q.Points < -100 || q.Points > 100 {
		return badParam("points", "want -100 to 100, not 0")
	}
	var err error
	q.Reason, err = text("reason", q.Reason, 1, 200)
	return err
}

func (s *Server) postPoints(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q pointsRequest
	id, ok := pathBody(s, w, r, &q)
	if !ok {
		return
	}
	s.fieldWrite(w, r, p, "id", byID(id, s.store.PartyMemberGrid), "party member", func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		return s.store.AwardPoints(ctx, a, q.ClientID, id, q.Points, q.Reason)
	})
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
