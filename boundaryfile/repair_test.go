package boundaryfile

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

func TestRepair(t *testing.T) {
	t.Parallel()
	gcjClockwise := toGCJ(refSquares[1])
	slices.Reverse(gcjClockwise[0][0])
	gcjClockwise[0][0] = gcjClockwise[0][0][:4] // and unclosed
	tests := []struct {
		name string
		fs   []Feature
		ref  []orb.MultiPolygon
		// after is what Check finds in the repaired features.
		after []want
		// geometry, when set, is what the features' geometry must be after
		// repair, to 1e-7 degrees.
		geometry []orb.MultiPolygon
	}{
		{
			name: "every fault but the crossing",
			fs: features(
				orb.MultiPolygon{{bowTie}},
				orb.MultiPolygon{{repeated}},
				orb.MultiPolygon{{clockwise}},
				orb.MultiPolygon{{open}},
				orb.MultiPolygon{{box(113.68, 34.70, 113.69, 34.71), ccwHole}, {sliver}},
				orb.MultiPolygon{{reversed(open[1:])}}, // clockwise, unclosed, repeated once closed
			),
			after: []want{{0, CodeSelfIntersection, "crosses itself", ""}},
			geometry: []orb.MultiPolygon{
				{{bowTie}},
				{{box(113.62, 34.70, 113.63, 34.71)}},
				{{orb.Ring{{113.64, 34.70}, {113.65, 34.70}, {113.65, 34.71}, {113.64, 34.71}, {113.64, 34.70}}}},
				{{append(slices.Clone(open), open[0])}},
				{{box(113.68, 34.70, 113.69, 34.71), reversed(ccwHole)}},
				{{orb.Ring{{113.66, 34.71}, {113.67, 34.70}, {113.67, 34.71}, {113.66, 34.71}}}},
			},
		},
		{
			name:     "GCJ-02 copy of the reference, one ring also clockwise and unclosed",
			fs:       features(toGCJ(refSquares[0]), gcjClockwise),
			ref:      refSquares,
			geometry: refSquares,
		},
		{
			name:     "unclosed ring read from GeoJSON",
			fs:       mustDecode(t, GeoJSON, `{"type":"Polygon","coordinates":[[[113.66,34.70],[113.67,34.70],[113.67,34.71],[113.66,34.71]]]}`),
			geometry: []orb.MultiPolygon{{{append(slices.Clone(open), open[0])}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cloneFeatures(tt.fs)
			got := Repair(tt.fs, Check(tt.fs, tt.ref))
			if !reflect.DeepEqual(tt.fs, before) {
				t.Error("Repair changed its input")
			}
			checkProblems(t, Check(got, tt.ref), tt.after)
			for i, wantGeom := range tt.geometry {
				if !nearlyEqual(got[i].Geometry, wantGeom, 1e-7) {
					t.Errorf("feature %d repaired to\n%v\nwant\n%v", i, got[i].Geometry, wantGeom)
				}
			}
		})
	}
}

// TestRepairOnlyWhatIsListed leaves out a problem from Repair's list and
// expects it to stay.
func TestRepairOnlyWhatIsListed(t *testing.T) {
	t.Parallel()
	fs := features(orb.MultiPolygon{{reversed(open)}})
	probs := Check(fs, nil)
	checkProblems(t, probs, []want{{0, CodeUnclosedRing, "", ""}, {0, CodeWinding, "", ""}})
	got := Repair(fs, probs[1:])
	checkProblems(t, Check(got, nil), []want{{0, CodeUnclosedRing, "", ""}})
}

func cloneFeatures(fs []Feature) []Feature {
	out := make([]Feature, len(fs))
	for i, f := range fs {
		out[i] = f
		out[i].Geometry = f.Geometry.Clone()
	}
	return out
}

// nearlyEqual reports whether a and b have the same shape and positions
// within tol degrees.
func nearlyEqual(a, b orb.MultiPolygon, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if len(a[i][j]) != len(b[i][j]) {
				return false
			}
			for k := range a[i][j] {
				p, q := a[i][j][k], b[i][j][k]
				if math.Abs(p[0]-q[0]) > tol || math.Abs(p[1]-q[1]) > tol {
					return false
				}
			}
		}
	}
	return true
}
