package basemap_test

import (
	"bytes"
	"context"
	"errors"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridmap/gridmap/basemap"
	"github.com/gridmap/gridmap/basemap/basemaptest"
)

func write(t *testing.T, meta map[string]string, tiles []basemaptest.Tile) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "base.mbtiles")
	if err := basemaptest.Write(path, meta, tiles); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenRaster(t *testing.T) {
	t.Parallel()
	red, blue := basemaptest.PNG(color.RGBA{255, 0, 0, 255}), basemaptest.PNG(color.RGBA{0, 0, 255, 255})
	path := write(t, map[string]string{
		"name": "郑州", "format": "png", "minzoom": "10", "maxzoom": "12",
		"bounds": "113.6,34.7,113.7,34.8", "center": "113.65,34.75,11", "attribution": "© test",
	}, []basemaptest.Tile{{Z: 12, X: 3341, Y: 1626, Data: red}, {Z: 12, X: 3341, Y: 1627, Data: blue}})
	ctx := context.Background()
	m, err := basemap.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	md := m.Metadata()
	if md.Name != "郑州" || md.Format != basemap.PNG || md.MinZoom != 10 || md.MaxZoom != 12 || md.Vector() ||
		md.Bounds != [4]float64{113.6, 34.7, 113.7, 34.8} || md.Center != [3]float64{113.65, 34.75, 11} ||
		md.Attribution != "© test" || md.ContentType() != "image/png" {
		t.Fatalf("metadata = %+v", md)
	}
	// XYZ rows come back as stored: the file holds TMS rows.
	for _, c := range []struct {
		y    int
		want []byte
	}{{1626, red}, {1627, blue}} {
		got, err := m.Tile(ctx, 12, 3341, c.y)
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("tile 12/3341/%d: %d bytes, %v", c.y, len(got), err)
		}
	}
	for _, zxy := range [][3]int{{12, 3341, 1628}, {12, -1, 0}, {12, 4096, 0}, {25, 0, 0}, {-1, 0, 0}, {2, 0, 4}} {
		if _, err := m.Tile(ctx, zxy[0], zxy[1], zxy[2]); !errors.Is(err, basemap.ErrNoTile) {
			t.Errorf("tile %v: %v, want ErrNoTile", zxy, err)
		}
	}
}

func TestOpenVectorWithoutZoomsOrFormat(t *testing.T) {
	t.Parallel()
	gz := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}
	path := write(t, map[string]string{"name": "v", "json": `{"vector_layers":[]}`}, []basemaptest.Tile{{Z: 3, X: 1, Y: 2, Data: gz}, {Z: 5, X: 1, Y: 2, Data: gz}})
	m, err := basemap.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	md := m.Metadata()
	if md.Format != basemap.PBF || !md.Vector() || md.MinZoom != 3 || md.MaxZoom != 5 || md.JSON == "" ||
		md.ContentType() != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("metadata = %+v", md)
	}
	tile, err := m.Tile(context.Background(), 5, 1, 2)
	if err != nil || !basemap.Gzipped(tile) {
		t.Fatalf("tile: %v gzipped=%v", err, basemap.Gzipped(tile))
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notSQLite := filepath.Join(dir, "x.mbtiles")
	os.WriteFile(notSQLite, []byte("this is not a database at all, just text that goes on for a while"), 0o644)
	cases := []struct {
		name string
		path string
		want string
	}{
		{"missing file", filepath.Join(dir, "none.mbtiles"), "no such file"},
		{"not sqlite", notSQLite, "metadata"},
		{"bad format", write(t, map[string]string{"format": "gif"}, nil), "format"},
		{"bad bounds", write(t, map[string]string{"format": "png", "bounds": "1,2,0,3"}, nil), "bounds"},
		{"bad zoom", write(t, map[string]string{"format": "png", "minzoom": "x", "maxzoom": "3"}, nil), "minzoom"},
		{"no tiles", write(t, map[string]string{"format": "png"}, nil), "no tiles"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := basemap.Open(context.Background(), c.path)
			if err == nil {
				m.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to say %q", err, c.want)
			}
		})
	}
}
