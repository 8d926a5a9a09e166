package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/geo"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// actor names the principal of a write for the audit log.
func actor(r *http.Request, p *auth.Principal) store.Actor {
	return store.Actor{AccountID: p.AccountID, Name: p.Username, RequestID: requestID(r.Context())}
}

// refRequest sets or clears one reference: {"<field>": 12} or {"<field>": null}.
// The field must be present, so an empty object never clears by accident.
type refRequest map[string]json.RawMessage

// clientID returns the optional client id of a reference write.
func (req refRequest) clientID() (string, error) {
	raw, ok := req["client_id"]
	if !ok {
		return "", nil
	}
	var id string
	if err := json.Unmarshal(raw, &id); err != nil {
		return "", badParam("client_id", "want a string")
	}
	return id, checkClientID(id)
}

// value returns the id under field, nil for JSON null.
func (req refRequest) value(field string) (*int64, error) {
	for k := range req {
		switch {
		case k == "":
			return nil, badParam("body", "a field with an empty name")
		case k != field && k != "client_id":
			return nil, badParam(clip(k), "unknown field")
		}
	}
	raw, ok := req[field]
	if !ok {
		return nil, badParam(field, "required (null to clear)")
	}
	if string(raw) == "null" {
		return nil, nil
	}
	id, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || id <= 0 {
		return nil, badParam(field, "want a positive integer id or null")
	}
	return &id, nil
}

// writeRef is the shape of every reference write: parse the path id,
// find the grid it belongs to and check scope, decode the body, check
// the referenced row's scope, write, answer 204. Setting a reference to a
// value is idempotent by nature; a client_id in the body also makes the
// write replay-safe like other field writes.
func (s *Server) writeRef(w http.ResponseWriter, r *http.Request, p *auth.Principal, field string,
	gridOf func(context.Context, int64) (int64, error), what string,
	refGrid func(context.Context, int64) (int64, error), refWhat string,
	write func(ctx context.Context, a store.Actor, clientID string, id int64, ref *int64) (store.WriteResult, error)) {
	ctx := r.Context()
	id, err := parseID("id", r.PathValue("id"), false)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	grid, err := gridOf(ctx, id)
	if err == nil {
		err = s.checkGrid(ctx, p, "id", grid)
	}
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "id", what))
		return
	}
	var req refRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.respondError(w, r, err)
		return
	}
	clientID, err := req.clientID()
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	if clientID == "" {
		clientID = "server:" + requestID(ctx)
	}
	ref, err := req.value(field)
	if err == nil && ref != nil {
		err = s.checkRefScope(ctx, p, field, *ref, refGrid, refWhat)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.fieldWrite(w, r, p, "id", fixed(grid), what, func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		res, err := write(ctx, a, clientID, id, ref)
		if errors.Is(err, store.ErrBadReference) {
			err = model.Errorf(model.Invalid, field, "no %s has this id", refWhat)
		}
		return res, err
	})
}

// checkRefScope checks that a referenced person lies in the principal's
// scope; a person with no home grid is for unscoped roles only.
func (s *Server) checkRefScope(ctx context.Context, p *auth.Principal, field string, id int64,
	gridOf func(context.Context, int64) (int64, error), what string) error {
	grid, err := gridOf(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return badParam(field, "no %s has this id", what)
	}
	if err != nil {
		return err
	}
	if p.Scope().All() {
		return nil
	}
	if grid == 0 {
		return &model.Error{Kind: model.Forbidden, Field: field, Msg: field + ": this person belongs to no grid of yours"}
	}
	return s.checkGrid(ctx, p, field, grid)
}

func (s *Server) setBuildingHead(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	s.writeRef(w, r, p, "head_id", s.store.BuildingGrid, "building", s.store.PersonGrid, "person",
		func(ctx context.Context, a store.Actor, clientID string, id int64, ref *int64) (store.WriteResult, error) {
			return s.store.SetReference(ctx, a, clientID, "building", id, ref)
		})
}

func (s *Server) setHouseholdContact(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	s.writeRef(w, r, p, "contact_id", s.store.HouseholdGrid, "household", s.store.PartyMemberGrid, "party member",
		func(ctx context.Context, a store.Actor, clientID string, id int64, ref *int64) (store.WriteResult, error) {
			return s.store.SetReference(ctx, a, clientID, "household", id, ref)
		})
}

func (s *Server) setGridLeader(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	gridOf := func(_ context.Context, id int64) (int64, error) { return id, nil }
	s.writeRef(w, r, p, "leader_id", gridOf, "grid", s.store.PersonGrid, "person",
		func(ctx context.Context, a store.Actor, clientID string, id int64, ref *int64) (store.WriteResult, error) {
			return s.store.SetReference(ctx, a, clientID, "grid", id, ref)
		})
}

// personRequest is a person as written through the API.
type personRequest struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	HomeGridID int64  `json:"home_grid_id"`
}

var phonePattern = regexp.MustCompile(`^[0-9+ -]{5,20}$`)

func (req *personRequest) validate() error {
	req.Name = strings.TrimSpace(req.Name)
	req.Phone = strings.TrimSpace(req.Phone)
	switch n := utf8.RuneCountInString(req.Name); {
	case n == 0:
		return badParam("name", "required")
	case n > 100:
		return badParam("name", "at most 100 characters")
	case req.Phone != "" && !phonePattern.MatchString(req.Phone):
		return badParam("phone", "5 to 20 digits, spaces, '+' or '-'")
	case req.HomeGridID < 0:
		return badParam("home_grid_id", "want a positive grid id")
	}
	return nil
}

func (req personRequest) input() store.PersonInput {
	return store.PersonInput{Name: req.Name, Phone: req.Phone, HomeGridID: req.HomeGridID}
}

// checkHome checks the home grid of a person being written: scoped roles
// must give one inside their scope.
func (s *Server) checkHome(ctx context.Context, p *auth.Principal, home int64) error {
	if home == 0 {
		if p.Scope().All() {
			return nil
		}
		return badParam("home_grid_id", "required: a grid of yours")
	}
	err := s.checkGrid(ctx, p, "home_grid_id", home)
	var fe *model.Error
	if errors.As(err, &fe) && fe.Kind == model.NotFound {
		return badParam("home_grid_id", "no current grid has this id")
	}
	return err
}

func (s *Server) createPerson(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var req personRequest
	err := decodeJSON(w, r, &req)
	if err == nil {
		err = req.validate()
	}
	if err == nil {
		err = s.checkHome(r.Context(), p, req.HomeGridID)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	person, err := s.store.CreatePerson(r.Context(), actor(r, p), req.input())
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, "application/json; charset=utf-8", person)
}

func (s *Server) updatePerson(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	ctx := r.Context()
	id, err := s.personInPath(r, p)
	var req personRequest
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	if err == nil {
		err = req.validate()
	}
	if err == nil {
		err = s.checkHome(ctx, p, req.HomeGridID)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	person, err := s.store.UpdatePerson(ctx, actor(r, p), id, req.input())
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "id", "person"))
		return
	}
	s.ok(w, r, person)
}

// personInPath parses the person id of the path and checks the person is
// in the principal's scope: 404 when there is none, 403 outside.
func (s *Server) personInPath(r *http.Request, p *auth.Principal) (int64, error) {
	id, err := parseID("id", r.PathValue("id"), false)
	if err != nil {
		return 0, err
	}
	err = s.checkRefScope(r.Context(), p, "id", id, s.store.PersonGrid, "person")
	var fe *model.Error
	if errors.As(err, &fe) && fe.Kind == model.Invalid {
		return 0, &model.Error{Kind: model.NotFound, Field: "id", Msg: fe.Msg}
	}
	return id, err
}

// person answers one person, masked for roles that may not see people.
func (s *Server) person(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	ctx := r.Context()
	id, err := s.personInPath(r, p)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	person, err := s.store.Person(ctx, id)
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "id", "person"))
		return
	}
	s.ok(w, r, maskPerson(p, person))
}

func maskPerson(p *auth.Principal, person store.Person) store.Person {
	if p.Can(auth.ReadPeople) {
		return person
	}
	person.Name, person.Phone = auth.MaskName(person.Name), maskPhone(p, person.Phone)
	return person
}

// households answers a building's households with their contacts.
func (s *Server) households(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	ctx := r.Context()
	id, err := parseID("id", r.PathValue("id"), false)
	var grid int64
	if err == nil {
		grid, err = s.store.BuildingGrid(ctx, id)
	}
	if err == nil {
		err = s.checkGrid(ctx, p, "id", grid)
	}
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "id", "building"))
		return
	}
	hs, err := s.store.Households(ctx, id, s.today(s.now()))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for i := range hs {
		if hs[i].Contact != nil {
			c := maskPerson(p, *hs[i].Contact)
			hs[i].Contact = &c
		}
	}
	s.ok(w, r, map[string]any{"building_id": id, "households": hs})
}

// boundaryRequest is a new boundary for one grid.
type boundaryRequest struct {
	Geometry json.RawMessage `json:"geometry"`
	Note     string          `json:"note"`
}

func (s *Server) setGridBoundary(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	ctx := r.Context()
	id, err := parseID("id", r.PathValue("id"), false)
	if err == nil {
		err = s.checkGrid(ctx, p, "id", id)
	}
	var req boundaryRequest
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	if err == nil && len(req.Geometry) == 0 {
		err = badParam("geometry", "required: a GeoJSON Polygon or MultiPolygon")
	}
	if err == nil && utf8.RuneCountInString(req.Note) > 500 {
		err = badParam("note", "at most 500 characters")
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	mp, err := geo.ParsePolygonal(req.Geometry, geo.DefaultLimits())
	if err != nil {
		s.respondError(w, r, err) // a *geo.InputError: Invalid on geometry.<path>
		return
	}
	pub, err := s.plan.SetBoundary(ctx, actor(r, p), id, mp, req.Note)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	s.afterPublish(ctx, pub)
	s.ok(w, r, pub)
}
