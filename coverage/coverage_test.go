package coverage

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/gridmap/gridmap/seed"
)

// demoHierarchy is the demo's grids: parent of each, and the compound
// grids (leaves).
func demoHierarchy(tb testing.TB) (map[int64]int64, []int64) {
	ds, err := seed.Demo(1)
	if err != nil {
		tb.Fatal(err)
	}
	parent := map[int64]int64{}
	var leaves []int64
	for _, g := range ds.Grids {
		parent[g.ID] = g.ParentID
		if g.Level == 3 {
			leaves = append(leaves, g.ID)
		}
	}
	return parent, leaves
}

// TestApplyEqualsReconcile: applying random deltas to leaves gives every
// grid the same figures as a full recount of the leaves' final tallies.
func TestApplyEqualsReconcile(t *testing.T) {
	t.Parallel()
	parent, leaves := demoHierarchy(t)
	up := func(g int64) int64 { return parent[g] }
	live, full := New(up), New(up)
	base := map[int64]Tally{}
	for _, l := range leaves {
		base[l] = Tally{Households: 400, Buildings: 20, WithContact: 300, WithHead: 15}
	}
	live.Reconcile("2026-11-28", base, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	final := map[int64]Tally{}
	for k, v := range base {
		final[k] = v
	}
	for range 5000 {
		l := leaves[rng.IntN(len(leaves))]
		d := Tally{ScreenedToday: int64(rng.IntN(2)*2 - 1), WithContact: int64(rng.IntN(3) - 1), OpenRequests: int64(rng.IntN(3) - 1)}
		figs := live.Apply(l, d)
		if len(figs) != 3 || figs[0].Grid != l || figs[2].Grid != parent[parent[l]] {
			t.Fatalf("Apply on a compound grid changed %v, want it, its community and the subdistrict", figs)
		}
		f := final[l]
		f.Add(d)
		final[l] = f
	}
	full.Reconcile("2026-11-28", final, nil)
	for g := range parent {
		if a, b := live.Get(g), full.Get(g); a.Tally != b.Tally {
			t.Errorf("grid %d: incremental %+v, recount %+v", g, a.Tally, b.Tally)
		}
	}
	if changed := live.Reconcile("2026-11-28", final, nil); len(changed) != 0 {
		t.Errorf("recounting unchanged figures reported %d changes", len(changed))
	}
}

func TestFigures(t *testing.T) {
	t.Parallel()
	f := FiguresOf(9, Tally{Households: 3, WithContact: 2, Buildings: 0, ScreenedToday: 3})
	if f.ContactPct == nil || *f.ContactPct != 66.7 || f.HeadPct != nil || *f.ScreenedPct != 100 {
		t.Errorf("percentages: %+v", f)
	}
	var back map[string]any
	if err := json.Unmarshal(f.JSON(), &back); err != nil || back["grid"] != 9.0 || back["head_pct"] != nil || back["households"] != 3.0 {
		t.Errorf("JSON: %s %v", f.JSON(), err)
	}
}

// BenchmarkCoverageUpdate is the server's CPU for one write's incremental
// coverage update on the demo: apply the delta to the compound grid and
// its ancestors and encode the coverage events of every grid it changed.
func BenchmarkCoverageUpdate(b *testing.B) {
	parent, leaves := demoHierarchy(b)
	r := New(func(g int64) int64 { return parent[g] })
	base := map[int64]Tally{}
	for _, l := range leaves {
		base[l] = Tally{Households: 500, Buildings: 20}
	}
	r.Reconcile("2026-11-28", base, nil)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		figs := r.Apply(leaves[i%len(leaves)], Tally{ScreenedToday: 1})
		for _, f := range figs {
			_ = f.JSON()
		}
		i++
	}
}
