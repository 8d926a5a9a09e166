package boundaryfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// decodeGeoJSON reads a FeatureCollection, a Feature or a bare geometry.
// Members other than those read are ignored, whatever their type.
func decodeGeoJSON(data []byte, b *budget) ([]Feature, error) {
	var top struct {
		Type     string          `json:"type"`
		Features json.RawMessage `json:"features"`
	}
	if err := unmarshalObject(data, &top, "the file"); err != nil {
		return nil, &InputError{Feature: -1, Msg: err.Error()}
	}
	switch top.Type {
	case "FeatureCollection":
		var features []json.RawMessage
		if err := json.Unmarshal(top.Features, &features); err != nil || len(features) == 0 {
			return nil, &InputError{Feature: -1, Field: "features", Msg: "must be an array of at least one feature"}
		}
		out := make([]Feature, 0, min(len(features), b.lim.MaxFeatures))
		for i, raw := range features {
			ft, err := decodeJSONFeature(i, raw, b)
			if err != nil {
				return nil, err
			}
			out = append(out, ft)
		}
		return out, nil
	case "Feature":
		ft, err := decodeJSONFeature(0, data, b)
		if err != nil {
			return nil, err
		}
		return []Feature{ft}, nil
	case "Polygon", "MultiPolygon":
		if err := b.feature(); err != nil {
			return nil, err
		}
		mp, err := decodeJSONGeometry(0, "", data, b)
		if err != nil {
			return nil, err
		}
		return []Feature{{Geometry: mp}}, nil
	}
	return nil, &InputError{Feature: -1, Field: "type", Msg: notPolygonal(top.Type)}
}

// decodeJSONFeature reads feature i.
func decodeJSONFeature(i int, raw json.RawMessage, b *budget) (Feature, error) {
	if err := b.feature(); err != nil {
		return Feature{}, err
	}
	var obj struct {
		Type       string          `json:"type"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties json.RawMessage `json:"properties"`
	}
	if err := unmarshalObject(raw, &obj, "the feature"); err != nil {
		return Feature{}, &InputError{Feature: i, Msg: err.Error()}
	}
	if obj.Type != "Feature" {
		return Feature{}, &InputError{Feature: i, Field: "type", Msg: `must be "Feature", not ` + strconv.Quote(clip(obj.Type))}
	}
	if isNull(obj.Geometry) {
		return Feature{}, &InputError{Feature: i, Field: "geometry", Msg: "is missing or null; want a Polygon or MultiPolygon"}
	}
	var ft Feature
	ff, err := jsonProperties(i, obj.Properties)
	if err == nil {
		err = ff.apply(i, "properties.", &ft)
	}
	if err != nil {
		return Feature{}, err
	}
	ft.Geometry, err = decodeJSONGeometry(i, "geometry.", obj.Geometry, b)
	return ft, err
}

// decodeJSONGeometry reads a Polygon or MultiPolygon geometry object of
// feature i; prefix places its members for an error ("geometry." or "").
// The coordinates are scanned first (shape, numbers, the vertex limit), so
// orb's decoder, which reads a short position as zeros, only ever sees
// well-formed positions.
func decodeJSONGeometry(i int, prefix string, raw json.RawMessage, b *budget) (orb.MultiPolygon, error) {
	var obj struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := unmarshalObject(raw, &obj, "the geometry"); err != nil {
		return nil, &InputError{Feature: i, Field: trimDot(prefix), Msg: err.Error()}
	}
	depth := 0
	switch obj.Type {
	case "Polygon":
		depth = 3
	case "MultiPolygon":
		depth = 4
	default:
		return nil, &InputError{Feature: i, Field: prefix + "type", Msg: notPolygonal(obj.Type)}
	}
	s := coordScanner{data: obj.Coordinates, depth: depth, feature: i, field: prefix + "coordinates", b: b}
	if err := s.scan(); err != nil {
		return nil, err
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, &InputError{Feature: i, Field: prefix + "coordinates", Msg: "holds a number too large to be a coordinate"}
	}
	var mp orb.MultiPolygon
	switch c := g.Geometry().(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{c}
	case orb.MultiPolygon:
		mp = c
	default:
		return nil, &InputError{Feature: i, Field: prefix + "type", Msg: notPolygonal(g.Type)}
	}
	return mp, checkJSONPositions(i, prefix+"coordinates", mp, depth == 4)
}

// checkJSONPositions checks every position's range, naming a bad one by
// its path in the coordinates member.
func checkJSONPositions(i int, field string, mp orb.MultiPolygon, multi bool) error {
	for pi, p := range mp {
		for ri, r := range p {
			for k, pt := range r {
				if msg := positionFault(pt); msg != "" {
					path := fmt.Sprintf("%s[%d][%d]", field, ri, k)
					if multi {
						path = fmt.Sprintf("%s[%d][%d][%d]", field, pi, ri, k)
					}
					return &InputError{Feature: i, Field: path, Msg: msg}
				}
			}
		}
	}
	return nil
}

// jsonProperties reads the id, code, name and level members of a
// feature's properties; other members are ignored.
func jsonProperties(i int, raw json.RawMessage) (featureFields, error) {
	var ff featureFields
	if isNull(raw) {
		return ff, nil
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(raw, &props); err != nil {
		return ff, &InputError{Feature: i, Field: "properties", Msg: "must be an object"}
	}
	var bad string
	read := func(key string, dst *string, has *bool) {
		v, ok := props[key]
		if !ok || isNull(v) || bad != "" {
			return
		}
		text, ok := scalarText(v)
		if !ok {
			bad = key
			return
		}
		*dst = text
		if has != nil {
			*has = true
		}
	}
	read("id", &ff.id, &ff.hasID)
	read("code", &ff.code, nil)
	read("name", &ff.name, nil)
	read("level", &ff.level, &ff.hasLevel)
	if bad != "" {
		return ff, &InputError{Feature: i, Field: "properties." + bad, Msg: "must be a string or a number"}
	}
	return ff, nil
}

// scalarText returns a JSON string's value or a number's text.
func scalarText(v json.RawMessage) (string, bool) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		var s string
		err := json.Unmarshal(v, &s)
		return s, err == nil
	}
	var n json.Number
	if json.Unmarshal(v, &n) != nil {
		return "", false
	}
	return n.String(), true
}

// unmarshalObject decodes a JSON object into v, with a short message
// about what (the subject, e.g. "the file") when it is not one.
func unmarshalObject(data []byte, v any, what string) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		if isNull(data) {
			return errors.New(what + " must be a JSON object, not null")
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%s is not valid JSON (at byte %d): %s", what, syn.Offset, clip(syn.Error()))
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Errorf("%s must be a JSON object, not %s", what, article(typ.Value))
	case errors.As(err, &typ):
		return fmt.Errorf("%s: member %q must not be %s", what, clip(typ.Field), article(typ.Value))
	}
	return errors.New(what + " is not valid JSON: " + clip(err.Error()))
}

// article puts "a" or "an" before a JSON kind such as "array".
func article(kind string) string {
	switch kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "a boolean"
	}
	return "a " + kind
}

// notPolygonal is the message for a GeoJSON type other than Polygon and
// MultiPolygon.
func notPolygonal(typ string) string {
	return "is " + strconv.Quote(clip(typ)) + "; want Polygon or MultiPolygon boundaries"
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

func trimDot(s string) string {
	if n := len(s); n > 0 && s[n-1] == '.' {
		return s[:n-1]
	}
	return s
}
