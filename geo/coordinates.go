package geo

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// inPolygon is a polygon as read from the input, exterior ring first.
type inPolygon struct {
	path  string // e.g. "coordinates[2]", or "coordinates" for a Polygon
	rings []*inRing
}

// inRing is a ring as read from the input: closed, consecutive duplicate
// positions collapsed, and for each position kept the index it had in the
// input, so that later faults point at what the client sent.
type inRing struct {
	pts   orb.Ring
	orig  []int
	bound orb.Bound
	path  string // e.g. "coordinates[2][1]"
	poly  int    // index of its polygon
	hole  bool
}

// posPath is the path of the ring's i-th distinct position as sent.
func (r *inRing) posPath(i int) string {
	return r.path + "[" + strconv.Itoa(r.orig[i]) + "]"
}

// coordReader reads the coordinates member by hand rather than through
// encoding/json, so that each level of nesting is checked against what the
// geometry type expects, and the limits stop the read at the first
// position, ring or polygon too many. The bytes are already known to be one
// valid JSON value; the reader still checks every index it uses.
type coordReader struct {
	data     []byte
	pos      int
	lim      Limits
	kind     string // "Polygon" or "MultiPolygon", for nesting hints
	path     []int  // indices below "coordinates" of the value being read
	vertices int
	rings    int
	out      []inPolygon
}

// readCoordinates reads the coordinates of a Polygon, or of a MultiPolygon
// when multi is set.
func readCoordinates(data []byte, multi bool, lim Limits) ([]inPolygon, error) {
	r := &coordReader{data: data, lim: lim, kind: "Polygon"}
	var err error
	if multi {
		r.kind = "MultiPolygon"
		err = r.array("an array of polygons", r.polygon)
		if err == nil && len(r.out) == 0 {
			err = r.fail("must hold at least one polygon")
		}
	} else {
		err = r.polygon()
	}
	if err != nil {
		return nil, err
	}
	if r.skipSpace(); r.pos != len(r.data) {
		return nil, r.fail("has unexpected data after the array")
	}
	return r.out, nil
}

func (r *coordReader) polygon() error {
	if len(r.out) == r.lim.MaxPolygons {
		return r.fail(fmt.Sprintf("too many polygons: the limit is %d", r.lim.MaxPolygons))
	}
	r.out = append(r.out, inPolygon{path: r.pathString()})
	if err := r.array("an array of rings", r.ring); err != nil {
		return err
	}
	if len(r.out[len(r.out)-1].rings) == 0 {
		return r.fail("polygon has no rings; it needs at least an exterior ring")
	}
	return nil
}

func (r *coordReader) ring() error {
	if r.rings++; r.rings > r.lim.MaxRings {
		return r.fail(fmt.Sprintf("too many rings: the limit is %d", r.lim.MaxRings))
	}
	var pts orb.Ring
	err := r.array("an array of positions", func() error {
		p, err := r.position()
		pts = append(pts, p)
		return err
	})
	if err != nil {
		return err
	}
	if len(pts) < 4 {
		return r.fail(fmt.Sprintf("ring must have at least 4 positions, has %d", len(pts)))
	}
	if first, last := pts[0], pts[len(pts)-1]; first != last {
		return r.fail(fmt.Sprintf("ring is not closed: its last position %s differs from its first %s", format(last), format(first)))
	}
	pts, orig := collapse(pts)
	if len(pts) < 4 {
		return r.fail("ring has zero area: it has fewer than 3 distinct positions")
	}
	poly := &r.out[len(r.out)-1]
	poly.rings = append(poly.rings, &inRing{
		pts: pts, orig: orig, bound: pts.Bound(), path: r.pathString(),
		poly: len(r.out) - 1, hole: len(poly.rings) > 0,
	})
	return nil
}

func (r *coordReader) position() (orb.Point, error) {
	if r.vertices++; r.vertices > r.lim.MaxVertices {
		return orb.Point{}, r.fail(fmt.Sprintf("too many positions: the limit is %d", r.lim.MaxVertices))
	}
	var v [3]float64
	n := 0
	err := r.array("a position (an array of numbers)", func() error {
		if n == len(v) {
			r.path = r.path[:len(r.path)-1]
			return r.fail("position has more than 3 numbers; want longitude, latitude and optionally altitude")
		}
		f, err := r.number()
		v[n] = f
		n++
		return err
	})
	if err != nil {
		return orb.Point{}, err
	}
	if n < 2 {
		count := fmt.Sprintf("%d numbers", n)
		if n == 1 {
			count = "only 1 number"
		}
		return orb.Point{}, r.fail("position has " + count + "; want longitude, latitude and optionally altitude")
	}
	if v[0] < -180 || v[0] > 180 {
		return orb.Point{}, r.failAt(0, "longitude "+formatNumber(v[0])+" is outside [-180, 180]")
	}
	if v[1] < -90 || v[1] > 90 {
		return orb.Point{}, r.failAt(1, "latitude "+formatNumber(v[1])+" is outside [-90, 90]")
	}
	return orb.Point{v[0], v[1]}, nil
}

// number reads one finite JSON number.
func (r *coordReader) number() (float64, error) {
	r.skipSpace()
	start := r.pos
	for r.pos < len(r.data) && strings.IndexByte("+-.0123456789Ee", r.data[r.pos]) >= 0 {
		r.pos++
	}
	if start == r.pos {
		msg := "must be a number, not " + r.kindHere()
		if r.pos < len(r.data) && r.data[r.pos] == '[' {
			msg += " (nested too deep for a " + r.kind + ")"
		}
		return 0, r.fail(msg)
	}
	text := string(r.data[start:r.pos])
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, r.fail("number " + clip(text) + " is not a finite 64-bit float")
	}
	return f, nil
}

// array reads a JSON array, calling elem for each element with the
// element's index on the path; want names the array in an error.
func (r *coordReader) array(want string, elem func() error) error {
	r.skipSpace()
	if r.pos >= len(r.data) || r.data[r.pos] != '[' {
		msg := "must be " + want + ", not " + r.kindHere()
		if r.pos < len(r.data) && strings.IndexByte("-0123456789", r.data[r.pos]) >= 0 {
			msg += " (nested too shallow for a " + r.kind + ")"
		}
		return r.fail(msg)
	}
	r.pos++
	if r.skipSpace(); r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
		return nil
	}
	for i := 0; ; i++ {
		r.path = append(r.path, i)
		if err := elem(); err != nil {
			return err
		}
		r.path = r.path[:len(r.path)-1]
		r.skipSpace()
		if r.pos >= len(r.data) {
			return r.fail("ends before the array is closed")
		}
		r.pos++
		switch r.data[r.pos-1] {
		case ',':
		case ']':
			return nil
		default:
			return r.fail("is not a well-formed array")
		}
	}
}

func (r *coordReader) skipSpace() {
	for r.pos < len(r.data) && strings.IndexByte(" \t\r\n", r.data[r.pos]) >= 0 {
		r.pos++
	}
}

// kindHere names the kind of JSON value at the read position.
func (r *coordReader) kindHere() string {
	if r.pos >= len(r.data) {
		return "nothing"
	}
	switch r.data[r.pos] {
	case '[':
		return "an array"
	case '{':
		return "an object"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func (r *coordReader) fail(msg string) error {
	return &InputError{Path: r.pathString(), Msg: msg}
}

// failAt reports a fault in element i of the value being read.
func (r *coordReader) failAt(i int, msg string) error {
	return &InputError{Path: r.pathString() + "[" + strconv.Itoa(i) + "]", Msg: msg}
}

func (r *coordReader) pathString() string {
	var b strings.Builder
	b.WriteString("coordinates")
	for _, i := range r.path {
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(']')
	}
	return b.String()
}

// collapse drops each position equal to the one before it, in place, and
// returns for each kept position its index in pts. A closed ring stays
// closed: its last position is kept or equals the one kept before it.
func collapse(pts orb.Ring) (orb.Ring, []int) {
	out := pts[:1]
	orig := make([]int, 1, len(pts))
	for i := 1; i < len(pts); i++ {
		if pts[i] != out[len(out)-1] {
			out = append(out, pts[i])
			orig = append(orig, i)
		}
	}
	return out, orig
}

func format(p orb.Point) string {
	return "[" + formatNumber(p[0]) + ", " + formatNumber(p[1]) + "]"
}

func formatNumber(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}
