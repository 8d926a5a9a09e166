package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// locator is what Index and Naive have in common.
type locator interface {
	Locate(p orb.Point) (int64, bool)
}

func region(id int64, polys ...orb.Polygon) Region {
	return Region{ID: id, Shape: orb.MultiPolygon(polys)}
}

// rect returns the counter-clockwise rectangle (x0, y0)-(x1, y1).
func rect(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func TestIndexEdgeRule(t *testing.T) {
	t.Parallel()
	type probe struct {
		p      orb.Point
		id     int64
		inside bool
	}
	tests := []struct {
		name    string
		regions []Region
		probes  []probe
	}{
		// +----+----+
		// | 7  | 3  |   two squares sharing an edge
		// +----+----+
		{name: "shared edge", regions: []Region{region(7, square(0, 0)), region(3, square(1, 0))}, probes: []probe{
			{p: orb.Point{0.5, 0.5}, id: 7, inside: true},
			{p: orb.Point{1.5, 0.5}, id: 3, inside: true},
			{p: orb.Point{1, 0.5}, id: 3, inside: true},  // on the shared edge: smaller ID
			{p: orb.Point{1, 0}, id: 3, inside: true},    // shared vertex on the outer boundary
			{p: orb.Point{0, 0.5}, id: 7, inside: true},  // on the outer edge
			{p: orb.Point{0, 1}, id: 7, inside: true},    // outer vertex
			{p: orb.Point{2, 0.25}, id: 3, inside: true}, // outer edge of the other
			{p: orb.Point{2.5, 0.5}},                     // outside
			{p: orb.Point{1, 1.0000001}},                 // just above the shared vertex
			{p: orb.Point{-1e-300, 0.5}},                 // just left of the outer edge
		}},
		// +----+----+
		// | 9  | 4  |
		// +----+----+   four squares around the vertex (1, 1)
		// | 5  | 2  |
		// +----+----+
		{name: "shared vertex", regions: []Region{
			region(5, square(0, 0)), region(2, square(1, 0)), region(9, square(0, 1)), region(4, square(1, 1)),
		}, probes: []probe{
			{p: orb.Point{1, 1}, id: 2, inside: true},
			{p: orb.Point{0.5, 1}, id: 5, inside: true}, // between 5 and 9
			{p: orb.Point{1, 1.5}, id: 4, inside: true}, // between 9 and 4
			{p: orb.Point{0.5, 1.5}, id: 9, inside: true},
			{p: orb.Point{1.5, 1.5}, id: 4, inside: true},
		}},
		// +--------+
		// | +----+ |
		// | |    | |   a square with a hole
		// | +----+ |
		// +--------+
		{name: "hole", regions: []Region{region(1, orb.Polygon{rect(0, 0, 4, 4), rect(1, 1, 3, 3)})}, probes: []probe{
			{p: orb.Point{2, 2}},                        // in the hole
			{p: orb.Point{0.5, 2}, id: 1, inside: true}, // in the ring
			{p: orb.Point{1, 2}, id: 1, inside: true},   // on the hole's ring
			{p: orb.Point{3, 3}, id: 1, inside: true},   // a vertex of the hole
			{p: orb.Point{4, 4}, id: 1, inside: true},   // a vertex of the exterior
			{p: orb.Point{5, 2}},                        // outside
			{p: orb.Point{2, 0}, id: 1, inside: true},   // on the exterior
			{p: orb.Point{2, 0.5}, id: 1, inside: true}, // between hole and exterior
			{p: orb.Point{2, 2.999}},                    // in the hole, near its ring
			{p: orb.Point{2.5, 0.999}, id: 1, inside: true},
		}},
		// +--------+
		// | +----+ |
		// | | 0  | |   the hole filled by another grid with a smaller ID
		// | +----+ |
		// +--------+
		{name: "filled hole", regions: []Region{
			region(1, orb.Polygon{rect(0, 0, 4, 4), rect(1, 1, 3, 3)}), region(0, orb.Polygon{rect(1, 1, 3, 3)}),
		}, probes: []probe{
			{p: orb.Point{2, 2}, id: 0, inside: true},
			{p: orb.Point{1, 2}, id: 0, inside: true}, // on both boundaries
			{p: orb.Point{0.5, 2}, id: 1, inside: true},
		}},
		// two squares apart, one region: either part holds it
		{name: "multipolygon", regions: []Region{region(8, square(0, 0), square(3, 0)), region(6, square(1, 0))}, probes: []probe{
			{p: orb.Point{3.5, 0.5}, id: 8, inside: true},
			{p: orb.Point{0.5, 0.5}, id: 8, inside: true},
			{p: orb.Point{1, 0.5}, id: 6, inside: true},
			{p: orb.Point{2, 0.5}, id: 6, inside: true},
			{p: orb.Point{2.5, 0.5}},
		}},
		// overlapping squares, which valid grids never are: smallest ID
		{name: "overlap", regions: []Region{region(5, orb.Polygon{rect(0, 0, 2, 2)}), region(4, orb.Polygon{rect(1, 1, 3, 3)})}, probes: []probe{
			{p: orb.Point{1.5, 1.5}, id: 4, inside: true},
			{p: orb.Point{0.5, 0.5}, id: 5, inside: true},
			{p: orb.Point{2.5, 2.5}, id: 4, inside: true},
		}},
		// a triangle whose slanted edge no lookup can meet exactly in
		// floating point, and points on and beside it
		{name: "slanted edge", regions: []Region{
			region(2, orb.Polygon{{{0, 0}, {3, 0}, {0, 1}, {0, 0}}}),
			region(1, orb.Polygon{{{3, 0}, {3, 1}, {0, 1}, {3, 0}}}),
		}, probes: []probe{
			{p: orb.Point{1.5, 0.5}, id: 1, inside: true},
			{p: orb.Point{0.5, 0.25}, id: 2, inside: true},
			{p: orb.Point{math.Nextafter(1.5, 0), 0.5}, id: 2, inside: true},
			{p: orb.Point{math.Nextafter(1.5, 3), 0.5}, id: 1, inside: true},
			{p: orb.Point{1.5, math.Nextafter(0.5, 1)}, id: 1, inside: true},
			{p: orb.Point{1.5, math.Nextafter(0.5, 0)}, id: 2, inside: true}, // orb would say on the edge
		}},
		// IDs more than 32 bits apart, and negative
		{name: "wide IDs", regions: []Region{region(1<<40, square(0, 0)), region(-3, square(1, 0)), region(1<<41, square(2, 0))}, probes: []probe{
			{p: orb.Point{0.5, 0.5}, id: 1 << 40, inside: true},
			{p: orb.Point{1, 0.5}, id: -3, inside: true},
			{p: orb.Point{2, 0.5}, id: -3, inside: true},
			{p: orb.Point{2.5, 0.5}, id: 1 << 41, inside: true},
			{p: orb.Point{3.5, 0.5}},
		}},
		{name: "nothing", probes: []probe{{p: orb.Point{0, 0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, err := NewIndex(tt.regions)
			if err != nil {
				t.Fatal(err)
			}
			for name, loc := range map[string]locator{"index": ix, "naive": NewNaive(tt.regions)} {
				for _, pr := range tt.probes {
					id, ok := loc.Locate(pr.p)
					if ok != pr.inside || ok && id != pr.id {
						t.Errorf("%s: Locate(%v) = %d, %t; want %d, %t", name, pr.p, id, ok, pr.id, pr.inside)
					}
				}
			}
		})
	}
}

func TestNewIndexRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		shape orb.MultiPolygon
	}{
		{"no rings", orb.MultiPolygon{{}}},
		{"short ring", orb.MultiPolygon{{{{0, 0}, {1, 1}}}}},
		{"one point", orb.MultiPolygon{{{{1, 1}, {1, 1}, {1, 1}, {1, 1}}}}},
		{"not a number", orb.MultiPolygon{{{{0, 0}, {1, 0}, {math.NaN(), 1}, {0, 0}}}}},
		{"infinite", orb.MultiPolygon{{rect(0, 0, 1, 1), {{0, 0}, {math.Inf(1), 0}, {0, 1}, {0, 0}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewIndex([]Region{{ID: 1, Shape: tt.shape}}); err == nil {
				t.Error("NewIndex accepted it")
			}
		})
	}
}

// TestIndexMatchesNaive asks Index and Naive about random points, points
// on and within a rounding error of shared edges, shared vertices, and
// the vertices of the outer boundary, and wants the same answer for each.
func TestIndexMatchesNaive(t *testing.T) {
	t.Parallel()
	demo := demoTiling()
	if len(demo.regions) != 23 {
		t.Fatalf("demo has %d grids, want 23", len(demo.regions))
	}
	t.Run("demo", func(t *testing.T) {
		matchNaive(t, demo, append(demo.randomPoints(200_000, 1), demo.boundaryPoints(1)...))
	})
	t.Run("city 5000", func(t *testing.T) {
		city := newTiling(50, 100, 150, 5000, nil)
		pts := append(city.randomPoints(300_000, 2), city.boundaryPoints(7)...)
		matchNaive(t, city, append(pts, city.outerPoints()...))
	})
	t.Run("city 50000", func(t *testing.T) {
		if testing.Short() {
			t.Skip("the full city takes a few seconds")
		}
		city := fullCity()
		pts := append(city.randomPoints(300_000, 3), city.boundaryPoints(97)...)
		matchNaive(t, city.tiling, append(pts, city.outerPoints()...))
	})
}

func matchNaive(t *testing.T, tl tiling, pts []orb.Point) {
	t.Helper()
	ix, err := NewIndex(tl.regions)
	if err != nil {
		t.Fatal(err)
	}
	naive := NewNaive(tl.regions)
	found, bad := 0, 0
	for _, p := range pts {
		id, ok := ix.Locate(p)
		nid, nok := naive.Locate(p)
		if ok != nok || id != nid {
			if bad++; bad <= 10 {
				t.Errorf("Locate(%v): index %d, %t; naive %d, %t", p, id, ok, nid, nok)
			}
		}
		if ok {
			found++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d points differ", bad, len(pts))
	}
	if found < len(pts)/2 {
		t.Errorf("only %d of %d points found: the test points miss the grids", found, len(pts))
	}
}

// TestNaiveMatchesOrb checks the R-tree and the ring test against orb's
// planar.PolygonContains over every grid, on random points and on
// vertices, where orb is exact.
func TestNaiveMatchesOrb(t *testing.T) {
	t.Parallel()
	tl := newTiling(20, 30, 150, 600, nil)
	naive := NewNaive(tl.regions)
	bounds := make([]orb.Bound, len(tl.regions))
	for i, r := range tl.regions {
		bounds[i] = r.Shape.Bound()
	}
	for _, p := range append(tl.randomPoints(20_000, 4), tl.outerPoints()...) {
		var want int64
		found := false
		for i, r := range tl.regions {
			if (!found || r.ID < want) && bounds[i].Contains(p) && planar.PolygonContains(r.Shape[0], p) {
				want, found = r.ID, true
			}
		}
		if id, ok := naive.Locate(p); ok != found || id != want {
			t.Fatalf("Locate(%v) = %d, %t; orb says %d, %t", p, id, ok, want, found)
		}
	}
}
