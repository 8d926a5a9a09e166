package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// GCJ-02 is the offset coordinate system of Chinese web maps (AMap, Tencent):
// WGS84 shifted by a smooth, deliberately obscure function of position,
// a few hundred metres in size. The public algorithm below is the one every
// open implementation uses; its constants are those of the Krasovsky 1940
// ellipsoid, not WGS84.
const (
	krasovskyA  = 6378245.0              // semi-major axis, metres
	krasovskyEE = 0.00669342162296594323 // first eccentricity squared
)

// gcjTolerance is the residual, in degrees, at which GCJ02ToWGS84 stops:
// the forward image of its answer is that close to the input, and since
// the shift changes by about 1e-5 of a step the answer itself is closer
// still, far under the 1e-7 (about 1 cm) it promises.
const gcjTolerance = 1e-9

// gcjMaxIterations bounds the inverse. The shift's derivative is of order
// 1e-5, so each step gains about five digits and two or three steps
// suffice; the bound only guards against a pathological input.
const gcjMaxIterations = 10

// OutOfChina reports whether p (lon, lat) lies outside the area where
// GCJ-02 applies, the rough box lon 72.004..137.8347, lat 0.8293..55.8271
// used by every public implementation; there the two systems coincide.
// The box edges themselves are inside.
func OutOfChina(p orb.Point) bool {
	lon, lat := p[0], p[1]
	return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}

// WGS84ToGCJ02 shifts a WGS84 point into GCJ-02; points outside China
// are returned unchanged.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if OutOfChina(p) {
		return p
	}
	dLon, dLat := gcjShift(p[0], p[1])
	return orb.Point{p[0] + dLon, p[1] + dLat}
}

// GCJ02ToWGS84 inverts WGS84ToGCJ02 to better than 1e-7 degrees. The
// forward shift has no closed-form inverse, so it iterates the fixed point
// w = g - shift(w), starting from w = g. Points outside China are returned
// unchanged. The shift is applied in the iteration even where an iterate
// crosses the box edge, so that points just inside it still converge.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if OutOfChina(p) {
		return p
	}
	lon, lat := p[0], p[1]
	for range gcjMaxIterations {
		dLon, dLat := gcjShift(lon, lat)
		// Residual: how far the forward image of the guess misses p.
		eLon, eLat := lon+dLon-p[0], lat+dLat-p[1]
		lon, lat = lon-eLon, lat-eLat
		if math.Abs(eLon) < gcjTolerance && math.Abs(eLat) < gcjTolerance {
			break
		}
	}
	return orb.Point{lon, lat}
}

// gcjShift is the GCJ-02 offset in degrees at a WGS84 position: the
// polynomial-and-sine displacement in metres of the public algorithm,
// turned into degrees on the Krasovsky ellipsoid.
func gcjShift(lon, lat float64) (dLon, dLat float64) {
	x, y := lon-105.0, lat-35.0
	dLat = gcjTransformLat(x, y)
	dLon = gcjTransformLon(x, y)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLon, dLat
}

func gcjTransformLat(x, y float64) float64 {
	ret := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	ret += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	ret += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	ret += (160.0*math.Sin(y/12.0*math.Pi) + 320.0*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return ret
}

func gcjTransformLon(x, y float64) float64 {
	ret := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	ret += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	ret += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	ret += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return ret
}
