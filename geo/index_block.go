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
	ix := b.ix
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
		ix.blocks = append(ix.blocks, blockExact|uint32(len(b.local)))
		for _, p := range b.local {
			ix.blocks = append(ix.blocks, uint32(p))
		}
		return
	}
	var inside uint32
	for i, p := range b.local {
		b.partBit[p] = uint8(i)
		if b.inside[p] {
			inside |= 1 << i
		}
	}
	ix.blocks = append(ix.blocks, inside|uint32(len(b.local))<<16|uint32(anchor)<<21)
	for _, p := range b.local {
		ix.blocks = append(ix.blocks, uint32(p))
	}

	open := -1 // where the n of the polyline being extended is
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
		cu, cv, clipU, clipV := c.ua, c.ub, c.clipA, c.clipB
		if u != b.keyed[sh.from].a {
			cu, cv, clipU, clipV = cv, cu, clipV, clipU
		}
		if open >= 0 && mask == lastMask && !lastClipped && !clipU && u == lastEnd {
			ix.blocks[open]++
		} else {
			open = len(ix.blocks)
			ix.blocks = append(ix.blocks, 2|mask<<16, cu)
		}
		ix.blocks = append(ix.blocks, cv)
		lastMask, lastEnd, lastClipped = mask, v, clipV
	}
	ix.blocks = append(ix.blocks, 0)
	for i := range b.shared {
		b.shared[i].done = false
	}
}
