package planning

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Op is one edit of a draft. Kind says which fields it uses.
type Op struct {
	Kind     string // reshape, move_vertex, add, split, merge, delete, update
	Revision int    // the revision the edit was made on

	Shapes   []Shape          // reshape
	From, To orb.Point        // move_vertex
	ID       int64            // split, delete, update
	IDs      []int64          // merge
	ParentID int64            // add
	Geometry orb.MultiPolygon // add
	Line     orb.LineString   // split

	Name, Code *string // add, update
	LeaderID   *int64  // update, with SetLeader; nil clears
	SetLeader  bool
}

// Shape is a new boundary for one grid.
type Shape struct {
	ID       int64
	Geometry orb.MultiPolygon
}

// vertexTolerance is how close (in degrees) two vertices must be to be
// the same shared vertex: the stored precision.
const vertexTolerance = 1e-7

// apply makes op on a copy of st and returns it. root is the draft's
// root (its level and code, for new grids directly below it).
func (s *Service) apply(ctx context.Context, st State, root rootInfo, op Op) (State, error) {
	st = st.clone()
	switch op.Kind {
	case "reshape":
		for i, sh := range op.Shapes {
			k := st.index(sh.ID)
			if k < 0 {
				return st, inputErr("grids["+strconv.Itoa(i)+"].id", "grid %d is not in the draft", sh.ID)
			}
			st.Grids[k].Geometry = sh.Geometry
		}
	case "move_vertex":
		if moveVertex(&st, op.From, op.To) == 0 {
			return st, inputErr("from", "no grid of the draft has a vertex at %.7f,%.7f", op.From[0], op.From[1])
		}
	case "add":
		return addGrid(st, root, op)
	case "split":
		return s.split(ctx, st, root, op)
	case "merge":
		return s.merge(ctx, st, op)
	case "delete":
		k := st.index(op.ID)
		if k < 0 {
			return st, inputErr("id", "grid %d is not in the draft", op.ID)
		}
		st.Grids = slices.DeleteFunc(st.Grids, func(g GridState) bool { return g.ID == op.ID || g.ParentID == op.ID })
	case "update":
		return update(st, op)
	default:
		return st, inputErr("op", "want reshape, move_vertex, add, split, merge, delete or update")
	}
	return st, nil
}

// moveVertex moves every vertex at from to to, in every grid, so an edge
// shared by neighbours stays shared. It returns how many moved.
func moveVertex(st *State, from, to orb.Point) int {
	n := 0
	for gi := range st.Grids {
		for _, poly := range st.Grids[gi].Geometry {
			for _, ring := range poly {
				for k, p := range ring {
					if math.Abs(p[0]-from[0]) <= vertexTolerance && math.Abs(p[1]-from[1]) <= vertexTolerance {
						ring[k] = to
						n++
					}
				}
			}
		}
	}
	return n
}

// parentOf returns the level and code of a grid that may be a parent:
// the root or a grid of the draft.
func parentOf(st State, root rootInfo, id int64) (level int, code string, ok bool) {
	if id == root.ID {
		return root.Level, root.Code, true
	}
	if k := st.index(id); k >= 0 {
		return st.Grids[k].Level, st.Grids[k].Code, true
	}
	return 0, "", false
}

// nextCode returns the next free code below a parent: the parent's code
// and a two-digit sequence after the highest among its children.
func nextCode(st State, parent int64, parentCode string) string {
	width := 2
	if len(parentCode) == 9 {
		width = 3
	}
	high := 0
	for _, g := range st.Grids {
		if g.ParentID != parent || len(g.Code) != len(parentCode)+width {
			continue
		}
		if n, err := strconv.Atoi(g.Code[len(parentCode):]); err == nil && n > high {
			high = n
		}
	}
	return fmt.Sprintf("%s%0*d", parentCode, width, high+1)
}

func (st *State) newID() int64 {
	if st.NextID >= 0 {
		st.NextID = -1
	}
	id := st.NextID
	st.NextID--
	return id
}

func addGrid(st State, root rootInfo, op Op) (State, error) {
	level, code, ok := parentOf(st, root, op.ParentID)
	if !ok {
		return st, inputErr("parent_id", "grid %d is neither the draft's root nor in the draft", op.ParentID)
	}
	if level >= 3 {
		return st, inputErr("parent_id", "a compound grid (level 3) has no children")
	}
	g := GridState{ID: st.newID(), ParentID: op.ParentID, Level: level + 1, Geometry: op.Geometry}
	if op.Name == nil {
		return st, inputErr("name", "required")
	}
	g.Name = *op.Name
	if err := checkName("name", g.Name); err != nil {
		return st, err
	}
	g.Code = nextCode(st, op.ParentID, code)
	if op.Code != nil && *op.Code != "" {
		g.Code = *op.Code
	}
	st.Grids = append(st.Grids, g)
	return st, nil
}

func update(st State, op Op) (State, error) {
	k := st.index(op.ID)
	if k < 0 {
		return st, inputErr("id", "grid %d is not in the draft", op.ID)
	}
	g := &st.Grids[k]
	if op.Name != nil {
		if err := checkName("name", *op.Name); err != nil {
			return st, err
		}
		g.Name = *op.Name
	}
	if op.Code != nil {
		g.Code = *op.Code
	}
	if op.SetLeader {
		g.LeaderID = op.LeaderID
	}
	return st, nil
}

// split cuts a grid along a line with PostGIS into new grids; the old one
// leaves the draft and is retired on publish. Children of a split
// community follow the part that holds them.
func (s *Service) split(ctx context.Context, st State, root rootInfo, op Op) (State, error) {
	k := st.index(op.ID)
	if k < 0 {
		return st, inputErr("id", "grid %d is not in the draft", op.ID)
	}
	old := st.Grids[k]
	parts, err := s.st.SplitPolygon(ctx, old.Geometry, op.Line)
	if err != nil {
		return st, err
	}
	if len(parts) < 2 {
		return st, inputErr("line", "does not cut the grid in two: draw it across the grid from edge to edge")
	}
	_, parentCode, _ := parentOf(st, root, old.ParentID)
	st.Grids = slices.Delete(st.Grids, k, k+1)
	ids := make([]int64, len(parts))
	for i, part := range parts {
		g := GridState{ID: st.newID(), ParentID: old.ParentID, Level: old.Level, LeaderID: old.LeaderID,
			Name: clipName(old.Name, " "+strconv.Itoa(i+1)), Geometry: part}
		if i == 0 {
			g.Code = old.Code
		} else {
			g.Code = nextCode(st, old.ParentID, parentCode)
		}
		ids[i] = g.ID
		st.Grids = append(st.Grids, g)
	}
	for ci := range st.Grids {
		if st.Grids[ci].ParentID != old.ID {
			continue
		}
		at := interiorPoint(st.Grids[ci].Geometry)
		st.Grids[ci].ParentID = ids[0]
		for i, part := range parts {
			if planar.MultiPolygonContains(part, at) {
				st.Grids[ci].ParentID = ids[i]
			}
		}
	}
	return st, nil
}

// merge joins neighbouring siblings into one new grid with the first
// one's code, name and leader.
func (s *Service) merge(ctx context.Context, st State, op Op) (State, error) {
	if len(op.IDs) < 2 {
		return st, inputErr("ids", "name at least two grids to merge")
	}
	var shapes []orb.MultiPolygon
	var first GridState
	for i, id := range op.IDs {
		k := st.index(id)
		if k < 0 {
			return st, inputErr("ids", "grid %d is not in the draft", id)
		}
		g := st.Grids[k]
		if i == 0 {
			first = g
		} else if g.ParentID != first.ParentID || g.Level != first.Level {
			return st, inputErr("ids", "grids %d and %d are not siblings", first.ID, id)
		}
		shapes = append(shapes, g.Geometry)
	}
	union, err := s.st.UnionPolygons(ctx, shapes)
	if err != nil {
		return st, err
	}
	if len(union) != 1 {
		return st, inputErr("ids", "the grids are not neighbours: their union has %d separate parts", len(union))
	}
	merged := GridState{ID: st.newID(), ParentID: first.ParentID, Level: first.Level, Code: first.Code,
		Name: first.Name, LeaderID: first.LeaderID, Geometry: union}
	st.Grids = slices.DeleteFunc(st.Grids, func(g GridState) bool { return slices.Contains(op.IDs, g.ID) })
	for i := range st.Grids {
		if slices.Contains(op.IDs, st.Grids[i].ParentID) {
			st.Grids[i].ParentID = merged.ID
		}
	}
	st.Grids = append(st.Grids, merged)
	return st, nil
}

// clipName appends suffix, keeping the name within 100 characters.
func clipName(name, suffix string) string {
	r := []rune(name)
	if max := 100 - len([]rune(suffix)); len(r) > max {
		r = r[:max]
	}
	return string(r) + suffix
}

// interiorPoint is a point inside the largest polygon's outer ring (its
// centroid when that lies inside, else a vertex-free midpoint search).
func interiorPoint(mp orb.MultiPolygon) orb.Point {
	best, area := orb.Polygon(nil), -1.0
	for _, p := range mp {
		if a := math.Abs(planar.Area(p)); a > area {
			best, area = p, a
		}
	}
	if best == nil {
		return orb.Point{}
	}
	c, _ := planar.CentroidArea(best)
	if planar.PolygonContains(best, c) {
		return c
	}
	ring := best[0]
	for i := 1; i < len(ring)-1; i++ {
		m := orb.Point{(ring[0][0] + ring[i+1][0] + ring[i][0]) / 3, (ring[0][1] + ring[i+1][1] + ring[i][1]) / 3}
		if planar.PolygonContains(best, m) {
			return m
		}
	}
	return ring[0]
}
