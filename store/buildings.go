package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// BuildingFeature is a building point with its household figures.
type BuildingFeature struct {
	ID               int64
	GridID           int64
	Name             string
	Floors           int
	HeadName         *string
	Households       int64 // occupied
	HouseholdsLinked int64
	Lon, Lat         float64
}

// BuildingFilter selects buildings in a grid's subtree, a bounding box,
// or both. Limit caps the answer.
type BuildingFilter struct {
	GridID  int64
	BBox    *orb.Bound
	InGrids []int64 // only buildings of these grids (a principal's scope); nil for all
	Limit   int
}

// Buildings returns up to f.Limit buildings matching f in id order, and
// whether more matched.
func (s *Store) Buildings(ctx context.Context, f BuildingFilter) ([]BuildingFeature, bool, error) {
	args := append([]any{nilIfZero(f.GridID), f.Limit + 1}, bboxArgs(f.BBox)...)
	args = append(args, f.InGrids)
	rows, err := s.pool.Query(ctx, `
		WITH RECURSIVE subtree AS (
			SELECT id FROM grids WHERE id = $1 AND retired_at IS NULL
			UNION ALL
			SELECT g.id FROM grids g JOIN subtree s ON g.parent_id = s.id WHERE g.retired_at IS NULL
		)
		SELECT b.id, b.grid_id, b.name, b.floors, p.name, h.households, h.linked,
		       ST_X(b.geom), ST_Y(b.geom)
		FROM buildings b
		LEFT JOIN people p ON p.id = b.head_id
		CROSS JOIN LATERAL (
			SELECT count(*) FILTER (WHERE status = 'occupied') AS households,
			       count(*) FILTER (WHERE status = 'occupied' AND contact_id IS NOT NULL) AS linked
			FROM households WHERE building_id = b.id
		) h
		WHERE ($1::bigint IS NULL OR b.grid_id IN (SELECT id FROM subtree))
		  AND ($3::float8 IS NULL OR b.geom && ST_MakeEnvelope($3, $4, $5, $6, 4326))
		  AND ($7::bigint[] IS NULL OR b.grid_id = ANY($7))
		ORDER BY b.id
		LIMIT $2`, args...)
	if err != nil {
		return nil, false, fmt.Errorf("store: buildings: %w", err)
	}
	bs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (BuildingFeature, error) {
		var b BuildingFeature
		err := row.Scan(&b.ID, &b.GridID, &b.Name, &b.Floors, &b.HeadName, &b.Households, &b.HouseholdsLinked, &b.Lon, &b.Lat)
		return b, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: buildings: %w", err)
	}
	if len(bs) > f.Limit {
		return bs[:f.Limit], true, nil
	}
	return bs, false, nil
}
