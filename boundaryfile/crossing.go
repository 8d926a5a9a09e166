package boundaryfile

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/geo"
)

// selfIntersections finds edges of feature i that cross or touch, with
// the crossing check of geo.ParsePolygonal (the gate for uploaded
// boundaries, an O(n log n) sweep), fed each polygon as GeoJSON. It
// therefore follows that gate's rule, stricter than OGC: rings may not
// touch even at one point. Each polygon is checked alone, and only when
// none fails are the polygons checked against one another; the sweep stops
// at the first contact, so at most one problem is reported per polygon.
//
// Rings are checked as Repair would make them (closed, repeats dropped);
// degenerate rings and polygons with a position out of range are left
// out, being reported otherwise. What ParsePolygonal refuses for another
// reason (a hole outside its exterior) is left to PostGIS validation.
func selfIntersections(i int, mp orb.MultiPolygon) []Problem {
	polys, index := cleanPolygons(mp)
	var out []Problem
	for n, poly := range polys {
		if pr, ok := crossing(i, orb.MultiPolygon{poly}, index[n:n+1]); ok {
			out = append(out, pr)
		}
	}
	if len(out) == 0 && len(polys) > 1 {
		if pr, ok := crossing(i, polys, index); ok {
			out = append(out, pr)
		}
	}
	return out
}

// cleanPolygons returns the polygons of mp worth checking, their rings
// cleaned, with the index each had in mp.
func cleanPolygons(mp orb.MultiPolygon) (orb.MultiPolygon, []int) {
	var polys orb.MultiPolygon
	var index []int
	for p, poly := range mp {
		if len(poly) == 0 || degenerate(poly[0]) || !inRange(poly) {
			continue
		}
		var clean orb.Polygon
		for _, r := range poly {
			if c := cleanRing(r); distinctPoints(c) >= 3 {
				clean = append(clean, c)
			}
		}
		polys = append(polys, clean)
		index = append(index, p)
	}
	return polys, index
}

func inRange(poly orb.Polygon) bool {
	for _, r := range poly {
		for _, pt := range r {
			if positionFault(pt) != "" {
				return false
			}
		}
	}
	return true
}

// positionPath matches a position in a ParsePolygonal error of a
// MultiPolygon: coordinates[polygon][ring][position].
var positionPath = regexp.MustCompile(`coordinates\[(\d+)\]\[(\d+)\]\[(\d+)\]`)

// crossing runs ParsePolygonal on polys, which sit at index in the
// feature, and turns a contact of edges into a Problem. Its error names
// the start of one edge and, in its message, the start of the other; a
// fold names one vertex only.
func crossing(i int, polys orb.MultiPolygon, index []int) (Problem, bool) {
	n, rings := 0, 0
	for _, p := range polys {
		rings += len(p)
		for _, r := range p {
			n += len(r)
		}
	}
	_, err := geo.ParsePolygonal(multiPolygonJSON(polys), geo.Limits{MaxVertices: n, MaxRings: rings, MaxPolygons: len(polys)})
	var ie *geo.InputError
	if !errors.As(err, &ie) {
		return Problem{}, false
	}
	a, ok := parsePosition(ie.Path, polys)
	if !ok {
		return Problem{}, false // not a contact of edges
	}
	pr := Problem{Feature: i, Code: CodeSelfIntersection,
		Repair: "none here: PostGIS ST_MakeValid repairs it, and the area it changes is reported"}
	b, ok := parsePosition(ie.Msg, polys)
	name := ringName(index[a.poly], a.ring)
	switch {
	case !ok:
		pr.Detail = name + " folds back on itself at " + lonLat(polys[a.poly][a.ring][a.pos])
	case a.poly != b.poly:
		pr.Detail = "polygons " + strconv.Itoa(index[b.poly]) + " and " + strconv.Itoa(index[a.poly]) + " cross or touch near " + lonLat(meet(a, b, polys))
	case a.ring == b.ring:
		pr.Detail = name + " crosses itself near " + lonLat(meet(a, b, polys))
	default:
		pr.Detail = name + " crosses or touches ring " + strconv.Itoa(b.ring) + " near " + lonLat(meet(a, b, polys))
	}
	return pr, true
}

// position is a vertex of polys, and the edge that starts there.
type position struct{ poly, ring, pos int }

// parsePosition finds the first position path in s, checked against polys.
func parsePosition(s string, polys orb.MultiPolygon) (position, bool) {
	m := positionPath.FindStringSubmatch(s)
	if m == nil {
		return position{}, false
	}
	var v [3]int
	for k := range v {
		n, err := strconv.Atoi(m[k+1])
		if err != nil {
			return position{}, false
		}
		v[k] = n
	}
	p := position{v[0], v[1], v[2]}
	ok := p.poly < len(polys) && p.ring < len(polys[p.poly]) && p.pos+1 < len(polys[p.poly][p.ring])
	return p, ok
}

// meet returns where the edges starting at a and b meet: their crossing
// point, or for edges along one line, an end of one lying on the other.
func meet(a, b position, polys orb.MultiPolygon) orb.Point {
	p, q := polys[a.poly][a.ring][a.pos], polys[a.poly][a.ring][a.pos+1]
	r, s := polys[b.poly][b.ring][b.pos], polys[b.poly][b.ring][b.pos+1]
	d := cross(sub(q, p), sub(s, r))
	if d == 0 {
		for _, c := range []orb.Point{r, s, p} {
			if within(c, p, q) && within(c, r, s) {
				return c
			}
		}
		return q
	}
	t := cross(sub(r, p), sub(s, r)) / d
	return orb.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])}
}

func sub(a, b orb.Point) orb.Point { return orb.Point{a[0] - b[0], a[1] - b[1]} }

func cross(a, b orb.Point) float64 { return a[0]*b[1] - a[1]*b[0] }

// within reports whether c lies in the bounding box of segment p-q.
func within(c, p, q orb.Point) bool {
	return min(p[0], q[0]) <= c[0] && c[0] <= max(p[0], q[0]) &&
		min(p[1], q[1]) <= c[1] && c[1] <= max(p[1], q[1])
}

// multiPolygonJSON writes polys as a GeoJSON MultiPolygon, every
// coordinate exactly (shortest round-trip formatting).
func multiPolygonJSON(polys orb.MultiPolygon) []byte {
	var sb strings.Builder
	sb.WriteString(`{"type":"MultiPolygon","coordinates":[`)
	for i, p := range polys {
		sb.WriteString(sep(i) + "[")
		for j, r := range p {
			sb.WriteString(sep(j) + "[")
			for k, pt := range r {
				sb.WriteString(sep(k) + "[")
				sb.WriteString(strconv.FormatFloat(pt[0], 'g', -1, 64) + ",")
				sb.WriteString(strconv.FormatFloat(pt[1], 'g', -1, 64) + "]")
			}
			sb.WriteString("]")
		}
		sb.WriteString("]")
	}
	sb.WriteString("]}")
	return []byte(sb.String())
}

func sep(i int) string {
	if i == 0 {
		return ""
	}
	return ","
}
