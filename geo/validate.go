package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gridmap/gridmap/model"
	"github.com/paulmach/orb"
)

// Limits bound the size of geometry input. A field that is zero or
// negative takes its DefaultLimits value, so Limits{} means the defaults.
type Limits struct {
	MaxVertices int // total positions over all rings, counted as sent, before duplicates collapse
	MaxRings    int // total rings over all polygons
	MaxPolygons int
}

// DefaultLimits returns limits generous for a city grid: 20000 positions,
// 200 rings and 100 polygons.
func DefaultLimits() Limits {
	return Limits{MaxVertices: 20000, MaxRings: 200, MaxPolygons: 100}
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	if l.MaxVertices <= 0 {
		l.MaxVertices = d.MaxVertices
	}
	if l.MaxRings <= 0 {
		l.MaxRings = d.MaxRings
	}
	if l.MaxPolygons <= 0 {
		l.MaxPolygons = d.MaxPolygons
	}
	return l
}

// InputError is a geometry input rejected. Path locates the fault in the
// GeoJSON geometry object: a member such as "type", or a coordinate such as
// "coordinates[0][0][3]" (as many indices as the fault is deep, counting
// positions as sent, before duplicates collapse), or "" when the fault is
// the object as a whole. Msg says what is wrong in plain English. Neither echoes more than a short piece of the input, so both
// can go back to the client as they are.
type InputError struct {
	Path string
	Msg  string
}

// As makes the error a model.Error (Invalid, the field
// "geometry.<Path>") for errors.As, so one mapper answers it.
func (e *InputError) As(target any) bool {
	t, ok := target.(**model.Error)
	if ok {
		*t = &model.Error{Kind: model.Invalid, Field: strings.TrimSuffix("geometry."+e.Path, "."), Msg: e.Msg}
	}
	return ok
}

// Error returns "geometry.<Path>: <Msg>", or "geometry: <Msg>" when Path is
// empty.
func (e *InputError) Error() string {
	if e.Path == "" {
		return "geometry: " + e.Msg
	}
	return "geometry." + e.Path + ": " + e.Msg
}

// ParsePolygonal decodes a GeoJSON geometry object (RFC 7946) of type
// Polygon or MultiPolygon into a MultiPolygon, checks it and normalises ring
// orientation (exterior counter-clockwise, holes clockwise). A Polygon
// becomes a MultiPolygon of one. Every error is an *InputError.
//
// The edge rules:
//   - The object's "type" is exactly "Polygon" or "MultiPolygon"; a
//     Feature, a GeometryCollection or any other type is refused. Foreign
//     members are ignored, except "geometries", which is refused; "bbox" is
//     ignored, not trusted.
//   - A position is 2 or 3 finite numbers; the altitude is dropped.
//     Longitude lies in [-180, 180] and latitude in [-90, 90], ends included.
//   - A ring has at least 4 positions as sent and its last position equals
//     its first exactly (longitude and latitude). Consecutive equal
//     positions collapse into one; at least 3 distinct positions and a
//     non-zero area must remain.
//   - No two edges anywhere in the geometry share a point, except
//     consecutive edges of one ring at their common vertex, and those may
//     not fold back along each other. This is stricter than OGC Simple
//     Features: a hole may not touch its exterior or another hole even at a
//     single point, nor may two polygons of a MultiPolygon.
//   - Each hole lies inside its exterior and outside the other holes; no
//     polygon lies inside another, though one may sit in another's hole.
//   - Limits are checked while reading, so the read stops at the first
//     position, ring or polygon too many.
//
// Coordinates are treated as planar, as a PostGIS geometry column does; a
// polygon across the antimeridian must come split (RFC 7946 section 3.1.9).
// Whether edges meet is decided exactly on the float64 values, in
// O(n log n) time for n positions whatever their shape. The JSON syntax is
// checked in one linear pass before coordinates are read, so the caller
// caps the size of raw in bytes (http.MaxBytesReader).
func ParsePolygonal(raw []byte, lim Limits) (orb.MultiPolygon, error) {
	coords, multi, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}
	polys, err := readCoordinates(coords, multi, lim.orDefault())
	if err != nil {
		return nil, err
	}
	var rings []*inRing
	for _, p := range polys {
		rings = append(rings, p.rings...)
	}
	if err := checkEdges(rings); err != nil {
		return nil, err
	}
	for _, r := range rings {
		if r.pts.Orientation() == 0 {
			return nil, &InputError{Path: r.path, Msg: "ring has zero area"}
		}
	}
	if err := checkNesting(polys); err != nil {
		return nil, err
	}
	return normalise(polys), nil
}

// decodeObject checks the geometry object around the coordinates and
// returns the raw coordinates member and whether the type is MultiPolygon.
func decodeObject(raw []byte) (json.RawMessage, bool, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		var typ *json.UnmarshalTypeError
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &typ):
			return nil, false, &InputError{Msg: "must be a JSON object, not " + article(typ.Value)}
		case errors.As(err, &syn):
			return nil, false, &InputError{Msg: fmt.Sprintf("is not valid JSON (at byte %d): %v", syn.Offset, syn)}
		}
		return nil, false, &InputError{Msg: "is not valid JSON: " + err.Error()}
	}
	if obj == nil {
		return nil, false, &InputError{Msg: "must be a JSON object, not null"}
	}
	if _, ok := obj["geometries"]; ok {
		return nil, false, &InputError{Path: "geometries", Msg: "is not allowed: send one Polygon or MultiPolygon, not a GeometryCollection"}
	}
	t, ok := obj["type"]
	if !ok {
		return nil, false, &InputError{Path: "type", Msg: `is missing; want "Polygon" or "MultiPolygon"`}
	}
	var typ string
	if len(t) == 0 || t[0] != '"' || json.Unmarshal(t, &typ) != nil {
		return nil, false, &InputError{Path: "type", Msg: `must be the string "Polygon" or "MultiPolygon"`}
	}
	var multi bool
	switch typ {
	case "Polygon":
	case "MultiPolygon":
		multi = true
	case "Feature":
		return nil, false, &InputError{Path: "type", Msg: `must be "Polygon" or "MultiPolygon", not "Feature": send the feature's geometry member`}
	default:
		return nil, false, &InputError{Path: "type", Msg: `must be "Polygon" or "MultiPolygon", not ` + strconv.Quote(clip(typ))}
	}
	coords, ok := obj["coordinates"]
	if !ok {
		return nil, false, &InputError{Path: "coordinates", Msg: "is missing"}
	}
	if bytes.Equal(coords, []byte("null")) {
		return nil, false, &InputError{Path: "coordinates", Msg: "must be an array, not null"}
	}
	return coords, multi, nil
}

// checkNesting checks where rings lie relative to one another. It relies on
// checkEdges having found no two rings that touch, so one vertex tells
// whether a whole ring is inside or outside another.
func checkNesting(polys []inPolygon) error {
	for _, p := range polys {
		ext := p.rings[0]
		for i, h := range p.rings[1:] {
			if !inside(ext, h) {
				return &InputError{Path: h.path, Msg: "hole does not lie inside its exterior ring"}
			}
			for _, g := range p.rings[1 : i+1] {
				if inside(g, h) {
					return &InputError{Path: h.path, Msg: "hole lies inside hole " + g.path}
				}
				if inside(h, g) {
					return &InputError{Path: g.path, Msg: "hole lies inside hole " + h.path}
				}
			}
		}
	}
	for j, q := range polys {
		for _, p := range polys[:j] {
			if covers(p, q.rings[0]) || covers(q, p.rings[0]) {
				return &InputError{Path: q.path, Msg: "polygon overlaps polygon " + p.path + ": one lies inside the other"}
			}
		}
	}
	return nil
}

// inside reports whether ring r lies inside ring outer, given that their
// edges do not meet.
func inside(outer, r *inRing) bool {
	return outer.bound.Contains(r.pts[0]) && ringContains(outer.pts, r.pts[0])
}

// covers reports whether ring r lies in the area of polygon p, inside its
// exterior and outside its holes, given that no edges meet.
func covers(p inPolygon, r *inRing) bool {
	if !inside(p.rings[0], r) {
		return false
	}
	for _, h := range p.rings[1:] {
		if inside(h, r) {
			return false
		}
	}
	return true
}

// normalise builds the result with exteriors counter-clockwise and holes
// clockwise, the orientation RFC 7946 asks for.
func normalise(polys []inPolygon) orb.MultiPolygon {
	mp := make(orb.MultiPolygon, len(polys))
	for i, p := range polys {
		poly := make(orb.Polygon, len(p.rings))
		for j, r := range p.rings {
			want := orb.CCW
			if j > 0 {
				want = orb.CW
			}
			if r.pts.Orientation() != want {
				r.pts.Reverse()
			}
			poly[j] = r.pts
		}
		mp[i] = poly
	}
	return mp
}

// clip shortens s for an error message, so a hostile input is not echoed
// back at length.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

// article puts "a" or "an" before a JSON kind such as "array" or "number".
func article(kind string) string {
	switch kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "a boolean"
	}
	return "a " + kind
}
