package geo

import (
	"math"
	"math/bits"
	"slices"

	"github.com/paulmach/orb"
)

// keyedSeg is a segment of the cell with its endpoints in lexicographic
// order, so that the copies of a shared segment sort together.
type keyedSeg struct {
	a, b orb.Point
	seg  int32
	at   int32 // where seg is in the cell's list
}

// sharedSeg is one distinct segment of a cell, keyed[from:to] its copies.
type sharedSeg struct {
	from, to int32
	done     bool
}

// clippedSeg is a sharedSeg clipped to the cell's neighbourhood, and once
// an anchor is chosen, in block units from it.
type clippedSeg struct {
	a, b           orb.Point
	clipA, clipB   bool // whether the ends moved
	gone           bool // whether it misses the neighbourhood, and the cell
	ax, ay, bx, by int64
}

// mergeSegments sorts the cell's segments so that the copies of a shared
// segment, one per neighbour, come together as one sharedSeg.
func (w *rowWalker) mergeSegments(segs []int32) {
	w.keyed = w.keyed[:0]
	for at, s := range segs {
		u, v, _ := w.segment(s)
		if v[0] < u[0] || v[0] == u[0] && v[1] < u[1] {
			u, v = v, u
		}
		w.keyed = append(w.keyed, keyedSeg{a: u, b: v, seg: s, at: int32(at)})
	}
	sortKeyed(w.keyed)
	w.shared = w.shared[:0]
	w.shareOf = slices.Grow(w.shareOf[:0], len(segs))[:len(segs)]
	for i, e := range w.keyed {
		if i == 0 || e.a != w.keyed[i-1].a || e.b != w.keyed[i-1].b {
			w.shared = append(w.shared, sharedSeg{from: int32(i)})
		}
		g := len(w.shared) - 1
		w.shared[g].to = int32(i + 1)
		w.shareOf[e.at] = int32(g)
	}
}

// sortKeyed sorts segments by their endpoints. A cell has a handful, so
// an insertion sort does, but for the rare crowded cell.
func sortKeyed(keyed []keyedSeg) {
	if len(keyed) > 32 {
		slices.SortFunc(keyed, func(e, f keyedSeg) int {
			if e.less(f) {
				return -1
			}
			if f.less(e) {
				return 1
			}
			return 0
		})
		return
	}
	for i := 1; i < len(keyed); i++ {
		for j := i; j > 0 && keyed[j].less(keyed[j-1]); j-- {
			keyed[j], keyed[j-1] = keyed[j-1], keyed[j]
		}
	}
}

func (e keyedSeg) less(f keyedSeg) bool {
	switch {
	case e.a[0] != f.a[0]:
		return e.a[0] < f.a[0]
	case e.a[1] != f.a[1]:
		return e.a[1] < f.a[1]
	case e.b[0] != f.b[0]:
		return e.b[0] < f.b[0]
	}
	return e.b[1] < f.b[1]
}

// clipSegments clips each distinct segment to the cell widened by half a
// cell all round, which keeps block coordinates small. A segment through
// the cell still crosses every path between two of its points as before.
func (w *rowWalker) clipSegments(cx, cy int) {
	ix := w.ix
	lo := orb.Point{ix.minX + (float64(cx)-0.5)*ix.cw, ix.minY + (float64(cy)-0.5)*ix.ch}
	hi := orb.Point{ix.minX + (float64(cx)+1.5)*ix.cw, ix.minY + (float64(cy)+1.5)*ix.ch}
	w.clipped = w.clipped[:0]
	for _, g := range w.shared {
		e := w.keyed[g.from]
		c := clippedSeg{a: e.a, b: e.b}
		if !inBox(e.a, lo, hi) || !inBox(e.b, lo, hi) {
			c.a, c.b, c.clipA, c.clipB, c.gone = clipToBox(e.a, e.b, lo, hi)
		}
		w.clipped = append(w.clipped, c)
	}
}

func inBox(p, lo, hi orb.Point) bool {
	return p[0] >= lo[0] && p[0] <= hi[0] && p[1] >= lo[1] && p[1] <= hi[1]
}

// clipToBox returns the part of a-b inside the box (Liang-Barsky), which
// ends moved, and whether it misses the box.
func clipToBox(a, b, lo, hi orb.Point) (ca, cb orb.Point, clipA, clipB, gone bool) {
	t0, t1 := 0.0, 1.0
	d := orb.Point{b[0] - a[0], b[1] - a[1]}
	for axis := range 2 {
		if d[axis] == 0 {
			if a[axis] < lo[axis] || a[axis] > hi[axis] {
				return a, b, false, false, true
			}
			continue
		}
		ta, tb := (lo[axis]-a[axis])/d[axis], (hi[axis]-a[axis])/d[axis]
		t0, t1 = max(t0, min(ta, tb)), min(t1, max(ta, tb))
	}
	if t0 >= t1 {
		return a, b, false, false, true
	}
	ca, cb = a, b
	if t0 > 0 {
		ca = orb.Point{a[0] + t0*d[0], a[1] + t0*d[1]}
	}
	if t1 < 1 {
		cb = orb.Point{a[0] + t1*d[0], a[1] + t1*d[1]}
	}
	return ca, cb, t0 > 0, t1 < 1, false
}

// anchor returns the first of the cell's anchor positions that is clear of
// the line of every segment, by anchorClearance units as the block will
// hold them, and leaves the segments in units from it. The sign of its
// orientation to each rounded edge is then that to the exact edge, and it
// is on no exact edge.
func (w *rowWalker) anchor(cx, cy int) (int, bool) {
	for k := range anchorTries {
		c := w.ix.anchor(cx, cy, k)
		if w.clear(c) {
			return k, true
		}
	}
	return 0, false
}

// anchorClearance is how far, in units, an anchor keeps from every edge
// line: well beyond what rounding to units can move an edge.
const anchorClearance = 8

func (w *rowWalker) clear(c orb.Point) bool {
	for i := range w.clipped {
		e := &w.clipped[i]
		if e.gone {
			continue
		}
		e.ax, e.ay = w.units(e.a, c)
		e.bx, e.by = w.units(e.b, c)
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
func (w *rowWalker) units(p, c orb.Point) (int64, int64) {
	return int64(math.Round((p[0] - c[0]) * w.ix.perUnitX)), int64(math.Round((p[1] - c[1]) * w.ix.perUnitY))
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

// block appends the block of cell k, whose segments are merged, clipped
// and rounded relative to anchor number anchor, and whose walk state is
// at that anchor. Its parts are those with an edge in the cell or
// containing the anchor, in ID order. Its polylines follow the rings:
// each segment goes once, in the direction of the first ring met that
// has it, and joins the polyline before it when it continues it with the
// same mask.
func (w *rowWalker) block(k, anchor int, segs []int32) {
	mark := int32(k + 1)
	w.local = w.local[:0]
	for _, s := range segs {
		if p := w.ringPart[w.segRing[s]]; w.partMark[p] != mark {
			w.partMark[p] = mark
			w.local = append(w.local, p)
		}
	}
	for _, p := range w.insideList {
		if w.partMark[p] != mark {
			w.partMark[p] = mark
			w.local = append(w.local, p)
		}
	}
	slices.Sort(w.local)
	if len(w.local) > maxFastParts {
		w.blk = append(w.blk[:0], cellBlock<<kindShift|blockExact|uint32(len(w.local)))
		for _, p := range w.local {
			w.blk = append(w.blk, w.word(p))
		}
		w.store(k)
		return
	}
	var inside uint32
	for i, p := range w.local {
		w.partBit[p] = uint8(i)
		if w.inside[p] {
			inside |= 1 << i
		}
	}
	w.blk = append(w.blk[:0], inside|uint32(len(w.local))<<16|uint32(anchor)<<21|cellBlock<<kindShift)
	for _, p := range w.local {
		w.blk = append(w.blk, w.word(p))
	}

	open := false // whether a polyline is being extended
	var lastMask uint32
	var lastEnd [2]float64
	lastClipped := false
	for at, s := range segs {
		sh := &w.shared[w.shareOf[at]]
		if sh.done {
			continue
		}
		sh.done = true
		c := &w.clipped[w.shareOf[at]]
		if c.gone {
			open = false
			continue
		}
		var mask uint32
		for _, e := range w.keyed[sh.from:sh.to] {
			mask ^= 1 << w.partBit[w.ringPart[w.segRing[e.seg]]]
		}
		u, v, _ := w.segment(s)
		ux, uy, vx, vy, clipU, clipV := c.ax, c.ay, c.bx, c.by, c.clipA, c.clipB
		if u != w.keyed[sh.from].a {
			ux, uy, vx, vy, clipU, clipV = vx, vy, ux, uy, clipV, clipU
		}
		if !open || mask != lastMask || lastClipped || clipU || u != lastEnd {
			w.blk = append(w.blk, mask|polyline<<28, blockVertex(ux, uy, ux, uy))
			open = true
		}
		w.blk = append(w.blk, blockVertex(ux, uy, vx, vy))
		lastMask, lastEnd, lastClipped = mask, v, clipV
	}
	for i := range w.shared {
		w.shared[i].done = false
	}
	w.store(k)
}

// store puts the block built for cell k in the cell if it fits, and
// otherwise in the walker's spill, ended by a 0; the offset is fixed when
// the spills are put together.
func (w *rowWalker) store(k int) {
	ix := w.ix
	cell := ix.cells[k*cellWords : (k+1)*cellWords]
	if len(w.blk) <= cellWords {
		copy(cell, w.blk)
		return
	}
	cell[0], cell[1] = cellSpilled<<kindShift, uint32(len(w.spill))
	w.spill = append(append(w.spill, w.blk...), 0)
}
