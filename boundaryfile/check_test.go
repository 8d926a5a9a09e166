package boundaryfile

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/geo"
)

// Crafted rings near Zhengzhou, each with one fault.
var (
	// A bow tie: the edges (0,0)-(1,1) and (1,0)-(0,1), scaled, cross at
	// the middle.
	//   3 . 2
	//    \ /
	//     X
	//    / \
	//   0 . 1   drawn 0-2-1-3-0
	bowTie = orb.Ring{{113.60, 34.70}, {113.61, 34.71}, {113.61, 34.70}, {113.60, 34.71}, {113.60, 34.70}}
	// A box with its second and fourth corners written twice.
	repeated = orb.Ring{{113.62, 34.70}, {113.63, 34.70}, {113.63, 34.70}, {113.63, 34.71}, {113.62, 34.71}, {113.62, 34.71}, {113.62, 34.70}}
	// A box drawn clockwise.
	clockwise = orb.Ring{{113.64, 34.70}, {113.64, 34.71}, {113.65, 34.71}, {113.65, 34.70}, {113.64, 34.70}}
	// A box whose last corner is not written again.
	open = orb.Ring{{113.66, 34.70}, {113.67, 34.70}, {113.67, 34.71}, {113.66, 34.71}}
	// Two distinct points, there and back.
	sliver = orb.Ring{{113.69, 34.70}, {113.695, 34.70}, {113.69, 34.70}}
	// A hole drawn counter-clockwise, as an exterior should be.
	ccwHole = box(113.682, 34.702, 113.685, 34.705)

	// The current boundaries near Zhengzhou 113.66, 34.75: two grids.
	refSquares = []orb.MultiPolygon{
		{{box(113.66, 34.75, 113.67, 34.76)}},
		{{box(113.67, 34.75, 113.68, 34.76)}},
	}
)

// toGCJ returns mp shifted from WGS84 into GCJ-02, as a web map would
// have drawn it.
func toGCJ(mp orb.MultiPolygon) orb.MultiPolygon {
	out := orb.MultiPolygon{}
	for _, p := range mp {
		var cp orb.Polygon
		for _, r := range p {
			var cr orb.Ring
			for _, pt := range r {
				cr = append(cr, geo.WGS84ToGCJ02(pt))
			}
			cp = append(cp, cr)
		}
		out = append(out, cp)
	}
	return out
}

// moved returns mp moved by (dLon, dLat) degrees.
func moved(mp orb.MultiPolygon, dLon, dLat float64) orb.MultiPolygon {
	out := orb.MultiPolygon{}
	for _, p := range mp {
		var cp orb.Polygon
		for _, r := range p {
			var cr orb.Ring
			for _, pt := range r {
				cr = append(cr, orb.Point{pt[0] + dLon, pt[1] + dLat})
			}
			cp = append(cp, cr)
		}
		out = append(out, cp)
	}
	return out
}

func features(mps ...orb.MultiPolygon) []Feature {
	fs := make([]Feature, len(mps))
	for i, mp := range mps {
		fs[i] = Feature{Code: fmt.Sprintf("4101020020010%d", i), Geometry: mp}
	}
	return fs
}

// want is a problem expected of Check: its feature and code, and parts
// of its Detail and Repair ("" to skip).
type want struct {
	feature        int
	code           string
	detail, repair string
}

func TestCheck(t *testing.T) {
	t.Parallel()
	gcj := features(toGCJ(refSquares[0]), toGCJ(refSquares[1]))
	tests := []struct {
		name string
		fs   []Feature
		ref  []orb.MultiPolygon
		want []want
	}{
		{"bow tie", features(orb.MultiPolygon{{bowTie}}), nil, []want{
			{0, CodeSelfIntersection, "ring 0 of polygon 0 crosses itself near 113.605,34.705", "ST_MakeValid"}}},
		{"repeated points", features(orb.MultiPolygon{{repeated}}), nil, []want{
			{0, CodeDuplicatePoints, "ring 0 of polygon 0 repeats 2 points consecutively, the first at 113.63,34.7", "drop 2 repeated points"}}},
		{"clockwise exterior", features(orb.MultiPolygon{{clockwise}}), nil, []want{
			{0, CodeWinding, "ring 0 of polygon 0 runs clockwise", "reverse ring 0 of polygon 0"}}},
		{"counter-clockwise hole", features(orb.MultiPolygon{{box(113.68, 34.70, 113.69, 34.71), ccwHole}}), nil, []want{
			{0, CodeWinding, "ring 1 of polygon 0 runs counter-clockwise", "reverse ring 1 of polygon 0"}}},
		{"unclosed ring", features(orb.MultiPolygon{{open}}), nil, []want{
			{0, CodeUnclosedRing, "ring 0 of polygon 0 ends at 113.66,34.71", "close ring 0 of polygon 0"}}},
		{"unclosed ring read from GeoJSON", mustDecode(t, GeoJSON, `{"type":"Polygon","coordinates":[[[113.66,34.70],[113.67,34.70],[113.67,34.71],[113.66,34.71]]]}`), nil, []want{
			{0, CodeUnclosedRing, "ring 0 of polygon 0 ends at 113.66,34.71", ""}}},
		{"unclosed ring read from KML", mustDecode(t, KML, `<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>113.66,34.70 113.67,34.70 113.67,34.71 113.66,34.71</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>`), nil, []want{
			{0, CodeUnclosedRing, "ring 0 of polygon 0 ends at 113.66,34.71", ""}}},
		{"too few points in a second polygon", features(orb.MultiPolygon{{clockwise}, {sliver}}), nil, []want{
			{0, CodeWinding, "", ""},
			{0, CodeTooFewPoints, "ring 0 of polygon 1 has 2 distinct points", "drop polygon 1"}}},
		{"too few points in the only polygon", features(orb.MultiPolygon{{sliver}}), nil, []want{
			{0, CodeTooFewPoints, "", "must be redrawn"}}},
		{"polygons of one feature crossing", features(orb.MultiPolygon{{box(113.60, 34.70, 113.62, 34.72)}, {box(113.61, 34.71, 113.63, 34.73)}}), nil, []want{
			{0, CodeSelfIntersection, "polygons 0 and 1 cross or touch near 113.61,34.72", ""}}},
		{"hole crossing its exterior", features(orb.MultiPolygon{{box(113.60, 34.70, 113.62, 34.72), orb.Ring{{113.61, 34.71}, {113.61, 34.73}, {113.615, 34.73}, {113.61, 34.71}}}}), nil, []want{
			{0, CodeSelfIntersection, "ring 1 of polygon 0 crosses or touches ring 0 near 113.6125,34.72", ""}}},
		{"GCJ-02 copy of the reference", gcj, refSquares, []want{
			{0, CodeGCJ02, "m once converted from GCJ-02 to WGS84", "(GCJ-02 to WGS84)"},
			{1, CodeGCJ02, "", ""}}},
		{"GCJ-02 copy without a reference", gcj, nil, nil},
		{"WGS84 copy of the reference", features(refSquares...), refSquares, nil},
		{"GCJ-02 copy 3 km away", features(moved(toGCJ(refSquares[0]), 0.03, 0), moved(toGCJ(refSquares[1]), 0.03, 0)), refSquares, nil},
		{"GCJ-02 copy of grids smaller than the shift", features(toGCJAll(lattice(0, 0, 150))...), lattice(0, 0, 150), latticeWant(CodeGCJ02)},
		{"WGS84 file on another tiling", features(lattice(75, 75, 150)...), lattice(0, 0, 150), nil},
		{"one new WGS84 grid beside the reference", features(lattice(1200, 0, 300)[0]), refSquares, nil},
		{"clean file", features(orb.MultiPolygon{{box(113.68, 34.70, 113.69, 34.71), reversed(box(113.682, 34.702, 113.685, 34.705))}}), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProblems(t, Check(tt.fs, tt.ref), tt.want)
		})
	}
}

// checkProblems compares problems with what is wanted, in order.
func checkProblems(t *testing.T, got []Problem, ws []want) {
	t.Helper()
	if len(got) != len(ws) {
		t.Fatalf("got %d problems %+v, want %d", len(got), got, len(ws))
	}
	for k, w := range ws {
		g := got[k]
		if g.Feature != w.feature || g.Code != w.code || !strings.Contains(g.Detail, w.detail) || !strings.Contains(g.Repair, w.repair) {
			t.Errorf("problem %d: got %+v\nwant %+v", k, g, w)
		}
	}
}

// reversed returns a reversed copy of r.
func reversed(r orb.Ring) orb.Ring {
	c := slices.Clone(r)
	slices.Reverse(c)
	return c
}

// lattice returns 5 by 5 square grids of cell metres, the first with its
// south-west corner (east, north) metres from 113.66, 34.75.
func lattice(east, north, cell float64) []orb.MultiPolygon {
	l := geo.NewLocal(orb.Point{113.66, 34.75})
	var out []orb.MultiPolygon
	for i := range 5 {
		for j := range 5 {
			x, y := east+float64(i)*cell, north+float64(j)*cell
			ring := orb.Ring{}
			for _, m := range []orb.Point{{x, y}, {x + cell, y}, {x + cell, y + cell}, {x, y + cell}, {x, y}} {
				ring = append(ring, l.ToLonLat(m))
			}
			out = append(out, orb.MultiPolygon{{ring}})
		}
	}
	return out
}

func toGCJAll(mps []orb.MultiPolygon) []orb.MultiPolygon {
	out := make([]orb.MultiPolygon, len(mps))
	for i, mp := range mps {
		out[i] = toGCJ(mp)
	}
	return out
}

// latticeWant wants a problem with code on each of a lattice's 25 grids.
func latticeWant(code string) []want {
	ws := make([]want, 25)
	for i := range ws {
		ws[i] = want{i, code, "", ""}
	}
	return ws
}

func mustDecode(t *testing.T, f Format, data string) []Feature {
	t.Helper()
	fs, err := Decode(f, []byte(data), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}
