package tiles

import (
	"bytes"
	"testing"
)

func tileOf(n int) Tile { return Tile{Data: bytes.Repeat([]byte{1}, n), ETag: "x"} }

// TestCacheBound: the cache keeps at most its bytes, dropping the least
// recently used tile first.
func TestCacheBound(t *testing.T) {
	c := NewCache(4 * 1128)
	for i := range 4 {
		c.put(key{layer: "grids-3", x: i}, tileOf(1000), []int64{int64(i)}, c.Epoch())
	}
	c.get(key{layer: "grids-3", x: 0}) // 0 is now the most recent; 1 the least
	c.put(key{layer: "grids-3", x: 4}, tileOf(1000), []int64{4}, c.Epoch())
	for i, want := range []bool{true, false, true, true, true} {
		if _, ok := c.get(key{layer: "grids-3", x: i}); ok != want {
			t.Errorf("tile %d cached %v, want %v", i, ok, want)
		}
	}
	if s := c.Stats(); s.Bytes > 4*1128 || s.Tiles != 4 {
		t.Errorf("stats %+v", s)
	}
	// A tile larger than a quarter of the cache is not kept.
	c.put(key{layer: "big"}, tileOf(2000), nil, c.Epoch())
	if _, ok := c.get(key{layer: "big"}); ok {
		t.Error("a tile of half the cache was kept")
	}
}

// TestCacheDrop: a change to a grid drops the tiles holding it and no
// other, and a tile made before the change is not kept after it.
func TestCacheDrop(t *testing.T) {
	c := NewCache(1 << 20)
	a, b, ab := key{x: 1}, key{x: 2}, key{x: 3}
	c.put(a, tileOf(10), []int64{1}, c.Epoch())
	c.put(b, tileOf(10), []int64{2}, c.Epoch())
	c.put(ab, tileOf(10), []int64{1, 2}, c.Epoch())
	if n := c.Drop([]int64{1}); n != 2 {
		t.Errorf("dropped %d tiles for grid 1, want 2", n)
	}
	for k, want := range map[key]bool{a: false, b: true, ab: false} {
		if _, ok := c.get(k); ok != want {
			t.Errorf("%+v cached %v, want %v", k, ok, want)
		}
	}
	for _, tt := range []struct {
		name  string
		grids []int64
		keep  bool
	}{
		{"made before a change to one of its grids", []int64{1, 3}, false},
		{"made before a change to other grids", []int64{3}, true},
		{"with no features", nil, true},
	} {
		since := c.Epoch()
		c.Drop([]int64{1})
		k := key{layer: tt.name}
		c.put(k, tileOf(10), tt.grids, since)
		if _, ok := c.get(k); ok != tt.keep {
			t.Errorf("a tile %s: kept %v, want %v", tt.name, ok, tt.keep)
		}
	}
}
