package tiles

import (
	"container/list"
	"sync"
)

// key names a cached tile: the layer, the address and the scope it was
// made for (every principal of one scope root sees the same tile).
type key struct {
	layer   string
	z, x, y int
	scope   int64
}

// entry is a cached tile and the grids its features belong to: a change
// to any of them drops it.
type entry struct {
	k     key
	tile  Tile
	grids []int64
}

// Cache holds tiles up to a number of bytes, dropping the least recently
// used first, and drops the tiles of a grid when the grid changes. It is
// a copy per instance: every instance drops tiles on the same events
// (which reach all of them over the bus), so none serves what another
// has dropped. Safe for concurrent use.
type Cache struct {
	mu      sync.Mutex
	max     int64
	size    int64
	lru     *list.List            // of *entry, most recent first
	byKey   map[key]*list.Element //
	byGrid  map[int64]map[*list.Element]struct{}
	epoch   uint64           // counts Drop calls
	dropped map[int64]uint64 // grid → the epoch it was last dropped at

	hits, misses, drops uint64
}

// NewCache returns a cache of at most max bytes of tiles.
func NewCache(max int64) *Cache {
	return &Cache{max: max, lru: list.New(), byKey: map[key]*list.Element{},
		byGrid: map[int64]map[*list.Element]struct{}{}, dropped: map[int64]uint64{}}
}

// Epoch is the time stamp to take before making a tile, for Put.
func (c *Cache) Epoch() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

func (c *Cache) get(k key) (Tile, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[k]
	if !ok {
		c.misses++
		return Tile{}, false
	}
	c.hits++
	c.lru.MoveToFront(el)
	return el.Value.(*entry).tile, true
}

// put keeps a tile made since epoch unless one of its grids changed
// meanwhile (then it may already be stale, and the next request makes it
// again).
func (c *Cache) put(k key, t Tile, grids []int64, since uint64) {
	size := int64(len(t.Data)) + 128
	if size > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, g := range grids {
		if c.dropped[g] > since {
			return
		}
	}
	if el, ok := c.byKey[k]; ok {
		c.remove(el)
	}
	el := c.lru.PushFront(&entry{k: k, tile: t, grids: grids})
	c.byKey[k] = el
	c.size += size
	for _, g := range grids {
		m := c.byGrid[g]
		if m == nil {
			m = map[*list.Element]struct{}{}
			c.byGrid[g] = m
		}
		m[el] = struct{}{}
	}
	for c.size > c.max {
		c.remove(c.lru.Back())
	}
}

func (c *Cache) remove(el *list.Element) {
	e := el.Value.(*entry)
	c.lru.Remove(el)
	delete(c.byKey, e.k)
	c.size -= int64(len(e.tile.Data)) + 128
	for _, g := range e.grids {
		if m := c.byGrid[g]; m != nil {
			delete(m, el)
			if len(m) == 0 {
				delete(c.byGrid, g)
			}
		}
	}
}

// Drop forgets every tile holding a feature of one of grids, and returns
// how many it dropped.
func (c *Cache) Drop(grids []int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	n := 0
	for _, g := range grids {
		c.dropped[g] = c.epoch
		for el := range c.byGrid[g] {
			c.remove(el)
			n++
		}
	}
	c.drops += uint64(n)
	return n
}

// Stats are the cache's counters.
type Stats struct {
	Tiles               int
	Bytes               int64
	Hits, Misses, Drops uint64
}

// Stats reports the cache's size and counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Tiles: len(c.byKey), Bytes: c.size, Hits: c.hits, Misses: c.misses, Drops: c.drops}
}
