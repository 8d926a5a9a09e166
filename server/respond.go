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

// errorBody is the one shape of every error answer.
type errorBody struct {
	Error     string `json:"error"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
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

// clientError answers a 4xx naming the field at fault.
func (s *Server) clientError(w http.ResponseWriter, r *http.Request, status int, field, msg string) {
	s.writeJSON(w, r, status, "application/json; charset=utf-8",
		errorBody{Error: msg, Field: field, RequestID: requestID(r.Context())})
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
	s.writeJSON(w, r, status, "application/json; charset=utf-8", errorAnswer(e, requestID(r.Context())))
}

// retrySeconds is a Retry-After in whole seconds, rounded up; 2 when the
// error named no delay.
func retrySeconds(d time.Duration) int {
	if secs := int((d + time.Second - 1) / time.Second); secs > 0 {
		return secs
	}
	return 2
}

// errorAnswer is the body of a client error: errorBody, or, when the
// error carries details (a plan's problems, a file's rows), those with
// the same members added.
func errorAnswer(e *model.Error, requestID string) any {
	if len(e.Details) == 0 {
		return errorBody{Error: e.Error(), Field: e.Field, RequestID: requestID}
	}
	body := make(map[string]any, len(e.Details)+3)
	maps.Copy(body, e.Details)
	body["error"], body["request_id"] = e.Error(), requestID
	if e.Field != "" {
		body["field"] = e.Field
	}
	return body
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
		s.writeJSON(w, r, http.StatusServiceUnavailable, "application/json; charset=utf-8",
			errorBody{Error: "the server is temporarily unavailable (database unreachable); retry", RequestID: requestID(r.Context())})
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelError, "request failed",
		slog.String("request_id", requestID(r.Context())),
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.String("error", err.Error()))
	body, _ := json.Marshal(errorBody{Error: "internal error", RequestID: requestID(r.Context())})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write(body)
}
