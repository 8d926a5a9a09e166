package auth

// Hierarchy is the parent of every current grid, held in memory so that
// a scope check costs a few map lookups, cheap enough for every event of
// the live stream.
type Hierarchy struct {
	parent   map[int64]int64
	children map[int64][]int64
}

// maxDepth bounds a walk up the hierarchy, so that a cycle in bad data
// cannot loop forever.
const maxDepth = 16

// NewHierarchy builds a hierarchy from a child → parent map; roots map to 0.
func NewHierarchy(parent map[int64]int64) *Hierarchy {
	h := &Hierarchy{parent: parent, children: map[int64][]int64{}}
	for c, p := range parent {
		if p != 0 {
			h.children[p] = append(h.children[p], c)
		}
	}
	return h
}

// Has reports whether id is a current grid.
func (h *Hierarchy) Has(id int64) bool {
	_, ok := h.parent[id]
	return ok
}

// Scope is the part of the grid hierarchy a principal may see and change:
// the subtree under Root, or everything when Root is 0.
type Scope struct {
	Root int64
}

// All reports whether the scope is the whole area.
func (s Scope) All() bool { return s.Root == 0 }

// Contains is the one scope check: whether grid id lies in the scope,
// that is, id is the root or one of its descendants. Unknown grids are
// outside every limited scope.
func (s Scope) Contains(h *Hierarchy, id int64) bool {
	if s.All() {
		return true
	}
	for i := 0; i < maxDepth && id != 0; i++ {
		if id == s.Root {
			return true
		}
		p, ok := h.parent[id]
		if !ok {
			return false
		}
		id = p
	}
	return false
}

// GridIDs lists the grids in the scope, for SQL filters (grid_id = ANY);
// nil means the whole area, with no filter.
func (s Scope) GridIDs(h *Hierarchy) []int64 {
	if s.All() {
		return nil
	}
	if !h.Has(s.Root) {
		return []int64{} // a retired grid: nothing
	}
	out := []int64{s.Root}
	for i := 0; i < len(out); i++ {
		out = append(out, h.children[out[i]]...)
	}
	return out
}

// Parent returns the parent of grid id, 0 for a root or an unknown grid.
func (h *Hierarchy) Parent(id int64) int64 { return h.parent[id] }

// All lists every current grid.
func (h *Hierarchy) All() []int64 {
	out := make([]int64, 0, len(h.parent))
	for id := range h.parent {
		out = append(out, id)
	}
	return out
}

// Children lists a grid's children.
func (h *Hierarchy) Children(id int64) []int64 { return h.children[id] }

// Level is a grid's depth: 1 for a root, 0 for an unknown grid.
func (h *Hierarchy) Level(id int64) int {
	for l := 1; l <= maxDepth; l++ {
		p, ok := h.parent[id]
		if !ok {
			return 0
		}
		if p == 0 {
			return l
		}
		id = p
	}
	return 0
}
