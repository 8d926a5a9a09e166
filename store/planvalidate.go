package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Warnings are the codes of the problems that do not block a publish
// once acknowledged. The tolerances of the checks, in the queries below:
// 1 m² for overlaps, area outside the parent and gaps; a part under
// 100 m² or narrower than 5 m is a sliver; households rising by more than
// half is a load warning.
var Warnings = []string{"no_leader", "load_rise"}

// planChecks are the validation queries over loadPlan's tables. Each
// returns rows of (code, severity, grid ids, building ids, area in m²,
// detail, GeoJSON of the problem area). Checks of areas read only grids
// whose shape is valid (ok); invalid ones are reported by the first.
var planChecks = []string{
	// Invalid after rounding to the served precision, with PostGIS's reason
	// and a 3 m circle around where it is.
	`SELECT 'invalid', 'error', ARRAY[id], NULL::bigint[], 0::float8,
	        CASE WHEN ST_IsEmpty(geom) THEN 'empty after rounding to 7 decimals'
	             WHEN ST_IsValid(raw) THEN 'after rounding to 7 decimals: ' || ST_IsValidReason(geom)
	             ELSE ST_IsValidReason(raw) END,
	        ST_AsGeoJSON(COALESCE(ST_Buffer(COALESCE((ST_IsValidDetail(geom)).location,
	                                          (ST_IsValidDetail(raw)).location)::geography, 3)::geometry, raw), 7)
	 FROM plan_grids WHERE NOT ok`,

	// A parent that is not in the plan, or not one level up.
	`SELECT 'parent', 'error', ARRAY[c.id], NULL::bigint[], 0::float8,
	        CASE WHEN p.id IS NULL THEN 'parent ' || c.parent_id || ' is not in the draft'
	             ELSE 'parent ' || c.parent_id || ' is level ' || p.level || ', want ' || (c.level - 1) END,
	        NULL::text
	 FROM plan_grids c LEFT JOIN plan_all p ON p.id = c.parent_id
	 WHERE p.id IS NULL OR p.level <> c.level - 1`,

	// Part of a child outside its parent.
	`SELECT 'outside_parent', 'error', ARRAY[c.id, p.id], NULL::bigint[], ST_Area(x.d::geography), '',
	        ST_AsGeoJSON(x.d, 7)
	 FROM plan_grids c JOIN plan_all p ON p.id = c.parent_id
	 CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Difference(c.geom, p.geom), 3) AS d) x
	 WHERE c.ok AND p.ok AND NOT ST_CoveredBy(c.geom, p.geom) AND ST_Area(x.d::geography) > 1`,

	// Siblings that overlap.
	`SELECT 'overlap', 'error', ARRAY[a.id, b.id], NULL::bigint[], ST_Area(x.i::geography), '',
	        ST_AsGeoJSON(x.i, 7)
	 FROM plan_grids a JOIN plan_grids b ON b.parent_id = a.parent_id AND b.id > a.id AND a.geom && b.geom
	 CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS i) x
	 WHERE a.ok AND b.ok AND ST_Intersects(a.geom, b.geom) AND NOT ST_Touches(a.geom, b.geom)
	   AND ST_Area(x.i::geography) > 1`,

	// Parts of a parent that no child covers (skipped while a child is
	// invalid: its area would show as a gap). The overlay runs only where
	// the areas do not add up or the children overlap or stick out, and
	// at the stored precision, which keeps it fast and robust.
	`WITH agg AS (
		SELECT parent_id AS id, sum(ST_Area(geom)) AS covered, bool_or(NOT ok) AS invalid
		FROM plan_grids GROUP BY parent_id
	 ), stray AS (
		SELECT DISTINCT c.parent_id AS id FROM plan_grids c JOIN plan_all p ON p.id = c.parent_id
		WHERE c.ok AND p.ok AND NOT ST_CoveredBy(c.geom, p.geom)
	 ), overlapping AS (
		SELECT DISTINCT a.parent_id AS id FROM plan_grids a
		JOIN plan_grids b ON b.parent_id = a.parent_id AND b.id > a.id AND a.geom && b.geom
		WHERE a.ok AND b.ok AND ST_Overlaps(a.geom, b.geom)
	 ), suspects AS MATERIALIZED (
		-- Planar areas add up exactly; a degree² here is about 1.2e10 m².
		SELECT p.id, p.geom FROM plan_all p LEFT JOIN agg ON agg.id = p.id
		WHERE p.ok AND p.level < 3 AND NOT COALESCE(agg.invalid, false)
		  AND (agg.id IS NULL
		       OR abs(ST_Area(p.geom) - agg.covered) * 111320 * 110540 * cos(radians(ST_Y(ST_Centroid(p.geom)))) > 0.5
		       OR p.id IN (SELECT id FROM stray) OR p.id IN (SELECT id FROM overlapping))
	 )
	 SELECT 'gap', 'error', ARRAY[k.id], NULL::bigint[], ST_Area(d.geom::geography), '', ST_AsGeoJSON(d.geom, 7)
	 FROM suspects k
	 CROSS JOIN LATERAL (SELECT ST_Union(c.geom, 1e-7) AS u FROM plan_grids c WHERE c.parent_id = k.id AND c.ok) cu
	 CROSS JOIN LATERAL ST_Dump(CASE WHEN cu.u IS NULL THEN k.geom
	                                 ELSE ST_CollectionExtract(ST_Difference(k.geom, cu.u, 1e-7), 3) END) d
	 WHERE ST_Area(d.geom::geography) > 1`,

	// Slivers: a part too small or too thin to be a grid. The width is
	// twice the largest inscribed circle, in metres along the parallel
	// (the narrower direction of a degree). That circle is sought only for
	// parts with area/perimeter under half the width: a shape whose every
	// point lies within r of its edge has area at most r times its
	// perimeter, so the others are wide enough.
	`WITH parts AS MATERIALIZED (
		SELECT c.id, d.geom, ST_Area(d.geom::geography) AS area,
		       -- area/perimeter in metres, at least: degrees of longitude are the shorter
		       ST_Area(d.geom) / ST_Perimeter(d.geom) * 111320 * cos(radians(ST_Y(ST_Centroid(d.geom)))) AS thick
		FROM plan_grids c CROSS JOIN LATERAL ST_Dump(c.geom) d WHERE c.ok
	 ), thin AS MATERIALIZED (
		SELECT id, geom, area FROM parts WHERE area < 100 OR thick < 2.5
	 )
	 SELECT 'sliver', 'error', ARRAY[t.id], NULL::bigint[], t.area, 'width ' || round(x.width::numeric, 1) || ' m',
	        ST_AsGeoJSON(t.geom, 7)
	 FROM thin t
	 CROSS JOIN LATERAL (SELECT 2 * m.radius * 111320 * cos(radians(ST_Y(m.center))) AS width
	                     FROM ST_MaximumInscribedCircle(t.geom) m) x
	 WHERE t.area < 100 OR x.width < 5`,

	// Buildings in no compound grid of the plan, or in more than one.
	`SELECT CASE WHEN n = 0 THEN 'building_unassigned' ELSE 'building_multiple' END, 'error',
	        NULL::bigint[], array_agg(id ORDER BY id), 0::float8, count(*) || ' buildings',
	        ST_AsGeoJSON(ST_Collect(geom), 7)
	 FROM plan_assign WHERE n <> 1 GROUP BY n = 0`,

	// Codes: the right form for the level, under the parent's code, and
	// used once among the plan and the current grids outside it.
	`SELECT 'code', 'error', ARRAY[c.id], NULL::bigint[], 0::float8,
	        CASE WHEN c.code !~ CASE c.level WHEN 1 THEN '^[0-9]{9}$' WHEN 2 THEN '^[0-9]{12}$' ELSE '^[0-9]{14}$' END
	                  THEN 'code ' || c.code || ' is not a level-' || c.level || ' code'
	             ELSE 'code ' || c.code || ' does not start with its parent''s code ' || p.code END, NULL::text
	 FROM plan_grids c LEFT JOIN plan_all p ON p.id = c.parent_id
	 WHERE c.code !~ CASE c.level WHEN 1 THEN '^[0-9]{9}$' WHEN 2 THEN '^[0-9]{12}$' ELSE '^[0-9]{14}$' END
	    OR (p.code IS NOT NULL AND left(c.code, length(p.code)) <> p.code)`,
	`SELECT 'code', 'error', array_agg(id ORDER BY id), NULL::bigint[], 0::float8,
	        'code ' || code || ' is used by ' || count(*) || ' grids', NULL::text
	 FROM plan_grids GROUP BY code HAVING count(*) > 1`,
	`SELECT 'code', 'error', ARRAY[c.id, g.id], NULL::bigint[], 0::float8,
	        'code ' || c.code || ' is used by current grid ' || g.id || ' (' || g.name || ')', NULL::text
	 FROM plan_grids c JOIN grids g ON g.code = c.code AND g.retired_at IS NULL AND g.id <> c.id
	 WHERE g.id NOT IN (SELECT id FROM plan_current) AND g.id NOT IN (SELECT id FROM plan_roots)`,

	// A leader who is no one.
	`SELECT 'leader', 'error', ARRAY[c.id], NULL::bigint[], 0::float8,
	        'leader ' || c.leader_id || ' is not a person', NULL::text
	 FROM plan_grids c WHERE c.leader_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM people WHERE id = c.leader_id)`,

	// Warnings: a grid without a leader; a compound grid whose occupied
	// households rise by more than half.
	`SELECT 'no_leader', 'warning', ARRAY[id], NULL::bigint[], 0::float8, '', NULL::text
	 FROM plan_grids WHERE leader_id IS NULL`,
	`WITH hh AS (
		SELECT a.from_grid, a.to_grid FROM plan_assign a
		JOIN households h ON h.building_id = a.id WHERE h.status = 'occupied'
	 ), after AS (SELECT to_grid AS id, count(*) AS n FROM hh WHERE to_grid IS NOT NULL GROUP BY 1),
	    -- A new grid (a split's part, a merge) is compared with the grid
	    -- it takes most households from.
	    before AS (
		SELECT from_grid AS id, count(*) AS n FROM hh GROUP BY 1
		UNION ALL
		SELECT to_grid, max(n) FROM (SELECT to_grid, from_grid, count(*) AS n FROM hh WHERE to_grid < 0 GROUP BY 1, 2) x GROUP BY 1
	 )
	 SELECT 'load_rise', 'warning', ARRAY[c.id], NULL::bigint[], 0::float8,
	        'households ' || b.n || ' → ' || a.n, NULL::text
	 FROM plan_grids c JOIN before b ON b.id = c.id JOIN after a ON a.id = c.id
	 WHERE c.level = 3 AND a.n > b.n * 1.5`,
}

// validatePlan runs every check over loadPlan's tables.
func validatePlan(ctx context.Context, tx pgx.Tx) ([]Problem, error) {
	probs := []Problem{}
	batch := &pgx.Batch{}
	for _, q := range planChecks {
		batch.Queue(q)
	}
	br := tx.SendBatch(ctx, batch)
	defer br.Close()
	for i := range planChecks {
		rows, err := br.Query()
		if err != nil {
			return nil, fmt.Errorf("check %d: %w", i, err)
		}
		got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Problem, error) {
			var p Problem
			var geom *string
			err := row.Scan(&p.Code, &p.Severity, &p.GridIDs, &p.BuildingIDs, &p.AreaM2, &p.Detail, &geom)
			if geom != nil {
				p.Geometry = json.RawMessage(*geom)
			}
			return p, err
		})
		if err != nil {
			return nil, fmt.Errorf("check %d: %w", i, err)
		}
		probs = append(probs, got...)
	}
	return probs, br.Close()
}
