package boundaryfile

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Decode reads the features of a boundary file.
//
// A GeoJSON file is a FeatureCollection, a single Feature or a bare
// Polygon or MultiPolygon geometry; a feature's geometry is a Polygon or a
// MultiPolygon, and its properties id, code, name and level are read. A
// KML file's Placemarks are read wherever they sit (in Documents or
// Folders); each holds a Polygon or a MultiGeometry of Polygons, and its
// fields come from ExtendedData (Data or SchemaData/SimpleData named
// code, name, level, id). A UTF-8 byte-order mark is skipped.
//
// Geometry is returned as written, not repaired: rings may be unclosed or
// hold too few points (Check reports that). Every returned feature has at
// least one polygon, every polygon at least one ring and every ring at
// least one position, each a finite longitude in [-180, 180] and latitude
// in [-90, 90]; an altitude is dropped.
//
// Every error is an *InputError: not JSON or XML, not polygonal, a
// coordinate that is not a number or out of range, a property of the wrong
// type, no features, or a limit exceeded (the message names the limit).
// MaxBytes is checked before parsing; features and vertices are counted as
// they are read, so the read stops at the first one too many. KML is read
// with encoding/xml, which expands no entities beyond the five predefined
// ones; a DOCTYPE is refused outright and nesting is bounded.
func Decode(f Format, data []byte, lim Limits) ([]Feature, error) {
	b := &budget{lim: lim.orDefault()}
	if err := b.checkSize(len(data)); err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	switch f {
	case GeoJSON:
		return decodeGeoJSON(data, b)
	case KML:
		return decodeKML(data, b)
	}
	return nil, fmt.Errorf("boundaryfile: decode: unknown format %q", clip(string(f)))
}

// featureFields are a feature's attributes as text, as a file gives them.
// An id or level that is empty (or only spaces) counts as absent.
type featureFields struct {
	id, code, name, level string
	hasID, hasLevel       bool
}

// apply parses the fields into ft, feature i of the file. prefix places
// the fields for an error: "properties." or "ExtendedData.".
func (ff featureFields) apply(i int, prefix string, ft *Feature) error {
	ft.Code = strings.TrimSpace(ff.code)
	ft.Name = strings.TrimSpace(ff.name)
	if ff.hasID && strings.TrimSpace(ff.id) != "" {
		id, err := strconv.ParseInt(strings.TrimSpace(ff.id), 10, 64)
		if err != nil || id < 0 {
			return &InputError{Feature: i, Field: prefix + "id", Msg: "must be a grid id (a whole number), not " + strconv.Quote(clip(ff.id))}
		}
		ft.ID = id
	}
	ft.Level = levelOfCode(ft.Code)
	if ff.hasLevel && strings.TrimSpace(ff.level) != "" {
		lv, err := strconv.Atoi(strings.TrimSpace(ff.level))
		if err != nil || lv < 0 {
			return &InputError{Feature: i, Field: prefix + "level", Msg: "must be a level (a whole number), not " + strconv.Quote(clip(ff.level))}
		}
		ft.Level = lv
	}
	return nil
}
