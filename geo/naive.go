package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Naive answers the same question as Index the straightforward way, to
// check it and to measure it against: an R-tree over the bounds of the
// regions, then a full ray-crossing test of every region whose bounds
// hold the point, taking the smallest ID that holds it. It follows the
// edge rule of Index and is safe for concurrent use; the regions must not
// change after NewNaive.
//
// The ring test is not orb's planar.PolygonContains, though it costs the
// same. orb counts a point on a ring as inside it, but decides "on" by
// comparing two rounded slopes, so a point one unit in the last place off
// an edge can count as on it and land in both neighbours; and because a
// hole's ring counts as inside the hole, a point on it is outside the
// polygon. Neither is the edge rule.
type Naive struct {
	regions []Region
	tree    strTree
}

// NewNaive indexes the bounds of regions, which it keeps.
func NewNaive(regions []Region) *Naive {
	bounds := make([]orb.Bound, len(regions))
	for i, r := range regions {
		bounds[i] = r.Shape.Bound()
	}
	return &Naive{regions: regions, tree: newSTRTree(bounds)}
}

// Locate returns the smallest ID of the regions whose closed shape holds
// p, and false when none does.
func (n *Naive) Locate(p orb.Point) (int64, bool) {
	var id int64
	found := false
	n.tree.search(p, func(i int32) {
		r := &n.regions[i]
		if found && r.ID >= id {
			return
		}
		for _, poly := range r.Shape {
			if closedContains(poly, p) {
				id, found = r.ID, true
				return
			}
		}
	})
	return id, found
}

// closedContains reports whether the closed polygon poly holds p: on one
// of its rings, or inside its exterior and outside its holes. It is exact:
// each orientation is, and nothing else is rounded. Index takes this path
// for every point on or near an edge, so the two agree there by
// construction.
func closedContains(poly orb.Polygon, p orb.Point) bool {
	for k, ring := range poly {
		in, on := ringSide(ring, p)
		switch {
		case on:
			return true
		case k == 0 && !in, k > 0 && in:
			return false
		}
	}
	return len(poly) > 0
}

// ringSide reports whether p is on ring, and if not whether it is inside,
// by counting the edges that a ray from p to the right crosses. An edge
// counts when one end is above p and the other not, so a vertex level
// with p is counted once or not at all. A ring whose last position is not
// its first is closed as orb closes it.
func ringSide(ring orb.Ring, p orb.Point) (in, on bool) {
	if len(ring) == 0 {
		return false, false
	}
	a := ring[len(ring)-1]
	for _, b := range ring {
		lo, hi := min(a[0], b[0]), max(a[0], b[0])
		straddles := (a[1] > p[1]) != (b[1] > p[1])
		switch {
		case p[0] > hi || p[0] < lo && !straddles:
		case p[0] < lo:
			in = !in
		case straddles || p[1] == a[1] || p[1] == b[1]:
			o := orient(a, b, p)
			if o == 0 {
				return false, true
			}
			if straddles && (o > 0) == (b[1] > a[1]) {
				in = !in
			}
		}
		a = b
	}
	return in, false
}

// strTree is a static R-tree packed by Sort-Tile-Recursive: entries sorted
// into vertical slabs by x, each slab by y, runs of strFanout under one
// node, level by level up to the root. nodes holds the levels bottom up,
// the entries first; children of a node are contiguous.
type strTree struct {
	nodes []strNode
}

// strNode is an entry (n == 0, first is its index) or an inner node over
// nodes[first : first+n].
type strNode struct {
	bound    orb.Bound
	first, n int32
}

const strFanout = 16

func newSTRTree(bounds []orb.Bound) strTree {
	level := make([]strNode, len(bounds))
	for i, b := range bounds {
		level[i] = strNode{bound: b, first: int32(i)}
	}
	var t strTree
	for len(level) > 0 {
		sortSTR(level)
		base := int32(len(t.nodes))
		t.nodes = append(t.nodes, level...)
		if len(level) == 1 {
			break
		}
		var up []strNode
		for i := 0; i < len(level); i += strFanout {
			run := level[i:min(i+strFanout, len(level))]
			b := run[0].bound
			for _, c := range run[1:] {
				b = b.Union(c.bound)
			}
			up = append(up, strNode{bound: b, first: base + int32(i), n: int32(len(run))})
		}
		level = up
	}
	return t
}

// sortSTR orders nodes so that consecutive runs of strFanout are tiles.
func sortSTR(nodes []strNode) {
	centre := func(n strNode, axis int) float64 { return (n.bound.Min[axis] + n.bound.Max[axis]) / 2 }
	byAxis := func(axis int) func(a, b strNode) int {
		return func(a, b strNode) int { return cmp.Compare(centre(a, axis), centre(b, axis)) }
	}
	slices.SortFunc(nodes, byAxis(0))
	leaves := (len(nodes) + strFanout - 1) / strFanout
	slab := strFanout * int(math.Ceil(math.Sqrt(float64(leaves))))
	for i := 0; i < len(nodes); i += slab {
		slices.SortFunc(nodes[i:min(i+slab, len(nodes))], byAxis(1))
	}
}

// search calls visit with every entry whose bound holds p.
func (t *strTree) search(p orb.Point, visit func(int32)) {
	if len(t.nodes) == 0 {
		return
	}
	root := int32(len(t.nodes) - 1)
	if !t.nodes[root].bound.Contains(p) {
		return
	}
	stack := make([]int32, 0, 64)
	stack = append(stack, root)
	for len(stack) > 0 {
		nd := &t.nodes[stack[len(stack)-1]]
		stack = stack[:len(stack)-1]
		if nd.n == 0 {
			visit(nd.first)
			continue
		}
		for c := nd.first; c < nd.first+nd.n; c++ {
			if t.nodes[c].bound.Contains(p) {
				stack = append(stack, c)
			}
		}
	}
}
