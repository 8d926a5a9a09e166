package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridmap/gridmap/internal/testdb"
)

// BenchmarkCoverageLeavesCity times the full coverage recount on the
// generated city (GRIDMAP_BENCH_CITY_URL, seeded with `seed --city`).
func BenchmarkCoverageLeavesCity(b *testing.B) {
	st := testdb.City(b)
	for b.Loop() {
		leaves, _, err := st.CoverageLeaves(context.Background(), time.Now().Format(time.DateOnly), time.Now())
		if err != nil || len(leaves) == 0 {
			b.Fatal(err, len(leaves))
		}
	}
}
