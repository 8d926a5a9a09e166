package playback

import (
	"cmp"
	"slices"

	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/store"
)

// maxDepth bounds a walk up the hierarchy, so bad data cannot loop.
const maxDepth = 16

// tree is the grid hierarchy as it stood at an instant.
type tree struct {
	grids    map[int64]store.GridAsOf
	children map[int64][]int64
}

func newTree(gs []store.GridAsOf) *tree {
	t := &tree{grids: make(map[int64]store.GridAsOf, len(gs)), children: map[int64][]int64{}}
	for _, g := range gs {
		t.grids[g.ID] = g
		if g.ParentID != 0 {
			t.children[g.ParentID] = append(t.children[g.ParentID], g.ID)
		}
	}
	return t
}

// has reports whether grid existed then.
func (t *tree) has(grid int64) bool {
	_, ok := t.grids[grid]
	return ok
}

// within reports whether grid lay in root's subtree then (root 0: the
// whole area).
func (t *tree) within(root, grid int64) bool {
	if root == 0 {
		return t.has(grid)
	}
	for i := 0; i < maxDepth && grid != 0; i++ {
		if grid == root {
			return true
		}
		g, ok := t.grids[grid]
		if !ok {
			return false
		}
		grid = g.ParentID
	}
	return false
}

// subtree lists root and every grid below it then, root first.
func (t *tree) subtree(root int64) []int64 {
	if !t.has(root) {
		return nil
	}
	out := []int64{root}
	for i := 0; i < len(out); i++ {
		out = append(out, t.children[out[i]]...)
	}
	return out
}

// leaves lists the compound grids (level 3) of root's subtree.
func (t *tree) leaves(root int64) []int64 {
	var out []int64
	for _, id := range t.subtree(root) {
		if t.grids[id].Level == 3 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// rollup adds each leaf's tally to the leaf and every ancestor then, as
// coverage.Rollup does with the live figures.
func (t *tree) rollup(leaves map[int64]coverage.Tally) map[int64]coverage.Tally {
	r := coverage.New(func(id int64) int64 { return t.grids[id].ParentID })
	r.Reconcile("", leaves, nil)
	out := make(map[int64]coverage.Tally, len(t.grids))
	for id := range t.grids {
		out[id] = r.Get(id).Tally
	}
	return out
}

// sorted lists the grids by id.
func (t *tree) sorted() []store.GridAsOf {
	out := make([]store.GridAsOf, 0, len(t.grids))
	for _, g := range t.grids {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b store.GridAsOf) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
