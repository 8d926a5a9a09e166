package server

import (
	"context"
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// Spot checks (晒网督查): drawing a sample and recording results.

// spotCheckRequest draws a sample of k households.
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

// spotResultRequest records the result for one sampled household.
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

// spotChecks lists a grid's spot checks with their result rates.
func (s *Server) spotChecks(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, ok := s.pathGrid(w, r, p)
	if !ok {
		return
	}
	checks, err := s.store.SpotChecks(r.Context(), id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"checks": checks})
}
