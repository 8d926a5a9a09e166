package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// minTap is the smallest tap target on a phone, in CSS pixels (WCAG 2.5.5,
// Apple's and Material's guidance).
const minTap = 44

// tapTargetJS lists the interactive elements of the page that are drawn
// and smaller than minTap either way. A checkbox or radio button is judged
// by its label (the label is what a finger hits); Leaflet's controls and
// its clickable markers count (a marker drawn as a badge over a 0×0 icon
// by its badge), the map's polygons do not (they are areas, not targets),
// nor the volunteers drawn on a canvas. An element counts as drawn when it has a size and is not
// hidden by visibility.
const tapTargetJS = `(min => {
	const sel = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [role="button"], [role="tab"], [tabindex]:not([tabindex="-1"]), label, .leaflet-control a, .leaflet-marker-icon.leaflet-interactive';
	const out = [];
	const seen = new Set();
	const describe = (e, r) => {
		const id = e.id ? '#' + e.id : '';
		const cls = typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).slice(0, 3).join('.') : '';
		const text = (e.getAttribute('aria-label') || e.textContent || e.value || e.getAttribute('title') || '').trim().replace(/\s+/g, ' ').slice(0, 30);
		return e.tagName.toLowerCase() + id + cls + ' "' + text + '" ' + Math.round(r.width * 10) / 10 + '×' + Math.round(r.height * 10) / 10;
	};
	for (let e of document.querySelectorAll(sel)) {
		if (e.tagName === 'INPUT' && (e.type === 'checkbox' || e.type === 'radio')) {
			const l = e.closest('label') || (e.id && document.querySelector('label[for="' + e.id + '"]'));
			if (l) e = l;
		}
		if (e.tagName === 'LABEL') {
			const c = e.control;
			if (!c || !(c.type === 'checkbox' || c.type === 'radio')) continue; // a label of a text field is no target of its own
		}
		if (seen.has(e)) continue;
		seen.add(e);
		if (e.closest('[hidden], [inert]')) continue;
		const st = getComputedStyle(e);
		if (st.visibility === 'hidden' || st.display === 'none' || Number(st.opacity) === 0) continue;
		let r = e.getBoundingClientRect();
		if (r.width === 0 && r.height === 0 && e.firstElementChild) {
			// A marker drawn as a badge over a 0×0 icon: the badge is what
			// a finger hits.
			const c = e.firstElementChild.getBoundingClientRect();
			r = {width: c.width, height: c.height};
		}
		if (r.width === 0 && r.height === 0) continue;
		if (r.width < min - 0.5 || r.height < min - 0.5) out.push(describe(e, r));
	}
	return out;
})`

// tapTargetAudit lists the interactive elements of the page in ctx that
// are smaller than 44×44 CSS pixels: tag, id and classes, text, size.
func tapTargetAudit(ctx context.Context) ([]string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf("%s(%d)", tapTargetJS, minTap)))
}

// auditPage fails the test for every target too small on the page, and
// for a page wider than the screen.
func auditPage(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	small, err := tapTargetAudit(ctx)
	if err != nil {
		t.Fatalf("%s: audit: %v", page, err)
	}
	if len(small) > 0 {
		t.Errorf("%s: %d tap targets smaller than %d×%d px:\n  %s", page, len(small), minTap, minTap, strings.Join(small, "\n  "))
	}
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
		t.Errorf("%s: %d px wider than the screen", page, w)
	}
	screenshot(t, ctx, "phone-"+page)
}

// phoneBrowser opens a tab the size of a phone, with touch.
func phoneBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	ctx := newBrowser(t, width, height)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// TestPhoneTapTargets: a grid leader on a 390×844 phone finds every
// control of the login page, the map, their grid page (with the panels,
// lists and forms a leader opens), the day's report and day playback at
// least 44×44 px; at 360 px nothing runs off the side.
func TestPhoneTapTargets(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "leader", auth.GridLeader, 9, 0)
	api := e.client(t, "leader-api", auth.GridLeader, 9)
	fieldPost(t, api, "/api/grids/9/spot-checks", map[string]any{"k": 3}, 201)
	lon, lat := gateOf(t, e, 9)
	fieldPost(t, api, "/api/checkpoints", map[string]any{"grid_id": 9, "name": "南门卡点", "lon": lon, "lat": lat}, 201)
	household := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 AND h.status = 'occupied'`)
	building := scalar[int64](t, e, `SELECT building_id FROM households WHERE id = $1`, household)
	fieldPost(t, api, "/api/vulnerable", map[string]any{"household_id": household, "name": "王秀英", "category": "elderly_alone", "visit_every_days": 7}, 201)
	fieldPost(t, api, "/api/requests", map[string]any{"building_id": building, "category": "supplies", "body": "需要代购药品"}, 201)

	for _, width := range []int{390, 360} {
		ctx := phoneBrowser(t, width, 844)
		sfx := fmt.Sprint(width)
		if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/login.html")); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "login form", `!!document.getElementById('login-username')`, 10*time.Second)
		auditPage(t, ctx, "login-"+sfx)
		login(t, ctx, e.ts.URL, "/grid/9", "leader", password)
		waitJS(t, ctx, "gaps", `document.body.dataset.gapsLoaded === 'true' && document.body.dataset.namesLoaded === 'true'`, 20*time.Second)
		auditPage(t, ctx, "grid-"+sfx)

		// What a leader opens: the user menu, the legend, a gap with its
		// form, the spot checks, each records tab with an entry open.
		clickSel(t, ctx, "#user-toggle")
		auditPage(t, ctx, "grid-user-menu-"+sfx)
		clickSel(t, ctx, "#user-toggle")
		eval[bool](t, ctx, `(l => (l && (l.open = true), true))(document.getElementById('legend'))`)
		auditPage(t, ctx, "grid-legend-"+sfx)
		eval[bool](t, ctx, `(l => (l && (l.open = false), true))(document.getElementById('legend'))`)
		clickSel(t, ctx, `#gap-panel .gap-item .gap-item-head`)
		waitJS(t, ctx, "a gap's form", `!!document.querySelector('#gap-panel form.act-screen')`, 10*time.Second)
		auditPage(t, ctx, "grid-gap-open-"+sfx)
		openGapTab(t, ctx, "checkpoints")
		clickSel(t, ctx, `#gap-panel .gap-item[data-kind="checkpoints"] .gap-item-head`)
		waitJS(t, ctx, "a checkpoint's forms", `!!document.querySelector('#gap-panel form.act-counts')`, 10*time.Second)
		auditPage(t, ctx, "grid-checkpoint-open-"+sfx)
		waitJS(t, ctx, "spot checks", `!!document.querySelector('#spot-body .spot-record, #spot-body details, #spot-body .spot-check')`, 10*time.Second)
		eval[bool](t, ctx, `document.querySelectorAll('#spot-body details').forEach(d => d.open = true), true`)
		auditPage(t, ctx, "grid-spot-"+sfx)
		for _, tab := range []string{"ledger", "requests", "party", "import"} {
			openRecords(t, ctx, tab)
			if tab != "import" {
				clickSel(t, ctx, fmt.Sprintf(`#rec-%s .rec-item .rec-head`, tab))
			}
			auditPage(t, ctx, "grid-records-"+tab+"-"+sfx)
		}

		for _, page := range []struct{ path, ready string }{
			{"/", `document.body.dataset.gridsLoaded === 'true'`},
			{"/report?grid=9", `!!document.body.dataset.reportLoaded || document.readyState === 'complete'`},
			{"/replay?grid=9", `document.readyState === 'complete'`},
		} {
			if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+page.path)); err != nil {
				t.Fatal(err)
			}
			waitAcross(t, ctx, page.path, page.ready)
			time.Sleep(1500 * time.Millisecond) // what loads after
			name := strings.Trim(strings.SplitN(page.path, "?", 2)[0], "/")
			if name == "" {
				name = "map"
			}
			auditPage(t, ctx, name+"-"+sfx)
		}
	}
}
