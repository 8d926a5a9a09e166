package field

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// PersonInput is a person as written through the API.
type PersonInput struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	HomeGridID int64  `json:"home_grid_id"` // required of scoped roles: a grid of theirs
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *PersonInput) Validate() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Phone = strings.TrimSpace(in.Phone)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		return invalid("name", "required")
	case n > 100:
		return invalid("name", "at most 100 characters")
	case in.Phone != "" && !phonePattern.MatchString(in.Phone):
		return invalid("phone", "5 to 20 digits, spaces, '+' or '-'")
	case in.HomeGridID < 0:
		return invalid("home_grid_id", "want a positive grid id")
	}
	return nil
}

func (in PersonInput) toStore() store.PersonInput {
	return store.PersonInput{Name: in.Name, Phone: in.Phone, HomeGridID: in.HomeGridID}
}

// CreatePerson adds a person living in a grid of p's.
func (s *Service) CreatePerson(ctx context.Context, p *auth.Principal, a store.Actor, in PersonInput) (store.Person, error) {
	err := in.Validate()
	if err == nil {
		err = s.scopes.CheckHome(ctx, p, "home_grid_id", in.HomeGridID)
	}
	if err != nil {
		return store.Person{}, err
	}
	return s.store.CreatePerson(ctx, a, in.toStore())
}

// UpdatePerson rewrites person id, who must be in p's scope, and may move
// only to a grid of p's.
func (s *Service) UpdatePerson(ctx context.Context, p *auth.Principal, a store.Actor, id int64, in PersonInput) (store.Person, error) {
	err := s.CheckPerson(ctx, p, id)
	if err == nil {
		err = in.Validate()
	}
	if err == nil {
		err = s.scopes.CheckHome(ctx, p, "home_grid_id", in.HomeGridID)
	}
	if err != nil {
		return store.Person{}, err
	}
	person, err := s.store.UpdatePerson(ctx, a, id, in.toStore())
	return person, notFoundAs(err, "id", "person")
}

// CheckPerson checks that person id (the path's "id") is in p's scope:
// NotFound when there is none, Forbidden outside.
func (s *Service) CheckPerson(ctx context.Context, p *auth.Principal, id int64) error {
	err := s.checkPerson(ctx, p, "id", "person", id, s.store.PersonGrid)
	var fe *model.Error
	if errors.As(err, &fe) && fe.Kind == model.Invalid {
		return &model.Error{Kind: model.NotFound, Field: "id", Msg: fe.Msg}
	}
	return err
}
