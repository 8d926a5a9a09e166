package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// FeatureQuery selects a page of one feature collection (OGC API –
// Features): grids of a level, buildings or checkpoints, in id order
// after After, at most Limit, inside BBox, limited to the grids InGrids
// (nil: all) and to the property filters. For grids, AsOf picks the
// boundaries valid at an instant, and Between the last version valid
// within From..To (nil: open); neither, the current ones.
type FeatureQuery struct {
	Collection string // "grids", "buildings" or "checkpoints"
	Level      int    // of grids
	After      int64
	Limit      int
	BBox       *orb.Bound
	AsOf       *time.Time
	Between    bool
	From, To   *time.Time
	InGrids    []int64
	ParentID   int64  // grids: 0 for any
	Code       string // grids: "" for any
	GridID     int64  // buildings and checkpoints: 0 for any
	OnDuty     *bool  // checkpoints
}

// Feature is one feature of a collection: its id, GeoJSON geometry and
// properties.
type Feature struct {
	ID         int64
	Geometry   json.RawMessage
	Properties map[string]any
}

// Features returns the page q asks for and whether more follow.
func (s *Store) Features(ctx context.Context, q FeatureQuery) ([]Feature, bool, error) {
	args := append([]any{q.After, q.Limit + 1, geoJSONDecimals}, bboxArgs(q.BBox)...) // $1…$7
	args = append(args, q.InGrids)                                                    // $8
	// Two statements, with and without a box, so that a cached plan of
	// the one with a box uses the spatial index.
	inBox := func(alias string) string {
		if q.BBox == nil {
			return `$4::float8 IS NULL AND $5::float8 IS NULL AND $6::float8 IS NULL AND $7::float8 IS NULL`
		}
		return alias + `.geom && ST_MakeEnvelope($4::float8, $5::float8, $6::float8, $7::float8, 4326)`
	}
	var sql string
	switch q.Collection {
	case "grids":
		from := "current_grids"
		switch {
		case q.AsOf != nil:
			from = `(SELECT g.id, g.parent_id, g.level, g.code, g.name, v.geom, lower(v.valid) AS valid_from, upper(v.valid) AS valid_to
				FROM grids g JOIN grid_versions v ON v.grid_id = g.id AND v.valid @> $12::timestamptz)`
		case q.Between:
			from = `(SELECT DISTINCT ON (g.id) g.id, g.parent_id, g.level, g.code, g.name, v.geom, lower(v.valid) AS valid_from, upper(v.valid) AS valid_to
				FROM grids g JOIN grid_versions v ON v.grid_id = g.id AND v.valid && tstzrange($12::timestamptz, $13::timestamptz, '[]')
				ORDER BY g.id, lower(v.valid) DESC)`
		default:
			from = `(SELECT g.id, g.parent_id, g.level, g.code, g.name, g.geom, g.valid_from, NULL::timestamptz AS valid_to FROM current_grids g)`
		}
		args = append(args, q.Level, nilIfZero(q.ParentID), nilIfEmpty(q.Code)) // $9…$11
		switch {
		case q.AsOf != nil:
			args = append(args, q.AsOf) // $12
		case q.Between:
			args = append(args, q.From, q.To) // $12, $13
		}
		sql = `
			SELECT g.id, ST_AsGeoJSON(g.geom, $3)::text,
			       jsonb_build_object('level', g.level, 'parent_id', g.parent_id, 'code', g.code, 'name', g.name,
			                          'valid_from', g.valid_from, 'valid_to', g.valid_to)
			FROM ` + from + ` g
			WHERE g.level = $9 AND g.id > $1
			  AND ` + inBox("g") + `
			  AND ($8::bigint[] IS NULL OR g.id = ANY($8))
			  AND ($10::bigint IS NULL OR g.parent_id = $10)
			  AND ($11::text IS NULL OR g.code = $11)
			ORDER BY g.id LIMIT $2`
	case "buildings":
		args = append(args, nilIfZero(q.GridID)) // $9
		sql = `
			SELECT b.id, ST_AsGeoJSON(b.geom, $3)::text,
			       jsonb_build_object('grid_id', b.grid_id, 'name', b.name, 'floors', b.floors, 'has_head', b.head_id IS NOT NULL)
			FROM buildings b
			WHERE b.id > $1
			  AND ` + inBox("b") + `
			  AND ($8::bigint[] IS NULL OR b.grid_id = ANY($8))
			  AND ($9::bigint IS NULL OR b.grid_id = $9)
			ORDER BY b.id LIMIT $2`
	case "checkpoints":
		args = append(args, nilIfZero(q.GridID), q.OnDuty) // $9, $10
		sql = `
			SELECT c.id, ST_AsGeoJSON(c.geom, $3)::text,
			       jsonb_build_object('grid_id', c.grid_id, 'name', c.name, 'on_duty', c.on_duty)
			FROM checkpoints c
			WHERE c.id > $1
			  AND ` + inBox("c") + `
			  AND ($8::bigint[] IS NULL OR c.grid_id = ANY($8))
			  AND ($9::bigint IS NULL OR c.grid_id = $9)
			  AND ($10::boolean IS NULL OR c.on_duty = $10)
			ORDER BY c.id LIMIT $2`
	default:
		return nil, false, fmt.Errorf("store: no feature collection %q", q.Collection)
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, false, fmt.Errorf("store: features of %s: %w", q.Collection, err)
	}
	fs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Feature, error) {
		var (
			f    Feature
			geom string
		)
		err := row.Scan(&f.ID, &geom, &f.Properties)
		f.Geometry = json.RawMessage(geom)
		return f, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: features of %s: %w", q.Collection, err)
	}
	more := len(fs) > q.Limit
	if more {
		fs = fs[:q.Limit]
	}
	return fs, more, nil
}

// CollectionExtent is the bounding box of a collection's current
// features (grids of level, buildings or checkpoints), nil when empty.
func (s *Store) CollectionExtent(ctx context.Context, collection string, level int) (*orb.Bound, error) {
	var from string
	switch collection {
	case "grids":
		from = `current_grids WHERE level = $1`
	case "buildings":
		from = `buildings WHERE $1::int IS NOT NULL`
	case "checkpoints":
		from = `checkpoints WHERE $1::int IS NOT NULL`
	default:
		return nil, fmt.Errorf("store: no feature collection %q", collection)
	}
	var x0, y0, x1, y1 *float64
	if err := s.pool.QueryRow(ctx, `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM `+from+`) s`, level).
		Scan(&x0, &y0, &x1, &y1); err != nil {
		return nil, fmt.Errorf("store: extent of %s: %w", collection, err)
	}
	if x0 == nil {
		return nil, nil
	}
	return &orb.Bound{Min: orb.Point{*x0, *y0}, Max: orb.Point{*x1, *y1}}, nil
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
