package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/basemap/basemaptest"
	"github.com/gridmap/gridmap/internal/testdb"
)

func writeMBTiles(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "area.mbtiles")
	err := basemaptest.Write(path, map[string]string{"name": "area", "format": "png", "minzoom": "12", "maxzoom": "12",
		"bounds": "113.6,34.7,113.7,34.8"}, []basemaptest.Tile{{Z: 12, X: 3341, Y: 1626, Data: basemaptest.PNG(color.White)}})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBaseMapFlags: --mbtiles, --amap-tiles and --tianditu-key reach the
// config from flags or the environment; a bad AMap template is refused.
func TestBaseMapFlags(t *testing.T) {
	c, err := parse("serve", []string{"--mbtiles", "/srv/area.mbtiles", "--amap-tiles", "none", "--tianditu-key", "k1"}, serveFlags, nil)
	if err != nil || c.MBTiles != "/srv/area.mbtiles" || c.AMapURL != "" || c.TiandituKey != "k1" {
		t.Fatalf("flags: %+v, %v", c, err)
	}
	t.Setenv("GRIDMAP_MBTILES", "/srv/env.mbtiles")
	t.Setenv("GRIDMAP_TIANDITU_KEY", "k2")
	c, err = parse("serve", nil, serveFlags, nil)
	if err != nil || c.MBTiles != "/srv/env.mbtiles" || c.TiandituKey != "k2" || !strings.Contains(c.AMapURL, "autonavi.com") {
		t.Fatalf("environment: %+v, %v", c, err)
	}
	if _, err := parse("serve", []string{"--amap-tiles", "https://example.org/tile.png"}, serveFlags, nil); err == nil || !strings.Contains(err.Error(), "--amap-tiles") {
		t.Errorf("an AMap URL without {z}/{x}/{y}: %v", err)
	}
}

// TestServeRefusesBadMBTiles: a file that is not an MBTiles stops serve
// at once, naming the flag and the reason, before the database is opened.
func TestServeRefusesBadMBTiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.mbtiles")
	os.WriteFile(bad, []byte("not a database, only text long enough to be read as a header"), 0o644)
	for _, c := range []struct{ path, want string }{
		{bad, "not an MBTiles file"},
		{filepath.Join(dir, "missing.mbtiles"), "no such file"},
	} {
		err := serve(context.Background(), []string{"--mbtiles", c.path, "--db", "postgres://nobody@127.0.0.1:1/none"})
		if err == nil || !strings.Contains(err.Error(), "--mbtiles") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("serve --mbtiles %s: %v, want an error about --mbtiles saying %q", filepath.Base(c.path), err, c.want)
		}
	}
}

// TestServeOfflineBaseMap runs `gridmap serve --mbtiles FILE` against a
// real database: /api/config offers the offline map as the default.
func TestServeOfflineBaseMap(t *testing.T) {
	t.Parallel()
	db := testdb.Demo(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{"--db", db.URL, "--listen", addr, "--mbtiles", writeMBTiles(t), "--log-level", "warn"})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var cfg struct {
		Default  string `json:"default_basemap"`
		BaseMaps []struct {
			ID    string   `json:"id"`
			Tiles []string `json:"tiles"`
		} `json:"basemaps"`
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		res, err := http.Get(fmt.Sprintf("http://%s/api/config", addr))
		if err == nil {
			err = json.NewDecoder(res.Body).Decode(&cfg)
			res.Body.Close()
			if err == nil {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not answer: %v", err)
		}
	}
	if cfg.Default != "offline" || len(cfg.BaseMaps) == 0 || cfg.BaseMaps[0].ID != "offline" || cfg.BaseMaps[0].Tiles[0] != "/basemap/{z}/{x}/{y}" {
		t.Errorf("config: %+v, want the offline map first and default", cfg)
	}
}
