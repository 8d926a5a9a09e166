package geo

import (
	"math/bits"
	"slices"

	"github.com/paulmach/orb"
)

// Region is one grid's boundary, as the index takes it.
type Region struct {
	ID    int64
	Shape orb.MultiPolygon
}

// Index answers which region holds a point, for the live position stream.
// It is immutable once NewIndex returns and safe for concurrent use; when
// boundaries change the caller builds a new one and swaps it in atomically.
//
// Edge rule: regions are closed sets. A point inside exactly one region
// belongs to it. A point contained in several, because it lies on an edge
// or a vertex they share (or because regions overlap), belongs to the one
// with the smallest ID. A point on an outer boundary belongs to that
// region; a point in a hole does not, but a point on the hole's ring does.
// A point outside every region is not found. The rule holds exactly, to
// the last bit of the coordinates, and Naive follows it too.
//
// The index is a raster over the bounds of all regions, each cell a cache
// line. A cell that no edge crosses holds its answer. Any other cell holds
// a block: an anchor point well clear of every edge, which of the cell's
// candidate polygons hold the anchor, and the cell's edges as polylines
// relative to the anchor, each with the polygons it bounds. A lookup flips
// those polygons in or out for each edge that the segment from the point
// to the anchor crosses, and takes the smallest ID left in. Block
// coordinates are rounded to 1/4000 of a cell, a few millimetres in a
// city, so a point on an edge, or so near one that the rounding could put
// it on the wrong side, takes the exact path instead: each candidate
// polygon tested in full, as Naive does.
type Index struct {
	minX, minY, maxX, maxY float64
	invW, invH             float64 // cells per degree, 0 when an extent is 0
	cw, ch                 float64 // cell width and height
	nx, ny                 int
	perUnitX, perUnitY     float64 // block units per degree
	anchors                [anchorTries][2]float64
	cells                  []uint32 // cellWords per cell
	spill                  []uint32 // blocks too long for their cell
	wide                   bool     // whether ID words are part indices
	idBase                 int64
	partID                 []int64 // by part, in ID order
	partShape              []orb.Polygon
}

// Each cell has cellWords words, a cache line, so that a lookup costs one
// memory access more often than not; the raster is sized so that most
// blocks fit. The top two bits of the first word say what the cell holds:
//
//	cellOutside  nothing: no region holds any point of the cell
//	cellInside   in the next word, the ID word of the region that holds
//	             all of it
//	cellBlock    its block, which starts with this word
//	cellSpilled  in the next word, where in Index.spill its block is
//
// An ID word is the region's ID less Index.idBase when the IDs span no
// more than 32 bits, and otherwise (Index.wide) a part index.
const (
	cellWords   = 16
	cellOutside = 0
	cellInside  = 1
	cellBlock   = 2
	cellSpilled = 3
	kindShift   = 30
)

// A block is a run of words:
//
//	header      inside | parts<<16 | anchor<<21 | cellBlock<<30
//	parts       that many ID words, in ID order
//	polylines   each: mask | polyline<<28, then its vertices
//	0           the end, unless the cell's words end first
//
// Bit i of inside says the anchor is inside the i-th part. Bit i of a
// polyline's mask says it bounds the i-th part; a stretch two neighbours
// share is stored once with both bits. A vertex is x | y<<14 | lg<<28: x
// and y are 14-bit counts of units from the anchor, and 1<<lg is at least
// the |dx|+|dy| of the edge that ends there. Blocks are clipped to half a
// cell around their own, so no coordinate exceeds 1.4 cellUnits nor any
// edge 4 cellUnits, and lg < 15 = polyline. No vertex is the anchor, so
// none is 0. A block with no usable anchor or more than 16 parts has the
// header blockExact | parts | cellBlock<<30 and holds only its parts, and
// every lookup in it takes the exact path.
const (
	blockExact   = 1 << 29
	maxFastParts = 16
	cellUnits    = 4000 // units per cell width or height
	maxUnits     = 1<<13 - 1
	polyline     = 15
)

// anchorTries is how many anchor positions a cell may try: the centre,
// then points of a two-dimensional golden-ratio sequence.
const anchorTries = 64

// nearEdge is how close to an edge, in units, a point takes the exact
// path (up to twice that, as lg rounds up). Rounding moves a block vertex
// by at most 0.71 units and the point by less than 1.42, so beyond 4 the
// rounded edges and the exact ones put the point on the same side.
const nearEdge = 4

// Locate returns the ID of the region that holds p under the edge rule of
// Index, and false when no region does. It does not allocate.
func (ix *Index) Locate(p orb.Point) (int64, bool) {
	if !(p[0] >= ix.minX && p[0] <= ix.maxX && p[1] >= ix.minY && p[1] <= ix.maxY) {
		return 0, false // outside the bounds, or NaN
	}
	cx := min(int((p[0]-ix.minX)*ix.invW), ix.nx-1)
	cy := min(int((p[1]-ix.minY)*ix.invH), ix.ny-1)
	k := (cy*ix.nx + cx) * cellWords
	blk := ix.cells[k : k+cellWords]
	head := blk[0]
	switch head >> kindShift {
	case cellOutside:
		return 0, false
	case cellInside:
		return ix.id(blk[1]), true
	case cellSpilled:
		blk = ix.spill[blk[1]:]
		head = blk[0]
	}
	if head&blockExact != 0 {
		return ix.exact(p, blk[1:1+head&(blockExact-1)])
	}
	ids := blk[1 : 1+head>>16&31]
	a := ix.anchor(cx, cy, int(head>>21&63))
	// p in whole units from the anchor, truncated: off by less than one
	// unit in each axis, which nearEdge allows for.
	qx, qy := int64((p[0]-a[0])*ix.perUnitX), int64((p[1]-a[1])*ix.perUnitY)
	flip := blockCrossings(blk[1+len(ids):], qx, qy)
	if flip&nearFlag != 0 {
		return ix.exact(p, ids) // on an edge or nearly
	}
	in := (head ^ flip) & 0xffff
	if in == 0 {
		return 0, false
	}
	return ix.id(ids[bits.TrailingZeros32(in)]), true
}

// blockCrossings returns the parts whose edges the segment from the anchor
// to q crosses an odd number of times, given the polylines of a block and
// q in units from its anchor, with nearFlag set when q is so near an edge
// that the answer cannot be trusted. It is one flat loop with few
// variables, so that they all stay in registers.
func blockCrossings(words []uint32, qx, qy int64) (flip uint32) {
	// r, below, is the distance of a vertex from the line through the
	// anchor and q, times |q|. An edge with both ends beyond far on the
	// same side neither crosses anchor→q nor comes within nearEdge of q,
	// which is most of them.
	far := nearEdge * (max(qx, -qx) + max(qy, -qy))
	var mask, v0 uint32
	var r0 int64
	for i := 0; i < len(words) && words[i] != 0; i++ {
		v := words[i]
		if v>>28 == polyline {
			mask = v & 0xffff
			i++
			v0 = words[i]
			x0, y0, _ := unpack(v0)
			r0 = qy*x0 - qx*y0
			continue
		}
		x1, y1, lg := unpack(v)
		r1 := qy*x1 - qx*y1
		if min(r0, r1) <= far && max(r0, r1) >= -far {
			// Orientations, exact in int64: r > 0 when the vertex is
			// right of anchor→q, c > 0 when the anchor is left of the
			// edge, and det > 0 when q is.
			x0, y0, _ := unpack(v0)
			c := x0*y1 - y0*x1
			det := r1 - r0 + c
			if t := int64(nearEdge) << lg; uint64(det+t) <= uint64(2*t) {
				flip |= nearFlag
			}
			// The edge crosses anchor→q when its ends lie either side of
			// that line, a vertex on it counting as right of it for both
			// its edges, and the anchor and q lie either side of the edge
			// (neither is on it). Without a branch: which way it goes is
			// anyone's guess.
			flip ^= mask & -uint32(uint64((r0^r1)&(det^c))>>63)
		}
		v0, r0 = v, r1
	}
	return flip
}

// nearFlag in the result of blockCrossings sends a lookup the exact way.
const nearFlag = 1 << 31

func unpack(v uint32) (x, y int64, lg uint32) {
	return int64(int32(v<<18) >> 18), int64(int32(v<<4) >> 18), v >> 28
}

// id returns the region ID of an ID word.
func (ix *Index) id(w uint32) int64 {
	if ix.wide {
		return ix.partID[w]
	}
	return ix.idBase + int64(w)
}

// anchor returns anchor number k of cell (cx, cy). The conversions keep
// the compiler from fusing the arithmetic differently in different
// places, so that NewIndex and Locate get the same bits.
func (ix *Index) anchor(cx, cy, k int) orb.Point {
	f := ix.anchors[k]
	return orb.Point{
		ix.minX + float64((float64(cx)+f[0])*ix.cw),
		ix.minY + float64((float64(cy)+f[1])*ix.ch),
	}
}

// exact applies the edge rule to p by testing in full each polygon of the
// regions whose ID words are given, in ID order.
func (ix *Index) exact(p orb.Point, ids []uint32) (int64, bool) {
	for _, w := range ids {
		from, to := int(w), int(w)+1
		if !ix.wide {
			id := ix.id(w)
			from, _ = slices.BinarySearch(ix.partID, id)
			for to = from; to < len(ix.partID) && ix.partID[to] == id; to++ {
			}
		}
		for k := from; k < to; k++ {
			if closedContains(ix.partShape[k], p) {
				return ix.partID[k], true
			}
		}
	}
	return 0, false
}
