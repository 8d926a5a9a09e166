package server

import (
	"context"
	"errors"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// Field writes: every one carries a client id, is checked against the
// principal's scope through the grid of the row it touches, commits with
// its client id (a retry replays the first answer), and only then is
// answered, with its change applied to the live coverage figures.

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,64}$`)

func checkClientID(id string) error {
	if id == "" {
		return badParam("client_id", "required: an id the client makes once per write and reuses when it retries (8-64 of A-Z a-z 0-9 . _ : -)")
	}
	if !clientIDPattern.MatchString(id) {
		return badParam("client_id", "want 8-64 of A-Z a-z 0-9 . _ : -")
	}
	return nil
}

// text trims s and checks its length in characters.
func text(field, s string, minLen, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && minLen > 0:
		return s, badParam(field, "required")
	case n > maxLen:
		return s, badParam(field, "at most %d characters", maxLen)
	}
	return s, nil
}

// oneOf checks v is one of allowed.
func oneOf(field, v string, allowed ...string) error {
	if v == "" {
		return badParam(field, "required: one of %s", strings.Join(allowed, ", "))
	}
	if !slices.Contains(allowed, v) {
		return badParam(field, "want one of %s", strings.Join(allowed, ", "))
	}
	return nil
}

// date checks a YYYY-MM-DD date.
func date(field, v string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return t, badParam(field, "want a date YYYY-MM-DD")
	}
	return t, nil
}

// fieldWrite is the common path of a field write: the scope check on the
// grid the write concerns, then commitWrite.
func (s *Server) fieldWrite(w http.ResponseWriter, r *http.Request, p *auth.Principal, idField string,
	gridOf func(context.Context) (int64, error), what string, write func(context.Context, store.Actor) (store.WriteResult, error)) {
	ctx := r.Context()
	grid, err := gridOf(ctx)
	if err == nil {
		err = s.checkGrid(ctx, p, idField, grid)
	}
	if err != nil {
		s.respondError(w, r, notFoundAs(err, idField, what))
		return
	}
	s.commitWrite(w, r, p, idField, what, write, nil)
}

// commitWrite runs a write whose scope was checked under the coverage
// lock, applies its change to the live figures, runs after (if any) once
// the write has committed, and answers the stored answer.
func (s *Server) commitWrite(w http.ResponseWriter, r *http.Request, p *auth.Principal, idField, what string,
	write func(context.Context, store.Actor) (store.WriteResult, error), after func(context.Context)) {
	ctx := r.Context()
	if err := s.freshCoverage(ctx); err != nil {
		s.writeError(w, r, err, idField, what)
		return
	}
	s.covMu.RLock()
	res, err := write(ctx, actor(r, p))
	if err == nil && !res.Replay {
		s.commitChange(res.Change)
	}
	s.covMu.RUnlock()
	if err != nil {
		s.writeError(w, r, err, idField, what)
		return
	}
	if after != nil {
		after(ctx)
	}
	if res.Replay {
		w.Header().Set("Idempotent-Replay", "true")
	}
	if res.Status == http.StatusNoContent {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(res.Status)
	w.Write(append(res.Body, '\n'))
}

// writeError answers a field write's error: the store's field errors with
// their status, a reused client id 409, a database that cannot be reached
// 503 (the write was not stored; retry with the same client id).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error, idField, what string) {
	var fe *store.FieldError
	var ie *store.ImportError
	var ce *pgconn.ConnectError
	switch {
	case errors.As(err, &ie):
		s.writeJSON(w, r, http.StatusUnprocessableEntity, "application/json; charset=utf-8", map[string]any{
			"error": "the file was not imported: fix the rows listed and send it again", "field": "body", "rows": ie.Rows})
	case errors.As(err, &fe):
		s.clientError(w, r, fe.Status, fe.Field, fe.Field+": "+fe.Msg)
	case errors.Is(err, store.ErrClientIDReused):
		s.clientError(w, r, http.StatusConflict, "client_id", "client_id: already used for another write; make a new one for each write")
	case errors.Is(err, store.ErrNotFound):
		s.respondError(w, r, notFoundAs(err, idField, what))
	case errors.Is(err, store.ErrBadReference):
		s.clientError(w, r, http.StatusBadRequest, "body", "a value refers to a row that does not exist or breaks a rule: "+err.Error())
	case errors.As(err, &ce) || pgconn.SafeToRetry(err) || errors.Is(err, context.DeadlineExceeded):
		w.Header().Set("Retry-After", "2")
		s.clientError(w, r, http.StatusServiceUnavailable, "", "the database is unavailable; the write is not confirmed: retry it with the same client_id, which stores it once")
	default:
		s.serverError(w, r, err)
	}
}

// pathID parses the {id} of the path.
func pathID(r *http.Request) (int64, error) { return parseID("id", r.PathValue("id"), false) }

// fixed returns a gridOf for a grid already known.
func fixed(grid int64) func(context.Context) (int64, error) {
	return func(context.Context) (int64, error) { return grid, nil }
}

// byID returns a gridOf that looks up the grid of row id.
func byID(id int64, gridOf func(context.Context, int64) (int64, error)) func(context.Context) (int64, error) {
	return func(ctx context.Context) (int64, error) { return gridOf(ctx, id) }
}

// decodeWrite decodes and validates a write's body.
func decodeWrite[T interface{ validate(s *Server) error }](s *Server, w http.ResponseWriter, r *http.Request, req T) bool {
	if err := decodeJSON(w, r, req); err != nil {
		s.respondError(w, r, err)
		return false
	}
	if err := req.validate(s); err != nil {
		s.respondError(w, r, err)
		return false
	}
	return true
}

// pathBody parses the {id} of the path and decodes and validates the
// body into req.
func pathBody[T interface{ validate(s *Server) error }](s *Server, w http.ResponseWriter, r *http.Request, req T) (int64, bool) {
	id, err := pathID(r)
	if err != nil {
		s.respondError(w, r, err)
		return 0, false
	}
	return id, decodeWrite(s, w, r, req)
}

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
	case oneOf("outcome", q.Outcome, store.Outcomes...) != nil:
		return oneOf("outcome", q.Outcome, store.Outcomes...)
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

// clientOnly is the body of writes that need nothing but their client id
// and perhaps a note.
type clientOnly struct {
	ClientID   string `json:"client_id"`
	Resolution string `json:"resolution"`
}

func (q *clientOnly) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	var err error
	q.Resolution, err = text("resolution", q.Resolution, 0, 500)
	return err
}

// pathWrite handles a write on the row named by the path's {id}.
func (s *Server) pathWrite(w http.ResponseWriter, r *http.Request, p *auth.Principal, what string,
	gridOf func(context.Context, int64) (int64, error), write func(context.Context, store.Actor, int64, *clientOnly) (store.WriteResult, error)) {
	var q clientOnly
	id, ok := pathBody(s, w, r, &q)
	if !ok {
		return
	}
	s.fieldWrite(w, r, p, "id", byID(id, gridOf), what, func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		return write(ctx, a, id, &q)
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

func (s *Server) closeRequest(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	s.pathWrite(w, r, p, "request", s.store.RequestGrid, func(ctx context.Context, a store.Actor, id int64, q *clientOnly) (store.WriteResult, error) {
		return s.store.CloseRequest(ctx, a, q.ClientID, id, q.Resolution)
	})
}

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

type checkpointRequest struct {
	ClientID string  `json:"client_id"`
	GridID   int64   `json:"grid_id"`
	Name     string  `json:"name"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
}

func (q *checkpointRequest) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	var err error
	if q.Name, err = text("name", q.Name, 1, 100); err != nil {
		return err
	}
	switch {
	case q.GridID <= 0:
		return badParam("grid_id", "required: a compound grid id")
	case math.IsNaN(q.Lon) || q.Lon < -180 || q.Lon > 180 || q.Lon == 0:
		return badParam("lon", "required: longitude, WGS84")
	case math.IsNaN(q.Lat) || q.Lat < -90 || q.Lat > 90 || q.Lat == 0:
		return badParam("lat", "required: latitude, WGS84")
	}
	return nil
}

func (s *Server) postCheckpoint(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q checkpointRequest
	if !decodeWrite(s, w, r, &q) {
		return
	}
	s.fieldWrite(w, r, p, "grid_id", fixed(q.GridID), "grid", func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		return s.store.AddCheckpoint(ctx, a, q.ClientID, s.today(s.now()), store.CheckpointInput{GridID: q.GridID, Name: q.Name, Lon: q.Lon, Lat: q.Lat})
	})
}

type dutyRequest struct {
	ClientID string `json:"client_id"`
	OnDuty   *bool  `json:"on_duty"`
	PersonID int64  `json:"person_id"`
}

func (q *dutyRequest) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	switch {
	case q.OnDuty == nil:
		return badParam("on_duty", "required: true or false")
	case q.PersonID < 0:
		return badParam("person_id", "want a person id")
	case !*q.OnDuty && q.PersonID != 0:
		return badParam("person_id", "only with on_duty true")
	}
	return nil
}

func (s *Server) checkpointDuty(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q dutyRequest
	id, ok := pathBody(s, w, r, &q)
	if !ok {
		return
	}
	s.fieldWrite(w, r, p, "id", byID(id, s.store.CheckpointGrid), "checkpoint", func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		return s.store.SetCheckpointDuty(ctx, a, q.ClientID, s.today(s.now()), id, *q.OnDuty, q.PersonID)
	})
}

type countsRequest struct {
	ClientID     string `json:"client_id"`
	Scans        int    `json:"scans"`
	Temperatures int    `json:"temperatures"`
	Fevers       int    `json:"fevers"`
}

func (q *countsRequest) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	for _, c := range []struct {
		field string
		v     int
		max   int
	}{{"scans", q.Scans, 100_000}, {"temperatures", q.Temperatures, 100_000}, {"fevers", q.Fevers, 100}} {
		if c.v < 0 || c.v > c.max {
			return badParam(c.field, "want 0 to %d", c.max)
		}
	}
	if q.Scans+q.Temperatures+q.Fevers == 0 {
		return badParam("scans", "all counts are 0; nothing to add")
	}
	return nil
}

func (s *Server) checkpointCounts(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q countsRequest
	id, ok := pathBody(s, w, r, &q)
	if !ok {
		return
	}
	s.fieldWrite(w, r, p, "id", byID(id, s.store.CheckpointGrid), "checkpoint", func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		return s.store.CountCheckpoint(ctx, a, q.ClientID, s.today(s.now()), id, q.Scans, q.Temperatures, q.Fevers)
	})
}

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

type spotCheckRequest struct {
	ClientID string `json:"client_id"`
	K        int    `json:"k"`
	Seed     *int64 `json:"seed"`
}

func (q *spotCheckRequest) validate(s *Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	if q.K < 1 || q.K > 500 {
		return badParam("k", "want 1 to 500 households")
	}
	if q.Seed == nil {
		seed := s.now().UnixNano() % 1_000_000_007
		q.Seed = &seed
	}
	return nil
}

func (s *Server) postSpotCheck(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q spotCheckRequest
	id, ok := pathBody(s, w, r, &q)
	if !ok {
		return
	}
	s.fieldWrite(w, r, p, "id", fixed(id), "grid", func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		return s.store.DrawSpotCheck(ctx, a, q.ClientID, id, q.K, *q.Seed)
	})
}

type spotResultRequest struct {
	ClientID    string `json:"client_id"`
	HouseholdID int64  `json:"household_id"`
	Result      string `json:"result"`
	Method      string `json:"method"`
}

func (q *spotResultRequest) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	if q.HouseholdID <= 0 {
		return badParam("household_id", "required: a household of the sample")
	}
	if err := oneOf("result", q.Result, "knows", "does_not_know", "unreachable"); err != nil {
		return err
	}
	return oneOf("method", q.Method, "visit", "phone")
}

func (s *Server) postSpotResult(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q spotResultRequest
	id, ok := pathBody(s, w, r, &q)
	if !ok {
		return
	}
	s.fieldWrite(w, r, p, "id", byID(id, s.store.SpotCheckGrid), "spot check", func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		return s.store.RecordSpotCheck(ctx, a, q.ClientID, id, q.HouseholdID, q.Result, q.Method)
	})
}

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

// coverageLevel answers every grid of a level in scope with its figures.
func (s *Server) coverageLevel(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	ctx := r.Context()
	q := r.URL.Query()
	if err := query(q, "level"); err != nil {
		s.respondError(w, r, err)
		return
	}
	level, err := parseLevel(q.Get("level"))
	if err == nil && level == 0 {
		err = badParam("level", "required: 1, 2 or 3")
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := s.freshCoverage(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	h, err := s.hierarchy(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ids := p.Scope().GridIDs(h)
	if ids == nil {
		ids = h.All()
	}
	slices.Sort(ids)
	figs := []any{}
	for _, id := range ids {
		if h.Level(id) == level {
			figs = append(figs, s.cov.Get(id))
		}
	}
	s.ok(w, r, map[string]any{"day": s.cov.Day(), "denominator": coverageDenominator, "grids": figs})
}

const coverageDenominator = "households: occupied households (vacant and demolished ones are outside the denominator and counted in excluded); contact_pct and screened_pct are of households, head_pct of buildings"

// gridCoverage answers a grid's figures and its children's.
func (s *Server) gridCoverage(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	ctx := r.Context()
	id, err := pathID(r)
	if err == nil {
		err = s.checkGrid(ctx, p, "id", id)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := s.freshCoverage(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	h, err := s.hierarchy(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	children := []any{}
	for _, c := range h.Children(id) {
		children = append(children, s.cov.Get(c))
	}
	s.ok(w, r, map[string]any{"day": s.cov.Day(), "denominator": coverageDenominator, "grid": s.cov.Get(id), "children": children})
}

// subtree parses the {id} of the path, checks it against the principal's
// scope, and returns the grid and every grid of its subtree.
func (s *Server) subtree(w http.ResponseWriter, r *http.Request, p *auth.Principal) (int64, []int64, bool) {
	ctx := r.Context()
	id, err := pathID(r)
	if err == nil {
		err = s.checkGrid(ctx, p, "id", id)
	}
	if err != nil {
		s.respondError(w, r, err)
		return 0, nil, false
	}
	h, err := s.hierarchy(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return 0, nil, false
	}
	return id, auth.Scope{Root: id}.GridIDs(h), true
}

// gridGaps answers what needs doing in a grid.
func (s *Server) gridGaps(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, grids, ok := s.subtree(w, r, p)
	if !ok {
		return
	}
	now := s.now()
	g, err := s.store.GridGaps(r.Context(), id, grids, s.today(now), now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for i := range g.OverdueVisits {
		v := &g.OverdueVisits[i]
		v.Name, v.Phone = maskName(p, v.Name), maskPhone(p, v.Phone)
	}
	for i := range g.OpenRequests {
		q := &g.OpenRequests[i]
		q.Caller, q.Phone = maskNamePtr(p, q.Caller), maskPhone(p, q.Phone)
	}
	s.ok(w, r, g)
}

// spotChecks lists a grid's spot checks with their result rates.
func (s *Server) spotChecks(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	ctx := r.Context()
	id, err := pathID(r)
	if err == nil {
		err = s.checkGrid(ctx, p, "id", id)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	checks, err := s.store.SpotChecks(ctx, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"checks": checks})
}

// nearestVolunteers answers the volunteers nearest a point by their live
// positions, among those the principal may see.
func (s *Server) nearestVolunteers(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	ctx := r.Context()
	q := r.URL.Query()
	if err := query(q, "lon", "lat", "n"); err != nil {
		s.respondError(w, r, err)
		return
	}
	lon, err1 := strconv.ParseFloat(q.Get("lon"), 64)
	lat, err2 := strconv.ParseFloat(q.Get("lat"), 64)
	n, err := parseLimit(q.Get("n"), 5, 50)
	switch {
	case err1 != nil || math.IsNaN(lon) || lon < -180 || lon > 180:
		err = badParam("lon", "required: longitude, WGS84")
	case err2 != nil || math.IsNaN(lat) || lat < -90 || lat > 90:
		err = badParam("lat", "required: latitude, WGS84")
	case err != nil:
		err = badParam("n", "want 1 to 50")
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	h, err := s.hierarchy(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sc := p.Scope()
	near := s.hub.Nearest(lon, lat, n, func(grid int64) bool { return sc.All() || (grid != 0 && sc.Contains(h, grid)) })
	ids := make([]int64, len(near))
	for i, v := range near {
		ids[i] = v.VolunteerID
	}
	names, err := s.store.VolunteerNames(ctx, ids)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, v := range near {
		nm := names[v.VolunteerID]
		name := nm.Name
		if !p.Can(auth.ReadPeople) {
			name = auth.MaskName(name)
		}
		out = append(out, map[string]any{"id": v.VolunteerID, "name": name, "team_id": v.TeamID, "team": nm.Team,
			"lon": v.Lon, "lat": v.Lat, "distance_m": math.Round(v.Distance), "at": v.At})
	}
	s.ok(w, r, map[string]any{"volunteers": out})
}

// checkpoints lists a grid subtree's gate checkpoints with duty and
// today's counts.
func (s *Server) checkpoints(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	_, grids, ok := s.subtree(w, r, p)
	if !ok {
		return
	}
	cps, err := s.store.Checkpoints(r.Context(), grids, s.today(s.now()))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"day": s.today(s.now()), "checkpoints": cps})
}

// maskPhone returns a phone as the principal may see it.
func maskPhone(p *auth.Principal, phone *string) *string {
	if phone == nil || p.Can(auth.ReadPeople) {
		return phone
	}
	m := auth.MaskPhone(*phone)
	return &m
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
