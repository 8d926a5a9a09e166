package seed

import (
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/geo"
)

// lattice is a jittered grid of rows x cols quadrilateral cells in local
// metres. Neighbouring cells share the exact same vertices along their
// common edge, so the cells tile the region with no gap and no overlap,
// and any group of them dissolves into its union with geo.Dissolve.
type lattice struct {
	rows, cols int
	cell       float64     // nominal cell size in metres
	bends      int         // extra vertices on each cell edge
	vertex     []orb.Point // (rows+1) x (cols+1) corners
	edges      map[[2]int][]orb.Point
	proj       geo.Local
	seed       uint64
}

func newLattice(rows, cols int, cell float64, bends int, centre orb.Point, seed uint64) *lattice {
	l := &lattice{rows: rows, cols: cols, cell: cell, bends: bends,
		edges: map[[2]int][]orb.Point{}, proj: geo.NewLocal(centre), seed: seed}
	r := rand.New(rand.NewPCG(seed, 1))
	w, h := float64(cols)*cell, float64(rows)*cell
	jitter := cell * 0.18
	for i := 0; i <= rows; i++ {
		for j := 0; j <= cols; j++ {
			p := orb.Point{float64(j)*cell - w/2, h/2 - float64(i)*cell}
			p[0] += (r.Float64()*2 - 1) * jitter
			p[1] += (r.Float64()*2 - 1) * jitter
			l.vertex = append(l.vertex, p)
		}
	}
	return l
}

func (l *lattice) vid(i, j int) int { return i*(l.cols+1) + j }

// edge returns the lon/lat polyline from vertex a to vertex b, its bends
// derived from the edge alone so both neighbours get identical points.
func (l *lattice) edge(a, b int) []orb.Point {
	key := [2]int{min(a, b), max(a, b)}
	pts, ok := l.edges[key]
	if !ok {
		r := rand.New(rand.NewPCG(l.seed, uint64(key[0])<<32|uint64(key[1])))
		p, q := l.vertex[key[0]], l.vertex[key[1]]
		dx, dy := q[0]-p[0], q[1]-p[1]
		n := math.Hypot(dx, dy)
		nx, ny := -dy/n, dx/n
		pts = append(pts, l.lonLat(p))
		for k := 1; k <= l.bends; k++ {
			t := float64(k) / float64(l.bends+1)
			off := (r.Float64()*2 - 1) * l.cell * 0.05
			pts = append(pts, l.lonLat(orb.Point{p[0] + t*dx + off*nx, p[1] + t*dy + off*ny}))
		}
		pts = append(pts, l.lonLat(q))
		l.edges[key] = pts
	}
	if a == key[0] {
		return pts
	}
	rev := make([]orb.Point, len(pts))
	for i, p := range pts {
		rev[len(pts)-1-i] = p
	}
	return rev
}

func (l *lattice) lonLat(p orb.Point) orb.Point { return geo.Round(l.proj.ToLonLat(p), 7) }

// cellPolygon returns cell (i, j) as a closed counter-clockwise lon/lat
// polygon: down the west side, along the south, up the east, back west.
func (l *lattice) cellPolygon(i, j int) orb.Polygon {
	corners := []int{l.vid(i, j), l.vid(i+1, j), l.vid(i+1, j+1), l.vid(i, j+1), l.vid(i, j)}
	var ring orb.Ring
	for k := 1; k < len(corners); k++ {
		e := l.edge(corners[k-1], corners[k])
		if k > 1 {
			e = e[1:]
		}
		ring = append(ring, e...)
	}
	return orb.Polygon{ring}
}

// cellMetres returns cell (i, j) in local metres, for placing buildings.
func (l *lattice) cellMetres(i, j int) orb.Polygon {
	ll := l.cellPolygon(i, j)
	ring := make(orb.Ring, len(ll[0]))
	for k, p := range ll[0] {
		ring[k] = l.proj.ToMetres(p)
	}
	return orb.Polygon{ring}
}
