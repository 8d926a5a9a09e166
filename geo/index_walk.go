package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// rowWalker fills rows of the raster for NewIndex, which runs one on each
// processor. The builder it embeds is shared and only read; the rest is
// its own.
type rowWalker struct {
	*indexBuilder
	inside     []bool  // per part, at the walk's current point
	insideList []int32 // the parts inside, in no order
	insidePos  []int32 // where each part is in insideList
	partMark   []int32 // per part, the last cell that listed it
	partBit    []uint8 // per part, its bit in the block being built
	local      []int32
	blk        []uint32 // the block being built
	spill      []uint32 // blocks too long for their cell, from these rows

	// The segments of the cell at hand, merged.
	keyed   []keyedSeg
	shared  []sharedSeg
	shareOf []int32 // per segment of the cell, its sharedSeg
	clipped []clippedSeg
}

func newRowWalker(b *indexBuilder) *rowWalker {
	n := len(b.ix.partID)
	return &rowWalker{indexBuilder: b, inside: make([]bool, n), insidePos: make([]int32, n),
		partMark: make([]int32, n), partBit: make([]uint8, n)}
}

// walkRow fills row iy of the raster. It walks from a point left of the
// bounds, outside every polygon, through one point in each cell (the
// anchor of a block, the centre of any other cell), flipping a part's
// inside state at each of its edges that a step crosses. A step between
// neighbouring cells stays inside them, so only their edges can cross it.
// The predicates are exact and the points clear of every edge, so the
// states are exact too.
func (w *rowWalker) walkRow(iy int) {
	ix := w.ix
	for _, p := range w.insideList {
		w.inside[p] = false
	}
	w.insideList = w.insideList[:0]
	from := orb.Point{ix.minX - max(1, math.Abs(ix.minX)), ix.anchor(0, iy, 0)[1]}
	last := 0 // the cell of from, or the first cell after it
	for cx := range ix.nx {
		k := iy*ix.nx + cx
		segs := w.segs(k)
		if len(segs) == 0 {
			to := ix.anchor(cx, iy, 0)
			w.walk(from, to, iy*ix.nx+last, k)
			from, last = to, cx
			if len(w.insideList) > 0 {
				cell := ix.cells[k*cellWords:]
				cell[0], cell[1] = cellInside<<kindShift, w.word(slices.Min(w.insideList))
			}
			continue
		}
		w.mergeSegments(segs)
		w.clipSegments(cx, iy)
		anchor, ok := w.anchor(cx, iy)
		if !ok {
			w.exactBlock(k, cx, iy)
			continue
		}
		to := ix.anchor(cx, iy, anchor)
		w.walk(from, to, iy*ix.nx+last, k)
		from, last = to, cx
		w.block(k, anchor, segs)
	}
}

// walk flips the parts whose edges in cells k0 to k1 cross from-to.
func (w *rowWalker) walk(from, to orb.Point, k0, k1 int) {
	lo := orb.Point{min(from[0], to[0]), min(from[1], to[1])}
	hi := orb.Point{max(from[0], to[0]), max(from[1], to[1])}
	for k := k0; k <= k1; k++ {
		for _, s := range w.segs(k) {
			if w.listedBefore(s, k0, k) {
				continue // a segment in both cells is tested once
			}
			u, v, p := w.segment(s)
			if max(u[0], v[0]) < lo[0] || min(u[0], v[0]) > hi[0] ||
				max(u[1], v[1]) < lo[1] || min(u[1], v[1]) > hi[1] {
				continue
			}
			// A vertex on the line from-to counts as right of it for
			// both its edges; from and to are on no edge.
			if (orient(from, to, u) > 0) != (orient(from, to, v) > 0) &&
				(orient(u, v, from) > 0) != (orient(u, v, to) > 0) {
				w.flip(p)
			}
		}
	}
}

// listedBefore reports whether segment s is listed in a cell from k0 up
// to k; each cell's list is sorted.
func (b *indexBuilder) listedBefore(s int32, k0, k int) bool {
	for j := k0; j < k; j++ {
		if _, found := slices.BinarySearch(b.segs(j), s); found {
			return true
		}
	}
	return false
}

// flip turns part p inside out at the walk's current point.
func (w *rowWalker) flip(p int32) {
	if w.inside[p] {
		i, last := w.insidePos[p], w.insideList[len(w.insideList)-1]
		w.insideList[i], w.insidePos[last] = last, i
		w.insideList = w.insideList[:len(w.insideList)-1]
	} else {
		w.insidePos[p] = int32(len(w.insideList))
		w.insideList = append(w.insideList, p)
	}
	w.inside[p] = !w.inside[p]
}

// exactBlock stores a cell without a usable anchor: its candidates are
// every part whose bounds meet it.
func (w *rowWalker) exactBlock(k, cx, cy int) {
	ix := w.ix
	cell := orb.Bound{
		Min: orb.Point{ix.minX + float64(cx)*ix.cw - w.mx, ix.minY + float64(cy)*ix.ch - w.my},
		Max: orb.Point{ix.minX + float64(cx+1)*ix.cw + w.mx, ix.minY + float64(cy+1)*ix.ch + w.my},
	}
	w.blk = append(w.blk[:0], cellBlock<<kindShift|blockExact)
	for p, pb := range w.partBound {
		if pb.Intersects(cell) {
			w.blk = append(w.blk, w.word(int32(p)))
		}
	}
	w.blk[0] |= uint32(len(w.blk) - 1)
	w.store(k)
}
