package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/gridmap/gridmap/geo"
)

// GridShapes returns the current boundaries of every grid at level, as
// orb geometry for the in-memory index: the one place Go must reason
// about the shapes itself.
func (s *Store) GridShapes(ctx context.Context, level int) ([]geo.Region, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, ST_AsBinary(geom) FROM current_grids WHERE level = $1 ORDER BY id`, level)
	if err != nil {
		return nil, fmt.Errorf("store: grid shapes: %w", err)
	}
	regions, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (geo.Region, error) {
		var reg geo.Region
		var b []byte
		if err := r.Scan(&reg.ID, &b); err != nil {
			return reg, err
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			return reg, fmt.Errorf("grid %d: %w", reg.ID, err)
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			return reg, fmt.Errorf("grid %d: %s, want MultiPolygon", reg.ID, g.GeoJSONType())
		}
		reg.Shape = mp
		return reg, nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: grid shapes: %w", err)
	}
	return regions, nil
}

// Team is a volunteer team as the map shows it.
type Team struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Colour     string `json:"colour"`
	GridID     int64  `json:"grid_id"`
	Volunteers int64  `json:"volunteers"`
}

// Teams lists the volunteer teams whose area lies in grids (nil for all).
func (s *Store) Teams(ctx context.Context, inGrids []int64) ([]Team, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.id, t.name, t.colour, t.grid_id, count(v.person_id)
		FROM volunteer_teams t LEFT JOIN volunteers v ON v.team_id = t.id
		WHERE $1::bigint[] IS NULL OR t.grid_id = ANY($1)
		GROUP BY t.id ORDER BY t.id`, inGrids)
	if err != nil {
		return nil, fmt.Errorf("store: teams: %w", err)
	}
	teams, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Team])
	if err != nil {
		return nil, fmt.Errorf("store: teams: %w", err)
	}
	return teams, nil
}
