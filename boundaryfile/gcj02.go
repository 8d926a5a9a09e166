package boundaryfile

import (
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/gridmap/gridmap/geo"
)

// The window of a GCJ-02 offset: the shift is a few hundred metres
// everywhere in China, so a larger or smaller one means some other
// datum or none.
const (
	gcjMinOffset = 100.0  // metres
	gcjMaxOffset = 1000.0 // metres
)

// fit is how one feature sits against the reference, in metres.
type fit struct {
	ok     bool    // the feature has an area to measure
	before float64 // from its centroid to the nearest reference centroid, as given
	after  float64 // the same once its centroid is converted from GCJ-02 to WGS84
	shift  float64 // how far that conversion moves it
	width  float64 // the square root of its area
}

// gcjProblems decides whether the features are in GCJ-02 rather than
// WGS84, by comparing them with ref, the current boundaries of the same
// area, and returns one problem per feature, indexed like fs, or nil.
//
// For each feature it measures the distance from its centroid to the
// nearest reference centroid as given (before) and once converted to
// WGS84 (after), and over the file it takes medians, which a few new or
// redrawn grids do not move. The file is in GCJ-02 when:
//   - the conversion moves it 100 to 1000 m (it does everywhere in China;
//     outside, GCJ-02 is WGS84);
//   - converted, it fits clearly better: after < before / 2;
//   - converted, it fits closely: after < a quarter of a grid's width.
//
// The offset window is put on the conversion's shift rather than on
// before, because a grid smaller than the shift lands near some other
// grid's centroid, and before then understates the offset. The last rule
// keeps a redrawn file, which may by chance sit a little closer to the
// reference once moved, from being taken for GCJ-02.
//
// Only centroids are converted: the shift changes smoothly, by a few
// metres per kilometre and almost linearly across a grid, so the converted
// centroid is the centroid of the converted feature to well under a metre,
// far under the distances compared. Distances are planar, in metres of one
// local equirectangular projection.
func gcjProblems(fs []Feature, ref []orb.MultiPolygon) []Problem {
	refs := centroids(ref)
	if len(refs) == 0 {
		return nil
	}
	proj := geo.NewLocal(refs[0])
	refM := make([]orb.Point, len(refs))
	for k, c := range refs {
		refM[k] = proj.ToMetres(c)
	}
	fits := make([]fit, len(fs))
	var before, after, shifts, widths []float64
	for i, f := range fs {
		c, area, ok := centroidArea(f.Geometry)
		if !ok {
			continue
		}
		cm, wm := proj.ToMetres(c), proj.ToMetres(geo.GCJ02ToWGS84(c))
		fits[i] = fit{ok: true, before: nearest(refM, cm), after: nearest(refM, wm),
			shift: math.Hypot(wm[0]-cm[0], wm[1]-cm[1]), width: math.Sqrt(area * squareMetres(proj, c))}
		before, after = append(before, fits[i].before), append(after, fits[i].after)
		shifts, widths = append(shifts, fits[i].shift), append(widths, fits[i].width)
	}
	if len(before) == 0 {
		return nil
	}
	mb, ma, ms, mw := median(before), median(after), median(shifts), median(widths)
	if ms < gcjMinOffset || ms > gcjMaxOffset || ma >= mb/2 || ma >= mw/4 {
		return nil
	}
	out := make([]Problem, len(fs))
	for i, f := range fs {
		detail := fmt.Sprintf("the file lies a median %.0f m from the current grids' centroids, %.0f m once converted from GCJ-02 to WGS84", mb, ma)
		if fi := fits[i]; fi.ok {
			detail = fmt.Sprintf("centroid %.0f m from the nearest current grid's, %.0f m once converted from GCJ-02 to WGS84 (file medians %.0f m and %.0f m)", fi.before, fi.after, mb, ma)
		}
		out[i] = Problem{Feature: i, Code: CodeGCJ02, Detail: detail, Repair: shift(f.Geometry) + " (GCJ-02 to WGS84)"}
	}
	return out
}

// squareMetres is the area in square metres of a square degree at p.
func squareMetres(proj geo.Local, p orb.Point) float64 {
	const d = 1e-3
	a, b := proj.ToMetres(p), proj.ToMetres(orb.Point{p[0] + d, p[1] + d})
	return (b[0] - a[0]) / d * (b[1] - a[1]) / d
}

// centroidArea returns the area centroid of mp, its rings cleaned, and
// its area in square degrees, or false when it has no area or lies out of
// range.
func centroidArea(mp orb.MultiPolygon) (orb.Point, float64, bool) {
	clean := make(orb.MultiPolygon, 0, len(mp))
	for _, p := range mp {
		var cp orb.Polygon
		for _, r := range p {
			cp = append(cp, cleanRing(r))
		}
		clean = append(clean, cp)
	}
	c, area := planar.CentroidArea(clean)
	if area <= 0 || positionFault(c) != "" {
		return orb.Point{}, 0, false
	}
	return c, area, true
}

func centroids(mps []orb.MultiPolygon) []orb.Point {
	var out []orb.Point
	for _, mp := range mps {
		if c, _, ok := centroidArea(mp); ok {
			out = append(out, c)
		}
	}
	return out
}

// nearest returns the distance from p to the closest of pts (all in
// metres). A linear scan: ref is one area's grids, not a city's.
func nearest(pts []orb.Point, p orb.Point) float64 {
	best := math.Inf(1)
	for _, q := range pts {
		best = min(best, math.Hypot(q[0]-p[0], q[1]-p[1]))
	}
	return best
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// shift describes the move GCJ-02 to WGS84 makes at mp's first vertex
// in range, e.g. "shift 512 m south-west".
func shift(mp orb.MultiPolygon) string {
	for _, p := range mp {
		for _, r := range p {
			for _, pt := range r {
				if positionFault(pt) == "" {
					d := geo.NewLocal(pt).ToMetres(geo.GCJ02ToWGS84(pt))
					return fmt.Sprintf("shift %.0f m %s", math.Hypot(d[0], d[1]), compass(d))
				}
			}
		}
	}
	return "shift nothing"
}

// compass names the direction of a move d (metres east, north) to the
// nearest of eight points.
func compass(d orb.Point) string {
	names := [8]string{"east", "north-east", "north", "north-west", "west", "south-west", "south", "south-east"}
	a := math.Atan2(d[1], d[0]) / (math.Pi / 4)
	k := int(math.Round(a)+8) % 8
	return names[k]
}
