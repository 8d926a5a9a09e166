package geo

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
)

// cellsPerSegment sets the raster's resolution: a cell for every two or
// three segments, so that a boundary cell holds a handful of edges and its
// block fits in its cache line more often than not. More cells make more
// lookups land in a cell no edge crosses, and cost 64 bytes each.
const cellsPerSegment = 0.4

// maxIndexCells caps the raster, and its 64 bytes a cell, whatever the
// input.
const maxIndexCells = 1 << 22

// NewIndex builds the index of regions, which it keeps and which must not
// change afterwards. Each polygon of a region is indexed on its own, so
// the polygons of a MultiPolygon may touch or even overlap. Rings should
// be valid, as ParsePolygonal returns them: holes inside their exterior
// and apart from each other. NewIndex returns an error for a coordinate
// that is not finite, a polygon without an exterior ring, or a ring with
// fewer than three positions or all of them the same point. No regions
// make an index that finds nothing. The build uses every processor.
func NewIndex(regions []Region) (*Index, error) {
	b, err := newIndexBuilder(regions)
	if err != nil {
		return nil, err
	}
	return b.build(), nil
}

// indexBuilder holds what NewIndex works from. Parts are the polygons of
// all regions, numbered in ID order; segments are numbered ring by ring
// through the polygons in the order given.
type indexBuilder struct {
	ix        *Index
	partBound []orb.Bound
	rings     []orb.Ring
	ringPart  []int32
	ringBase  []int32 // first segment of each ring, then the total
	segRing   []int32
	mx, my    float64 // how far beyond a cell a segment still counts as in it
	cellStart []int32 // segments of cell k: cellSegs[cellStart[k]:cellStart[k+1]]
	cellSegs  []int32
}

func newIndexBuilder(regions []Region) (*indexBuilder, error) {
	type part struct {
		id    int64
		poly  orb.Polygon
		bound orb.Bound
	}
	var parts []part
	for ri, r := range regions {
		for pi, poly := range r.Shape {
			if len(poly) == 0 {
				return nil, fmt.Errorf("geo: index: region %d polygon %d: no exterior ring", ri, pi)
			}
			var bound orb.Bound
			for k, ring := range poly {
				rb, err := ringBound(ring)
				if err != nil {
					return nil, fmt.Errorf("geo: index: region %d polygon %d ring %d: %w", ri, pi, k, err)
				}
				if k == 0 {
					bound = rb
				}
				bound = bound.Union(rb)
			}
			parts = append(parts, part{r.ID, poly, bound})
		}
	}
	// Parts are numbered in ID order, so that the lowest bit of a mask is
	// the smallest ID; rings and segments stay in the order given, which
	// is often spatial and then keeps the build's memory accesses near.
	order := make([]int32, len(parts))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(i, j int32) int { return cmp.Compare(parts[i].id, parts[j].id) })
	ix := &Index{partID: make([]int64, len(parts)), partShape: make([]orb.Polygon, len(parts))}
	if len(parts) > 0 {
		// The span of IDs, in uint64 so that it cannot overflow.
		ix.idBase = parts[order[0]].id
		ix.wide = uint64(parts[order[len(order)-1]].id)-uint64(ix.idBase) > math.MaxUint32
	}
	b := &indexBuilder{ix: ix, partBound: make([]orb.Bound, len(parts))}
	rank := make([]int32, len(parts))
	for k, i := range order {
		p := parts[i]
		ix.partID[k], ix.partShape[k], b.partBound[k] = p.id, p.poly, p.bound
		rank[i] = int32(k)
	}
	for i, p := range parts {
		for _, ring := range p.poly {
			b.rings = append(b.rings, ring)
			b.ringPart = append(b.ringPart, rank[i])
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

// ringBound returns the bounds of ring, and an error for what no
// containment test can make sense of.
func ringBound(ring orb.Ring) (orb.Bound, error) {
	if len(ring) < 3 {
		return orb.Bound{}, fmt.Errorf("%d positions, want at least 3", len(ring))
	}
	lo, hi := ring[0], ring[0]
	for _, p := range ring {
		if p[0]-p[0] != 0 || p[1]-p[1] != 0 {
			return orb.Bound{}, fmt.Errorf("coordinate %v is not finite", p)
		}
		lo = orb.Point{min(lo[0], p[0]), min(lo[1], p[1])}
		hi = orb.Point{max(hi[0], p[0]), max(hi[1], p[1])}
	}
	if lo == hi {
		return orb.Bound{}, fmt.Errorf("every position is %v", lo)
	}
	return orb.Bound{Min: lo, Max: hi}, nil
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

// build sizes the raster, lists the segments that meet each cell, and
// fills the cells row by row.
func (b *indexBuilder) build() *Index {
	ix := b.ix
	if len(b.rings) == 0 {
		nan := math.NaN()
		ix.minX, ix.minY, ix.maxX, ix.maxY = nan, nan, nan, nan
		return ix
	}
	b.raster()
	b.listSegments()
	ix.cells = make([]uint32, ix.nx*ix.ny*cellWords)
	// Rows are independent: walkers take chunks of them in turn, each
	// with a spill of its own, put together at the end.
	const chunkRows = 16
	chunks := (ix.ny + chunkRows - 1) / chunkRows
	spills := make([][]uint32, chunks)
	var next atomic.Int32
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), chunks) {
		wg.Go(func() {
			w := newRowWalker(b)
			for c := int(next.Add(1)) - 1; c < chunks; c = int(next.Add(1)) - 1 {
				w.spill = nil
				for iy := c * chunkRows; iy < min((c+1)*chunkRows, ix.ny); iy++ {
					w.walkRow(iy)
				}
				spills[c] = w.spill
			}
		})
	}
	wg.Wait()
	for c, spill := range spills {
		base := uint32(len(ix.spill))
		for k := c * chunkRows * ix.nx; base > 0 && k < min((c+1)*chunkRows, ix.ny)*ix.nx; k++ {
			if cell := ix.cells[k*cellWords:]; cell[0]>>kindShift == cellSpilled {
				cell[1] += base
			}
		}
		ix.spill = append(ix.spill, spill...)
	}
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
	ix.cw, ix.ch = w/float64(ix.nx), h/float64(ix.ny)
	ix.perUnitX, ix.perUnitY = cellUnits/ix.cw, cellUnits/ix.ch
	if w == 0 || h == 0 {
		// No area at all: every block will be exact, any unit will do.
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
	b.mx, b.my = ix.cw*1e-9+8*ulp, ix.ch*1e-9+8*ulp
}
