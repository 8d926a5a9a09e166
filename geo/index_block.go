package geo

import "slices"

// block appends the block of cell k, whose segments are merged, clipped
// and rounded relative to anchor number anchor, and whose walk state is
// at that anchor. Its parts are those with an edge in the cell or
// containing the anchor, in ID order. Its polylines follow the rings:
// each segment goes once, in the direction of the first ring met that
// has it, and joins the polyline before it when it continues it with the
// same mask.
func (b *indexBuilder) block(k, anchor int, segs []int32) {
	mark := int32(k + 1)
	b.local = b.local[:0]
	for _, s := range segs {
		if p := b.ringPart[b.segRing[s]]; b.partMark[p] != mark {
			b.partMark[p] = mark
			b.local = append(b.local, p)
		}
	}
	for _, p := range b.insideList {
		if b.partMark[p] != mark {
			b.partMark[p] = mark
			b.local = append(b.local, p)
		}
	}
	slices.Sort(b.local)
	if len(b.local) > maxFastParts {
		b.blk = append(b.blk[:0], cellBlock<<kindShift|blockExact|uint32(len(b.local)))
		for _, p := range b.local {
			b.blk = append(b.blk, b.word(p))
		}
		b.store(k)
		return
	}
	var inside uint32
	for i, p := range b.local {
		b.partBit[p] = uint8(i)
		if b.inside[p] {
			inside |= 1 << i
		}
	}
	b.blk = append(b.blk[:0], inside|uint32(len(b.local))<<16|uint32(anchor)<<21|cellBlock<<kindShift)
	for _, p := range b.local {
		b.blk = append(b.blk, b.word(p))
	}

	open := false // whether a polyline is being extended
	var lastMask uint32
	var lastEnd [2]float64
	lastClipped := false
	for at, s := range segs {
		sh := &b.shared[b.shareOf[at]]
		if sh.done {
			continue
		}
		sh.done = true
		var mask uint32
		for _, e := range b.keyed[sh.from:sh.to] {
			mask ^= 1 << b.partBit[b.ringPart[b.segRing[e.seg]]]
		}
		c := &b.clipped[b.shareOf[at]]
		u, v, _ := b.segment(s)
		ux, uy, vx, vy, clipU, clipV := c.ax, c.ay, c.bx, c.by, c.clipA, c.clipB
		if u != b.keyed[sh.from].a {
			ux, uy, vx, vy, clipU, clipV = vx, vy, ux, uy, clipV, clipU
		}
		if !open || mask != lastMask || lastClipped || clipU || u != lastEnd {
			b.blk = append(b.blk, mask|polyline<<28, blockVertex(ux, uy, ux, uy))
			open = true
		}
		b.blk = append(b.blk, blockVertex(ux, uy, vx, vy))
		lastMask, lastEnd, lastClipped = mask, v, clipV
	}
	for i := range b.shared {
		b.shared[i].done = false
	}
	b.store(k)
}

// store puts the block built for cell k in the cell if it fits, and
// otherwise in the spill, ended by a 0.
func (b *indexBuilder) store(k int) {
	ix := b.ix
	cell := ix.cells[k*cellWords : (k+1)*cellWords]
	if len(b.blk) <= cellWords {
		copy(cell, b.blk)
		return
	}
	cell[0], cell[1] = cellSpilled<<kindShift, uint32(len(ix.spill))
	ix.spill = append(append(ix.spill, b.blk...), 0)
}
