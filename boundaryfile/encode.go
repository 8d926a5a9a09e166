package boundaryfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Encode writes features as a boundary file. Coordinates are rounded to 7
// decimals (about 1 cm), as everywhere in gridmap; the geometry is written
// as given, so a caller that wants valid output repairs first. A position
// that is not finite or out of range is an error.
//
// GeoJSON is a FeatureCollection, one feature per line, each with a
// MultiPolygon geometry and properties code, name, level and id (id, and
// the feature's top-level id, only when non-zero: 0 means a grid that
// does not exist yet). KML is a KML 2.2 Document of Placemarks, each with
// its name, ExtendedData Data code, name, level and id (again only when
// non-zero) and a MultiGeometry of Polygons.
func Encode(f Format, fs []Feature) ([]byte, error) {
	if err := checkEncodable(fs); err != nil {
		return nil, err
	}
	switch f {
	case GeoJSON:
		return encodeGeoJSON(fs)
	case KML:
		return encodeKML(fs)
	}
	return nil, fmt.Errorf("boundaryfile: encode: unknown format %q", clip(string(f)))
}

// checkEncodable refuses a position that is not finite or out of range,
// which neither format could carry.
func checkEncodable(fs []Feature) error {
	for i, f := range fs {
		for _, p := range f.Geometry {
			for _, r := range p {
				for _, pt := range r {
					if msg := positionFault(pt); msg != "" {
						return fmt.Errorf("boundaryfile: encode feature %d: %s", i, msg)
					}
				}
			}
		}
	}
	return nil
}

// encodeGeoJSON writes a FeatureCollection through orb's geojson package.
func encodeGeoJSON(fs []Feature) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, f := range fs {
		gf := geojson.NewFeature(round7(f.Geometry))
		gf.Properties = geojson.Properties{"code": f.Code, "name": f.Name, "level": f.Level}
		if f.ID != 0 {
			gf.ID = f.ID
			gf.Properties["id"] = f.ID
		}
		raw, err := json.Marshal(gf)
		if err != nil {
			return nil, fmt.Errorf("boundaryfile: encode feature %d as GeoJSON: %w", i, err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
		buf.Write(raw)
	}
	buf.WriteString("\n]}\n")
	return buf.Bytes(), nil
}

// round7 returns a copy of mp with every coordinate rounded to 7 decimals.
// Dividing the rounded integer by 1e7 gives the float64 nearest to the
// 7-decimal value, so the shortest formatting prints no more digits.
func round7(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		out[i] = make(orb.Polygon, len(p))
		for j, r := range p {
			out[i][j] = make(orb.Ring, len(r))
			for k, pt := range r {
				out[i][j][k] = orb.Point{math.Round(pt[0]*1e7) / 1e7, math.Round(pt[1]*1e7) / 1e7}
			}
		}
	}
	return out
}
