package boundaryfile

import (
	"bytes"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
	geomkml "github.com/twpayne/go-geom/encoding/kml"
	"github.com/twpayne/go-kml/v3"
)

// This file is the one place go-geom is used: its KML encoder writes the
// geometry (on go-kml elements, which also build the Document), and orb
// geometry is turned into go-geom's here, at the edge. go-geom has no KML
// reader; kmldecode.go reads KML into orb directly.

// encodeKML writes a KML 2.2 Document of one Placemark per feature.
func encodeKML(fs []Feature) ([]byte, error) {
	placemarks := make([]kml.Element, len(fs))
	for i, f := range fs {
		data := []kml.Element{
			kml.Data("code", kml.Value(f.Code)),
			kml.Data("name", kml.Value(f.Name)),
			kml.Data("level", kml.Value(f.Level)),
		}
		if f.ID != 0 {
			data = append(data, kml.Data("id", kml.Value(f.ID)))
		}
		placemarks[i] = kml.Placemark(
			kml.Name(f.Name),
			kml.ExtendedData(data...),
			geomkml.EncodeMultiPolygon(toGeom(round7(f.Geometry))),
		)
	}
	var buf bytes.Buffer
	if err := kml.KML(kml.Document(placemarks...)).WriteIndent(&buf, "", "  "); err != nil {
		return nil, fmt.Errorf("boundaryfile: encode KML: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// toGeom converts an orb MultiPolygon into go-geom's flat layout.
func toGeom(mp orb.MultiPolygon) *geom.MultiPolygon {
	var flat []float64
	endss := make([][]int, len(mp))
	for i, p := range mp {
		endss[i] = make([]int, len(p))
		for j, r := range p {
			for _, pt := range r {
				flat = append(flat, pt[0], pt[1])
			}
			endss[i][j] = len(flat)
		}
	}
	return geom.NewMultiPolygonFlat(geom.XY, flat, endss)
}
