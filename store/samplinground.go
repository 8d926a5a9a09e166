package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/model"
)

// SamplingRound is a round of testing (全员核酸): a day over a grid's
// subtree.
type SamplingRound struct {
	ID        int64     `json:"id"`
	Day       string    `json:"day"`
	GridID    int64     `json:"grid_id"`
	GridName  string    `json:"grid_name"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

const roundSelect = `
	SELECT r.id, r.day::text, r.grid_id, g.name, r.name, r.created_at
	FROM sampling_rounds r JOIN grids g ON g.id = r.grid_id`

func scanRound(row pgx.Row) (SamplingRound, error) {
	var r SamplingRound
	err := row.Scan(&r.ID, &r.Day, &r.GridID, &r.GridName, &r.Name, &r.CreatedAt)
	return r, err
}

// RoundInput is a new round of testing.
type RoundInput struct {
	Day    string
	GridID int64
	Name   string
}

// AddSamplingRound records a round of testing over a current grid's
// subtree (a retired or unknown grid is Invalid naming grid_id).
func (s *Store) AddSamplingRound(ctx context.Context, a Actor, clientID string, in RoundInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "sampling round", Created, func(tx pgx.Tx) (any, Change, error) {
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO sampling_rounds (day, grid_id, name, created_by)
			SELECT $1::date, g.id, $3, $4 FROM grids g WHERE g.id = $2 AND g.retired_at IS NULL
			RETURNING id`, in.Day, in.GridID, in.Name, nilIfZero(a.AccountID)).Scan(&id)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil, Change{}, fieldErr(model.Invalid, "grid_id", "no current grid has this id")
		case err != nil:
			return nil, Change{}, err
		}
		r, err := scanRound(tx.QueryRow(ctx, roundSelect+` WHERE r.id = $1`, id))
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "add sampling round", "sampling_round", id, nil, r); err != nil {
			return nil, Change{}, err
		}
		return r, Change{Grid: in.GridID}, nil
	})
}

// SamplingRound returns a round.
func (s *Store) SamplingRound(ctx context.Context, id int64) (SamplingRound, error) {
	r, err := scanRound(s.pool.QueryRow(ctx, roundSelect+` WHERE r.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("store: sampling round %d: %w", id, err)
	}
	return r, nil
}

// SamplingRounds lists the rounds over the grids given (nil for all),
// newest day first, at most 500.
func (s *Store) SamplingRounds(ctx context.Context, grids []int64) ([]SamplingRound, error) {
	rows, err := s.pool.Query(ctx, roundSelect+`
		WHERE $1::bigint[] IS NULL OR r.grid_id = ANY($1) ORDER BY r.day DESC, r.id DESC LIMIT 500`, grids)
	if err != nil {
		return nil, fmt.Errorf("store: sampling rounds: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SamplingRound, error) { return scanRound(row) })
	if err != nil {
		return nil, fmt.Errorf("store: sampling rounds: %w", err)
	}
	if out == nil {
		out = []SamplingRound{}
	}
	return out, nil
}

// RoundGrid is one compound grid's completeness in a round: occupied
// households, and those of them screened on the round's day.
type RoundGrid struct {
	Grid       int64    `json:"grid"`
	Name       string   `json:"name"`
	Households int      `json:"households"`
	Screened   int      `json:"screened"`
	Pct        *float64 `json:"pct"` // filled by the caller (coverage.Percent)
}

// RoundCompleteness counts, for each compound grid given, its occupied
// households (vacant and demolished ones are outside, as in coverage)
// and those whose latest screening report of day has an outcome in
// screened (model.ScreenedOutcomes: the coverage definition of
// screened). Every grid given has a row, with 0 when it has no
// households; ordered by grid code.
func (s *Store) RoundCompleteness(ctx context.Context, leaves []int64, day string, screened []string) ([]RoundGrid, error) {
	rows, err := s.pool.Query(ctx, `
		WITH latest AS (
			SELECT DISTINCT ON (s.household_id) s.household_id, s.outcome
			FROM screenings s WHERE s.day = $2::date
			ORDER BY s.household_id, s.reported_at DESC, s.id DESC
		), counts AS (
			SELECT b.grid_id, count(*) AS households, count(*) FILTER (WHERE l.outcome = ANY($3)) AS screened
			FROM households h JOIN buildings b ON b.id = h.building_id LEFT JOIN latest l ON l.household_id = h.id
			WHERE h.status = 'occupied' AND b.grid_id = ANY($1)
			GROUP BY b.grid_id
		)
		SELECT g.id, g.name, COALESCE(c.households, 0), COALESCE(c.screened, 0)
		FROM grids g LEFT JOIN counts c ON c.grid_id = g.id
		WHERE g.id = ANY($1) ORDER BY g.code, g.id`, leaves, day, screened)
	if err != nil {
		return nil, fmt.Errorf("store: round completeness: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (RoundGrid, error) {
		var g RoundGrid
		err := row.Scan(&g.Grid, &g.Name, &g.Households, &g.Screened)
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: round completeness: %w", err)
	}
	if out == nil {
		out = []RoundGrid{}
	}
	return out, nil
}
