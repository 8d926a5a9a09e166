package server_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// screenshot saves the page when GRIDMAP_SCREENSHOTS names a directory.
func screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("GRIDMAP_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// mapXY is the page's pixel of a WGS84 point on the page's map (#map), as a
// user's eye finds it: from what the map's element says it shows (data-lat,
// data-lon, data-zoom, written by static/map.js once it stops moving) and
// the Web Mercator projection Leaflet draws in (EPSG:3857, 256 px tiles).
// Leaflet rounds its pixel origin, so this is within a pixel of its own.
func mapXY(t testing.TB, ctx context.Context, lon, lat float64) (float64, float64) {
	t.Helper()
	waitJS(t, ctx, "the map at rest", `(m => !!m && !!m.dataset.zoom && m.dataset.moving !== 'true')(document.getElementById('map'))`, 20*time.Second)
	v := eval[struct{ Lat, Lon, Zoom, Left, Top, Width, Height float64 }](t, ctx, `(m => {
		const r = m.getBoundingClientRect();
		return {lat: +m.dataset.lat, lon: +m.dataset.lon, zoom: +m.dataset.zoom,
		        left: r.left + m.clientLeft, top: r.top + m.clientTop, width: m.clientWidth, height: m.clientHeight};
	})(document.getElementById('map'))`)
	px, py := mercator(lon, lat, v.Zoom)
	cx, cy := mercator(v.Lon, v.Lat, v.Zoom)
	return v.Left + v.Width/2 + px - cx, v.Top + v.Height/2 + py - cy
}

// mercator is a point's pixel in Leaflet's EPSG:3857 at a zoom.
func mercator(lon, lat, zoom float64) (x, y float64) {
	const maxLat = 85.0511287798
	lat = max(-maxLat, min(maxLat, lat))
	scale := 256 * math.Pow(2, zoom)
	s := math.Sin(lat * math.Pi / 180)
	return scale * (lon/360 + 0.5), scale * (0.5 - math.Log((1+s)/(1-s))/(4*math.Pi))
}

// login signs in through the real login page, which sends the browser
// back to where it was going.
func login(t testing.TB, ctx context.Context, base, path, username, password string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+path)); err != nil {
		t.Fatal(err)
	}
	// The map answers a missing login by sending the browser to the login
	// page. Wait until that page has fully loaded, so that no query lands
	// on the document being replaced (queries during the navigation fail,
	// and are retried).
	for deadline := time.Now().Add(15 * time.Second); ; {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname === '/login.html' && document.readyState === 'complete'`))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not sent to the login page: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), username),
		chromedp.SendKeys(chromedp.ID("login-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.CSS(`body[data-grids-loaded="true"]`)),
	)
	if err != nil {
		screenshot(t, ctx, "login-failed")
		t.Fatalf("log in as %s: %v", username, err)
	}
}

// TestMapBrowser logs in, loads / in no-internet mode, waits for the grid
// layer, counts the drawn polygons and clicks a community to see its name.
func TestMapBrowser(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	ts := e.ts
	ctx := newBrowser(t, 1400, 900)
	login(t, ctx, ts.URL, "/", "admin", password)
	l2, err1 := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('path.grid-l2').length`))
	l3, err2 := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('path.grid-l3').length`))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if l2 != 7 || l3 != 23 {
		t.Errorf("drawn polygons: %d communities and %d compound grids, want 7 and 23", l2, l3)
	}
	labels, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.grid-label')].map(e => e.textContent.trim()).filter(Boolean)`))
	if len(labels) < 7 {
		t.Errorf("%d grid labels shown, want at least the 7 communities: %v", len(labels), labels)
	}
	screenshot(t, ctx, "map-zh")

	// Click inside 协作路社区 (grid 2, the community of the report's
	// compound) at a point PostGIS finds at least 25 m from any building,
	// so the click lands on the grid, not on a building marker.
	var lon, lat float64
	err := e.conn.QueryRow(context.Background(), `
		SELECT ST_X(p), ST_Y(p) FROM (
			SELECT ST_PointOnSurface(ST_Difference(g.geom,
			         (SELECT ST_Buffer(ST_Collect(b.geom)::geography, 25)::geometry FROM buildings b))) AS p
			FROM current_grids g WHERE g.id = 2) x`).Scan(&lon, &lat)
	if err != nil {
		t.Fatal(err)
	}
	x, y := mapXY(t, ctx, lon, lat)
	err = chromedp.Do(ctx,
		chromedp.MouseClickXY(x, y),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Poll[bool](`(document.getElementById('panel-name') || {}).textContent === '协作路社区'`,
				chromedp.WithPollingTimeout(10*time.Second))(ctx, tg)
			return err
		}),
	)
	if err != nil {
		name, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById('panel-name') || {}).textContent || ''`))
		hit, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(e => e ? e.tagName + '.' + e.getAttribute('class') : 'none')(document.elementFromPoint(%f, %f))`, x, y)))
		screenshot(t, ctx, "map-click-failed")
		t.Fatalf("after clicking 协作路社区 at (%.0f, %.0f) (%s) the panel shows %q: %v", x, y, hit, name, err)
	}
	chromedp.Do(ctx, chromedp.Sleep(700*time.Millisecond)) // let the zoom settle for the picture
	screenshot(t, ctx, "map-community")
}

// TestMapBrowserGridLeader logs in as the leader of one compound grid:
// the map draws that grid and nothing of its neighbours.
func TestMapBrowserGridLeader(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "leader", auth.GridLeader, 9, 0)
	ctx := newBrowser(t, 1000, 800)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/login.html"), chromedp.WaitVisible(chromedp.ID("login-form"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "login-zh")
	login(t, ctx, e.ts.URL, "/", "leader", password)
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](`({
		l2: document.querySelectorAll('path.grid-l2').length,
		l3: document.querySelectorAll('path.grid-l3').length})`))
	if err != nil {
		t.Fatal(err)
	}
	if counts["l2"] != 0 || counts["l3"] != 1 {
		t.Errorf("grid leader of 9 sees %v polygons, want 0 communities and 1 compound grid", counts)
	}
	user, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('user-name').textContent`))
	if user != "leader" {
		t.Errorf("header shows user %q", user)
	}
	chromedp.Do(ctx, chromedp.Sleep(500*time.Millisecond))
	screenshot(t, ctx, "map-leader")
}
