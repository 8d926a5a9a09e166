package server_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

type ogcLink struct{ Href, Rel, Type string }

type ogcPage struct {
	Type     string
	Features []struct {
		Type       string
		ID         int64
		Geometry   json.RawMessage
		Properties map[string]any
	}
	NumberReturned int `json:"numberReturned"`
	Links          []ogcLink
}

func (p ogcPage) link(rel string) string {
	for _, l := range p.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// walk follows next links from path to the end and returns the ids in
// the order given, and the number of pages.
func walk(t *testing.T, c *client, base, path string) ([]int64, int) {
	t.Helper()
	var out []int64
	pages := 0
	for path != "" {
		var p ogcPage
		if s := c.get(path, &p); s != 200 {
			t.Fatalf("GET %s: %d", path, s)
		}
		pages++
		if p.Type != "FeatureCollection" || p.NumberReturned != len(p.Features) || p.link("self") == "" {
			t.Fatalf("GET %s: %+v", path, p)
		}
		for _, f := range p.Features {
			if f.Type != "Feature" || len(f.Geometry) == 0 {
				t.Fatalf("GET %s: feature %+v", path, f)
			}
			out = append(out, f.ID)
		}
		path = strings.TrimPrefix(p.link("next"), base)
		if pages > 1000 {
			t.Fatal("next links do not end")
		}
	}
	return out, pages
}

// sqlList runs a query of ids and gives them in its order.
func sqlList(t *testing.T, e *env, sql string, args ...any) []int64 {
	t.Helper()
	rows, err := e.conn.Query(t.Context(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		out = append(out, id)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return out
}

// TestOGCFeatures walks the OGC API – Features documents as a GIS client
// does: the landing page leads to the conformance classes and the
// collections; each collection's items, walked by next links to the end,
// are every feature the SQL finds, once each, in a stable order; bbox,
// datetime (boundary versions before and after a split), the property
// filters and the scope limit them; bad parameters are 400s naming the
// parameter.
func TestOGCFeatures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "ogc-admin", auth.Admin, 0)
	leader := e.client(t, "ogc-leader", auth.GridLeader, 2)
	base := e.ts.URL
	if _, err := e.conn.Exec(t.Context(), `INSERT INTO checkpoints (grid_id, name, geom, on_duty)
		SELECT 9, '卡口' || i, ST_PointOnSurface(geom), i % 2 = 0 FROM current_grids, generate_series(1, 7) i WHERE id = 9`); err != nil {
		t.Fatal(err)
	}

	var landing struct{ Links []ogcLink }
	admin.get("/ogc/", &landing)
	rels := map[string]string{}
	for _, l := range landing.Links {
		rels[l.Rel] = strings.TrimPrefix(l.Href, base)
	}
	if rels["conformance"] != "/ogc/conformance" || rels["data"] != "/ogc/collections" || rels["service-desc"] != "/ogc/api" {
		t.Fatalf("landing page links %+v", landing.Links)
	}
	// The API definition names every path a client can follow, and the
	// parameters each collection's items take.
	var api struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]struct {
			Get struct {
				Parameters []struct{ Name, In string } `json:"parameters"`
			} `json:"get"`
		} `json:"paths"`
	}
	if r := admin.do("GET", rels["service-desc"], nil); r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/vnd.oai.openapi+json") {
		t.Fatalf("service-desc: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	admin.get(rels["service-desc"], &api)
	if api.OpenAPI != "3.0.3" {
		t.Errorf("service-desc says openapi %q", api.OpenAPI)
	}
	for _, c := range []struct {
		id     string
		params []string
	}{
		{"grids-3", []string{"limit", "bbox", "after", "datetime", "code", "parent_id"}},
		{"buildings", []string{"limit", "bbox", "after", "grid_id"}},
		{"checkpoints", []string{"limit", "bbox", "after", "grid_id", "on_duty"}},
	} {
		for _, p := range []string{"/", "/conformance", "/collections", "/collections/" + c.id, "/collections/" + c.id + "/items/{featureId}"} {
			if _, ok := api.Paths[p]; !ok {
				t.Errorf("service-desc has no path %s", p)
			}
		}
		var got []string
		for _, p := range api.Paths["/collections/"+c.id+"/items"].Get.Parameters {
			got = append(got, p.Name)
		}
		for _, want := range c.params {
			if !slices.Contains(got, want) {
				t.Errorf("service-desc: items of %s take %v, not %s", c.id, got, want)
			}
		}
	}
	var conf struct {
		ConformsTo []string `json:"conformsTo"`
	}
	admin.get(rels["conformance"], &conf)
	for _, c := range []string{"core", "geojson"} {
		if !slices.Contains(conf.ConformsTo, "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"+c) {
			t.Errorf("conformance %v lacks %s", conf.ConformsTo, c)
		}
	}
	var cols struct {
		Collections []struct {
			ID     string
			Links  []ogcLink
			Extent struct{ Spatial struct{ BBox [][]float64 } }
		}
	}
	admin.get(rels["data"], &cols)
	var names []string
	for _, c := range cols.Collections {
		names = append(names, c.ID)
		if len(c.Extent.Spatial.BBox) != 1 || len(c.Extent.Spatial.BBox[0]) != 4 {
			t.Errorf("collection %s: extent %+v", c.ID, c.Extent)
		}
	}
	if !slices.Equal(names, []string{"grids-1", "grids-2", "grids-3", "buildings", "checkpoints"}) {
		t.Errorf("collections %v", names)
	}

	// Every collection, walked in small pages, is its SQL.
	for _, c := range []struct {
		id, sql string
		limit   int
	}{
		{"grids-2", `SELECT id FROM current_grids WHERE level = 2 ORDER BY id`, 2},
		{"grids-3", `SELECT id FROM current_grids WHERE level = 3 ORDER BY id`, 7},
		{"buildings", `SELECT id FROM buildings ORDER BY id`, 50},
		{"checkpoints", `SELECT id FROM checkpoints ORDER BY id`, 3},
	} {
		want := sqlList(t, e, c.sql)
		got, pages := walk(t, admin, base, fmt.Sprintf("/ogc/collections/%s/items?limit=%d", c.id, c.limit))
		if !slices.Equal(got, want) {
			t.Errorf("%s walked in pages of %d: %d features, SQL %d", c.id, c.limit, len(got), len(want))
		}
		if wantPages := max(1, (len(want)+c.limit-1)/c.limit); pages < wantPages || pages > wantPages+1 {
			t.Errorf("%s: %d pages for %d features by %d", c.id, pages, len(want), c.limit)
		}
	}

	// bbox: grid 9's box.
	var x0, y0, x1, y1 float64
	if err := e.conn.QueryRow(t.Context(), `SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM current_grids WHERE id = 9`).Scan(&x0, &y0, &x1, &y1); err != nil {
		t.Fatal(err)
	}
	bbox := fmt.Sprintf("%.7f,%.7f,%.7f,%.7f", x0, y0, x1, y1)
	got, _ := walk(t, admin, base, "/ogc/collections/buildings/items?limit=10&bbox="+bbox)
	want := sqlList(t, e, `SELECT id FROM buildings WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) ORDER BY id`, x0, y0, x1, y1)
	if !slices.Equal(got, want) || !slices.Contains(want, scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9`)) {
		t.Errorf("buildings in grid 9's box: %v, SQL %v", got, want)
	}

	// Filters.
	got, _ = walk(t, admin, base, "/ogc/collections/buildings/items?grid_id=9&limit=1000")
	if want := sqlList(t, e, `SELECT id FROM buildings WHERE grid_id = 9 ORDER BY id`); !slices.Equal(got, want) {
		t.Errorf("grid_id=9: %v, SQL %v", got, want)
	}
	got, _ = walk(t, admin, base, "/ogc/collections/checkpoints/items?on_duty=true")
	if want := sqlList(t, e, `SELECT id FROM checkpoints WHERE on_duty ORDER BY id`); !slices.Equal(got, want) || len(want) != 3 {
		t.Errorf("on_duty=true: %v, SQL %v", got, want)
	}
	got, _ = walk(t, admin, base, "/ogc/collections/grids-3/items?parent_id=2")
	if want := sqlList(t, e, `SELECT id FROM current_grids WHERE parent_id = 2 ORDER BY id`); !slices.Equal(got, want) {
		t.Errorf("parent_id=2: %v, SQL %v", got, want)
	}

	// Scope: a community's staff see their community's compound grids
	// and buildings, nothing else.
	got, _ = walk(t, leader, base, "/ogc/collections/grids-3/items?limit=3")
	if want := sqlList(t, e, `SELECT id FROM current_grids WHERE parent_id = 2 ORDER BY id`); !slices.Equal(got, want) {
		t.Errorf("the community's leader sees grids %v, want %v", got, want)
	}
	got, _ = walk(t, leader, base, "/ogc/collections/grids-1/items")
	if len(got) != 0 {
		t.Errorf("the community's leader sees subdistricts %v", got)
	}
	if r := leader.do("GET", fmt.Sprintf("/ogc/collections/buildings/items/%d", scalar[int64](t, e, `SELECT min(b.id) FROM buildings b JOIN grids g ON g.id = b.grid_id WHERE g.parent_id <> 2`)), nil); r.Status != 404 {
		t.Errorf("a building outside the leader's community: %d", r.Status)
	}

	// One feature.
	var one struct {
		ID         int64
		Properties map[string]any
		Links      []ogcLink
	}
	if s := admin.get("/ogc/collections/grids-3/items/9", &one); s != 200 || one.ID != 9 || one.Properties["level"] != float64(3) || one.Properties["name"] == "" {
		t.Errorf("grid 9: %d %+v", s, one)
	}

	// datetime: split grid 9; before the split grid 9 is there, after it
	// its parts.
	before := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	p := planner{t, e.client(t, "ogc-planner", auth.Planner, 0)}
	d := p.open(2)
	d = p.mustOp(d, map[string]any{"op": "split", "id": 9, "line": splitLine(t, e, 9, 0.5)})
	if r := p.publish(d, "no_leader", "load_rise"); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	then, _ := walk(t, admin, base, "/ogc/collections/grids-3/items?limit=1000&datetime="+url.QueryEscape(before.Format(time.RFC3339Nano)))
	now, _ := walk(t, admin, base, "/ogc/collections/grids-3/items?limit=1000")
	if !slices.Contains(then, 9) || slices.Contains(now, 9) || len(now) != len(then)+1 {
		t.Errorf("grid 9 as of before the split: %v; now: %v", slices.Contains(then, 9), now)
	}
	during, _ := walk(t, admin, base, "/ogc/collections/grids-3/items?limit=1000&datetime="+url.QueryEscape(before.Format(time.RFC3339Nano))+"/..")
	if !slices.Contains(during, 9) || len(during) != len(now)+1 {
		t.Errorf("grids valid since before the split: %d, want the %d now and grid 9", len(during), len(now))
	}

	for _, c := range []struct{ path, field string }{
		{"/ogc/collections/grids-3/items?limit=0", "limit"},
		{"/ogc/collections/grids-3/items?limit=x", "limit"},
		{"/ogc/collections/grids-3/items?bbox=1,2,3", "bbox"},
		{"/ogc/collections/grids-3/items?datetime=yesterday", "datetime"},
		{"/ogc/collections/grids-3/items?datetime=2026-12-02T00:00:00Z/2026-12-01T00:00:00Z", "datetime"},
		{"/ogc/collections/grids-3/items?grid_id=9", "grid_id"},
		{"/ogc/collections/buildings/items?grid_id=-1", "grid_id"},
		{"/ogc/collections/checkpoints/items?on_duty=maybe", "on_duty"},
		{"/ogc/collections/grids-3/items?after=x", "after"},
		{"/ogc/collections/grids-3/items?f=html", "f"},
	} {
		r := admin.do("GET", c.path, nil)
		if r.Status != 400 || r.Error.Field != c.field {
			t.Errorf("%s: %d %s, want 400 naming %s", c.path, r.Status, r.Body, c.field)
		}
	}
	if r := admin.do("GET", "/ogc/collections/roads/items", nil); r.Status != 404 || r.Error.Field != "collectionId" {
		t.Errorf("an unknown collection: %d %s", r.Status, r.Body)
	}
	if r := admin.do("GET", "/ogc/collections/grids-3/items/999999", nil); r.Status != 404 || r.Error.Field != "featureId" {
		t.Errorf("an unknown feature: %d %s", r.Status, r.Body)
	}
	// A limit above the largest page gets the largest page, as the
	// standard asks.
	if r := admin.do("GET", "/ogc/collections/buildings/items?limit=999999", nil); r.Status != 200 {
		t.Errorf("limit above the largest: %d %s", r.Status, r.Body)
	}
}

// TestGDALReadsOGC has GDAL's OAPIF driver (gdal-bin, installed by
// make test's set-up) read every collection through the API with an
// admin's token, in small pages so that it follows next links: every
// feature the SQL has, once; and ogr2ogr copies one collection to a
// GeoJSON file.
func TestGDALReadsOGC(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ogrinfo (gdal-bin) is not installed")
		}
		t.Skip("ogrinfo (gdal-bin) is not installed")
	}
	e := newEnv(t, server.Config{})
	admin, _ := e.account(t, "gdal-admin", auth.Admin, 0, 0)
	token := e.token(t, admin, time.Hour)
	env := append(os.Environ(), "GDAL_HTTP_HEADERS=Authorization: Bearer "+token, "GDAL_HTTP_TIMEOUT=30", "CPL_DEBUG=OFF")
	src := "OAPIF:" + e.ts.URL + "/ogc/"
	for _, c := range []struct{ layer, sql string }{
		{"grids-1", `SELECT count(*) FROM current_grids WHERE level = 1`},
		{"grids-2", `SELECT count(*) FROM current_grids WHERE level = 2`},
		{"grids-3", `SELECT count(*) FROM current_grids WHERE level = 3`},
		{"buildings", `SELECT count(*) FROM buildings`},
		{"checkpoints", `SELECT count(*) FROM checkpoints`},
	} {
		cmd := exec.CommandContext(t.Context(), "ogrinfo", "-ro", "-q", "-oo", "PAGE_SIZE=40", src, c.layer)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("ogrinfo %s: %v\n%.2000s", c.layer, err, out)
			continue
		}
		got := strings.Count(string(out), "OGRFeature("+c.layer+"):")
		if want := scalar[int](t, e, c.sql); got != want {
			t.Errorf("ogrinfo read %d features of %s, SQL has %d\n%.1000s", got, c.layer, want, out)
		}
	}
	dst := filepath.Join(t.TempDir(), "grids-3.geojson")
	cmd := exec.CommandContext(t.Context(), "ogr2ogr", "-f", "GeoJSON", dst, src, "grids-3")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, out)
	}
	var fc struct {
		Features []struct{ Properties map[string]any }
	}
	b, _ := os.ReadFile(dst)
	if err := json.Unmarshal(b, &fc); err != nil || len(fc.Features) != scalar[int](t, e, `SELECT count(*) FROM current_grids WHERE level = 3`) || fc.Features[0].Properties["name"] == nil {
		t.Errorf("ogr2ogr wrote %d grids (%v)", len(fc.Features), err)
	}
}
