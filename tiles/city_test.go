package tiles_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/tiles"
)

// BenchmarkTileCity times tiles of the generated city
// (GRIDMAP_BENCH_CITY_URL, `seed --city 50000`): compound grids with
// their figures at zoom 12 and 14, made cold (the cache emptied before
// each) against the raw ST_AsMVT of the same tile without figures or
// scope in the same run, and served from the cache. Each tile is the one
// over the city's busiest place: the centre of the grid with the most
// households.
func BenchmarkTileCity(b *testing.B) {
	ctx := context.Background()
	st := testdb.City(b)
	pool, err := pgxpool.New(ctx, testdb.CityURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	var lon, lat float64
	if err := pool.QueryRow(ctx, `
		SELECT ST_X(c), ST_Y(c) FROM (
			SELECT ST_PointOnSurface(g.geom) c FROM current_grids g JOIN buildings bl ON bl.grid_id = g.id
			JOIN households h ON h.building_id = bl.id
			WHERE g.level = 3 GROUP BY g.id, g.geom ORDER BY count(*) DESC LIMIT 1) s`).Scan(&lon, &lat); err != nil {
		b.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	scopes := access.New(st, nil, nil)
	cov := field.NewCoverage(st, scopes, nil, loc, nil, slog.New(slog.DiscardHandler))
	if err := cov.Fresh(ctx); err != nil {
		b.Fatal(err)
	}
	admin := &auth.Principal{Role: auth.Admin, Username: "bench"}
	for _, z := range []maptile.Zoom{12, 14} {
		tl := maptile.At(orb.Point{lon, lat}, z)
		var size int
		b.Run("raw ST_AsMVT z"+strconv.Itoa(int(z)), func(b *testing.B) {
			for b.Loop() {
				var tile []byte
				if err := pool.QueryRow(ctx, `
					SELECT ST_AsMVT(t, 'grids-3', 4096, 'geom', 'id') FROM (
						SELECT g.id, ST_AsMVTGeom(ST_Transform(g.geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
						FROM current_grids g
						WHERE g.level = 3 AND g.geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)) t
					WHERE t.geom IS NOT NULL`, int(z), int(tl.X), int(tl.Y)).Scan(&tile); err != nil {
					b.Fatal(err)
				}
				size = len(tile)
			}
			b.ReportMetric(float64(size), "bytes")
		})
		b.Run("cold z"+strconv.Itoa(int(z)), func(b *testing.B) {
			for b.Loop() {
				svc := tiles.New(st, scopes, cov, tiles.NewCache(64<<20))
				t, err := svc.Tile(ctx, admin, "grids-3", int(z), int(tl.X), int(tl.Y))
				if err != nil || len(t.Data) == 0 {
					b.Fatal(err)
				}
				size = len(t.Data)
			}
			b.ReportMetric(float64(size), "bytes")
		})
		b.Run("cached z"+strconv.Itoa(int(z)), func(b *testing.B) {
			svc := tiles.New(st, scopes, cov, tiles.NewCache(64<<20))
			if _, err := svc.Tile(ctx, admin, "grids-3", int(z), int(tl.X), int(tl.Y)); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := svc.Tile(ctx, admin, "grids-3", int(z), int(tl.X), int(tl.Y)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
