package field

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// References: a building's head, a household's party-member contact, a
// grid's leader. Setting a reference to a value is idempotent by nature;
// a client_id in the body also makes the write replay-safe like other
// field writes.

// RefInput sets or clears one reference of row ID: a body of
// {"<field>": 12} or {"<field>": null}, with an optional client_id. The
// field must be present, so an empty object never clears by accident.
type RefInput struct {
	ID   int64
	Body map[string]json.RawMessage
}

// clientID returns the body's client id, or one made from the request id
// when there is none.
func (in RefInput) clientID(a store.Actor) (string, error) {
	raw, ok := in.Body["client_id"]
	if !ok {
		return "server:" + a.RequestID, nil
	}
	var id string
	if err := json.Unmarshal(raw, &id); err != nil {
		return "", invalid("client_id", "want a string")
	}
	return id, CheckClientID(id)
}

// Value returns the id under field, nil for JSON null.
func (in RefInput) Value(field string) (*int64, error) {
	for k := range in.Body {
		switch {
		case k == "":
			return nil, invalid("body", "a field with an empty name")
		case k != field && k != "client_id":
			return nil, invalid(clip(k), "unknown field")
		}
	}
	raw, ok := in.Body[field]
	if !ok {
		return nil, invalid(field, "required (null to clear)")
	}
	if string(raw) == "null" {
		return nil, nil
	}
	id, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || id <= 0 {
		return nil, invalid(field, "want a positive integer id or null")
	}
	return &id, nil
}

// clip shortens a name from the client for a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// reference is one kind of reference: the row it is set on and the row
// it refers to.
type reference struct {
	entity, field string // the store's entity and the body's field
	what, refWhat string // "building" and "person", for messages
	gridOf        func(context.Context, int64) (int64, error)
	refGrid       func(context.Context, int64) (int64, error)
}

// SetBuildingHead sets or clears the head of a building in p's scope to
// a person in p's scope.
func (s *Service) SetBuildingHead(ctx context.Context, p *auth.Principal, a store.Actor, in RefInput) (store.WriteResult, error) {
	return s.setReference(ctx, p, a, in, reference{"building", "head_id", "building", "person", s.store.BuildingGrid, s.store.PersonGrid})
}

// SetHouseholdContact sets or clears the party-member contact of a
// household in p's scope.
func (s *Service) SetHouseholdContact(ctx context.Context, p *auth.Principal, a store.Actor, in RefInput) (store.WriteResult, error) {
	return s.setReference(ctx, p, a, in, reference{"household", "contact_id", "household", "party member", s.store.HouseholdGrid, s.store.PartyMemberGrid})
}

// SetGridLeader sets or clears the leader of a grid in p's scope.
func (s *Service) SetGridLeader(ctx context.Context, p *auth.Principal, a store.Actor, in RefInput) (store.WriteResult, error) {
	self := func(_ context.Context, id int64) (int64, error) { return id, nil }
	return s.setReference(ctx, p, a, in, reference{"grid", "leader_id", "grid", "person", self, s.store.PersonGrid})
}

// setReference checks the scope of the row first (so a body tells
// nothing about a row outside it), then the body, then the scope of the
// row referred to, and writes.
func (s *Service) setReference(ctx context.Context, p *auth.Principal, a store.Actor, in RefInput, r reference) (store.WriteResult, error) {
	t := on(ctx, "id", r.what, in.ID, r.gridOf)
	if err := s.check(ctx, p, t); err != nil {
		return store.WriteResult{}, err
	}
	clientID, err := in.clientID(a)
	if err != nil {
		return store.WriteResult{}, err
	}
	ref, err := in.Value(r.field)
	if err == nil && ref != nil {
		err = s.checkPerson(ctx, p, r.field, r.refWhat, *ref, r.refGrid)
	}
	if err != nil {
		return store.WriteResult{}, err
	}
	return s.commit(ctx, t, func(ctx context.Context) (store.WriteResult, error) {
		res, err := s.store.SetReference(ctx, a, clientID, r.entity, in.ID, ref)
		if errors.Is(err, store.ErrBadReference) {
			err = model.Errorf(model.Invalid, r.field, "no %s has this id", r.refWhat)
		}
		return res, err
	})
}
