package geo

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// fuzzLimits keep fuzz inputs small enough for the brute-force check.
var fuzzLimits = Limits{MaxVertices: 300, MaxRings: 20, MaxPolygons: 10}

// FuzzParsePolygonal checks that ParsePolygonal never panics, fails only
// with an *InputError, and accepts only geometry that keeps every rule,
// the edge rule checked pair by pair rather than by sweep.
func FuzzParsePolygonal(f *testing.F) {
	for _, tt := range parseCases {
		if len(tt.in) < 4096 {
			f.Add([]byte(tt.in))
		}
	}
	for _, name := range []string{"grid_valid.geojson", "grid_invalid.geojson"} {
		raw, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		mp, err := ParsePolygonal(raw, fuzzLimits)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is a %T, not an *InputError", err, err)
			}
			return
		}
		checkAccepted(t, mp, fuzzLimits)
	})
}

// FuzzParsePolygonalShapes turns bytes into polygons on an 8x8 grid, where
// shared vertices, collinear edges and vertices on edges are common, and
// sets ParsePolygonal against the brute-force edge check both ways: what
// it accepts keeps every rule, and what it refuses for meeting edges does
// have edges that meet.
func FuzzParsePolygonalShapes(f *testing.F) {
	f.Add([]byte{1, 1, 4, 0, 7, 63, 56})                        // a square
	f.Add([]byte{1, 2, 4, 0, 7, 63, 56, 4, 9, 49, 54, 14})      // with a hole
	f.Add([]byte{2, 1, 4, 0, 3, 27, 24, 1, 4, 18, 22, 54, 50})  // two crossing squares
	f.Add([]byte{1, 1, 5, 0, 7, 27, 63, 56, 2, 1, 3, 0, 9, 56}) // bow tie and more
	f.Fuzz(func(t *testing.T, data []byte) {
		raw, rings := shapes(data)
		if raw == "" {
			return
		}
		mp, err := ParsePolygonal([]byte(raw), DefaultLimits())
		if err == nil {
			checkAccepted(t, mp, DefaultLimits())
			return
		}
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("error %v is a %T, not an *InputError", err, err)
		}
		if strings.Contains(ie.Msg, "touch") || strings.Contains(ie.Msg, "folds back") {
			if !edgesMeet(rings) {
				t.Fatalf("%s refused with %v, but no edges meet", raw, err)
			}
		}
	})
}

// shapes decodes data as a polygon count, then for each polygon a ring
// count, then for each ring a length and that many grid points, one byte
// each. It returns the MultiPolygon as GeoJSON and its rings with
// duplicates collapsed, or "" when data runs out or a ring is degenerate.
func shapes(data []byte) (string, []orb.Ring) {
	next := func() (int, bool) {
		if len(data) == 0 {
			return 0, false
		}
		b := data[0]
		data = data[1:]
		return int(b), true
	}
	var polys []string
	var rings []orb.Ring
	np, ok := next()
	for range 1 + np%3 {
		nr, ok2 := next()
		ok = ok && ok2
		var rs []string
		for range 1 + nr%3 {
			n, ok3 := next()
			ok = ok && ok3
			var r orb.Ring
			for range 3 + n%8 {
				b, ok4 := next()
				ok = ok && ok4
				r = append(r, orb.Point{float64(b & 7), float64(b >> 3 & 7)})
			}
			r = append(r, r[0])
			var pts []string
			for _, p := range r {
				pts = append(pts, fmt.Sprintf("[%g,%g]", p[0], p[1]))
			}
			rs = append(rs, "["+strings.Join(pts, ",")+"]")
			if r, _ = collapse(r); len(r) < 4 {
				return "", nil
			}
			rings = append(rings, r)
		}
		polys = append(polys, "["+strings.Join(rs, ",")+"]")
	}
	if !ok {
		return "", nil
	}
	return `{"type":"MultiPolygon","coordinates":[` + strings.Join(polys, ",") + `]}`, rings
}

// checkAccepted fails t unless mp keeps the rules ParsePolygonal promises.
func checkAccepted(t *testing.T, mp orb.MultiPolygon, lim Limits) {
	t.Helper()
	if len(mp) == 0 || len(mp) > lim.MaxPolygons {
		t.Fatalf("%d polygons, limit %d", len(mp), lim.MaxPolygons)
	}
	var rings []orb.Ring
	vertices := 0
	for _, p := range mp {
		if len(p) == 0 {
			t.Fatal("polygon without rings")
		}
		for j, r := range p {
			vertices += len(r)
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Fatalf("ring not closed or under 4 positions: %v", r)
			}
			for _, q := range r {
				if !(q[0] >= -180 && q[0] <= 180 && q[1] >= -90 && q[1] <= 90) {
					t.Fatalf("position %v out of range", q)
				}
			}
			want := orb.CCW
			if j > 0 {
				want = orb.CW
			}
			if r.Orientation() != want {
				t.Fatalf("ring %d of a polygon has orientation %v, want %v: %v", j, r.Orientation(), want, r)
			}
			if j > 0 && !ringContains(p[0], r[0]) {
				t.Fatalf("hole %v is outside its exterior", r)
			}
			rings = append(rings, r)
		}
	}
	if len(rings) > lim.MaxRings || vertices > lim.MaxVertices {
		t.Fatalf("%d rings and %d positions, limits %d and %d", len(rings), vertices, lim.MaxRings, lim.MaxVertices)
	}
	if edgesMeet(rings) {
		t.Fatalf("accepted edges that meet: %v", mp)
	}
}

// edgesMeet tests every pair of edges of rings against the edge rule of
// ParsePolygonal: edges meet only where consecutive ones share a vertex,
// and those do not fold back.
func edgesMeet(rings []orb.Ring) bool {
	type edge struct {
		a, b    orb.Point
		ring, i int
	}
	var edges []edge
	for ri, r := range rings {
		for i := 0; i+1 < len(r); i++ {
			edges = append(edges, edge{r[i], r[i+1], ri, i})
		}
	}
	for x, e := range edges {
		for _, f := range edges[x+1:] {
			n := len(rings[e.ring]) - 1
			switch {
			case e.ring == f.ring && f.i == e.i+1:
				if folds(e.a, e.b, f.b) {
					return true
				}
			case e.ring == f.ring && e.i == 0 && f.i == n-1:
				if folds(f.a, e.a, e.b) {
					return true
				}
			case segmentsMeet(e.a, e.b, f.a, f.b):
				return true
			}
		}
	}
	return false
}

// folds reports whether the path p-v-q turns straight back.
func folds(p, v, q orb.Point) bool {
	return orientExact(p, v, q) == 0 &&
		(sameSide(p[0], q[0], v[0]) || sameSide(p[1], q[1], v[1]))
}
