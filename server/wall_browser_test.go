package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/server"
)

// wallAnswer is GET /api/grids/{id}/wall.
type wallAnswer struct {
	Grid             int64            `json:"grid"`
	Figures          coverage.Figures `json:"figures"`
	VolunteersOnDuty int              `json:"volunteers_on_duty"`
	PartyMembers     int              `json:"party_members"`
	RequestsOverdue  int              `json:"requests_overdue"`
	TasksOpen        int              `json:"tasks_open"`
}

// wallScene gives the demo area something to show: positions in grid 9
// of four volunteers (three now, one of them through the device API, and
// one 20 minutes ago), one fever and two normal screenings in grid 9, and
// two open requests in grid 9, one received two days ago (overdue), a
// quarantined household and a gate checkpoint there.
func wallScene(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	vols := scalar[[]int64](t, e, `SELECT array_agg(v.person_id ORDER BY v.person_id) FROM volunteers v
		JOIN volunteer_teams tm ON tm.id = v.team_id WHERE tm.grid_id = 2 AND v.person_id <> $1`, e.volunteer)
	lon, lat := scalar[float64](t, e, `SELECT ST_X(ST_PointOnSurface(geom)) FROM current_grids WHERE id = 9`),
		scalar[float64](t, e, `SELECT ST_Y(ST_PointOnSurface(geom)) FROM current_grids WHERE id = 9`)
	if len(vols) < 3 {
		t.Fatalf("grid 2 has %d volunteers", len(vols))
	}
	now := time.Now()
	batch := []model.Position{
		{VolunteerID: vols[0], GridID: 9, At: now, Lon: lon + 0.0002, Lat: lat},
		{VolunteerID: vols[1], GridID: 9, At: now, Lon: lon - 0.0002, Lat: lat + 0.0001},
		{VolunteerID: vols[2], GridID: 9, At: now.Add(-20 * time.Minute), Lon: lon, Lat: lat - 0.0002}, // not on duty
	}
	if err := e.db.Store.WritePositions(ctx, batch); err != nil {
		t.Fatal(err)
	}
	// The third on duty reports through the API, as a phone does, and is
	// drawn on the map from the stream.
	device := e.client(t, "scene-device", auth.Device, 0)
	pos := map[string]any{"positions": []map[string]any{{"lon": lon, "lat": lat, "accuracy": 5, "at": now.UTC().Format(time.RFC3339)}}}
	if r := device.do("POST", "/api/positions", pos); r.Status != 202 {
		t.Fatalf("device position: %d %s", r.Status, r.Body)
	}
	leader := e.client(t, "scene-leader", auth.GridLeader, 9)
	hh := scalar[[]int64](t, e, `SELECT array_agg(h.id ORDER BY h.id) FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = 9 AND h.status = 'occupied'`)
	fieldPost(t, leader, "/api/screenings", map[string]any{"household_id": hh[0], "outcome": "fever", "temperature": 38.6}, 201)
	fieldPost(t, leader, "/api/screenings", map[string]any{"household_id": hh[1], "outcome": "normal"}, 201)
	fieldPost(t, leader, "/api/screenings", map[string]any{"household_id": hh[2], "outcome": "normal"}, 201)
	today := time.Now().In(shanghai(t)).Format(time.DateOnly)
	fieldPost(t, leader, "/api/quarantines", map[string]any{"household_id": hh[3], "starts": today,
		"ends": time.Now().In(shanghai(t)).AddDate(0, 0, 14).Format(time.DateOnly), "reason": "close_contact"}, 201)
	gateLon, gateLat := gateOf(t, e, 9)
	fieldPost(t, leader, "/api/checkpoints", map[string]any{"grid_id": 9, "name": "南门卡点", "lon": gateLon, "lat": gateLat}, 201)
	building := scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9`)
	old := fieldPost(t, leader, "/api/requests", map[string]any{"building_id": building, "category": "supplies", "body": "需要配送药品"}, 201)
	fieldPost(t, leader, "/api/requests", map[string]any{"building_id": building, "category": "repair", "body": "楼道灯坏了"}, 201)
	if _, err := e.conn.Exec(ctx, `UPDATE requests SET received_at = now() - interval '2 days', deadline = now() - interval '1 day' WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
}

// openWall opens a wall link for grid in a fresh browser of the given
// size, at path (the link's /wall?grid=N when ""), and waits for the page.
func openWall(t *testing.T, e *env, grid int64, width, height int, path string) context.Context {
	t.Helper()
	admin := e.client(t, fmt.Sprintf("wall-admin-%d-%d", grid, width), auth.Admin, 0)
	l := issueWallLink(t, admin, grid, 24)
	ctx := newBrowser(t, width, height)
	if err := chromedp.Do(ctx, chromedp.Navigate(l.URL)); err != nil {
		t.Fatal(err)
	}
	if path != "" {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+path)); err != nil {
			t.Fatal(err)
		}
	}
	waitWall(t, ctx)
	return ctx
}

func waitWall(t *testing.T, ctx context.Context) {
	t.Helper()
	waitJS(t, ctx, "the wall", `document.body.dataset.ready === 'true' && document.body.dataset.summary === document.body.dataset.view
		&& document.body.dataset.feedLoaded === 'true' && document.body.dataset.live === 'live'`, 30*time.Second)
}

// pageCounters is what the wall's counters show (their data-value).
const pageCountersJS = `(() => {
	const v = (n) => document.querySelector('#wall-counters [data-counter="' + n + '"]');
	const num = (n) => Number(v(n).dataset.value);
	return {screened: num('screened'), households: Number(v('screened').dataset.households),
		quarantined: num('quarantined'), fever_alerts: num('fever_alerts'), open_requests: num('open_requests'),
		overdue_visits: num('overdue_visits'), volunteers_on_duty: num('volunteers_on_duty'), party_members: num('party_members'),
		requests_overdue: Number(v('open_requests').querySelector('[data-part="overdue"]').dataset.value),
		text: [...document.querySelectorAll('#wall-counters .wall-counter:not([hidden]) .wall-fig')].map(e => e.innerText.replace(/\s+/g, ' '))};
})()`

type pageCounters struct {
	Screened         int64    `json:"screened"`
	Households       int64    `json:"households"`
	Quarantined      int64    `json:"quarantined"`
	FeverAlerts      int64    `json:"fever_alerts"`
	OpenRequests     int64    `json:"open_requests"`
	OverdueVisits    int64    `json:"overdue_visits"`
	VolunteersOnDuty int      `json:"volunteers_on_duty"`
	PartyMembers     int      `json:"party_members"`
	RequestsOverdue  int      `json:"requests_overdue"`
	Text             []string `json:"text"`
}

// checkCounters compares the page's counters with the wall API and the
// coverage API, both asked from the page with its own session.
func checkCounters(t *testing.T, ctx context.Context, grid int64) wallAnswer {
	t.Helper()
	var sum wallAnswer
	raw := awaitJS[string](t, ctx, fmt.Sprintf(`fetch('/api/grids/%d/wall').then(r => r.text())`, grid))
	if err := json.Unmarshal([]byte(raw), &sum); err != nil {
		t.Fatalf("wall API: %v: %s", err, raw)
	}
	var cov struct{ Grid coverage.Figures }
	raw = awaitJS[string](t, ctx, fmt.Sprintf(`fetch('/api/grids/%d/coverage').then(r => r.text())`, grid))
	if err := json.Unmarshal([]byte(raw), &cov); err != nil {
		t.Fatalf("coverage API: %v: %s", err, raw)
	}
	a, _ := json.Marshal(sum.Figures)
	b, _ := json.Marshal(cov.Grid)
	if string(a) != string(b) {
		t.Errorf("the wall API's figures %s differ from the coverage API's %s", a, b)
	}
	var p pageCounters
	raw = eval[string](t, ctx, `JSON.stringify(`+pageCountersJS+`)`)
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatal(err)
	}
	want := pageCounters{Screened: cov.Grid.ScreenedToday, Households: cov.Grid.Households, Quarantined: cov.Grid.Quarantined,
		FeverAlerts: cov.Grid.FeverAlerts, OpenRequests: cov.Grid.OpenRequests, OverdueVisits: cov.Grid.OverdueVisits, VolunteersOnDuty: sum.VolunteersOnDuty,
		PartyMembers: sum.PartyMembers, RequestsOverdue: sum.RequestsOverdue, Text: p.Text}
	if fmt.Sprint(p) != fmt.Sprint(want) {
		t.Errorf("grid %d: the page shows %+v, the APIs say %+v", grid, p, want)
	}
	return sum
}

// wallLayoutJS measures the page: the smallest headline figure and the
// smallest other text (computed font sizes of elements with text of their
// own, outside the map's panes), and the elements that stick out of the
// viewport or out of the box that clips them.
const wallLayoutJS = `(() => {
	const W = innerWidth, H = innerHeight;
	const own = (e) => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
	const visible = (e) => e.offsetParent !== null || getComputedStyle(e).position === 'fixed';
	const size = (e) => parseFloat(getComputedStyle(e).fontSize);
	let fig = Infinity, label = Infinity, smallest = '';
	const figs = [...document.querySelectorAll('.wall-fig, .wall-fig *, .wall-time')].filter(e => own(e) && visible(e) && !e.closest('.wall-sub'));
	for (const e of figs) fig = Math.min(fig, size(e));
	const texts = [...document.querySelectorAll('body *')].filter(e => own(e) && visible(e) && !e.closest('.leaflet-pane, .leaflet-control-attribution, script, noscript, #toasts'));
	for (const e of texts) if (!figs.includes(e) && size(e) < label) { label = size(e); smallest = e.className + ': ' + e.textContent.trim().slice(0, 30); }
	const out = [];
	for (const e of [...document.querySelectorAll('body *')].filter(visible)) {
		if (e.closest('.leaflet-pane, .leaflet-control-container')) continue;
		const r = e.getBoundingClientRect();
		if (r.width === 0 && r.height === 0) continue;
		if (r.left < -0.5 || r.top < -0.5 || r.right > W + 0.5 || r.bottom > H + 0.5) out.push('viewport: ' + e.className + ' ' + e.id);
		const clip = e.parentElement && e.parentElement.closest('.wall-card, .wall-counter');
		if (clip) {
			const c = clip.getBoundingClientRect();
			if (r.bottom > c.bottom + 0.5 || r.right > c.right + 0.5) out.push('clipped: ' + e.className + ' "' + e.textContent.trim().slice(0, 20) + '"');
		}
	}
	const doc = document.documentElement;
	if (doc.scrollWidth > W || doc.scrollHeight > H) out.push('scroll: ' + doc.scrollWidth + 'x' + doc.scrollHeight);
	const labels = [...document.querySelectorAll('.leaflet-tooltip.grid-label, .cp-flag, .wall-q')].filter(e => visible(e) && e.textContent.trim() && getComputedStyle(e).visibility !== 'hidden');
	const mapText = labels.length ? Math.min(...labels.map(size)) : 0;
	return {fig, label, smallest, mapText, out: out.slice(0, 10), ranked: document.querySelectorAll('#wall-rank [data-grid]').length,
		alerts: document.querySelectorAll('#wall-feed [data-key]').length};
})()`

type wallLayout struct {
	Fig, Label float64
	MapText    float64 `json:"mapText"`
	Smallest   string
	Out        []string
	Ranked     int
	Alerts     int
}

func measureWall(t *testing.T, ctx context.Context) wallLayout {
	t.Helper()
	var l wallLayout
	if err := json.Unmarshal([]byte(eval[string](t, ctx, `JSON.stringify(`+wallLayoutJS+`)`)), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestWallBrowser opens the wall of the whole area through a wall link at
// 1920×1080 and at 3840×2160: the counters equal the wall API's and the
// coverage API's figures (asked with the page's own session); headline
// figures are at least 48 px and every other text at least 20 px at 1080p,
// and about twice that at 4K; nothing sticks out of the screen or out of
// its card, and there is no scroll bar. The feed holds the fever and the
// overdue request; the ranking lists the grids furthest behind.
func TestWallBrowser(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	wallScene(t, e)
	var sizes [2]wallLayout
	for i, size := range [][2]int{{1920, 1080}, {3840, 2160}} {
		ctx := openWall(t, e, 1, size[0], size[1], "")
		sum := checkCounters(t, ctx, 1)
		if sum.VolunteersOnDuty != 3 || sum.RequestsOverdue != 1 || sum.Figures.FeverAlerts != 1 || sum.Figures.OpenRequests != 2 || sum.PartyMembers != scalar[int](t, e, `SELECT count(*) FROM party_members`) {
			t.Errorf("the wall API says %+v; want 3 volunteers on duty, 1 overdue of 2 open requests, 1 fever alert, every party member", sum)
		}
		l := measureWall(t, ctx)
		sizes[i] = l
		scale := float64(size[0]) / 1920
		if l.Fig < 48*scale*0.9 || l.Label < 20*scale*0.9 || (i == 0 && (l.Fig < 48 || l.Label < 20)) {
			t.Errorf("%dx%d: smallest headline %.1f px, smallest text %.1f px (%s); want at least %.0f and %.0f", size[0], size[1], l.Fig, l.Label, l.Smallest, 48*scale, 20*scale)
		}
		if len(l.Out) > 0 {
			t.Errorf("%dx%d: out of place: %v", size[0], size[1], l.Out)
		}
		if l.MapText < 16*scale {
			t.Errorf("%dx%d: the map's smallest name or marker text is %.1f px; want at least %.0f", size[0], size[1], l.MapText, 16*scale)
		}
		if l.Ranked == 0 || l.Alerts < 2 {
			t.Errorf("%dx%d: %d grids ranked, %d alerts; want the ranking and the fever and overdue request", size[0], size[1], l.Ranked, l.Alerts)
		}
		kinds := eval[string](t, ctx, `[...document.querySelectorAll('#wall-feed [data-kind]')].map(e => e.dataset.kind).sort().join(',')`)
		if !strings.Contains(kinds, "fever") || !strings.Contains(kinds, "request") {
			t.Errorf("%dx%d: the feed holds %q; want a fever and an overdue request", size[0], size[1], kinds)
		}
		screenshot(t, ctx, fmt.Sprintf("wall-%d", size[0]))
	}
	if r := sizes[1].Fig / sizes[0].Fig; r < 1.8 {
		t.Errorf("headline figures grow %.2f× from 1080p to 4K; want about 2×", r)
	}
	if r := sizes[1].Label / sizes[0].Label; r < 1.8 {
		t.Errorf("labels grow %.2f× from 1080p to 4K; want about 2×", r)
	}
}

// TestWallBrowserLive: a fever screening reported through the API while
// the wall is open raises the fever and screened counters and puts the
// fever at the top of the feed, naming its compound grid; a quarantine
// raises its counter and marks its building on the map; all without a
// reload, and the counters then still equal the APIs'. No toast shows.
func TestWallBrowserLive(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	ctx := openWall(t, e, 1, 1920, 1080, "")
	before := eval[[]int](t, ctx, `['fever_alerts', 'screened'].map(n => Number(document.querySelector('#wall-counters [data-counter="' + n + '"]').dataset.value))`)
	eval[string](t, ctx, `document.body.dataset.sameDocument = 'yes'`)
	leader := e.client(t, "live-leader", auth.GridLeader, 10)
	hh := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 10 AND h.status = 'occupied'`)
	fieldPost(t, leader, "/api/screenings", map[string]any{"household_id": hh, "outcome": "fever", "temperature": 38.9}, 201)
	alert := scalar[int64](t, e, `SELECT max(id) FROM alerts WHERE kind = 'fever' AND household_id = $1`, hh)
	waitJS(t, ctx, "the fever on the wall", fmt.Sprintf(`(() => {
		const v = (n) => Number(document.querySelector('#wall-counters [data-counter="' + n + '"]').dataset.value);
		const top = document.querySelector('#wall-feed [data-key]');
		return v('fever_alerts') === %d && v('screened') === %d && !!top && top.dataset.key === 'alert:%d';
	})()`, before[0]+1, before[1]+1, alert), 15*time.Second)
	if got := eval[string](t, ctx, `document.querySelector('#wall-feed [data-key]').innerText`); !strings.Contains(got, "秦岭路123号院") || !strings.Contains(got, "发热") {
		t.Errorf("the feed's top line reads %q; want the fever in 秦岭路123号院", got)
	}
	if eval[string](t, ctx, `document.body.dataset.sameDocument || ''`) != "yes" {
		t.Error("the page reloaded")
	}
	time.Sleep(300 * time.Millisecond) // live.js adds toasts in batches
	if n := eval[int](t, ctx, `[...document.querySelectorAll('.toast')].filter(e => e.offsetParent !== null).length`); n != 0 {
		t.Errorf("%d toasts shown on the wall; want none", n)
	}
	// A quarantine: its building is marked on the map.
	fieldPost(t, leader, "/api/quarantines", map[string]any{"household_id": hh, "starts": time.Now().In(shanghai(t)).Format(time.DateOnly),
		"ends": time.Now().In(shanghai(t)).AddDate(0, 0, 14).Format(time.DateOnly), "reason": "fever"}, 201)
	building := scalar[int64](t, e, `SELECT building_id FROM households WHERE id = $1`, hh)
	waitJS(t, ctx, "the quarantined building", fmt.Sprintf(`!!document.querySelector('.wall-q[data-building-id="%d"]')
		&& document.querySelector('#wall-counters [data-counter="quarantined"]').dataset.value === '1'`, building), 15*time.Second)
	if eval[string](t, ctx, `document.body.dataset.sameDocument || ''`) != "yes" {
		t.Error("the page reloaded for the quarantine")
	}
	waitJS(t, ctx, "the summary", `document.body.dataset.summary === '1'`, 5*time.Second)
	time.Sleep(2 * time.Second) // the summary's debounced refresh
	checkCounters(t, ctx, 1)
	screenshot(t, ctx, "wall-live-fever")
}

// TestWallBrowserSignedOut: /wall with no session shows the message in
// both languages, never the login form and never /login; a wall link
// opened in another tab brings the wall back without touching the screen;
// opening a wall link shows the wall of the link's grid; revoking the link while the
// wall is open brings the message back (the stream closes with 4001),
// still at /wall.
func TestWallBrowserSignedOut(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	ctx := newBrowser(t, 1920, 1080)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/wall")); err != nil {
		t.Fatal(err)
	}
	signedOut := func(when string) {
		t.Helper()
		waitJS(t, ctx, "signed out "+when, `document.body.dataset.auth === 'none'`, 15*time.Second)
		text := eval[string](t, ctx, `document.body.innerText`)
		if !strings.Contains(text, "此屏幕未登录：请使用管理员发放的大屏链接打开") || !strings.Contains(text, "This screen is not signed in") {
			t.Errorf("%s: the screen reads %q; want the message in both languages", when, text)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('form, input, #wall-main:not([hidden])').length`); n != 0 {
			t.Errorf("%s: %d forms, inputs or wall parts shown", when, n)
		}
		if at := eval[string](t, ctx, `location.pathname`); at != "/wall" {
			t.Errorf("%s: the screen went to %s", when, at)
		}
		if size := eval[float64](t, ctx, `parseFloat(getComputedStyle(document.querySelector('#wall-signin .en')).fontSize)`); size < 28 {
			t.Errorf("%s: the English line is %.1f px", when, size)
		}
	}
	signedOut("with no session")
	screenshot(t, ctx, "wall-signed-out")

	// A link opened in another tab of this browser signs the screen in:
	// the signed-out wall finds the session when it next asks (every
	// minute, or at once when the network comes back) and shows the wall.
	admin := e.client(t, "admin", auth.Admin, 0)
	first := issueWallLink(t, admin, 2, 24)
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate(first.URL)); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, ctx, `window.dispatchEvent(new Event('online'))`)
	// The page reloads itself: queries fail while the document is replaced.
	for deadline := time.Now().Add(15 * time.Second); ; {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === 'complete' && document.body.dataset.auth === 'ok'`))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the signed-out wall did not come back: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	waitWall(t, ctx)
	if area := eval[string](t, ctx, `document.body.dataset.area`); area != "2" {
		t.Errorf("after a link in another tab the wall shows grid %s; want 2", area)
	}

	l := issueWallLink(t, admin, 3, 24)
	if err := chromedp.Do(ctx, chromedp.Navigate(l.URL)); err != nil {
		t.Fatal(err)
	}
	waitWall(t, ctx)
	if area := eval[string](t, ctx, `document.body.dataset.area + ' ' + document.getElementById('wall-area').textContent`); area != "3 桐柏北路社区" {
		t.Errorf("the link's wall shows %q; want grid 3, 桐柏北路社区", area)
	}
	checkCounters(t, ctx, 3)

	if r := admin.do("DELETE", fmt.Sprintf("/api/wall-links/%d", l.ID), nil); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	signedOut("after the link was revoked")
}

// TestWallBrowserAddress: the area, the metric and a tour come from the
// address: ?grid=2&metric=head&tour=1&dwell=5 shows community 2 coloured
// by buildings with a head, ranks its compounds by it, and moves on to a
// compound within a dwell; the counters follow the grid on screen. Values
// it cannot use fall back to the defaults with a notice; ?lang=en is
// English.
func TestWallBrowserAddress(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	ctx := openWall(t, e, 1, 1920, 1080, "/wall?grid=2&metric=head&tour=1&dwell=5")
	got := eval[string](t, ctx, `[document.body.dataset.area, document.body.dataset.view, document.body.dataset.choropleth,
		document.getElementById('wall-legend').dataset.metric, document.getElementById('wall-rank').dataset.metric, document.body.dataset.tour].join(' ')`)
	if got != "2 2 head_pct@3 head_pct head_pct 5" {
		t.Errorf("area, view, choropleth, legend, ranking, dwell: %q; want 2 2 head_pct@3 head_pct head_pct 5", got)
	}
	if stop := eval[string](t, ctx, `document.getElementById('wall-stop').textContent`); !strings.Contains(stop, "1/4") {
		t.Errorf("the header says %q at the tour's start; want 1/4", stop)
	}
	checkCounters(t, ctx, 2)
	screenshot(t, ctx, "wall-community-head")
	start := time.Now()
	waitJS(t, ctx, "the tour's next stop", `document.body.dataset.view !== '2' && document.body.dataset.summary === document.body.dataset.view`, 12*time.Second)
	if d := time.Since(start); d > 9*time.Second {
		t.Errorf("the tour moved after %v; want the 5 s dwell", d)
	}
	view := eval[string](t, ctx, `document.body.dataset.view`)
	if view != "9" {
		t.Errorf("the tour's first stop is grid %s; want 9, the first compound of community 2", view)
	}
	if stop := eval[string](t, ctx, `document.getElementById('wall-stop').textContent`); !strings.Contains(stop, "桐柏路61号院") || !strings.Contains(stop, "2/4") {
		t.Errorf("the header says %q; want the stop's name and 2/4", stop)
	}
	checkCounters(t, ctx, 9)
	screenshot(t, ctx, "wall-tour-stop")

	if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/wall?grid=99999&metric=bogus&dwell=2&lang=xx")); err != nil {
		t.Fatal(err)
	}
	waitWall(t, ctx)
	got = eval[string](t, ctx, `[document.body.dataset.area, document.body.dataset.metric,
		...[...document.querySelectorAll('#notices .notice')].map(n => n.id).sort()].join(' ')`)
	if got != "1 screened_pct notice-bad-dwell notice-bad-grid notice-bad-lang notice-bad-metric" {
		t.Errorf("bad values: %q; want area 1, screened_pct and a notice for each", got)
	}
	screenshot(t, ctx, "wall-bad-address")

	if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/wall?lang=en")); err != nil {
		t.Fatal(err)
	}
	waitWall(t, ctx)
	if got := eval[string](t, ctx, `document.documentElement.lang + ' ' + document.querySelector('[data-counter="fever_alerts"] .wall-label').textContent`); got != "en Fever alerts" {
		t.Errorf("?lang=en: %q", got)
	}
	l := measureWall(t, ctx)
	if l.Label < 20 || l.Fig < 48 || len(l.Out) > 0 {
		t.Errorf("in English: smallest text %.1f px (%s), headline %.1f px, out of place %v", l.Label, l.Smallest, l.Fig, l.Out)
	}
	screenshot(t, ctx, "wall-en")
}
