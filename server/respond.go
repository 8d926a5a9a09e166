package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

type ctxKey int

const requestIDKey ctxKey = iota

// requestID returns the id the request log and error bodies carry.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// errorBody is the one shape of every error answer: the stable code, the
// sentence in the caller's language (messages.go), the parameters the
// sentence names, the field at fault, and, when the sentence is the
// kind's general one, the precise English detail.
type errorBody struct {
	Code      model.Code     `json:"code"`
	Error     string         `json:"error"`
	Params    map[string]any `json:"params,omitempty"`
	Field     string         `json:"field,omitempty"`
	Detail    string         `json:"detail,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
}

// writeJSON writes v with the given status and content type.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	if status == http.StatusOK && strings.HasPrefix(contentType, "application/geo+json") &&
		(r.Method == http.MethodGet || r.Method == http.MethodHead) {
		if notModified(w, r, body) {
			return
		}
	} else {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(body)
}

// notModified gives a GeoJSON answer an ETag of its bytes and answers 304
// when the client already has them: the body is built anyway, but a map
// that refetches unchanged grids moves no bytes. The tag is weak because
// the answer may go out gzipped; private, because it depends on who asks
// (names are masked by role).
func notModified(w http.ResponseWriter, r *http.Request, body []byte) bool {
	sum := sha256.Sum256(body)
	etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	for tag := range strings.SplitSeq(r.Header.Get("If-None-Match"), ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(etag, "W/") {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

func (s *Server) ok(w http.ResponseWriter, r *http.Request, v any) {
	s.writeJSON(w, r, http.StatusOK, "application/json; charset=utf-8", v)
}

func (s *Server) okGeoJSON(w http.ResponseWriter, r *http.Request, v any) {
	s.writeJSON(w, r, http.StatusOK, "application/geo+json; charset=utf-8", v)
}

// clientError answers a 4xx of code naming the field at fault, its
// sentence in the caller's language.
func (s *Server) clientError(w http.ResponseWriter, r *http.Request, status int, field string, code model.Code, params map[string]any) {
	s.answer(w, r, status, &model.Error{Field: field, Code: code, Params: params})
}

// answer writes e with status in r's language, which Content-Language
// names (the front end shows the server's sentence only when it is in the
// page's language, else its own for the code).
func (s *Server) answer(w http.ResponseWriter, r *http.Request, status int, e *model.Error) {
	lang := s.lang(r)
	w.Header().Set("Content-Language", lang)
	s.writeJSON(w, r, status, "application/json; charset=utf-8", errorAnswer(lang, requestID(r.Context()), e))
}

// newErrorBody is the answer to e in lang.
func newErrorBody(lang, requestID string, e *model.Error) errorBody {
	text, detail := errorText(lang, e)
	return errorBody{Code: e.ErrorCode(), Error: text, Params: e.Params, Field: e.Field, Detail: detail, RequestID: requestID}
}

// kindStatus is the one mapping from an error's kind to an HTTP status.
var kindStatus = map[model.Kind]int{
	model.Invalid:          http.StatusBadRequest,
	model.Unauthenticated:  http.StatusUnauthorized,
	model.Forbidden:        http.StatusForbidden,
	model.NotFound:         http.StatusNotFound,
	model.Conflict:         http.StatusConflict,
	model.Gone:             http.StatusGone,
	model.TooLarge:         http.StatusRequestEntityTooLarge,
	model.UnsupportedMedia: http.StatusUnsupportedMediaType,
	model.Unprocessable:    http.StatusUnprocessableEntity,
	model.TooMany:          http.StatusTooManyRequests,
	model.Unavailable:      http.StatusServiceUnavailable,
}

// respondError is the one mapper from an error to an answer: a
// *model.Error of a client kind is its status with the field, the message
// and its details; Unavailable (and a database that cannot be reached,
// whatever wraps it) is 503 with Retry-After; anything else is a logged
// 500.
func (s *Server) respondError(w http.ResponseWriter, r *http.Request, err error) {
	var e *model.Error
	status, ok := 0, errors.As(err, &e)
	if ok {
		status, ok = kindStatus[e.Kind]
	}
	if !ok {
		s.serverError(w, r, err)
		return
	}
	if e.RetryAfter > 0 || e.Kind == model.Unavailable {
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(e.RetryAfter)))
	}
	s.answer(w, r, status, e)
}

// retrySeconds is a Retry-After in whole seconds, rounded up; 2 when the
// error named no delay.
func retrySeconds(d time.Duration) int {
	if secs := int((d + time.Second - 1) / time.Second); secs > 0 {
		return secs
	}
	return 2
}

// errorAnswer is the body of a client error in lang: errorBody, or,
// when the error carries details (a plan's problems, a file's rows, a
// cap's value), those with the same members added.
func errorAnswer(lang, requestID string, e *model.Error) any {
	eb := newErrorBody(lang, requestID, e)
	if len(e.Details) == 0 {
		return eb
	}
	body := make(map[string]any, len(e.Details)+6)
	maps.Copy(body, e.Details)
	if rows, ok := body["rows"].([]model.RowError); ok { // a refused import's rows, in lang
		body["rows"] = localRows(lang, rows)
	}
	body["code"], body["error"] = eb.Code, eb.Error
	for k, v := range map[string]string{"field": eb.Field, "detail": eb.Detail, "request_id": eb.RequestID} {
		if v != "" {
			body[k] = v
		}
	}
	if len(eb.Params) > 0 {
		body["params"] = eb.Params
	}
	return body
}

// errorFrame is e as a WebSocket error frame in lang: the members of an
// error answer with "type": "error".
func errorFrame(lang string, e *model.Error) []byte {
	b, _ := json.Marshal(errorAnswer(lang, "", e))
	var m map[string]any
	json.Unmarshal(b, &m)
	m["type"] = "error"
	b, _ = json.Marshal(m)
	return b
}

// frameError is err as a *model.Error for an error frame: itself, a
// database that cannot be reached (retry), or an internal error that says
// nothing of its cause.
func frameError(err error) *model.Error {
	var e *model.Error
	switch {
	case errors.As(err, &e):
		return e
	case store.Unavailable(err):
		return &model.Error{Kind: model.Unavailable, Code: model.CodeDBUnavailable}
	}
	return &model.Error{Code: model.CodeInternal}
}

// serverError logs err once, with the request's attributes, and gives the
// client a generic message and the request id to quote. A database that
// cannot be reached is not the client's fault nor a bug: 503 with
// Retry-After, so pages and phones retry.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if store.Unavailable(err) {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "database unavailable",
			slog.String("request_id", requestID(r.Context())), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		w.Header().Set("Retry-After", "2")
		s.answer(w, r, http.StatusServiceUnavailable, &model.Error{Kind: model.Unavailable, Code: model.CodeDBUnavailable})
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelError, "request failed",
		slog.String("request_id", requestID(r.Context())),
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.String("error", err.Error()))
	lang := s.lang(r)
	body, _ := json.Marshal(newErrorBody(lang, requestID(r.Context()), &model.Error{Code: model.CodeInternal}))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	w.WriteHeader(http.StatusInternalServerError)
	w.Write(body)
}
