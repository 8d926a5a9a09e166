package planning

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/gridmap/gridmap/model"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Sentinel errors callers branch on.
var (
	ErrNotFound   = &model.Error{Kind: model.NotFound, Field: "id", Msg: "no open draft of yours has this id"}
	ErrNoSuchGrid = errors.New("no such grid in the draft") // an op names a grid the draft lacks
)

// inputErr is a request the planner must correct (Unprocessable): field
// names what is wrong (a body field such as "line" or "grids[0].geometry").
func inputErr(field, format string, args ...any) error {
	return model.Errorf(model.Unprocessable, field, format, args...)
}

// MaxVertices bounds the positions of one grid's boundary.
const MaxVertices = 20000

// ParseBoundary reads a GeoJSON Polygon or MultiPolygon for a draft. It
// checks the structure only (closed rings of at least four positions,
// finite longitudes and latitudes, a size limit); validity such as
// self-intersection is for validation to report, so a planner can save a
// half-finished shape.
func ParseBoundary(field string, raw json.RawMessage) (orb.MultiPolygon, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, inputErr(field, "required: a GeoJSON Polygon or MultiPolygon")
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, inputErr(field, "not a GeoJSON geometry: %v", err)
	}
	mp, ok := multi(g.Geometry())
	if !ok {
		return nil, inputErr(field, "want a Polygon or MultiPolygon, got %s", g.Type)
	}
	if err := checkShape(mp); err != nil {
		return nil, inputErr(field, "%v", err)
	}
	return mp, nil
}

// ParseLine reads a GeoJSON LineString of at least two positions.
func ParseLine(field string, raw json.RawMessage) (orb.LineString, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, inputErr(field, "required: a GeoJSON LineString")
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, inputErr(field, "not a GeoJSON geometry: %v", err)
	}
	ls, ok := g.Geometry().(orb.LineString)
	if !ok {
		return nil, inputErr(field, "want a LineString, got %s", g.Type)
	}
	if len(ls) < 2 || len(ls) > MaxVertices {
		return nil, inputErr(field, "want 2 to %d positions, got %d", MaxVertices, len(ls))
	}
	for i, p := range ls {
		if !lonLat(p) {
			return nil, inputErr(field, "position %d is not a longitude and latitude", i)
		}
	}
	return ls, nil
}

func checkShape(mp orb.MultiPolygon) error {
	if len(mp) == 0 {
		return errors.New("no polygon")
	}
	n := 0
	for i, poly := range mp {
		if len(poly) == 0 {
			return fmt.Errorf("polygon %d has no ring", i)
		}
		for j, ring := range poly {
			n += len(ring)
			if len(ring) < 4 {
				return fmt.Errorf("ring %d of polygon %d has %d positions, want at least 4", j, i, len(ring))
			}
			if ring[0] != ring[len(ring)-1] {
				return fmt.Errorf("ring %d of polygon %d is not closed", j, i)
			}
			for k, p := range ring {
				if !lonLat(p) {
					return fmt.Errorf("position %d of ring %d of polygon %d is not a longitude and latitude", k, j, i)
				}
			}
		}
	}
	if n > MaxVertices {
		return fmt.Errorf("%d positions, at most %d", n, MaxVertices)
	}
	return nil
}

func lonLat(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}

// checkName refuses an empty or over-long grid name.
func checkName(field, name string) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		return inputErr(field, "want 1 to 100 characters")
	}
	if strings.ContainsRune(name, 0) {
		return inputErr(field, "contains a NUL character")
	}
	return nil
}
