package field

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// Screening reports, home quarantine, door seals and alerts.

// ScreeningInput is a daily screening report for one household.
type ScreeningInput struct {
	ClientID    string   `json:"client_id"`
	HouseholdID int64    `json:"household_id"`
	Outcome     string   `json:"outcome"`
	Temperature *float64 `json:"temperature"`
	Note        string   `json:"note"`
	Day         string   `json:"day"` // "" for today; today or yesterday
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *ScreeningInput) Validate(today string) error {
	switch {
	case CheckClientID(in.ClientID) != nil:
		return CheckClientID(in.ClientID)
	case in.HouseholdID <= 0:
		return invalid("household_id", "required: a household id")
	}
	return in.validateReport(today)
}

// validateReport checks what was found (a task's screening names no
// household: it is the task's).
func (in *ScreeningInput) validateReport(today string) error {
	var err error
	switch {
	case !model.Outcome(in.Outcome).Valid():
		return oneOf("outcome", in.Outcome, outcomeNames()...)
	case in.Temperature != nil && (math.IsNaN(*in.Temperature) || *in.Temperature < 30 || *in.Temperature > 45):
		return invalid("temperature", "want °C between 30 and 45")
	}
	if in.Note, err = text("note", in.Note, 0, 500); err != nil {
		return err
	}
	if in.Day == "" {
		in.Day = today
		return nil
	}
	d, err := date("day", in.Day)
	if err != nil {
		return err
	}
	t, _ := time.Parse(time.DateOnly, today)
	if d.After(t) || d.Before(t.AddDate(0, 0, -1)) {
		return invalid("day", "reports are for today (%s) or yesterday", today)
	}
	return nil
}

// ReportScreening stores a screening report of a household in p's scope.
func (s *Service) ReportScreening(ctx context.Context, p *auth.Principal, a store.Actor, in ScreeningInput) (store.WriteResult, error) {
	today := s.today()
	if err := in.Validate(today); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "household_id", "household", in.HouseholdID, s.store.HouseholdGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.ReportScreening(ctx, a, in.ClientID, today, store.ScreeningInput{
			HouseholdID: in.HouseholdID, Day: in.Day, Outcome: in.Outcome, Temperature: in.Temperature, Note: in.Note})
	})
}

// QuarantineInput records a home quarantine.
type QuarantineInput struct {
	ClientID    string `json:"client_id"`
	HouseholdID int64  `json:"household_id"`
	Starts      string `json:"starts"`
	Ends        string `json:"ends"`
	Reason      string `json:"reason"`
	SealID      string `json:"seal_id"`
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *QuarantineInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	if in.HouseholdID <= 0 {
		return invalid("household_id", "required: a household id")
	}
	starts, err := date("starts", in.Starts)
	if err != nil {
		return err
	}
	ends, err := date("ends", in.Ends)
	if err != nil {
		return err
	}
	switch {
	case ends.Before(starts):
		return invalid("ends", "before starts")
	case ends.Sub(starts) > 60*24*time.Hour:
		return invalid("ends", "a quarantine lasts at most 60 days")
	case in.SealID != "" && !sealPattern.MatchString(in.SealID):
		return invalid("seal_id", "want 3-40 of A-Z a-z 0-9 -")
	}
	return oneOf("reason", in.Reason, "risk_area_return", "close_contact", "fever", "other")
}

// StartQuarantine records a home quarantine of a household in p's scope.
func (s *Service) StartQuarantine(ctx context.Context, p *auth.Principal, a store.Actor, in QuarantineInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "household_id", "household", in.HouseholdID, s.store.HouseholdGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.StartQuarantine(ctx, a, in.ClientID, s.today(), store.QuarantineInput{
			HouseholdID: in.HouseholdID, Starts: in.Starts, Ends: in.Ends, Reason: in.Reason, SealID: in.SealID})
	})
}

// EndQuarantine ends quarantine in.ID.
func (s *Service) EndQuarantine(ctx context.Context, p *auth.Principal, a store.Actor, in PathInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "quarantine", in.ID, s.store.QuarantineGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.EndQuarantine(ctx, a, in.ClientID, s.today(), in.ID)
	})
}

// ResolveAlert resolves alert in.ID with its resolution.
func (s *Service) ResolveAlert(ctx context.Context, p *auth.Principal, a store.Actor, in PathInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "alert", in.ID, s.store.AlertGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.ResolveAlert(ctx, a, in.ClientID, in.ID, in.Resolution)
	})
}

// SealAlertInput is an alert from a door seal.
type SealAlertInput struct {
	ClientID string `json:"client_id"`
	SealID   string `json:"seal_id"`
	Kind     string `json:"kind"`
	Note     string `json:"note"`
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *SealAlertInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	if !sealPattern.MatchString(in.SealID) {
		return invalid("seal_id", "required: 3-40 of A-Z a-z 0-9 -")
	}
	var err error
	if in.Note, err = text("note", in.Note, 0, 500); err != nil {
		return err
	}
	return oneOf("kind", in.Kind, "seal_opened", "seal_tampered", "seal_offline")
}

// SealAlert raises an alert from the seal of an open quarantine in p's
// scope.
func (s *Service) SealAlert(ctx context.Context, p *auth.Principal, a store.Actor, in SealAlertInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	grid, err := s.store.SealGrid(ctx, in.SealID)
	if errors.Is(err, store.ErrNotFound) {
		err = invalid("seal_id", "no open quarantine has this seal")
	}
	t := target{field: "seal_id", what: "seal", grid: grid, err: err}
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.SealAlert(ctx, a, in.ClientID, in.SealID, in.Kind, in.Note)
	})
}
