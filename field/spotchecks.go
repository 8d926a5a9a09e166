package field

import (
	"context"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// Spot checks (晒网督查): drawing a sample and recording results.

// SpotCheckInput draws a sample of K households of grid GridID.
type SpotCheckInput struct {
	GridID   int64  `json:"-"`
	ClientID string `json:"client_id"`
	K        int    `json:"k"`
	Seed     *int64 `json:"seed"` // nil for one drawn from the clock
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *SpotCheckInput) Validate(now time.Time) error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	if in.K < 1 || in.K > 500 {
		return invalid("k", "want 1 to 500 households")
	}
	if in.Seed == nil {
		seed := now.UnixNano() % 1_000_000_007
		in.Seed = &seed
	}
	return nil
}

// DrawSpotCheck draws a sample of households of a grid in p's scope.
func (s *Service) DrawSpotCheck(ctx context.Context, p *auth.Principal, a store.Actor, in SpotCheckInput) (store.WriteResult, error) {
	if err := in.Validate(s.now()); err != nil {
		return store.WriteResult{}, err
	}
	t := target{field: "id", what: "grid", grid: in.GridID}
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.DrawSpotCheck(ctx, a, in.ClientID, in.GridID, in.K, *in.Seed)
	})
}

// SpotResultInput records the result for one household of spot check
// CheckID's sample.
type SpotResultInput struct {
	CheckID     int64  `json:"-"`
	ClientID    string `json:"client_id"`
	HouseholdID int64  `json:"household_id"`
	Result      string `json:"result"`
	Method      string `json:"method"`
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *SpotResultInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	if in.HouseholdID <= 0 {
		return invalid("household_id", "required: a household of the sample")
	}
	if err := oneOf("result", in.Result, "knows", "does_not_know", "unreachable"); err != nil {
		return err
	}
	return oneOf("method", in.Method, "visit", "phone")
}

// RecordSpotCheck records a result of a spot check in p's scope.
func (s *Service) RecordSpotCheck(ctx context.Context, p *auth.Principal, a store.Actor, in SpotResultInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "spot check", in.CheckID, s.store.SpotCheckGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.RecordSpotCheck(ctx, a, in.ClientID, in.CheckID, in.HouseholdID, in.Result, in.Method)
	})
}
