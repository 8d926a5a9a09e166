package planning_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/planning"
	"github.com/gridmap/gridmap/store"
)

func TestPublishInput(t *testing.T) {
	t.Parallel()
	rev := 3
	for _, tt := range []struct {
		name  string
		in    planning.PublishInput
		field string
	}{
		{"ok", planning.PublishInput{Revision: &rev, Note: "redraw along the river"}, ""},
		{"no revision", planning.PublishInput{Note: "x"}, "revision"},
		{"a note of 501 characters", planning.PublishInput{Revision: &rev, Note: strings.Repeat("界", 501)}, "note"},
		{"a note of 500", planning.PublishInput{Revision: &rev, Note: strings.Repeat("界", 500)}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			if model.FieldOf(err) != tt.field || (tt.field != "") != (model.KindOf(err) == model.Invalid) {
				t.Errorf("got %v, want Invalid on %q (empty: valid)", err, tt.field)
			}
		})
	}
	if err := (&planning.RollbackInput{Note: strings.Repeat("x", 501)}).Validate(); model.FieldOf(err) != "note" {
		t.Errorf("rollback with a long note: %v", err)
	}
}

func TestRedrawAndCompareRefuse(t *testing.T) {
	t.Parallel()
	db := testdb.Demo(t)
	ctx := context.Background()
	svc := planning.New(db.Store, time.UTC, nil)
	h, err := access.New(db.Store, nil, nil).Hierarchy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var root, compound int64
	for _, id := range h.All() {
		switch h.Level(id) {
		case 1:
			root = id
		case 3:
			compound = id
		}
	}
	square := json.RawMessage(`{"type":"Polygon","coordinates":[[[113.62,34.75],[113.63,34.75],[113.63,34.76],[113.62,34.76],[113.62,34.75]]]}`)
	a := store.Actor{Name: "test"}
	for _, tt := range []struct {
		name  string
		grid  int64
		in    planning.BoundaryInput
		kind  model.Kind
		field string
	}{
		{"no geometry", compound, planning.BoundaryInput{}, model.Invalid, "geometry"},
		{"a long note", compound, planning.BoundaryInput{Geometry: square, Note: strings.Repeat("x", 501)}, model.Invalid, "note"},
		{"a point", compound, planning.BoundaryInput{Geometry: json.RawMessage(`{"type":"Point","coordinates":[113.62,34.75]}`)}, model.Invalid, "geometry"},
		{"the subdistrict", root, planning.BoundaryInput{Geometry: square}, model.Unprocessable, "id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Redraw(ctx, a, tt.grid, tt.in)
			if model.KindOf(err) != tt.kind || !strings.HasPrefix(model.FieldOf(err), tt.field) {
				t.Errorf("got %v (%v on %q), want %v on %s", err, model.KindOf(err), model.FieldOf(err), tt.kind, tt.field)
			}
		})
	}
	last, err := db.Store.LastPublication(ctx)
	if err != nil || last == 0 {
		t.Fatalf("last publication %d: %v", last, err)
	}
	if _, err := svc.Compare(ctx, last, last); err != nil {
		t.Errorf("compare a publication with itself: %v", err)
	}
	for _, tt := range []struct {
		from, to int64
		field    string
	}{{last + 1, last, "from"}, {last, last + 1, "to"}} {
		if _, err := svc.Compare(ctx, tt.from, tt.to); model.KindOf(err) != model.NotFound || model.FieldOf(err) != tt.field {
			t.Errorf("compare %d with %d: %v, want NotFound on %s", tt.from, tt.to, err, tt.field)
		}
	}
}
