package auth

import (
	"slices"
	"testing"
)

// 1 subdistrict
// ├── 2 community
// │   ├── 4 compound
// │   └── 5 compound
// └── 3 community
//
//	└── 6 compound
func testHierarchy() *Hierarchy {
	return NewHierarchy(map[int64]int64{1: 0, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3})
}

func TestScopeContains(t *testing.T) {
	t.Parallel()
	h := testHierarchy()
	tests := []struct {
		name string
		root int64
		grid int64
		want bool
	}{
		{"whole area sees a leaf", 0, 6, true},
		{"whole area sees unknown", 0, 99, true},
		{"community sees itself", 2, 2, true},
		{"community sees its compound", 2, 5, true},
		{"community does not see sibling's compound", 2, 6, false},
		{"community does not see its parent", 2, 1, false},
		{"compound does not see its sibling", 4, 5, false},
		{"unknown grid is outside", 2, 99, false},
		{"zero grid is outside", 2, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Scope{Root: tt.root}).Contains(h, tt.grid); got != tt.want {
				t.Errorf("Contains = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScopeGridIDs(t *testing.T) {
	t.Parallel()
	h := testHierarchy()
	if ids := (Scope{}).GridIDs(h); ids != nil {
		t.Errorf("whole area: %v, want nil", ids)
	}
	ids := Scope{Root: 2}.GridIDs(h)
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{2, 4, 5}) {
		t.Errorf("subtree of 2: %v", ids)
	}
	if ids := (Scope{Root: 99}).GridIDs(h); ids == nil || len(ids) != 0 {
		t.Errorf("unknown root: %v, want empty, not nil", ids)
	}
}

func TestCycleTerminates(t *testing.T) {
	t.Parallel()
	h := NewHierarchy(map[int64]int64{1: 2, 2: 1})
	if (Scope{Root: 3}).Contains(h, 1) {
		t.Error("cycle: want false")
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"王秀平": "王**", "李明": "李*", "章": "章*", "": ""} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := MaskPhone("19900001234"); got != "199******34" {
		t.Errorf("MaskPhone = %q", got)
	}
}

func TestRolePermissions(t *testing.T) {
	t.Parallel()
	for _, r := range Roles() {
		if !r.Can(Public) || !r.Can(LoggedIn) {
			t.Errorf("%s lacks public/logged-in", r)
		}
	}
	if Viewer.Can(ReadPeople) || Planner.Can(ReadPeople) || Device.Can(ReadMap) || Staff.Can(WritePeople) || Admin.Can(PostPositions) || Viewer.Can(ReadMetrics) || Device.Can(ReadMetrics) || Device.Can(ChangePassword) {
		t.Error("a role holds a permission it must not")
	}
	if !GridLeader.Can(WriteField) || !Planner.Can(WriteBoundary) || !Device.Can(PostPositions) || !Admin.Can(ReadMetrics) || !Viewer.Can(ChangePassword) {
		t.Error("a role lacks a permission it needs")
	}
	var nobody *Principal
	if nobody.Can(ReadMap) || !nobody.Can(Public) {
		t.Error("nil principal")
	}
}

func TestPrincipalScope(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		p    *Principal
		root int64
	}{
		{"nobody", nil, 0},
		{"admin", &Principal{Role: Admin}, 0},
		{"viewer of the whole area", &Principal{Role: Viewer}, 0},
		{"wall link's viewer", &Principal{Role: Viewer, GridID: 4}, 4},
		{"grid leader", &Principal{Role: GridLeader, GridID: 2}, 2},
		{"staff", &Principal{Role: Staff, GridID: 5}, 5},
		{"a planner given a grid stays unscoped", &Principal{Role: Planner, GridID: 4}, 0},
	} {
		if got := tt.p.Scope().Root; got != tt.root {
			t.Errorf("%s: scope root %d, want %d", tt.name, got, tt.root)
		}
	}
	if (&Principal{Role: Viewer, GridID: 4}).Scope().Contains(testHierarchy(), 5) {
		t.Error("the wall of compound 4 sees its neighbour 5")
	}
}

func TestToken(t *testing.T) {
	t.Parallel()
	a, ha := NewToken("gmt_")
	b, _ := NewToken("gmt_")
	if a == b || len(a) < 40 || string(HashToken(a)) != string(ha) {
		t.Errorf("tokens %q %q", a, b)
	}
}
