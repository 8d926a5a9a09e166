package boundaryfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestGDALReadsExports has GDAL's ogrinfo read both exports of the KML
// fixture: every feature counted, the code field seen. ogrinfo comes with
// gdal-bin (scripts/setup.sh --test); without it the test skips, except
// under CI=true, where it fails.
func TestGDALReadsExports(t *testing.T) {
	t.Parallel()
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ogrinfo is not on PATH; install gdal-bin (scripts/setup.sh --test)")
		}
		t.Skip("ogrinfo is not on PATH; install gdal-bin to run this test")
	}
	fs, err := Decode(KML, readFile(t, "two_placemarks.kml"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Format{GeoJSON, KML} {
		t.Run(string(f), func(t *testing.T) {
			raw, err := Encode(f, fs)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "grids."+string(f))
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(ogrinfo, "-ro", "-al", "-so", path).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo: %v\n%s", err, out)
			}
			report := string(out)
			if want := "Feature Count: " + strconv.Itoa(len(fs)); !strings.Contains(report, want) {
				t.Errorf("ogrinfo does not report %q:\n%s", want, report)
			}
			if !strings.Contains(report, "code:") {
				t.Errorf("ogrinfo does not report a code field:\n%s", report)
			}
		})
	}
}

// TestDecodeGDALExports has GDAL's ogr2ogr convert the GeoJSON export to
// KML with both its KML drivers (SchemaData fields, Folders or nested
// Documents, altitudes) and decodes the result: the same features back.
func TestDecodeGDALExports(t *testing.T) {
	t.Parallel()
	ogr2ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ogr2ogr is not on PATH; install gdal-bin (scripts/setup.sh --test)")
		}
		t.Skip("ogr2ogr is not on PATH; install gdal-bin to run this test")
	}
	fs, err := Decode(KML, readFile(t, "two_placemarks.kml"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Encode(GeoJSON, fs)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "grids.geojson")
	if err := os.WriteFile(src, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, driver := range []string{"KML", "LIBKML"} {
		t.Run(driver, func(t *testing.T) {
			dst := filepath.Join(dir, driver+".kml")
			if out, err := exec.Command(ogr2ogr, "-f", driver, dst, src).CombinedOutput(); err != nil {
				t.Fatalf("ogr2ogr: %v\n%s", err, out)
			}
			data, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(KML, data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(fs) {
				t.Fatalf("got %d features, want %d", len(got), len(fs))
			}
			for i := range fs {
				a, b := fs[i], got[i]
				if a.ID != b.ID || a.Code != b.Code || a.Name != b.Name || a.Level != b.Level || !nearlyEqual(a.Geometry, b.Geometry, 1e-7) {
					t.Errorf("feature %d: got %+v\nwant %+v", i, b, a)
				}
			}
		})
	}
}
