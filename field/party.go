package field

import (
	"context"
	"math"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// The party layer of the roster: new members (an in-service one
// registered with the community, 双报到), registrations, and the service
// hours members record (志愿服务时长). The store checks what a write
// refers to (the branch, the task) against the writer's scope in the
// write's transaction.

// MaxServiceDays bounds how far back service hours may be recorded.
const MaxServiceDays = 90

// pastDay checks a YYYY-MM-DD day (empty: today) no later than today and
// at most back days before it, and returns it normalised.
func pastDay(field, v, today string, back int) (string, error) {
	if v == "" {
		return today, nil
	}
	d, err := date(field, v)
	if err != nil {
		return "", err
	}
	t, _ := time.Parse(time.DateOnly, today)
	if d.After(t) || d.Before(t.AddDate(0, 0, -back)) {
		return "", invalid(field, "want a day from %s to today (%s)", t.AddDate(0, 0, -back).Format(time.DateOnly), today)
	}
	return d.Format(time.DateOnly), nil
}

// PartyMemberInput adds a party member: a new person in a community or
// compound grid; an in-service one (驻区党员) comes with their employer
// and is registered with the grid's community (双报到) on RegisteredOn.
type PartyMemberInput struct {
	ClientID     string `json:"client_id"`
	Name         string `json:"name"`
	Phone        string `json:"phone"`
	GridID       int64  `json:"grid_id"`
	BranchID     int64  `json:"branch_id"`  // 0: the nearest branch of the grid in the writer's scope
	Membership   string `json:"membership"` // in_service (default) or resident
	Employer     string `json:"employer"`   // in_service: the work unit (单位)
	RegisteredOn string `json:"registered_on"`
}

// Validate checks in against today (the area's local day).
func (in *PartyMemberInput) Validate(today string) error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	var err error
	if in.Name, err = text("name", in.Name, 1, 100); err != nil {
		return err
	}
	if in.Phone, err = phone(in.Phone); err != nil {
		return err
	}
	if in.GridID <= 0 {
		return invalid("grid_id", "required: the community or compound grid the member serves in")
	}
	if in.BranchID < 0 {
		return invalid("branch_id", "want a branch id")
	}
	if in.Membership == "" {
		in.Membership = model.MemberInService
	}
	if err := oneOf("membership", in.Membership, model.MemberResident, model.MemberInService); err != nil {
		return err
	}
	if in.Membership == model.MemberResident {
		if in.Employer != "" || in.RegisteredOn != "" {
			return invalid("employer", "only an in-service member has an employer and a registration")
		}
		return nil
	}
	if in.Employer, err = text("employer", in.Employer, 1, 100); err != nil {
		return err
	}
	in.RegisteredOn, err = pastDay("registered_on", in.RegisteredOn, today, 3650)
	return err
}

// AddPartyMember adds a party member to a grid in p's scope.
func (s *Service) AddPartyMember(ctx context.Context, p *auth.Principal, a store.Actor, in PartyMemberInput) (store.WriteResult, error) {
	if err := in.Validate(s.today()); err != nil {
		return store.WriteResult{}, err
	}
	scope, err := s.scopes.ScopeIDs(ctx, p)
	if err != nil {
		return store.WriteResult{}, err
	}
	t := target{field: "grid_id", what: "grid", grid: in.GridID}
	return s.commit(ctx, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.AddPartyMember(ctx, a, in.ClientID, scope, store.PartyMemberInput{Name: in.Name, Phone: in.Phone,
			GridID: in.GridID, BranchID: in.BranchID, Membership: in.Membership, Employer: in.Employer, RegisteredOn: in.RegisteredOn})
	})
}

// RegistrationInput registers in-service member PersonID with their
// community (status active: employer, registered_on) or ends their
// registration (status ended: ended_on).
type RegistrationInput struct {
	PersonID     int64  `json:"-"`
	ClientID     string `json:"client_id"`
	Status       string `json:"status"` // active (default) or ended
	Employer     string `json:"employer"`
	RegisteredOn string `json:"registered_on"`
	EndedOn      string `json:"ended_on"`
}

// Validate checks in against today.
func (in *RegistrationInput) Validate(today string) error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	if in.Status == "" {
		in.Status = "active"
	}
	if err := oneOf("status", in.Status, "active", "ended"); err != nil {
		return err
	}
	var err error
	if in.Status == "ended" {
		if in.Employer != "" || in.RegisteredOn != "" {
			return invalid("employer", "ending a registration takes only ended_on")
		}
		in.EndedOn, err = pastDay("ended_on", in.EndedOn, today, 3650)
		return err
	}
	if in.EndedOn != "" {
		return invalid("ended_on", "only with status ended")
	}
	if in.Employer, err = text("employer", in.Employer, 1, 100); err != nil {
		return err
	}
	in.RegisteredOn, err = pastDay("registered_on", in.RegisteredOn, today, 3650)
	return err
}

// RegisterPartyMember registers (or ends the registration of) a member in
// p's scope.
func (s *Service) RegisterPartyMember(ctx context.Context, p *auth.Principal, a store.Actor, in RegistrationInput) (store.WriteResult, error) {
	if err := in.Validate(s.today()); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "party member", in.PersonID, s.store.PartyMemberGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.RegisterPartyMember(ctx, a, in.ClientID, store.RegistrationInput{PersonID: in.PersonID, Status: in.Status,
			Employer: in.Employer, RegisteredOn: in.RegisteredOn, EndedOn: in.EndedOn})
	})
}

// ServiceInput records volunteer service member PersonID did.
type ServiceInput struct {
	PersonID int64   `json:"-"`
	ClientID string  `json:"client_id"`
	Day      string  `json:"day"`   // YYYY-MM-DD, local; "" for today; at most MaxServiceDays ago
	Hours    float64 `json:"hours"` // 0.5 to 24, in half hours
	What     string  `json:"what"`
	TaskID   int64   `json:"task_id"` // optional: a done task of theirs in the writer's scope
}

// Validate checks in against today.
func (in *ServiceInput) Validate(today string) error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	if in.Hours < 0.5 || in.Hours > 24 || math.Mod(in.Hours*2, 1) != 0 {
		return invalid("hours", "want 0.5 to 24 in half hours")
	}
	var err error
	if in.What, err = text("what", in.What, 1, 200); err != nil {
		return err
	}
	if in.TaskID < 0 {
		return invalid("task_id", "want a task id")
	}
	in.Day, err = pastDay("day", in.Day, today, MaxServiceDays)
	return err
}

// RecordService records service hours of a member in p's scope.
func (s *Service) RecordService(ctx context.Context, p *auth.Principal, a store.Actor, in ServiceInput) (store.WriteResult, error) {
	if err := in.Validate(s.today()); err != nil {
		return store.WriteResult{}, err
	}
	scope, err := s.scopes.ScopeIDs(ctx, p)
	if err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "party member", in.PersonID, s.store.PartyMemberGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.RecordService(ctx, a, in.ClientID, scope, store.ServiceInput{PersonID: in.PersonID, Day: in.Day,
			Hours: in.Hours, What: in.What, TaskID: in.TaskID})
	})
}

// BranchInput sets up a party branch (党支部) at a community or compound
// grid.
type BranchInput struct {
	ClientID string `json:"client_id"`
	GridID   int64  `json:"grid_id"`
	Name     string `json:"name"`
}

// Validate checks in.
func (in *BranchInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	if in.GridID <= 0 {
		return invalid("grid_id", "required: the community or compound grid of the branch")
	}
	var err error
	in.Name, err = text("name", in.Name, 1, 100)
	return err
}

// AddPartyBranch sets up a branch at a grid in p's scope.
func (s *Service) AddPartyBranch(ctx context.Context, p *auth.Principal, a store.Actor, in BranchInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	scope, err := s.scopes.ScopeIDs(ctx, p)
	if err != nil {
		return store.WriteResult{}, err
	}
	t := target{field: "grid_id", what: "grid", grid: in.GridID}
	return s.commit(ctx, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.AddPartyBranch(ctx, a, in.ClientID, scope, in.GridID, in.Name)
	})
}

// BranchUpdate renames branch ID and sets its secretary (书记; 0: none),
// one of its members.
type BranchUpdate struct {
	ID          int64  `json:"-"`
	ClientID    string `json:"client_id"`
	Name        string `json:"name"`
	SecretaryID int64  `json:"secretary_id"`
}

// Validate checks in.
func (in *BranchUpdate) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	if in.SecretaryID < 0 {
		return invalid("secretary_id", "want a party member's id, or 0 for none")
	}
	var err error
	in.Name, err = text("name", in.Name, 1, 100)
	return err
}

// UpdatePartyBranch changes a branch in p's scope.
func (s *Service) UpdatePartyBranch(ctx context.Context, p *auth.Principal, a store.Actor, in BranchUpdate) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "party branch", in.ID, s.store.PartyBranchGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.UpdatePartyBranch(ctx, a, in.ClientID, in.ID, in.Name, in.SecretaryID)
	})
}

// MemberBranchInput moves party member PersonID to branch BranchID.
type MemberBranchInput struct {
	PersonID int64  `json:"-"`
	ClientID string `json:"client_id"`
	BranchID int64  `json:"branch_id"`
}

// Validate checks in.
func (in *MemberBranchInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	if in.BranchID <= 0 {
		return invalid("branch_id", "required: the branch the member moves to")
	}
	return nil
}

// MovePartyMember moves a member in p's scope to a branch in p's scope.
func (s *Service) MovePartyMember(ctx context.Context, p *auth.Principal, a store.Actor, in MemberBranchInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	scope, err := s.scopes.ScopeIDs(ctx, p)
	if err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "party member", in.PersonID, s.store.PartyMemberGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.MovePartyMember(ctx, a, in.ClientID, scope, in.PersonID, in.BranchID)
	})
}
