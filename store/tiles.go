package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Vector tiles (Mapbox Vector Tile, made by PostGIS): a tile z/x/y of
// Web Mercator, 4096 units a side with a buffer of 64, features clipped
// to it; a feature's id is its row's id. tileEnvelope is the tile's box
// in WGS84 with the buffer, for the spatial index: $1, $2, $3 are z, x, y.
const tileEnvelope = `ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)`

// TileFigures are a grid's coverage figures as a tile carries them.
type TileFigures struct {
	Grid                             int64
	Households, Screened, Contacted  int64
	ScreenedPct, ContactPct, HeadPct *float64
}

// TileGrids lists the current grids of level whose boundary meets tile
// z/x/y (its buffer included), limited to in when in is not nil.
func (s *Store) TileGrids(ctx context.Context, level, z, x, y int, in []int64) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT g.id FROM current_grids g
		WHERE g.level = $4 AND g.geom && `+tileEnvelope+` AND ST_Intersects(g.geom, `+tileEnvelope+`)
		  AND ($5::bigint[] IS NULL OR g.id = ANY($5))
		ORDER BY g.id`, z, x, y, level, in)
	if err != nil {
		return nil, fmt.Errorf("store: grids of tile %d/%d/%d: %w", z, x, y, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("store: grids of tile %d/%d/%d: %w", z, x, y, err)
	}
	return ids, nil
}

// GridTile is the tile z/x/y of layer name holding the grids of figs
// (TileGrids' answer) with their figures as properties: id (the
// feature's), level, parent_id, code, name, households, screened,
// contacted, screened_pct, contact_pct and head_pct (absent when there is
// nothing to count).
func (s *Store) GridTile(ctx context.Context, name string, z, x, y int, figs []TileFigures) ([]byte, error) {
	n := len(figs)
	ids, hh, scr, con := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	spct, cpct, hpct := make([]*float64, n), make([]*float64, n), make([]*float64, n)
	for i, f := range figs {
		ids[i], hh[i], scr[i], con[i] = f.Grid, f.Households, f.Screened, f.Contacted
		spct[i], cpct[i], hpct[i] = f.ScreenedPct, f.ContactPct, f.HeadPct
	}
	var tile []byte
	err := s.pool.QueryRow(ctx, `
		WITH f AS (
			SELECT * FROM unnest($4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::float8[], $9::float8[], $10::float8[])
				AS f(id, households, screened, contacted, screened_pct, contact_pct, head_pct)
		), t AS (
			SELECT g.id, g.level, g.parent_id, g.code, g.name, f.households, f.screened, f.contacted,
			       f.screened_pct, f.contact_pct, f.head_pct,
			       ST_AsMVTGeom(ST_Transform(g.geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
			FROM f JOIN current_grids g ON g.id = f.id
		)
		SELECT coalesce((SELECT ST_AsMVT(t, $11, 4096, 'geom', 'id') FROM t WHERE t.geom IS NOT NULL), ''::bytea)`,
		z, x, y, ids, hh, scr, con, spct, cpct, hpct, name).Scan(&tile)
	if err != nil {
		return nil, fmt.Errorf("store: tile %s/%d/%d/%d: %w", name, z, x, y, err)
	}
	return tile, nil
}

// PointTile is the tile z/x/y of buildings or checkpoints (layer names
// "buildings" and "checkpoints"), limited to the compound grids in when
// in is not nil, and the grids its features lie in. A building carries
// id, grid_id, name, floors and has_head (never the head's name); a
// checkpoint id, grid_id, name and on_duty.
func (s *Store) PointTile(ctx context.Context, name string, z, x, y int, in []int64) ([]byte, []int64, error) {
	var from, props string
	switch name {
	case "buildings":
		from, props = "buildings", "p.id, p.grid_id, p.name, p.floors, p.head_id IS NOT NULL AS has_head"
	case "checkpoints":
		from, props = "checkpoints", "p.id, p.grid_id, p.name, p.on_duty"
	default:
		return nil, nil, fmt.Errorf("store: no point layer %q", name)
	}
	var (
		tile  []byte
		grids []int64
	)
	err := s.pool.QueryRow(ctx, `
		WITH f AS (
			SELECT `+props+`, ST_AsMVTGeom(ST_Transform(p.geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS mvt
			FROM `+from+` p
			WHERE p.geom && `+tileEnvelope+` AND ($4::bigint[] IS NULL OR p.grid_id = ANY($4))
		)
		SELECT coalesce((SELECT ST_AsMVT(f, $5, 4096, 'mvt', 'id') FROM f WHERE f.mvt IS NOT NULL), ''::bytea),
		       coalesce((SELECT array_agg(DISTINCT f.grid_id ORDER BY f.grid_id) FROM f WHERE f.mvt IS NOT NULL), '{}')`,
		z, x, y, in, name).Scan(&tile, &grids)
	if err != nil {
		return nil, nil, fmt.Errorf("store: tile %s/%d/%d/%d: %w", name, z, x, y, err)
	}
	return tile, grids, nil
}
