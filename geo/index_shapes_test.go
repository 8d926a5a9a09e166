package geo

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// TestIndexMatchesNaiveOnShapes asks both about random small worlds of
// overlapping rectangles with and without holes, triangles and stars, on
// a coarse grid so that vertices, edges, cell sides and anchors often
// coincide, at the scale of the unit square, of a city block in degrees,
// of a few millimetres, and of projected metres far from the origin.
func TestIndexMatchesNaiveOnShapes(t *testing.T) {
	t.Parallel()
	scales := []struct {
		name       string
		unit, x, y float64
	}{
		{"unit", 1, 0, 0},
		{"block", 1e-4, 113.63, 34.755},
		{"millimetres", 1e-9, 113.63, 34.755},
		{"metres", 1e3, -5e6, 3e6},
	}
	for _, sc := range scales {
		t.Run(sc.name, func(t *testing.T) {
			for seed := range uint64(200) {
				r := rand.New(rand.NewPCG(seed, 9))
				step := 1 / float64(1+r.IntN(4))
				at := func(x, y float64) orb.Point { return orb.Point{sc.x + x*sc.unit, sc.y + y*sc.unit} }
				grid := func() float64 { return float64(r.IntN(int(10/step))) * step }
				regions := randomShapes(r, grid, at)
				var pts []orb.Point
				for range 2000 {
					pts = append(pts, at(r.Float64()*14-1, r.Float64()*14-1), at(grid(), grid()), at(grid()+step/2, grid()))
				}
				for _, reg := range regions {
					for _, ring := range reg.Shape[0] {
						for i := 0; i+1 < len(ring); i++ {
							a, b := ring[i], ring[i+1]
							pts = append(pts, a, orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2})
						}
					}
				}
				ix, err := NewIndex(regions)
				if err != nil {
					t.Fatal(err)
				}
				naive := NewNaive(regions)
				for _, p := range pts {
					id, ok := ix.Locate(p)
					if nid, nok := naive.Locate(p); id != nid || ok != nok {
						t.Fatalf("seed %d: Locate(%v): index %d, %t; naive %d, %t", seed, p, id, ok, nid, nok)
					}
				}
			}
		})
	}
}

// randomShapes returns up to a dozen regions with IDs that repeat.
func randomShapes(r *rand.Rand, grid func() float64, at func(x, y float64) orb.Point) []Region {
	var regions []Region
	for range 1 + r.IntN(12) {
		var poly orb.Polygon
		switch r.IntN(3) {
		case 0: // a rectangle, half of them with a hole
			x0, y0 := grid(), grid()
			x1, y1 := x0+1+grid()/2, y0+1+grid()/2
			poly = orb.Polygon{{at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)}}
			if r.IntN(2) == 0 {
				mx, my := (x0+x1)/2, (y0+y1)/2
				poly = append(poly, orb.Ring{at(mx-0.25, my-0.25), at(mx-0.25, my+0.25),
					at(mx+0.25, my+0.25), at(mx+0.25, my-0.25), at(mx-0.25, my-0.25)})
			}
		case 1: // a triangle, which may be flat
			a, b, c := at(grid(), grid()), at(grid(), grid()), at(grid(), grid())
			if a == b || b == c || a == c {
				continue
			}
			poly = orb.Polygon{{a, b, c, a}}
		default: // a star
			x, y := grid(), grid()
			n := 3 + r.IntN(8)
			var ring orb.Ring
			for k := range n {
				angle, radius := float64(k)/float64(n)*2*math.Pi, 0.5+2*r.Float64()
				ring = append(ring, at(x+radius*math.Cos(angle), y+radius*math.Sin(angle)))
			}
			poly = orb.Polygon{append(ring, ring[0])}
		}
		regions = append(regions, Region{ID: int64(r.IntN(20)), Shape: orb.MultiPolygon{poly}})
	}
	return regions
}

// TestIndexCrowdedCell puts more small grids in a cell than a block has
// bits for, so that the cell takes the exact path.
func TestIndexCrowdedCell(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	regions := []Region{region(1000, orb.Polygon{rect(0, 0, 100, 100)})}
	for i := range 60 {
		x, y := 2*r.Float64(), 2*r.Float64()
		regions = append(regions, region(int64(i), orb.Polygon{{{x, y}, {x + 0.3, y}, {x, y + 0.3}, {x, y}}}))
	}
	ix, err := NewIndex(regions)
	if err != nil {
		t.Fatal(err)
	}
	exact := 0
	for k := 0; k < len(ix.cells); k += cellWords {
		blk := ix.cells[k : k+cellWords]
		if blk[0]>>kindShift == cellSpilled {
			blk = ix.spill[blk[1]:]
		}
		if blk[0]>>kindShift == cellBlock && blk[0]&blockExact != 0 {
			exact++
		}
	}
	if exact == 0 {
		t.Fatal("no cell takes the exact path; the test tests nothing")
	}
	naive := NewNaive(regions)
	for k := range 100_000 {
		p := orb.Point{3 * r.Float64(), 3 * r.Float64()}
		if k%2 == 0 {
			p = orb.Point{101 * r.Float64(), 101 * r.Float64()}
		}
		id, ok := ix.Locate(p)
		if nid, nok := naive.Locate(p); id != nid || ok != nok {
			t.Fatalf("Locate(%v): index %d, %t; naive %d, %t", p, id, ok, nid, nok)
		}
	}
}

// TestNewIndexSameOnAnyProcessors checks that the rows built in parallel
// come out as they do one by one.
func TestNewIndexSameOnAnyProcessors(t *testing.T) {
	t.Parallel()
	tl := newTiling(30, 40, 150, 1200, nil)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one, err := NewIndex(tl.regions)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(4)
	four, err := NewIndex(tl.regions)
	if err != nil {
		t.Fatal(err)
	}
	if len(one.spill) == 0 {
		t.Fatal("nothing spilled; the test tests less than it should")
	}
	if !slices.Equal(one.cells, four.cells) || !slices.Equal(one.spill, four.spill) {
		t.Error("the index built on four processors differs from the one built on one")
	}
}
