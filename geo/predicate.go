package geo

import (
	"math"
	"math/big"

	"github.com/paulmach/orb"
)

// sameSide reports whether a and b both lie strictly below or both
// strictly above c; comparisons rather than a dot product, so that tiny
// coordinates cannot underflow to a wrong answer.
func sameSide(a, b, c float64) bool {
	return a < c && b < c || a > c && b > c
}

// segmentsMeet reports whether segments p1-p2 and q1-q2 share any point,
// a crossing, a touch or a collinear overlap.
func segmentsMeet(p1, p2, q1, q2 orb.Point) bool {
	d1, d2 := orient(q1, q2, p1), orient(q1, q2, p2)
	d3, d4 := orient(p1, p2, q1), orient(p1, p2, q2)
	if opposite(d1, d2) && opposite(d3, d4) {
		return true
	}
	return d1 == 0 && within(q1, q2, p1) ||
		d2 == 0 && within(q1, q2, p2) ||
		d3 == 0 && within(p1, p2, q1) ||
		d4 == 0 && within(p1, p2, q2)
}

func opposite(x, y float64) bool {
	return x < 0 && y > 0 || x > 0 && y < 0
}

// orient is positive when a, b, c turn counter-clockwise, negative when
// clockwise and zero when they are collinear. Its sign is exact for the
// float64 coordinates given, so the edge rules hold as stated even for
// input built to fall between rounding errors: the float64 determinant is
// trusted beyond Shewchuk's error bound, and nearer zero the sign is
// worked out exactly.
func orient(a, b, c orb.Point) float64 {
	acx, bcy := a[0]-c[0], b[1]-c[1]
	acy, bcx := a[1]-c[1], b[0]-c[0]
	l, r := acx*bcy, acy*bcx
	det := l - r
	if math.Abs(det) > orientBound*(math.Abs(l)+math.Abs(r)) &&
		normalProduct(l, acx, bcy) && normalProduct(r, acy, bcx) {
		return det
	}
	if (acx == 0 || bcy == 0) && (acy == 0 || bcx == 0) {
		return 0 // a repeated point or an axis-parallel line: common, and exact
	}
	return orientExact(a, b, c)
}

// orientBound is Shewchuk's (3 + 16ε)ε bound on the relative error of the
// float64 determinant, ε = 2⁻⁵³.
const orientBound = (3 + 16*0x1p-53) * 0x1p-53

// normalProduct reports whether p = x*y is an exact zero or large enough
// that neither it nor its rounding error underflows, as the error bound
// and math.FMA's exact error term both assume.
func normalProduct(p, x, y float64) bool {
	return x == 0 || y == 0 || math.Abs(p) >= 0x1p-900
}

// orientExact returns the sign of the determinant of orient, -1, 0 or 1,
// computed exactly. Each difference of coordinates is split into a sum of
// two float64s without error (Knuth's two-sum), each product of those into
// two more (math.FMA), and the sixteen terms are added into a Shewchuk
// expansion, whose largest non-zero component has the sign of the exact
// sum. Where a product could underflow, which only absurdly small
// differences do, big.Float takes over.
func orientExact(a, b, c orb.Point) float64 {
	var d [4][2]float64
	d[0][0], d[0][1] = twoDiff(a[0], c[0])
	d[1][0], d[1][1] = twoDiff(b[1], c[1])
	d[2][0], d[2][1] = twoDiff(a[1], c[1])
	d[3][0], d[3][1] = twoDiff(b[0], c[0])
	var terms [16]float64
	n := 0
	for k, pair := range [2][2]int{{0, 1}, {2, 3}} {
		for _, x := range d[pair[0]] {
			for _, y := range d[pair[1]] {
				if k == 1 {
					y = -y // r is subtracted
				}
				p := x * y
				if !normalProduct(p, x, y) {
					return orientBig(a, b, c)
				}
				terms[n], terms[n+1] = p, math.FMA(x, y, -p)
				n += 2
			}
		}
	}
	var e [16]float64 // the expansion, smallest component first
	m := 0
	for _, t := range terms {
		q := t
		for i := range m {
			q, e[i] = twoSum(q, e[i])
		}
		e[m] = q
		m++
	}
	for i := m - 1; i >= 0; i-- {
		if e[i] != 0 {
			return math.Copysign(1, e[i])
		}
	}
	return 0
}

// twoSum returns a + b as s + e exactly, s being the float64 sum.
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bv := s - a
	av := s - bv
	return s, (a - av) + (b - bv)
}

// twoDiff returns a - b as d + e exactly, d being the float64 difference.
func twoDiff(a, b float64) (d, e float64) {
	d = a - b
	bv := a - d
	av := d + bv
	return d, (a - av) + (bv - b)
}

// bigPrec is enough bits to hold exactly the difference of two float64
// coordinates (|x| <= 180, so under 2⁸ down to 2⁻¹⁰⁷⁴) and the product of
// two such differences.
const bigPrec = 2 * (8 + 1074 + 2)

// orientBig is orientExact in big.Float arithmetic wide enough to be exact.
func orientBig(a, b, c orb.Point) float64 {
	diff := func(x, y float64) *big.Float {
		return new(big.Float).SetPrec(bigPrec).Sub(big.NewFloat(x), big.NewFloat(y))
	}
	mul := func(x, y *big.Float) *big.Float { return new(big.Float).SetPrec(bigPrec).Mul(x, y) }
	l := mul(diff(a[0], c[0]), diff(b[1], c[1]))
	r := mul(diff(a[1], c[1]), diff(b[0], c[0]))
	return float64(l.Cmp(r))
}

// ringContains reports whether p lies inside ring r by winding number,
// exactly, for a p that is not on r.
func ringContains(r orb.Ring, p orb.Point) bool {
	wn := 0
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		switch {
		case a[1] <= p[1] && b[1] > p[1] && orient(a, b, p) > 0:
			wn++
		case a[1] > p[1] && b[1] <= p[1] && orient(a, b, p) < 0:
			wn--
		}
	}
	return wn != 0
}

// within reports whether p, collinear with a-b, lies on the segment.
func within(a, b, p orb.Point) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) &&
		min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}
