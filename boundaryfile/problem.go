package boundaryfile

import (
	"strconv"

	"github.com/paulmach/orb"
)

// Problem is a fault Check found in a feature's geometry, and what Repair
// would do about it.
type Problem struct {
	Feature int    // index of the feature in the file (in the slice checked)
	Code    string // one of the Code… constants
	Detail  string // what is wrong and where, in short English
	Repair  string // what Repair would change, in short English
}

// The codes of a Problem.
const (
	CodeUnclosedRing     = "unclosed_ring"     // a ring ends elsewhere than it starts
	CodeDuplicatePoints  = "duplicate_points"  // a ring repeats a position consecutively
	CodeWinding          = "winding"           // an exterior runs clockwise or a hole counter-clockwise
	CodeTooFewPoints     = "too_few_points"    // a ring has fewer than 3 distinct positions
	CodeSelfIntersection = "self_intersection" // edges cross or touch; Repair leaves it to PostGIS
	CodeGCJ02            = "gcj02"             // the file is in GCJ-02, not WGS84
)

// Check finds what is wrong with the features' geometry:
//   - per ring: unclosed_ring, duplicate_points, too_few_points and
//     winding (against RFC 7946: exteriors counter-clockwise, holes
//     clockwise);
//   - per polygon: self_intersection, the first place where its edges
//     cross or touch, then, if no polygon has one, the first place where
//     two polygons of the feature do. The rule is geo.ParsePolygonal's,
//     stricter than OGC: a hole touching its exterior at one point
//     counts. Other invalidity (a hole outside its exterior) is left to
//     PostGIS validation;
//   - for the file as a whole: gcj02, reported on every feature, when the
//     features' centroids sit clearly and closely nearer to ref's once
//     converted from GCJ-02 to WGS84, a move of 100 to 1000 m.
//
// ref is the current boundaries of the same area, the yardstick for a
// GCJ-02 offset. Without it (ref empty) an offset cannot be told from a
// redrawn boundary, so no gcj02 problem is ever reported.
//
// Problems come in feature order, and within a feature ring by ring, then
// crossings, then gcj02. Winding and crossings are judged on the ring
// Repair would make (closed, repeats dropped), so a ring that is only
// unclosed is not also reported as crossing itself. The features are not
// changed.
func Check(fs []Feature, ref []orb.MultiPolygon) []Problem {
	var out []Problem
	gcj := gcjProblems(fs, ref)
	for i, f := range fs {
		out = append(out, ringProblems(i, f.Geometry)...)
		out = append(out, selfIntersections(i, f.Geometry)...)
		if gcj != nil {
			out = append(out, gcj[i])
		}
	}
	return out
}

// ringProblems checks each ring of feature i on its own.
func ringProblems(i int, mp orb.MultiPolygon) []Problem {
	var out []Problem
	add := func(code, detail, repair string) {
		out = append(out, Problem{Feature: i, Code: code, Detail: detail, Repair: repair})
	}
	for p, poly := range mp {
		for k, r := range poly {
			name := ringName(p, k)
			if unclosed(r) {
				add(CodeUnclosedRing, name+" ends at "+lonLat(r[len(r)-1])+", not where it starts",
					"close "+name+" by repeating its first point at the end")
			}
			if n, at := repeats(r); n > 0 {
				add(CodeDuplicatePoints, name+" repeats "+plural(n, "point")+" consecutively, the first at "+lonLat(at),
					"drop "+plural(n, "repeated point"))
			}
			if degenerate(r) {
				add(CodeTooFewPoints, name+" has "+plural(distinctPoints(cleanRing(r)), "distinct point")+"; a ring needs at least 3",
					dropDegenerate(mp, p, k))
				continue
			}
			if wrongWinding(r, k) {
				turn := "clockwise"
				if k > 0 {
					turn = "counter-clockwise"
				}
				add(CodeWinding, name+" runs "+turn+"; RFC 7946 wants exteriors counter-clockwise and holes clockwise",
					"reverse "+name)
			}
		}
	}
	return out
}

// dropDegenerate says what Repair does with degenerate ring k of polygon
// p: a hole is dropped, and so is a polygon whose exterior is degenerate,
// unless it is the feature's only polygon with an area.
func dropDegenerate(mp orb.MultiPolygon, p, k int) string {
	switch {
	case k > 0:
		return "drop " + ringName(p, k)
	case keepsArea(mp, p):
		return "drop polygon " + strconv.Itoa(p)
	}
	return "none: the feature has no other polygon, so it must be redrawn"
}

// keepsArea reports whether a polygon other than p has an exterior that
// is not degenerate.
func keepsArea(mp orb.MultiPolygon, p int) bool {
	for q, poly := range mp {
		if q != p && len(poly) > 0 && !degenerate(poly[0]) {
			return true
		}
	}
	return false
}
