package server

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
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
	release := s.cov.Hold()
	res, err := write(ctx, actor(r, p))
	if err == nil && !res.Replay {
		s.commitChange(res.Change)
	}
	release()
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
	var ie *store.ImportError
	var ce *pgconn.ConnectError
	switch {
	case errors.As(err, &ie):
		s.writeJSON(w, r, http.StatusUnprocessableEntity, "application/json; charset=utf-8", rowReport(ie.Rows))
	case errors.Is(err, store.ErrNotFound):
		s.respondError(w, r, notFoundAs(err, idField, what))
	case errors.Is(err, store.ErrBadReference):
		s.clientError(w, r, http.StatusBadRequest, "body", "a value refers to a row that does not exist or breaks a rule: "+err.Error())
	case errors.As(err, &ce) || pgconn.SafeToRetry(err) || errors.Is(err, context.DeadlineExceeded):
		w.Header().Set("Retry-After", "2")
		s.clientError(w, r, http.StatusServiceUnavailable, "", "the database is unavailable; the write is not confirmed: retry it with the same client_id, which stores it once")
	default:
		s.respondError(w, r, err)
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
