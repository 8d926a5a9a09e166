package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// listSegments fills cellStart and cellSegs: the segments that may meet
// each cell, in ascending order, by a counting sort of (cell, segment)
// pairs.
func (b *indexBuilder) listSegments() {
	// Most segments are shorter than a cell and meet one or two.
	pairs := make([]uint64, 0, len(b.segRing)*3/2)
	for s := range int32(len(b.segRing)) {
		pairs = b.cover(pairs, s)
	}
	n := b.ix.nx * b.ix.ny
	b.cellStart = make([]int32, n+1)
	for _, pr := range pairs {
		b.cellStart[pr>>32+1]++
	}
	for k := range n {
		b.cellStart[k+1] += b.cellStart[k]
	}
	b.cellSegs = make([]int32, len(pairs))
	next := slices.Clone(b.cellStart[:n])
	for _, pr := range pairs {
		k := pr >> 32
		b.cellSegs[next[k]] = int32(uint32(pr))
		next[k]++
	}
}

func (b *indexBuilder) segs(k int) []int32 {
	return b.cellSegs[b.cellStart[k]:b.cellStart[k+1]]
}

// cover appends a (cell, segment) pair for every cell whose box, widened
// by the margin, segment s may meet.
func (b *indexBuilder) cover(pairs []uint64, s int32) []uint64 {
	ix := b.ix
	p, q, _ := b.segment(s)
	if p == q {
		return pairs
	}
	x0, x1 := cellRange(min(p[0], q[0])-b.mx, max(p[0], q[0])+b.mx, ix.minX, ix.invW, ix.nx)
	y0, y1 := cellRange(min(p[1], q[1])-b.my, max(p[1], q[1])+b.my, ix.minY, ix.invH, ix.ny)
	for cy := y0; cy <= y1; cy++ {
		for cx := x0; cx <= x1; cx++ {
			if (x0 == x1 || y0 == y1) || b.mayMeet(p, q, cx, cy) {
				pairs = append(pairs, uint64(cy*ix.nx+cx)<<32|uint64(uint32(s)))
			}
		}
	}
	return pairs
}

// cellRange returns the cells, clamped to the raster, that [lo, hi] meets
// along one axis.
func cellRange(lo, hi, origin, inv float64, n int) (int, int) {
	i0 := int(math.Floor((lo - origin) * inv))
	i1 := int(math.Floor((hi - origin) * inv))
	return min(max(i0, 0), n-1), min(max(i1, 0), n-1)
}

// mayMeet reports whether the line through p and q passes between the
// corners of cell (cx, cy), widened by the margin. A diagonal segment
// misses most of the cells its bounds span.
func (b *indexBuilder) mayMeet(p, q orb.Point, cx, cy int) bool {
	ix := b.ix
	left := ix.minX + float64(cx)*ix.cw - b.mx
	right := ix.minX + float64(cx+1)*ix.cw + b.mx
	bottom := ix.minY + float64(cy)*ix.ch - b.my
	top := ix.minY + float64(cy+1)*ix.ch + b.my
	dx, dy := q[0]-p[0], q[1]-p[1]
	var pos, neg int
	for _, c := range [4]orb.Point{{left, bottom}, {right, bottom}, {right, top}, {left, top}} {
		switch o := dx*(c[1]-p[1]) - dy*(c[0]-p[0]); {
		case o > 0:
			pos++
		case o < 0:
			neg++
		}
	}
	return pos < 4 && neg < 4
}
