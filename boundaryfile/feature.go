// Package boundaryfile reads and writes grid boundaries as GeoJSON and KML
// files, finds what is wrong with an imported file's geometry (unclosed
// rings, repeated points, winding, degenerate and self-intersecting rings,
// a GCJ-02 offset) and repairs what can be repaired without PostGIS.
//
// It is pure: no database, no HTTP, no logging. Geometry is orb's
// (orb.Point is {lon, lat}, WGS84); go-geom appears only in kml.go, to
// write KML.
package boundaryfile

import (
	"github.com/paulmach/orb"
)

// Format is the kind of a boundary file.
type Format string

// The formats Decode and Encode understand.
const (
	GeoJSON Format = "geojson" // RFC 7946
	KML     Format = "kml"     // OGC KML 2.2
)

// Feature is one grid boundary in a file.
type Feature struct {
	// ID is an existing grid's id (properties.id, or the KML Data "id"),
	// or 0 when the file gives none. A GeoJSON feature's top-level "id"
	// is not read: other tools number features 1, 2, 3…, which must not be
	// taken for grid ids.
	ID int64
	// Code is the grid's CJ/T 349-style code (properties.code).
	Code string
	// Name is the grid's name (properties.name; in KML the Data "name",
	// else the Placemark's <name>).
	Name string
	// Level is properties.level when the file gives it, else inferred
	// from the code's length (9 digits: 1, 12: 2, 14: 3), else 0.
	Level int
	// Geometry is exactly as in the file: rings may be unclosed, wound
	// either way, hold repeated points or cross themselves. Check finds
	// such faults and Repair fixes the ones it can.
	Geometry orb.MultiPolygon
}

// levelOfCode infers a grid's level from its code: a subdistrict has 9
// digits (county 6 + street 3), a community 12 and a compound grid 14. It
// returns 0 for any other code, including one with a non-digit.
func levelOfCode(code string) int {
	for _, c := range code {
		if c < '0' || c > '9' {
			return 0
		}
	}
	switch len(code) {
	case 9:
		return 1
	case 12:
		return 2
	case 14:
		return 3
	}
	return 0
}
