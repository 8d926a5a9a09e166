package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/gridmap/gridmap/store"
)

// BenchmarkCoverageLeavesCity times the full coverage recount on the
// generated city (GRIDMAP_BENCH_CITY_URL, seeded with `seed --city`).
func BenchmarkCoverageLeavesCity(b *testing.B) {
	url := os.Getenv("GRIDMAP_BENCH_CITY_URL")
	if url == "" {
		b.Skip("GRIDMAP_BENCH_CITY_URL not set")
	}
	st, err := store.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for b.Loop() {
		leaves, _, err := st.CoverageLeaves(context.Background(), time.Now().Format(time.DateOnly), time.Now())
		if err != nil || len(leaves) == 0 {
			b.Fatal(err, len(leaves))
		}
	}
}
