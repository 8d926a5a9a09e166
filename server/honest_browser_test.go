package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// Honest when cut off (issue 13): a page whose stream is cut, by a server
// that stops or by a network that goes silent, says how old its figures
// are, and catches up without a reload when the stream is back.

// honestBeat is the tests' heartbeat; a page takes its stream for dead
// after staleAfter without a frame (live.js: 2 × heartbeat + 3 s).
const (
	honestBeat = time.Second
	staleAfter = 2*honestBeat + 3*time.Second
)

func honestConfig() server.Config {
	return server.Config{TileURL: "", DefaultLang: "zh-CN", Heartbeat: honestBeat}
}

// stopServing stops the page's server as a restart does (streams close
// with 1001, the port refuses) and returns its address.
func (e *env) stopServing() string {
	addr := e.ts.Listener.Addr().String()
	e.srv.StopStreams()
	e.ts.Close()
	return addr
}

// serveAgain starts a new server over the same database and bus on addr,
// as the restarted process would be.
func (e *env) serveAgain(t *testing.T, cfg server.Config, addr string) {
	t.Helper()
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	e.srv = server.New(cfg, server.Deps{Store: e.db.Store, Bus: e.bus, Ingest: e.pipe, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewUnstartedServer(e.srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	srv := e.srv
	t.Cleanup(func() { srv.StopStreams(); ts.Close() })
	e.ts = ts
}

// otherInstance is a second server over the same database and bus, for
// writes while the page's own server is down (another instance behind the
// load balancer, or the field app's).
func (e *env) otherInstance(t *testing.T, cfg server.Config) string {
	t.Helper()
	srv := server.New(cfg, server.Deps{Store: e.db.Store, Bus: e.bus, Ingest: e.pipe, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.StopStreams(); ts.Close() })
	return ts.URL
}

// liveBanner is what #live-status shows and says about itself.
type liveBanner struct {
	Live, State, Text, Why string
	Banner, Visible        bool
	LastData               int64
	Dimmed                 bool
	Background             string
	Top, Bottom, W, H      float64
	Covered                []string // controls the banner covers (their centre is the banner's)
}

const liveBannerJS = `(() => {
	const b = document.getElementById('live-status');
	const r = b.getBoundingClientRect();
	const covered = [];
	for (const sel of ['#lang-toggle', '#user-toggle', '#logout', '.leaflet-control-zoom-in', '#choro-metric', '#breadcrumb', '#gw-back']) {
		const c = document.querySelector(sel);
		if (!c) continue;
		const cr = c.getBoundingClientRect();
		if (!cr.width || !cr.height) continue;
		const hit = document.elementFromPoint(cr.left + cr.width / 2, cr.top + cr.height / 2);
		if (hit && b.contains(hit)) covered.push(sel);
	}
	const m = document.getElementById('map');
	return {live: document.body.dataset.live || '', state: b.dataset.state || '', text: b.querySelector('.live-text').textContent,
		why: (b.querySelector('.live-why') || {}).textContent || '', banner: b.classList.contains('live-banner'),
		visible: !b.hidden && r.width > 0 && r.height > 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.left >= 0,
		lastData: Number(b.dataset.lastData), dimmed: !!m && m.classList.contains('live-dimmed'),
		background: getComputedStyle(b).backgroundColor, top: r.top, bottom: r.bottom, w: r.width, h: r.height, covered};
})()`

// bannerJS holds while the banner says how old the data is.
const bannerJS = `(b => document.body.dataset.live !== 'live' && b.classList.contains('live-banner') && b.querySelector('.live-text').textContent.startsWith('数据更新于 '))(document.getElementById('live-status'))`

// liveAgainJS holds once the badge is back to live.
const liveAgainJS = `(b => document.body.dataset.live === 'live' && !b.classList.contains('live-banner') && b.querySelector('.live-text').textContent === '实时')(document.getElementById('live-status'))`

var areaZone, _ = time.LoadLocation("Asia/Shanghai")

var asOfTime = regexp.MustCompile(`^数据更新于 (\d\d:\d\d:\d\d)$`)

// waitBanner waits for the banner and checks it came within limit of
// since and names the time of the last data the page had.
func waitBanner(t *testing.T, ctx context.Context, what string, since time.Time, limit time.Duration) liveBanner {
	t.Helper()
	waitJS(t, ctx, what, bannerJS, limit+10*time.Second)
	if took := time.Since(since); took > limit {
		t.Errorf("%s: the banner took %s, want at most %s", what, took.Round(100*time.Millisecond), limit)
	}
	return checkBanner(t, ctx, what, since)
}

// checkBanner checks the banner shown: in view, not covering a control,
// naming the time of the last data the page had before since.
func checkBanner(t *testing.T, ctx context.Context, what string, since time.Time) liveBanner {
	t.Helper()
	b := eval[liveBanner](t, ctx, liveBannerJS)
	m := asOfTime.FindStringSubmatch(b.Text)
	// The area's time (Asia/Shanghai), as the wall's clock shows it, not
	// the screen's zone.
	if want := time.UnixMilli(b.LastData).In(areaZone).Format("15:04:05"); m == nil || m[1] != want {
		t.Errorf("%s: banner reads %q, want 数据更新于 %s (its data-last-data)", what, b.Text, want)
	}
	if last := time.UnixMilli(b.LastData); last.After(since) || since.Sub(last) > time.Minute {
		t.Errorf("%s: last data at %s, cut at %s", what, last.Format(time.StampMilli), since.Format(time.StampMilli))
	}
	if !b.Visible || b.H < 28 || b.W < 120 {
		t.Errorf("%s: banner %.0f×%.0f px, visible %v: want a banner in view, not a dot", what, b.W, b.H, b.Visible)
	}
	if len(b.Covered) > 0 {
		t.Errorf("%s: the banner covers %v", what, b.Covered)
	}
	return b
}

// TestMapStaleBrowser: / with its server stopped shows "数据更新于
// hh:mm:ss" within the threshold and dims the volunteers. Meanwhile
// (through another instance) a household is screened and a hotline request
// opened in grid 9, and the events are pruned as if too old to replay: once
// the server is back the page resyncs, and its panel and its choropleth
// show both, without a reload.
func TestMapStaleBrowser(t *testing.T) {
	cfg := honestConfig()
	e := newEnv(t, cfg)
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	api := e.client(t, "admin-api", auth.Admin, 0)
	var gaps gapsAnswer
	api.get("/api/grids/9/gaps", &gaps)
	unscreened := households(gaps.Unscreened)
	if len(unscreened) == 0 {
		t.Fatal("grid 9 has no unscreened household")
	}
	building := scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9`)
	api.base = e.otherInstance(t, cfg)

	ctx := newBrowser(t, 1280, 800)
	login(t, ctx, e.ts.URL, "/#grid=9", "admin", password)
	waitJS(t, ctx, "today block of grid 9", `(b => b && b.dataset.grid === '9' && b.dataset.state === 'loaded')(document.getElementById('panel-today'))`, 20*time.Second)
	waitJS(t, ctx, "stream", liveAgainJS, 20*time.Second)
	eval[bool](t, ctx, `(s => (s.value = 'open_requests', s.dispatchEvent(new Event('change')), window.noReload = true))(document.getElementById('choro-metric'))`)
	waitJS(t, ctx, "choropleth of open requests", `document.body.dataset.choropleth === 'open_requests@3' && document.body.dataset.choroLoaded === 'true'`, 20*time.Second)
	partJS := `Number(document.querySelector('#panel-today .fig-ratio[data-stat="screened_pct"]').dataset.part)`
	fillJS := `document.querySelector('path.grid-l3[data-grid-id="9"]').getAttribute('fill')`
	before := eval[int](t, ctx, partJS)
	if fill := eval[string](t, ctx, fillJS); fill != "#d9f0d3" {
		t.Fatalf("grid 9 filled %s with no open request, want #d9f0d3", fill)
	}

	addr := e.stopServing()
	cut := time.Now()
	b := waitBanner(t, ctx, "banner after the server stopped", cut, staleAfter)
	if b.Live != "reconnecting" || !b.Dimmed {
		t.Errorf("after the stop: state %q, volunteers dimmed %v; want reconnecting, dimmed", b.Live, b.Dimmed)
	}
	screenshot(t, ctx, "honest-map-stopped")

	fieldPost(t, api, "/api/screenings", map[string]any{"household_id": unscreened[0], "outcome": "normal"}, 201)
	fieldPost(t, api, "/api/requests", map[string]any{"building_id": building, "category": "medical", "body": "需要代购药品"}, 201)
	time.Sleep(time.Second)
	if got := eval[int](t, ctx, partJS); got != before {
		t.Fatalf("with its server down the page shows %d screened (was %d)", got, before)
	}
	if _, err := e.conn.Exec(context.Background(), `DELETE FROM live_events WHERE seq < (SELECT max(seq) FROM live_events)`); err != nil {
		t.Fatal(err)
	}

	e.serveAgain(t, cfg, addr)
	waitJS(t, ctx, "live again after the restart", liveAgainJS, 30*time.Second)
	waitJS(t, ctx, "the screening made while down", fmt.Sprintf(`%s === %d`, partJS, before+1), 20*time.Second)
	waitJS(t, ctx, "the request opened while down", fillJS+` === '#fee391'`, 20*time.Second)
	if b := eval[liveBanner](t, ctx, liveBannerJS); b.Dimmed || b.Why != "" {
		t.Errorf("live again, but volunteers dimmed %v, banner reason %q", b.Dimmed, b.Why)
	}
	if !eval[bool](t, ctx, `window.noReload === true`) {
		t.Error("the page reloaded")
	}
	screenshot(t, ctx, "honest-map-back")
}

// TestMapSilentBrowser: / behind a network that goes silent (the socket
// open, no byte through): within the threshold the desktop and phone pages
// show the banner, not covering a control; a screening stored meanwhile
// shows once the network is back, without a reload.
func TestMapSilentBrowser(t *testing.T) {
	cfg := honestConfig()
	e := newEnv(t, cfg)
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	api := e.client(t, "admin-api", auth.Admin, 0)
	var gaps gapsAnswer
	api.get("/api/grids/9/gaps", &gaps)
	unscreened := households(gaps.Unscreened)
	if len(unscreened) == 0 {
		t.Fatal("grid 9 has no unscreened household")
	}
	proxy := newBlackholeProxy(t, e.ts.Listener.Addr().String())

	desk := newBrowser(t, 1280, 800)
	login(t, desk, proxy.url, "/#grid=9", "admin", password)
	phone := newBrowser(t, 390, 844)
	login(t, phone, proxy.url, "/", "admin", password)
	pages := map[string]context.Context{"desktop": desk, "phone": phone}
	for name, ctx := range pages {
		waitJS(t, ctx, name+" stream", liveAgainJS, 20*time.Second)
		eval[bool](t, ctx, `window.noReload = true`)
	}
	waitJS(t, desk, "today block of grid 9", `(b => b && b.dataset.grid === '9' && b.dataset.state === 'loaded')(document.getElementById('panel-today'))`, 20*time.Second)
	partJS := `Number(document.querySelector('#panel-today .fig-ratio[data-stat="screened_pct"]').dataset.part)`
	before := eval[int](t, desk, partJS)

	proxy.blackhole()
	cut := time.Now()
	// Both pages' stream went silent at once: wait for both, then look.
	for _, name := range []string{"desktop", "phone"} {
		waitBanner(t, pages[name], name+" banner on a silent network", cut, staleAfter+time.Second)
	}
	for _, name := range []string{"desktop", "phone"} {
		b := checkBanner(t, pages[name], name+" banner on a silent network", cut)
		if b.Live != "stale" || !b.Dimmed {
			t.Errorf("%s on a silent network: state %q, volunteers dimmed %v; want stale, dimmed", name, b.Live, b.Dimmed)
		}
		screenshot(t, pages[name], "honest-map-silent-"+name)
	}
	// In English too, following the language toggle.
	setLangEN(t, desk)
	if b := eval[liveBanner](t, desk, liveBannerJS); !regexp.MustCompile(`^Data as of \d\d:\d\d:\d\d$`).MatchString(b.Text) || b.Why != "No response" {
		t.Errorf("English banner reads %q (%q), want Data as of hh:mm:ss (No response)", b.Text, b.Why)
	}
	screenshot(t, desk, "honest-map-silent-desktop-en")
	setLangZH(t, desk)

	fieldPost(t, api, "/api/screenings", map[string]any{"household_id": unscreened[0], "outcome": "normal"}, 201)
	time.Sleep(1500 * time.Millisecond)
	if got := eval[int](t, desk, partJS); got != before {
		t.Fatalf("through a silent network the page shows %d screened (was %d)", got, before)
	}
	if s := eval[string](t, desk, `document.body.dataset.live`); s == "live" {
		t.Errorf("still black-holed, the page says live")
	}

	proxy.restore()
	for name, ctx := range pages {
		waitJS(t, ctx, name+" live again", liveAgainJS, 30*time.Second)
		if !eval[bool](t, ctx, `window.noReload === true`) {
			t.Errorf("%s reloaded", name)
		}
	}
	waitJS(t, desk, "the screening made while silent", fmt.Sprintf(`%s === %d`, partJS, before+1), 20*time.Second)
	screenshot(t, desk, "honest-map-silent-back")
}

// TestGridStaleBrowser: /grid/9 with its server stopped shows the banner
// within the threshold; a screening stored meanwhile (through another
// instance) leaves its list and counts in its figures once the server is
// back, without a reload.
func TestGridStaleBrowser(t *testing.T) {
	cfg := honestConfig()
	e := newEnv(t, cfg)
	api := e.client(t, "leader-api", auth.GridLeader, 9)
	var gaps gapsAnswer
	api.get("/api/grids/9/gaps", &gaps)
	unscreened := households(gaps.Unscreened)
	if len(unscreened) == 0 {
		t.Fatal("grid 9 has no unscreened household")
	}
	mine := unscreened[0]
	api.base = e.otherInstance(t, cfg)
	ctx := openGridPage(t, e, 1280, 860, false)
	phone := openGridPageAs(t, e, "leader", "leader-password", 390, 844, true)
	for _, c := range []context.Context{ctx, phone} {
		waitJS(t, c, "stream", liveAgainJS, 20*time.Second)
		eval[bool](t, c, `window.noReload = true`)
	}
	before := eval[int](t, ctx, screenedTodayJS)

	addr := e.stopServing()
	cut := time.Now()
	waitBanner(t, ctx, "banner after the server stopped", cut, staleAfter)
	waitBanner(t, phone, "phone banner after the server stopped", cut, staleAfter)
	screenshot(t, ctx, "honest-grid-stopped")
	screenshot(t, phone, "honest-grid-stopped-phone")
	fieldPost(t, api, "/api/screenings", map[string]any{"household_id": mine, "outcome": "normal"}, 201)

	e.serveAgain(t, cfg, addr)
	waitJS(t, ctx, "live again after the restart", liveAgainJS, 30*time.Second)
	waitJS(t, ctx, "figures after the screening made while down", fmt.Sprintf(`%s === %d`, screenedTodayJS, before+1), 20*time.Second)
	waitJS(t, ctx, "the household leaves the list", fmt.Sprintf(`!document.querySelector('#gap-panel .gap-item[data-id="%d"]')`, mine), 20*time.Second)
	waitJS(t, phone, "phone live again after the restart", liveAgainJS, 30*time.Second)
	for _, c := range []context.Context{ctx, phone} {
		if !eval[bool](t, c, `window.noReload === true`) {
			t.Error("the page reloaded")
		}
	}
}

// setLangZH switches a page back to Chinese with the language toggle.
func setLangZH(t *testing.T, ctx context.Context) {
	t.Helper()
	if eval[string](t, ctx, `document.documentElement.lang`) != "zh-CN" {
		setLangEN(t, ctx) // the toggle flips between the two
	}
}
