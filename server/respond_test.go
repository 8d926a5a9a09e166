package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap/gridmap/geo"
	"github.com/gridmap/gridmap/ingest"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/planning"
	"github.com/gridmap/gridmap/sheet"
	"github.com/gridmap/gridmap/store"
)

// TestRespondErrorKinds checks the one mapper: every kind of model.Error,
// however deeply the store or a service wrapped it, is its own status
// with its field, and never a 500; only an error of no kind is.
func TestRespondErrorKinds(t *testing.T) {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	tests := []struct {
		name       string
		err        error
		status     int
		field      string
		retryAfter string
	}{
		{"invalid", model.Errorf(model.Invalid, "lat", "out of range"), 400, "lat", ""},
		{"unauthenticated", errBadCredentials, 401, "", ""},
		{"forbidden", ingest.ErrUnknownVolunteer, 403, "", ""},
		{"not found, wrapped by the store", fmt.Errorf("store: draft 3: %w", planning.ErrNotFound), 404, "id", ""},
		{"conflict, wrapped twice", fmt.Errorf("planning: %w", fmt.Errorf("store: draft 3: %w", store.ErrStaleRevision)), 409, "revision", ""},
		{"gone", &model.Error{Kind: model.Gone, Field: "id", Msg: "retired"}, 410, "id", ""},
		{"too large", &model.Error{Kind: model.TooLarge, Field: "body", Msg: "over 1 MB"}, 413, "body", ""},
		{"unsupported media", &model.Error{Kind: model.UnsupportedMedia, Field: "Content-Type", Msg: "want JSON"}, 415, "Content-Type", ""},
		{"unprocessable", store.ErrNoChange, 422, "id", ""},
		{"too many", &model.Error{Kind: model.TooMany, Field: "positions", Msg: "slow down", RetryAfter: 3 * time.Second}, 429, "positions", "3"},
		{"unavailable with a delay", ingest.ErrBusy, 503, "", "1"},
		{"unavailable without one", &model.Error{Kind: model.Unavailable, Msg: "away"}, 503, "", "2"},
		{"database unreachable, no kind", fmt.Errorf("store: grid: %w", &pgconn.ConnectError{}), 503, "", "2"},
		{"a geometry's own error type", fmt.Errorf("plan: %w", &geo.InputError{Path: "coordinates[0][3]", Msg: "not a number"}), 400, "geometry.coordinates[0][3]", ""},
		{"a geometry error on the whole object", &geo.InputError{Msg: "want Polygon"}, 400, "geometry", ""},
		{"a spreadsheet's size limit", &sheet.LimitError{Limit: "unzipped size", Max: 1, Detail: "big", TooLarge: true}, 413, "body", ""},
		{"a spreadsheet's shape limit", &sheet.LimitError{Limit: "columns", Max: 1, Detail: "wide"}, 422, "body", ""},
		{"internal kind", &model.Error{Kind: model.Internal, Msg: "bug"}, 500, "", ""},
		{"plain error", errors.New("bug"), 500, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			r := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/api/x", nil)
			s.respondError(w, r, tt.err)
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			field, _ := body["field"].(string)
			if w.Code != tt.status || field != tt.field || body["error"] == "" {
				t.Errorf("status %d field %q body %v, want %d %q", w.Code, field, body, tt.status, tt.field)
			}
			if got := w.Header().Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tt.retryAfter)
			}
		})
	}
}

// TestRespondErrorDetails checks that an error's details (a plan's
// problems, the grids of a stale plan) are members of the answer.
func TestRespondErrorDetails(t *testing.T) {
	t.Parallel()
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/api/plan", nil)
	s.respondError(w, r, fmt.Errorf("store: publish: %w", &model.Error{Kind: model.Unprocessable, Field: "problems",
		Msg: "plan has problems: gap", Details: map[string]any{"problems": []string{"gap"}}}))
	var body struct {
		Error    string   `json:"error"`
		Field    string   `json:"field"`
		Problems []string `json:"problems"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if w.Code != 422 || body.Field != "problems" || len(body.Problems) != 1 || body.Error == "" {
		t.Errorf("got %d %+v", w.Code, body)
	}
}
