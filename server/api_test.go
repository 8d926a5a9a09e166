package server_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/paulmach/orb/geojson"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

// newServer starts the real server over a fresh demo database and
// returns it with a client logged in as an admin.
func newServer(t *testing.T) (*client, *testdb.DB) {
	t.Helper()
	e := newEnv(t, server.Config{DefaultLang: "zh-CN"})
	return e.client(t, "admin", auth.Admin, 0), e.db
}

func TestAPIBadParameters(t *testing.T) {
	t.Parallel()
	c, _ := newServer(t)
	tests := []struct {
		path   string
		status int
		field  string
	}{
		{"/api/grids?bbox=1,2,3", 400, "bbox"},
		{"/api/grids?bbox=a,b,c,d", 400, "bbox"},
		{"/api/grids?bbox=113.7,34.7,113.6,34.8", 400, "bbox"},
		{"/api/grids?bbox=181,0,182,1", 400, "bbox"},
		{"/api/grids?bbox=0,-91,1,1", 400, "bbox"},
		{"/api/grids?bbox=NaN,0,1,1", 400, "bbox"},
		{"/api/grids?level=4", 400, "level"},
		{"/api/grids?level=0", 400, "level"},
		{"/api/grids?level=community", 400, "level"},
		{"/api/grids?parent=x", 400, "parent"},
		{"/api/grids?levle=2", 400, "levle"},
		{"/api/grids?level=2&level=3", 400, "level"},
		{"/api/grids/abc", 400, "id"},
		{"/api/grids/0", 400, "id"},
		{"/api/grids/-3", 400, "id"},
		{"/api/grids/99999999999999999999", 400, "id"},
		{"/api/grids/1.5", 400, "id"},
		{"/api/grids/424242", 404, "id"},
		{"/api/tree?root=x", 400, "root"},
		{"/api/tree?root=424242", 404, "root"},
		{"/api/buildings", 400, "bbox"},
		{"/api/buildings?grid=1&limit=0", 400, "limit"},
		{"/api/buildings?grid=1&limit=20001", 400, "limit"},
		{"/api/buildings?grid=-1", 400, "grid"},
		{"/api/nothing", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var body struct {
				Error, Field, RequestID string
			}
			status := c.get(tt.path, &body)
			if status != tt.status || body.Field != tt.field || body.Error == "" {
				t.Errorf("status %d field %q error %q, want %d %q", status, body.Field, body.Error, tt.status, tt.field)
			}
		})
	}
}

func TestAPIGrids(t *testing.T) {
	t.Parallel()
	c, _ := newServer(t)
	for _, tt := range []struct {
		query string
		want  int
	}{
		{"level=1", 1}, {"level=2", 7}, {"level=3", 23}, {"", 31},
		{"parent=1", 7}, {"level=3&parent=2", 3},
		{"bbox=113.60,34.70,113.70,34.80", 31}, // all of it
		{"bbox=0,0,1,1", 0},                    // nowhere near
	} {
		t.Run(tt.query, func(t *testing.T) {
			res := c.do("GET", "/api/grids?"+tt.query, nil)
			if ct := res.Header.Get("Content-Type"); ct != "application/geo+json; charset=utf-8" {
				t.Errorf("content type %q", ct)
			}
			fc, err := geojson.UnmarshalFeatureCollection(res.Body)
			if err != nil {
				t.Fatalf("not GeoJSON: %v", err)
			}
			if len(fc.Features) != tt.want {
				t.Errorf("%d features, want %d", len(fc.Features), tt.want)
			}
			for _, f := range fc.Features {
				if f.Geometry.GeoJSONType() != "MultiPolygon" || f.Properties["name"] == "" {
					t.Errorf("feature %v: %s %v", f.ID, f.Geometry.GeoJSONType(), f.Properties)
				}
			}
		})
	}
	// A small box in the middle of the area holds some grids, not all.
	var fc geojson.FeatureCollection
	c.get("/api/grids?level=3&bbox=113.6295,34.7545,113.6305,34.7555", &fc)
	if n := len(fc.Features); n < 1 || n > 6 {
		t.Errorf("small bbox: %d level-3 grids", n)
	}
}

// TestAPIGridCountsMatchSQL compares every grid's roll-up from the API
// with the same figures computed directly in SQL, spatially.
func TestAPIGridCountsMatchSQL(t *testing.T) {
	t.Parallel()
	c, db := newServer(t)
	wants := testdb.SpatialCounts(t, db)
	if len(wants) != 31 {
		t.Fatalf("%d grids, want 31", len(wants))
	}
	for id, want := range wants {
		var f struct {
			Properties struct {
				Counts store.Counts
			}
		}
		if status := c.get(fmt.Sprintf("/api/grids/%d", id), &f); status != 200 {
			t.Fatalf("grid %d: status %d", id, status)
		}
		if f.Properties.Counts != want {
			t.Errorf("grid %d: API %+v, SQL %+v", id, f.Properties.Counts, want)
		}
	}
}

func TestAPIGridDetail(t *testing.T) {
	t.Parallel()
	c, _ := newServer(t)
	var f struct {
		BBox       []float64
		Properties struct {
			Name   string
			Level  int
			Path   []store.GridRef
			AreaM2 float64 `json:"area_m2"`
			Leader *store.PersonRef
		}
	}
	if status := c.get("/api/grids/9", &f); status != 200 {
		t.Fatalf("status %d", status)
	}
	p := f.Properties
	if p.Name != "桐柏路61号院" || p.Level != 3 || len(p.Path) != 3 || p.Path[0].Name != "建设路街道" || p.Path[2].ID != 9 {
		t.Errorf("grid 9: %+v", p)
	}
	if len(f.BBox) != 4 || f.BBox[0] >= f.BBox[2] || p.AreaM2 < 5000 {
		t.Errorf("bbox %v area %v", f.BBox, p.AreaM2)
	}
}

func TestAPITreeAndBuildings(t *testing.T) {
	t.Parallel()
	c, _ := newServer(t)
	var tree struct{ Roots []store.TreeNode }
	c.get("/api/tree", &tree)
	if len(tree.Roots) != 1 || len(tree.Roots[0].Children) != 7 {
		t.Fatalf("tree: %d roots", len(tree.Roots))
	}
	l3 := 0
	for _, c := range tree.Roots[0].Children {
		l3 += len(c.Children)
	}
	if l3 != 23 {
		t.Errorf("tree has %d level-3 grids, want 23", l3)
	}

	var all struct {
		Features  []json.RawMessage
		Truncated bool
	}
	c.get("/api/buildings?grid=1&limit=20000", &all)
	if len(all.Features) < 300 || all.Truncated {
		t.Errorf("subdistrict: %d buildings, truncated %v", len(all.Features), all.Truncated)
	}
	var some struct {
		Features  []json.RawMessage
		Truncated bool
	}
	c.get("/api/buildings?grid=1&limit=10", &some)
	if len(some.Features) != 10 || !some.Truncated {
		t.Errorf("limit 10: %d buildings, truncated %v", len(some.Features), some.Truncated)
	}
}
