package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/coverage"
)

// CoverageLeavesAsOf counts every compound grid's figures as they stood
// at instant at, for the local day day (the day whose screenings count):
// screenings reported by then, quarantines recorded and not yet ended,
// fever alerts raised and not yet resolved, residents on the ledger whose
// last visit by then was overdue, and requests received and not yet
// closed. Households, buildings, heads and contacts have no history and
// are counted as they are now, in the grids buildings belong to now; the
// grids are those that existed at at. With day today and at now, it
// gives the same figures as CoverageLeaves.
func (s *Store) CoverageLeavesAsOf(ctx context.Context, day string, at time.Time) (map[int64]coverage.Tally, error) {
	var out map[int64]coverage.Tally
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		out, err = coverageLeavesAsOf(ctx, tx, day, at)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: coverage as of %s: %w", at.Format(time.RFC3339), err)
	}
	return out, nil
}

func coverageLeavesAsOf(ctx context.Context, q querier, day string, at time.Time) (map[int64]coverage.Tally, error) {
	rows, err := q.Query(ctx, coverageAsOfSQL, day, at)
	if err != nil {
		return nil, err
	}
	return scanTallies(rows)
}

const coverageAsOfSQL = tallyHouseholds + `
	, latest AS (
		SELECT DISTINCT ON (s.household_id) s.household_id, s.outcome
		FROM screenings s WHERE s.day = $1::date AND s.reported_at <= $2
		ORDER BY s.household_id, s.reported_at DESC, s.id DESC
	), sc AS (
		SELECT b.grid_id, count(*) AS screened
		FROM latest l JOIN households h ON h.id = l.household_id JOIN buildings b ON b.id = h.building_id
		WHERE h.status = 'occupied' AND l.outcome IN ('normal', 'fever', 'home_quarantine', 'risk_area_return')
		GROUP BY b.grid_id
	), qu AS (
		SELECT b.grid_id, count(DISTINCT q.household_id) AS quarantined
		FROM quarantines q JOIN households h ON h.id = q.household_id JOIN buildings b ON b.id = h.building_id
		WHERE q.created_at <= $2 AND (q.ended_at IS NULL OR q.ended_at > $2)
		  AND q.starts <= $1::date AND q.ends >= $1::date
		GROUP BY b.grid_id
	), al AS (
		SELECT grid_id, count(*) AS fevers FROM alerts
		WHERE kind = 'fever' AND at <= $2 AND (resolved_at IS NULL OR resolved_at > $2)
		GROUP BY grid_id
	), ov AS (
		SELECT b.grid_id, count(*) AS overdue
		FROM vulnerable_residents r JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id
		LEFT JOIN LATERAL (SELECT max(v.at) AS at FROM visits v WHERE v.resident_id = r.id AND v.at <= $2) lv ON true
		WHERE r.since <= $2 AND (r.left_at IS NULL OR r.left_at > $2)
		  AND COALESCE(lv.at, r.since) + make_interval(days => r.visit_every_days) < $2
		GROUP BY b.grid_id
	), rq AS (
		SELECT grid_id, count(*) AS open FROM requests
		WHERE received_at <= $2 AND (closed_at IS NULL OR closed_at > $2)
		GROUP BY grid_id
	)
	` + tallySelect + `
	WHERE g.level = 3 AND g.created_at <= $2 AND (g.retired_at IS NULL OR g.retired_at > $2)`

// GridAsOf is a grid as it stood at an instant: its parent (0 for a
// root), its level and its name.
type GridAsOf struct {
	ID       int64
	ParentID int64
	Level    int
	Name     string
}

// GridsAsOf returns the grids that existed at at (created by then and
// not yet retired), by id: the grids CoverageLeavesAsOf counts, with the
// parents their figures roll up to then.
func (s *Store) GridsAsOf(ctx context.Context, at time.Time) ([]GridAsOf, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, COALESCE(parent_id, 0), level, name FROM grids
		WHERE created_at <= $1 AND (retired_at IS NULL OR retired_at > $1)
		ORDER BY id`, at)
	if err != nil {
		return nil, fmt.Errorf("store: grids as of %s: %w", at.Format(time.RFC3339), err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[GridAsOf])
	if err != nil {
		return nil, fmt.Errorf("store: grids as of %s: %w", at.Format(time.RFC3339), err)
	}
	return out, nil
}
