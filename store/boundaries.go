package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// ErrInvalidGeometry is returned when PostGIS finds a boundary invalid;
// the wrapping error carries PostGIS's reason.
var ErrInvalidGeometry = errors.New("invalid geometry")

// BoundaryChange is the result of publishing a new boundary for a grid.
type BoundaryChange struct {
	GridID        int64 `json:"grid_id"`
	PublicationID int64 `json:"publication_id"`
	VersionID     int64 `json:"version_id"`
}

// SetGridBoundary publishes a new boundary for one grid: the current
// version is closed now and a new one opens, in one publication with
// lineage, audited with both shapes. PostGIS has the last word on
// validity.
func (s *Store) SetGridBoundary(ctx context.Context, a Actor, gridID int64, geom orb.MultiPolygon, note string) (BoundaryChange, error) {
	c := BoundaryChange{GridID: gridID}
	body, err := wkb.Marshal(geom)
	if err != nil {
		return c, fmt.Errorf("store: boundary of grid %d: %w", gridID, err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var reason string
		if err := tx.QueryRow(ctx, `SELECT ST_IsValidReason(ST_GeomFromWKB($1, 4326))`, body).Scan(&reason); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidGeometry, err)
		}
		if reason != "Valid Geometry" {
			return fmt.Errorf("%w: %s", ErrInvalidGeometry, reason)
		}
		var oldID int64
		var before string
		err := tx.QueryRow(ctx, `
			SELECT v.id, ST_AsGeoJSON(v.geom, 7) FROM grid_versions v JOIN grids g ON g.id = v.grid_id
			WHERE v.grid_id = $1 AND upper_inf(v.valid) AND g.retired_at IS NULL
			FOR UPDATE OF v`, gridID).Scan(&oldID, &before)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO boundary_publications (published_by, note) VALUES ($1, $2) RETURNING id`,
			a.Name, note).Scan(&c.PublicationID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE grid_versions SET valid = tstzrange(lower(valid), now()) WHERE id = $1`, oldID); err != nil {
			return err
		}
		var after string
		err = tx.QueryRow(ctx, `
			INSERT INTO grid_versions (grid_id, publication_id, valid, geom)
			VALUES ($1, $2, tstzrange(now(), NULL), ST_Multi(ST_GeomFromWKB($3, 4326)))
			RETURNING id, ST_AsGeoJSON(geom, 7)`, gridID, c.PublicationID, body).Scan(&c.VersionID, &after)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO grid_lineage (publication_id, from_grid_id, to_grid_id, kind) VALUES ($1, $2, $2, 'redraw')`,
			c.PublicationID, gridID); err != nil {
			return err
		}
		return audit(ctx, tx, a, "redraw", "grid_boundary", gridID,
			map[string]any{"version_id": oldID, "geometry": json.RawMessage(before)},
			map[string]any{"version_id": c.VersionID, "publication_id": c.PublicationID, "geometry": json.RawMessage(after)})
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("store: grid %d: %w", gridID, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("store: boundary of grid %d: %w", gridID, err)
	}
	return c, nil
}

// LastPublication returns the id of the newest boundary publication, so
// that in-memory indexes can tell when to rebuild.
func (s *Store) LastPublication(ctx context.Context) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(max(id), 0) FROM boundary_publications`).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: last publication: %w", err)
	}
	return id, nil
}
