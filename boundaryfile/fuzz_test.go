package boundaryfile

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// fuzzLimits keep fuzz inputs quick to check.
var fuzzLimits = Limits{MaxBytes: 1 << 16, MaxFeatures: 20, MaxVertices: 500}

// FuzzDecode checks that Decode never panics, fails only with an
// *InputError, and returns only features with a non-empty geometry of
// finite coordinates in range; and that what it returns survives Check,
// Repair and an Encode-Decode round trip in both formats.
//
// The seeds are the fixtures, a few kilobytes each, and the fuzzer spends
// up to -fuzzminimizetime (60 s by default) shrinking each new input that
// widens coverage, showing 0 execs/sec meanwhile; for a short run pass
// -fuzzminimizetime 1s.
func FuzzDecode(f *testing.F) {
	f.Add(readFile(f, "grids.geojson"), false)
	f.Add(readFile(f, "two_placemarks.kml"), true)
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[113.6,34.7],[113.7,34.7],[113.7,34.8]]]}`), false)
	f.Add([]byte(`<kml><Placemark><MultiGeometry><Polygon><outerBoundaryIs><LinearRing><coordinates>113.6,34.7 113.7,34.7 113.6,34.8 113.7,34.8</coordinates></LinearRing></outerBoundaryIs></Polygon></MultiGeometry></Placemark></kml>`), true)
	f.Fuzz(func(t *testing.T, data []byte, kml bool) {
		format := GeoJSON
		if kml {
			format = KML
		}
		fs, err := Decode(format, data, fuzzLimits)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is a %T, not an *InputError", err, err)
			}
			return
		}
		if len(fs) == 0 {
			t.Fatal("no features and no error")
		}
		for i, ft := range fs {
			checkGeometry(t, i, ft.Geometry)
		}
		Repair(fs, Check(fs, []orb.MultiPolygon{fs[0].Geometry}))
		for _, out := range []Format{GeoJSON, KML} {
			raw, err := Encode(out, fs)
			if err != nil {
				t.Fatalf("Encode(%s): %v", out, err)
			}
			back, err := Decode(out, raw, Limits{})
			if err != nil {
				t.Fatalf("Decode(Encode(%s)): %v\n%s", out, err, raw)
			}
			if len(back) != len(fs) {
				t.Fatalf("Decode(Encode(%s)) has %d features, want %d", out, len(back), len(fs))
			}
		}
	})
}

// checkGeometry fails unless mp has a polygon, each polygon a ring, each
// ring a position, and every position is finite and in range.
func checkGeometry(t *testing.T, i int, mp orb.MultiPolygon) {
	t.Helper()
	if len(mp) == 0 {
		t.Fatalf("feature %d has no polygon", i)
	}
	for _, p := range mp {
		if len(p) == 0 {
			t.Fatalf("feature %d has a polygon without rings", i)
		}
		for _, r := range p {
			if len(r) == 0 {
				t.Fatalf("feature %d has an empty ring", i)
			}
			for _, pt := range r {
				if math.IsNaN(pt[0]) || math.IsInf(pt[0], 0) || math.IsNaN(pt[1]) || math.IsInf(pt[1], 0) ||
					math.Abs(pt[0]) > 180 || math.Abs(pt[1]) > 90 {
					t.Fatalf("feature %d has position %v", i, pt)
				}
			}
		}
	}
}
