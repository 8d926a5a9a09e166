package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// The planner's editor, /plan, in a real browser against a real server
// over the demo database: Leaflet-Geoman is driven with real mouse clicks
// at points worked out from coordinates.

// planXY is the page's pixel of a WGS84 point on the planner's map.
func planXY(t *testing.T, ctx context.Context, lon, lat float64) (float64, float64) {
	t.Helper()
	return mapXY(t, ctx, lon, lat)
}

// clickAt clicks the planner's map at a WGS84 point.
func clickAt(t *testing.T, ctx context.Context, lon, lat float64) {
	t.Helper()
	x, y := planXY(t, ctx, lon, lat)
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(x, y)); err != nil {
		t.Fatal(err)
	}
}

// pointAt moves the mouse to a WGS84 point and clicks there, as a hand
// does: Geoman snaps its hint to a nearby vertex on the move.
func pointAt(t *testing.T, ctx context.Context, lon, lat float64) {
	t.Helper()
	x, y := planXY(t, ctx, lon, lat)
	if err := chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, x+3, y+2)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, x, y)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(x, y)); err != nil {
		t.Fatal(err)
	}
}

// clickSel clicks the element a CSS selector finds, once it is enabled
// and has stopped moving. It scrolls the element to the middle at once
// (ending any smooth scroll the page started) and waits until its box is
// the same for several frames and nothing covers its centre, so the
// click lands where a hand would tap, not where the element was a frame
// ago. A live page may redraw it between finding and clicking: find it
// again.
func clickSel(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		waitJS(t, ctx, "enabled "+sel, fmt.Sprintf(`(b => !!b && !b.disabled)(document.querySelector(%q))`, sel), 20*time.Second)
		settled := tryJS(ctx, fmt.Sprintf(`new Promise(done => {
			const el = document.querySelector(%q);
			if (!el) return done(false);
			el.scrollIntoView({block: 'center', inline: 'nearest', behavior: 'instant'});
			let last = '', same = 0, ticks = 0;
			const tick = () => {
				if (!el.isConnected) return done(false);
				const r = el.getBoundingClientRect();
				const now = [r.x, r.y, r.width, r.height].map(Math.round).join();
				same = now === last ? same + 1 : 0;
				last = now;
				if (same < 2 && ++ticks < 40) return setTimeout(tick, 50);
				const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
				done(!!top && (el === top || el.contains(top)));
			};
			setTimeout(tick, 50);
		})`, sel), 5*time.Second)
		var err error
		if settled {
			err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
		}
		if settled && err == nil {
			return
		}
		if attempt < 8 && (err == nil || strings.Contains(err.Error(), "node")) {
			t.Logf("click %s: attempt %d: settled %v, %v", sel, attempt, settled, err)
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if err == nil {
			screenshot(t, ctx, "failed-click")
			t.Fatalf("click %s: it kept moving or stayed covered", sel)
		}
		t.Fatalf("click %s: %v", sel, err)
	}
}

// clickUntil clicks the element sel finds until the JavaScript condition
// done holds: a click a redraw swallowed is made again, but never once
// done holds (the head of a list item opens and closes it).
func clickUntil(t *testing.T, ctx context.Context, sel, what, done string) {
	t.Helper()
	for range 3 {
		if tryJS(ctx, done, 10*time.Millisecond) {
			return
		}
		clickSel(t, ctx, sel)
		if tryJS(ctx, done, 5*time.Second) {
			return
		}
		t.Logf("click %s: %s did not follow", sel, what)
	}
	waitJS(t, ctx, what, done, 20*time.Second)
}

// visibleJS is a condition: the element sel finds is shown.
func visibleJS(sel string) string {
	return fmt.Sprintf(`(e => !!e && e.offsetParent !== null)(document.querySelector(%q))`, sel)
}

// ring is the outer ring of a grid's current boundary (its largest part).
func ring(t *testing.T, e *env, id int64) [][2]float64 {
	t.Helper()
	var gj string
	if err := e.conn.QueryRow(context.Background(),
		`SELECT ST_AsGeoJSON(ST_ExteriorRing((SELECT d.geom FROM ST_Dump((SELECT geom FROM current_grids WHERE id = $1)) d
		        ORDER BY ST_Area(d.geom) DESC LIMIT 1)))`, id).Scan(&gj); err != nil {
		t.Fatal(err)
	}
	var line struct{ Coordinates [][2]float64 }
	if err := json.Unmarshal([]byte(gj), &line); err != nil {
		t.Fatal(err)
	}
	return line.Coordinates[:len(line.Coordinates)-1] // open the ring
}

// metres converts a step in metres east and north at lat into degrees.
func metres(lat, east, north float64) (float64, float64) {
	return east / (111320 * math.Cos(lat*math.Pi/180)), north / 110540
}

// cornerLine is a line that cuts a small triangle (legs of leg metres)
// off the grid's south-west-most vertex, which is convex, running over
// by `over` metres on both sides.
func cornerLine(r [][2]float64, leg, over float64) (a, b [2]float64) {
	k := 0
	for i, p := range r {
		if p[0]+p[1] < r[k][0]+r[k][1] {
			k = i
		}
	}
	v, prev, next := r[k], r[(k+len(r)-1)%len(r)], r[(k+1)%len(r)]
	along := func(to [2]float64, m float64) [2]float64 {
		ex, ny := metres(v[1], 1, 1) // degrees per metre
		dx, dy := (to[0]-v[0])/ex, (to[1]-v[1])/ny
		l := math.Hypot(dx, dy)
		return [2]float64{v[0] + dx/l*m*ex, v[1] + dy/l*m*ny}
	}
	p, q := along(prev, leg), along(next, leg)
	ex, ny := metres(v[1], 1, 1)
	dx, dy := (q[0]-p[0])/ex, (q[1]-p[1])/ny
	l := math.Hypot(dx, dy)
	a = [2]float64{p[0] - dx/l*over*ex, p[1] - dy/l*over*ny}
	b = [2]float64{q[0] + dx/l*over*ex, q[1] + dy/l*over*ny}
	return a, b
}

// openPlanner logs in as the planner on /plan.
func openPlanner(t *testing.T, e *env, password string, width, height int, phone bool) context.Context {
	t.Helper()
	ctx := newBrowser(t, width, height)
	if phone {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
			t.Fatal(err)
		}
	}
	login(t, ctx, e.ts.URL, "/plan", "planner", password)
	return ctx
}

// newDraftOf creates a draft through the page's form.
func newDraftOf(t *testing.T, ctx context.Context, root int64, name string) {
	t.Helper()
	waitJS(t, ctx, "root choices", fmt.Sprintf(`!!document.querySelector('#pl-new-root option[value="%d"]')`, root), 20*time.Second)
	eval[bool](t, ctx, fmt.Sprintf(`(s => (s.value = '%d', s.dispatchEvent(new Event('change')), true))(document.getElementById('pl-new-root'))`, root))
	eval[bool](t, ctx, `document.getElementById('pl-new-name').value = '', true`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#pl-new-name"), name)); err != nil {
		t.Fatal(err)
	}
	clickSel(t, ctx, "#pl-new-submit")
	waitJS(t, ctx, "draft open", `!!document.body.dataset.draft && document.querySelectorAll('path.plan-grid').length > 0`, 20*time.Second)
}

// planShown is what the checks panel and the publish card show.
type planShown struct {
	Revision int
	Grids    int
	Errors   int
	Warnings int
	Codes    []string
	Problems int // problem areas drawn on the map
	Publish  bool
}

const planShownJS = `(() => {
	const sum = document.getElementById('pl-checks-sum');
	return {
		revision: Number(document.body.dataset.revision),
		grids: document.querySelectorAll('path.plan-grid-l3').length,
		errors: Number(sum.dataset.errors),
		warnings: Number(sum.dataset.warnings),
		codes: [...document.querySelectorAll('#pl-problems .pl-problem')].map(li => li.dataset.severity + ':' + li.dataset.code),
		problems: document.querySelectorAll('path.plan-problem').length,
		publish: !document.getElementById('pl-pub-submit').disabled,
	};
})()`

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestPlanBrowserSplit: a planner opens a draft of 协作路社区 (grid 2),
// splits a compound grid with a line that leaves a sliver (an error shown
// in the checks panel and on the map; publishing disabled), undoes it,
// splits it again along a good line (no errors), previews the impact,
// acknowledges the warnings and publishes. A map already open on / as
// admin draws the new compound grid from the stream, without a reload.
func TestPlanBrowserSplit(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, plannerPW := e.account(t, "planner", auth.Planner, 0, 0)
	_, adminPW := e.account(t, "admin", auth.Admin, 0, 0)
	const grid = 11 // a compound grid of 协作路社区
	r := ring(t, e, grid)
	lon, lat := pointIn(t, e, grid)

	ctx := openPlanner(t, e, plannerPW, 1400, 900, false)
	screenshot(t, ctx, "plan-start-zh")
	newDraftOf(t, ctx, 2, "协作路社区 分割测试")
	waitJS(t, ctx, "three compound grids", `document.querySelectorAll('path.plan-grid-l3').length === 3 && !!document.querySelector('.plan-root')`, 20*time.Second)
	screenshot(t, ctx, "plan-draft-zh")

	// Select the compound grid by clicking it on the map.
	clickAt(t, ctx, lon, lat)
	waitJS(t, ctx, "grid selected", fmt.Sprintf(`!!document.querySelector('#pl-sel li[data-grid-id="%d"]') && !!document.querySelector('path.plan-grid.is-selected[data-grid-id="%d"]')`, grid, grid), 5*time.Second)
	before := eval[planShown](t, ctx, planShownJS)

	// Split off a corner triangle with 4 m legs: a sliver.
	clickSel(t, ctx, `.pl-tool[data-tool="split"]`)
	waitJS(t, ctx, "split mode", `document.getElementById('pl-hint').dataset.tool === 'split' && document.getElementById('map').classList.contains('plan-drawing')`, 5*time.Second)
	a, b := cornerLine(r, 4, 6)
	clickAt(t, ctx, a[0], a[1])
	clickAt(t, ctx, b[0], b[1])
	clickSel(t, ctx, "#pl-hint-finish")
	waitJS(t, ctx, "sliver error", fmt.Sprintf(`Number(document.body.dataset.revision) > %d && !!document.querySelector('#pl-problems .pl-problem[data-code="sliver"][data-severity="error"]')`, before.Revision), 20*time.Second)
	sliver := eval[planShown](t, ctx, planShownJS)
	if sliver.Grids != 4 || sliver.Errors == 0 || !has(sliver.Codes, "error:sliver") || sliver.Publish {
		t.Errorf("after the sliver split the page shows %+v, want 4 compound grids, a sliver error and publishing disabled", sliver)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('path.plan-problem-error').length`); n == 0 {
		t.Error("the sliver is not highlighted on the map")
	}
	// Its row zooms the map to it and flashes it.
	clickSel(t, ctx, `#pl-problems .pl-problem[data-code="sliver"]`)
	waitJS(t, ctx, "sliver flashes", `!!document.querySelector('path.plan-problem-error.plan-flash')`, 3*time.Second)
	chromedp.Do(ctx, chromedp.Sleep(900*time.Millisecond))
	screenshot(t, ctx, "plan-sliver-zh")

	// Undo: back to the three grids, no sliver.
	clickSel(t, ctx, `.pl-tool[data-tool="undo"]`)
	waitJS(t, ctx, "undone", `document.querySelectorAll('path.plan-grid-l3').length === 3 && !document.querySelector('#pl-problems .pl-problem[data-code="sliver"]')`, 20*time.Second)
	clickSel(t, ctx, `.pl-tool[data-tool="fit"]`) // the sliver's row zoomed in
	chromedp.Do(ctx, chromedp.Sleep(400*time.Millisecond))

	// Split again, through the middle from south to north.
	clickAt(t, ctx, lon, lat)
	waitJS(t, ctx, "grid selected again", fmt.Sprintf(`!!document.querySelector('#pl-sel li[data-grid-id="%d"]')`, grid), 5*time.Second)
	minY, maxY, midX := r[0][1], r[0][1], 0.0
	minX, maxX := r[0][0], r[0][0]
	for _, p := range r {
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
	}
	midX = (minX + maxX) / 2
	_, over := metres(minY, 0, 12)
	clickSel(t, ctx, `.pl-tool[data-tool="split"]`)
	waitJS(t, ctx, "split mode again", `document.getElementById('map').classList.contains('plan-drawing')`, 5*time.Second)
	clickAt(t, ctx, midX, minY-over)
	clickAt(t, ctx, midX, maxY+over)
	clickSel(t, ctx, "#pl-hint-finish")
	waitJS(t, ctx, "good split", `document.querySelectorAll('path.plan-grid-l3').length === 4 && document.getElementById('pl-checks-sum').dataset.errors === '0'`, 20*time.Second)
	good := eval[planShown](t, ctx, planShownJS)
	if good.Errors != 0 || has(good.Codes, "error:sliver") {
		t.Errorf("after the good split the page shows %+v, want no errors", good)
	}
	screenshot(t, ctx, "plan-split-zh")

	// Rename one part and clear its leader with the form: a no_leader
	// warning, which publishing needs acknowledged.
	part := eval[string](t, ctx, `[...document.querySelectorAll('#pl-grid-pick option')].find(o => o.textContent.includes('秦岭路159号院 1')).value`)
	eval[bool](t, ctx, fmt.Sprintf(`(s => (s.value = '%s', s.dispatchEvent(new Event('change')), true))(document.getElementById('pl-grid-pick'))`, part))
	waitJS(t, ctx, "edit form", `!document.getElementById('pl-edit').hidden && document.getElementById('pl-edit-name').value === '秦岭路159号院 1'`, 5*time.Second)
	eval[bool](t, ctx, `document.getElementById('pl-edit-name').value = '', document.getElementById('pl-edit-leader').value = '', true`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#pl-edit-name"), "秦岭路159号院西")); err != nil {
		t.Fatal(err)
	}
	clickSel(t, ctx, "#pl-edit-submit")
	waitJS(t, ctx, "renamed, no leader", `[...document.querySelectorAll('.plan-label')].some(l => l.textContent.startsWith('秦岭路159号院西')) && !!document.querySelector('#pl-problems .pl-problem[data-code="no_leader"][data-severity="warning"]')`, 20*time.Second)
	if eval[bool](t, ctx, `!document.getElementById('pl-pub-submit').disabled`) {
		t.Error("publishing is enabled before the warning is acknowledged")
	}

	// The impact preview lists the grids before and after.
	clickSel(t, ctx, "#pl-impact-load")
	waitJS(t, ctx, "impact rows", `document.querySelectorAll('#pl-impact-body tbody tr').length > 0`, 20*time.Second)
	rows := eval[[]string](t, ctx, `[...document.querySelectorAll('#pl-impact-body tbody tr')].map(tr => tr.dataset.status + ':' + tr.dataset.gridId)`)
	if !has(rows, fmt.Sprintf("retired:%d", grid)) {
		t.Errorf("impact rows %v: want grid %d retired", rows, grid)
	}
	eval[bool](t, ctx, `document.getElementById('pl-impact').scrollIntoView(), true`)
	screenshot(t, ctx, "plan-impact-zh")

	// The map open on / as admin, before the publication.
	admin := newBrowser(t, 1200, 800)
	login(t, admin, e.ts.URL, "/", "admin", adminPW)
	if err := chromedp.Do(admin, chromedp.WaitVisible(chromedp.CSS(`body[data-live="live"]`))); err != nil {
		t.Fatal(err)
	}
	if n := eval[int](t, admin, `document.querySelectorAll('path.grid-l3').length`); n != 23 {
		t.Fatalf("the map draws %d compound grids before the publication, want 23", n)
	}

	// Acknowledge each warning, add a note, publish.
	codes := eval[[]string](t, ctx, `[...document.querySelectorAll('#pl-pub-warnings .pl-ack')].map(d => d.dataset.code)`)
	if !has(codes, "no_leader") {
		t.Errorf("warnings to acknowledge: %v, want no_leader", codes)
	}
	for _, code := range codes {
		clickSel(t, ctx, "#pl-ack-"+code)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#pl-pub-note"), "浏览器测试：分割秦岭路159号院")); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, ctx, `document.getElementById('pl-publish').scrollIntoView(), true`)
	screenshot(t, ctx, "plan-publish-zh")
	clickSel(t, ctx, "#pl-pub-submit")
	waitJS(t, ctx, "published", `!!document.getElementById('pl-pub-ok')`, 20*time.Second)
	pub := eval[string](t, ctx, `document.getElementById('pl-pub-ok').dataset.publicationId`)
	if n := scalar[int](t, e, `SELECT count(*) FROM current_grids WHERE level = 3`); n != 24 {
		t.Errorf("after publication %s the database has %d compound grids, want 24", pub, n)
	}
	screenshot(t, ctx, "plan-published-zh")

	// The admin's map redraws from the boundaries event.
	waitJS(t, admin, "24 compound grids on the map", `document.querySelectorAll('path.grid-l3').length === 24 &&
		[...document.querySelectorAll('.grid-label')].some(l => l.textContent === '秦岭路159号院西')`, 8*time.Second)
	chromedp.Do(admin, chromedp.Sleep(500*time.Millisecond))
	screenshot(t, admin, "plan-map-after")
	if !eval[bool](t, ctx, `document.getElementById('pl-foreign').hidden`) {
		t.Error("the planner's own publication raised the banner for someone else's")
	}
}

// smallTargetsJS lists the visible controls of the planner's page that are
// less than 44 px tall (or wide): buttons, fields, ticks' labels, tools.
const smallTargetsJS = `(() => {
	const out = [];
	const sel = '#pl-side button, #pl-side select, #pl-side input:not([type=checkbox]), #pl-side textarea, #pl-side summary, .pl-ack-label, #pl-tools button, #pl-hint button';
	for (const n of document.querySelectorAll(sel)) {
		const r = n.getBoundingClientRect();
		if (!r.width || !r.height || n.closest('[hidden]')) continue;
		if (r.height < 43.5 || r.width < 43.5) out.push((n.id || n.className || n.tagName) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
	}
	return out;
})()`

// TestPlanBrowserPhone: the planner's page on a 390x844 phone: the cards
// sit below the map, every control is a 44 px tap target, nothing scrolls
// sideways, in Chinese and English; a publication by another planner in
// the draft's community raises the banner, publishing the draft is then
// refused with the grids that changed, and a new draft starts from the
// current boundaries.
func TestPlanBrowserPhone(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, pw := e.account(t, "planner", auth.Planner, 0, 0)
	other := e.client(t, "planner2", auth.Planner, 0)
	ctx := openPlanner(t, e, pw, 390, 844, true)
	screenshot(t, ctx, "plan-phone-start-zh")
	newDraftOf(t, ctx, 2, "手机草稿")
	lon, lat := pointIn(t, e, 9)
	clickAt(t, ctx, lon, lat)
	waitJS(t, ctx, "grid selected", `!!document.querySelector('#pl-sel li[data-grid-id="9"]')`, 5*time.Second)
	chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond))
	screenshot(t, ctx, "plan-phone-draft-zh")
	if small := eval[[]string](t, ctx, smallTargetsJS); len(small) > 0 {
		t.Errorf("controls smaller than 44 px on the phone: %v", small)
	}
	if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth || document.getElementById('pl-side').scrollWidth > document.getElementById('pl-side').clientWidth`) {
		t.Error("the phone page scrolls sideways")
	}
	// The split tool's hint lies under the map, over the cards.
	clickSel(t, ctx, `.pl-tool[data-tool="split"]`)
	waitJS(t, ctx, "split hint", `!document.getElementById('pl-hint').hidden && !!document.getElementById('pl-hint-cancel')`, 5*time.Second)
	if small := eval[[]string](t, ctx, smallTargetsJS); len(small) > 0 {
		t.Errorf("controls smaller than 44 px on the phone while splitting: %v", small)
	}
	if eval[bool](t, ctx, `(h => h.top < document.getElementById('map').getBoundingClientRect().bottom - 1)(document.getElementById('pl-hint').getBoundingClientRect())`) {
		t.Error("on the phone the hint covers the map")
	}
	screenshot(t, ctx, "plan-phone-split-zh")
	clickSel(t, ctx, "#pl-hint-cancel")
	eval[bool](t, ctx, `document.getElementById('pl-edit').scrollIntoView(), true`)
	screenshot(t, ctx, "plan-phone-edit-zh")

	setLangEN(t, ctx)
	if got := eval[string](t, ctx, `document.querySelector('.pl-tool[data-tool="split"]').getAttribute('aria-label')`); got == "" || got[:5] != "Split" {
		t.Errorf("English split tool is labelled %q", got)
	}
	if small := eval[[]string](t, ctx, smallTargetsJS); len(small) > 0 {
		t.Errorf("controls smaller than 44 px on the phone in English: %v", small)
	}
	eval[bool](t, ctx, `document.getElementById('pl-side').scrollTop = 0, true`)
	screenshot(t, ctx, "plan-phone-en")

	// Another planner publishes a change in the same community.
	var d struct {
		ID       int64
		Revision int
	}
	if r := other.do("POST", "/api/drafts", map[string]any{"root_id": 2, "name": "other"}); r.Status != 201 {
		t.Fatalf("other planner's draft: %d %s", r.Status, r.Body)
	} else {
		json.Unmarshal(r.Body, &d)
	}
	// A vertex grids 9 and 11 share, moved 10 m north.
	v := sharedVertex(ring(t, e, 9), ring(t, e, 11), ring(t, e, 10))
	_, north := metres(v[1], 0, 10)
	if r := other.do("POST", fmt.Sprintf("/api/drafts/%d/ops", d.ID), map[string]any{"op": "move_vertex", "from": v, "to": [2]float64{v[0], v[1] + north}, "revision": d.Revision}); r.Status != 200 {
		t.Fatalf("other planner's vertex: %d %s", r.Status, r.Body)
	} else {
		json.Unmarshal(r.Body, &d)
	}
	if r := other.do("POST", fmt.Sprintf("/api/drafts/%d/publish", d.ID), map[string]any{"revision": d.Revision, "note": "rename"}); r.Status != 200 {
		t.Fatalf("other planner's publish: %d %s", r.Status, r.Body)
	}
	waitJS(t, ctx, "banner", `!document.getElementById('pl-foreign').hidden`, 20*time.Second)
	screenshot(t, ctx, "plan-phone-foreign-en")

	// Publishing this draft now is refused (409): the page lists the grid
	// that changed and starts a new draft from the current boundaries.
	before := eval[string](t, ctx, `document.body.dataset.draft`)
	eval[bool](t, ctx, `document.getElementById('pl-publish').scrollIntoView(), true`)
	clickSel(t, ctx, "#pl-pub-submit")
	waitJS(t, ctx, "conflict", `!!document.getElementById('pl-conflict') && document.querySelectorAll('#pl-conflict li').length > 0`, 20*time.Second)
	if got := eval[string](t, ctx, `document.querySelector('#pl-conflict ul').textContent`); got == "" {
		t.Error("the refused publication names no grid")
	}
	eval[bool](t, ctx, `document.getElementById('pl-conflict').scrollIntoView(), true`)
	screenshot(t, ctx, "plan-phone-conflict-en")
	clickSel(t, ctx, "#pl-conflict-new")
	waitJS(t, ctx, "new draft", fmt.Sprintf(`document.body.dataset.draft !== '' && document.body.dataset.draft !== %q && document.body.dataset.revision === '0'`, before), 20*time.Second)
	if !eval[bool](t, ctx, `document.getElementById('pl-foreign').hidden && !document.getElementById('pl-conflict')`) {
		t.Error("the new draft still shows the banner or the refusal")
	}
}

// dragXY drags with the left button from one page point to another in steps.
func dragXY(t *testing.T, ctx context.Context, x0, y0, x1, y1 float64) {
	t.Helper()
	acts := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(chromedp.MouseMoved, x0, y0),
		chromedp.MouseEvent(chromedp.MousePressed, x0, y0, chromedp.ButtonLeft, chromedp.ClickCount(1)),
	}
	for i := 1; i <= 8; i++ {
		f := float64(i) / 8
		acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, x0+(x1-x0)*f, y0+(y1-y0)*f, chromedp.ButtonLeft), chromedp.Sleep(30*time.Millisecond))
	}
	acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, x1, y1, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	for _, a := range acts {
		if err := chromedp.Do(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
}

// sharedVertex is a vertex of grids a and b that no other ring given has,
// the middle one of those along a's ring.
func sharedVertex(a, b [][2]float64, not ...[][2]float64) [2]float64 {
	key := func(p [2]float64) string { return fmt.Sprintf("%.7f,%.7f", p[0], p[1]) }
	in := func(r [][2]float64) map[string]bool {
		m := map[string]bool{}
		for _, p := range r {
			m[key(p)] = true
		}
		return m
	}
	inB := in(b)
	var shared [][2]float64
	for _, p := range a {
		ok := inB[key(p)]
		for _, r := range not {
			if in(r)[key(p)] {
				ok = false
			}
		}
		if ok {
			shared = append(shared, p)
		}
	}
	return shared[len(shared)/2]
}

// TestPlanBrowserEdit: a shared vertex dragged with Geoman moves for both
// grids (move_vertex: no overlap, no gap); a vertex added on an edge (a
// reshape); two neighbours merged and the
// merge undone; a grid deleted (a gap) and drawn again point by point
// with snapping, named in the add form: the gap is gone.
func TestPlanBrowserEdit(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, pw := e.account(t, "planner", auth.Planner, 0, 0)
	r9, r10, r11 := ring(t, e, 9), ring(t, e, 10), ring(t, e, 11)
	ctx := openPlanner(t, e, pw, 1400, 900, false)
	newDraftOf(t, ctx, 2, "编辑测试")
	path := func(id int) string {
		return eval[string](t, ctx, fmt.Sprintf(`document.querySelector('path.plan-grid[data-grid-id="%d"]').getAttribute('d')`, id))
	}

	// Drag the vertex grids 9 and 11 share 25 m north.
	lon9, lat9 := pointIn(t, e, 9)
	clickAt(t, ctx, lon9, lat9)
	clickSel(t, ctx, `.pl-tool[data-tool="edit"]`)
	waitJS(t, ctx, "vertex markers", `document.querySelectorAll('.marker-icon:not(.marker-icon-middle)').length >= 10`, 5*time.Second)
	v := sharedVertex(r9, r11, r10)
	d9, d11 := path(9), path(11)
	x0, y0 := planXY(t, ctx, v[0], v[1])
	_, north := metres(v[1], 0, 25)
	x1, y1 := planXY(t, ctx, v[0], v[1]+north)
	dragXY(t, ctx, x0, y0, x1, y1)
	waitJS(t, ctx, "vertex moved", `document.body.dataset.revision === '1'`, 20*time.Second)
	moved := eval[planShown](t, ctx, planShownJS)
	if moved.Errors != 0 || path(9) == d9 || path(11) == d11 {
		t.Errorf("after dragging a shared vertex: %+v, grid 9 redrawn %v, grid 11 redrawn %v; want no errors and both moved",
			moved, path(9) != d9, path(11) != d11)
	}
	screenshot(t, ctx, "plan-vertex-zh")

	// A click on an edge's mid-point adds a vertex: a reshape of grid 9.
	waitJS(t, ctx, "edit mode again", `document.querySelectorAll('.marker-icon-middle').length > 0`, 5*time.Second)
	mid := eval[[]float64](t, ctx, `(r => [r.left + r.width / 2, r.top + r.height / 2])(document.querySelectorAll('.marker-icon-middle')[3].getBoundingClientRect())`)
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(mid[0], mid[1])); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "vertex added", `document.body.dataset.revision === '2'`, 20*time.Second)
	if n := eval[int](t, ctx, `Number(document.getElementById('pl-checks-sum').dataset.errors)`); n != 0 {
		t.Errorf("a vertex added on an edge leaves %d errors", n)
	}
	clickSel(t, ctx, `.pl-tool[data-tool="select"]`)
	clickSel(t, ctx, `.pl-tool[data-tool="undo"]`)
	waitJS(t, ctx, "vertex added undone", `document.body.dataset.revision === '1'`, 20*time.Second)
	clickSel(t, ctx, `.pl-tool[data-tool="undo"]`)
	waitJS(t, ctx, "vertex back", `document.body.dataset.revision === '0'`, 20*time.Second)

	// Merge 9 and 11, then undo.
	lon11, lat11 := pointIn(t, e, 11)
	clickSel(t, ctx, `.pl-tool[data-tool="merge"]`) // 9 is still selected: one more grid
	clickAt(t, ctx, lon11, lat11)
	clickSel(t, ctx, "#pl-hint-merge")
	waitJS(t, ctx, "merge dialog", `document.getElementById('pl-dialog').open`, 5*time.Second)
	screenshot(t, ctx, "plan-merge-dialog-zh")
	clickSel(t, ctx, "#pl-dialog-ok")
	waitJS(t, ctx, "merged", `document.querySelectorAll('path.plan-grid-l3').length === 2 && document.querySelectorAll('path.plan-grid[data-status="new"]').length === 1`, 20*time.Second)
	if n := eval[int](t, ctx, `Number(document.getElementById('pl-checks-sum').dataset.errors)`); n != 0 {
		t.Errorf("the merge leaves %d errors", n)
	}
	// Undo with the keyboard.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "merge undone", `document.querySelectorAll('path.plan-grid-l3').length === 3 && !document.querySelector('path.plan-grid[data-status="new"]')`, 20*time.Second)

	// Delete 10: a gap.
	lon10, lat10 := pointIn(t, e, 10)
	clickAt(t, ctx, lon10, lat10)
	clickSel(t, ctx, `.pl-tool[data-tool="delete"]`)
	waitJS(t, ctx, "delete dialog", `document.getElementById('pl-dialog').open`, 5*time.Second)
	clickSel(t, ctx, "#pl-dialog-ok")
	waitJS(t, ctx, "gap", `document.querySelectorAll('path.plan-grid-l3').length === 2 && !!document.querySelector('#pl-problems .pl-problem[data-code="gap"]')`, 20*time.Second)
	screenshot(t, ctx, "plan-gap-zh")

	// Draw it again along its old boundary, and name it.
	clickSel(t, ctx, `.pl-tool[data-tool="draw"]`)
	waitJS(t, ctx, "draw mode", `document.getElementById('map').classList.contains('plan-drawing')`, 5*time.Second)
	for _, p := range r10 {
		pointAt(t, ctx, p[0], p[1])
	}
	pointAt(t, ctx, r10[0][0], r10[0][1]) // back on the first point closes it
	waitJS(t, ctx, "add dialog", `document.getElementById('pl-dialog').open && !!document.getElementById('pl-dlg-name')`, 5*time.Second)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#pl-dlg-name"), "秦岭路新院")); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "plan-add-dialog-zh")
	clickSel(t, ctx, "#pl-dialog-ok")
	waitJS(t, ctx, "added", `!document.getElementById('pl-dialog').open && document.querySelectorAll('path.plan-grid-l3').length === 3 &&
		[...document.querySelectorAll('.plan-label')].some(l => l.textContent.startsWith('秦岭路新院'))`, 10*time.Second)
	added := eval[planShown](t, ctx, planShownJS)
	if has(added.Codes, "error:gap") || has(added.Codes, "error:overlap") || has(added.Codes, "error:building_unassigned") {
		t.Errorf("the grid drawn along the old boundary leaves %v", added.Codes)
	}
	screenshot(t, ctx, "plan-added-zh")
	setLangEN(t, ctx)
	if got := eval[string](t, ctx, `document.querySelector('#pl-problems .pl-problem, #pl-problems .pl-problem-none').textContent`); got == "" || !isASCIIStart(got) {
		t.Errorf("in English the checks panel shows %q", got)
	}
	screenshot(t, ctx, "plan-added-en")
}

func isASCIIStart(s string) bool { return s != "" && s[0] < 0x80 }

// sessionFor is a second HTTP session of an existing account (another
// tab of the same planner).
func sessionFor(t *testing.T, e *env, accountID int64) *client {
	t.Helper()
	plain, hash := auth.NewToken("gms_")
	if err := e.db.Store.CreateSession(context.Background(), accountID, hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(mustURL(e.ts.URL), []*http.Cookie{{Name: "gridmap_session", Value: plain}})
	return &client{t: t, base: e.ts.URL, http: &http.Client{Jar: jar}, accountID: accountID}
}

// renameThroughForm selects a grid with the picker and saves a new name.
func renameThroughForm(t *testing.T, ctx context.Context, id int, name string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(s => (s.value = '%d', s.dispatchEvent(new Event('change')), true))(document.getElementById('pl-grid-pick'))`, id))
	waitJS(t, ctx, "edit form", `!document.getElementById('pl-edit').hidden`, 5*time.Second)
	eval[bool](t, ctx, `document.getElementById('pl-edit-name').value = '', true`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#pl-edit-name"), name)); err != nil {
		t.Fatal(err)
	}
	clickSel(t, ctx, "#pl-edit-submit")
}

func labelJS(name string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('.plan-label')].some(l => l.textContent.startsWith(%q))`, name)
}

// TestPlanBrowserConflictOffline: another tab of the same planner moves
// the draft on, so the page's next operation gets a 409: the page reloads
// the draft, says so, and keeps what was typed. With the server out of
// reach the page says it is unavailable, keeps the typed name, and sends
// it once the server answers again.
func TestPlanBrowserConflictOffline(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	id, pw := e.account(t, "planner", auth.Planner, 0, 0)
	ctx := openPlanner(t, e, pw, 1400, 900, false)
	newDraftOf(t, ctx, 2, "冲突测试")
	draft := eval[string](t, ctx, `document.body.dataset.draft`)

	// The other tab renames grid 10.
	tab := sessionFor(t, e, id)
	var d struct{ Revision int }
	if tab.get("/api/drafts/"+draft, &d) != 200 {
		t.Fatal("the other tab cannot read the draft")
	}
	if r := tab.do("POST", "/api/drafts/"+draft+"/ops", map[string]any{"op": "update", "id": 10, "name": "秦岭路123号院（另一窗口）", "revision": d.Revision}); r.Status != 200 {
		t.Fatalf("other tab's rename: %d %s", r.Status, r.Body)
	}

	// This tab renames grid 9 on the old revision: 409, reload, notice.
	renameThroughForm(t, ctx, 9, "桐柏路61号院甲")
	waitJS(t, ctx, "reloaded after 409", `!!document.getElementById('notice-plan-reload') && `+labelJS("秦岭路123号院（另一窗口）"), 20*time.Second)
	if got := eval[string](t, ctx, `document.getElementById('pl-edit-name').value`); got != "桐柏路61号院甲" {
		t.Errorf("after the reload the name field holds %q, want what was typed", got)
	}
	screenshot(t, ctx, "plan-conflict-zh")
	clickSel(t, ctx, "#pl-edit-submit")
	waitJS(t, ctx, "renamed after the reload", labelJS("桐柏路61号院甲"), 20*time.Second)

	// The server out of reach: the page says so and keeps the name.
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	block := func(on bool) {
		var ps []*network.BlockPattern
		if on {
			ps = []*network.BlockPattern{{URLPattern: "*://*:*/api/drafts*", Block: true}}
		}
		if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: ps}); err != nil {
			t.Fatal(err)
		}
	}
	block(true)
	renameThroughForm(t, ctx, 11, "秦岭路159号院乙")
	waitJS(t, ctx, "server unavailable", `document.body.dataset.net === 'down' && !document.getElementById('pl-net').hidden`, 20*time.Second)
	if got := eval[string](t, ctx, `document.getElementById('pl-edit-name').value`); got != "秦岭路159号院乙" {
		t.Errorf("while the server is away the name field holds %q", got)
	}
	screenshot(t, ctx, "plan-offline-zh")
	block(false)
	waitJS(t, ctx, "sent once the server is back", `document.body.dataset.net === 'ok' && document.getElementById('pl-net').hidden && `+labelJS("秦岭路159号院乙"), 15*time.Second)
}

// TestPlanBrowserDenied: a viewer (no write:boundary) is told the page is
// not for them, with the way back to the map.
func TestPlanBrowserDenied(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, pw := e.account(t, "viewer", auth.Viewer, 0, 0)
	ctx := newBrowser(t, 1000, 700)
	login(t, ctx, e.ts.URL, "/plan", "viewer", pw)
	if !eval[bool](t, ctx, `document.body.dataset.auth === 'denied' && !document.getElementById('pl-denied').hidden &&
		document.getElementById('pl-denied-body').textContent.includes('只读大屏') && !document.querySelector('path.plan-grid')`) {
		t.Error("a viewer is not told that planning needs a planner or admin account")
	}
	screenshot(t, ctx, "plan-denied-zh")
}
