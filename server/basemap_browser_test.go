package server_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/basemap"
	"github.com/gridmap/gridmap/basemap/basemaptest"
	"github.com/gridmap/gridmap/geo"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/server"
)

// apart is the distance between two nearby points (equirectangular).
func apart(a, b orb.Point) float64 {
	dx := (a[0] - b[0]) * math.Cos(a[1]*math.Pi/180) * 111320
	dy := (a[1] - b[1]) * 110574
	return math.Hypot(dx, dy)
}

// TestGCJ02JSMatchesGo runs static/gcj02.js in the browser on the same
// points as geo: the forward shift agrees with geo.WGS84ToGCJ02 to a
// millimetre, and its inverse brings geo's GCJ-02 point back within 1 m
// (in fact within a centimetre) of where it started.
func TestGCJ02JSMatchesGo(t *testing.T) {
	e := newEnv(t, server.Config{})
	ctx := newBrowser(t, 800, 600)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/login.html")); err != nil {
		t.Fatal(err)
	}
	points := []struct {
		name string
		p    orb.Point
	}{
		{"the demo subdistrict, Zhengzhou", orb.Point{113.63, 34.755}},
		{"Tiananmen, Beijing", orb.Point{116.3975, 39.9087}},
		{"People's Square, Shanghai", orb.Point{121.4737, 31.2304}},
		{"Guangzhou", orb.Point{113.2644, 23.1291}},
		{"Urumqi", orb.Point{87.6168, 43.8256}},
		{"Harbin", orb.Point{126.535, 45.802}},
		{"Lhasa", orb.Point{91.1172, 29.6469}},
		{"Sanya", orb.Point{109.5119, 18.2528}},
		{"Tokyo, outside the box", orb.Point{139.6917, 35.6895}},
	}
	var in [][2]float64
	for _, c := range points {
		g := geo.WGS84ToGCJ02(c.p)
		in = append(in, [2]float64{c.p[0], c.p[1]}, [2]float64{g[0], g[1]})
	}
	js := fmt.Sprintf(`import('/gcj02.js').then(m => %s.map(([lon, lat], i) => i %% 2 ? m.gcjToWgs(lon, lat) : m.wgsToGcj(lon, lat)))`, jsonOf(t, in))
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[][2]float64](js, chromedp.EvalAwaitPromise))
	if err != nil || len(out) != len(in) {
		t.Fatalf("gcj02.js: %v (%d answers)", err, len(out))
	}
	for i, c := range points {
		wantGCJ := geo.WGS84ToGCJ02(c.p)
		if d := apart(orb.Point(out[2*i]), wantGCJ); d > 0.001 {
			t.Errorf("%s: wgsToGcj is %.4f m from geo.WGS84ToGCJ02", c.name, d)
		}
		if d := apart(orb.Point(out[2*i+1]), c.p); d > 0.01 {
			t.Errorf("%s: gcjToWgs(geo's GCJ-02) is %.4f m from the start", c.name, d)
		}
		if d := apart(wantGCJ, c.p); c.name != "Tokyo, outside the box" && d < 100 {
			t.Errorf("%s: the shift is only %.1f m; the points test nothing", c.name, d)
		}
	}
}

// patternTile is a 256-pixel tile of a light colour with a darker border,
// so tiles show as a grid on a screenshot.
func patternTile(fill color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	line := color.RGBA{fill.R - 40, fill.G - 40, fill.B - 40, 255}
	for y := range 256 {
		for x := range 256 {
			c := fill
			if x < 2 || y < 2 {
				c = line
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// demoMBTiles writes an MBTiles file covering the demo subdistrict at
// zooms 12 to 17, in two alternating colours.
func demoMBTiles(t *testing.T) *basemap.MBTiles {
	t.Helper()
	db := testdb.Demo(t)
	conn, err := pgx.Connect(context.Background(), db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var w, s, east, n float64
	if err := conn.QueryRow(context.Background(), `SELECT ST_XMin(x), ST_YMin(x), ST_XMax(x), ST_YMax(x) FROM (SELECT ST_Extent(geom) x FROM current_grids) g`).Scan(&w, &s, &east, &n); err != nil {
		t.Fatal(err)
	}
	light, dark := patternTile(color.RGBA{236, 230, 214, 255}), patternTile(color.RGBA{222, 232, 222, 255})
	var tiles []basemaptest.Tile
	for z := 12; z <= 17; z++ {
		x0, y0 := mercator(w, n, float64(z))
		x1, y1 := mercator(east, s, float64(z))
		for x := int(x0/256) - 1; x <= int(x1/256)+1; x++ {
			for y := int(y0/256) - 1; y <= int(y1/256)+1; y++ {
				data := light
				if (x+y)%2 == 1 {
					data = dark
				}
				tiles = append(tiles, basemaptest.Tile{Z: z, X: x, Y: y, Data: data})
			}
		}
	}
	return openMBTiles(t, map[string]string{"name": "demo", "format": "png", "minzoom": "12", "maxzoom": "17",
		"bounds": fmt.Sprintf("%f,%f,%f,%f", w-0.02, s-0.02, east+0.02, n+0.02), "attribution": "测试底图"}, tiles)
}

// netLog records what a tab asked of the network and what failed.
type netLog struct {
	mu       sync.Mutex
	urls     []string
	failed   []string
	statuses map[string]int
}

func watchNetwork(t *testing.T, ctx context.Context, local string) *netLog {
	t.Helper()
	l := &netLog{statuses: map[string]int{}}
	urls := map[network.RequestID]string{}
	err := chromedp.Listen(ctx, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			urls[ev.RequestID] = ev.Request.URL
			l.urls = append(l.urls, ev.Request.URL)
		case *network.EventLoadingFailed:
			l.failed = append(l.failed, urls[ev.RequestID]+" ("+ev.ErrorText+")")
		case *network.EventResponseReceived:
			l.statuses[ev.Response.URL] = int(ev.Response.Status)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	// Outside requests are blocked: only this server is reachable.
	ps := []*network.BlockPattern{{URLPattern: local + "/*", Block: false},
		{URLPattern: strings.Replace(local, "http://", "ws://", 1) + "/*", Block: false},
		{URLPattern: "*://*:*/*", Block: true}}
	if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: ps}); err != nil {
		t.Fatal(err)
	}
	return l
}

// check fails the test for any request that left local or failed.
func (l *netLog) check(t *testing.T, local, page string) (tiles int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, u := range l.urls {
		if !strings.HasPrefix(u, local) && !strings.HasPrefix(u, "data:") {
			t.Errorf("%s: a request left the LAN: %s", page, u)
		}
		if strings.Contains(u, "/basemap/") {
			tiles++
		}
	}
	for _, f := range l.failed {
		t.Errorf("%s: a request failed: %s", page, f)
	}
	for u, st := range l.statuses {
		if st >= 400 {
			t.Errorf("%s: %s answered %d", page, u, st)
		}
	}
	l.urls, l.failed, l.statuses = nil, nil, map[string]int{}
	return tiles
}

// TestBaseMapOfflineBrowser: with an MBTiles base map and every outside
// request blocked, / and /grid/{id} draw their tiles from the server and
// make no request that leaves it and none that fails; base=none draws no
// tiles at all.
func TestBaseMapOfflineBrowser(t *testing.T) {
	e := newEnv(t, server.Config{DefaultLang: "zh-CN", AMapURL: basemap.DefaultAMapURL, BaseMap: demoMBTiles(t)})
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	ctx := newBrowser(t, 1400, 900)
	login(t, ctx, e.ts.URL, "/", "admin", password)
	net := watchNetwork(t, ctx, e.ts.URL)

	tilesDrawn := `(imgs => imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth === 256))([...document.querySelectorAll('.basemap-offline img.leaflet-tile')])`
	for _, page := range []string{"/", "/grid/9"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+page)); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "page "+page, `document.body.dataset.gridsLoaded === 'true' && document.getElementById('map').dataset.basemap === 'offline'`, 20*time.Second)
		waitJS(t, ctx, "tiles on "+page, tilesDrawn, 20*time.Second)
		chromedp.Do(ctx, chromedp.Sleep(1500*time.Millisecond)) // anything late would show now
		if n := net.check(t, e.ts.URL, page); n == 0 {
			t.Errorf("%s: no tile requested from /basemap", page)
		}
		if got := eval[string](t, ctx, `(s => s ? s.value : '')(document.getElementById('basemap-select'))`); got != "offline" {
			t.Errorf("%s: the picker shows %q, want offline", page, got)
		}
		screenshot(t, ctx, "basemap-offline"+strings.ReplaceAll(page, "/", "-"))
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/?base=none")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "plain map", `document.body.dataset.gridsLoaded === 'true' && document.getElementById('map').classList.contains('plain-bg')`, 20*time.Second)
	chromedp.Do(ctx, chromedp.Sleep(1000*time.Millisecond))
	if n := net.check(t, e.ts.URL, "/?base=none"); n != 0 {
		t.Errorf("base=none requested %d tiles", n)
	}

	// On a phone the picker fits beside the zoom buttons.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(e.ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "phone tiles", tilesDrawn, 20*time.Second)
	if right := eval[float64](t, ctx, `document.getElementById('basemap-picker').getBoundingClientRect().right`); right > 200 {
		t.Errorf("on a phone the picker reaches x = %.0f px", right)
	}
	screenshot(t, ctx, "basemap-offline-phone")
	net.check(t, e.ts.URL, "/ on a phone")
}

// tileServer answers every tile request with a light PNG: stand-ins for
// OpenStreetMap and AMap on a machine without the internet.
func tileServer(t *testing.T) *httptest.Server {
	tile := patternTile(color.RGBA{240, 236, 226, 255})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(tile)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// overlayPixel is where the page draws the north-west corner of grid 2's
// outline (all its parts), in world pixels at the zoom of the tiles under it, read against
// a tile of base map id whose address names its z/x/y.
func overlayPixel(t *testing.T, ctx context.Context, id string) (z int, x, y float64) {
	t.Helper()
	v := eval[struct{ Z, X, Y float64 }](t, ctx, fmt.Sprintf(`(() => {
		const imgs = [...document.querySelectorAll('.basemap-%s img.leaflet-tile')].filter(i => i.getBoundingClientRect().width > 0);
		const zoom = Math.min(Math.round(+document.getElementById('map').dataset.zoom), %d);
		const img = imgs.find(i => +/\/(\d+)\/\d+\/\d+\.png$/.exec(i.src)[1] === zoom);
		const [, z, tx, ty] = /\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(img.src).map(Number);
		const r = img.getBoundingClientRect();
		const parts = [...document.querySelectorAll('path[data-grid-id="2"]')].map(p => p.getBoundingClientRect());
		const left = Math.min(...parts.map(p => p.left));
		const top = Math.min(...parts.map(p => p.top));
		const scale = r.width / 256;
		return {z, x: 256 * tx + (left - r.left) / scale, y: 256 * ty + (top - r.top) / scale};
	})()`, id, map[string]int{"osm": 19, "amap": 18}[id]))
	return int(v.Z), v.X, v.Y
}

// TestBaseMapAMapBrowser: on AMap the overlays are drawn shifted into
// GCJ-02 against the tiles, by the offset geo computes (the tiles here
// are stand-ins, so the check is numeric); on OpenStreetMap they are not.
// The picker switches base maps and keeps the choice in the address, and
// a click on the AMap map still lands on the grid under the pointer.
func TestBaseMapAMapBrowser(t *testing.T) {
	tiles := tileServer(t)
	e := newEnv(t, server.Config{DefaultLang: "zh-CN", TileURL: tiles.URL + "/osm/{z}/{x}/{y}.png", AMapURL: tiles.URL + "/amap/{z}/{x}/{y}.png"})
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	var west, north float64
	if err := e.conn.QueryRow(context.Background(), `SELECT ST_XMin(geom), ST_YMax(geom) FROM current_grids WHERE id = 2`).Scan(&west, &north); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t, 1400, 900)
	login(t, ctx, e.ts.URL, "/", "admin", password)
	loaded := func(id string) string {
		return fmt.Sprintf(`document.body.dataset.gridsLoaded === 'true' && document.getElementById('map').dataset.basemap === %q &&
			document.getElementById('map').dataset.moving !== 'true' &&
			[...document.querySelectorAll('.basemap-%s img.leaflet-tile')].some(i => i.complete && i.naturalWidth === 256)`, id, id)
	}
	waitJS(t, ctx, "osm tiles", loaded("osm"), 20*time.Second)
	chromedp.Do(ctx, chromedp.Sleep(500*time.Millisecond))
	z, x, y := overlayPixel(t, ctx, "osm")
	wx, wy := mercator(west, north, float64(z))
	t.Logf("OpenStreetMap, zoom %d: grid 2's corner drawn at (%.1f, %.1f), WGS-84 (%.1f, %.1f)", z, x, y, wx, wy)
	if math.Abs(x-wx) > 2 || math.Abs(y-wy) > 2 {
		t.Errorf("OpenStreetMap: grid 2's corner at world pixel (%.1f, %.1f) at zoom %d, want (%.1f, %.1f)", x, y, z, wx, wy)
	}

	// The picker: plain, in place and in the address; then AMap, which
	// reloads the page in GCJ-02.
	pick := func(id string) {
		eval[bool](t, ctx, fmt.Sprintf(`(s => { s.value = %q; s.dispatchEvent(new Event('change')); return true })(document.getElementById('basemap-select'))`, id))
	}
	pick("none")
	waitJS(t, ctx, "plain", `document.getElementById('map').classList.contains('plain-bg') && !document.querySelector('img.leaflet-tile') && location.search === '?base=none'`, 10*time.Second)
	pick("amap")
	// The page reloads: the polls before the new document fail and retry.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.search === '?base=amap' && `+loaded("amap")))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			screenshot(t, ctx, "failed-amap")
			t.Fatalf("AMap tiles not drawn after the reload: %v", err)
		}
	}
	chromedp.Do(ctx, chromedp.Sleep(500*time.Millisecond))
	screenshot(t, ctx, "basemap-amap")
	z, x, y = overlayPixel(t, ctx, "amap")
	g := geo.WGS84ToGCJ02(orb.Point{west, north})
	gx, gy := mercator(g[0], g[1], float64(z))
	wx, wy = mercator(west, north, float64(z))
	if math.Hypot(gx-wx, gy-wy) < 20 {
		t.Fatalf("the GCJ-02 offset is only %.1f px at zoom %d: the check would prove nothing", math.Hypot(gx-wx, gy-wy), z)
	}
	t.Logf("AMap, zoom %d: grid 2's corner drawn at (%.1f, %.1f), GCJ-02 (%.1f, %.1f), WGS-84 (%.1f, %.1f)", z, x, y, gx, gy, wx, wy)
	if math.Abs(x-gx) > 2 || math.Abs(y-gy) > 2 {
		t.Errorf("AMap: grid 2's corner at world pixel (%.1f, %.1f) at zoom %d, want (%.1f, %.1f) shifted into GCJ-02 (unshifted: %.1f, %.1f)", x, y, z, gx, gy, wx, wy)
	}

	// A click goes back through GCJ-02 → WGS-84: the point the test picks
	// in WGS-84 is where the page draws it, and the page selects its grid.
	var lon, lat float64
	err := e.conn.QueryRow(context.Background(), `
		SELECT ST_X(p), ST_Y(p) FROM (
			SELECT ST_PointOnSurface(ST_Difference(g.geom,
			         (SELECT ST_Buffer(ST_Collect(b.geom)::geography, 25)::geometry FROM buildings b))) AS p
			FROM current_grids g WHERE g.id = 2) x`).Scan(&lon, &lat)
	if err != nil {
		t.Fatal(err)
	}
	cx, cy := mapXY(t, ctx, lon, lat)
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(cx, cy)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "协作路社区 selected on AMap", `(document.getElementById('panel-name') || {}).textContent === '协作路社区'`, 10*time.Second)
}

// jsonOf is v as a JavaScript literal.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprint(&b, "[")
	for i, p := range v.([][2]float64) {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "[%.12f,%.12f]", p[0], p[1])
	}
	b.WriteString("]")
	return b.String()
}

// draftLonsJS lists every longitude in the open draft, as the API holds it.
const draftLonsJS = `fetch('/api/drafts/' + document.body.dataset.draft).then(r => r.json()).then(d => {
	const lons = [];
	const walk = (v) => {
		if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') lons.push(v[0]);
		else if (Array.isArray(v)) v.forEach(walk);
		else if (v && typeof v === 'object') Object.values(v).forEach(walk);
	};
	walk(d);
	return lons;
})`

// TestBaseMapPlanAMapBrowser: on /plan?base=amap a planner splits a
// compound grid with two clicks on a north–south line drawn in WGS-84:
// the clicks, made on the GCJ-02 map, reach the API back in WGS-84, so the
// cut lies on that line (without the conversion it would miss the grid by
// some 500 m).
func TestBaseMapPlanAMapBrowser(t *testing.T) {
	tiles := tileServer(t)
	e := newEnv(t, server.Config{DefaultLang: "zh-CN", AMapURL: tiles.URL + "/amap/{z}/{x}/{y}.png"})
	_, pw := e.account(t, "planner", auth.Planner, 0, 0)
	const grid = 11
	r := ring(t, e, grid)
	lon, lat := pointIn(t, e, grid)
	ctx := newBrowser(t, 1400, 900)
	login(t, ctx, e.ts.URL, "/plan?base=amap", "planner", pw)
	waitJS(t, ctx, "AMap", `document.getElementById('map').dataset.basemap === 'amap'`, 10*time.Second)
	newDraftOf(t, ctx, 2, "高德底图上分割")
	waitJS(t, ctx, "three compound grids", `document.querySelectorAll('path.plan-grid-l3').length === 3`, 10*time.Second)

	minY, maxY, minX, maxX := r[0][1], r[0][1], r[0][0], r[0][0]
	for _, p := range r {
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
	}
	midX := (minX + maxX) / 2
	near := func() int {
		lons, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](draftLonsJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, l := range lons {
			if math.Abs(l-midX) < 2.5e-5 { // about 2 m
				n++
			}
		}
		return n
	}
	if n := near(); n != 0 {
		t.Fatalf("%d vertices already lie on the line", n)
	}
	clickAt(t, ctx, lon, lat)
	waitJS(t, ctx, "grid selected", fmt.Sprintf(`!!document.querySelector('#pl-sel li[data-grid-id="%d"]')`, grid), 5*time.Second)
	_, over := metres(minY, 0, 12)
	clickSel(t, ctx, `.pl-tool[data-tool="split"]`)
	waitJS(t, ctx, "split mode", `document.getElementById('map').classList.contains('plan-drawing')`, 5*time.Second)
	clickAt(t, ctx, midX, minY-over)
	clickAt(t, ctx, midX, maxY+over)
	clickSel(t, ctx, "#pl-hint-finish")
	waitJS(t, ctx, "split", `document.querySelectorAll('path.plan-grid-l3').length === 4`, 20*time.Second)
	screenshot(t, ctx, "basemap-plan-amap")
	if n := near(); n < 2 {
		t.Errorf("after the split %d vertices lie within 2 m of the line clicked, want its two cuts", n)
	}
}
