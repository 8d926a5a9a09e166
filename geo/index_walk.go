package geo

import (
	"math"
	"math/bits"
	"slices"

	"github.com/paulmach/orb"
)

// walkRow fills row iy of the raster. It walks from a point left of the
// bounds, outside every polygon, through one point in each cell (the
// anchor of a block, the centre of any other cell), flipping a part's
// inside state at each of its edges that a step crosses. A step between
// neighbouring cells stays inside them, so only their edges can cross it.
// The predicates are exact and the points clear of every edge, so the
// states are exact too.
func (b *indexBuilder) walkRow(iy int) {
	ix := b.ix
	for _, p := range b.insideList {
		b.inside[p] = false
	}
	b.insideList = b.insideList[:0]
	from := orb.Point{ix.minX - max(1, math.Abs(ix.minX)), ix.anchor(0, iy, 0)[1]}
	last := 0 // the cell of from, or the first cell after it
	for cx := range ix.nx {
		k := iy*ix.nx + cx
		segs := b.segs(k)
		if len(segs) == 0 {
			to := ix.anchor(cx, iy, 0)
			b.walk(from, to, iy*ix.nx+last, k)
			from, last = to, cx
			if len(b.insideList) > 0 {
				cell := ix.cells[k*cellWords:]
				cell[0], cell[1] = cellInside<<kindShift, b.word(slices.Min(b.insideList))
			}
			continue
		}
		b.mergeSegments(segs)
		b.clipSegments(cx, iy)
		anchor, ok := b.anchor(cx, iy)
		if !ok {
			b.exactBlock(k, cx, iy)
			continue
		}
		to := ix.anchor(cx, iy, anchor)
		b.walk(from, to, iy*ix.nx+last, k)
		from, last = to, cx
		b.block(k, anchor, segs)
	}
}

// walk flips the parts whose edges in cells k0 to k1 cross from-to.
func (b *indexBuilder) walk(from, to orb.Point, k0, k1 int) {
	b.step++
	lo := orb.Point{min(from[0], to[0]), min(from[1], to[1])}
	hi := orb.Point{max(from[0], to[0]), max(from[1], to[1])}
	for k := k0; k <= k1; k++ {
		for _, s := range b.segs(k) {
			if b.stamp[s] == b.step {
				continue
			}
			b.stamp[s] = b.step
			u, v, p := b.segment(s)
			if max(u[0], v[0]) < lo[0] || min(u[0], v[0]) > hi[0] ||
				max(u[1], v[1]) < lo[1] || min(u[1], v[1]) > hi[1] {
				continue
			}
			// A vertex on the line from-to counts as right of it for
			// both its edges; from and to are on no edge.
			if (orient(from, to, u) > 0) != (orient(from, to, v) > 0) &&
				(orient(u, v, from) > 0) != (orient(u, v, to) > 0) {
				b.flip(p)
			}
		}
	}
}

func (b *indexBuilder) flip(p int32) {
	if b.inside[p] {
		i, last := b.insidePos[p], b.insideList[len(b.insideList)-1]
		b.insideList[i], b.insidePos[last] = last, i
		b.insideList = b.insideList[:len(b.insideList)-1]
	} else {
		b.insidePos[p] = int32(len(b.insideList))
		b.insideList = append(b.insideList, p)
	}
	b.inside[p] = !b.inside[p]
}

// mergeSegments sorts the cell's segments so that the copies of a shared
// segment, one per neighbour, come together as one sharedSeg.
func (b *indexBuilder) mergeSegments(segs []int32) {
	b.keyed = b.keyed[:0]
	for at, s := range segs {
		u, v, _ := b.segment(s)
		if v[0] < u[0] || v[0] == u[0] && v[1] < u[1] {
			u, v = v, u
		}
		b.keyed = append(b.keyed, keyedSeg{a: u, b: v, seg: s, at: int32(at)})
	}
	slices.SortFunc(b.keyed, func(e, f keyedSeg) int {
		switch {
		case e.a[0] != f.a[0]:
			return cmpFloat(e.a[0], f.a[0])
		case e.a[1] != f.a[1]:
			return cmpFloat(e.a[1], f.a[1])
		case e.b[0] != f.b[0]:
			return cmpFloat(e.b[0], f.b[0])
		}
		return cmpFloat(e.b[1], f.b[1])
	})
	b.shared = b.shared[:0]
	b.shareOf = slices.Grow(b.shareOf[:0], len(segs))[:len(segs)]
	for i, e := range b.keyed {
		if i == 0 || e.a != b.keyed[i-1].a || e.b != b.keyed[i-1].b {
			b.shared = append(b.shared, sharedSeg{from: int32(i)})
		}
		g := len(b.shared) - 1
		b.shared[g].to = int32(i + 1)
		b.shareOf[e.at] = int32(g)
	}
}

func cmpFloat(x, y float64) int {
	if x < y {
		return -1
	}
	return 1
}

// clipSegments clips each distinct segment to the cell widened by half a
// cell all round, which keeps block coordinates small. A segment through
// the cell still crosses every path between two of its points as before.
func (b *indexBuilder) clipSegments(cx, cy int) {
	ix := b.ix
	lo := orb.Point{ix.minX + (float64(cx)-0.5)*b.cw, ix.minY + (float64(cy)-0.5)*b.ch}
	hi := orb.Point{ix.minX + (float64(cx)+1.5)*b.cw, ix.minY + (float64(cy)+1.5)*b.ch}
	b.clipped = b.clipped[:0]
	for _, g := range b.shared {
		e := b.keyed[g.from]
		c := clippedSeg{a: e.a, b: e.b}
		if !inBox(e.a, lo, hi) || !inBox(e.b, lo, hi) {
			c.a, c.b, c.clipA, c.clipB = clipToBox(e.a, e.b, lo, hi)
		}
		b.clipped = append(b.clipped, c)
	}
}

func inBox(p, lo, hi orb.Point) bool {
	return p[0] >= lo[0] && p[0] <= hi[0] && p[1] >= lo[1] && p[1] <= hi[1]
}

// clipToBox returns the part of a-b inside the box (Liang-Barsky), and
// which ends moved. The cell's margin keeps any listed segment from
// missing the box entirely; if one did it would shrink to a point of its
// own line, which crosses nothing.
func clipToBox(a, b, lo, hi orb.Point) (orb.Point, orb.Point, bool, bool) {
	t0, t1 := 0.0, 1.0
	d := orb.Point{b[0] - a[0], b[1] - a[1]}
	for axis := range 2 {
		if d[axis] == 0 {
			continue
		}
		ta, tb := (lo[axis]-a[axis])/d[axis], (hi[axis]-a[axis])/d[axis]
		t0, t1 = max(t0, min(ta, tb)), min(t1, max(ta, tb))
	}
	t1 = max(t1, t0)
	ca, cb := a, b
	if t0 > 0 {
		ca = orb.Point{a[0] + t0*d[0], a[1] + t0*d[1]}
	}
	if t1 < 1 {
		cb = orb.Point{a[0] + t1*d[0], a[1] + t1*d[1]}
	}
	return ca, cb, t0 > 0, t1 < 1
}

// anchor returns the first of the cell's anchor positions that is clear of
// the line of every segment, by anchorClearance units as the block will
// hold them, and leaves the segments in units from it. The sign of its
// orientation to each rounded edge is then that to the exact edge, and it
// is on no exact edge.
func (b *indexBuilder) anchor(cx, cy int) (int, bool) {
	for k := range anchorTries {
		c := b.ix.anchor(cx, cy, k)
		if b.clear(c) {
			return k, true
		}
	}
	return 0, false
}

// anchorClearance is how far, in units, an anchor keeps from every edge
// line: well beyond what rounding to units can move an edge.
const anchorClearance = 8

func (b *indexBuilder) clear(c orb.Point) bool {
	for i := range b.clipped {
		e := &b.clipped[i]
		e.ax, e.ay = b.units(e.a, c)
		e.bx, e.by = b.units(e.b, c)
		if max(abs(e.ax), abs(e.ay), abs(e.bx), abs(e.by)) > maxUnits {
			return false // cannot happen with the anchor inside the cell
		}
		// Exact in int64: the orientation of the anchor to the edge.
		k := e.ax*e.by - e.ay*e.bx
		if abs(k) <= anchorClearance*(abs(e.bx-e.ax)+abs(e.by-e.ay)) {
			return false // near the line, or rounded to a point
		}
	}
	return true
}

// units returns p in block units from the anchor c.
func (b *indexBuilder) units(p, c orb.Point) (int64, int64) {
	return int64(math.Round((p[0] - c[0]) * b.ix.perUnitX)), int64(math.Round((p[1] - c[1]) * b.ix.perUnitY))
}

// blockVertex packs the end (x, y) of an edge from (x0, y0) as a block vertex.
func blockVertex(x0, y0, x, y int64) uint32 {
	lg := 0
	if d := abs(x-x0) + abs(y-y0); d > 0 {
		lg = bits.Len64(uint64(d - 1))
	}
	return uint32(x)&0x3fff | uint32(y)&0x3fff<<14 | uint32(lg)<<28
}

func abs(x int64) int64 { return max(x, -x) }

// exactBlock stores a cell without a usable anchor: its candidates are
// every part whose bounds meet it.
func (b *indexBuilder) exactBlock(k, cx, cy int) {
	ix := b.ix
	cell := orb.Bound{
		Min: orb.Point{ix.minX + float64(cx)*b.cw - b.mx, ix.minY + float64(cy)*b.ch - b.my},
		Max: orb.Point{ix.minX + float64(cx+1)*b.cw + b.mx, ix.minY + float64(cy+1)*b.ch + b.my},
	}
	b.blk = append(b.blk[:0], cellBlock<<kindShift|blockExact)
	for p, pb := range b.partBound {
		if pb.Intersects(cell) {
			b.blk = append(b.blk, b.word(int32(p)))
		}
	}
	b.blk[0] |= uint32(len(b.blk) - 1)
	b.store(k)
}
