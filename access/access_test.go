package access

import (
	"context"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
)

// source counts its loads of a small hierarchy: 1 ← 2 ← {3, 4}, 1 ← 5.
type source struct{ loads int }

func (s *source) Hierarchy(context.Context) (*auth.Hierarchy, error) {
	s.loads++
	return auth.NewHierarchy(map[int64]int64{1: 0, 2: 1, 3: 2, 4: 2, 5: 1}), nil
}

type follower struct{ got *auth.Hierarchy }

func (f *follower) SetHierarchy(h *auth.Hierarchy) { f.got = h }

func TestHierarchyCache(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	src, fol := &source{}, &follower{}
	s := New(src, fol, func() time.Time { return now })
	ctx := context.Background()
	h, _ := s.Hierarchy(ctx)
	s.Hierarchy(ctx)
	if src.loads != 1 || fol.got != h {
		t.Fatalf("%d loads, follower told %v; want 1 load handed to the follower", src.loads, fol.got != nil)
	}
	now = now.Add(maxAge)
	s.Hierarchy(ctx)
	s.Invalidate()
	s.Hierarchy(ctx)
	if src.loads != 3 {
		t.Errorf("%d loads, want a reload when %v old and one after Invalidate", src.loads, maxAge)
	}
}

func TestCheckGrid(t *testing.T) {
	t.Parallel()
	s := New(&source{}, nil, nil)
	leader := &auth.Principal{Role: auth.GridLeader, GridID: 2}
	admin := &auth.Principal{Role: auth.Admin}
	for _, tt := range []struct {
		name string
		p    *auth.Principal
		grid int64
		want model.Kind
	}{
		{"own root", leader, 2, model.Internal},
		{"below it", leader, 4, model.Internal},
		{"a sibling", leader, 5, model.Forbidden},
		{"the parent", leader, 1, model.Forbidden},
		{"no such grid", leader, 99, model.NotFound},
		{"admin anywhere", admin, 5, model.Internal},
		{"admin, no such grid", admin, 99, model.NotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CheckGrid(context.Background(), tt.p, "grid_id", tt.grid)
			if model.KindOf(err) != tt.want || (err != nil && model.FieldOf(err) != "grid_id") {
				t.Errorf("got %v, want kind %v on grid_id", err, tt.want)
			}
		})
	}
}

func TestCheckHomeAndPerson(t *testing.T) {
	t.Parallel()
	s := New(&source{}, nil, nil)
	ctx := context.Background()
	leader := &auth.Principal{Role: auth.GridLeader, GridID: 2}
	admin := &auth.Principal{Role: auth.Admin}
	for _, tt := range []struct {
		name string
		err  error
		want model.Kind
	}{
		{"home in scope", s.CheckHome(ctx, leader, "home_grid_id", 3), model.Internal},
		{"no home, scoped", s.CheckHome(ctx, leader, "home_grid_id", 0), model.Invalid},
		{"no home, admin", s.CheckHome(ctx, admin, "home_grid_id", 0), model.Internal},
		{"home nowhere", s.CheckHome(ctx, leader, "home_grid_id", 99), model.Invalid},
		{"home outside", s.CheckHome(ctx, leader, "home_grid_id", 5), model.Forbidden},
		{"person of no grid, scoped", s.CheckPersonGrid(ctx, leader, "head_id", 0), model.Forbidden},
		{"person of no grid, admin", s.CheckPersonGrid(ctx, admin, "head_id", 0), model.Internal},
		{"person outside", s.CheckPersonGrid(ctx, leader, "head_id", 5), model.Forbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if model.KindOf(tt.err) != tt.want {
				t.Errorf("got %v, want kind %v", tt.err, tt.want)
			}
		})
	}
	if ids, _ := s.ScopeIDs(ctx, admin); ids != nil {
		t.Errorf("admin's scope ids %v, want nil (all)", ids)
	}
	if ids, _ := s.ScopeIDs(ctx, leader); len(ids) != 3 {
		t.Errorf("leader's scope ids %v, want 2, 3 and 4", ids)
	}
}

func TestCheckPast(t *testing.T) {
	t.Parallel()
	s := New(&source{}, nil, nil)
	ctx := context.Background()
	leader := &auth.Principal{Role: auth.GridLeader, GridID: 2}
	admin := &auth.Principal{Role: auth.Admin}
	for _, tt := range []struct {
		name string
		p    *auth.Principal
		grid int64
		want model.Kind
	}{
		{"admin, a grid retired since", admin, 99, model.Internal},
		{"leader, below their root", leader, 4, model.Internal},
		{"leader, a sibling", leader, 5, model.Forbidden},
		{"leader, a grid retired since", leader, 99, model.NotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.CheckPast(ctx, tt.p, "root", tt.grid); model.KindOf(err) != tt.want {
				t.Errorf("got %v, want kind %v", err, tt.want)
			}
		})
	}
}

func TestMasking(t *testing.T) {
	t.Parallel()
	name, phone := "张三丰", "19900000001"
	viewer, leader := &auth.Principal{Role: auth.Viewer}, &auth.Principal{Role: auth.GridLeader, GridID: 2}
	if MaskName(leader, name) != name || *MaskPhone(leader, &phone) != phone || *MaskNamePtr(leader, &name) != name {
		t.Error("a role with read:people sees masked names or phones")
	}
	if MaskName(viewer, name) != auth.MaskName(name) || *MaskPhone(viewer, &phone) != auth.MaskPhone(phone) ||
		*MaskNamePtr(viewer, &name) != auth.MaskName(name) {
		t.Error("a role without read:people sees whole names or phones")
	}
	if MaskPhone(viewer, nil) != nil || MaskNamePtr(viewer, nil) != nil {
		t.Error("a missing name or phone became a value")
	}
}
