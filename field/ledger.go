package field

import (
	"context"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// The ledger of vulnerable residents and their visits, hotline requests
// and party members' points.

// ResidentInput puts a resident on the ledger.
type ResidentInput struct {
	ClientID       string `json:"client_id"`
	HouseholdID    int64  `json:"household_id"`
	Name           string `json:"name"`
	Phone          string `json:"phone"`
	Category       string `json:"category"`
	VisitEveryDays int    `json:"visit_every_days"`
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *ResidentInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	var err error
	if in.Name, err = text("name", in.Name, 1, 100); err != nil {
		return err
	}
	if in.HouseholdID <= 0 {
		return invalid("household_id", "required: a household id")
	}
	if in.Phone, err = phone(in.Phone); err != nil {
		return err
	}
	if in.VisitEveryDays < 1 || in.VisitEveryDays > 90 {
		return invalid("visit_every_days", "want 1 to 90")
	}
	return oneOf("category", in.Category, "elderly_alone", "disabled", "chronic_illness", "other")
}

// AddResident puts a resident of a household in p's scope on the ledger.
func (s *Service) AddResident(ctx context.Context, p *auth.Principal, a store.Actor, in ResidentInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "household_id", "household", in.HouseholdID, s.store.HouseholdGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.AddResident(ctx, a, in.ClientID, s.now(), store.ResidentInput{HouseholdID: in.HouseholdID,
			Name: in.Name, Phone: in.Phone, Category: in.Category, VisitEveryDays: in.VisitEveryDays})
	})
}

// VisitInput logs a visit to resident ResidentID of the ledger.
type VisitInput struct {
	ResidentID int64      `json:"-"`
	ClientID   string     `json:"client_id"`
	Method     string     `json:"method"`
	Note       string     `json:"note"`
	At         *time.Time `json:"at"` // nil for now; at most 30 days ago
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *VisitInput) Validate(now time.Time) error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	var err error
	if in.Note, err = text("note", in.Note, 0, 500); err != nil {
		return err
	}
	switch {
	case in.At == nil:
		in.At = &now
	case in.At.After(now.Add(time.Minute)):
		return invalid("at", "in the future")
	case in.At.Before(now.AddDate(0, 0, -30)):
		return invalid("at", "more than 30 days ago")
	}
	return oneOf("method", in.Method, "visit", "phone")
}

// RecordVisit logs a visit to a resident in p's scope.
func (s *Service) RecordVisit(ctx context.Context, p *auth.Principal, a store.Actor, in VisitInput) (store.WriteResult, error) {
	if err := in.Validate(s.now()); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "vulnerable resident", in.ResidentID, s.store.ResidentGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.RecordVisit(ctx, a, in.ClientID, s.now(), store.VisitInput{ResidentID: in.ResidentID, At: *in.At, Method: in.Method, Note: in.Note})
	})
}

// RequestInput is a call to the hotline about a building.
type RequestInput struct {
	ClientID   string     `json:"client_id"`
	BuildingID int64      `json:"building_id"`
	Category   string     `json:"category"`
	Body       string     `json:"body"`
	Caller     string     `json:"caller"`
	Phone      string     `json:"phone"`
	Urgency    string     `json:"urgency"`     // normal (default) or urgent
	Deadline   *time.Time `json:"deadline"`    // nil: 24 hours, urgent 4 hours, after it was received
	AssigneeID int64      `json:"assignee_id"` // a person in the writer's scope; 0: nobody yet
}

// The default time a request has, by urgency.
const (
	RequestDeadline       = 24 * time.Hour
	UrgentRequestDeadline = 4 * time.Hour
)

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *RequestInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	var err error
	if in.Body, err = text("body", in.Body, 1, 1000); err != nil {
		return err
	}
	if in.Caller, err = text("caller", in.Caller, 0, 100); err != nil {
		return err
	}
	if in.BuildingID <= 0 {
		return invalid("building_id", "required: the building the request is about")
	}
	if in.Phone, err = phone(in.Phone); err != nil {
		return err
	}
	if in.Urgency == "" {
		in.Urgency = "normal"
	}
	if err := oneOf("urgency", in.Urgency, "normal", "urgent"); err != nil {
		return err
	}
	if in.AssigneeID < 0 {
		return invalid("assignee_id", "want a person id")
	}
	return oneOf("category", in.Category, "supplies", "medical", "repair", "complaint", "other")
}

// deadline is when a request received at now must be done: the one given
// (after now, within 30 days), else by its urgency.
func (in *RequestInput) deadline(now time.Time) (time.Time, error) {
	switch {
	case in.Deadline == nil && in.Urgency == "urgent":
		return now.Add(UrgentRequestDeadline), nil
	case in.Deadline == nil:
		return now.Add(RequestDeadline), nil
	case !in.Deadline.After(now) || in.Deadline.After(now.AddDate(0, 0, 30)):
		return time.Time{}, invalid("deadline", "want a time after now and within 30 days")
	}
	return *in.Deadline, nil
}

// OpenRequest records a hotline request about a building in p's scope.
func (s *Service) OpenRequest(ctx context.Context, p *auth.Principal, a store.Actor, in RequestInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	now := s.now()
	deadline, err := in.deadline(now)
	if err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "building_id", "building", in.BuildingID, s.store.BuildingGrid)
	if err := s.check(ctx, p, t); err != nil {
		return store.WriteResult{}, err
	}
	if in.AssigneeID != 0 {
		if err := s.checkPerson(ctx, p, "assignee_id", "person", in.AssigneeID, s.store.PersonGrid); err != nil {
			return store.WriteResult{}, err
		}
	}
	return s.commit(ctx, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.OpenRequest(ctx, a, in.ClientID, store.RequestInput{BuildingID: in.BuildingID, Category: in.Category,
			Body: in.Body, Caller: in.Caller, Phone: in.Phone, ReceivedAt: now, Urgency: in.Urgency, Deadline: deadline,
			AssigneeID: in.AssigneeID, TaskAcceptBy: now.Add(DefaultTaskRules.AcceptWithin)})
	})
}

// FollowUpInput is a follow-up call (回访) about closed request RequestID:
// whether the resident was satisfied.
type FollowUpInput struct {
	RequestID    int64      `json:"-"`
	ClientID     string     `json:"client_id"`
	Satisfaction string     `json:"satisfaction"` // satisfied, neutral, unsatisfied, or unreachable
	Note         string     `json:"note"`
	At           *time.Time `json:"at"` // nil for now; at most 30 days ago
}

// Validate checks in against now.
func (in *FollowUpInput) Validate(now time.Time) error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	var err error
	if in.Note, err = text("note", in.Note, 0, 500); err != nil {
		return err
	}
	if in.At == nil {
		in.At = &now
	} else if in.At.After(now.Add(time.Minute)) || in.At.Before(now.AddDate(0, 0, -30)) {
		return invalid("at", "want a time in the last 30 days")
	}
	return oneOf("satisfaction", in.Satisfaction, "satisfied", "neutral", "unsatisfied", "unreachable")
}

// FollowUpRequest records the follow-up call of a closed request in p's
// scope.
func (s *Service) FollowUpRequest(ctx context.Context, p *auth.Principal, a store.Actor, in FollowUpInput) (store.WriteResult, error) {
	if err := in.Validate(s.now()); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "request", in.RequestID, s.store.RequestGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.FollowUpRequest(ctx, a, in.ClientID, store.FollowUpInput{RequestID: in.RequestID,
			Satisfaction: in.Satisfaction, Note: in.Note, At: *in.At})
	})
}

// CloseRequest closes hotline request in.ID with its resolution.
func (s *Service) CloseRequest(ctx context.Context, p *auth.Principal, a store.Actor, in PathInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "request", in.ID, s.store.RequestGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.CloseRequest(ctx, a, in.ClientID, in.ID, in.Resolution)
	})
}

// PointsInput awards (or takes away) party member PersonID's points.
type PointsInput struct {
	PersonID int64  `json:"-"`
	ClientID string `json:"client_id"`
	Points   int    `json:"points"`
	Reason   string `json:"reason"`
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *PointsInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	if in.Points == 0 || in.Points < -100 || in.Points > 100 {
		return invalid("points", "want -100 to 100, not 0")
	}
	var err error
	in.Reason, err = text("reason", in.Reason, 1, 200)
	return err
}

// AwardPoints changes the points of a party member in p's scope.
func (s *Service) AwardPoints(ctx context.Context, p *auth.Principal, a store.Actor, in PointsInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "party member", in.PersonID, s.store.PartyMemberGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.AwardPoints(ctx, a, in.ClientID, in.PersonID, in.Points, in.Reason)
	})
}
