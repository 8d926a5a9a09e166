package boundaryfile

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Limits bound what Decode reads. A field that is zero or negative takes
// its DefaultLimits value, so Limits{} means the defaults.
type Limits struct {
	MaxBytes    int64 // size of the file
	MaxFeatures int   // features (GeoJSON) or Placemarks (KML)
	MaxVertices int   // positions over all rings of all features, as written
}

// DefaultLimits returns limits generous for a whole city's grids: 20 MiB,
// 10,000 features and 2,000,000 vertices.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 20 << 20, MaxFeatures: 10_000, MaxVertices: 2_000_000}
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxFeatures <= 0 {
		l.MaxFeatures = d.MaxFeatures
	}
	if l.MaxVertices <= 0 {
		l.MaxVertices = d.MaxVertices
	}
	return l
}

// InputError is a file that Decode refuses. Its fields are short and never
// echo more than a few characters of the input, so it can be shown to the
// person who uploaded the file as it is.
type InputError struct {
	// Feature is the index of the feature (or Placemark) at fault, counting
	// from 0 in file order, or -1 when the fault is in the file as a
	// whole (not JSON or XML, too big, no features).
	Feature int
	// Field locates the fault inside the feature, e.g.
	// "geometry.coordinates[0][2][5]", "properties.level" or
	// "Polygon[1].innerBoundaryIs[0].coordinates[3]"; "" for the feature or
	// file as a whole.
	Field string
	// Msg says what is wrong, in plain English.
	Msg string
}

// Error returns "boundaryfile: feature 3: properties.level: must be an
// integer", leaving out the parts that do not apply.
func (e *InputError) Error() string {
	s := "boundaryfile: "
	if e.Feature >= 0 {
		s += "feature " + strconv.Itoa(e.Feature) + ": "
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Msg
}

// budget counts what a decoder has read against the limits, so that a
// decoder stops at the first feature or vertex too many.
type budget struct {
	lim      Limits
	features int
	vertices int
}

// checkSize refuses data over MaxBytes, before any parsing.
func (b *budget) checkSize(n int) error {
	if int64(n) > b.lim.MaxBytes {
		return &InputError{Feature: -1, Msg: fmt.Sprintf("the file is %d bytes, over the MaxBytes limit of %d", n, b.lim.MaxBytes)}
	}
	return nil
}

// feature counts one more feature.
func (b *budget) feature() error {
	if b.features == b.lim.MaxFeatures {
		return &InputError{Feature: b.features, Msg: fmt.Sprintf("the file has more than %d features, the MaxFeatures limit", b.lim.MaxFeatures)}
	}
	b.features++
	return nil
}

// vertex counts one more vertex, or reports false when it is one too
// many; tooManyVertices is then the error.
func (b *budget) vertex() bool {
	if b.vertices == b.lim.MaxVertices {
		return false
	}
	b.vertices++
	return true
}

// tooManyVertices is the error for the vertex of feature i at field that
// vertex refused.
func (b *budget) tooManyVertices(i int, field string) error {
	return &InputError{Feature: i, Field: field, Msg: fmt.Sprintf("the file has more than %d vertices, the MaxVertices limit", b.lim.MaxVertices)}
}

// positionFault says what is wrong with a position, or "" when it is a
// finite longitude in [-180, 180] and latitude in [-90, 90].
func positionFault(p [2]float64) string {
	switch {
	case math.IsNaN(p[0]) || math.IsInf(p[0], 0) || math.IsNaN(p[1]) || math.IsInf(p[1], 0):
		return "coordinates must be finite numbers"
	case p[0] < -180 || p[0] > 180:
		return "longitude " + short(p[0]) + " is outside [-180, 180]"
	case p[1] < -90 || p[1] > 90:
		return "latitude " + short(p[1]) + " is outside [-90, 90]"
	}
	return ""
}

// short formats a number for a message.
func short(x float64) string {
	return strconv.FormatFloat(x, 'g', 10, 64)
}

// clip shortens s for a message, so that a hostile input is not echoed at
// length.
func clip(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "..."
}
