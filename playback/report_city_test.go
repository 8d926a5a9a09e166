package playback_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/playback"
	"github.com/gridmap/gridmap/read"
)

// BenchmarkDailyReportCity times the day's report of the whole generated
// city (GRIDMAP_BENCH_CITY_URL, seeded with `seed --city 50000
// --field-days 8`: a week of field work, today's 1.9 million screenings),
// rolled up to the 100 districts and with every compound grid as a row:
// today (the live figures, counted once before the timing as the server
// counts them at start) and yesterday (a closed day: counted on the first
// request, which the benchmark makes before the timing and reports as
// first_ms, then kept). -benchtime 3x.
func BenchmarkDailyReportCity(b *testing.B) {
	ctx := context.Background()
	st := testdb.City(b)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	scopes := access.New(st, nil, nil)
	cov := field.NewCoverage(st, scopes, nil, loc, nil, slog.New(slog.DiscardHandler))
	began := time.Now()
	if err := cov.Fresh(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("live figures counted in %v", time.Since(began).Round(time.Millisecond))
	svc := playback.New(st, scopes, read.New(st, scopes, nil, cov, nil), loc, nil)
	admin := &auth.Principal{Role: auth.Admin, Username: "bench"}
	today := time.Now().In(loc)
	for _, day := range []struct{ name, day string }{
		{"today", today.Format(time.DateOnly)},
		{"yesterday", today.AddDate(0, 0, -1).Format(time.DateOnly)},
	} {
		for _, q := range []struct {
			name string
			q    playback.ReportQuery
		}{
			{"by district", playback.ReportQuery{Day: day.day}},
			{"every compound grid", playback.ReportQuery{Day: day.day, Level: 3}},
		} {
			b.Run(day.name+" "+q.name, func(b *testing.B) {
				began := time.Now()
				if _, err := svc.Daily(ctx, admin, q.q); err != nil {
					b.Fatal(err)
				}
				first := time.Since(began)
				for b.Loop() {
					r, err := svc.Daily(ctx, admin, q.q)
					if err != nil || len(r.Rows) == 0 || r.Total.Figures.Households == 0 {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(first.Milliseconds()), "first_ms")
			})
		}
	}
}
