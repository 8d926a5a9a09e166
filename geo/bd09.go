package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// BD-09 is Baidu Maps' system: GCJ-02 rotated and scaled a little more
// around the origin and shifted by (0.0065, 0.006) degrees. The public
// formulas below are those every open implementation uses; the inverse
// is the formula's own approximate inverse (a few centimetres), not an
// iteration.
const bdXPi = math.Pi * 3000.0 / 180.0

// GCJ02ToBD09 converts a GCJ-02 point to BD-09.
func GCJ02ToBD09(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// BD09ToGCJ02 converts a BD-09 point to GCJ-02.
func BD09ToGCJ02(p orb.Point) orb.Point {
	x, y := p[0]-0.0065, p[1]-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z * math.Cos(theta), z * math.Sin(theta)}
}

// WGS84ToBD09 converts a WGS-84 point to BD-09 through GCJ-02. Outside
// China GCJ-02 is WGS-84, but Baidu still applies its own shift.
func WGS84ToBD09(p orb.Point) orb.Point { return GCJ02ToBD09(WGS84ToGCJ02(p)) }

// BD09ToWGS84 converts a BD-09 point to WGS-84 through GCJ-02.
func BD09ToWGS84(p orb.Point) orb.Point { return GCJ02ToWGS84(BD09ToGCJ02(p)) }
