package geo

import (
	"errors"
	"fmt"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// ErrPinched is returned by Dissolve when tiles meet at a single vertex
// only, so the outline passes through that vertex twice.
var ErrPinched = errors.New("geo: tiles touch at a single vertex")

type segment struct{ a, b orb.Point }

// Dissolve returns the union of polygons that tile a region edge to edge:
// neighbours share every vertex along a common edge, with bit-identical
// coordinates, as tiles cut from one planar subdivision do. Each exterior
// ring must be counter-clockwise and closed. An edge walked in both
// directions is interior and removed; what remains is chained into rings,
// counter-clockwise ones become exteriors and clockwise ones holes.
//
// Dissolve does not node overlapping or T-junctioned input; give such
// shapes to PostGIS ST_Union instead.
func Dissolve(tiles []orb.Polygon) (orb.MultiPolygon, error) {
	count := map[segment]int{}
	var order []segment
	for _, tile := range tiles {
		for _, ring := range tile {
			for i := 1; i < len(ring); i++ {
				s := segment{ring[i-1], ring[i]}
				if s.a == s.b {
					continue
				}
				if count[s] == 0 {
					order = append(order, s)
				}
				count[s]++
			}
		}
	}
	next := map[orb.Point]orb.Point{}
	var starts []orb.Point
	for _, s := range order {
		if count[segment{s.b, s.a}] > 0 {
			continue // interior edge: walked once by each neighbour
		}
		if count[s] > 1 {
			return nil, fmt.Errorf("geo: dissolve: edge %v-%v is in two tiles the same way round (overlap)", s.a, s.b)
		}
		if _, dup := next[s.a]; dup {
			return nil, fmt.Errorf("%w at %v", ErrPinched, s.a)
		}
		next[s.a] = s.b
		starts = append(starts, s.a)
	}
	var outers []orb.Polygon
	var holes []orb.Ring
	for _, start := range starts {
		if _, ok := next[start]; !ok {
			continue // already chained
		}
		ring := orb.Ring{start}
		for p := start; ; {
			q, ok := next[p]
			if !ok {
				return nil, fmt.Errorf("geo: dissolve: outline is open at %v", p)
			}
			delete(next, p)
			ring = append(ring, q)
			if q == start {
				break
			}
			p = q
		}
		ring = dropCollinear(ring)
		if ring.Orientation() == orb.CCW {
			outers = append(outers, orb.Polygon{ring})
		} else {
			holes = append(holes, ring)
		}
	}
	for _, h := range holes {
		placed := false
		for i := range outers {
			if planar.RingContains(outers[i][0], h[0]) {
				outers[i] = append(outers[i], h)
				placed = true
				break
			}
		}
		if !placed {
			return nil, fmt.Errorf("geo: dissolve: hole at %v lies in no exterior", h[0])
		}
	}
	sort.SliceStable(outers, func(i, j int) bool { return planar.Area(outers[i]) > planar.Area(outers[j]) })
	return orb.MultiPolygon(outers), nil
}

// dropCollinear removes vertices that lie exactly on the straight line
// between their neighbours; they are left behind where a removed interior
// edge met the outline.
func dropCollinear(r orb.Ring) orb.Ring {
	if len(r) < 5 {
		return r
	}
	pts := []orb.Point(r[:len(r)-1])
	out := make(orb.Ring, 0, len(r))
	n := len(pts)
	for i := range pts {
		a, b, c := pts[(i+n-1)%n], pts[i], pts[(i+1)%n]
		if (b[0]-a[0])*(c[1]-a[1])-(b[1]-a[1])*(c[0]-a[0]) == 0 {
			continue
		}
		out = append(out, b)
	}
	return append(out, out[0])
}
