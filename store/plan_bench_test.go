package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/store"
)

// BenchmarkValidatePlanDemo validates the whole demo subdistrict (7
// communities, 23 compound grids, 465 buildings) as a draft would.
func BenchmarkValidatePlanDemo(b *testing.B) {
	db := testdb.Demo(b)
	ctx := context.Background()
	p, err := db.Store.SubtreePlan(ctx, 1)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		probs, err := db.Store.ValidatePlan(ctx, p)
		if err != nil || len(store.Blocking(probs, []string{"no_leader"})) > 0 {
			b.Fatal(err, probs)
		}
	}
}

// BenchmarkValidatePlanCity validates nine subdistricts of the generated
// city at once (5,184 compound grids, 576 communities, about 20,000
// buildings): GRIDMAP_BENCH_CITY_URL, seeded with `seed --city 50000`.
func BenchmarkValidatePlanCity(b *testing.B) {
	st, p := cityPlan(b)
	defer st.Close()
	for b.Loop() {
		probs, err := st.ValidatePlan(context.Background(), p)
		if err != nil || len(store.Blocking(probs, []string{"no_leader", "load_rise"})) > 0 {
			b.Fatal(err, store.Blocking(probs, []string{"no_leader", "load_rise"}))
		}
	}
}

// BenchmarkPlanImpactCity works out the impact of the same nine
// subdistricts (nothing moves, but every query runs over all of them).
func BenchmarkPlanImpactCity(b *testing.B) {
	st, p := cityPlan(b)
	defer st.Close()
	for b.Loop() {
		im, err := st.PlanImpact(context.Background(), p, "2026-12-06")
		if err != nil || len(im.Grids) == 0 {
			b.Fatal(err)
		}
	}
}

// cityPlan is nine level-1 subtrees of the generated city as one plan.
func cityPlan(b *testing.B) (*store.Store, store.Plan) {
	url := os.Getenv("GRIDMAP_BENCH_CITY_URL")
	if url == "" {
		b.Skip("GRIDMAP_BENCH_CITY_URL not set")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	tree, err := st.Tree(ctx, 0, nil)
	if err != nil {
		b.Fatal(err)
	}
	p := store.Plan{}
	for _, root := range tree[:9] {
		sub, err := st.SubtreePlan(ctx, root.ID)
		if err != nil {
			b.Fatal(err)
		}
		p.Roots = append(p.Roots, root.ID)
		p.Grids = append(p.Grids, sub.Grids...)
	}
	compounds := 0
	for _, g := range p.Grids {
		if g.Level == 3 {
			compounds++
		}
	}
	b.ReportMetric(float64(compounds), "compound-grids")
	return st, p
}

// BenchmarkPublishSplitDemo publishes a split of compound grid 9 of the
// demo, with buildings and households reassigned, in a fresh database
// each time (set-up untimed).
func BenchmarkPublishSplitDemo(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db := testdb.Demo(b)
		p, err := db.Store.SubtreePlan(ctx, 2)
		if err != nil {
			b.Fatal(err)
		}
		var parts []orb.MultiPolygon
		for i, g := range p.Grids {
			if g.ID != 9 {
				continue
			}
			bd := g.Geometry.Bound()
			x := (bd.Min[0] + bd.Max[0]) / 2
			parts, err = db.Store.SplitPolygon(ctx, g.Geometry, orb.LineString{{x, bd.Min[1] - 0.001}, {x, bd.Max[1] + 0.001}})
			if err != nil || len(parts) != 2 {
				b.Fatal(err, len(parts))
			}
			p.Grids[i].ID, p.Grids[i].Geometry = -1, parts[0]
			extra := p.Grids[i]
			extra.ID, extra.Code, extra.Geometry = -2, "41010200300199", parts[1]
			p.Grids = append(p.Grids, extra)
			break
		}
		base, _ := db.Store.LastPublication(ctx)
		b.StartTimer()
		pub, err := db.Store.PublishPlan(ctx, store.Actor{Name: "bench"}, store.PublishInput{
			Plan: p, Base: base, Acknowledge: []string{"no_leader", "load_rise"}})
		if err != nil || pub.BuildingsMoved == 0 {
			b.Fatal(err, pub)
		}
	}
}
