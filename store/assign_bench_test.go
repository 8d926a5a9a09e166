package store_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/jackc/pgx/v5"
)

// BenchmarkAssignPostGIS is the baseline for the in-memory index: the
// same point-to-grid lookup done one by one in PostGIS (ST_Contains on
// the GiST index). It needs a generated city:
//
//	gridmap seed --city 50000 --db $GRIDMAP_BENCH_CITY_URL
//	GRIDMAP_BENCH_CITY_URL=... go test ./store -run '^$' -bench AssignPostGIS
func BenchmarkAssignPostGIS(b *testing.B) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.CityURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var minX, minY, maxX, maxY float64
	err = conn.QueryRow(ctx, `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
		FROM (SELECT ST_Extent(geom) e FROM current_grids WHERE level = 3) x`).Scan(&minX, &minY, &maxX, &maxY)
	if err != nil {
		b.Fatal(err)
	}
	// The fairest baseline: level-3 polygons alone in a table with their
	// own GiST index (the schema's view also holds the large level-1 and
	// level-2 polygons, which makes the lookup about five times slower).
	for _, sql := range []string{
		`CREATE TEMP TABLE l3 AS SELECT id, geom FROM current_grids WHERE level = 3`,
		`CREATE INDEX ON l3 USING gist (geom)`, `ANALYZE l3`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	const q = `SELECT id FROM l3 WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY id LIMIT 1`
	found := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var id int64
		err := conn.QueryRow(ctx, q, minX+r.Float64()*(maxX-minX), minY+r.Float64()*(maxY-minY)).Scan(&id)
		if err == nil {
			found++
		} else if err != pgx.ErrNoRows {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "assign/s")
	b.ReportMetric(float64(found)/float64(b.N), "found")
}
