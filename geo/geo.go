// Package geo holds gridmap's pure geometry: local metric projections,
// dissolving tiles into their union, the gate that checks uploaded
// boundaries (ParsePolygonal), and the measures the coverage maths needs.
// It does no I/O and knows nothing of databases or HTTP.
package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// earthRadius is the WGS84 semi-major axis in metres.
const earthRadius = 6378137.0

// Local is an equirectangular projection around an origin, accurate to
// well under a metre across a few tens of kilometres. Generators and
// distance checks work in its metres; storage is always WGS84.
type Local struct {
	Origin orb.Point // lon, lat in degrees
	cosLat float64
}

// NewLocal returns the projection centred on origin.
func NewLocal(origin orb.Point) Local {
	return Local{Origin: origin, cosLat: math.Cos(origin[1] * math.Pi / 180)}
}

// ToLonLat converts metres east and north of the origin to WGS84 degrees.
func (l Local) ToLonLat(p orb.Point) orb.Point {
	return orb.Point{
		l.Origin[0] + p[0]/(earthRadius*l.cosLat)*180/math.Pi,
		l.Origin[1] + p[1]/earthRadius*180/math.Pi,
	}
}

// ToMetres converts WGS84 degrees to metres east and north of the origin.
func (l Local) ToMetres(p orb.Point) orb.Point {
	return orb.Point{
		(p[0] - l.Origin[0]) * math.Pi / 180 * earthRadius * l.cosLat,
		(p[1] - l.Origin[1]) * math.Pi / 180 * earthRadius,
	}
}

// Round returns p with both coordinates rounded to the given number of
// decimals. Seven decimals of a degree is about a centimetre.
func Round(p orb.Point, decimals int) orb.Point {
	f := math.Pow(10, float64(decimals))
	return orb.Point{math.Round(p[0]*f) / f, math.Round(p[1]*f) / f}
}

// SegmentDistance is the planar distance from p to the segment a-b.
func SegmentDistance(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l2
		t = math.Max(0, math.Min(1, t))
	}
	ex, ey := a[0]+t*dx-p[0], a[1]+t*dy-p[1]
	return math.Hypot(ex, ey)
}

// BoundaryDistance is the planar distance from p to the nearest edge of
// any ring of poly.
func BoundaryDistance(p orb.Point, poly orb.Polygon) float64 {
	best := math.Inf(1)
	for _, ring := range poly {
		for i := 1; i < len(ring); i++ {
			best = math.Min(best, SegmentDistance(p, ring[i-1], ring[i]))
		}
	}
	return best
}
