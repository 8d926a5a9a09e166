package server_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/geo"
	"github.com/gridmap/gridmap/server"
)

// importResp is the answer of an import.
type importResp struct {
	Draft  draftResp
	Report struct {
		Features, Matched, New int
		Problems               []struct {
			Feature      int
			Code, Detail string
			Repair       string
		}
	}
}

func (p planner) importFile(root int64, format string, repair bool, data []byte) importResp {
	p.t.Helper()
	r := p.c.do("POST", fmt.Sprintf("/api/drafts/import?root=%d&format=%s&repair=%v", root, format, repair), upload{"application/octet-stream", data})
	if r.Status != 201 {
		p.t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	var out importResp
	if err := json.Unmarshal(r.Body, &out); err != nil {
		p.t.Fatal(err)
	}
	return out
}

func (r importResp) problemCodes() []string {
	var out []string
	for _, p := range r.Report.Problems {
		if !slices.Contains(out, p.Code) {
			out = append(out, p.Code)
		}
	}
	return out
}

// exportFC exports community 2 as GeoJSON and decodes it.
func exportFC(t *testing.T, p planner) *geojson.FeatureCollection {
	r := p.c.do("GET", "/api/boundaries/export?root=2&format=geojson", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/geo+json") {
		t.Fatalf("export: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	fc, err := geojson.UnmarshalFeatureCollection(r.Body)
	if err != nil || len(fc.Features) != 4 {
		t.Fatalf("export: %v, %d features, want community 2 and its 3 grids", err, len(fc.Features))
	}
	return fc
}

func featureByCode(fc *geojson.FeatureCollection, code string) *geojson.Feature {
	for _, f := range fc.Features {
		if f.Properties.MustString("code", "") == code {
			return f
		}
	}
	return nil
}

// TestPlanImportReportsAndRepairs: a file with a self-intersecting ring
// and a GCJ-02 file are reported problem by problem; their repaired
// imports validate, and the GCJ-02 one publishes.
func TestPlanImportReportsAndRepairs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	p := planner{t, e.client(t, "planner", auth.Planner, 0)}
	code9 := scalar[string](t, e, `SELECT code FROM grids WHERE id = 9`)

	// One self-intersecting ring: grid 9's first edge is traced out, back
	// and out again, as a digitising slip leaves it.
	fc := exportFC(t, p)
	ring := featureByCode(fc, code9).Geometry.(orb.MultiPolygon)[0][0]
	twisted := append(orb.Ring{ring[0], ring[1], ring[0]}, ring[1:]...)
	featureByCode(fc, code9).Geometry = orb.MultiPolygon{{twisted}}
	data, _ := fc.MarshalJSON()
	got := p.importFile(2, "geojson", false, data)
	if !slices.Contains(got.problemCodes(), "self_intersection") || got.Report.Matched != 3 {
		t.Errorf("report: %+v, want a self_intersection and 3 grids matched", got.Report)
	}
	for _, pr := range got.Report.Problems {
		if pr.Code == "self_intersection" && !strings.Contains(pr.Repair, "ST_MakeValid") {
			t.Errorf("the self-intersection's repair is not described: %+v", pr)
		}
	}
	if !slices.Contains(got.Draft.codes(), "invalid") {
		t.Errorf("the unrepaired import validates: %v", got.Draft.codes())
	}
	fixed := p.importFile(2, "geojson", true, data)
	if !fixed.Draft.Validation.OK {
		t.Errorf("the repaired import still has errors: %+v", fixed.Draft.Validation.Problems)
	}

	// The whole community in GCJ-02, as a Chinese web map would give it.
	fc = exportFC(t, p)
	for _, f := range fc.Features {
		mp := f.Geometry.(orb.MultiPolygon)
		for _, poly := range mp {
			for _, r := range poly {
				for i := range r {
					r[i] = geo.WGS84ToGCJ02(r[i])
				}
			}
		}
	}
	data, _ = fc.MarshalJSON()
	got = p.importFile(2, "geojson", false, data)
	if codes := got.problemCodes(); !slices.Contains(codes, "gcj02") {
		t.Errorf("GCJ-02 file: problems %v, want gcj02", codes)
	}
	if got.Draft.Validation.OK {
		t.Errorf("the unrepaired GCJ-02 import validates")
	}
	fixed = p.importFile(2, "geojson", true, data)
	if !fixed.Draft.Validation.OK {
		t.Fatalf("the repaired GCJ-02 import: %+v", fixed.Draft.Validation.Problems)
	}
	if r := p.publish(fixed.Draft, "no_leader", "load_rise"); r.Status != 200 {
		t.Fatalf("publish the repaired import: %d %s", r.Status, r.Body)
	}
	checkTiling(t, e)
	if d := scalar[float64](t, e, `
		SELECT max(ST_HausdorffDistance(v.geom, o.geom)) FROM current_grids v
		JOIN grid_versions o ON o.grid_id = v.id AND o.publication_id = 1 WHERE v.parent_id = 2`); d > 1e-6 {
		t.Errorf("the repaired GCJ-02 boundaries lie up to %g° from the originals", d)
	}
}

// TestPlanKMLRoundTrip exports community 2 as KML, reads it with GDAL,
// imports it back and finds the same geometry within 1e-7°.
func TestPlanKMLRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	p := planner{t, e.client(t, "planner", auth.Planner, 0)}
	r := p.c.do("GET", "/api/boundaries/export?root=2&format=kml", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "<kml") {
		t.Fatalf("export: %d %.200s", r.Status, r.Body)
	}
	if _, err := exec.LookPath("ogrinfo"); err == nil {
		path := filepath.Join(t.TempDir(), "grids.kml")
		os.WriteFile(path, r.Body, 0o644)
		out, err := exec.Command("ogrinfo", "-ro", "-al", "-so", path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Feature Count: 4") {
			t.Errorf("GDAL reads the export: %v\n%s", err, out)
		}
	} else if os.Getenv("CI") == "true" {
		t.Error("ogrinfo (gdal-bin) is not installed")
	}
	got := p.importFile(2, "kml", false, r.Body)
	if got.Report.Matched != 3 || len(got.Report.Problems) != 0 || !got.Draft.Validation.OK {
		t.Fatalf("KML import: %+v, validation %+v", got.Report, got.Draft.Validation)
	}
	for _, f := range got.Draft.Grids.Features {
		d := scalar[float64](t, e, `SELECT ST_HausdorffDistance(ST_GeomFromGeoJSON($1), geom) FROM current_grids WHERE id = $2`, string(f.Geometry), f.ID)
		if d > 1e-7 {
			t.Errorf("grid %d came back %g° away", f.ID, d)
		}
	}
	// As of the start, export says the same; an unknown format is refused.
	if r := p.c.do("GET", "/api/boundaries/export?root=2&format=shp", nil); r.Status != 400 || r.Error.Field != "format" {
		t.Errorf("format=shp: %d %s", r.Status, r.Body)
	}
	if r := p.c.do("POST", "/api/drafts/import?root=2&format=kml", upload{"application/xml", []byte("<kml><Placemark>")}); r.Status != 422 || r.Error.Field != "file" {
		t.Errorf("a broken KML file: %d %s", r.Status, r.Body)
	}
	nul := `{"type":"Feature","properties":{"code":"41010200300101","name":"a\u0000b"},"geometry":{"type":"Polygon","coordinates":[[[113.62,34.75],[113.63,34.75],[113.63,34.76],[113.62,34.75]]]}}`
	if r := p.c.do("POST", "/api/drafts/import?root=2&format=geojson", upload{"application/geo+json", []byte(nul)}); r.Status != 422 || r.Error.Field != "file" {
		t.Errorf("a name with a NUL: %d %s, want 422 naming the file", r.Status, r.Body)
	}
}
