package boundaryfile

import (
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ring parses a LinearRing's coordinates into the current Polygon.
func (r *kmlReader) ring(text string) error {
	pm := r.pm
	if !pm.inPoly || r.hasRing() {
		return r.fail(r.ringField(), "a LinearRing must hold one coordinates element")
	}
	field := r.ringField() + ".coordinates"
	var ring orb.Ring
	for k := 0; ; k++ {
		text = strings.TrimLeft(text, xmlSpace)
		if text == "" {
			break
		}
		j := strings.IndexAny(text, xmlSpace)
		if j < 0 {
			j = len(text)
		}
		tuple := text[:j]
		text = text[j:]
		p, msg := parseTuple(tuple)
		if msg == "" {
			msg = positionFault(p)
		}
		if msg != "" {
			return r.fail(field+"["+strconv.Itoa(k)+"]", msg)
		}
		if !r.b.vertex() {
			return r.b.tooManyVertices(len(r.out), field+"["+strconv.Itoa(k)+"]")
		}
		ring = append(ring, p)
	}
	if len(ring) == 0 {
		return r.fail(field, "is empty")
	}
	poly := &pm.geom[len(pm.geom)-1]
	if pm.inner {
		*poly = append(*poly, ring)
	} else {
		(*poly)[0] = ring
	}
	return nil
}

// parseTuple reads "lon,lat" or "lon,lat,alt".
func parseTuple(s string) (orb.Point, string) {
	parts := strings.Split(s, ",")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return orb.Point{}, "want lon,lat or lon,lat,alt with no spaces inside, not " + strconv.Quote(clip(s))
	}
	var p orb.Point
	for j := range parts {
		x, err := strconv.ParseFloat(parts[j], 64)
		if err != nil {
			return orb.Point{}, strconv.Quote(clip(parts[j])) + " is not a number"
		}
		if j < 2 {
			p[j] = x
		}
	}
	return p, ""
}

// hasRing reports whether the current boundary's ring has been read.
func (r *kmlReader) hasRing() bool {
	pm := r.pm
	if len(pm.geom) == 0 {
		return false
	}
	poly := pm.geom[len(pm.geom)-1]
	if pm.inner {
		return len(poly)-1 == pm.holes
	}
	return poly[0] != nil
}

// polyField names the current Polygon of the Placemark, counting the
// Polygons of a MultiGeometry from 0.
func (r *kmlReader) polyField() string {
	return "Polygon[" + strconv.Itoa(max(len(r.pm.geom)-1, 0)) + "]"
}

// ringField names the current boundary, e.g.
// "Polygon[1].innerBoundaryIs[0]".
func (r *kmlReader) ringField() string {
	if r.pm.inner {
		return r.polyField() + ".innerBoundaryIs[" + strconv.Itoa(r.pm.holes-1) + "]"
	}
	return r.polyField() + ".outerBoundaryIs"
}
