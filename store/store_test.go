package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/store"
)

// TestDemoTiling checks the demo's boundaries in PostGIS, not by trusting
// the generator: every child level tiles its parent with no overlap and
// no gap.
func TestDemoTiling(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	conn := connect(t, db)

	var l2, l3 int
	conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE level = 2), count(*) FILTER (WHERE level = 3) FROM current_grids`).Scan(&l2, &l3)
	if l2 != 7 || l3 != 23 {
		t.Fatalf("%d level-2 and %d level-3 grids, want 7 and 23", l2, l3)
	}
	var invalid int
	conn.QueryRow(ctx, `SELECT count(*) FROM current_grids WHERE NOT ST_IsValid(geom)`).Scan(&invalid)
	if invalid != 0 {
		t.Errorf("%d invalid grid geometries", invalid)
	}
	// Overlap: two siblings whose interiors share an area (DE-9IM 2 in II).
	var overlaps int
	err := conn.QueryRow(ctx, `
		SELECT count(*) FROM current_grids a JOIN current_grids b
		  ON a.level = b.level AND a.id < b.id AND a.geom && b.geom
		WHERE ST_Overlaps(a.geom, b.geom) OR ST_Relate(a.geom, b.geom, '2********')`).Scan(&overlaps)
	if err != nil || overlaps != 0 {
		t.Errorf("overlapping same-level grids: %d (%v)", overlaps, err)
	}
	// Gap: the union of a grid's children equals the grid, up to noding
	// noise far below a square metre.
	rows, err := conn.Query(ctx, `
		SELECT p.code, p.level,
		       ST_Area(ST_SymDifference(p.geom, ST_Union(c.geom))::geography),
		       ST_Area(p.geom::geography)
		FROM current_grids p JOIN current_grids c ON c.parent_id = p.id
		GROUP BY p.id, p.code, p.level, p.geom`)
	if err != nil {
		t.Fatal(err)
	}
	parents := 0
	for rows.Next() {
		var code string
		var level int
		var diff, area float64
		if err := rows.Scan(&code, &level, &diff, &area); err != nil {
			t.Fatal(err)
		}
		parents++
		if diff > 0.01 {
			t.Errorf("grid %s (level %d, %.0f m²): union of children differs by %.4f m²", code, level, area, diff)
		}
	}
	if parents != 8 {
		t.Errorf("checked %d parents, want 8 (1 subdistrict, 7 communities)", parents)
	}
}

// TestBuildingsInOneGrid checks that every building lies in exactly one
// level-3 grid, and that it is the grid the building row names.
func TestBuildingsInOneGrid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	conn := connect(t, db)
	var buildings, bad int
	err := conn.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE n <> 1 OR NOT own)
		FROM (
			SELECT b.id, count(g.id) AS n, bool_or(g.id = b.grid_id) AS own
			FROM buildings b
			LEFT JOIN current_grids g ON g.level = 3 AND ST_Covers(g.geom, b.geom)
			GROUP BY b.id
		) x`).Scan(&buildings, &bad)
	if err != nil {
		t.Fatal(err)
	}
	if buildings < 300 || bad != 0 {
		t.Errorf("%d buildings, %d not in exactly their own level-3 grid", buildings, bad)
	}
}

// TestGridCountsMatchSQL compares the store's roll-up, which walks the
// hierarchy, with figures computed spatially: buildings inside the grid's
// polygon. Both must agree for every grid.
func TestGridCountsMatchSQL(t *testing.T) {
	t.Parallel()
	db := testdb.Demo(t)
	wants := testdb.SpatialCounts(t, db)
	if len(wants) != 31 {
		t.Fatalf("%d grids, want 31", len(wants))
	}
	for id, want := range wants {
		got, err := db.Store.GridCounts(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("grid %d: store %+v, SQL %+v", id, got, want)
		}
	}
}

func TestGridNotFound(t *testing.T) {
	t.Parallel()
	db := testdb.Demo(t)
	_, err := db.Store.Grid(context.Background(), 999999)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
	_, err = db.Store.Tree(context.Background(), 999999, nil)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("tree err = %v, want ErrNotFound", err)
	}
}

// TestConstraints checks that the database itself refuses bad rows.
func TestConstraints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	conn := connect(t, db)
	tests := []struct {
		name string
		sql  string
		code string // SQLSTATE
	}{
		{"level out of range", `INSERT INTO grids (parent_id, level, code, name) VALUES (1, 4, '4101020030010101', 'x')`, "23514"},
		{"parent one level up", `INSERT INTO grids (parent_id, level, code, name) VALUES (1, 3, '41010200300199', 'x')`, "23514"},
		{"root with a parent", `INSERT INTO grids (parent_id, level, code, name) VALUES (1, 1, '410102099', 'x')`, "23514"},
		{"code shape", `INSERT INTO grids (parent_id, level, code, name) VALUES (1, 2, '4101', 'x')`, "23514"},
		{"unknown parent", `INSERT INTO grids (parent_id, level, code, name) VALUES (424242, 2, '410102003099', 'x')`, "23514"},
		{"building in a community", `INSERT INTO buildings (grid_id, name, floors, geom) VALUES (2, 'x', 3, ST_SetSRID(ST_MakePoint(113.63, 34.755), 4326))`, "23514"},
		{"building srid", `INSERT INTO buildings (grid_id, name, floors, geom) VALUES (9, 'x', 3, ST_SetSRID(ST_MakePoint(113.63, 34.755), 3857))`, "22023"},
		{"self-intersecting boundary", `INSERT INTO grid_versions (grid_id, publication_id, valid, geom) VALUES (9, 1, tstzrange('2001-01-01', '2002-01-01'),
			ST_Multi(ST_GeomFromText('POLYGON((113.62 34.75, 113.63 34.76, 113.63 34.75, 113.62 34.76, 113.62 34.75))', 4326)))`, "23514"},
		{"overlapping versions", `INSERT INTO grid_versions (grid_id, publication_id, geom) SELECT grid_id, 1, geom FROM grid_versions WHERE grid_id = 9`, "23P01"},
		{"household contact not a party member", `UPDATE households SET contact_id = (SELECT max(id) FROM people WHERE id NOT IN (SELECT person_id FROM party_members)) WHERE id = 1`, "23503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := conn.Exec(ctx, tt.sql)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) {
				t.Fatalf("err = %v, want SQLSTATE %s", err, tt.code)
			}
			if pgErr.Code != tt.code {
				t.Errorf("SQLSTATE %s (%s), want %s", pgErr.Code, pgErr.Message, tt.code)
			}
		})
	}
}

func connect(t *testing.T, db *testdb.DB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), db.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
