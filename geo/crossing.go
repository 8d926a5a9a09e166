package geo

import (
	"cmp"
	"slices"

	"github.com/paulmach/orb"
)

// sweepEdge is edge i of a ring, from pts[i] to pts[i+1], with its
// endpoints in sweep order.
type sweepEdge struct {
	left, right orb.Point
	ring, i     int
}

// vertex is position i of a ring, an event of the sweep.
type vertex struct {
	p       orb.Point
	ring, i int
}

// checkEdges returns an *InputError for the first pair of edges found to
// meet where they may not: any two edges that share a point, except
// consecutive edges of one ring at their common vertex, which may still not
// fold back along each other.
//
// Folds are checked pair by pair and repeated vertices by sorting, which
// leaves every vertex with exactly its two ring neighbours. What remains is
// the Shamos-Hoey sweep: a vertical line moves across the vertices in
// (x, y) order, keeping the edges it cuts sorted from bottom to top, and
// each pair of edges is tested when it first becomes adjacent there. The
// leftmost point where two edges meet is always found by the time the line
// reaches it, so the check takes O(n log n) comparisons even for input
// built to defeat bounding-box pruning.
func checkEdges(rings []*inRing) error {
	for _, r := range rings {
		if err := checkFolds(r); err != nil {
			return err
		}
	}
	s := sweep{rings: rings, base: make([]int, len(rings))}
	verts := make([]vertex, 0, countEdges(rings))
	for ri, r := range rings {
		s.base[ri] = len(s.edges)
		for i := 0; i+1 < len(r.pts); i++ {
			a, b := r.pts[i], r.pts[i+1]
			if cmpPoint(b, a) < 0 {
				a, b = b, a
			}
			s.edges = append(s.edges, sweepEdge{left: a, right: b, ring: ri, i: i})
			verts = append(verts, vertex{p: r.pts[i], ring: ri, i: i})
		}
	}
	slices.SortFunc(verts, func(u, w vertex) int {
		return cmp.Or(cmpPoint(u.p, w.p), cmp.Compare(u.ring, w.ring), cmp.Compare(u.i, w.i))
	})
	for k := 1; k < len(verts); k++ {
		if u, w := verts[k-1], verts[k]; u.p == w.p {
			r, g := rings[u.ring], rings[w.ring]
			return &InputError{Path: g.posPath(w.i), Msg: contact(r, g) + ": this position is the same point as " + r.posPath(u.i)}
		}
	}
	for _, v := range verts {
		n := len(rings[v.ring].pts) - 1
		in, out := int32(s.base[v.ring]+(v.i+n-1)%n), int32(s.base[v.ring]+v.i)
		for _, e := range [2]int32{in, out} {
			if s.edges[e].right == v.p {
				if err := s.remove(e); err != nil {
					return err
				}
			}
		}
		for _, e := range [2]int32{in, out} {
			if s.edges[e].left == v.p {
				if err := s.insert(e); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// sweep is the state of checkEdges: every edge, and the ones the sweep
// line cuts, by index, from bottom to top.
type sweep struct {
	rings  []*inRing
	edges  []sweepEdge
	base   []int   // index of each ring's first edge
	status []int32 // int32 halves the memory moved on insert and delete
}

func (s *sweep) insert(e int32) error {
	k, _ := slices.BinarySearchFunc(s.status, e, s.compare)
	s.status = slices.Insert(s.status, k, e)
	if k > 0 {
		if err := s.test(s.status[k-1], e); err != nil {
			return err
		}
	}
	if k+1 < len(s.status) {
		return s.test(e, s.status[k+1])
	}
	return nil
}

func (s *sweep) remove(e int32) error {
	k, found := slices.BinarySearchFunc(s.status, e, s.compare)
	if !found {
		// Unreachable while no two edges cross left of the line, which
		// the sweep guarantees; kept so a broken invariant cannot panic.
		if k = slices.Index(s.status, e); k < 0 {
			return nil
		}
	}
	s.status = slices.Delete(s.status, k, k+1)
	if k > 0 && k < len(s.status) {
		return s.test(s.status[k-1], s.status[k])
	}
	return nil
}

// compare orders two edges cut by the sweep line from bottom to top. Edges
// that do not cross keep one order over the span they share, so it is
// read where the later of the two starts; a tie there, where the edges
// touch, goes by where the later one heads, and then by index.
func (s *sweep) compare(x, y int32) int {
	if x == y {
		return 0
	}
	sign := 1
	if cmpPoint(s.edges[x].left, s.edges[y].left) < 0 {
		x, y, sign = y, x, -1
	}
	ex, ey := &s.edges[x], &s.edges[y]
	o := orient(ey.left, ey.right, ex.left)
	if o == 0 {
		o = orient(ey.left, ey.right, ex.right)
	}
	switch {
	case o > 0:
		return sign
	case o < 0:
		return -sign
	}
	return sign * cmp.Compare(x, y)
}

// test checks two edges that have become neighbours on the sweep line.
func (s *sweep) test(x, y int32) error {
	ex, ey := &s.edges[x], &s.edges[y]
	if ex.ring > ey.ring || ex.ring == ey.ring && ex.i > ey.i {
		ex, ey = ey, ex
	}
	r, g := s.rings[ex.ring], s.rings[ey.ring]
	if r == g {
		n := len(r.pts) - 1
		if ey.i == ex.i+1 || ex.i == 0 && ey.i == n-1 {
			return nil // consecutive: checkFolds has seen them
		}
	}
	if !segmentsMeet(ex.left, ex.right, ey.left, ey.right) {
		return nil
	}
	// Report at the later ring (a hole rather than its exterior, the
	// second polygon rather than the first) and point to the other edge.
	return &InputError{Path: g.posPath(ey.i), Msg: contact(r, g) + ": the edge from here meets the edge from " + r.posPath(ex.i)}
}

func countEdges(rings []*inRing) int {
	n := 0
	for _, r := range rings {
		n += len(r.pts) - 1
	}
	return n
}

// contact names what meets when ring g, later in the input, touches ring r.
func contact(r, g *inRing) string {
	switch {
	case r == g:
		return "ring crosses or touches itself"
	case r.poly != g.poly:
		return "polygons cross or touch"
	case !r.hole:
		return "hole crosses or touches the exterior ring"
	}
	return "holes cross or touch"
}

// cmpPoint orders points by x, then y: the order of the sweep. The
// coordinates are finite, so plain comparisons do.
func cmpPoint(p, q orb.Point) int {
	switch {
	case p[0] < q[0]:
		return -1
	case p[0] > q[0]:
		return 1
	case p[1] < q[1]:
		return -1
	case p[1] > q[1]:
		return 1
	}
	return 0
}

// checkFolds rejects consecutive edges of ring r that run back along each
// other from the vertex they share.
func checkFolds(r *inRing) error {
	n := len(r.pts) - 1
	for v := range n {
		p, q := r.pts[(v+n-1)%n], r.pts[v+1]
		if err := checkFold(r, p, v, q); err != nil {
			return err
		}
	}
	return nil
}

// checkFold rejects the edges p-v and v-q, v being position v of ring r,
// when they run back along each other.
func checkFold(r *inRing, p orb.Point, v int, q orb.Point) error {
	w := r.pts[v]
	if orient(p, w, q) == 0 && (sameSide(p[0], q[0], w[0]) || sameSide(p[1], q[1], w[1])) {
		return &InputError{Path: r.posPath(v), Msg: "ring folds back on itself here: the edges before and after this position overlap"}
	}
	return nil
}
