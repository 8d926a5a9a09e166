package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// SubtreePlan returns the grids below root as they are now, as a plan
// that changes nothing.
func (s *Store) SubtreePlan(ctx context.Context, root int64) (Plan, error) {
	return subtreePlan(ctx, s.pool, root)
}

// querier is what a pool and a transaction share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func subtreePlan(ctx context.Context, q querier, root int64) (Plan, error) {
	p := Plan{Roots: []int64{root}}
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM current_grids WHERE id = $1)`, root).Scan(&ok); err != nil {
		return p, fmt.Errorf("store: subtree of %d: %w", root, err)
	}
	if !ok {
		return p, fmt.Errorf("store: subtree of %d: %w", root, ErrNotFound)
	}
	rows, err := q.Query(ctx, `
		WITH RECURSIVE t AS (
			SELECT id FROM grids WHERE id = $1
			UNION ALL SELECT g.id FROM grids g JOIN t ON g.parent_id = t.id WHERE g.retired_at IS NULL
		)
		SELECT g.id, g.parent_id, g.level, g.code, g.name, g.leader_id, ST_AsBinary(g.geom)
		FROM current_grids g WHERE g.id IN (SELECT id FROM t) AND g.id <> $1
		ORDER BY g.level, g.code`, root)
	if err != nil {
		return p, fmt.Errorf("store: subtree of %d: %w", root, err)
	}
	p.Grids, err = pgx.CollectRows(rows, scanPlanGrid)
	if err != nil {
		return p, fmt.Errorf("store: subtree of %d: %w", root, err)
	}
	return p, nil
}

func scanPlanGrid(row pgx.CollectableRow) (PlanGrid, error) {
	var g PlanGrid
	var body []byte
	if err := row.Scan(&g.ID, &g.ParentID, &g.Level, &g.Code, &g.Name, &g.LeaderID, &body); err != nil {
		return g, err
	}
	geom, err := wkb.Unmarshal(body)
	if err != nil {
		return g, err
	}
	switch t := geom.(type) {
	case orb.MultiPolygon:
		g.Geometry = t
	case orb.Polygon:
		g.Geometry = orb.MultiPolygon{t}
	default:
		return g, fmt.Errorf("grid %d: %s boundary", g.ID, geom.GeoJSONType())
	}
	return g, nil
}

// GridVersion is one boundary of a grid over a time range.
type GridVersion struct {
	ID            int64           `json:"version_id"`
	PublicationID int64           `json:"publication_id"`
	ValidFrom     time.Time       `json:"valid_from"`
	ValidTo       *time.Time      `json:"valid_to"`
	PublishedBy   string          `json:"published_by"`
	Note          string          `json:"note"`
	AreaM2        float64         `json:"area_m2"`
	Geometry      json.RawMessage `json:"geometry"`
}

// Lineage is a grid another replaced or was replaced by.
type Lineage struct {
	GridRef
	Kind          string  `json:"kind"`
	PublicationID int64   `json:"publication_id"`
	AreaM2        float64 `json:"area_m2"`
}

// GridHistory is a grid (current or retired) with its versions and lineage.
type GridHistory struct {
	Grid       GridRef       `json:"grid"`
	RetiredAt  *time.Time    `json:"retired_at"`
	Versions   []GridVersion `json:"versions"`
	ReplacedBy []Lineage     `json:"replaced_by"`
	Replaces   []Lineage     `json:"replaces"`
}

// GridVersions returns a grid's history, newest version first.
func (s *Store) GridVersions(ctx context.Context, id int64) (*GridHistory, error) {
	h := &GridHistory{}
	err := s.pool.QueryRow(ctx, `SELECT id, level, code, name, retired_at FROM grids WHERE id = $1`, id).
		Scan(&h.Grid.ID, &h.Grid.Level, &h.Grid.Code, &h.Grid.Name, &h.RetiredAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("store: versions of grid %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: versions of grid %d: %w", id, err)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT v.id, v.publication_id, lower(v.valid), upper(v.valid), p.published_by, p.note,
		       ST_Area(v.geom::geography), ST_AsGeoJSON(v.geom, 7)
		FROM grid_versions v JOIN boundary_publications p ON p.id = v.publication_id
		WHERE v.grid_id = $1 ORDER BY lower(v.valid) DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("store: versions of grid %d: %w", id, err)
	}
	h.Versions, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (GridVersion, error) {
		var v GridVersion
		var geom string
		err := row.Scan(&v.ID, &v.PublicationID, &v.ValidFrom, &v.ValidTo, &v.PublishedBy, &v.Note, &v.AreaM2, &geom)
		v.Geometry = json.RawMessage(geom)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: versions of grid %d: %w", id, err)
	}
	for _, side := range []struct {
		out        *[]Lineage
		this, that string
	}{{&h.ReplacedBy, "from_grid_id", "to_grid_id"}, {&h.Replaces, "to_grid_id", "from_grid_id"}} {
		rows, err := s.pool.Query(ctx, `
			SELECT g.id, g.level, g.code, g.name, l.kind, l.publication_id, COALESCE(l.area_m2, 0)
			FROM grid_lineage l JOIN grids g ON g.id = l.`+side.that+`
			WHERE l.`+side.this+` = $1 AND l.from_grid_id <> l.to_grid_id
			ORDER BY l.publication_id, l.area_m2 DESC`, id)
		if err != nil {
			return nil, fmt.Errorf("store: lineage of grid %d: %w", id, err)
		}
		*side.out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Lineage])
		if err != nil {
			return nil, fmt.Errorf("store: lineage of grid %d: %w", id, err)
		}
	}
	return h, nil
}

// PublicationInfo is one boundary publication; Grids counts the grids
// it drew, redrew or retired (a later rollback does not change it).
type PublicationInfo struct {
	ID          int64     `json:"id"`
	PublishedAt time.Time `json:"published_at"`
	PublishedBy string    `json:"published_by"`
	Note        string    `json:"note"`
	Grids       int       `json:"grids"`
}

// Publications lists boundary publications, newest first.
func (s *Store) Publications(ctx context.Context, limit int) ([]PublicationInfo, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT p.id, p.published_at, p.published_by, p.note,
		       (SELECT count(*) FROM (
		           SELECT grid_id FROM grid_versions WHERE publication_id = p.id
		           UNION SELECT from_grid_id FROM grid_lineage WHERE publication_id = p.id
		           UNION SELECT id FROM grids WHERE retired_publication_id = p.id) x)::int
		FROM boundary_publications p ORDER BY p.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: publications: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[PublicationInfo])
	if err != nil {
		return nil, fmt.Errorf("store: publications: %w", err)
	}
	return out, nil
}

// AreaChange is a grid whose boundary differs between two publications.
type AreaChange struct {
	GridRef
	AreaBeforeM2  float64 `json:"area_before_m2"`
	AreaAfterM2   float64 `json:"area_after_m2"`
	AreaChangedM2 float64 `json:"area_changed_m2"` // the symmetric difference
}

// Comparison lists what changed between the boundaries right after two
// publications.
type Comparison struct {
	From    int64        `json:"from"`
	To      int64        `json:"to"`
	Added   []AreaChange `json:"added"`
	Removed []AreaChange `json:"removed"`
	Changed []AreaChange `json:"changed"`
}

// ComparePublications compares the boundaries as they stood right after
// publication from with those right after publication to.
func (s *Store) ComparePublications(ctx context.Context, from, to int64) (*Comparison, error) {
	c := &Comparison{From: from, To: to, Added: []AreaChange{}, Removed: []AreaChange{}, Changed: []AreaChange{}}
	rows, err := s.pool.Query(ctx, `
		WITH t AS (SELECT (SELECT published_at FROM boundary_publications WHERE id = $1) AS a,
		                  (SELECT published_at FROM boundary_publications WHERE id = $2) AS b),
		a AS (SELECT v.grid_id, v.geom FROM grid_versions v, t WHERE v.valid @> t.a),
		b AS (SELECT v.grid_id, v.geom FROM grid_versions v, t WHERE v.valid @> t.b)
		SELECT CASE WHEN a.grid_id IS NULL THEN 'added' WHEN b.grid_id IS NULL THEN 'removed' ELSE 'changed' END,
		       g.id, g.level, g.code, g.name,
		       COALESCE(ST_Area(a.geom::geography), 0), COALESCE(ST_Area(b.geom::geography), 0),
		       COALESCE(ST_Area(ST_SymDifference(a.geom, b.geom)::geography), ST_Area(COALESCE(a.geom, b.geom)::geography))
		FROM a FULL JOIN b ON a.grid_id = b.grid_id
		JOIN grids g ON g.id = COALESCE(a.grid_id, b.grid_id)
		WHERE a.grid_id IS NULL OR b.grid_id IS NULL OR NOT ST_Equals(a.geom, b.geom)
		ORDER BY g.level, g.code`, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: compare publications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var ch AreaChange
		if err := rows.Scan(&kind, &ch.ID, &ch.Level, &ch.Code, &ch.Name, &ch.AreaBeforeM2, &ch.AreaAfterM2, &ch.AreaChangedM2); err != nil {
			return nil, fmt.Errorf("store: compare publications: %w", err)
		}
		switch kind {
		case "added":
			c.Added = append(c.Added, ch)
		case "removed":
			c.Removed = append(c.Removed, ch)
		default:
			c.Changed = append(c.Changed, ch)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: compare publications: %w", err)
	}
	return c, nil
}

// PublicationExists reports whether a boundary publication has this id.
func (s *Store) PublicationExists(ctx context.Context, id int64) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM boundary_publications WHERE id = $1)`, id).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: publication %d: %w", id, err)
	}
	return ok, nil
}

// BoundaryGrids returns grid root and every grid below it with their
// boundaries now, or as they were at asof: the root first, then by level
// and code. Grids retired by then are left out.
func (s *Store) BoundaryGrids(ctx context.Context, root int64, asof *time.Time) ([]PlanGrid, error) {
	rows, err := s.pool.Query(ctx, `
		WITH RECURSIVE t AS (
			SELECT id FROM grids WHERE id = $1
			UNION SELECT g.id FROM grids g JOIN t ON g.parent_id = t.id
		)
		SELECT g.id, COALESCE(g.parent_id, 0), g.level, g.code, g.name, g.leader_id, ST_AsBinary(v.geom)
		FROM grids g JOIN grid_versions v ON v.grid_id = g.id
		WHERE g.id IN (SELECT id FROM t)
		  AND CASE WHEN $2::timestamptz IS NULL THEN upper_inf(v.valid) AND g.retired_at IS NULL ELSE v.valid @> $2::timestamptz END
		ORDER BY g.id <> $1, g.level, g.code`, root, asof)
	if err != nil {
		return nil, fmt.Errorf("store: boundaries below %d: %w", root, err)
	}
	gs, err := pgx.CollectRows(rows, scanPlanGrid)
	if err != nil {
		return nil, fmt.Errorf("store: boundaries below %d: %w", root, err)
	}
	if len(gs) == 0 || gs[0].ID != root {
		return nil, fmt.Errorf("store: boundaries below %d: %w", root, ErrNotFound)
	}
	return gs, nil
}

// RepairPolygon makes a boundary valid with PostGIS (ST_MakeValid, its
// polygons only), snapped to BoundaryDecimals, and gives the repaired
// area in m² and how many separate parts it has.
func (s *Store) RepairPolygon(ctx context.Context, mp orb.MultiPolygon) (orb.MultiPolygon, float64, int, error) {
	body, err := wkb.Marshal(mp)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("store: repair: %w", err)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT ST_AsBinary(f), ST_Area(f::geography), ST_NumGeometries(f)
		FROM (SELECT ST_Multi(ST_SnapToGrid(ST_CollectionExtract(ST_MakeValid(ST_GeomFromWKB($1, 4326)), 3), 1e-7)) AS f) x
		WHERE NOT ST_IsEmpty(f)`, body)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("store: repair: %w", err)
	}
	var area float64
	var parts int
	fixed, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (orb.MultiPolygon, error) {
		var b []byte
		if err := row.Scan(&b, &area, &parts); err != nil {
			return nil, err
		}
		return scanMultiBytes(b)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, 0, fmt.Errorf("store: repair: %w", ErrNoChange)
	}
	if err != nil {
		return nil, 0, 0, fmt.Errorf("store: repair: %w", err)
	}
	return fixed, area, parts, nil
}

// BoundaryFindings counts what the check of stored boundaries found, by
// kind (migration 005 fills it).
func (s *Store) BoundaryFindings(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT kind, count(*)::int FROM boundary_findings GROUP BY kind`)
	if err != nil {
		return nil, fmt.Errorf("store: boundary findings: %w", err)
	}
	out := map[string]int{}
	var kind string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&kind, &n}, func() error { out[kind] = n; return nil })
	if err != nil {
		return nil, fmt.Errorf("store: boundary findings: %w", err)
	}
	return out, nil
}
