package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// mvtTile is a decoded tile: each layer's features by id, with their
// properties.
type mvtTile map[string]map[int64]map[string]any

func getTile(t *testing.T, c *client, path, etag string) (response, mvtTile) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	r := c.raw(req)
	if r.Status != 200 {
		return r, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/vnd.mapbox-vector-tile" {
		t.Errorf("%s: Content-Type %q", path, ct)
	}
	out := mvtTile{}
	layers, err := mvt.Unmarshal(r.Body)
	if err != nil {
		t.Fatalf("%s: not a vector tile: %v", path, err)
	}
	for _, l := range layers {
		fs := map[int64]map[string]any{}
		for _, f := range l.Features {
			id, ok := f.ID.(float64)
			if !ok || id != float64(int64(id)) {
				t.Fatalf("%s: feature id %v (%T)", path, f.ID, f.ID)
			}
			fs[int64(id)] = f.Properties
		}
		out[l.Name] = fs
	}
	return r, out
}

// tileOf is the tile at zoom z holding grid id's point on its surface.
func tileOf(t *testing.T, e *env, id int64, z maptile.Zoom) maptile.Tile {
	var lon, lat float64
	if err := e.conn.QueryRow(t.Context(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM current_grids WHERE id = $1) s`, id).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	return maptile.At(orb.Point{lon, lat}, z)
}

func tilePath(layer string, tl maptile.Tile) string {
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, tl.Z, tl.X, tl.Y)
}

func ids(fs map[int64]map[string]any) []int64 {
	out := make([]int64, 0, len(fs))
	for id := range fs {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// sqlIDs runs a query of ids with the tile's z, x, y as $1, $2, $3, and
// gives them sorted.
func sqlIDs(t *testing.T, e *env, tl maptile.Tile, sql string, args ...any) []int64 {
	t.Helper()
	out := sqlList(t, e, sql, append([]any{int(tl.Z), int(tl.X), int(tl.Y)}, args...)...)
	slices.Sort(out)
	return out
}

// within says whether every id of a is in b.
func within(a, b []int64) bool {
	for _, id := range a {
		if !slices.Contains(b, id) {
			return false
		}
	}
	return true
}

// TestVectorTiles: a tile of each layer holds the features the SQL finds
// for its box (at least every one meeting the tile, at most those meeting
// it with its buffer), grids with the figures /api/coverage gives; a
// grid leader's tiles hold nothing outside their grid; TileJSON describes
// each layer; bad addresses are 400s naming the field.
func TestVectorTiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "tiles-admin", auth.Admin, 0)
	leader := e.client(t, "tiles-leader", auth.GridLeader, 9)
	const (
		inTile     = `ST_Intersects(geom, ST_Transform(ST_TileEnvelope($1, $2, $3), 4326))`
		withBuffer = `ST_Intersects(geom, ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326))`
	)
	var cov struct {
		Grids []struct {
			Grid        int64
			Households  int64
			ScreenedPct *float64 `json:"screened_pct"`
		}
	}
	admin.get("/api/coverage?level=3", &cov)

	for _, z := range []maptile.Zoom{12, 14, 16} {
		tl := tileOf(t, e, 9, z)
		r, tile := getTile(t, admin, tilePath("grids-3", tl), "")
		if r.Status != 200 {
			t.Fatalf("grids-3 z%d: %d %s", z, r.Status, r.Body)
		}
		got := ids(tile["grids-3"])
		least := sqlIDs(t, e, tl, `SELECT id FROM current_grids WHERE level = 3 AND `+inTile)
		most := sqlIDs(t, e, tl, `SELECT id FROM current_grids WHERE level = 3 AND `+withBuffer)
		if !within(least, got) || !within(got, most) || !slices.Contains(got, 9) {
			t.Errorf("grids-3 z%d %v: %v, want those of %v and at most %v", z, tl, got, least, most)
		}
		for _, c := range cov.Grids {
			p, ok := tile["grids-3"][c.Grid]
			if !ok {
				continue
			}
			if hh, _ := p["households"].(float64); int64(hh) != c.Households {
				t.Errorf("grid %d: %v households in the tile, %d in /api/coverage", c.Grid, p["households"], c.Households)
			}
			if pct, has := p["screened_pct"].(float64); (c.ScreenedPct == nil) == has || (has && pct != *c.ScreenedPct) {
				t.Errorf("grid %d: screened_pct %v in the tile, %v in /api/coverage", c.Grid, p["screened_pct"], c.ScreenedPct)
			}
			if p["name"] == "" || p["level"] != float64(3) {
				t.Errorf("grid %d: properties %v", c.Grid, p)
			}
		}

		// The leader of grid 9 sees grid 9 alone, and none of the grids
		// above it.
		_, mine := getTile(t, leader, tilePath("grids-3", tl), "")
		if got := ids(mine["grids-3"]); !slices.Equal(got, []int64{9}) {
			t.Errorf("the leader's grids-3 z%d: %v, want [9]", z, got)
		}
		for _, layer := range []string{"grids-1", "grids-2"} {
			r, above := getTile(t, leader, tilePath(layer, tl), "")
			if r.Status != 200 || len(above[layer]) != 0 {
				t.Errorf("the leader's %s z%d: %d, %v", layer, z, r.Status, ids(above[layer]))
			}
		}
	}

	// Buildings at z16: every one meeting the tile; the leader's only
	// grid 9's; no head's name.
	tl := tileOf(t, e, 9, 16)
	_, all := getTile(t, admin, tilePath("buildings", tl), "")
	least := sqlIDs(t, e, tl, `SELECT id FROM buildings WHERE `+inTile)
	most := sqlIDs(t, e, tl, `SELECT id FROM buildings WHERE `+withBuffer)
	if got := ids(all["buildings"]); len(least) == 0 || !within(least, got) || !within(got, most) {
		t.Errorf("buildings %v: %v, want %v (at most %v)", tl, got, least, most)
	}
	_, mine := getTile(t, leader, tilePath("buildings", tl), "")
	for id, p := range mine["buildings"] {
		if p["grid_id"] != float64(9) {
			t.Errorf("the leader's tile has building %d of grid %v", id, p["grid_id"])
		}
		if _, named := p["head_name"]; named {
			t.Errorf("building %d carries its head's name", id)
		}
	}
	want := sqlIDs(t, e, tl, `SELECT id FROM buildings WHERE grid_id = 9 AND `+inTile)
	if got := ids(mine["buildings"]); !within(want, got) || len(got) == 0 {
		t.Errorf("the leader's buildings: %v, want at least %v", got, want)
	}

	// TileJSON.
	var tj struct {
		TileJSON     string   `json:"tilejson"`
		Tiles        []string `json:"tiles"`
		MinZoom      int      `json:"minzoom"`
		VectorLayers []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	if s := admin.get("/tiles/grids-3.json", &tj); s != 200 || tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 ||
		tj.Tiles[0] != e.ts.URL+"/tiles/grids-3/{z}/{x}/{y}.mvt" || len(tj.VectorLayers) != 1 || tj.VectorLayers[0].Fields["screened_pct"] == "" {
		t.Errorf("TileJSON: %d %+v", s, tj)
	}

	for _, c := range []struct{ path, field string }{
		{"/tiles/grids-3/14/1/2.png", "y"},
		{"/tiles/grids-3/x/1/2.mvt", "z"},
		{"/tiles/grids-3/9/1/2.mvt", "z"},      // below the layer's zoom
		{"/tiles/buildings/12/1/2.mvt", "z"},   // below the layer's zoom
		{"/tiles/grids-3/14/16384/2.mvt", "x"}, // outside the world
		{"/tiles/grids-3/14/1/-1.mvt", "y"},
		{"/tiles/grids-3/23/1/2.mvt", "z"},
		{"/tiles/grids-3.xml", "layer"},
	} {
		r := admin.do("GET", c.path, nil)
		if r.Status != 400 || r.Error.Field != c.field {
			t.Errorf("%s: %d %s, want 400 naming %s", c.path, r.Status, r.Body, c.field)
		}
	}
	if r := admin.do("GET", "/tiles/roads/14/1/2.mvt", nil); r.Status != 404 || r.Error.Field != "layer" {
		t.Errorf("an unknown layer: %d %s", r.Status, r.Body)
	}
	if r := admin.do("GET", "/tiles/roads.json", nil); r.Status != 404 || r.Error.Field != "layer" {
		t.Errorf("an unknown layer's TileJSON: %d %s", r.Status, r.Body)
	}
}

// TestVectorTileCache: a tile comes back with a strong ETag and a 304
// for it; a screening in grid 9 changes the tiles holding grid 9 and its
// ancestors, and only those: a tile elsewhere keeps its tag and is served
// from the cache; a boundary publication that splits grid 9 changes the
// tiles holding it and leaves the others' tags alone.
func TestVectorTileCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "tilecache-admin", auth.Admin, 0)
	// The compound grid farthest from grid 9, and its z17 tile.
	far := scalar[int64](t, e, `
		SELECT g.id FROM current_grids g, current_grids n
		WHERE n.id = 9 AND g.level = 3 ORDER BY ST_Distance(g.geom, n.geom) DESC, g.id LIMIT 1`)
	near, away := tileOf(t, e, 9, 17), tileOf(t, e, far, 17)
	if _, tile := getTile(t, admin, tilePath("grids-3", away), ""); len(tile["grids-3"]) == 0 || tile["grids-3"][9] != nil {
		t.Fatalf("the far tile %v holds %v: want grids, and not grid 9", away, ids(tile["grids-3"]))
	}
	tag := func(tl maptile.Tile) string {
		r, _ := getTile(t, admin, tilePath("grids-3", tl), "")
		if r.Status != 200 {
			t.Fatalf("%v: %d %s", tl, r.Status, r.Body)
		}
		etag := r.Header.Get("ETag")
		if len(etag) < 10 || etag[0] != '"' || r.Header.Get("Cache-Control") != "private, no-cache" {
			t.Fatalf("%v: ETag %q, Cache-Control %q", tl, etag, r.Header.Get("Cache-Control"))
		}
		return etag
	}
	nearTag, awayTag := tag(near), tag(away)
	if r, _ := getTile(t, admin, tilePath("grids-3", near), nearTag); r.Status != 304 || len(r.Body) != 0 {
		t.Errorf("If-None-Match of the same tag: %d, %d bytes", r.Status, len(r.Body))
	}

	// A screening in grid 9.
	var gaps gapsAnswer
	admin.get("/api/grids/9/gaps", &gaps)
	hh := households(gaps.Unscreened)
	if r := admin.do("POST", "/api/screenings", map[string]any{"household_id": hh[0], "outcome": "normal", "client_id": cid()}); r.Status != 201 {
		t.Fatalf("screening: %d %s", r.Status, r.Body)
	}
	waitFor(t, func() bool { return tag(near) != nearTag })
	hits := metric(t, admin, "gridmap_tile_cache_hits")
	if got := tag(away); got != awayTag {
		t.Errorf("a tile away from grid 9 changed its tag after a screening in grid 9: %s → %s", awayTag, got)
	}
	if after := metric(t, admin, "gridmap_tile_cache_hits"); after != hits+1 {
		t.Errorf("the tile away from grid 9 was not served from the cache: hits %v → %v", hits, after)
	}
	_, tile := getTile(t, admin, tilePath("grids-3", near), "")
	if n, _ := tile["grids-3"][9]["screened"].(float64); n < 1 {
		t.Errorf("grid 9's screened in the new tile: %v", tile["grids-3"][9])
	}

	// Split grid 9 and publish.
	nearTag, awayTag = tag(near), tag(away)
	p := planner{t, e.client(t, "tilecache-planner", auth.Planner, 0)}
	d := p.open(2)
	d = p.mustOp(d, map[string]any{"op": "split", "id": 9, "line": splitLine(t, e, 9, 0.5)})
	if r := p.publish(d, "no_leader", "load_rise"); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	waitFor(t, func() bool { return tag(near) != nearTag })
	_, tile = getTile(t, admin, tilePath("grids-3", near), "")
	if _, still := tile["grids-3"][9]; still {
		t.Errorf("the retired grid 9 is still in the tile: %v", ids(tile["grids-3"]))
	}
	now := sqlIDs(t, e, near, `SELECT id FROM current_grids WHERE level = 3 AND ST_Intersects(geom, ST_Transform(ST_TileEnvelope($1, $2, $3), 4326))`)
	if got := ids(tile["grids-3"]); !within(now, got) || len(now) < 2 {
		t.Errorf("after the split the tile holds %v, want the current grids %v", got, now)
	}
	if got := tag(away); got != awayTag {
		t.Errorf("a tile away from grid 9 changed its tag after grid 9's split: %s → %s", awayTag, got)
	}
}

// metric reads one unlabelled gauge of /metrics.
func metric(t *testing.T, c *client, name string) float64 {
	t.Helper()
	r := c.do("GET", "/metrics", nil)
	for line := range strings.SplitSeq(string(r.Body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %q", name, line)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics (%d)", name, r.Status)
	return 0
}
