package playback_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/playback"
	"github.com/gridmap/gridmap/store"
)

// BenchmarkDailyReportCity times the day's report of the whole generated
// city (GRIDMAP_BENCH_CITY_URL, seeded with `seed --city 50000`): the
// coverage count of every compound grid, the day's work and the week's
// trend, rolled up to the 100 districts. Today (the seeded city has no
// past: its grids were created when it was seeded); -benchtime 3x.
func BenchmarkDailyReportCity(b *testing.B) {
	url := os.Getenv("GRIDMAP_BENCH_CITY_URL")
	if url == "" {
		b.Skip("GRIDMAP_BENCH_CITY_URL not set")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	svc := playback.New(st, access.New(st, nil, nil), nil, loc, nil)
	admin := &auth.Principal{Role: auth.Admin, Username: "bench"}
	day := time.Now().In(loc).Format(time.DateOnly)
	for _, q := range []struct {
		name string
		q    playback.ReportQuery
	}{
		{"whole city by district", playback.ReportQuery{Day: day}},
		{"whole city every compound grid", playback.ReportQuery{Day: day, Level: 3}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				r, err := svc.Daily(ctx, admin, q.q)
				if err != nil || len(r.Rows) == 0 || r.Total.Figures.Households == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}
