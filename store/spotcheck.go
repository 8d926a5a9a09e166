package store

import (
	"context"
	"errors"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/jackc/pgx/v5"
)

// SpotCheck is a random sample of a grid's households drawn for follow-up
// (晒网督查), with the results recorded so far.
type SpotCheck struct {
	ID         int64           `json:"id"`
	Grid       int64           `json:"grid"`
	Seed       int64           `json:"seed"`
	K          int             `json:"k"`
	CreatedAt  time.Time       `json:"created_at"`
	Households []SpotCheckItem `json:"households"`
	Recorded   int             `json:"recorded"`
	Knows      int             `json:"knows"`
	RatePct    *float64        `json:"rate_pct"` // knows / recorded, nil before any result
}

// SpotCheckItem is one sampled household and its result.
type SpotCheckItem struct {
	HouseholdID int64      `json:"household_id"`
	BuildingID  int64      `json:"building_id"`
	Building    string     `json:"building"`
	Unit        string     `json:"unit"`
	Room        string     `json:"room"`
	Result      *string    `json:"result"`
	Method      *string    `json:"method"`
	RecordedAt  *time.Time `json:"recorded_at"`
}

// DrawSpotCheck draws k occupied households of grid's subtree. The sample
// is reproducible: households are ordered by a hash of the seed and their
// id, so the same seed over the same households gives the same sample.
func (s *Store) DrawSpotCheck(ctx context.Context, a Actor, clientID string, grid int64, k int, seed int64) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "spot check", Created, func(tx pgx.Tx) (any, Change, error) {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO spot_checks (grid_id, seed, k, created_by) VALUES ($1, $2, $3, $4) RETURNING id`,
			grid, seed, k, nilIfZero(a.AccountID)).Scan(&id); err != nil {
			return nil, Change{}, err
		}
		tag, err := tx.Exec(ctx, `
			WITH RECURSIVE sub AS (
				SELECT id FROM grids WHERE id = $2
				UNION ALL SELECT g.id FROM grids g JOIN sub ON g.parent_id = sub.id WHERE g.retired_at IS NULL
			), sample AS (
				SELECT h.id FROM households h JOIN buildings b ON b.id = h.building_id
				WHERE b.grid_id IN (SELECT id FROM sub) AND h.status = 'occupied'
				ORDER BY md5($3::bigint::text || ':' || h.id::text), h.id
				LIMIT $4
			)
			INSERT INTO spot_check_items (check_id, position, household_id)
			SELECT $1, row_number() OVER (ORDER BY md5($3::bigint::text || ':' || id::text), id), id FROM sample`,
			id, grid, seed, k)
		if err != nil {
			return nil, Change{}, err
		}
		if tag.RowsAffected() == 0 {
			return nil, Change{}, fieldErr(model.Invalid, "id", "this grid has no occupied households to sample")
		}
		checks, err := spotChecks(ctx, tx, grid, id)
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "draw spot check", "spot_check", id, nil, map[string]any{"grid": grid, "k": k, "seed": seed}); err != nil {
			return nil, Change{}, err
		}
		return checks[0], Change{Grid: grid}, nil
	})
}

// SpotCheckGrid returns the grid a spot check was drawn in.
func (s *Store) SpotCheckGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "spot check", id, `SELECT grid_id FROM spot_checks WHERE id = $1`)
}

// RecordSpotCheck records (or corrects) the result for one sampled
// household.
func (s *Store) RecordSpotCheck(ctx context.Context, a Actor, clientID string, id, household int64, result, method string) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "spot check result", Changed, func(tx pgx.Tx) (any, Change, error) {
		var grid int64
		err := tx.QueryRow(ctx, `SELECT grid_id FROM spot_checks WHERE id = $1`, id).Scan(&grid)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, ErrNotFound
		}
		if err != nil {
			return nil, Change{}, err
		}
		// A correction moves the answer to today: the day it was first
		// recorded on, if closed, is counted again.
		var was *time.Time
		var now time.Time
		err = tx.QueryRow(ctx, `
			UPDATE spot_check_items i SET result = $3, method = $4, recorded_at = now()
			FROM spot_check_items o WHERE o.check_id = i.check_id AND o.household_id = i.household_id
			  AND i.check_id = $1 AND i.household_id = $2
			RETURNING o.recorded_at, i.recorded_at`, id, household, result, method).Scan(&was, &now)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, fieldErr(model.Invalid, "household_id", "this household is not in the sample")
		}
		if err != nil {
			return nil, Change{}, err
		}
		if was != nil {
			if err := staleReportDays(ctx, tx, *was, now); err != nil {
				return nil, Change{}, err
			}
		}
		checks, err := spotChecks(ctx, tx, grid, id)
		if err != nil {
			return nil, Change{}, err
		}
		return checks[0], Change{Grid: grid, Events: []LiveEvent{event("screening", grid, map[string]any{
			"kind": "spot_check", "id": id, "household_id": household, "result": result})}}, nil
	})
}

// SpotChecks lists the spot checks drawn in a grid, newest first, with
// their households and result rates.
func (s *Store) SpotChecks(ctx context.Context, grid int64) ([]SpotCheck, error) {
	var out []SpotCheck
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = spotChecks(ctx, tx, grid, 0)
		return err
	})
	return out, err
}

// spotChecks reads the checks of a grid (only check id when not 0).
func spotChecks(ctx context.Context, tx pgx.Tx, grid, id int64) ([]SpotCheck, error) {
	rows, err := tx.Query(ctx, `
		SELECT c.id, c.grid_id, c.seed, c.k, c.created_at, i.household_id, b.id, b.name, h.unit, h.room, i.result, i.method, i.recorded_at
		FROM spot_checks c JOIN spot_check_items i ON i.check_id = c.id
		JOIN households h ON h.id = i.household_id JOIN buildings b ON b.id = h.building_id
		WHERE c.grid_id = $1 AND ($2 = 0 OR c.id = $2)
		ORDER BY c.id DESC, i.position
		LIMIT 20000`, grid, id)
	if err != nil {
		return nil, err
	}
	var out []SpotCheck
	var c SpotCheck
	var it SpotCheckItem
	_, err = pgx.ForEachRow(rows, []any{&c.ID, &c.Grid, &c.Seed, &c.K, &c.CreatedAt, &it.HouseholdID, &it.BuildingID, &it.Building,
		&it.Unit, &it.Room, &it.Result, &it.Method, &it.RecordedAt}, func() error {
		if len(out) == 0 || out[len(out)-1].ID != c.ID {
			out = append(out, SpotCheck{ID: c.ID, Grid: c.Grid, Seed: c.Seed, K: c.K, CreatedAt: c.CreatedAt})
		}
		last := &out[len(out)-1]
		last.Households = append(last.Households, it)
		if it.Result != nil {
			last.Recorded++
			if *it.Result == "knows" {
				last.Knows++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Recorded > 0 {
			v := float64(int(float64(out[i].Knows)*1000/float64(out[i].Recorded)+0.5)) / 10
			out[i].RatePct = &v
		}
	}
	if out == nil {
		out = []SpotCheck{}
	}
	return out, nil
}
