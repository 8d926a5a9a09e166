package server

import (
	"context"
	"errors"
	"math"
	"net/http"
	"regexp"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// Screening reports, home quarantine, door seals and alerts.

// screeningRequest is a daily screening report for one household.
type screeningRequest struct {
	ClientID    string   `json:"client_id"`
	HouseholdID int64    `json:"household_id"`
	Outcome     string   `json:"outcome"`
	Temperature *float64 `json:"temperature"`
	Note        string   `json:"note"`
	Day         string   `json:"day"`
}

func (q *screeningRequest) validate(s *Server) error {
	var err error
	switch {
	case checkClientID(q.ClientID) != nil:
		return checkClientID(q.ClientID)
	case q.HouseholdID <= 0:
		return badParam("household_id", "required: a household id")
	case !model.Outcome(q.Outcome).Valid():
		return oneOf("outcome", q.Outcome, outcomeNames()...)
	case q.Temperature != nil && (math.IsNaN(*q.Temperature) || *q.Temperature < 30 || *q.Temperature > 45):
		return badParam("temperature", "want °C between 30 and 45")
	}
	if q.Note, err = text("note", q.Note, 0, 500); err != nil {
		return err
	}
	today := s.today(s.now())
	if q.Day == "" {
		q.Day = today
		return nil
	}
	d, err := date("day", q.Day)
	if err != nil {
		return err
	}
	t, _ := time.Parse(time.DateOnly, today)
	if d.After(t) || d.Before(t.AddDate(0, 0, -1)) {
		return badParam("day", "reports are for today (%s) or yesterday", today)
	}
	return nil
}

func (s *Server) postScreening(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q screeningRequest
	if !decodeWrite(s, w, r, &q) {
		return
	}
	s.fieldWrite(w, r, p, "household_id", byID(q.HouseholdID, s.store.HouseholdGrid), "household",
		func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
			return s.store.ReportScreening(ctx, a, q.ClientID, s.today(s.now()), store.ScreeningInput{
				HouseholdID: q.HouseholdID, Day: q.Day, Outcome: q.Outcome, Temperature: q.Temperature, Note: q.Note})
		})
}

// quarantineRequest records a home quarantine.
type quarantineRequest struct {
	ClientID    string `json:"client_id"`
	HouseholdID int64  `json:"household_id"`
	Starts      string `json:"starts"`
	Ends        string `json:"ends"`
	Reason      string `json:"reason"`
	SealID      string `json:"seal_id"`
}

var sealPattern = regexp.MustCompile(`^[A-Za-z0-9-]{3,40}$`)

func (q *quarantineRequest) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	if q.HouseholdID <= 0 {
		return badParam("household_id", "required: a household id")
	}
	starts, err := date("starts", q.Starts)
	if err != nil {
		return err
	}
	ends, err := date("ends", q.Ends)
	if err != nil {
		return err
	}
	switch {
	case ends.Before(starts):
		return badParam("ends", "before starts")
	case ends.Sub(starts) > 60*24*time.Hour:
		return badParam("ends", "a quarantine lasts at most 60 days")
	case q.SealID != "" && !sealPattern.MatchString(q.SealID):
		return badParam("seal_id", "want 3-40 of A-Z a-z 0-9 -")
	}
	return oneOf("reason", q.Reason, "risk_area_return", "close_contact", "fever", "other")
}

func (s *Server) postQuarantine(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q quarantineRequest
	if !decodeWrite(s, w, r, &q) {
		return
	}
	s.fieldWrite(w, r, p, "household_id", byID(q.HouseholdID, s.store.HouseholdGrid), "household",
		func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
			return s.store.StartQuarantine(ctx, a, q.ClientID, s.today(s.now()), store.QuarantineInput{
				HouseholdID: q.HouseholdID, Starts: q.Starts, Ends: q.Ends, Reason: q.Reason, SealID: q.SealID})
		})
}

func (s *Server) endQuarantine(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	s.pathWrite(w, r, p, "quarantine", s.store.QuarantineGrid, func(ctx context.Context, a store.Actor, id int64, q *clientOnly) (store.WriteResult, error) {
		return s.store.EndQuarantine(ctx, a, q.ClientID, s.today(s.now()), id)
	})
}

func (s *Server) resolveAlert(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	s.pathWrite(w, r, p, "alert", s.store.AlertGrid, func(ctx context.Context, a store.Actor, id int64, q *clientOnly) (store.WriteResult, error) {
		return s.store.ResolveAlert(ctx, a, q.ClientID, id, q.Resolution)
	})
}

// sealAlertRequest is an alert from a door seal.
type sealAlertRequest struct {
	ClientID string `json:"client_id"`
	SealID   string `json:"seal_id"`
	Kind     string `json:"kind"`
	Note     string `json:"note"`
}

func (q *sealAlertRequest) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	if !sealPattern.MatchString(q.SealID) {
		return badParam("seal_id", "required: 3-40 of A-Z a-z 0-9 -")
	}
	var err error
	if q.Note, err = text("note", q.Note, 0, 500); err != nil {
		return err
	}
	return oneOf("kind", q.Kind, "seal_opened", "seal_tampered", "seal_offline")
}

func (s *Server) postSealAlert(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q sealAlertRequest
	if !decodeWrite(s, w, r, &q) {
		return
	}
	gridOf := func(ctx context.Context) (int64, error) {
		g, err := s.store.SealGrid(ctx, q.SealID)
		if errors.Is(err, store.ErrNotFound) {
			return 0, badParam("seal_id", "no open quarantine has this seal")
		}
		return g, err
	}
	s.fieldWrite(w, r, p, "seal_id", gridOf, "seal", func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		return s.store.SealAlert(ctx, a, q.ClientID, q.SealID, q.Kind, q.Note)
	})
}

// outcomeNames lists the screening outcomes for an error message.
func outcomeNames() []string {
	out := make([]string, len(model.Outcomes))
	for i, o := range model.Outcomes {
		out[i] = string(o)
	}
	return out
}
