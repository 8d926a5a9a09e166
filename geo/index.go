package geo

import (
	"math"
	"math/bits"

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
// or vertex they share (or because regions overlap), belongs to the one
// with the smallest ID. A point on an outer boundary belongs to that
// region; a point in a hole does not, a point on a hole's ring does. A
// point outside every region is not found. The rule holds exactly, to the
// last bit of the coordinates; Naive follows it too.
//
// The index is a raster over the bounds of all regions. A cell that no
// edge crosses stores its answer outright. Any other cell stores a block:
// which of its candidate polygons hold its anchor, a point chosen well
// clear of every edge, and its edges as polylines relative to the anchor,
// each with the polygons it bounds. A lookup flips those polygons in or
// out for each edge that the segment from the point to the anchor
// crosses, and takes the smallest ID left in. Block coordinates are
// rounded to 16 bits, a millimetre or two in a city, so a point on an
// edge, or so near one that the rounding could put it on the wrong side,
// takes the exact path instead: each candidate polygon tested in full,
// as Naive does.
type Index struct {
	minX, minY, maxX, maxY float64
	invW, invH             float64 // cells per degree, 0 when an extent is 0
	cw, ch                 float64 // cell width and height
	nx, ny                 int
	unitX, unitY           float64 // degrees per unit of block coordinates
	perUnitX, perUnitY     float64 // and their inverses
	anchors                [anchorTries][2]float64
	cells                  []int32 // a part, cellOutside, or cellBlock - the offset of a block
	blocks                 []uint32
	partID                 []int64
	partShape              []orb.Polygon
}

// Values of Index.cells other than a part index.
const (
	cellOutside = -1
	cellBlock   = -2 // the block at offset b is stored as cellBlock - b
)

// A block in Index.blocks is a run of words:
//
//	header      inside | parts<<16 | anchor<<21
//	parts       that many part indices, in ID order
//	polylines   each: n | mask<<16, then n vertices
//	0           the end
//
// Bit i of inside says the anchor is inside the i-th part. Bit i of a
// polyline's mask says it bounds the i-th part; a stretch two neighbours
// share is stored once with both bits. A vertex is x | y<<16, each an
// int16 count of units from the anchor; blocks are clipped to the cell's
// neighbours, so 16 bits reach. A block with no usable anchor or more
// than 16 parts has the header blockExact | parts and holds only its
// parts, and every lookup in it takes the exact path.
const (
	blockExact   = 1 << 31
	maxFastParts = 16
	cellUnits    = 32767.0 / 2 // units per cell width or height
)

// anchorTries is how many anchor positions a cell may try: the centre,
// then points of a two-dimensional golden-ratio sequence.
const anchorTries = 64

// nearEdge is how close to an edge, in units, a point takes the exact
// path. Rounding moves a block vertex by at most 0.71 units, so beyond 3
// the rounded edges and the exact ones put the point on the same side.
const nearEdge = 3

// Locate returns the ID of the region that holds p under the edge rule of
// Index, and false when no region does.
func (ix *Index) Locate(p orb.Point) (int64, bool) {
	if !(p[0] >= ix.minX && p[0] <= ix.maxX && p[1] >= ix.minY && p[1] <= ix.maxY) {
		return 0, false
	}
	cx := min(int((p[0]-ix.minX)*ix.invW), ix.nx-1)
	cy := min(int((p[1]-ix.minY)*ix.invH), ix.ny-1)
	v := ix.cells[cy*ix.nx+cx]
	if v >= 0 {
		return ix.partID[v], true
	}
	if v == cellOutside {
		return 0, false
	}
	blk := ix.blocks[cellBlock-v:]
	head := blk[0]
	if head&blockExact != 0 {
		return ix.exact(p, blk[1:1+head&^blockExact])
	}
	parts := blk[1 : 1+head>>16&31]
	a := ix.anchor(cx, cy, int(head>>21&63))
	qx, qy := (p[0]-a[0])*ix.perUnitX, (p[1]-a[1])*ix.perUnitY
	var flip uint32
	i := 1 + len(parts)
	for w := blk[i]; w != 0; w = blk[i] {
		line := blk[i+1 : i+1+int(w&0xffff)]
		i += 1 + len(line)
		x0, y0 := unpack(line[0])
		s0 := qx*y0 - qy*x0 // > 0: the vertex is left of anchor→p
		for _, v := range line[1:] {
			x1, y1 := unpack(v)
			s1 := qx*y1 - qy*x1
			dx, dy := x1-x0, y1-y0
			det := dx*(qy-y0) - dy*(qx-x0) // > 0: p is left of the edge
			if math.Abs(det) <= (math.Abs(dx)+math.Abs(dy))*nearEdge {
				return ix.exact(p, parts) // on the edge or nearly
			}
			// The edge crosses anchor→p when its ends lie either side of
			// that line, a vertex on it counting as right of it for both
			// its edges, and the anchor and p lie either side of the edge.
			// Without branches: which way it goes is anyone's guess.
			cross := (b2u(s0 > 0) ^ b2u(s1 > 0)) & (b2u(det > 0) ^ b2u(x0*y1-y0*x1 > 0))
			flip ^= w >> 16 & -cross
			x0, y0, s0 = x1, y1, s1
		}
	}
	in := (head ^ flip) & 0xffff
	if in == 0 {
		return 0, false
	}
	return ix.partID[parts[bits.TrailingZeros32(in)]], true
}

func unpack(w uint32) (x, y float64) {
	return float64(int16(w)), float64(int16(w >> 16))
}

func b2u(b bool) uint32 {
	var u uint32
	if b {
		u = 1
	}
	return u
}

// anchor returns anchor number k of cell (cx, cy). The conversions keep
// the compiler from fusing the arithmetic differently in different
// places, so NewIndex and Locate get the same bits.
func (ix *Index) anchor(cx, cy, k int) orb.Point {
	f := ix.anchors[k]
	return orb.Point{
		ix.minX + float64((float64(cx)+f[0])*ix.cw),
		ix.minY + float64((float64(cy)+f[1])*ix.ch),
	}
}

// exact applies the edge rule to p by testing each candidate part, sorted
// by ID, in full.
func (ix *Index) exact(p orb.Point, parts []uint32) (int64, bool) {
	for _, k := range parts {
		if closedContains(ix.partShape[k], p) {
			return ix.partID[k], true
		}
	}
	return 0, false
}
