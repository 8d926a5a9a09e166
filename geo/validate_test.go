package geo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// pg and mpg wrap coordinates in a Polygon or MultiPolygon object.
func pg(coords string) string  { return `{"type":"Polygon","coordinates":` + coords + `}` }
func mpg(coords string) string { return `{"type":"MultiPolygon","coordinates":` + coords + `}` }

// Rings used by several cases. sq4 is the square (0,0)-(4,4), counter-clockwise.
const (
	sq4    = `[[0,0],[4,0],[4,4],[0,4],[0,0]]`
	hole13 = `[[1,1],[1,3],[3,3],[3,1],[1,1]]` // clockwise, inside sq4
)

// parseCases drive TestParsePolygonal and seed FuzzParsePolygonal. A case
// with msg set must fail with exactly path and a message containing msg.
var parseCases = []struct {
	name     string
	in       string
	lim      Limits
	path     string
	msg      string
	polygons int
	holes    int
	exterior orb.Ring // when set, the first exterior ring returned
}{
	// +----+
	// |    |
	// +----+
	{name: "square", in: pg(`[` + sq4 + `]`), polygons: 1},
	// +------+
	// | +--+ |
	// | |  | |
	// | +--+ |
	// +------+
	{name: "square with hole", in: pg(`[` + sq4 + `,` + hole13 + `]`), polygons: 1, holes: 1},
	// +--+  +--+
	// |  |  |  |
	// +--+  +--+
	{name: "multipolygon", in: mpg(`[[` + sq4 + `],[[[5,0],[6,0],[6,1],[5,1],[5,0]]]]`), polygons: 2},
	// +--------+
	// | +----+ |
	// | | [] | |   an island in the hole of another polygon
	// | +----+ |
	// +--------+
	{name: "island in a hole", in: mpg(`[[[[0,0],[9,0],[9,9],[0,9],[0,0]],[[2,2],[2,7],[7,7],[7,2],[2,2]]],[[[4,4],[5,4],[5,5],[4,5],[4,4]]]]`), polygons: 2, holes: 1},
	{name: "clockwise exterior is reversed", in: pg(`[[[0,0],[0,4],[4,4],[4,0],[0,0]],[[1,1],[3,1],[3,3],[1,3],[1,1]]]`),
		polygons: 1, holes: 1, exterior: orb.Ring{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}},
	{name: "duplicates collapse and altitude is dropped", in: pg(`[[[0,0,7],[4,0,7],[4,0,7],[4,4],[0,4,7.5],[0,0,1],[0,0]]]`),
		polygons: 1, exterior: orb.Ring{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}},
	{name: "foreign members and bbox are ignored", in: `{"bbox":"junk","type":"Polygon","id":7,"properties":{"a":[1]},"coordinates":[` + sq4 + `]}`, polygons: 1},
	// +----+----+   a vertex in the middle of a straight edge
	{name: "collinear vertex", in: pg(`[[[0,0],[2,0],[4,0],[4,4],[0,4],[0,0]]]`), polygons: 1},
	{name: "whole world", in: pg(`[[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]]`), polygons: 1},

	// Geometry.

	// 0,2   1,1
	//   \ /
	//    X      bow tie: edge 2 crosses edge 0
	//   / \
	// 0,0   2,0
	{name: "bow tie", in: pg(`[[[0,0],[2,2],[2,0],[0,2],[0,0]]]`),
		path: "coordinates[0][2]", msg: "ring crosses or touches itself: the edge from here meets the edge from coordinates[0][0]"},
	// +---+---+
	// |    \ /
	// |     X    the ring passes through (2,2) twice
	// |    / \
	// +---+---+
	{name: "ring touches itself at a vertex", in: pg(`[[[0,0],[4,0],[2,2],[4,4],[0,4],[2,2],[0,0]]]`),
		path: "coordinates[0][5]", msg: "this position is the same point as coordinates[0][2]"},
	// +----+
	// |    |   the east side runs up to (4,4) and back down to (4,2)
	// |    +
	// +----+
	{name: "spike", in: pg(`[[[0,0],[4,0],[4,4],[4,2],[0,4],[0,0]]]`),
		path: "coordinates[0][2]", msg: "ring folds back on itself here"},
	// +-+-+  all on one line
	{name: "collinear ring", in: pg(`[[[0,0],[2,0],[4,0],[0,0]]]`), path: "coordinates[0][0]", msg: "folds back"},
	// +----+
	// |\  /|   the ring comes down to (2,0), on its own first edge
	// | \/ |
	// +-+--+
	{name: "vertex on an edge", in: pg(`[[[0,0],[4,0],[4,4],[2,0],[0,4],[0,0]]]`),
		path: "coordinates[0][3]", msg: "ring crosses or touches itself: the edge from here meets the edge from coordinates[0][0]"},
	{name: "open ring", in: pg(`[[[0,0],[4,0],[4,4],[0,4]]]`),
		path: "coordinates[0]", msg: "ring is not closed: its last position [0, 4] differs from its first [0, 0]"},
	{name: "three positions", in: pg(`[[[0,0],[4,0],[0,0]]]`), path: "coordinates[0]", msg: "at least 4 positions, has 3"},
	{name: "zero area after collapse", in: pg(`[[[0,0],[4,0],[4,0],[0,0]]]`), path: "coordinates[0]", msg: "zero area"},
	// +--------+
	// |  +--+  |  +--+
	// |  +--+  |  |  |  hole outside the exterior
	// +--------+  +--+
	{name: "hole outside exterior", in: pg(`[` + sq4 + `,[[5,1],[5,3],[7,3],[7,1],[5,1]]]`),
		path: "coordinates[1]", msg: "hole does not lie inside its exterior ring"},
	// +----+
	// |  +-+--+
	// |  | |  |   hole crossing the exterior
	// |  +-+--+
	// +----+
	{name: "hole crossing exterior", in: pg(`[` + sq4 + `,[[3,1],[3,3],[6,3],[6,1],[3,1]]]`),
		path: "coordinates[1][3]", msg: "hole crosses or touches the exterior ring: the edge from here meets the edge from coordinates[0][1]"},
	// +----+
	// |  <>|   hole touching the exterior at one point: refused (stricter than OGC)
	// +----+
	{name: "hole touching exterior", in: pg(`[` + sq4 + `,[[4,2],[2,1],[1,2],[2,3],[4,2]]]`),
		path: "coordinates[1][0]", msg: "hole crosses or touches the exterior ring"},
	// +---------+
	// | +-----+ |
	// | | +-+ | |   a hole in a hole
	// | | +-+ | |
	// | +-----+ |
	// +---------+
	{name: "nested holes", in: pg(`[[[0,0],[9,0],[9,9],[0,9],[0,0]],[[1,1],[1,8],[8,8],[8,1],[1,1]],[[3,3],[3,5],[5,5],[5,3],[3,3]]]`),
		path: "coordinates[2]", msg: "hole lies inside hole coordinates[1]"},
	// +----+
	// |  +-+--+
	// +--+-+  |   two polygons crossing
	//    +----+
	{name: "two crossing polygons", in: mpg(`[[` + sq4 + `],[[[2,2],[6,2],[6,6],[2,6],[2,2]]]]`),
		path: "coordinates[1][0][3]", msg: "polygons cross or touch: the edge from here meets the edge from coordinates[0][0][2]"},
	// +--+--+   two polygons sharing an edge: refused, send them merged
	{name: "polygons sharing an edge", in: mpg(`[[` + sq4 + `],[[[4,0],[8,0],[8,4],[4,4],[4,0]]]]`),
		path: "coordinates[1][0][0]", msg: "polygons cross or touch: this position is the same point as coordinates[0][0][1]"},
	// +------+
	// | +--+ |   a polygon inside another, edges apart
	// | +--+ |
	// +------+
	{name: "polygon inside polygon", in: mpg(`[[` + sq4 + `],[[[1,1],[3,1],[3,3],[1,3],[1,1]]]]`),
		path: "coordinates[1]", msg: "polygon overlaps polygon coordinates[0]"},
	{name: "polygon around an earlier polygon", in: mpg(`[[[[1,1],[3,1],[3,3],[1,3],[1,1]]],[` + sq4 + `]]`),
		path: "coordinates[1]", msg: "polygon overlaps polygon coordinates[0]"},

	// Positions.
	{name: "longitude out of range", in: pg(`[[[0,0],[180.5,0],[4,4],[0,4],[0,0]]]`), path: "coordinates[0][1][0]", msg: "longitude 180.5 is outside [-180, 180]"},
	{name: "latitude out of range", in: pg(`[[[0,0],[4,0],[4,-90.001],[0,4],[0,0]]]`), path: "coordinates[0][2][1]", msg: "latitude -90.001 is outside [-90, 90]"},
	{name: "huge number", in: pg(`[[[0,0],[1e400,0],[4,4],[0,4],[0,0]]]`), path: "coordinates[0][1][0]", msg: "number 1e400 is not a finite 64-bit float"},
	{name: "NaN literal", in: pg(`[[[NaN,0],[4,0],[4,4],[0,4],[NaN,0]]]`), msg: "is not valid JSON"},
	{name: "huge negative altitude", in: pg(`[[[0,0,-1e999],[4,0],[4,4],[0,4],[0,0]]]`), path: "coordinates[0][0][2]", msg: "not a finite"},
	{name: "string coordinate", in: pg(`[[["0","0"],[4,0],[4,4],[0,4],[0,0]]]`), path: "coordinates[0][0][0]", msg: "must be a number, not a string"},
	{name: "null coordinate", in: pg(`[[[0,0],[4,null],[4,4],[0,4],[0,0]]]`), path: "coordinates[0][1][1]", msg: "must be a number, not null"},
	{name: "one number", in: pg(`[[[0],[4,0],[4,4],[0,4],[0,0]]]`), path: "coordinates[0][0]", msg: "position has only 1 number; want longitude, latitude"},
	{name: "empty position", in: pg(`[[[],[4,0],[4,4],[0,4],[0,0]]]`), path: "coordinates[0][0]", msg: "position has 0 numbers"},
	{name: "four numbers", in: pg(`[[[0,0,0,0],[4,0],[4,4],[0,4],[0,0]]]`), path: "coordinates[0][0]", msg: "more than 3 numbers"},

	// Nesting.
	{name: "MultiPolygon nesting in a Polygon", in: pg(`[[` + sq4 + `]]`), path: "coordinates[0][0][0]", msg: "must be a number, not an array (nested too deep for a Polygon)"},
	{name: "Polygon nesting in a MultiPolygon", in: mpg(`[` + sq4 + `]`), path: "coordinates[0][0][0]", msg: "not a number (nested too shallow for a MultiPolygon)"},
	{name: "LineString nesting in a Polygon", in: pg(sq4), path: "coordinates[0][0]", msg: "must be a position (an array of numbers), not a number"},
	{name: "deeply nested arrays", in: pg(strings.Repeat("[", 40) + "0" + strings.Repeat("]", 40)), path: "coordinates[0][0][0]", msg: "nested too deep"},
	{name: "nesting past the JSON depth limit", in: pg(strings.Repeat("[", 20000) + strings.Repeat("]", 20000)), msg: "is not valid JSON"},
	{name: "coordinates object", in: pg(`{"rings":[]}`), path: "coordinates", msg: "must be an array of rings, not an object"},
	{name: "empty coordinates", in: pg(`[]`), path: "coordinates", msg: "polygon has no rings"},
	{name: "empty ring", in: pg(`[[]]`), path: "coordinates[0]", msg: "at least 4 positions, has 0"},
	{name: "empty multipolygon", in: mpg(`[]`), path: "coordinates", msg: "must hold at least one polygon"},
	{name: "empty polygon in multipolygon", in: mpg(`[[]]`), path: "coordinates[0]", msg: "polygon has no rings"},
	{name: "null coordinates", in: pg(`null`), path: "coordinates", msg: "must be an array, not null"},
	{name: "missing coordinates", in: `{"type":"Polygon"}`, path: "coordinates", msg: "is missing"},

	// The object.
	{name: "Point", in: `{"type":"Point","coordinates":[0,0]}`, path: "type", msg: `not "Point"`},
	{name: "Feature", in: `{"type":"Feature","properties":{},"geometry":` + pg(`[`+sq4+`]`) + `}`, path: "type", msg: "send the feature's geometry member"},
	{name: "GeometryCollection", in: `{"type":"GeometryCollection","geometries":[` + pg(`[`+sq4+`]`) + `]}`, path: "geometries", msg: "is not allowed"},
	{name: "geometries on a Polygon", in: `{"type":"Polygon","geometries":[],"coordinates":[` + sq4 + `]}`, path: "geometries", msg: "is not allowed"},
	{name: "missing type", in: `{"coordinates":[` + sq4 + `]}`, path: "type", msg: "is missing"},
	{name: "type not a string", in: `{"type":7,"coordinates":[` + sq4 + `]}`, path: "type", msg: "must be the string"},
	{name: "type null", in: `{"type":null,"coordinates":[` + sq4 + `]}`, path: "type", msg: "must be the string"},
	{name: "lower-case type", in: `{"type":"polygon","coordinates":[` + sq4 + `]}`, path: "type", msg: `not "polygon"`},
	{name: "null", in: `null`, msg: "must be a JSON object, not null"},
	{name: "empty array", in: `[]`, msg: "must be a JSON object, not an array"},
	{name: "empty input", in: ``, msg: "is not valid JSON"},
	{name: "trailing data", in: pg(`[`+sq4+`]`) + ` {}`, msg: "is not valid JSON"},

	// Limits.
	{name: "too many positions", in: pg(`[` + sq4 + `,` + hole13 + `]`), lim: Limits{MaxVertices: 8},
		path: "coordinates[1][3]", msg: "too many positions: the limit is 8"},
	{name: "too many rings", in: pg(`[` + sq4 + `,` + hole13 + `]`), lim: Limits{MaxRings: 1},
		path: "coordinates[1]", msg: "too many rings: the limit is 1"},
	{name: "too many polygons", in: mpg(`[[` + sq4 + `],[[[5,0],[6,0],[6,1],[5,1],[5,0]]]]`), lim: Limits{MaxPolygons: 1},
		path: "coordinates[1]", msg: "too many polygons: the limit is 1"},
	{name: "many positions stop at the default limit", in: pg(`[[` + strings.Repeat(`[0,0],`, 30000) + `[0,0]]]`),
		path: "coordinates[0][20000]", msg: "too many positions: the limit is 20000"},
}

func TestParsePolygonal(t *testing.T) {
	t.Parallel()
	for _, tt := range parseCases {
		t.Run(tt.name, func(t *testing.T) {
			mp, err := ParsePolygonal([]byte(tt.in), tt.lim)
			if tt.msg != "" {
				var ie *InputError
				if !errors.As(err, &ie) {
					t.Fatalf("err = %v, want an *InputError", err)
				}
				if ie.Path != tt.path || !strings.Contains(ie.Msg, tt.msg) {
					t.Fatalf("err = %v\nwant path %q and message containing %q", err, tt.path, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkAccepted(t, mp, tt.lim.orDefault())
			holes := 0
			for _, p := range mp {
				holes += len(p) - 1
			}
			if len(mp) != tt.polygons || holes != tt.holes {
				t.Errorf("got %d polygons and %d holes, want %d and %d", len(mp), holes, tt.polygons, tt.holes)
			}
			if tt.exterior != nil && !mp[0][0].Equal(tt.exterior) {
				t.Errorf("exterior = %v, want %v", mp[0][0], tt.exterior)
			}
		})
	}
}

func TestParsePolygonalGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		path string // of the error; "" for valid input
	}{
		{file: "grid_valid.geojson"},
		{file: "grid_invalid.geojson", path: "coordinates[0][1][3]"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			mp, err := ParsePolygonal(raw, DefaultLimits())
			if tt.path == "" {
				if err != nil {
					t.Fatal(err)
				}
				checkAccepted(t, mp, DefaultLimits())
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.Path != tt.path {
				t.Fatalf("err = %v, want one at %s", err, tt.path)
			}
		})
	}
}

// TestCheckEdgesMatchesBruteForce sets the sweep against testing every
// pair of edges, on small rings drawn on a 5x5 grid so that collinear
// edges, shared vertices and vertices on edges are common.
func TestCheckEdgesMatchesBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var valid, invalid int
	for trial := range 50000 {
		var rings []*inRing
		for k := range 1 + rng.IntN(3) {
			pts := orb.Ring{}
			for range 3 + rng.IntN(6) {
				pts = append(pts, orb.Point{float64(rng.IntN(5)), float64(rng.IntN(5))})
			}
			pts, orig := collapse(append(pts, pts[0]))
			if len(pts) < 4 {
				continue
			}
			rings = append(rings, &inRing{pts: pts, orig: orig, path: fmt.Sprintf("coordinates[%d]", k), poly: rng.IntN(2), hole: k > 0})
		}
		got := checkEdges(rings) == nil
		if want := !edgesMeet(ringsOf(rings)); got != want {
			t.Fatalf("trial %d: sweep says valid=%v, brute force %v: %v", trial, got, want, ringsOf(rings))
		}
		if got {
			valid++
		} else {
			invalid++
		}
	}
	if valid < 1000 || invalid < 1000 {
		t.Errorf("only %d valid and %d invalid cases: the generator needs work", valid, invalid)
	}
}

func ringsOf(rings []*inRing) []orb.Ring {
	out := make([]orb.Ring, len(rings))
	for i, r := range rings {
		out[i] = r.pts
	}
	return out
}

// TestOrientExact sets orient and orientExact against big.Float on points
// where a plain float64 determinant gets the sign wrong: a few units in the
// last place from the line through (12, 12) and (24, 24) (Kettner et al.,
// "Classroom examples of robustness problems in geometric computations"),
// near-collinear points in degrees, and differences so small their
// products would underflow.
func TestOrientExact(t *testing.T) {
	t.Parallel()
	check := func(a, b, c orb.Point) {
		t.Helper()
		want := orientBig(a, b, c)
		if got := orientExact(a, b, c); got != want {
			t.Fatalf("orientExact(%v, %v, %v) = %v, want %v", a, b, c, got, want)
		}
		if got := sign(orient(a, b, c)); got != want {
			t.Fatalf("orient(%v, %v, %v) has sign %v, want %v", a, b, c, got, want)
		}
	}
	naiveWrong := 0
	q, r := orb.Point{12, 12}, orb.Point{24, 24}
	for i := range 64 {
		for j := range 64 {
			p := orb.Point{0.5 + float64(i)*0x1p-53, 0.5 + float64(j)*0x1p-53}
			check(p, q, r)
			naive := (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0])
			if sign(naive) != orientBig(p, q, r) {
				naiveWrong++
			}
		}
	}
	if naiveWrong == 0 {
		t.Error("the plain determinant got every sign right: the test proves nothing")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		a := orb.Point{113 + rng.Float64(), 34 + rng.Float64()}
		d := orb.Point{rng.Float64() - 0.5, rng.Float64() - 0.5}
		s, u := rng.Float64()*4-2, rng.Float64()*4-2
		b := orb.Point{a[0] + s*d[0], a[1] + s*d[1]} // on the line through a along d, then rounded
		c := orb.Point{a[0] + u*d[0], a[1] + u*d[1]}
		c[rng.IntN(2)] += float64(rng.IntN(5)-2) * 0x1p-46 // nudged by a few ulps or not
		check(a, b, c)
	}
	for _, scale := range []float64{0x1p-500, 0x1p-540, 0x1p-1000, 0x1p-1074} {
		check(orb.Point{0, 0}, orb.Point{scale, 0}, orb.Point{0, scale})
		check(orb.Point{180, 90}, orb.Point{180 - scale, 90}, orb.Point{-180, -90})
		check(orb.Point{scale, scale}, orb.Point{2 * scale, 2 * scale}, orb.Point{3 * scale, 3 * scale})
	}
	if got := orient(orb.Point{0, 0}, orb.Point{0x1p-600, 0}, orb.Point{0, 0x1p-600}); got <= 0 {
		t.Errorf("orient of a tiny counter-clockwise triangle = %v, want > 0", got)
	}
}

func sign(f float64) float64 {
	switch {
	case f > 0:
		return 1
	case f < 0:
		return -1
	}
	return 0
}

// circle returns a Polygon object for a ring of n positions around a
// point in Zhengzhou, written with 7 decimals as a client would send it.
func circle(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		fmt.Fprintf(&b, "[%.7f,%.7f],", 113.63+0.02*math.Cos(a), 34.755+0.02*math.Sin(a))
	}
	fmt.Fprintf(&b, "[%.7f,%.7f]]]}", 113.63+0.02, 34.755)
	return []byte(b.String())
}

// zigzag returns a Polygon object whose n positions make long parallel
// diagonal edges that all overlap in x and in y: the worst case for
// pruning by bounding boxes.
func zigzag(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := range n / 2 {
		x := 113.6 + float64(i)*1e-6
		lo, hi := fmt.Sprintf("[%.7f,34.7]", x), fmt.Sprintf("[%.7f,34.8]", x+0.1)
		if i%2 == 1 {
			lo, hi = hi, lo
		}
		b.WriteString(lo + "," + hi + ",")
	}
	b.WriteString(`[113.9,34.85],[113.9,34.65],[113.6,34.65],[113.6000000,34.7]]]}`)
	return []byte(b.String())
}

func BenchmarkParsePolygonal(b *testing.B) {
	raw := circle(5000)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ParsePolygonal(raw, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePolygonalWorstCase(b *testing.B) {
	for _, bc := range []struct {
		name string
		raw  []byte
	}{{"circle-20000", circle(19999)}, {"zigzag-20000", zigzag(19996)}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ParsePolygonal(bc.raw, DefaultLimits()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
