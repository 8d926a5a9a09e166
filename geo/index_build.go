package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// cellsPerSegment sets the raster's resolution: about one cell for every
// few boundary segments, so a boundary cell holds a handful of edges.
const cellsPerSegment = 0.3

// maxIndexCells caps the raster, whatever the input.
const maxIndexCells = 1 << 24

// NewIndex builds the index of regions, which it keeps and which must not
// change afterwards. Each polygon of a region is indexed on its own, so
// the parts of a MultiPolygon may touch or even overlap. Rings should be
// valid, as ParsePolygonal returns them: holes inside their exterior and
// apart from each other. NewIndex returns an error for a coordinate that
// is not finite, a polygon without an exterior ring, or a ring with fewer
// than three positions or all of them the same point. No regions make an
// index that finds nothing.
func NewIndex(regions []Region) (*Index, error) {
	b, err := newIndexBuilder(regions)
	if err != nil {
		return nil, err
	}
	return b.build(), nil
}

// indexBuilder holds the scratch state of NewIndex. Parts are the
// polygons of all regions, sorted by ID, and segments are numbered ring by
// ring through all parts.
type indexBuilder struct {
	ix        *Index
	partBound []orb.Bound
	rings     []orb.Ring
	ringPart  []int32
	ringBase  []int32 // first segment of each ring, then the total
	segRing   []int32
	cw, ch    float64 // cell width and height
	mx, my    float64 // how far beyond a cell a segment still counts as in it
	cellStart []int32 // segments of cell k: cellSegs[cellStart[k]:cellStart[k+1]]
	cellSegs  []int32

	inside     []bool  // per part, at the walk's current point
	insideList []int32 // the parts inside, in no order
	insidePos  []int32 // where each part is in insideList
	stamp      []int32 // per segment, the last walk step that tested it
	step       int32
	partMark   []int32 // per part, the last cell that listed it
	partBit    []uint8
	local      []int32
	blk        []uint32 // the block being built

	// The segments of the cell at hand, merged.
	keyed   []keyedSeg
	shared  []sharedSeg
	shareOf []int32 // per segment of the cell, its sharedSeg
	clipped []clippedSeg
}

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
	clipA, clipB   bool
	ax, ay, bx, by int64
}

func newIndexBuilder(regions []Region) (*indexBuilder, error) {
	type part struct {
		id   int64
		poly orb.Polygon
	}
	var parts []part
	for ri, r := range regions {
		for pi, poly := range r.Shape {
			if len(poly) == 0 {
				return nil, fmt.Errorf("geo: index: region %d polygon %d: no exterior ring", ri, pi)
			}
			for k, ring := range poly {
				if err := checkIndexRing(ring); err != nil {
					return nil, fmt.Errorf("geo: index: region %d polygon %d ring %d: %w", ri, pi, k, err)
				}
			}
			parts = append(parts, part{r.ID, poly})
		}
	}
	slices.SortStableFunc(parts, func(a, b part) int { return cmp.Compare(a.id, b.id) })

	ix := &Index{partID: make([]int64, len(parts)), partShape: make([]orb.Polygon, len(parts))}
	if len(parts) > 0 {
		// The span of IDs, in uint64 so that it cannot overflow.
		ix.idBase = parts[0].id
		ix.wide = uint64(parts[len(parts)-1].id)-uint64(ix.idBase) > math.MaxUint32
	}
	b := &indexBuilder{ix: ix, partBound: make([]orb.Bound, len(parts))}
	for k, p := range parts {
		ix.partID[k], ix.partShape[k] = p.id, p.poly
		b.partBound[k] = p.poly.Bound()
		for _, ring := range p.poly {
			b.rings = append(b.rings, ring)
			b.ringPart = append(b.ringPart, int32(k))
		}
	}
	b.ringBase = make([]int32, len(b.rings)+1)
	for r, ring := range b.rings {
		b.ringBase[r+1] = b.ringBase[r] + int32(ringSegments(ring))
	}
	b.segRing = make([]int32, b.ringBase[len(b.rings)])
	for r := range b.rings {
		for s := b.ringBase[r]; s < b.ringBase[r+1]; s++ {
			b.segRing[s] = int32(r)
		}
	}
	return b, nil
}

// checkIndexRing rejects what no containment test can make sense of.
func checkIndexRing(ring orb.Ring) error {
	for _, p := range ring {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
			return fmt.Errorf("coordinate %v is not finite", p)
		}
	}
	if len(ring) < 3 {
		return fmt.Errorf("%d positions, want at least 3", len(ring))
	}
	if b := ring.Bound(); b.Min == b.Max {
		return fmt.Errorf("every position is %v", b.Min)
	}
	return nil
}

// ringSegments is how many segments ring has: one per pair of neighbours,
// and one more to close a ring whose last position is not its first, as
// orb's ring test closes it.
func ringSegments(ring orb.Ring) int {
	if ring[0] == ring[len(ring)-1] {
		return len(ring) - 1
	}
	return len(ring)
}

// word returns the ID word of part p.
func (b *indexBuilder) word(p int32) uint32 {
	if b.ix.wide {
		return uint32(p)
	}
	return uint32(b.ix.partID[p] - b.ix.idBase)
}

// segment returns the endpoints of segment s and its part.
func (b *indexBuilder) segment(s int32) (orb.Point, orb.Point, int32) {
	r := b.segRing[s]
	ring := b.rings[r]
	i := int(s - b.ringBase[r])
	return ring[i], ring[(i+1)%len(ring)], b.ringPart[r]
}

func (b *indexBuilder) build() *Index {
	ix := b.ix
	if len(b.rings) == 0 {
		nan := math.NaN()
		ix.minX, ix.minY, ix.maxX, ix.maxY = nan, nan, nan, nan
		return ix
	}
	b.raster()
	b.listSegments()
	b.inside = make([]bool, len(ix.partID))
	b.insidePos = make([]int32, len(ix.partID))
	b.partMark = make([]int32, len(ix.partID))
	b.partBit = make([]uint8, len(ix.partID))
	b.stamp = make([]int32, len(b.segRing))
	ix.cells = make([]uint32, ix.nx*ix.ny*cellWords)
	for iy := range ix.ny {
		b.walkRow(iy)
	}
	ix.spill = slices.Clip(ix.spill)
	return ix
}

// raster sizes the cells so that there are about cellsPerSegment of them
// for each segment, as square as the bounds allow.
func (b *indexBuilder) raster() {
	ix := b.ix
	bound := b.partBound[0]
	for _, pb := range b.partBound[1:] {
		bound = bound.Union(pb)
	}
	ix.minX, ix.minY, ix.maxX, ix.maxY = bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1]
	w, h := ix.maxX-ix.minX, ix.maxY-ix.minY
	target := min(max(int(float64(len(b.segRing))*cellsPerSegment), 1), maxIndexCells)
	size := math.Sqrt(w * h / float64(target))
	if size == 0 {
		size = max(w, h) / float64(target)
	}
	ix.nx, ix.ny = 1, 1
	if size > 0 {
		ix.nx = min(max(int(math.Ceil(w/size)), 1), target)
		ix.ny = min(max(int(math.Ceil(h/size)), 1), max(target/ix.nx, 1))
	}
	b.cw, b.ch = w/float64(ix.nx), h/float64(ix.ny)
	ix.cw, ix.ch = b.cw, b.ch
	ix.perUnitX, ix.perUnitY = cellUnits/b.cw, cellUnits/b.ch
	if b.cw == 0 || b.ch == 0 {
		// All on one line, and no area: any unit will do.
		ix.perUnitX, ix.perUnitY = 1, 1
	}
	fx, fy := 0.5, 0.5
	for k := range ix.anchors {
		ix.anchors[k] = [2]float64{fx, fy}
		fx = 0.1 + math.Mod(fx-0.1+0.7548776662466927*0.8, 0.8)
		fy = 0.1 + math.Mod(fy-0.1+0.5698402909980532*0.8, 0.8)
	}
	if w > 0 {
		ix.invW = float64(ix.nx) / w
	}
	if h > 0 {
		ix.invH = float64(ix.ny) / h
	}
	// The margin covers rounding in Locate's choice of cell, so a segment
	// through a point is always listed in the cell the point lands in.
	ulp := max(math.Abs(ix.minX), math.Abs(ix.maxX), math.Abs(ix.minY), math.Abs(ix.maxY)) * 0x1p-52
	b.mx, b.my = b.cw*1e-9+8*ulp, b.ch*1e-9+8*ulp
}

// cellRange returns the cells, clamped to the raster, that [lo, hi] meets
// along one axis.
func cellRange(lo, hi, origin, inv float64, n int) (int, int) {
	i0 := int(math.Floor((lo - origin) * inv))
	i1 := int(math.Floor((hi - origin) * inv))
	return min(max(i0, 0), n-1), min(max(i1, 0), n-1)
}

// cover calls visit with every cell whose box, widened by the margin,
// segment s may meet.
func (b *indexBuilder) cover(s int32, visit func(k int)) {
	ix := b.ix
	p, q, _ := b.segment(s)
	if p == q {
		return
	}
	x0, x1 := cellRange(min(p[0], q[0])-b.mx, max(p[0], q[0])+b.mx, ix.minX, ix.invW, ix.nx)
	y0, y1 := cellRange(min(p[1], q[1])-b.my, max(p[1], q[1])+b.my, ix.minY, ix.invH, ix.ny)
	dx, dy := q[0]-p[0], q[1]-p[1]
	for cy := y0; cy <= y1; cy++ {
		for cx := x0; cx <= x1; cx++ {
			if x0 != x1 && y0 != y1 {
				// A diagonal segment misses most of its bounding cells:
				// skip a cell whose widened corners are all on one side.
				left := ix.minX + float64(cx)*b.cw - b.mx
				right := ix.minX + float64(cx+1)*b.cw + b.mx
				bottom := ix.minY + float64(cy)*b.ch - b.my
				top := ix.minY + float64(cy+1)*b.ch + b.my
				var pos, neg int
				for _, c := range [4]orb.Point{{left, bottom}, {right, bottom}, {right, top}, {left, top}} {
					switch o := dx*(c[1]-p[1]) - dy*(c[0]-p[0]); {
					case o > 0:
						pos++
					case o < 0:
						neg++
					}
				}
				if pos == 4 || neg == 4 {
					continue
				}
			}
			visit(cy*ix.nx + cx)
		}
	}
}

// listSegments fills cellStart and cellSegs, each cell's segments in
// ascending order, by counting sort.
func (b *indexBuilder) listSegments() {
	n := b.ix.nx * b.ix.ny
	b.cellStart = make([]int32, n+1)
	count := func(k int) { b.cellStart[k+1]++ }
	for s := range int32(len(b.segRing)) {
		b.cover(s, count)
	}
	for k := range n {
		b.cellStart[k+1] += b.cellStart[k]
	}
	b.cellSegs = make([]int32, b.cellStart[n])
	next := slices.Clone(b.cellStart[:n])
	var s int32
	fill := func(k int) {
		b.cellSegs[next[k]] = s
		next[k]++
	}
	for s = range int32(len(b.segRing)) {
		b.cover(s, fill)
	}
}

func (b *indexBuilder) segs(k int) []int32 {
	return b.cellSegs[b.cellStart[k]:b.cellStart[k+1]]
}
