package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/basemap"
	"github.com/gridmap/gridmap/basemap/basemaptest"
	"github.com/gridmap/gridmap/server"
)

// openMBTiles writes an MBTiles file with the metadata and tiles given
// and opens it for a server.
func openMBTiles(t *testing.T, meta map[string]string, tiles []basemaptest.Tile) *basemap.MBTiles {
	t.Helper()
	path := filepath.Join(t.TempDir(), "base.mbtiles")
	if err := basemaptest.Write(path, meta, tiles); err != nil {
		t.Fatal(err)
	}
	m, err := basemap.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// getWith is a GET with extra request headers; the Go client then leaves
// the body as the server sent it (no transparent gunzip).
func getWith(t *testing.T, c *client, path string, header map[string]string) response {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: body}
}

// TestBaseMapRaster serves a raster MBTiles: the stored bytes for each
// XYZ tile (the file holds TMS rows), validators, and a transparent PNG
// for a tile outside the file's zooms or bounds or missing inside them.
func TestBaseMapRaster(t *testing.T) {
	t.Parallel()
	red, blue := basemaptest.PNG(color.RGBA{255, 0, 0, 255}), basemaptest.PNG(color.RGBA{0, 0, 255, 255})
	m := openMBTiles(t, map[string]string{"name": "郑州", "format": "png", "minzoom": "10", "maxzoom": "12",
		"bounds": "113.6,34.6,113.7,34.8", "attribution": "© test"},
		[]basemaptest.Tile{{Z: 12, X: 3341, Y: 1626, Data: red}, {Z: 12, X: 3341, Y: 1627, Data: blue}})
	e := newEnv(t, server.Config{BaseMap: m})
	c := e.client(t, "viewer", auth.Viewer, 0)

	for _, tc := range []struct {
		path string
		want []byte
	}{
		{"/basemap/12/3341/1626", red},
		{"/basemap/12/3341/1627", blue},
		{"/basemap/12/3341/1627.png", blue},
	} {
		r := getWith(t, c, tc.path, nil)
		if r.Status != 200 || !bytes.Equal(r.Body, tc.want) || r.Header.Get("Content-Type") != "image/png" ||
			r.Header.Get("ETag") == "" || r.Header.Get("Cache-Control") == "" {
			t.Fatalf("GET %s: %d %s, %d bytes, headers %v", tc.path, r.Status, r.Header.Get("Content-Type"), len(r.Body), r.Header)
		}
		again := getWith(t, c, tc.path, map[string]string{"If-None-Match": r.Header.Get("ETag")})
		if again.Status != http.StatusNotModified || len(again.Body) != 0 {
			t.Errorf("GET %s with its ETag: %d, %d bytes, want 304", tc.path, again.Status, len(again.Body))
		}
	}
	blank := map[string]string{
		"missing inside the bounds": "/basemap/11/1670/813",
		"outside the bounds":        "/basemap/12/3342/1626",
		"below the zooms":           "/basemap/5/26/12",
		"above the zooms":           "/basemap/13/6682/3252",
		"beyond the world":          "/basemap/2/9/1",
	}
	for name, path := range blank {
		r := getWith(t, c, path, nil)
		img, err := png.Decode(bytes.NewReader(r.Body))
		if r.Status != 200 || err != nil || r.Header.Get("Content-Type") != "image/png" {
			t.Errorf("%s (%s): %d %s %v, want a PNG", name, path, r.Status, r.Header.Get("Content-Type"), err)
			continue
		}
		if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
			t.Errorf("%s: blank tile %v, want 256×256", name, b)
		}
		if _, _, _, a := img.At(128, 128).RGBA(); a != 0 {
			t.Errorf("%s: blank tile not transparent", name)
		}
	}
	for _, path := range []string{"/basemap/z/1/2", "/basemap/1/-1/0", "/basemap/1/0/1x"} {
		if r := getWith(t, c, path, nil); r.Status != 400 {
			t.Errorf("GET %s: %d, want 400", path, r.Status)
		}
	}
	if r := getWith(t, e.anonymous(t), "/basemap/12/3341/1626", nil); r.Status != 401 {
		t.Errorf("without a login: %d, want 401", r.Status)
	}

	var tj struct {
		TileJSON, Name, Format, Scheme, Attribution string
		Tiles                                       []string
		MinZoom                                     int `json:"minzoom"`
		MaxZoom                                     int `json:"maxzoom"`
		Bounds                                      [4]float64
	}
	if st := c.get("/basemap.json", &tj); st != 200 {
		t.Fatalf("GET /basemap.json: %d", st)
	}
	if tj.TileJSON != "3.0.0" || tj.Name != "郑州" || tj.Format != "png" || tj.Scheme != "xyz" || tj.Attribution != "© test" ||
		tj.MinZoom != 10 || tj.MaxZoom != 12 || tj.Bounds != [4]float64{113.6, 34.6, 113.7, 34.8} ||
		len(tj.Tiles) != 1 || tj.Tiles[0] != e.ts.URL+"/basemap/{z}/{x}/{y}" {
		t.Errorf("TileJSON: %+v", tj)
	}
}

// TestBaseMapVector serves gzipped vector tiles: as stored with
// Content-Encoding: gzip to a client that accepts it, unpacked to one that
// does not; 204 for a tile the file lacks; vector_layers in the TileJSON.
func TestBaseMapVector(t *testing.T) {
	t.Parallel()
	raw := []byte("\x1a\x05layer-bytes-of-a-vector-tile")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	m := openMBTiles(t, map[string]string{"name": "v", "format": "pbf", "minzoom": "0", "maxzoom": "14",
		"json": `{"vector_layers":[{"id":"roads","fields":{}}]}`}, []basemaptest.Tile{{Z: 14, X: 13365, Y: 6505, Data: gz.Bytes()}})
	e := newEnv(t, server.Config{BaseMap: m})
	c := e.client(t, "viewer", auth.Viewer, 0)

	r := getWith(t, c, "/basemap/14/13365/6505", map[string]string{"Accept-Encoding": "gzip"})
	if r.Status != 200 || !bytes.Equal(r.Body, gz.Bytes()) || r.Header.Get("Content-Encoding") != "gzip" ||
		r.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" || r.Header.Get("ETag") == "" {
		t.Errorf("gzip: %d %v, %d bytes", r.Status, r.Header, len(r.Body))
	}
	r = getWith(t, c, "/basemap/14/13365/6505.pbf", map[string]string{"Accept-Encoding": "identity"})
	if r.Status != 200 || !bytes.Equal(r.Body, raw) || r.Header.Get("Content-Encoding") != "" {
		t.Errorf("identity: %d %v, body %q", r.Status, r.Header, r.Body)
	}
	for _, path := range []string{"/basemap/14/13365/6506", "/basemap/15/0/0"} {
		if r := getWith(t, c, path, nil); r.Status != http.StatusNoContent || len(r.Body) != 0 || r.Header.Get("Cache-Control") == "" {
			t.Errorf("GET %s: %d, %d bytes, want a cacheable 204", path, r.Status, len(r.Body))
		}
	}
	var tj map[string]json.RawMessage
	if st := c.get("/basemap.json", &tj); st != 200 || string(tj["format"]) != `"pbf"` || string(tj["vector_layers"]) != `[{"id":"roads","fields":{}}]` {
		t.Errorf("TileJSON: %d %s", st, tj["vector_layers"])
	}
}

// TestBaseMapConfig: /api/config offers what was configured, offline
// first and the default, and a server without --mbtiles has no /basemap.
func TestBaseMapConfig(t *testing.T) {
	t.Parallel()
	m := openMBTiles(t, map[string]string{"format": "png", "minzoom": "10", "maxzoom": "12", "bounds": "113.6,34.7,113.7,34.8"},
		[]basemaptest.Tile{{Z: 12, X: 3341, Y: 1626, Data: basemaptest.PNG(color.White)}})
	type source struct {
		ID, Datum string
		Tiles     []string
		MaxZoom   int `json:"max_zoom"`
	}
	var cfg struct {
		Default  string `json:"default_basemap"`
		BaseMaps []source
	}
	e := newEnv(t, server.Config{BaseMap: m, TileURL: "https://tile.example.org/{z}/{x}/{y}.png", AMapURL: basemap.DefaultAMapURL, TiandituKey: "a key&"})
	if st := e.anonymous(t).get("/api/config", &cfg); st != 200 {
		t.Fatal(st)
	}
	ids := ""
	for _, s := range cfg.BaseMaps {
		ids += s.ID + ":" + s.Datum + " "
	}
	if cfg.Default != "offline" || ids != "offline:wgs84 osm:wgs84 amap:gcj02 tianditu:wgs84 none:wgs84 " ||
		cfg.BaseMaps[0].Tiles[0] != "/basemap/{z}/{x}/{y}" || cfg.BaseMaps[0].MaxZoom != 12 || len(cfg.BaseMaps[3].Tiles) != 2 ||
		!bytes.Contains([]byte(cfg.BaseMaps[3].Tiles[1]), []byte("LAYER=cva")) || !bytes.Contains([]byte(cfg.BaseMaps[3].Tiles[0]), []byte("tk=a+key%26")) {
		t.Errorf("config: default %s, %s%+v", cfg.Default, ids, cfg.BaseMaps)
	}

	plain := newEnv(t, server.Config{})
	cfg.BaseMaps = nil
	if st := plain.anonymous(t).get("/api/config", &cfg); st != 200 || cfg.Default != "none" || len(cfg.BaseMaps) != 1 {
		t.Errorf("no base maps configured: %d default %s %+v", st, cfg.Default, cfg.BaseMaps)
	}
	c := plain.client(t, "viewer", auth.Viewer, 0)
	for _, path := range []string{"/basemap/12/3341/1626", "/basemap.json"} {
		if r := c.do("GET", path, nil); r.Status != 404 {
			t.Errorf("GET %s without --mbtiles: %d, want 404", path, r.Status)
		}
	}
}
