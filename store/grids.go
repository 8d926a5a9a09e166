package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// GridFeature is a current grid with its boundary as GeoJSON.
type GridFeature struct {
	ID         int64
	ParentID   *int64
	Level      int
	Code       string
	Name       string
	LeaderName *string
	Geometry   json.RawMessage
}

// GridFilter selects current grids; zero fields do not filter.
type GridFilter struct {
	Level    int
	ParentID int64
	BBox     *orb.Bound
	InGrids  []int64    // only these grids (a principal's scope); nil for all
	AsOf     *time.Time // boundaries as they were then; nil for the current ones
}

// gridsAsOf is current_grids at a past instant: every grid with a
// boundary version valid then, retired since or not.
const gridsAsOf = `(
	SELECT g.id, g.parent_id, g.level, g.code, g.name, g.leader_id, v.geom
	FROM grids g JOIN grid_versions v ON v.grid_id = g.id AND v.valid @> $9::timestamptz)`

// geoJSONDecimals keeps about a centimetre of precision and small answers.
const geoJSONDecimals = 7

// bboxArgs turns an optional bound into the four nullable SQL arguments
// that an envelope filter takes.
func bboxArgs(b *orb.Bound) []any {
	if b == nil {
		return []any{nil, nil, nil, nil}
	}
	return []any{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
}

// Grids returns current grids that match f, in code order.
func (s *Store) Grids(ctx context.Context, f GridFilter) ([]GridFeature, error) {
	args := append([]any{nilIfZero(int64(f.Level)), nilIfZero(f.ParentID), geoJSONDecimals}, bboxArgs(f.BBox)...)
	args = append(args, f.InGrids)
	from := "current_grids"
	if f.AsOf != nil {
		from, args = gridsAsOf, append(args, *f.AsOf)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT g.id, g.parent_id, g.level, g.code, g.name, p.name, ST_AsGeoJSON(g.geom, $3)::text
		FROM `+from+` g
		LEFT JOIN people p ON p.id = g.leader_id
		WHERE ($1::int IS NULL OR g.level = $1)
		  AND ($2::bigint IS NULL OR g.parent_id = $2)
		  AND ($4::float8 IS NULL OR g.geom && ST_MakeEnvelope($4, $5, $6, $7, 4326))
		  AND ($8::bigint[] IS NULL OR g.id = ANY($8))
		ORDER BY g.code`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: grids: %w", err)
	}
	grids, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (GridFeature, error) {
		var g GridFeature
		var geom string
		err := row.Scan(&g.ID, &g.ParentID, &g.Level, &g.Code, &g.Name, &g.LeaderName, &geom)
		g.Geometry = json.RawMessage(geom)
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: grids: %w", err)
	}
	return grids, nil
}

func nilIfZero(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

// GridRef names a grid in a path or tree.
type GridRef struct {
	ID    int64  `json:"id"`
	Level int    `json:"level"`
	Code  string `json:"code"`
	Name  string `json:"name"`
}

// PersonRef is a person as shown next to what they are responsible for.
type PersonRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Counts are roll-up figures over a grid's whole subtree. Households
// counts occupied households only: vacant and demolished ones are outside
// the denominator of every coverage figure.
type Counts struct {
	Grids             int64 `json:"grids"` // level-3 grids
	Buildings         int64 `json:"buildings"`
	BuildingsWithHead int64 `json:"buildings_with_head"`
	Households        int64 `json:"households"`
	HouseholdsLinked  int64 `json:"households_linked"`
	HouseholdsVacant  int64 `json:"households_vacant"`
	Residents         int64 `json:"residents"`
}

// GridDetail is one grid with its ancestry and roll-up counts.
type GridDetail struct {
	GridFeature
	Leader *PersonRef
	AreaM2 float64
	BBox   [4]float64
	Path   []GridRef // root first, the grid itself last
	Counts Counts
}

// subtreeCTE lists the ids of grid $1 and every current grid below it.
const subtreeCTE = `
	WITH RECURSIVE subtree AS (
		SELECT id, level FROM grids WHERE id = $1 AND retired_at IS NULL
		UNION ALL
		SELECT g.id, g.level FROM grids g JOIN subtree s ON g.parent_id = s.id
		WHERE g.retired_at IS NULL
	)`

// Grid returns one current grid with its path and roll-up counts, or
// ErrNotFound.
func (s *Store) Grid(ctx context.Context, id int64) (*GridDetail, error) {
	d := &GridDetail{}
	var geom string
	var leaderID *int64
	var leaderName *string
	err := s.pool.QueryRow(ctx, `
		SELECT g.id, g.parent_id, g.level, g.code, g.name, g.leader_id, p.name,
		       ST_AsGeoJSON(g.geom, $2)::text, ST_Area(g.geom::geography),
		       ST_XMin(g.geom), ST_YMin(g.geom), ST_XMax(g.geom), ST_YMax(g.geom)
		FROM current_grids g
		LEFT JOIN people p ON p.id = g.leader_id
		WHERE g.id = $1`, id, geoJSONDecimals).Scan(
		&d.ID, &d.ParentID, &d.Level, &d.Code, &d.Name, &leaderID, &leaderName,
		&geom, &d.AreaM2, &d.BBox[0], &d.BBox[1], &d.BBox[2], &d.BBox[3])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("store: grid %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: grid %d: %w", id, err)
	}
	d.Geometry = json.RawMessage(geom)
	if leaderID != nil {
		d.Leader = &PersonRef{ID: *leaderID, Name: *leaderName}
		d.LeaderName = leaderName
	}
	if d.Path, err = s.GridPath(ctx, id); err != nil {
		return nil, err
	}
	if d.Counts, err = s.GridCounts(ctx, id); err != nil {
		return nil, err
	}
	return d, nil
}

// GridPath returns the ancestors of a grid, root first, ending with it.
func (s *Store) GridPath(ctx context.Context, id int64) ([]GridRef, error) {
	rows, err := s.pool.Query(ctx, `
		WITH RECURSIVE up AS (
			SELECT id, parent_id, level, code, name FROM grids WHERE id = $1
			UNION ALL
			SELECT g.id, g.parent_id, g.level, g.code, g.name FROM grids g JOIN up ON g.id = up.parent_id
		)
		SELECT id, level, code, name FROM up ORDER BY level`, id)
	if err != nil {
		return nil, fmt.Errorf("store: grid %d path: %w", id, err)
	}
	path, err := pgx.CollectRows(rows, pgx.RowToStructByPos[GridRef])
	if err != nil {
		return nil, fmt.Errorf("store: grid %d path: %w", id, err)
	}
	return path, nil
}

// GridCounts sums buildings, households and links over a grid's subtree.
func (s *Store) GridCounts(ctx context.Context, id int64) (Counts, error) {
	var c Counts
	err := s.pool.QueryRow(ctx, subtreeCTE+`,
		b AS (
			SELECT bl.id, bl.head_id FROM buildings bl JOIN subtree s ON bl.grid_id = s.id
		),
		h AS (
			SELECT count(*) FILTER (WHERE hh.status = 'occupied') AS households,
			       count(*) FILTER (WHERE hh.status = 'occupied' AND hh.contact_id IS NOT NULL) AS linked,
			       count(*) FILTER (WHERE hh.status = 'vacant') AS vacant,
			       COALESCE(sum(hh.residents) FILTER (WHERE hh.status = 'occupied'), 0) AS residents
			FROM households hh JOIN b ON hh.building_id = b.id
		)
		SELECT (SELECT count(*) FROM subtree WHERE level = 3),
		       (SELECT count(*) FROM b), (SELECT count(head_id) FROM b),
		       h.households, h.linked, h.vacant, h.residents
		FROM h`, id).Scan(&c.Grids, &c.Buildings, &c.BuildingsWithHead,
		&c.Households, &c.HouseholdsLinked, &c.HouseholdsVacant, &c.Residents)
	if err != nil {
		return c, fmt.Errorf("store: grid %d counts: %w", id, err)
	}
	return c, nil
}

// TreeNode is a grid in the hierarchy with its children.
type TreeNode struct {
	GridRef
	ParentID *int64      `json:"parent_id"`
	Children []*TreeNode `json:"children"`
}

// Tree returns the hierarchy below root (every root when root is 0),
// children in code order: the current one, or the one at asof (the grids
// with a boundary then). An unknown root gives ErrNotFound.
func (s *Store) Tree(ctx context.Context, root int64, asof *time.Time) ([]*TreeNode, error) {
	rows, err := s.pool.Query(ctx, `
		WITH RECURSIVE live AS (
			SELECT id, parent_id, level, code, name FROM grids g
			WHERE CASE WHEN $2::timestamptz IS NULL THEN retired_at IS NULL
			           ELSE EXISTS (SELECT 1 FROM grid_versions v WHERE v.grid_id = g.id AND v.valid @> $2::timestamptz) END
		), t AS (
			SELECT * FROM live WHERE CASE WHEN $1::bigint IS NULL THEN parent_id IS NULL ELSE id = $1 END
			UNION ALL
			SELECT l.* FROM live l JOIN t ON l.parent_id = t.id
		)
		SELECT id, parent_id, level, code, name FROM t ORDER BY level, code`, nilIfZero(root), asof)
	if err != nil {
		return nil, fmt.Errorf("store: tree: %w", err)
	}
	type row struct {
		ID       int64
		ParentID *int64
		Level    int
		Code     string
		Name     string
	}
	flat, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		return nil, fmt.Errorf("store: tree: %w", err)
	}
	if root != 0 && len(flat) == 0 {
		return nil, fmt.Errorf("store: tree %d: %w", root, ErrNotFound)
	}
	nodes := make(map[int64]*TreeNode, len(flat))
	roots := []*TreeNode{}
	for _, r := range flat {
		n := &TreeNode{GridRef: GridRef{ID: r.ID, Level: r.Level, Code: r.Code, Name: r.Name}, ParentID: r.ParentID, Children: []*TreeNode{}}
		nodes[r.ID] = n
		if parent, ok := nodes[derefOr(r.ParentID)]; ok {
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots, nil
}

func derefOr(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
