package geo

import (
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// RouteDistance is how far, in metres, someone at from walks to a door
// at to when the two lie in different compounds (walled 院 with gates):
// out through a gate of from's compound, along the street to a gate of
// to's compound, in to the door, by the shortest such choice of gates.
// A compound without known gates is left and entered in a straight line.
// For two points in the same compound, pass no gates: the straight line.
func RouteDistance(from, to orb.Point, fromGates, toGates []orb.Point) float64 {
	outs := fromGates
	if len(outs) == 0 {
		outs = []orb.Point{from}
	}
	ins := toGates
	if len(ins) == 0 {
		ins = []orb.Point{to}
	}
	best := -1.0
	for _, o := range outs {
		leg := orbgeo.Distance(from, o)
		for _, i := range ins {
			d := leg + orbgeo.Distance(o, i) + orbgeo.Distance(i, to)
			if best < 0 || d < best {
				best = d
			}
		}
	}
	return best
}
