package basemap_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gridmap/gridmap/basemap"
)

// TestCovers: a tile counts when its zoom is the file's and its square
// meets the bounds (113.6–113.7 E, 34.6–34.8 N: tiles 3340–3341 and
// rows 1625–1627 at zoom 12).
func TestCovers(t *testing.T) {
	t.Parallel()
	md := basemap.Metadata{MinZoom: 10, MaxZoom: 12, Bounds: [4]float64{113.6, 34.6, 113.7, 34.8}}
	cases := []struct {
		name    string
		z, x, y int
		want    bool
	}{
		{"inside", 12, 3341, 1626, true},
		{"west edge tile", 12, 3340, 1627, true},
		{"east of the bounds", 12, 3342, 1626, false},
		{"north of the bounds", 12, 3341, 1624, false},
		{"south of the bounds", 12, 3341, 1629, false},
		{"coarsest zoom", 10, 835, 406, true},
		{"below the zooms", 9, 417, 203, false},
		{"above the zooms", 13, 6682, 3252, false},
		{"off the world", 12, 4096, 0, false},
		{"negative", 12, -1, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := md.Covers(c.z, c.x, c.y); got != c.want {
				t.Errorf("Covers(%d, %d, %d) = %v, want %v", c.z, c.x, c.y, got, c.want)
			}
		})
	}
}

func TestTileJSON(t *testing.T) {
	t.Parallel()
	md := basemap.Metadata{Name: "v", Format: basemap.PBF, MinZoom: 0, MaxZoom: 14, Bounds: [4]float64{-180, -85, 180, 85},
		Center: [3]float64{113.6, 34.7, 12}, JSON: `{"vector_layers":[{"id":"roads"}]}`}
	doc := md.TileJSON("http://h/basemap/{z}/{x}/{y}")
	if doc["tilejson"] != "3.0.0" || doc["scheme"] != "xyz" || doc["tiles"].([]string)[0] != "http://h/basemap/{z}/{x}/{y}" ||
		doc["center"] != md.Center || string(doc["vector_layers"].(json.RawMessage)) != `[{"id":"roads"}]` {
		t.Errorf("TileJSON = %v", doc)
	}
	md.Format, md.Center = basemap.PNG, [3]float64{}
	if doc := md.TileJSON("x"); doc["vector_layers"] != nil || doc["center"] != nil {
		t.Errorf("raster TileJSON = %v, want no vector_layers and no center", doc)
	}
}

func TestSources(t *testing.T) {
	t.Parallel()
	offline := &basemap.Metadata{Format: basemap.PNG, MinZoom: 10, MaxZoom: 16, Bounds: [4]float64{113, 34, 114, 35}}
	cases := []struct {
		name     string
		o        basemap.Options
		ids, def string
	}{
		{"nothing configured", basemap.Options{}, "none", "none"},
		{"osm", basemap.Options{OSM: "https://t/{z}/{x}/{y}.png"}, "osm none", "osm"},
		{"amap alone is never the default", basemap.Options{AMap: basemap.DefaultAMapURL}, "amap none", "none"},
		{"tianditu", basemap.Options{AMap: basemap.DefaultAMapURL, TiandituKey: "k"}, "amap tianditu none", "tianditu"},
		{"offline first", basemap.Options{OSM: "https://t/{z}/{x}/{y}.png", AMap: "a{z}{x}{y}", Offline: offline, OfflineURL: "/basemap/{z}/{x}/{y}"},
			"offline osm amap none", "offline"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, def := basemap.Sources(c.o)
			var ids []string
			for _, s := range list {
				ids = append(ids, s.ID)
				if s.ID == basemap.AMap && s.Datum != basemap.GCJ02 || s.ID != basemap.AMap && s.Datum != basemap.WGS84 {
					t.Errorf("%s datum %s", s.ID, s.Datum)
				}
			}
			if strings.Join(ids, " ") != c.ids || def != c.def {
				t.Errorf("Sources = %v default %s, want %s default %s", ids, def, c.ids, c.def)
			}
		})
	}
	list, _ := basemap.Sources(basemap.Options{Offline: offline, OfflineURL: "/b/{z}/{x}/{y}"})
	if s := list[0]; s.MinZoom != 10 || s.MaxZoom != 16 || *s.Bounds != offline.Bounds || s.Format != "png" || s.Tiles[0] != "/b/{z}/{x}/{y}" {
		t.Errorf("offline source = %+v", s)
	}
}
