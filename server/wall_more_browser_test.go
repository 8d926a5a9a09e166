package server_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// samplingSum is what GET /api/sampling-sites says of a grid's sites, as
// the wall's counter adds it up.
type samplingSum struct{ Sites, Open, Queue, Tested, Rate int }

func sumSampling(t *testing.T, c *client, grid int64) samplingSum {
	t.Helper()
	var d struct {
		Sites []struct {
			OpenNow    bool `json:"open_now"`
			Queue      *int `json:"queue"`
			Tested     int  `json:"tested_today"`
			Throughput int  `json:"throughput_per_hour"`
		} `json:"sites"`
	}
	if st := c.get(fmt.Sprintf("/api/sampling-sites?grid=%d", grid), &d); st != 200 {
		t.Fatalf("sampling sites: %d", st)
	}
	var s samplingSum
	for _, x := range d.Sites {
		s.Sites++
		if x.OpenNow {
			s.Open++
			if x.Queue != nil {
				s.Queue += *x.Queue
			}
		}
		s.Tested += x.Tested
		s.Rate += x.Throughput
	}
	return s
}

const wallSamplingJS = `(b => b.hidden ? null : {sites: +b.dataset.sites, queue: +b.dataset.queue, tested: +b.dataset.tested, rate: +b.dataset.rate,
	text: b.innerText.replace(/\s+/g, ' '), size: Math.min(...[...b.querySelectorAll('.wall-n, .wall-of, .wall-rate, .wall-label')].map(e => parseFloat(getComputedStyle(e).fontSize))),
	badges: [...document.querySelectorAll('.ss-badge')].map(e => parseFloat(getComputedStyle(e).fontSize))})(document.getElementById('wall-sampling'))`

// TestWallSamplingBrowser: the wall of a community shows its sampling
// sites on the map and a counter (queue at the open sites / sampled today,
// the last hour's pace) equal to what /api/sampling-sites says; a report
// changes it without a reload; the type is the wall's.
func TestWallSamplingBrowser(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	staff := e.client(t, "ws-staff", auth.Staff, 2)
	community := scalar[int64](t, e, `SELECT parent_id FROM current_grids WHERE id = 9`)
	insert := func(grid int64, name, closes string, dx float64) int64 {
		return scalar[int64](t, e, `INSERT INTO sampling_sites (grid_id, name, geom, opens, closes)
			SELECT id, $2, ST_Translate(ST_PointOnSurface(geom), $4, 0), '00:00'::time, $3::time FROM current_grids WHERE id = $1 RETURNING id`, grid, name, closes, dx)
	}
	a := insert(9, "桐柏路61号院采样点", "23:59", 0)
	b := insert(scalar[int64](t, e, `SELECT max(id) FROM current_grids WHERE parent_id = $1`, community), "东门采样点", "23:59", 0.0004)
	insert(9, "夜间已关闭采样点", "00:01", 0.0008)
	report := func(site int64, queue, tested int) {
		t.Helper()
		if r := staff.do("POST", fmt.Sprintf("/api/sampling-sites/%d/reports", site), fmt.Sprintf(`{"client_id": %q, "queue": %d, "tested": %d}`, cid(), queue, tested)); r.Status != 201 {
			t.Fatalf("report: %d %s", r.Status, r.Body)
		}
	}
	report(a, 12, 140)
	report(b, 5, 60)

	ctx := openWall(t, e, community, 1920, 1080, "")
	eval[bool](t, ctx, `window.noReload = true`)
	check := func(when string) {
		t.Helper()
		want := sumSampling(t, staff, community)
		js := fmt.Sprintf(`(s => !!s && s.queue === %d && s.tested === %d && s.rate === %d && s.sites === %d)(%s)`, want.Queue, want.Tested, want.Rate, want.Sites, wallSamplingJS)
		waitJS(t, ctx, "the sampling counter "+when, js, 20*time.Second)
		got := eval[struct {
			Text   string
			Size   float64
			Badges []float64
		}](t, ctx, wallSamplingJS)
		if !strings.Contains(got.Text, fmt.Sprintf("%d / %d", want.Queue, want.Tested)) || !strings.Contains(got.Text, fmt.Sprintf("（%d/%d 开放）", want.Open, want.Sites)) {
			t.Errorf("%s: the counter reads %q; the API: %+v", when, got.Text, want)
		}
		if got.Size < 20 || len(got.Badges) != want.Sites {
			t.Errorf("%s: counter text %.1f px, %d badges on the map (want %d)", when, got.Size, len(got.Badges), want.Sites)
		}
		for _, px := range got.Badges {
			if px < 20 {
				t.Errorf("%s: a site's badge is %.1f px", when, px)
			}
		}
	}
	check("at first")
	screenshot(t, ctx, "wall-sampling-1920")
	report(a, 40, 25)
	check("after a report")
	if !eval[bool](t, ctx, `window.noReload === true`) {
		t.Error("the wall reloaded")
	}
}

// TestWallStaleBrowser: the wall with its server stopped says "数据更新于
// hh:mm:ss" within the threshold instead of its live badge, in the wall's
// type; a screening made meanwhile (through another instance) reaches its
// counters once the server is back, without a reload. Then, behind a
// network that goes silent (the socket open, no byte through), the same.
func TestWallStaleBrowser(t *testing.T) {
	cfg := honestConfig()
	e := newEnv(t, cfg)
	api := e.client(t, "wall-api", auth.Admin, 0)
	var gaps gapsAnswer
	api.get("/api/grids/9/gaps", &gaps)
	unscreened := households(gaps.Unscreened)
	if len(unscreened) < 2 {
		t.Fatal("grid 9 has too few unscreened households")
	}
	api.base = e.otherInstance(t, cfg)
	screenedJS := `Number(document.querySelector('#wall-counters [data-counter="screened"]').dataset.value)`

	ctx := openWall(t, e, 1, 1920, 1080, "")
	eval[bool](t, ctx, `window.noReload = true`)
	before := eval[int](t, ctx, screenedJS)
	addr := e.stopServing()
	cut := time.Now()
	b := waitBanner(t, ctx, "the wall's banner after the server stopped", cut, staleAfter)
	if size := eval[float64](t, ctx, `parseFloat(getComputedStyle(document.querySelector('#live-status .live-text')).fontSize)`); size < 20 {
		t.Errorf("the banner's text is %.1f px on the wall, want ≥ 20", size)
	}
	t.Logf("banner %.0f×%.0f px", b.W, b.H)
	screenshot(t, ctx, "wall-stale-1920")
	fieldPost(t, api, "/api/screenings", map[string]any{"household_id": unscreened[0], "outcome": "normal"}, 201)

	e.serveAgain(t, cfg, addr)
	waitJS(t, ctx, "live again after the restart", liveAgainJS, 30*time.Second)
	waitJS(t, ctx, "the screening made while down", fmt.Sprintf(`%s === %d`, screenedJS, before+1), 30*time.Second)

	// A silent network: the wall behind a proxy that stops forwarding.
	proxy := newBlackholeProxy(t, e.ts.Listener.Addr().String())
	admin := e.client(t, "wall-admin-silent", auth.Admin, 0)
	l := issueWallLink(t, admin, 1, 24)
	u, err := url.Parse(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	silent := newBrowser(t, 1920, 1080)
	if err := chromedp.Do(silent, chromedp.Navigate(proxy.url+u.Path)); err != nil {
		t.Fatal(err)
	}
	waitWall(t, silent)
	eval[bool](t, silent, `window.noReload = true`)
	before = eval[int](t, silent, screenedJS)
	proxy.blackhole()
	cut = time.Now()
	waitBanner(t, silent, "the wall's banner on a silent network", cut, staleAfter+time.Second)
	fieldPost(t, api, "/api/screenings", map[string]any{"household_id": unscreened[1], "outcome": "normal"}, 201)
	proxy.restore()
	waitJS(t, silent, "live again after the network came back", liveAgainJS, 30*time.Second)
	waitJS(t, silent, "the screening made while silent", fmt.Sprintf(`%s === %d`, screenedJS, before+1), 30*time.Second)
	for _, c := range []context.Context{ctx, silent} {
		if !eval[bool](t, c, `window.noReload === true`) {
			t.Error("the wall reloaded")
		}
	}
}

// TestWallReplayModeBrowser: /wall?mode=replay&day= on a screen signed in
// by its link plays the link's area's day in /replay's wall mode; signed
// out, the same address shows the wall's not-signed-in message, never the
// login form.
func TestWallReplayModeBrowser(t *testing.T) {
	e, day, start := pastEnv(t)
	simulateHour(t, e, start)
	ctx := openWall(t, e, 2, 1920, 1080, "")
	if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/wall?mode=replay&speed=120&t=09:10&day="+day)); err != nil {
		t.Fatal(err)
	}
	waitAcross(t, ctx, "the replay", `location.pathname === '/replay' && document.body.dataset.replayLoaded === 'true'`)
	waitJS(t, ctx, "playing on the wall", `document.body.classList.contains('wall-mode') && document.body.dataset.playing === 'true'`, 10*time.Second)
	q := eval[string](t, ctx, `location.search`)
	if !strings.Contains(q, "grid=2") || !strings.Contains(q, "day="+day) || !strings.Contains(q, "wall=1") {
		t.Errorf("replay opened as %s", q)
	}
	if v := eval[int](t, ctx, `document.querySelectorAll('.rp-vol').length`); v == 0 {
		t.Error("no volunteer on the replayed map")
	}

	out := newBrowser(t, 1920, 1080)
	if err := chromedp.Do(out, chromedp.Navigate(e.ts.URL+"/replay?wall=1&grid=2&day="+day)); err != nil {
		t.Fatal(err)
	}
	waitAcross(t, out, "signed out", `location.pathname === '/wall' && document.body.dataset.auth === 'none'`)
	if n := eval[int](t, out, `document.querySelectorAll('form, input').length`); n != 0 {
		t.Errorf("signed out, the wall shows %d forms or inputs", n)
	}
	if q := eval[string](t, out, `location.search`); !strings.Contains(q, "mode=replay") {
		t.Errorf("signed out at /wall%s: the replay mode is lost", q)
	}
}

// waitAcross is waitJS across the page's own redirects (each lands on a
// new document, where a poll of the old one fails): it asks again until
// the condition holds on the page it ends up on.
func waitAcross(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			screenshot(t, ctx, "failed-"+what)
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}
