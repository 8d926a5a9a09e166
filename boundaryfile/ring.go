package boundaryfile

import (
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// cleanRing returns a copy of r closed and with consecutive repeated
// positions collapsed into one: the ring Repair would make of it, on which
// Check measures winding, counts distinct points and looks for crossings.
func cleanRing(r orb.Ring) orb.Ring {
	out := make(orb.Ring, 0, len(r)+1)
	for _, p := range r {
		if len(out) == 0 || p != out[len(out)-1] {
			out = append(out, p)
		}
	}
	if len(out) > 1 && out[0] != out[len(out)-1] {
		out = append(out, out[0])
	}
	return out
}

// distinctPoints counts the positions of a cleaned ring, the closing one
// not counted again.
func distinctPoints(clean orb.Ring) int {
	if len(clean) < 2 {
		return len(clean)
	}
	return len(clean) - 1
}

// degenerate reports whether a ring has fewer than 3 distinct points once
// cleaned, too few to enclose an area.
func degenerate(r orb.Ring) bool {
	return distinctPoints(cleanRing(r)) < 3
}

// unclosed reports whether a ring of at least two positions ends
// elsewhere than it starts.
func unclosed(r orb.Ring) bool {
	return len(r) > 1 && r[0] != r[len(r)-1]
}

// repeats counts the positions equal to the one before them.
func repeats(r orb.Ring) (n int, first orb.Point) {
	for i := 1; i < len(r); i++ {
		if r[i] == r[i-1] {
			if n == 0 {
				first = r[i]
			}
			n++
		}
	}
	return n, first
}

// wantOrientation is the winding RFC 7946 asks of ring k of a polygon:
// the exterior (k = 0) counter-clockwise, holes clockwise.
func wantOrientation(k int) orb.Orientation {
	if k == 0 {
		return orb.CCW
	}
	return orb.CW
}

// wrongWinding reports whether ring k of a polygon winds against RFC 7946.
// A ring with no net area (degenerate, or a symmetric bow tie) has no
// winding to fix.
func wrongWinding(r orb.Ring, k int) bool {
	c := cleanRing(r)
	if distinctPoints(c) < 3 {
		return false
	}
	o := c.Orientation()
	return o != 0 && o != wantOrientation(k)
}

// ringName names ring k of polygon p for a message.
func ringName(p, k int) string {
	return "ring " + strconv.Itoa(k) + " of polygon " + strconv.Itoa(p)
}

// lonLat formats a point for a message, to 6 decimals at most (10 cm).
func lonLat(p orb.Point) string {
	f := func(x float64) string {
		return strconv.FormatFloat(math.Round(x*1e6)/1e6, 'f', -1, 64)
	}
	return f(p[0]) + "," + f(p[1])
}

// plural writes n and a noun, adding "s" unless n is 1.
func plural(n int, noun string) string {
	s := strconv.Itoa(n) + " " + noun
	if n != 1 {
		s += "s"
	}
	return s
}
