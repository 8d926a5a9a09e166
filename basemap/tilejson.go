package basemap

import (
	"encoding/json"
	"math"
)

// Covers reports whether the tile z/x/y (XYZ) can hold anything of the
// file: its zoom is within the file's zooms and its square meets the
// file's bounds. A tile that only touches the bounds at an edge does not
// count. Covers does not read the file: a tile it covers may still be
// missing.
func (m Metadata) Covers(z, x, y int) bool {
	if z < m.MinZoom || z > m.MaxZoom || z < 0 || z > 24 {
		return false
	}
	n := 1 << z
	if x < 0 || y < 0 || x >= n || y >= n {
		return false
	}
	west, north := tileCorner(z, x, y)
	east, south := tileCorner(z, x+1, y+1)
	return west < m.Bounds[2] && east > m.Bounds[0] && south < m.Bounds[3] && north > m.Bounds[1]
}

// tileCorner is the north-west corner (lon, lat) of tile x/y at zoom z in
// Web Mercator.
func tileCorner(z, x, y int) (lon, lat float64) {
	n := float64(int(1) << z)
	lon = float64(x)/n*360 - 180
	lat = math.Atan(math.Sinh(math.Pi*(1-2*float64(y)/n))) * 180 / math.Pi
	return lon, lat
}

// TileJSON is the TileJSON 3.0.0 document describing the file, with the
// tile URL template tiles ({z}/{x}/{y}, XYZ rows) that serves it. Vector
// files carry their vector_layers from the metadata's json.
func (m Metadata) TileJSON(tiles string) map[string]any {
	doc := map[string]any{
		"tilejson":    "3.0.0",
		"name":        m.Name,
		"format":      m.Format,
		"scheme":      "xyz",
		"tiles":       []string{tiles},
		"minzoom":     m.MinZoom,
		"maxzoom":     m.MaxZoom,
		"bounds":      m.Bounds,
		"attribution": m.Attribution,
	}
	if m.Center != [3]float64{} {
		doc["center"] = m.Center
	}
	var layers struct {
		VectorLayers json.RawMessage `json:"vector_layers"`
	}
	if m.Vector() && json.Unmarshal([]byte(m.JSON), &layers) == nil && len(layers.VectorLayers) > 0 {
		doc["vector_layers"] = layers.VectorLayers
	}
	return doc
}
