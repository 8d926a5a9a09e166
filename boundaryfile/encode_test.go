package boundaryfile

import (
	"bytes"
	"flag"
	"math"
	"os"
	"testing"

	"github.com/paulmach/orb"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestEncodeGolden encodes the GeoJSON fixture's features in both formats
// and compares with testdata/grids.*.golden (go test -update rewrites them).
func TestEncodeGolden(t *testing.T) {
	t.Parallel()
	fs, err := Decode(GeoJSON, readFile(t, "grids.geojson"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	fs[0].Geometry[0][0][1] = orb.Point{113.65400004, 34.74999996} // rounds to 7 decimals
	for _, f := range []Format{GeoJSON, KML} {
		t.Run(string(f), func(t *testing.T) {
			got, err := Encode(f, fs)
			if err != nil {
				t.Fatal(err)
			}
			golden := "testdata/grids." + string(f) + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Encode(%s) differs from %s:\n%s", f, golden, got)
			}
		})
	}
}

// TestRoundTrip encodes the fixtures' features and decodes them again:
// the same fields, and coordinates within 1e-7 degrees.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, fixture := range []struct {
		file   string
		format Format
	}{{"two_placemarks.kml", KML}, {"grids.geojson", GeoJSON}} {
		in, err := Decode(fixture.format, readFile(t, fixture.file), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		in[0].Geometry[0][0][1][0] += 1.234e-8 // not a multiple of 1e-7
		for _, f := range []Format{KML, GeoJSON} {
			t.Run(fixture.file+" as "+string(f), func(t *testing.T) {
				raw, err := Encode(f, in)
				if err != nil {
					t.Fatal(err)
				}
				out, err := Decode(f, raw, DefaultLimits())
				if err != nil {
					t.Fatal(err)
				}
				if len(out) != len(in) {
					t.Fatalf("got %d features back, want %d", len(out), len(in))
				}
				for i := range in {
					a, b := in[i], out[i]
					if a.ID != b.ID || a.Code != b.Code || a.Name != b.Name || a.Level != b.Level {
						t.Errorf("feature %d: got %+v, want %+v", i, b, a)
					}
					if !nearlyEqual(a.Geometry, b.Geometry, 1e-7) {
						t.Errorf("feature %d: got %v, want %v", i, b.Geometry, a.Geometry)
					}
				}
			})
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    Format
		fs   []Feature
	}{
		{"unknown format", "shp", nil},
		{"longitude out of range", KML, []Feature{{Geometry: orb.MultiPolygon{{{{190, 0}}}}}}},
		{"not a number", GeoJSON, []Feature{{Geometry: orb.MultiPolygon{{{{0, 0}, {nan(), 0}}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if raw, err := Encode(tt.f, tt.fs); err == nil {
				t.Errorf("Encode wrote %s", raw)
			}
		})
	}
}

func nan() float64 { return math.NaN() }
