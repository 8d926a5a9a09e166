package planning

import (
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/boundaryfile"
)

// square is a closed unit-ish square ring at (x, y) with side d.
func square(x, y, d float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}}
}

// Two neighbours share the edge x = 1: moving one of its vertices moves
// it in both, and nothing else moves.
func TestMoveVertex(t *testing.T) {
	t.Parallel()
	st := State{Grids: []GridState{{ID: 1, Geometry: square(0, 0, 1)}, {ID: 2, Geometry: square(1, 0, 1)}, {ID: 3, Geometry: square(5, 5, 1)}}}
	tests := []struct {
		name     string
		from, to orb.Point
		moved    int
	}{
		{"shared vertex", orb.Point{1, 1}, orb.Point{1.2, 1.1}, 2},
		{"within the tolerance, both copies of a closing vertex", orb.Point{1 + 5e-8, 0}, orb.Point{1, -0.1}, 3},
		{"a first vertex moves its closing copy too", orb.Point{0, 0}, orb.Point{-0.1, 0}, 2},
		{"no vertex there", orb.Point{0.5, 0.5}, orb.Point{0.6, 0.6}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := st.clone()
			if n := moveVertex(&c, tc.from, tc.to); n != tc.moved {
				t.Fatalf("moved %d vertices, want %d", n, tc.moved)
			}
			if tc.moved > 0 && tc.name == "shared vertex" {
				if c.Grids[0].Geometry[0][0][2] != tc.to || c.Grids[1].Geometry[0][0][3] != tc.to {
					t.Errorf("the shared vertex did not move in both grids: %v %v", c.Grids[0].Geometry, c.Grids[1].Geometry)
				}
			}
			if !orb.Equal(c.Grids[2].Geometry, st.Grids[2].Geometry) {
				t.Errorf("an unrelated grid moved")
			}
		})
	}
	if st.Grids[0].Geometry[0][0][2] != (orb.Point{1, 1}) {
		t.Errorf("moving a clone changed the original state")
	}
}

func TestNextCode(t *testing.T) {
	t.Parallel()
	st := State{Grids: []GridState{
		{ID: 2, ParentID: 1, Code: "410102003001"}, {ID: 3, ParentID: 1, Code: "410102003007"},
		{ID: 9, ParentID: 2, Code: "41010200300101"}, {ID: 10, ParentID: 2, Code: "41010200300104"},
	}}
	tests := []struct {
		parent int64
		code   string
		want   string
	}{
		{1, "410102003", "410102003008"},
		{2, "410102003001", "41010200300105"},
		{3, "410102003007", "41010200300701"},
	}
	for _, tc := range tests {
		if got := nextCode(st, tc.parent, tc.code); got != tc.want {
			t.Errorf("next code under %s: %s, want %s", tc.code, got, tc.want)
		}
	}
}

// An import matches grids by id, then by code; an unknown code becomes a
// new grid under the grid its code starts with; the root and codes that
// fit nowhere are left out with a reason.
func TestOverlay(t *testing.T) {
	t.Parallel()
	root := rootInfo{ID: 2, Level: 2, Code: "410102003001"}
	st := State{NextID: -1, Grids: []GridState{
		{ID: 9, ParentID: 2, Level: 3, Code: "41010200300101", Name: "甲", Geometry: square(0, 0, 1)},
		{ID: 10, ParentID: 2, Level: 3, Code: "41010200300102", Name: "乙", Geometry: square(1, 0, 1)},
	}}
	fs := []boundaryfile.Feature{
		{ID: 9, Code: "x", Name: "甲改", Level: 3, Geometry: square(0, 0, 0.9)},
		{Code: "41010200300102", Level: 3, Geometry: square(1, 0, 0.9)},
		{Code: "41010200300109", Name: "新", Level: 3, Geometry: square(2, 0, 1)},
		{Code: "410102003001", Level: 2, Geometry: square(0, 0, 3)},
		{Code: "41010200399901", Level: 3, Geometry: square(9, 9, 1)},
	}
	rep := &ImportReport{}
	out := overlay(st, root, fs, rep)
	if rep.Matched != 2 || rep.New != 1 || len(rep.Ignored) != 2 {
		t.Fatalf("matched %d, new %d, ignored %+v", rep.Matched, rep.New, rep.Ignored)
	}
	if out.Grids[0].Name != "甲改" || out.Grids[1].Name != "乙" || !orb.Equal(out.Grids[1].Geometry, fs[1].Geometry) {
		t.Errorf("matched grids: %+v", out.Grids[:2])
	}
	if g := out.Grids[2]; g.ID != -1 || g.ParentID != 2 || g.Code != "41010200300109" || g.Name != "新" {
		t.Errorf("new grid: %+v", g)
	}
	if st.Grids[0].Name != "甲" {
		t.Errorf("overlay changed the state it was given")
	}
}
