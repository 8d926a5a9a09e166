package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

// TestMapVectorTilesBrowser opens / with the grids as vector tiles, as an
// account that sees more grids than vector_above gets them (here asked for
// with ?grids=tiles, and once through a threshold of 5): no GeoJSON of the
// grids is fetched, a click picks the compound grid under it from the
// tiles, and a screening in that grid makes the page fetch again exactly
// the tiles holding it, with no reload.
func TestMapVectorTilesBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{VectorAbove: 5})
	_, password := e.account(t, "vector-admin", auth.Admin, 0, 0)
	admin := e.client(t, "vector-api", auth.Admin, 0)
	ctx := newBrowser(t, 1400, 900)
	login(t, ctx, e.ts.URL, "/", "vector-admin", password)
	waitJS(t, ctx, "the vector map", `document.body.dataset.gridMode === 'tiles'`, 10*time.Second)
	if n := eval[int](t, ctx, `performance.getEntriesByType('resource').filter(r => new URL(r.name).pathname === '/api/grids').length`); n != 0 {
		t.Errorf("the vector map fetched the grids' GeoJSON %d times", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('path.grid-l3').length`); n != 0 {
		t.Errorf("the vector map drew %d compound grids as SVG", n)
	}
	waitJS(t, ctx, "tiles drawn", tilesDrawn, 20*time.Second)
	screenshot(t, ctx, "map-vector")

	// Click inside grid 9, away from its buildings (as TestMapBrowser).
	var lon, lat float64
	var name string
	err := e.conn.QueryRow(context.Background(), `
		SELECT ST_X(p), ST_Y(p), name FROM (
			SELECT ST_PointOnSurface(ST_Difference(g.geom,
			         (SELECT ST_Buffer(ST_Collect(b.geom)::geography, 15)::geometry FROM buildings b))) AS p, g.name
			FROM current_grids g WHERE g.id = 9) x`).Scan(&lon, &lat, &name)
	if err != nil {
		t.Fatal(err)
	}
	if z := eval[float64](t, ctx, `+document.getElementById('map').dataset.zoom`); z < 12 {
		t.Fatalf("the map starts at zoom %.2f, where compound grids are not drawn", z)
	}
	x, y := mapXY(t, ctx, lon, lat)
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(x, y)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "grid 9 in the panel", fmt.Sprintf(`(document.getElementById('panel-name') || {}).textContent === %q`, name), 10*time.Second)
	waitJS(t, ctx, "the map fitted to grid 9", `+document.getElementById('map').dataset.zoom >= 15 && document.getElementById('map').dataset.moving !== 'true'`, 10*time.Second)
	waitJS(t, ctx, "tiles drawn", tilesDrawn, 20*time.Second)
	screenshot(t, ctx, "map-vector-selected")

	// A screening in grid 9: the tiles holding it are fetched again, and
	// only those (the grid's figures and its ancestors' change).
	again := screenRefetches(t, e, ctx, admin)
	t.Logf("after the screening the page fetched %d grid tiles again: %v", len(again), again)
	if eval[string](t, ctx, `location.pathname + (performance.getEntriesByType('navigation').length)`) != "/1" {
		t.Errorf("the page reloaded")
	}
}

// TestWallVectorTilesBrowser opens the wall display with the grids as
// vector tiles (?grids=tiles; a city's wall gets them above vector_above):
// it reads its hierarchy from /api/tree, fits its area, and a screening in
// a compound grid of the area refetches the tiles holding that grid.
func TestWallVectorTilesBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	admin := e.client(t, "wall-vector-api", auth.Admin, 0)
	ctx := openWall(t, e, 1, 1920, 1080, "/wall?grids=tiles")
	if mode := eval[string](t, ctx, `document.body.dataset.gridMode`); mode != "tiles" {
		t.Fatalf("grid mode %q, want tiles", mode)
	}
	if n := eval[int](t, ctx, `performance.getEntriesByType('resource').filter(r => new URL(r.name).pathname === '/api/grids').length`); n != 0 {
		t.Errorf("the vector wall fetched the grids' GeoJSON %d times", n)
	}
	waitJS(t, ctx, "tiles drawn", tilesDrawn, 20*time.Second)
	if z := eval[float64](t, ctx, `+document.getElementById('map').dataset.zoom`); z < 13 {
		t.Errorf("the wall's map is at zoom %.2f: not fitted to the subdistrict", z)
	}
	screenshot(t, ctx, "wall-vector-1920")

	screenRefetches(t, e, ctx, admin)
}

// screenRefetches screens a household of grid 9 through the API and
// returns the compound grids' tiles the page fetched after it, each
// checked to hold grid 9 (with the tile's buffer, as the server makes it).
func screenRefetches(t *testing.T, e *env, ctx context.Context, admin *client) []string {
	t.Helper()
	fetched := `performance.getEntriesByType('resource').map(r => new URL(r.name).pathname).filter(p => p.startsWith('/tiles/grids-3/'))`
	before := len(eval[[]string](t, ctx, fetched))
	var gaps gapsAnswer
	admin.get("/api/grids/9/gaps", &gaps)
	hh := households(gaps.Unscreened)
	if r := admin.do("POST", "/api/screenings", map[string]any{"household_id": hh[0], "outcome": "normal", "client_id": cid()}); r.Status != 201 {
		t.Fatalf("screening: %d %s", r.Status, r.Body)
	}
	waitJS(t, ctx, "tiles fetched again", fmt.Sprintf(`%s.length > %d`, fetched, before), 10*time.Second)
	time.Sleep(time.Second) // the rest of the refetch
	again := eval[[]string](t, ctx, fetched)[before:]
	for _, p := range again {
		var z, x, y int
		if _, err := fmt.Sscanf(p, "/tiles/grids-3/%d/%d/%d.mvt", &z, &x, &y); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !scalar[bool](t, e, `SELECT ST_Intersects(geom, ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)) FROM current_grids WHERE id = 9`, z, x, y) {
			t.Errorf("after a screening in grid 9 the page fetched %s, a tile without grid 9", p)
		}
	}
	return again
}

// TestGapListLoadMore opens the grid page of the whole subdistrict, whose
// unscreened households (11,439) run past the first page of 2,000: the tab
// says 2,000+, "load more" adds the next 2,000 in the same order as the
// API's pages, and a live refresh (a screening elsewhere) keeps them.
func TestGapListLoadMore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	_, password := e.account(t, "more-admin", auth.Admin, 0, 0)
	admin := e.client(t, "more-api", auth.Admin, 0)
	ctx := newBrowser(t, 1400, 900)
	login(t, ctx, e.ts.URL, "/grid/1", "more-admin", password)
	waitJS(t, ctx, "gaps", `document.body.dataset.gapsLoaded === 'true'`, 20*time.Second)
	count := `+document.querySelector('.gap-tab[data-kind="unscreened"]').dataset.count`
	shown := `document.querySelectorAll('#gap-panel .gap-item').length`
	if n := eval[int](t, ctx, count); n != 2000 {
		t.Fatalf("the unscreened tab counts %d, want the first page of 2000", n)
	}
	if s := eval[string](t, ctx, `document.querySelector('.gap-tab[data-kind="unscreened"] .gap-tab-n').textContent`); s != "2,000+" {
		t.Errorf("the unscreened tab says %q, want 2,000+", s)
	}
	clickUntil(t, ctx, `.gap-more[data-kind="unscreened"]`, "load more", count+` >= 4000`)
	if n := eval[int](t, ctx, count); n != 4000 {
		t.Errorf("after load more the tab counts %d, want 4000", n)
	}
	if n := eval[int](t, ctx, shown); n != 4000 {
		t.Errorf("after load more the list shows %d households, want 4000", n)
	}
	// The page's 4,000 are the API's first two pages (the page orders
	// buildings by name).
	var want []int64
	for url := "/api/grids/1/gaps/unscreened?limit=2000"; len(want) < 4000 && url != ""; {
		var page struct {
			Items []gapBuilding `json:"items"`
			Next  *string       `json:"next"`
		}
		admin.get(url, &page)
		want = append(want, households(page.Items)...)
		url = ""
		if page.Next != nil {
			url = *page.Next
		}
	}
	got := eval[[]int64](t, ctx, `[...document.querySelectorAll('#gap-panel .gap-item')].map(e => +e.dataset.id)`)
	sorted := slices.Sorted(slices.Values(got))
	if len(want) < 4000 || !slices.Equal(sorted, slices.Sorted(slices.Values(want[:4000]))) {
		t.Errorf("the page lists %d households, not the API's first 4000", len(got))
	}
	screenshot(t, ctx, "gaps-load-more")

	// A screening in grid 9 refreshes the lists; the loaded page stays.
	version := eval[int](t, ctx, `+document.body.dataset.gapsVersion`)
	if r := admin.do("POST", "/api/screenings", map[string]any{"household_id": got[len(got)-1], "outcome": "normal", "client_id": cid()}); r.Status != 201 {
		t.Fatalf("screening: %d %s", r.Status, r.Body)
	}
	waitJS(t, ctx, "a refresh", fmt.Sprintf(`+document.body.dataset.gapsVersion > %d && %s === 4000`, version, count), 10*time.Second)
}

// TestMapVectorTilesPhone: the vector map on a 390-px phone draws its
// tiles, and a tap on a compound grid opens it in the bottom sheet.
func TestMapVectorTilesPhone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{VectorAbove: 5})
	_, password := e.account(t, "vector-phone", auth.Admin, 0, 0)
	ctx := newBrowser(t, 390, 844)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
		t.Fatal(err)
	}
	login(t, ctx, e.ts.URL, "/", "vector-phone", password)
	waitJS(t, ctx, "the vector map", `document.body.dataset.gridMode === 'tiles'`, 10*time.Second)
	waitJS(t, ctx, "the map fitted", `+document.getElementById('map').dataset.zoom >= 12 && document.getElementById('map').dataset.moving !== 'true'`, 10*time.Second)
	waitJS(t, ctx, "tiles drawn", tilesDrawn, 20*time.Second)
	screenshot(t, ctx, "map-vector-phone")
	var lon, lat float64
	var name string
	if err := e.conn.QueryRow(context.Background(), `
		SELECT ST_X(p), ST_Y(p), name FROM (
			SELECT ST_PointOnSurface(ST_Difference(g.geom,
			         (SELECT ST_Buffer(ST_Collect(b.geom)::geography, 15)::geometry FROM buildings b))) AS p, g.name
			FROM current_grids g WHERE g.id = 9) x`).Scan(&lon, &lat, &name); err != nil {
		t.Fatal(err)
	}
	x, y := mapXY(t, ctx, lon, lat)
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(x, y)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "grid 9 in the sheet", fmt.Sprintf(`(document.getElementById('panel-name') || {}).textContent === %q`, name), 10*time.Second)
	time.Sleep(700 * time.Millisecond)
	screenshot(t, ctx, "map-vector-phone-selected")
}

// TestLedgerTruncatedBrowser: a subdistrict with more vulnerable residents
// than a list answers (store.ListCap) gets the first 5,000 and a notice
// saying there are more, in the API and on the grid page.
func TestLedgerTruncatedBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	if _, err := e.conn.Exec(context.Background(), `
		INSERT INTO vulnerable_residents (person_id, household_id, category, visit_every_days)
		SELECT (SELECT min(id) FROM people) + i % 1000, (SELECT min(id) FROM households) + i % 5000, 'other', 30
		FROM generate_series(1, $1) i`, store.ListCap+1); err != nil {
		t.Fatal(err)
	}
	admin := e.client(t, "ledger-cap-api", auth.Admin, 0)
	var answer struct {
		Residents []json.RawMessage `json:"residents"`
		Truncated bool              `json:"truncated"`
	}
	admin.get("/api/grids/1/vulnerable", &answer)
	if len(answer.Residents) != store.ListCap || !answer.Truncated {
		t.Errorf("the ledger answers %d residents, truncated %v; want %d and true", len(answer.Residents), answer.Truncated, store.ListCap)
	}
	_, password := e.account(t, "ledger-cap", auth.Admin, 0, 0)
	ctx := newBrowser(t, 1280, 860)
	login(t, ctx, e.ts.URL, "/grid/1", "ledger-cap", password)
	waitJS(t, ctx, "gaps", `document.body.dataset.gapsLoaded === 'true'`, 20*time.Second)
	openRecords(t, ctx, "ledger")
	if s := eval[string](t, ctx, `(document.querySelector('#rec-ledger .rec-truncated') || {}).textContent || ''`); !strings.Contains(s, "5,000") {
		t.Errorf("the ledger's notice says %q, want that only the first 5,000 are listed", s)
	}
	if s := eval[string](t, ctx, `document.querySelector('#records .rec-tab[data-tab="ledger"] .gap-tab-n').textContent`); s != "5,000+" {
		t.Errorf("the ledger's tab counts %q, want 5,000+", s)
	}
	screenshot(t, ctx, "ledger-truncated")
}
