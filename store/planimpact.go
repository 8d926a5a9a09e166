package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ImpactLimit caps each list of an impact; totals count everything.
const ImpactLimit = 5000

// Move is one thing that changes grid when a plan is published.
type Move struct {
	ID       int64   `json:"id"`
	Name     string  `json:"name,omitempty"`
	RefID    int64   `json:"ref_id,omitempty"` // the party member of a link, the household of a quarantine
	FromGrid int64   `json:"from_grid_id"`
	ToGrid   *int64  `json:"to_grid_id"` // nil: in no compound grid of the plan
	Count    int     `json:"households,omitempty"`
	Lon      float64 `json:"lon,omitempty"`
	Lat      float64 `json:"lat,omitempty"`
}

// Load is a compound grid's figures before or after a plan.
type Load struct {
	Households          int      `json:"households"`
	PartyMembers        int      `json:"party_members"`
	HouseholdsPerMember *float64 `json:"households_per_member"`
	Buildings           int      `json:"buildings"`
	BuildingsWithHead   int      `json:"buildings_with_head"`
	BuildingsPerHead    *float64 `json:"buildings_per_head"`
	ScreenedToday       int      `json:"screened_today"`
	ScreenedPct         *float64 `json:"screened_pct"`
}

// GridLoad is one compound grid's load before and after.
type GridLoad struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Status string `json:"status"` // new, changed (boundary), retired or unchanged
	Before Load   `json:"before"`
	After  Load   `json:"after"`
}

// Impact lists what a plan moves and the loads it changes.
type Impact struct {
	Buildings   []Move     `json:"buildings"`
	Households  int        `json:"households"`
	PartyLinks  []Move     `json:"party_links"`
	Volunteers  []Move     `json:"volunteers"`
	Checkpoints []Move     `json:"checkpoints"`
	Requests    []Move     `json:"requests"`
	Quarantines []Move     `json:"quarantines"`
	Grids       []GridLoad `json:"grids"`
	Truncated   bool       `json:"truncated,omitempty"`
}

// impactMoves are the queries of the moves, in Impact's order. Each
// returns (id, name, ref, from, to, households, lon, lat).
var impactMoves = []string{
	`SELECT a.id, b.name, 0::bigint, a.from_grid, a.to_grid,
	        (SELECT count(*) FROM households h WHERE h.building_id = a.id)::int, ST_X(a.geom), ST_Y(a.geom)
	 FROM plan_assign a JOIN buildings b ON b.id = a.id
	 WHERE a.to_grid IS DISTINCT FROM a.from_grid ORDER BY a.id LIMIT $1`,
	`SELECT h.id, '', h.contact_id, a.from_grid, a.to_grid, 1, 0::float8, 0::float8
	 FROM plan_assign a JOIN households h ON h.building_id = a.id
	 WHERE a.to_grid IS DISTINCT FROM a.from_grid AND h.contact_id IS NOT NULL ORDER BY h.id LIMIT $1`,
	`SELECT lp.volunteer_id, '', 0::bigint, lp.grid_id, x.to_grid, 0, lp.lon, lp.lat
	 FROM latest_positions lp
	 CROSS JOIN LATERAL (SELECT min(c.id) AS to_grid FROM plan_grids c
	      WHERE c.level = 3 AND c.ok AND ST_Covers(c.geom, ST_SetSRID(ST_MakePoint(lp.lon, lp.lat), 4326))) x
	 WHERE lp.grid_id IN (SELECT id FROM plan_current) AND x.to_grid IS DISTINCT FROM lp.grid_id
	 ORDER BY lp.volunteer_id LIMIT $1`,
	`SELECT k.id, k.name, 0::bigint, k.grid_id, x.to_grid, 0, ST_X(k.geom), ST_Y(k.geom)
	 FROM checkpoints k
	 CROSS JOIN LATERAL (SELECT min(c.id) AS to_grid FROM plan_grids c
	      WHERE c.level = 3 AND c.ok AND ST_Covers(c.geom, k.geom)) x
	 WHERE k.grid_id IN (SELECT id FROM plan_current) AND x.to_grid IS DISTINCT FROM k.grid_id
	 ORDER BY k.id LIMIT $1`,
	`SELECT r.id, r.category, r.building_id, r.grid_id, a.to_grid, 0, ST_X(a.geom), ST_Y(a.geom)
	 FROM requests r JOIN plan_assign a ON a.id = r.building_id
	 WHERE r.closed_at IS NULL AND a.to_grid IS DISTINCT FROM r.grid_id ORDER BY r.id LIMIT $1`,
	`SELECT q.id, '', q.household_id, a.from_grid, a.to_grid, 1, ST_X(a.geom), ST_Y(a.geom)
	 FROM quarantines q JOIN households h ON h.id = q.household_id JOIN plan_assign a ON a.id = h.building_id
	 WHERE q.ended_at IS NULL AND q.ends >= $2::date AND a.to_grid IS DISTINCT FROM a.from_grid
	 ORDER BY q.id LIMIT $1`,
}

// planLoads gives every compound grid of the plan and of today's subtree
// its load before (by today's grid of each building) and after (by the
// plan's containment).
const planLoads = `
	WITH hh AS (
		SELECT a.from_grid, a.to_grid, h.id, h.contact_id,
		       EXISTS (SELECT 1 FROM screenings s WHERE s.household_id = h.id AND s.day = $1::date
		               AND s.outcome IN ('normal', 'fever', 'home_quarantine', 'risk_area_return')) AS screened
		FROM plan_assign a JOIN households h ON h.building_id = a.id WHERE h.status = 'occupied'
	), bl AS (
		SELECT a.from_grid, a.to_grid, b.head_id FROM plan_assign a JOIN buildings b ON b.id = a.id
	), side AS (
		SELECT 'b' AS side, from_grid AS grid, id, contact_id, screened FROM hh
		UNION ALL SELECT 'a', to_grid, id, contact_id, screened FROM hh WHERE to_grid IS NOT NULL
	), bside AS (
		SELECT 'b' AS side, from_grid AS grid, head_id FROM bl
		UNION ALL SELECT 'a', to_grid, head_id FROM bl WHERE to_grid IS NOT NULL
	), h AS (
		SELECT side, grid, count(*) AS households, count(DISTINCT contact_id) AS members,
		       count(*) FILTER (WHERE screened) AS screened
		FROM side GROUP BY side, grid
	), b AS (
		SELECT side, grid, count(*) AS buildings, count(head_id) AS heads FROM bside GROUP BY side, grid
	), ids AS (
		SELECT c.id, COALESCE(p.code, g.code) AS code, COALESCE(p.name, g.name) AS name,
		       CASE WHEN c.id < 0 THEN 'new' WHEN p.id IS NULL THEN 'retired'
		            WHEN NOT p.ok OR NOT ST_Equals(p.geom, v.geom) THEN 'changed' ELSE 'unchanged' END AS status
		FROM (SELECT id FROM plan_current WHERE level = 3 UNION SELECT id FROM plan_grids WHERE level = 3) c
		LEFT JOIN plan_grids p ON p.id = c.id
		LEFT JOIN grids g ON g.id = c.id
		LEFT JOIN grid_versions v ON v.grid_id = c.id AND upper_inf(v.valid)
	), sides AS (SELECT unnest(ARRAY['b', 'a']) AS side)
	SELECT ids.id, ids.code, ids.name, ids.status, sides.side, COALESCE(h.households, 0), COALESCE(h.members, 0), COALESCE(h.screened, 0),
	       COALESCE(b.buildings, 0), COALESCE(b.heads, 0)
	FROM ids CROSS JOIN sides
	LEFT JOIN h ON h.grid = ids.id AND h.side = sides.side
	LEFT JOIN b ON b.grid = ids.id AND b.side = sides.side
	ORDER BY ids.id`

// PlanImpact works out what publishing p would move. today is the
// area's local day, for screening figures and active quarantines.
func (s *Store) PlanImpact(ctx context.Context, p Plan, today string) (*Impact, error) {
	im := &Impact{}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if err := loadPlan(ctx, tx, p); err != nil {
			return err
		}
		lists := []*[]Move{&im.Buildings, &im.PartyLinks, &im.Volunteers, &im.Checkpoints, &im.Requests, &im.Quarantines}
		for i, q := range impactMoves {
			args := []any{ImpactLimit}
			if i == len(impactMoves)-1 {
				args = append(args, today)
			}
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("impact %d: %w", i, err)
			}
			ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Move, error) {
				var m Move
				err := row.Scan(&m.ID, &m.Name, &m.RefID, &m.FromGrid, &m.ToGrid, &m.Count, &m.Lon, &m.Lat)
				return m, err
			})
			if err != nil {
				return fmt.Errorf("impact %d: %w", i, err)
			}
			im.Truncated = im.Truncated || len(ms) == ImpactLimit
			*lists[i] = ms
		}
		if err := tx.QueryRow(ctx, `
			SELECT count(*) FROM plan_assign a JOIN households h ON h.building_id = a.id
			WHERE a.to_grid IS DISTINCT FROM a.from_grid`).Scan(&im.Households); err != nil {
			return err
		}
		var err error
		im.Grids, err = planGridLoads(ctx, tx, today)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: plan impact: %w", err)
	}
	return im, nil
}

func planGridLoads(ctx context.Context, tx pgx.Tx, today string) ([]GridLoad, error) {
	rows, err := tx.Query(ctx, planLoads, today)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []GridLoad
	for rows.Next() {
		var id int64
		var code, name, status, side string
		var l Load
		if err := rows.Scan(&id, &code, &name, &status, &side, &l.Households, &l.PartyMembers, &l.ScreenedToday, &l.Buildings, &l.BuildingsWithHead); err != nil {
			return nil, err
		}
		l.HouseholdsPerMember = ratio(l.Households, l.PartyMembers)
		l.BuildingsPerHead = ratio(l.Buildings, l.BuildingsWithHead)
		if pct := ratio(100*l.ScreenedToday, l.Households); pct != nil {
			l.ScreenedPct = pct
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			out = append(out, GridLoad{ID: id, Code: code, Name: name, Status: status})
		}
		if side == "b" {
			out[len(out)-1].Before = l
		} else {
			out[len(out)-1].After = l
		}
	}
	return out, rows.Err()
}

// ratio is a/b, or nil when b is 0.
func ratio(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	r := float64(a) / float64(b)
	return &r
}
