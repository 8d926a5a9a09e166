package testdb

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/store"
)

// SpatialCounts computes every grid's roll-up figures straight from the
// geometry: the buildings whose point lies in the grid's polygon, and the
// level-3 grids whose interior point does. Tests compare the store's and
// the API's roll-ups, which walk the hierarchy, with these.
func SpatialCounts(t testing.TB, db *DB) map[int64]store.Counts {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `
		SELECT g.id,
		       (SELECT count(*) FROM current_grids c WHERE c.level = 3 AND ST_Within(ST_PointOnSurface(c.geom), g.geom)),
		       count(DISTINCT b.id), count(DISTINCT b.id) FILTER (WHERE b.head_id IS NOT NULL),
		       count(h.id) FILTER (WHERE h.status = 'occupied'),
		       count(h.id) FILTER (WHERE h.status = 'occupied' AND h.contact_id IS NOT NULL),
		       count(h.id) FILTER (WHERE h.status = 'vacant'),
		       COALESCE(sum(h.residents) FILTER (WHERE h.status = 'occupied'), 0)
		FROM current_grids g
		LEFT JOIN buildings b ON ST_Contains(g.geom, b.geom)
		LEFT JOIN households h ON h.building_id = b.id
		GROUP BY g.id, g.geom`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]store.Counts{}
	var id int64
	var c store.Counts
	_, err = pgx.ForEachRow(rows, []any{&id, &c.Grids, &c.Buildings, &c.BuildingsWithHead, &c.Households,
		&c.HouseholdsLinked, &c.HouseholdsVacant, &c.Residents}, func() error {
		out[id] = c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
