package boundaryfile

import (
	"slices"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/geo"
)

// Repair returns a copy of fs with the problems in probs fixed, feature by
// feature and code by code: a feature is changed only for the codes probs
// lists for it (so a caller may leave a problem out to keep it as it is),
// and each fix applies to every ring of that feature. In order:
//   - unclosed_ring: the first point is repeated at the end;
//   - duplicate_points: consecutive repeats are dropped;
//   - too_few_points: a degenerate hole is dropped, and a polygon whose
//     exterior is degenerate unless it is the feature's only polygon
//     with an area (that feature must be redrawn);
//   - gcj02: every vertex is converted from GCJ-02 to WGS84;
//   - winding: exteriors are made counter-clockwise, holes clockwise.
//
// self_intersection is not fixed here: the caller repairs it with PostGIS
// ST_MakeValid, which may change the area, and reports the change. fs is
// not modified.
func Repair(fs []Feature, probs []Problem) []Feature {
	codes := make([]map[string]bool, len(fs))
	for _, p := range probs {
		if p.Feature < 0 || p.Feature >= len(fs) {
			continue
		}
		if codes[p.Feature] == nil {
			codes[p.Feature] = map[string]bool{}
		}
		codes[p.Feature][p.Code] = true
	}
	out := make([]Feature, len(fs))
	for i, f := range fs {
		out[i] = f
		if codes[i] != nil {
			out[i].Geometry = repairGeometry(f.Geometry, codes[i])
		}
	}
	return out
}

// repairGeometry returns a repaired copy of mp.
func repairGeometry(mp orb.MultiPolygon, fix map[string]bool) orb.MultiPolygon {
	out := make(orb.MultiPolygon, 0, len(mp))
	for _, poly := range mp {
		cp := make(orb.Polygon, 0, len(poly))
		for _, r := range poly {
			cp = append(cp, repairRing(r, fix))
		}
		out = append(out, cp)
	}
	if fix[CodeTooFewPoints] {
		out = dropDegenerates(out)
	}
	if fix[CodeWinding] {
		for _, poly := range out {
			for k, r := range poly {
				if wrongWinding(r, k) {
					slices.Reverse(r)
				}
			}
		}
	}
	return out
}

// repairRing returns a copy of r closed, without repeats and converted to
// WGS84, as fix asks.
func repairRing(r orb.Ring, fix map[string]bool) orb.Ring {
	out := make(orb.Ring, 0, len(r)+1)
	for _, p := range r {
		if fix[CodeDuplicatePoints] && len(out) > 0 && p == out[len(out)-1] {
			continue
		}
		out = append(out, p)
	}
	if fix[CodeUnclosedRing] && unclosed(out) {
		out = append(out, out[0])
	}
	if fix[CodeGCJ02] {
		for k, p := range out {
			out[k] = geo.GCJ02ToWGS84(p)
		}
	}
	return out
}

// dropDegenerates drops degenerate holes, and polygons with a degenerate
// exterior while another polygon keeps an area.
func dropDegenerates(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, 0, len(mp))
	for p, poly := range mp {
		if len(poly) > 0 && degenerate(poly[0]) && keepsArea(mp, p) {
			continue
		}
		kept := poly[:0:0]
		for k, r := range poly {
			if k == 0 || !degenerate(r) {
				kept = append(kept, r)
			}
		}
		out = append(out, kept)
	}
	return out
}
