package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// tiling is a generated set of level-3 grids that tile a region exactly,
// as the seed package's lattice does: a jittered lattice of rows x cols
// cells around Zhengzhou, each shared lattice edge a polyline with random
// bends computed once and used by both neighbours, so neighbours share
// bit-identical vertices. Every edge has 12 to 36 bends, so a cell has 52
// to 148 vertices. IDs are a random permutation, so that the smallest-ID
// rule is not simply the lattice order.
type tiling struct {
	regions []Region
	bound   orb.Bound
	rows    int
	cols    int
}

// newTiling generates rows x cols cells of cell metres, leaving out the
// cells for which drop returns true.
func newTiling(rows, cols int, cell float64, seed uint64, drop func(i, j int) bool) tiling {
	proj := NewLocal(orb.Point{113.63, 34.755})
	r := rand.New(rand.NewPCG(seed, 0))
	vid := func(i, j int) int { return i*(cols+1) + j }
	corners := make([]orb.Point, (rows+1)*(cols+1))
	w, h := float64(cols)*cell, float64(rows)*cell
	for i := 0; i <= rows; i++ {
		for j := 0; j <= cols; j++ {
			corners[vid(i, j)] = orb.Point{
				float64(j)*cell - w/2 + (r.Float64()*2-1)*cell*0.18,
				h/2 - float64(i)*cell + (r.Float64()*2-1)*cell*0.18,
			}
		}
	}
	// edge returns the lon/lat polyline from corner a to corner b, a < b.
	// Bends taper to nothing at the corners, so that the two edges
	// meeting there cannot cross.
	edge := func(a, b int) []orb.Point {
		er := rand.New(rand.NewPCG(seed, uint64(a)<<32|uint64(b)))
		p, q := corners[a], corners[b]
		dx, dy := q[0]-p[0], q[1]-p[1]
		n := math.Hypot(dx, dy)
		nx, ny := -dy/n, dx/n
		bends := 12 + er.IntN(25)
		pts := []orb.Point{Round(proj.ToLonLat(p), 7)}
		for k := 1; k <= bends; k++ {
			t := float64(k) / float64(bends+1)
			off := (er.Float64()*2 - 1) * cell * 0.05 * math.Sin(math.Pi*t)
			pts = append(pts, Round(proj.ToLonLat(orb.Point{p[0] + t*dx + off*nx, p[1] + t*dy + off*ny}), 7))
		}
		return append(pts, Round(proj.ToLonLat(q), 7))
	}
	horiz := make([][]orb.Point, (rows+1)*cols) // (i, j) to (i, j+1)
	for i := 0; i <= rows; i++ {
		for j := 0; j < cols; j++ {
			horiz[i*cols+j] = edge(vid(i, j), vid(i, j+1))
		}
	}
	vert := make([][]orb.Point, rows*(cols+1)) // (i, j) to (i+1, j)
	for i := 0; i < rows; i++ {
		for j := 0; j <= cols; j++ {
			vert[i*(cols+1)+j] = edge(vid(i, j), vid(i+1, j))
		}
	}
	ids := r.Perm(rows * cols)
	t := tiling{rows: rows, cols: cols}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if drop != nil && drop(i, j) {
				continue
			}
			// Counter-clockwise: down the west side, along the south,
			// up the east, back along the north.
			var ring orb.Ring
			ring = append(ring, vert[i*(cols+1)+j]...)
			ring = append(ring, horiz[(i+1)*cols+j][1:]...)
			ring = append(ring, reversed(vert[i*(cols+1)+j+1])[1:]...)
			ring = append(ring, reversed(horiz[i*cols+j])[1:]...)
			poly := orb.Polygon{ring}
			t.regions = append(t.regions, Region{ID: int64(ids[i*cols+j]) + 1, Shape: orb.MultiPolygon{poly}})
			if len(t.regions) == 1 {
				t.bound = poly.Bound()
			}
			t.bound = t.bound.Union(poly.Bound())
		}
	}
	return t
}

func reversed(pts []orb.Point) []orb.Point {
	out := make([]orb.Point, len(pts))
	for i, p := range pts {
		out[len(pts)-1-i] = p
	}
	return out
}

// demoTiling stands in for the demo subdistrict: 23 grids, a 6 x 4
// lattice with one inner cell left out, so the union has a hole.
func demoTiling() tiling {
	return newTiling(4, 6, 150, 23, func(i, j int) bool { return i == 1 && j == 2 })
}

// randomPoints returns n points spread uniformly over the tiling's bounds
// widened by a twentieth on each side, so some fall outside every grid.
func (t tiling) randomPoints(n int, seed uint64) []orb.Point {
	r := rand.New(rand.NewPCG(seed, 1))
	dx, dy := t.bound.Max[0]-t.bound.Min[0], t.bound.Max[1]-t.bound.Min[1]
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{
			t.bound.Min[0] - dx/20 + r.Float64()*dx*1.1,
			t.bound.Min[1] - dy/20 + r.Float64()*dy*1.1,
		}
	}
	return pts
}

// boundaryPoints returns points on the boundaries of every step-th
// region: each vertex (shared by two to four grids, or on the outer
// boundary), and the midpoint of each segment, which lands on the segment
// or within a rounding error of it.
func (t tiling) boundaryPoints(step int) []orb.Point {
	var pts []orb.Point
	for k := 0; k < len(t.regions); k += step {
		for _, poly := range t.regions[k].Shape {
			for _, ring := range poly {
				for i := 0; i+1 < len(ring); i++ {
					a, b := ring[i], ring[i+1]
					pts = append(pts, a, orb.Point{a[0] + (b[0]-a[0])/2, a[1] + (b[1]-a[1])/2})
				}
			}
		}
	}
	return pts
}

// outerPoints returns the vertices of the grids on the lattice's outer
// rows and columns, among them every vertex of the outer boundary.
func (t tiling) outerPoints() []orb.Point {
	var pts []orb.Point
	for k, r := range t.regions {
		if i, j := k/t.cols, k%t.cols; len(t.regions) == t.rows*t.cols &&
			i != 0 && i != t.rows-1 && j != 0 && j != t.cols-1 {
			continue
		}
		pts = append(pts, r.Shape[0][0]...)
	}
	return pts
}

// TestTiling checks the generator: every grid has 50 to 150 vertices, and
// the grids tile their region exactly, so they dissolve into its outline
// (with a hole where the demo leaves a cell out).
func TestTiling(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		t     tiling
		grids int
		holes int
	}{
		{"demo", demoTiling(), 23, 1},
		{"town", newTiling(12, 15, 150, 180, nil), 180, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.t.regions) != tt.grids {
				t.Fatalf("%d grids, want %d", len(tt.t.regions), tt.grids)
			}
			var tiles []orb.Polygon
			for _, r := range tt.t.regions {
				if n := len(r.Shape[0][0]) - 1; n < 50 || n > 150 {
					t.Errorf("grid %d has %d vertices", r.ID, n)
				}
				tiles = append(tiles, r.Shape[0])
			}
			mp, err := Dissolve(tiles)
			if err != nil {
				t.Fatal(err)
			}
			if len(mp) != 1 || len(mp[0])-1 != tt.holes {
				t.Errorf("dissolved into %d polygons, the first with %d holes; want 1 with %d", len(mp), len(mp[0])-1, tt.holes)
			}
		})
	}
}
