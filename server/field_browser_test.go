package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// The grid leader's page and the choropleth, in a real browser against a
// real server over the demo database with its field data.

// gapsAnswer is GET /api/grids/{id}/gaps, as far as the page shows it.
type gapsAnswer struct {
	Grid                 int64
	Day                  string
	BuildingsWithoutHead []gapPoint `json:"buildings_without_head"`
	Unscreened           []gapBuilding
	WithoutContact       []gapBuilding `json:"without_contact"`
	OverdueVisits        []gapPoint    `json:"overdue_visits"`
	OpenRequests         []gapPoint    `json:"open_requests"`
	Quarantined          []gapPoint
	FeverAlerts          []gapPoint `json:"fever_alerts"`
	SealAlerts           []gapPoint `json:"seal_alerts"`
	Truncated            bool
}

type gapPoint struct {
	ID       int64
	Lon, Lat float64
}

type gapBuilding struct {
	Building   gapPoint
	Households []struct{ ID int64 }
}

func households(bs []gapBuilding) []int64 {
	var ids []int64
	for _, b := range bs {
		for _, h := range b.Households {
			ids = append(ids, h.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// places counts the distinct points of a list (one marker each).
func places(ps []gapPoint) int {
	seen := map[string]bool{}
	for _, p := range ps {
		seen[fmt.Sprintf("%.6f,%.6f", p.Lon, p.Lat)] = true
	}
	return len(seen)
}

// want is, per kind the page lists: how many items and how many markers.
func (g gapsAnswer) want() map[string][2]int {
	n := func(bs []gapBuilding) int { return len(households(bs)) }
	return map[string][2]int{
		"unscreened":  {n(g.Unscreened), len(g.Unscreened)},
		"noContact":   {n(g.WithoutContact), len(g.WithoutContact)},
		"noHead":      {len(g.BuildingsWithoutHead), len(g.BuildingsWithoutHead)},
		"overdue":     {len(g.OverdueVisits), places(g.OverdueVisits)},
		"requests":    {len(g.OpenRequests), places(g.OpenRequests)},
		"quarantined": {len(g.Quarantined), places(g.Quarantined)},
		"fever":       {len(g.FeverAlerts), places(g.FeverAlerts)},
		"seal":        {len(g.SealAlerts), places(g.SealAlerts)},
	}
}

// eval runs a JavaScript expression and fails the test on an error.
func eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%.120s: %v", js, err)
	}
	return v
}

// waitJS polls a JavaScript condition until it holds.
func waitJS(t testing.TB, ctx context.Context, what, js string, timeout time.Duration) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](js, chromedp.WithPollingTimeout(timeout))(ctx, tg)
		return err
	}))
	if err != nil {
		screenshot(t, ctx, "failed-"+what)
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// tryJS polls a JavaScript condition and says whether it held in time
// (timeout > 0: with 0 the poll never gives up).
func tryJS(ctx context.Context, js string, timeout time.Duration) bool {
	return chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](js, chromedp.WithPollingTimeout(timeout))(ctx, tg)
		return err
	})) == nil
}

// pageGaps is what the page shows per kind: [list items, markers, sum of
// marker counts], and the household ids listed under 今日未排查.
type pageGaps struct {
	Counts     map[string][3]int
	Unscreened []int64
}

const pageGapsJS = `(() => {
	const counts = {};
	for (const tab of document.querySelectorAll('.gap-tab')) {
		const k = tab.dataset.kind;
		const marks = [...document.querySelectorAll('.gap-icon[data-kind="' + k + '"]')];
		counts[k] = [Number(tab.dataset.count), marks.length, marks.reduce((n, m) => n + Number(m.dataset.count), 0)];
	}
	const ids = [...document.querySelectorAll('#gap-panel .gap-item[data-kind="unscreened"]')].map(e => Number(e.dataset.id));
	return {counts, unscreened: ids.sort((a, b) => a - b)};
})()`

// openGridPage logs in as the demo grid leader of grid 9 and opens
// /grid/9 at the given size; phone emulates a touch screen.
func openGridPage(t *testing.T, e *env, width, height int, phone bool) context.Context {
	t.Helper()
	_, password := e.account(t, "leader", auth.GridLeader, 9, 0)
	return openGridPageAs(t, e, "leader", password, width, height, phone)
}

// openGridPageAs opens /grid/9 in a new browser as an existing account.
func openGridPageAs(t *testing.T, e *env, username, password string, width, height int, phone bool) context.Context {
	t.Helper()
	ctx := newBrowser(t, width, height)
	if phone {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
			t.Fatal(err)
		}
	}
	login(t, ctx, e.ts.URL, "/grid/9", username, password)
	waitJS(t, ctx, "gaps", `document.body.dataset.gapsLoaded === 'true' && document.body.dataset.figuresLoaded === 'true' && document.body.dataset.namesLoaded === 'true'`, 20*time.Second)
	return ctx
}

func setLangEN(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("lang-toggle")), chromedp.Sleep(400*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
}

// openGapTab clicks a gap list's tab (.gap-tab[data-kind]) on the grid page.
func openGapTab(t *testing.T, ctx context.Context, kind string) {
	t.Helper()
	open := fmt.Sprintf(`document.getElementById('gap-panel').dataset.kind === '%s'`, kind)
	// A live refresh may redraw the tabs between the scroll into view
	// and the click, which then lands beside the tab: click again.
	for range 3 {
		clickSel(t, ctx, fmt.Sprintf(`.gap-tab[data-kind="%s"]`, kind))
		if tryJS(ctx, open, 5*time.Second) {
			return
		}
	}
	t.Fatalf("the %s tab did not open", kind)
}

// screenedTodayJS reads the households screened today from the grid page's
// figures card.
const screenedTodayJS = `Number(document.querySelector('#fig-body [data-stat="screened_pct"]').dataset.part)`

// pickGrid opens a grid in the map page's panel as a user does: through
// its breadcrumb link or its entry in the panel's list of children.
func pickGrid(t *testing.T, ctx context.Context, id int) {
	t.Helper()
	sel := fmt.Sprintf(`#breadcrumb a[data-grid-id="%d"], #panel .child-link[data-grid-id="%d"]`, id, id)
	clickSel(t, ctx, sel)
	waitJS(t, ctx, fmt.Sprintf("grid %d in the panel", id), fmt.Sprintf(`document.getElementById('panel').dataset.gridId === '%d'`, id), 20*time.Second)
}

// TestFieldBrowserGridGaps opens /grid/9 as its grid leader: every gap
// list holds as many items as the API's gaps, the unscreened list holds
// exactly the API's households, the map has one marker per building or
// place with the right counts, and list and map select each other.
func TestFieldBrowserGridGaps(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	api := e.client(t, "leader-api", auth.GridLeader, 9)
	var gaps gapsAnswer
	if st := api.get("/api/grids/9/gaps", &gaps); st != 200 {
		t.Fatalf("GET gaps: %d", st)
	}
	if len(gaps.Unscreened) == 0 {
		t.Fatal("the demo grid 9 has no unscreened households today: nothing to show")
	}
	ctx := openGridPage(t, e, 1280, 860, false)
	if name := eval[string](t, ctx, `document.getElementById('gw-name').textContent`); name != "桐柏路61号院" {
		t.Errorf("page shows grid %q", name)
	}
	// Layers switched off in the legend (没有联系党员) show with their tab.
	got := eval[pageGaps](t, ctx, pageGapsJS)
	openGapTab(t, ctx, "noContact")
	nc := eval[pageGaps](t, ctx, pageGapsJS)
	got.Counts["noContact"] = nc.Counts["noContact"]
	openGapTab(t, ctx, "unscreened")
	for kind, w := range gaps.want() {
		g := got.Counts[kind]
		if g[0] != w[0] || g[1] != w[1] || g[2] != w[0] {
			t.Errorf("%s: page lists %d, draws %d markers counting %d; API has %d items at %d places", kind, g[0], g[1], g[2], w[0], w[1])
		}
	}
	if want := households(gaps.Unscreened); !slices.Equal(got.Unscreened, want) {
		t.Errorf("unscreened households listed %v, API %v", got.Unscreened, want)
	}
	// The figures say what their percentages are of.
	var cov struct {
		Grid struct {
			Households, Excluded int
		}
	}
	api.get("/api/grids/9/coverage", &cov)
	denom := eval[string](t, ctx, `document.getElementById('fig-denominator').textContent`)
	if want := fmt.Sprintf("%d 户在住（不含空置/拆除 %d 户）", cov.Grid.Households, cov.Grid.Excluded); denom != want {
		t.Errorf("denominator reads %q, want %q", denom, want)
	}
	screenshot(t, ctx, "grid-laptop-zh")

	// A list item: its marker is highlighted, its nearest volunteers load.
	b := gaps.Unscreened[0]
	h := b.Households[0].ID
	item := fmt.Sprintf(`#gap-panel .gap-item[data-id="%d"] .gap-item-head`, h)
	clickSel(t, ctx, item)
	waitJS(t, ctx, "marker highlighted", fmt.Sprintf(`!!document.querySelector('.gap-icon.is-selected[data-kind="unscreened"][data-key="b%d"]')`, b.Building.ID), 5*time.Second)
	waitJS(t, ctx, "nearest volunteers", `(n => n && n.dataset.state === 'loaded')(document.querySelector('.gap-detail .near'))`, 20*time.Second)
	chromedp.Do(ctx, chromedp.Sleep(800*time.Millisecond)) // the fly-to
	screenshot(t, ctx, "grid-laptop-selected")

	// A marker: its building's group is highlighted in the list.
	other := gaps.Unscreened[len(gaps.Unscreened)-1].Building.ID
	marker := fmt.Sprintf(`.gap-icon[data-kind="unscreened"][data-key="b%d"]`, other)
	eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('%s').dispatchEvent(new MouseEvent('click', {bubbles: true})), true`, marker))
	waitJS(t, ctx, "list follows the marker", fmt.Sprintf(`!!document.querySelector('.gap-group.is-selected[data-key="b%d"]')`, other), 5*time.Second)

	// Client ids where crypto.randomUUID is missing (a plain-http intranet
	// server is not a secure context): random version-4 UUIDs all the same.
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`import('/fieldwrite.js').then(m => {
		crypto.randomUUID = undefined;
		const ids = [m.newClientId(), m.newClientId()];
		delete crypto.randomUUID;
		return ids.concat([m.newClientId()]);
	})`, chromedp.EvalAwaitPromise))
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if err != nil || len(ids) != 3 || ids[0] == ids[1] || !uuid.MatchString(ids[0]) || !uuid.MatchString(ids[1]) || !uuid.MatchString(ids[2]) {
		t.Errorf("client ids %v (%v): want distinct version-4 UUIDs with and without crypto.randomUUID", ids, err)
	}

	setLangEN(t, ctx)
	if tab := eval[string](t, ctx, `document.querySelector('.gap-tab[data-kind="unscreened"]').textContent`); tab == "" || tab[0] != 'N' {
		t.Errorf("English tab reads %q", tab)
	}
	screenshot(t, ctx, "grid-laptop-en")
}

// TestFieldBrowserGridPhone looks at /grid/9 on a 375 px wide phone.
func TestFieldBrowserGridPhone(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	ctx := openGridPage(t, e, 375, 812, true)
	wide := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`)
	if wide {
		t.Errorf("the page is wider than the phone: %d px", eval[int](t, ctx, `document.documentElement.scrollWidth`))
	}
	screenshot(t, ctx, "grid-phone-zh")
	eval[bool](t, ctx, `document.getElementById('gaps').scrollIntoView(), true`)
	screenshot(t, ctx, "grid-phone-zh-list")
	setLangEN(t, ctx)
	eval[bool](t, ctx, `document.getElementById('gw-side').scrollTop = 0, true`)
	screenshot(t, ctx, "grid-phone-en")
}

// TestFieldBrowserGridLive marks a household screened through the page,
// and another client screens one through the API: both leave the list
// without a reload, and the figures follow the stream's coverage events.
func TestFieldBrowserGridLive(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	api := e.client(t, "leader-api", auth.GridLeader, 9)
	var gaps gapsAnswer
	api.get("/api/grids/9/gaps", &gaps)
	ids := households(gaps.Unscreened)
	if len(ids) < 2 {
		t.Fatalf("grid 9 has %d unscreened households, want at least 2", len(ids))
	}
	ctx := openGridPage(t, e, 1280, 860, false)
	waitJS(t, ctx, "stream", `document.body.dataset.live === 'live'`, 20*time.Second)
	eval[bool](t, ctx, `window.noReload = true`)
	before := eval[int](t, ctx, screenedTodayJS)

	// Through the page: open the household, pick "normal", submit.
	mine, theirs := ids[0], ids[1]
	item := fmt.Sprintf(`#gap-panel .gap-item[data-id="%d"]`, mine)
	clickUntil(t, ctx, item+" .gap-item-head", "the household's form", visibleJS(item+" form.act-screen"))
	eval[bool](t, ctx, fmt.Sprintf(`(f => (f.elements.outcome.value = 'normal', f.elements.temperature.value = '36.5', true))(document.querySelector('%s form.act-screen'))`, item))
	clickSubmit(t, ctx, item+" form.act-screen")
	waitJS(t, ctx, "own screening leaves the list", fmt.Sprintf(`!document.querySelector('.gap-item[data-id="%d"]')`, mine), 20*time.Second)
	waitJS(t, ctx, "figures after own screening", fmt.Sprintf(`%s === %d`, screenedTodayJS, before+1), 20*time.Second)

	// Through the API, as another client.
	other := e.client(t, "staff-api", auth.Staff, 2)
	r := other.do("POST", "/api/screenings", map[string]any{"household_id": theirs, "outcome": "normal", "client_id": "browser-test-" + strconv.FormatInt(theirs, 10)})
	if r.Status != 201 {
		t.Fatalf("POST screening: %d %s", r.Status, r.Body)
	}
	waitJS(t, ctx, "their screening leaves the list", fmt.Sprintf(`!document.querySelector('.gap-item[data-id="%d"]')`, theirs), 20*time.Second)
	waitJS(t, ctx, "figures after their screening", fmt.Sprintf(`%s === %d`, screenedTodayJS, before+2), 20*time.Second)

	var cov struct{ Grid map[string]any }
	api.get("/api/grids/9/coverage", &cov)
	shown := eval[string](t, ctx, `document.querySelector('[data-stat="screened_pct"]').dataset.pct`)
	if want := fmt.Sprint(cov.Grid["screened_pct"]); shown != want {
		t.Errorf("page shows screened_pct %s, API %s", shown, want)
	}
	if !eval[bool](t, ctx, `window.noReload === true`) {
		t.Error("the page reloaded")
	}
	screenshot(t, ctx, "grid-live-after")
}

// legendClass is one class of the choropleth legend as drawn.
type legendClass struct {
	Color, Min, Max, Class string
}

// TestFieldBrowserChoropleth colours the map by a percentage and by a
// count: every coloured polygon's fill is the legend colour of the class
// its value from /api/coverage falls in.
func TestFieldBrowserChoropleth(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	api := e.client(t, "admin-api", auth.Admin, 0)
	ctx := newBrowser(t, 1400, 900)
	login(t, ctx, e.ts.URL, "/", "admin", password)

	check := func(metric string, level int) {
		t.Helper()
		eval[bool](t, ctx, fmt.Sprintf(`(s => (s.value = '%s', s.dispatchEvent(new Event('change')), true))(document.getElementById('choro-metric'))`, metric))
		waitJS(t, ctx, "choropleth "+metric, fmt.Sprintf(`document.body.dataset.choropleth === '%s@%d' && document.body.dataset.choroLoaded === 'true'`, metric, level), 20*time.Second)
		var cov struct {
			Grids []map[string]any
		}
		if st := api.get(fmt.Sprintf("/api/coverage?level=%d", level), &cov); st != 200 {
			t.Fatalf("GET coverage: %d", st)
		}
		legend := eval[[]legendClass](t, ctx, `[...document.querySelectorAll('#choropleth li[data-class]')].map(li => ({color: li.dataset.color, min: li.dataset.min || '', max: li.dataset.max || '', class: li.dataset.class}))`)
		fills := eval[map[string]string](t, ctx, fmt.Sprintf(`Object.fromEntries([...document.querySelectorAll('path.grid-l%d')].map(p => [p.dataset.gridId, p.getAttribute('fill')]))`, level))
		if len(cov.Grids) == 0 || len(fills) != len(cov.Grids) {
			t.Fatalf("%s: %d polygons of level %d drawn, API has %d grids", metric, len(fills), level, len(cov.Grids))
		}
		for _, g := range cov.Grids {
			id := fmt.Sprint(g["grid"])
			want := ""
			if v, ok := g[metric].(float64); ok {
				for _, c := range legend {
					lo, err1 := strconv.ParseFloat(c.Min, 64)
					hi, err2 := strconv.ParseFloat(c.Max, 64)
					if err1 == nil && err2 == nil && v >= lo && v < hi {
						want = c.Color
					}
				}
			} else {
				for _, c := range legend {
					if c.Class == "none" {
						want = c.Color
					}
				}
			}
			if want == "" || fills[id] != want {
				b, _ := json.Marshal(g)
				t.Errorf("%s: grid %s (%s) is filled %q, legend says %q", metric, id, b, fills[id], want)
			}
		}
	}
	check("screened_pct", 2)
	screenshot(t, ctx, "choropleth-zh")
	// Into 协作路社区: its compound grids are on screen.
	pickGrid(t, ctx, 2)
	check("open_requests", 3)

	// A new hotline request in grid 9 recolours it from the stream's
	// coverage event, into the class of its new count.
	var cov struct {
		Grid struct {
			OpenRequests int `json:"open_requests"`
		}
	}
	api.get("/api/grids/9/coverage", &cov)
	building := scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9`)
	if r := api.do("POST", "/api/requests", map[string]any{"building_id": building, "category": "supplies", "body": "需要代购药品", "client_id": "choropleth-request-1"}); r.Status != 201 {
		t.Fatalf("POST request: %d %s", r.Status, r.Body)
	}
	n := cov.Grid.OpenRequests + 1
	wantFill := eval[string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('#choropleth li[data-class]')].find(li => %d >= Number(li.dataset.min) && %d < Number(li.dataset.max)).dataset.color`, n, n))
	waitJS(t, ctx, "grid 9 recoloured live", fmt.Sprintf(`document.querySelector('path.grid-l3[data-grid-id="9"]').getAttribute('fill') === '%s'`, wantFill), 20*time.Second)
	chromedp.Do(ctx, chromedp.Sleep(800*time.Millisecond))
	screenshot(t, ctx, "choropleth-l3-zh")
	setLangEN(t, ctx)
	check("contact_pct", 3)
	screenshot(t, ctx, "choropleth-l3-en")
}

// TestFieldBrowserHouseholds drills down on / to the households of a
// building: each shows today's screening state as the API's gaps have it
// (one household screened through the API first) and its contact.
func TestFieldBrowserHouseholds(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	api := e.client(t, "admin-api", auth.Admin, 0)
	var gaps gapsAnswer
	api.get("/api/grids/9/gaps", &gaps)
	i := slices.IndexFunc(gaps.Unscreened, func(b gapBuilding) bool { return len(b.Households) >= 2 })
	if i < 0 {
		t.Fatal("want a building of grid 9 with two unscreened households")
	}
	b := gaps.Unscreened[i]
	screened := b.Households[0].ID
	if r := api.do("POST", "/api/screenings", map[string]any{"household_id": screened, "outcome": "normal", "client_id": "households-test-1"}); r.Status != 201 {
		t.Fatalf("POST screening: %d %s", r.Status, r.Body)
	}
	api.get("/api/grids/9/gaps", &gaps)
	unscreened := map[int64]bool{}
	for _, g := range gaps.Unscreened {
		for _, h := range g.Households {
			unscreened[h.ID] = true
		}
	}

	ctx := newBrowser(t, 1280, 860)
	login(t, ctx, e.ts.URL, "/#grid=9", "admin", password)
	waitJS(t, ctx, "buildings", `document.body.dataset.buildings === 'loaded'`, 20*time.Second)
	x, y := mapXY(t, ctx, b.Building.Lon, b.Building.Lat)
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(x, y)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "households in the popup", `(n => n && n.dataset.state === 'loaded')(document.querySelector('.bpop-hh'))`, 20*time.Second)
	var hs struct {
		Households []struct {
			ID      int64
			Status  string
			Contact *struct{ Name string }
		}
	}
	api.get(fmt.Sprintf("/api/buildings/%d/households", b.Building.ID), &hs)
	shown := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('.bpop-hh li[data-household-id]')].map(li => [li.dataset.householdId, li.dataset.screening + '|' + ((li.querySelector('.hh-contact') || {}).textContent || '')]))`)
	if len(shown) != len(hs.Households) {
		t.Errorf("popup lists %d households, API %d", len(shown), len(hs.Households))
	}
	for _, h := range hs.Households {
		want := "screened"
		switch {
		case h.Status != "occupied":
			want = "excluded"
		case unscreened[h.ID]:
			want = "unscreened"
		}
		got := shown[strconv.FormatInt(h.ID, 10)]
		state, contact, _ := strings.Cut(got, "|")
		if state != want {
			t.Errorf("household %d (%s) shown %q, want %q", h.ID, h.Status, state, want)
		}
		if h.Status == "occupied" && h.Contact != nil && !strings.Contains(contact, h.Contact.Name) {
			t.Errorf("household %d: contact shown %q, want %s", h.ID, contact, h.Contact.Name)
		}
	}
	if s, _, _ := strings.Cut(shown[strconv.FormatInt(screened, 10)], "|"); s != "screened" {
		t.Errorf("household %d screened through the API is shown %q", screened, s)
	}
	screenshot(t, ctx, "households-popup-zh")
}

// TestFieldBrowserGridOutOfScope: the leader of grid 9 opening another
// compound grid's page is told it is not theirs, and shown nothing of it.
func TestFieldBrowserGridOutOfScope(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "leader", auth.GridLeader, 9, 0)
	ctx := newBrowser(t, 1000, 700)
	login(t, ctx, e.ts.URL, "/grid/10", "leader", password)
	msg := eval[string](t, ctx, `(document.querySelector('.gw-fatal-title') || {}).textContent || ''`)
	if msg != "这个网格不在本账号的管辖范围内" {
		t.Errorf("out-of-scope page says %q", msg)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.gap-icon, .gap-item').length`); n != 0 {
		t.Errorf("out-of-scope page shows %d gaps", n)
	}
	screenshot(t, ctx, "grid-out-of-scope")
}

// checkpointsAnswer is GET /api/grids/{id}/checkpoints.
type checkpointsAnswer struct {
	Day         string
	Checkpoints []checkpoint
}

type checkpoint struct {
	ID                          int64
	Name                        string
	OnDuty                      bool `json:"on_duty"`
	Scans, Temperatures, Fevers int
}

func (a checkpointsAnswer) byID(id int64) (checkpoint, bool) {
	i := slices.IndexFunc(a.Checkpoints, func(c checkpoint) bool { return c.ID == id })
	if i < 0 {
		return checkpoint{}, false
	}
	return a.Checkpoints[i], true
}

// shownCheckpoint is a checkpoint as /grid/{id} shows it: its marker and
// its list entry.
type shownCheckpoint struct {
	Marker, MarkerClass, Item   string
	Title                       string
	Scans, Temperatures, Fevers int
}

func checkpointJS(id int64) string {
	return fmt.Sprintf(`(() => {
		const m = document.querySelector('.gap-icon[data-kind="checkpoints"][data-key="c%[1]d"]');
		const li = document.querySelector('#gap-panel .gap-item[data-kind="checkpoints"][data-id="%[1]d"]');
		const n = (s) => li ? Number(li.querySelector('.cp-n[data-stat="' + s + '"]').dataset.value) : -1;
		return {marker: m ? m.dataset.duty : '', markerClass: m ? m.firstChild.className : '', item: li ? li.dataset.duty : '',
			title: li ? li.querySelector('.gap-item-title').textContent : '', scans: n('scans'), temperatures: n('temperatures'), fevers: n('fevers')};
	})()`, id)
}

// gateOf is a point just inside a grid's boundary, where a gate would be.
func gateOf(t *testing.T, e *env, id int64) (float64, float64) {
	t.Helper()
	var lon, lat float64
	err := e.conn.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (
		SELECT ST_LineInterpolatePoint(ST_MakeLine(ST_LineInterpolatePoint(ST_ExteriorRing(ST_GeometryN(geom, 1)), 0.3), ST_PointOnSurface(geom)), 0.1) p
		FROM current_grids WHERE id = $1) x`, id).Scan(&lon, &lat)
	if err != nil {
		t.Fatal(err)
	}
	return lon, lat
}

// fieldPost posts a field write with a fresh client id and wants status.
func fieldPost(t *testing.T, c *client, path string, body map[string]any, status int) int64 {
	t.Helper()
	body["client_id"] = cid()
	r := c.do("POST", path, body)
	if r.Status != status {
		t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
	}
	var v struct{ ID int64 }
	json.Unmarshal(r.Body, &v)
	return v.ID
}

// TestFieldBrowserCheckpoints puts a checkpoint on duty with counts and a
// door-seal alert on a quarantined household in grid 9 through the API;
// /grid/9 shows the checkpoint as a green marker and a list entry with
// the counts, off-duty posts first, and the seal alert. Through the page
// the seal alert is resolved and leaves the list, counts are added, and
// the checkpoint goes off duty: its marker turns grey.
func TestFieldBrowserCheckpoints(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	api := e.client(t, "leader-api", auth.GridLeader, 9)
	lon, lat := gateOf(t, e, 9)
	cp := fieldPost(t, api, "/api/checkpoints", map[string]any{"grid_id": 9, "name": "桐柏路南门卡点", "lon": lon, "lat": lat}, 201)
	fieldPost(t, api, fmt.Sprintf("/api/checkpoints/%d/duty", cp), map[string]any{"on_duty": true}, 200)
	fieldPost(t, api, fmt.Sprintf("/api/checkpoints/%d/counts", cp), map[string]any{"scans": 137, "temperatures": 135, "fevers": 1}, 200)
	household := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = 9 AND h.status = 'occupied' AND NOT EXISTS (SELECT 1 FROM quarantines q WHERE q.household_id = h.id AND q.ended_at IS NULL)`)
	today := time.Now().In(shanghai(t))
	fieldPost(t, api, "/api/quarantines", map[string]any{"household_id": household, "starts": today.Format(time.DateOnly),
		"ends": today.AddDate(0, 0, 7).Format(time.DateOnly), "reason": "close_contact", "seal_id": "DS-BROWSER"}, 201)
	seal := fieldPost(t, api, "/api/seal-alerts", map[string]any{"seal_id": "DS-BROWSER", "kind": "seal_tampered"}, 201)
	var cps checkpointsAnswer
	api.get("/api/grids/9/checkpoints", &cps)
	var gaps gapsAnswer
	api.get("/api/grids/9/gaps", &gaps)

	_, password := e.account(t, "leader", auth.GridLeader, 9, 0)
	ctx := openGridPageAs(t, e, "leader", password, 1280, 860, false)
	waitJS(t, ctx, "checkpoints", `Number(document.body.dataset.checkpointsVersion) > 0`, 20*time.Second)
	waitJS(t, ctx, "stream", `document.body.dataset.live === 'live'`, 20*time.Second)

	// The seal alert: its tab, marker and list entry.
	openGapTab(t, ctx, "seal")
	tabs := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('.gap-tab')].map(b => [b.dataset.kind, b.dataset.count]))`)
	if want := strconv.Itoa(len(gaps.SealAlerts)); tabs["seal"] != want || want == "0" {
		t.Errorf("seal tab counts %q, API has %s seal alerts", tabs["seal"], want)
	}
	if want := strconv.Itoa(len(cps.Checkpoints)); tabs["checkpoints"] != want {
		t.Errorf("checkpoints tab counts %q, API has %s", tabs["checkpoints"], want)
	}
	sealItem := fmt.Sprintf(`#gap-panel .gap-item[data-kind="seal"][data-id="%d"]`, seal)
	text := eval[string](t, ctx, fmt.Sprintf(`(document.querySelector('%s') || {}).textContent || ''`, sealItem))
	if !strings.Contains(text, "门锁被破坏") || !strings.Contains(text, "DS-BROWSER") {
		t.Errorf("seal alert reads %q, want its kind 门锁被破坏 and seal DS-BROWSER", text)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.gap-icon[data-kind="seal"]').length`); n != places(gaps.SealAlerts) {
		t.Errorf("%d seal markers, API has alerts at %d places", n, places(gaps.SealAlerts))
	}

	// The checkpoint: a green marker; in its tab, the name and today's
	// counts, and nobody's posts listed before the staffed ones.
	openGapTab(t, ctx, "checkpoints")
	got := eval[shownCheckpoint](t, ctx, checkpointJS(cp))
	want := shownCheckpoint{Marker: "on", MarkerClass: "gap-mk gap-checkpoints cp-on", Item: "on", Title: "桐柏路南门卡点", Scans: 137, Temperatures: 135, Fevers: 1}
	if got != want {
		t.Errorf("checkpoint shown as %+v, want %+v", got, want)
	}
	order := eval[[]string](t, ctx, `[...document.querySelectorAll('#gap-panel .gap-item[data-kind="checkpoints"]')].map(li => li.dataset.duty)`)
	if len(order) != len(cps.Checkpoints) || !slices.IsSorted(order) { // "off" < "on"
		t.Errorf("checkpoints listed with duty %v; want %d, nobody's first", order, len(cps.Checkpoints))
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.gap-icon[data-kind="checkpoints"]').length`); n != len(cps.Checkpoints) {
		t.Errorf("%d checkpoint markers, API has %d checkpoints", n, len(cps.Checkpoints))
	}
	cpItem := fmt.Sprintf(`#gap-panel .gap-item[data-kind="checkpoints"][data-id="%d"]`, cp)
	clickUntil(t, ctx, cpItem+" .gap-item-head", "the checkpoint's form", visibleJS(cpItem+" form.act-duty"))
	chromedp.Do(ctx, chromedp.Sleep(800*time.Millisecond)) // the fly-to
	screenshot(t, ctx, "checkpoint-laptop-zh")
	eval[bool](t, ctx, `document.getElementById('legend').open = true`)
	screenshot(t, ctx, "checkpoint-laptop-zh-legend")
	eval[bool](t, ctx, `document.getElementById('legend').open = false, true`)

	// Counts added through the page add up.
	eval[bool](t, ctx, fmt.Sprintf(`(f => (f.elements.scans.value = '3', f.elements.temperatures.value = '2', true))(document.querySelector('%s form.act-counts'))`, cpItem))
	clickSubmit(t, ctx, cpItem+" form.act-counts")
	waitJS(t, ctx, "counts added", fmt.Sprintf(`(li => li && li.querySelector('.cp-n[data-stat="scans"]').dataset.value === '140' && li.querySelector('.cp-n[data-stat="temperatures"]').dataset.value === '137')(document.querySelector('%s'))`, cpItem), 20*time.Second)

	// Off duty through the page: the marker turns grey, the post moves up.
	clickSubmit(t, ctx, cpItem+" form.act-duty")
	waitJS(t, ctx, "marker grey", fmt.Sprintf(`(m => m && m.dataset.duty === 'off' && m.firstChild.classList.contains('cp-off') && !m.firstChild.classList.contains('cp-on'))(document.querySelector('.gap-icon[data-kind="checkpoints"][data-key="c%d"]'))`, cp), 20*time.Second)
	waitJS(t, ctx, "list entry off duty", fmt.Sprintf(`(li => li && li.dataset.duty === 'off' && !!li.querySelector('form.act-duty'))(document.querySelector('%s'))`, cpItem), 20*time.Second)
	order = eval[[]string](t, ctx, `[...document.querySelectorAll('#gap-panel .gap-item[data-kind="checkpoints"]')].map(li => li.dataset.duty)`)
	if !slices.IsSorted(order) {
		t.Errorf("after going off duty, checkpoints listed with duty %v", order)
	}
	api.get("/api/grids/9/checkpoints", &cps)
	if c, ok := cps.byID(cp); !ok || c.OnDuty || c.Scans != 140 || c.Temperatures != 137 {
		t.Errorf("the API has the checkpoint as %+v", c)
	}
	screenshot(t, ctx, "checkpoint-laptop-zh-off")

	// Resolve the seal alert through the page: it leaves the list live.
	openGapTab(t, ctx, "seal")
	clickSel(t, ctx, sealItem+" .gap-item-head")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sealItem+" form.act-resolve"))); err != nil {
		t.Fatal(err)
	}
	chromedp.Do(ctx, chromedp.Sleep(800*time.Millisecond))
	screenshot(t, ctx, "seal-laptop-zh")
	clickSubmit(t, ctx, sealItem+" form.act-resolve")
	waitJS(t, ctx, "seal alert leaves the list", fmt.Sprintf(`!document.querySelector('%s') && document.querySelector('.gap-tab[data-kind="seal"]').dataset.count === '%d'`, sealItem, len(gaps.SealAlerts)-1), 20*time.Second)
	api.get("/api/grids/9/gaps", &gaps)
	if slices.ContainsFunc(gaps.SealAlerts, func(p gapPoint) bool { return p.ID == seal }) {
		t.Error("the API still lists the seal alert resolved through the page")
	}

	// Another client puts the post back on duty and a seal goes offline:
	// the page follows the stream.
	fieldPost(t, api, fmt.Sprintf("/api/checkpoints/%d/duty", cp), map[string]any{"on_duty": true}, 200)
	waitJS(t, ctx, "marker green again (stream)", fmt.Sprintf(`(m => m && m.dataset.duty === 'on')(document.querySelector('.gap-icon[data-kind="checkpoints"][data-key="c%d"]'))`, cp), 20*time.Second)
	offline := fieldPost(t, api, "/api/seal-alerts", map[string]any{"seal_id": "DS-BROWSER", "kind": "seal_offline", "note": "电池电量低"}, 201)
	waitJS(t, ctx, "new seal alert (stream)", fmt.Sprintf(`(li => !!li && li.textContent.includes('门锁离线'))(document.querySelector('#gap-panel .gap-item[data-kind="seal"][data-id="%d"]'))`, offline), 20*time.Second)

	setLangEN(t, ctx)
	openGapTab(t, ctx, "checkpoints")
	if tab := eval[string](t, ctx, `document.querySelector('.gap-tab[data-kind="checkpoints"]').textContent`); !strings.HasPrefix(tab, "Checkpoints") {
		t.Errorf("English checkpoints tab reads %q", tab)
	}
	clickSel(t, ctx, cpItem+" .gap-item-head")
	chromedp.Do(ctx, chromedp.Sleep(800*time.Millisecond))
	screenshot(t, ctx, "checkpoint-laptop-en")

	// On a phone: the map with both, then the list entries.
	phone := openGridPageAs(t, e, "leader", password, 375, 812, true)
	waitJS(t, phone, "checkpoints on the phone", `Number(document.body.dataset.checkpointsVersion) > 0`, 20*time.Second)
	if eval[bool](t, phone, `document.documentElement.scrollWidth > window.innerWidth`) {
		t.Errorf("the phone page is %d px wide", eval[int](t, phone, `document.documentElement.scrollWidth`))
	}
	openGapTab(t, phone, "seal")
	clickSel(t, phone, fmt.Sprintf(`#gap-panel .gap-item[data-kind="seal"][data-id="%d"] .gap-item-head`, offline))
	chromedp.Do(phone, chromedp.Sleep(900*time.Millisecond))
	screenshot(t, phone, "seal-phone-zh")
	openGapTab(t, phone, "checkpoints")
	clickSel(t, phone, cpItem+" .gap-item-head")
	chromedp.Do(phone, chromedp.Sleep(900*time.Millisecond))
	screenshot(t, phone, "checkpoint-phone-zh")
	eval[bool](t, phone, fmt.Sprintf(`document.querySelector('%s').scrollIntoView(), true`, cpItem))
	screenshot(t, phone, "checkpoint-phone-zh-list")
	setLangEN(t, phone)
	eval[bool](t, phone, fmt.Sprintf(`document.querySelector('%s').scrollIntoView(), true`, cpItem))
	screenshot(t, phone, "checkpoint-phone-en-list")
	eval[bool](t, phone, `document.getElementById('gw-side').scrollTop = 0, true`)
	screenshot(t, phone, "checkpoint-phone-en")
}

// TestFieldBrowserMapCheckpoints: on /, a community in the panel shows its
// checkpoints as flags coloured by duty with today's counts in a popup;
// the subdistrict shows none.
func TestFieldBrowserMapCheckpoints(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	api := e.client(t, "admin-api", auth.Admin, 0)
	lon, lat := gateOf(t, e, 9)
	cp := fieldPost(t, api, "/api/checkpoints", map[string]any{"grid_id": 9, "name": "桐柏路南门卡点", "lon": lon, "lat": lat}, 201)
	fieldPost(t, api, fmt.Sprintf("/api/checkpoints/%d/duty", cp), map[string]any{"on_duty": true}, 200)
	fieldPost(t, api, fmt.Sprintf("/api/checkpoints/%d/counts", cp), map[string]any{"scans": 88, "temperatures": 86, "fevers": 0}, 200)
	var cps checkpointsAnswer
	api.get("/api/grids/2/checkpoints", &cps)

	ctx := newBrowser(t, 1280, 860)
	login(t, ctx, e.ts.URL, "/#grid=2", "admin", password)
	waitJS(t, ctx, "checkpoints of 协作路社区", `document.body.dataset.checkpoints === 'loaded'`, 20*time.Second)
	duty := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('.cp-icon')].map(m => [m.dataset.checkpointId, m.dataset.duty + '|' + m.firstChild.className]))`)
	if len(duty) != len(cps.Checkpoints) {
		t.Errorf("%d checkpoint flags on the map, API has %d", len(duty), len(cps.Checkpoints))
	}
	for _, c := range cps.Checkpoints {
		want := "off|cp-flag cp-off"
		if c.OnDuty {
			want = "on|cp-flag cp-on"
		}
		if got := duty[strconv.FormatInt(c.ID, 10)]; got != want {
			t.Errorf("checkpoint %d (%s) drawn %q, want %q", c.ID, c.Name, got, want)
		}
	}
	eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('.cp-icon[data-checkpoint-id="%d"]').dispatchEvent(new MouseEvent('click', {bubbles: true})), true`, cp))
	waitJS(t, ctx, "popup", fmt.Sprintf(`!!document.querySelector('.cpop[data-checkpoint-id="%d"]')`, cp), 5*time.Second)
	text := eval[string](t, ctx, `document.querySelector('.cpop').textContent`)
	for _, want := range []string{"桐柏路南门卡点", "起在岗", "今日扫码88", "今日测温86", "今日发热0"} {
		if !strings.Contains(text, want) {
			t.Errorf("popup reads %q, want %q in it", text, want)
		}
	}
	chromedp.Do(ctx, chromedp.Sleep(400*time.Millisecond)) // the popup fades in
	screenshot(t, ctx, "map-checkpoints-zh")
	pickGrid(t, ctx, 1)
	waitJS(t, ctx, "no checkpoints on the subdistrict", `document.body.dataset.checkpoints === 'none' && !document.querySelector('.cp-icon')`, 5*time.Second)
}

// figures is a grid's coverage Figures (docs/FIELD.md).
type figures struct {
	Grid          int64
	Households    int
	Excluded      int
	ScreenedToday int      `json:"screened_today"`
	ScreenedPct   *float64 `json:"screened_pct"`
	Quarantined   int
	FeverAlerts   int `json:"fever_alerts"`
	OverdueVisits int `json:"overdue_visits"`
	OpenRequests  int `json:"open_requests"`
}

// shownToday is the panel's today block as the page shows it.
type shownToday struct {
	Grid, State      string
	Title            string
	Pct, PctText     string
	Part, Whole      int
	Nums, Denom      string
	Counts           map[string]int
	Red              map[string]bool // the count is drawn red
	Fetches          int             // GET /api/grids/{grid}/coverage requests so far
	Bottom, PanelBot float64         // bottom edges of the block and of the panel body's visible part
	PanelOver        bool            // the panel reaches past the map
	Scrolls, Wide    bool            // the panel body scrolls down, or sideways
}

const shownTodayJS = `(() => {
	const b = document.getElementById('panel-today');
	const q = (s) => b.querySelector(s);
	const r = q('.fig-ratio[data-stat="screened_pct"]');
	const counts = {}, red = {};
	for (const c of b.querySelectorAll('.fig-count')) {
		counts[c.dataset.stat] = Number(c.dataset.value);
		const [cr, cg, cb] = getComputedStyle(c.querySelector('.fig-n')).color.match(/\d+/g).map(Number);
		red[c.dataset.stat] = cr > 150 && cg < 100 && cb < 100;
	}
	const body = document.getElementById('panel-body');
	const panel = document.getElementById('panel').getBoundingClientRect();
	const map = document.getElementById('map').getBoundingClientRect();
	return {grid: b.dataset.grid, state: b.dataset.state, title: q('.today-title').textContent,
		pct: r ? r.dataset.pct : '', pctText: r ? r.querySelector('.pct').textContent : '',
		part: r ? Number(r.dataset.part) : -1, whole: r ? Number(r.dataset.whole) : -1,
		nums: r ? r.querySelector('.ratio-nums').textContent : '', denom: (q('.fig-denom') || {}).textContent || '',
		counts, red,
		fetches: performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname === '/api/grids/' + b.dataset.grid + '/coverage').length,
		bottom: b.getBoundingClientRect().bottom, panelBot: Math.min(body.getBoundingClientRect().bottom, window.innerHeight),
		panelOver: panel.bottom > map.bottom + 0.5 || panel.right > map.right + 0.5,
		scrolls: body.scrollHeight > body.clientHeight, wide: body.scrollWidth > body.clientWidth};
})()`

// thousands writes n with comma separators, as the page's zh-CN and en
// number formats do.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// checkToday compares the block with the API's figures.
func checkToday(t *testing.T, got shownToday, day string, want figures) {
	t.Helper()
	pct := ""
	if want.ScreenedPct != nil {
		pct = strconv.FormatFloat(*want.ScreenedPct, 'f', -1, 64)
	}
	if got.State != "loaded" || got.Grid != strconv.FormatInt(want.Grid, 10) {
		t.Errorf("today block of grid %s is %s, want grid %d loaded", got.Grid, got.State, want.Grid)
	}
	if got.Pct != pct || got.Part != want.ScreenedToday || got.Whole != want.Households {
		t.Errorf("today block shows %s%% screened (%d of %d), API %s%% (%d of %d)", got.Pct, got.Part, got.Whole, pct, want.ScreenedToday, want.Households)
	}
	if w := thousands(want.ScreenedToday) + " / " + thousands(want.Households); got.Nums != w {
		t.Errorf("today block's numbers read %q, want %q", got.Nums, w)
	}
	if !strings.HasSuffix(got.PctText, "%") && want.ScreenedPct != nil {
		t.Errorf("today block's percentage reads %q", got.PctText)
	}
	if !strings.Contains(got.Title, day) {
		t.Errorf("today block's title %q does not name the day %s", got.Title, day)
	}
	wantCounts := map[string]int{"quarantined": want.Quarantined, "fever_alerts": want.FeverAlerts, "overdue_visits": want.OverdueVisits, "open_requests": want.OpenRequests}
	for k, n := range wantCounts {
		if got.Counts[k] != n {
			t.Errorf("today block counts %s %d, API %d", k, got.Counts[k], n)
		}
		if got.Red[k] != (n > 0) {
			t.Errorf("today block's %s count %d drawn red: %v", k, n, got.Red[k])
		}
	}
}

// TestFieldBrowserPanelCoverage: on / the panel of 协作路社区 (grid 2)
// shows today's coverage as the API has it, with its denominator; a
// screening posted through the API in its compound grid 9 raises the
// count from the stream's coverage event, without a reload or a refetch.
// On a 1920×1080 wall display the block is in view without scrolling; on
// a 1280×800 laptop the panel stays inside the map and scrolls.
func TestFieldBrowserPanelCoverage(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	api := e.client(t, "admin-api", auth.Admin, 0)
	var gaps gapsAnswer
	api.get("/api/grids/9/gaps", &gaps)
	unscreened := households(gaps.Unscreened)
	if len(unscreened) < 4 {
		t.Fatalf("grid 9 has %d unscreened households today, want at least 4", len(unscreened))
	}
	// Things to do in grid 9, so that some counts are above 0: a hotline
	// request, a quarantine, and a fever at a gate; and two screenings.
	building := scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9`)
	fieldPost(t, api, "/api/requests", map[string]any{"building_id": building, "category": "medical", "body": "需要代购药品"}, 201)
	today := time.Now().In(shanghai(t))
	fieldPost(t, api, "/api/quarantines", map[string]any{"household_id": unscreened[len(unscreened)-1], "starts": today.Format(time.DateOnly),
		"ends": today.AddDate(0, 0, 7).Format(time.DateOnly), "reason": "close_contact"}, 201)
	lon, lat := gateOf(t, e, 9)
	cp := fieldPost(t, api, "/api/checkpoints", map[string]any{"grid_id": 9, "name": "桐柏路南门卡点", "lon": lon, "lat": lat}, 201)
	fieldPost(t, api, fmt.Sprintf("/api/checkpoints/%d/counts", cp), map[string]any{"scans": 40, "temperatures": 40, "fevers": 1}, 200)
	for _, h := range unscreened[1:3] {
		fieldPost(t, api, "/api/screenings", map[string]any{"household_id": h, "outcome": "normal"}, 201)
	}
	household := unscreened[0]
	var cov struct {
		Day  string
		Grid figures
	}
	if st := api.get("/api/grids/2/coverage", &cov); st != 200 {
		t.Fatalf("GET coverage: %d", st)
	}
	if cov.Grid.Quarantined == 0 || cov.Grid.FeverAlerts == 0 || cov.Grid.OpenRequests == 0 {
		t.Fatalf("grid 2's figures %+v: want quarantines, fever alerts and requests above 0", cov.Grid)
	}

	// The wall display: a kiosk browser, the whole 1920×1080 for the page.
	ctx := newBrowser(t, 1920, 1080)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatal(err)
	}
	login(t, ctx, e.ts.URL, "/#grid=2", "admin", password)
	waitJS(t, ctx, "today block of grid 2", `(b => b && b.dataset.grid === '2' && b.dataset.state === 'loaded')(document.getElementById('panel-today'))`, 20*time.Second)
	waitJS(t, ctx, "stream", `document.body.dataset.live === 'live'`, 20*time.Second)
	got := eval[shownToday](t, ctx, shownTodayJS)
	checkToday(t, got, cov.Day, cov.Grid)
	if want := fmt.Sprintf("%s 户在住（不含空置/拆除 %s 户）", thousands(cov.Grid.Households), thousands(cov.Grid.Excluded)); got.Denom != want {
		t.Errorf("denominator reads %q, want %q", got.Denom, want)
	}
	if got.Bottom > got.PanelBot || got.PanelOver {
		t.Errorf("on the wall display the today block ends at %.0f px, below the panel's visible part (%.0f px), or the panel leaves the map (%v)", got.Bottom, got.PanelBot, got.PanelOver)
	}
	chromedp.Do(ctx, chromedp.Sleep(700*time.Millisecond)) // the zoom settles
	screenshot(t, ctx, "panel-today-wall-zh")

	// A screening in grid 9 through the API: the block follows the event.
	// (Room to record every request from here on, to count refetches.)
	eval[bool](t, ctx, `performance.setResourceTimingBufferSize(100000), window.noReload = true`)
	fieldPost(t, api, "/api/screenings", map[string]any{"household_id": household, "outcome": "normal"}, 201)
	waitJS(t, ctx, "screened today +1", fmt.Sprintf(`document.querySelector('#panel-today .fig-ratio[data-stat="screened_pct"]').dataset.part === '%d'`, cov.Grid.ScreenedToday+1), 20*time.Second)
	after := eval[shownToday](t, ctx, shownTodayJS)
	var cov2 struct {
		Day  string
		Grid figures
	}
	api.get("/api/grids/2/coverage", &cov2)
	if cov2.Grid.ScreenedToday != cov.Grid.ScreenedToday+1 {
		t.Fatalf("the API counts %d screened today after the screening, was %d", cov2.Grid.ScreenedToday, cov.Grid.ScreenedToday)
	}
	checkToday(t, after, cov2.Day, cov2.Grid)
	if after.Fetches != got.Fetches {
		t.Errorf("the block fetched the coverage again (%d requests, were %d) instead of taking the event", after.Fetches, got.Fetches)
	}
	if !eval[bool](t, ctx, `window.noReload === true`) {
		t.Error("the page reloaded")
	}
	screenshot(t, ctx, "panel-today-wall-zh-live")

	// Another grid in the panel: its own figures, fetched.
	var cov9 struct {
		Day  string
		Grid figures
	}
	api.get("/api/grids/9/coverage", &cov9)
	pickGrid(t, ctx, 9)
	waitJS(t, ctx, "today block of grid 9", `(b => !!b && b.dataset.grid === '9' && b.dataset.state === 'loaded')(document.getElementById('panel-today'))`, 20*time.Second)
	checkToday(t, eval[shownToday](t, ctx, shownTodayJS), cov9.Day, cov9.Grid)
	pickGrid(t, ctx, 2)
	waitJS(t, ctx, "today block of grid 2 again", `(b => !!b && b.dataset.grid === '2' && b.dataset.state === 'loaded')(document.getElementById('panel-today'))`, 20*time.Second)
	setLangEN(t, ctx)
	en := eval[shownToday](t, ctx, shownTodayJS)
	if want := fmt.Sprintf("%s occupied households (excluding %s vacant/demolished)", thousands(cov2.Grid.Households), thousands(cov2.Grid.Excluded)); en.Denom != want || !strings.HasPrefix(en.Title, "Today") {
		t.Errorf("English block: title %q, denominator %q, want %q", en.Title, en.Denom, want)
	}
	chromedp.Do(ctx, chromedp.Sleep(700*time.Millisecond))
	screenshot(t, ctx, "panel-today-wall-en")

	// A laptop: the panel stays inside the map and scrolls, never sideways.
	laptop := newBrowser(t, 1280, 800)
	login(t, laptop, e.ts.URL, "/#grid=2", "admin", password)
	waitJS(t, laptop, "today block on the laptop", `(b => b && b.dataset.grid === '2' && b.dataset.state === 'loaded')(document.getElementById('panel-today'))`, 20*time.Second)
	lt := eval[shownToday](t, laptop, shownTodayJS)
	checkToday(t, lt, cov2.Day, cov2.Grid)
	if lt.PanelOver || lt.Wide {
		t.Errorf("on the laptop the panel leaves the map (%v) or scrolls sideways (%v)", lt.PanelOver, lt.Wide)
	}
	chromedp.Do(laptop, chromedp.Sleep(700*time.Millisecond))
	screenshot(t, laptop, "panel-today-laptop-zh")
	eval[bool](t, laptop, `(b => (b.scrollTop = b.scrollHeight, true))(document.getElementById('panel-body'))`)
	screenshot(t, laptop, "panel-today-laptop-zh-end")
	eval[bool](t, laptop, `document.getElementById('panel-body').scrollTop = 0, true`)
	setLangEN(t, laptop)
	if eval[shownToday](t, laptop, shownTodayJS).Wide {
		t.Error("in English the laptop's panel scrolls sideways")
	}
	screenshot(t, laptop, "panel-today-laptop-en")

	// A phone: the bottom sheet scrolls, never sideways.
	phone := newBrowser(t, 375, 812)
	if err := chromedp.Do(phone, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
		t.Fatal(err)
	}
	login(t, phone, e.ts.URL, "/#grid=2", "admin", password)
	waitJS(t, phone, "today block on the phone", `(b => !!b && b.dataset.grid === '2' && b.dataset.state === 'loaded')(document.getElementById('panel-today'))`, 20*time.Second)
	if ph := eval[shownToday](t, phone, shownTodayJS); ph.Wide || eval[bool](t, phone, `document.documentElement.scrollWidth > window.innerWidth`) {
		t.Error("on the phone the panel or the page scrolls sideways")
	}
	eval[bool](t, phone, `document.getElementById('panel-today').scrollIntoView(), true`)
	screenshot(t, phone, "panel-today-phone-zh")
}

// openRecords opens a tab of the grid page's records card and waits for
// its list (the import tab has none).
func openRecords(t *testing.T, ctx context.Context, tab string) {
	t.Helper()
	clickSel(t, ctx, fmt.Sprintf(`#records .rec-tab[data-tab="%s"]`, tab))
	if tab != "import" {
		waitJS(t, ctx, tab+" loaded", fmt.Sprintf(`document.getElementById('rec-%s').dataset.state === 'loaded'`, tab), 20*time.Second)
	}
	eval[bool](t, ctx, `document.getElementById('records').scrollIntoView(), true`)
}

// csvFile writes a CSV file for the page to upload.
func csvFile(t *testing.T, name string, rows [][]string) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// uploadThroughPage chooses a file in the import tab and uploads it.
func uploadThroughPage(t *testing.T, ctx context.Context, kind, path string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(s => (s.value = '%s', s.dispatchEvent(new Event('change')), true))(document.getElementById('imp-kind'))`, kind))
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#imp-file"), []string{path})); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "file chosen", `!document.getElementById('imp-upload').disabled`, 5*time.Second)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("imp-upload"))); err != nil {
		t.Fatal(err)
	}
}

// importRow is a row at fault as the page's error table shows it.
type importRow struct {
	Row, Column, Label, Problem string
}

const importRowsJS = `[...document.querySelectorAll('#imp-errors tbody tr')].map(tr => ({row: tr.dataset.row, column: tr.dataset.column,
	label: tr.querySelector('.imp-col').textContent, problem: tr.querySelector('.imp-msg').textContent}))`

// TestFieldBrowserImport: the grid-9 leader uploads a CSV screening two
// unscreened households through the page: "imported 2" shows and both
// leave the unscreened list without a reload. A CSV with a row naming an
// unknown building is refused: the page lists that row and column, says
// nothing was imported, and nothing was.
func TestFieldBrowserImport(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	api := e.client(t, "leader-api", auth.GridLeader, 9)
	var gaps gapsAnswer
	api.get("/api/grids/9/gaps", &gaps)
	ids := households(gaps.Unscreened)
	if len(ids) < 3 {
		t.Fatalf("grid 9 has %d unscreened households, want 3", len(ids))
	}
	type household struct{ grid, building, unit, room string }
	address := func(id int64) household {
		var h household
		err := e.conn.QueryRow(context.Background(), `SELECT g.name, b.name, h.unit, h.room FROM households h
			JOIN buildings b ON b.id = h.building_id JOIN current_grids g ON g.id = b.grid_id WHERE h.id = $1 AND h.status = 'occupied'`, id).
			Scan(&h.grid, &h.building, &h.unit, &h.room)
		if err != nil {
			t.Fatalf("household %d: %v", id, err)
		}
		return h
	}
	header := []string{"网格", "楼栋", "单元", "房号", "排查结果"}
	a, b, c := address(ids[0]), address(ids[1]), address(ids[2])
	good := csvFile(t, "排查-1.csv", [][]string{header,
		{a.grid, a.building, a.unit, a.room, "正常"},
		{b.grid, b.building, b.unit, b.room, "正常"}})

	_, password := e.account(t, "leader", auth.GridLeader, 9, 0)
	ctx := openGridPageAs(t, e, "leader", password, 1280, 860, false)
	waitJS(t, ctx, "stream", `document.body.dataset.live === 'live'`, 20*time.Second)
	eval[bool](t, ctx, `window.noReload = true`)
	listed := func(id int64) string {
		return fmt.Sprintf(`!!document.querySelector('#gap-panel .gap-item[data-kind="unscreened"][data-id="%d"]')`, id)
	}
	for _, id := range ids[:3] {
		if !eval[bool](t, ctx, listed(id)) {
			t.Fatalf("household %d is not listed unscreened before the import", id)
		}
	}
	openRecords(t, ctx, "import")
	hint := eval[string](t, ctx, `document.getElementById('imp-cols').textContent`)
	for _, col := range []string{"网格", "楼栋", "单元", "房号", "排查结果", "体温"} {
		if !strings.Contains(hint, col) {
			t.Errorf("the column hint %q does not name %s", hint, col)
		}
	}
	// Record what the page sends; window.loseNext loses the next import's
	// answer after the server has it (the page must send it again, with
	// the same client id).
	eval[bool](t, ctx, `(() => { window.sent = []; const f = window.fetch;
		window.fetch = (u, init) => {
			if (!String(u).startsWith('/api/import/')) return f(u, init);
			sent.push({url: String(u), type: init.headers['Content-Type']});
			const r = f(u, init);
			if (!window.loseNext) return r;
			window.loseNext = false;
			return r.then(() => { throw new TypeError('answer lost'); });
		};
		return true })()`)
	uploadThroughPage(t, ctx, "screenings", good)
	waitJS(t, ctx, "imported", `(p => !!p && p.dataset.imported === '2')(document.querySelector('#rec-import .imp-ok'))`, 15*time.Second)
	if msg := eval[string](t, ctx, `document.querySelector('#rec-import .imp-ok').textContent`); !strings.Contains(msg, "已导入 2 行") {
		t.Errorf("after the import the page says %q", msg)
	}
	for _, id := range ids[:2] {
		waitJS(t, ctx, fmt.Sprintf("household %d leaves the unscreened list", id), "!"+listed(id), 20*time.Second)
	}
	if !eval[bool](t, ctx, listed(ids[2])) {
		t.Errorf("household %d, not in the file, left the unscreened list", ids[2])
	}
	api.get("/api/grids/9/gaps", &gaps)
	if left := households(gaps.Unscreened); slices.Contains(left, ids[0]) || slices.Contains(left, ids[1]) {
		t.Errorf("the API still lists households %d and %d unscreened", ids[0], ids[1])
	}
	screenshot(t, ctx, "import-laptop-zh-ok")

	// One bad row refuses the file: row 3 names a building grid 9 lacks.
	bad := csvFile(t, "排查-2.csv", [][]string{header,
		{c.grid, c.building, c.unit, c.room, "正常"},
		{c.grid, "不存在的楼", "1单元", "101", "正常"}})
	uploadThroughPage(t, ctx, "screenings", bad)
	waitJS(t, ctx, "error table", `!!document.querySelector('#imp-errors tbody tr')`, 15*time.Second)
	rows := eval[[]importRow](t, ctx, importRowsJS)
	if len(rows) != 1 || rows[0].Row != "3" || rows[0].Column != "楼栋" || rows[0].Label != "楼栋" || rows[0].Problem != "网格中没有这个楼栋" {
		t.Errorf("error table lists %+v, want row 3, column 楼栋 (the file's header) with the problem in Chinese", rows)
	}
	if head := eval[string](t, ctx, `document.querySelector('.imp-refused-head').textContent`); !strings.Contains(head, "没有导入任何数据") {
		t.Errorf("refusal reads %q", head)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM screenings WHERE household_id = $1`, ids[2]); n != 0 {
		t.Errorf("household %d of the refused file's good row has %d screenings stored", ids[2], n)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM screenings WHERE household_id = ANY($1)`, ids[:2]); n != 2 {
		t.Errorf("the first file's households have %d screenings, want 2", n)
	}
	if !eval[bool](t, ctx, listed(ids[2])) {
		t.Errorf("household %d left the unscreened list after a refused import", ids[2])
	}
	if !eval[bool](t, ctx, `window.noReload === true`) {
		t.Error("the page reloaded")
	}
	eval[bool](t, ctx, `document.querySelector('.imp-refused').scrollIntoView({block: 'end'}), true`)
	screenshot(t, ctx, "import-laptop-zh-refused")

	// An .xlsx of the ledger: typed by its name, and the ledger follows.
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	f.SetSheetRow(sheet, "A1", &[]any{"网格", "楼栋", "单元", "房号", "姓名", "类别", "走访间隔（天）"})
	f.SetSheetRow(sheet, "A2", &[]any{c.grid, c.building, c.unit, c.room, "孙玉珍", "独居老人", 7})
	xlsx := filepath.Join(t.TempDir(), "关爱对象.xlsx")
	if err := f.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, ctx, `window.loseNext = true`)
	uploadThroughPage(t, ctx, "vulnerable", xlsx)
	waitJS(t, ctx, "xlsx imported", `(p => !!p && p.dataset.imported === '1')(document.querySelector('#rec-import .imp-ok'))`, 15*time.Second)
	waitJS(t, ctx, "ledger after the import", `[...document.querySelectorAll('#ledger-list .rec-name')].some(n => n.textContent === '孙玉珍')`, 20*time.Second)
	if n := scalar[int64](t, e, `SELECT count(*) FROM vulnerable_residents r JOIN people p ON p.id = r.person_id WHERE p.name = '孙玉珍'`); n != 1 {
		t.Errorf("the xlsx sent twice (answer lost) stored %d residents, want 1", n)
	}
	type sentUpload struct{ URL, Type string }
	sent := eval[[]sentUpload](t, ctx, `window.sent`)
	xlsxType := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	wantTypes := []string{"text/csv", "text/csv", xlsxType, xlsxType}
	clientIDs := make([]string, len(sent))
	for i, u := range sent {
		q, _ := url.Parse(u.URL)
		clientIDs[i] = q.Query().Get("client_id")
		if i < len(wantTypes) && u.Type != wantTypes[i] {
			t.Errorf("upload %d (%s) sent as %q, want %q", i, u.URL, u.Type, wantTypes[i])
		}
	}
	// Three files, three client ids; the xlsx sent again keeps its own.
	if len(sent) != 4 || clientIDs[0] == "" || clientIDs[0] == clientIDs[1] || clientIDs[1] == clientIDs[2] || clientIDs[0] == clientIDs[2] || clientIDs[2] != clientIDs[3] {
		t.Errorf("uploads sent %+v: want 4, a client id per file, the same one when sent again", sent)
	}
	types, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`import('/importer.js').then(m => ['a.CSV', 'b.xlsx', 'c.xls', 'd'].map(n => m.contentTypeOf(n) || ''))`, chromedp.EvalAwaitPromise))
	if err != nil || !slices.Equal(types, []string{"text/csv", wantTypes[2], "", ""}) {
		t.Errorf("content types by file name: %q (%v)", types, err)
	}
	clickSel(t, ctx, `#records .rec-tab[data-tab="import"]`)
	uploadThroughPage(t, ctx, "screenings", bad) // the refusal again, for the pictures
	waitJS(t, ctx, "error table again", `!!document.querySelector('#imp-errors tbody tr')`, 15*time.Second)
	setLangEN(t, ctx)
	if got := eval[[]importRow](t, ctx, importRowsJS); len(got) != 1 || got[0].Label != "楼栋" || got[0].Problem != "no building of this name in the grid" {
		t.Errorf("English error table lists %+v", got)
	}
	eval[bool](t, ctx, `document.querySelector('.imp-refused').scrollIntoView({block: 'end'}), true`)
	screenshot(t, ctx, "import-laptop-en-refused")

	// A phone: the form and the refusal fit the width.
	phone := openGridPageAs(t, e, "leader", password, 375, 812, true)
	openRecords(t, phone, "import")
	uploadThroughPage(t, phone, "screenings", bad)
	waitJS(t, phone, "error table on the phone", `!!document.querySelector('#imp-errors tbody tr')`, 15*time.Second)
	if eval[bool](t, phone, `document.documentElement.scrollWidth > window.innerWidth`) {
		t.Errorf("the phone page is %d px wide", eval[int](t, phone, `document.documentElement.scrollWidth`))
	}
	eval[bool](t, phone, `document.getElementById('records').scrollIntoView(), true`)
	screenshot(t, phone, "import-phone-zh")
	eval[bool](t, phone, `document.querySelector('.imp-refused').scrollIntoView(), true`)
	screenshot(t, phone, "import-phone-zh-refused")
	setLangEN(t, phone)
	eval[bool](t, phone, `document.getElementById('records').scrollIntoView(), true`)
	screenshot(t, phone, "import-phone-en")
	eval[bool](t, phone, `document.querySelector('.imp-refused').scrollIntoView(), true`)
	screenshot(t, phone, "import-phone-en-refused")
}

// ledgerAnswer is GET /api/grids/{id}/vulnerable, as far as the test reads it.
type ledgerAnswer struct {
	Residents []ledgerResident
}

type ledgerResident struct {
	ID      int64
	Name    string
	Overdue bool
	Visits  []struct {
		ID     int64
		Method string
		Note   *string
	}
}

// partyAnswer is GET /api/grids/{id}/party-members.
type partyAnswer struct {
	PartyMembers []struct {
		PersonID int64 `json:"person_id"`
		Name     string
		Points   int
	} `json:"party_members"`
}

func (a partyAnswer) points(id int64) int {
	for _, m := range a.PartyMembers {
		if m.PersonID == id {
			return m.Points
		}
	}
	return -1
}

// submitForm fills a form's fields by name and submits it.
func submitForm(t *testing.T, ctx context.Context, form string, values map[string]string) {
	t.Helper()
	v, _ := json.Marshal(values)
	eval[bool](t, ctx, fmt.Sprintf(`(f => { for (const [k, v] of Object.entries(%s)) f.elements[k].value = v; return true })(document.querySelector('%s'))`, v, form))
	clickSel(t, ctx, form+` button[type="submit"]`)
}

// TestFieldBrowserLedger: residents put on the ledger of grid 9 through
// the API are listed, an overdue one first with how long overdue; a visit
// recorded through the page shows in its visit log as the API has it; a
// new resident joins the list from the stream; a hotline request is
// closed through the page; points awarded through the page raise the
// member's total as the API has it, and 0 points are refused before
// anything is sent.
func TestFieldBrowserLedger(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	api := e.client(t, "leader-api", auth.GridLeader, 9)
	hh := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 AND h.status = 'occupied'`)
	hh2 := scalar[int64](t, e, `SELECT max(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 AND h.status = 'occupied'`)
	resident := fieldPost(t, api, "/api/vulnerable", map[string]any{"household_id": hh, "name": "李秀英", "phone": "13800001111", "category": "elderly_alone", "visit_every_days": 7}, 201)
	late := fieldPost(t, api, "/api/vulnerable", map[string]any{"household_id": hh2, "name": "赵建国", "category": "chronic_illness", "visit_every_days": 7}, 201)
	// Entered ten days ago and never visited: three days overdue.
	if _, err := e.conn.Exec(context.Background(), `UPDATE vulnerable_residents SET since = now() - interval '10 days' WHERE id = $1`, late); err != nil {
		t.Fatal(err)
	}
	building := scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9`)
	request := fieldPost(t, api, "/api/requests", map[string]any{"building_id": building, "category": "supplies", "body": "独居老人需要代购药品和米面", "caller": "王女士", "phone": "13900002222"}, 201)

	_, password := e.account(t, "leader", auth.GridLeader, 9, 0)
	ctx := openGridPageAs(t, e, "leader", password, 1280, 860, false)
	waitJS(t, ctx, "stream", `document.body.dataset.live === 'live'`, 20*time.Second)
	openRecords(t, ctx, "ledger")
	item := func(id int64) string { return fmt.Sprintf(`#ledger-list .rec-item[data-resident-id="%d"]`, id) }
	order := eval[[]string](t, ctx, `[...document.querySelectorAll('#ledger-list .rec-item')].map(li => li.dataset.residentId + '|' + li.dataset.overdue)`)
	if want := []string{fmt.Sprintf("%d|true", late), fmt.Sprintf("%d|false", resident)}; !slices.Equal(order, want) {
		t.Errorf("ledger lists %v, want %v (the overdue resident first)", order, want)
	}
	if badge := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s .rec-badge').textContent`, item(late))); badge != "逾期 3 天" {
		t.Errorf("overdue resident's badge reads %q, want 逾期 3 天", badge)
	}
	text := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s').textContent`, item(resident)))
	for _, want := range []string{"李秀英", "独居老人", "从未走访", "每 7 天走访"} {
		if !strings.Contains(text, want) {
			t.Errorf("ledger entry reads %q, want %q in it", text, want)
		}
	}

	// A visit through the page: it shows in the entry's visit log.
	clickUntil(t, ctx, item(resident)+" .rec-head", "the record opened", visibleJS(item(resident)+" form.act-visit"))
	if n := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('%s .rec-visits li').length`, item(resident))); n != 0 {
		t.Errorf("a resident never visited shows %d visits", n)
	}
	submitForm(t, ctx, item(resident)+" form.act-visit", map[string]string{"method": "phone", "note": "电话问候，身体无恙"})
	waitJS(t, ctx, "visit in the log", fmt.Sprintf(`(li => !!li && li.dataset.method === 'phone' && li.textContent.includes('电话问候，身体无恙'))(document.querySelector('%s .rec-visits li'))`, item(resident)), 20*time.Second)
	var led ledgerAnswer
	api.get("/api/grids/9/vulnerable", &led)
	i := slices.IndexFunc(led.Residents, func(r ledgerResident) bool { return r.ID == resident })
	if i < 0 || len(led.Residents[i].Visits) != 1 || led.Residents[i].Visits[0].Method != "phone" ||
		led.Residents[i].Visits[0].Note == nil || *led.Residents[i].Visits[0].Note != "电话问候，身体无恙" {
		t.Fatalf("the API's ledger has resident %d as %+v", resident, led.Residents)
	}
	shownVisit := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s .rec-visits li').dataset.visitId`, item(resident)))
	if want := strconv.FormatInt(led.Residents[i].Visits[0].ID, 10); shownVisit != want {
		t.Errorf("the page shows visit %s, the API %s", shownVisit, want)
	}
	if text := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s').textContent`, item(resident))); !strings.Contains(text, "上次走访") {
		t.Errorf("after the visit the entry reads %q", text)
	}
	screenshot(t, ctx, "ledger-laptop-zh")

	// Another client puts a resident on the ledger: the list follows.
	added := fieldPost(t, api, "/api/vulnerable", map[string]any{"household_id": hh, "name": "周桂兰", "category": "disabled", "visit_every_days": 14}, 201)
	waitJS(t, ctx, "new resident (stream)", fmt.Sprintf(`!!document.querySelector('%s')`, item(added)), 20*time.Second)

	// The request: listed open, closed through the page.
	openRecords(t, ctx, "requests")
	req := fmt.Sprintf(`#requests-list .rec-item[data-request-id="%d"]`, request)
	if state := eval[string](t, ctx, fmt.Sprintf(`(document.querySelector('%s') || {dataset: {}}).dataset.state || ''`, req)); state != "open" {
		t.Fatalf("request %d shown %q, want open", request, state)
	}
	clickUntil(t, ctx, req+" .rec-head", "the record opened", visibleJS(req+" form.act-close"))
	screenshot(t, ctx, "requests-laptop-zh")
	submitForm(t, ctx, req+" form.act-close", map[string]string{"resolution": "已代购送达"})
	waitJS(t, ctx, "request closed", fmt.Sprintf(`(li => !!li && li.dataset.state === 'closed')(document.querySelector('%s'))`, req), 20*time.Second)
	if n := scalar[int64](t, e, `SELECT count(*) FROM requests WHERE id = $1 AND closed_at IS NOT NULL AND resolution = '已代购送达'`, request); n != 1 {
		t.Errorf("request %d is not closed with its resolution in the database", request)
	}
	// Closed, it waits for its follow-up call (回访), recorded through the page.
	waitJS(t, ctx, "follow-up form", fmt.Sprintf(`!!document.querySelector('%s form.act-followup')`, req), 20*time.Second)
	submitForm(t, ctx, req+" form.act-followup", map[string]string{"satisfaction": "satisfied", "note": "老人很满意"})
	waitJS(t, ctx, "followed up", fmt.Sprintf(`(li => !!li && li.dataset.state === 'followed-up' && li.querySelector('.rec-followup').textContent.includes('满意'))(document.querySelector('%s'))`, req), 20*time.Second)
	if n := scalar[int64](t, e, `SELECT count(*) FROM request_follow_ups WHERE request_id = $1 AND satisfaction = 'satisfied' AND note = '老人很满意'`, request); n != 1 {
		t.Errorf("request %d's follow-up is not in the database", request)
	}
	screenshot(t, ctx, "requests-followup-laptop-zh")

	// Points: 0 is refused on the page, +5 raises the member's total.
	var party partyAnswer
	api.get("/api/grids/9/party-members", &party)
	if len(party.PartyMembers) == 0 {
		t.Fatal("grid 9 has no party members")
	}
	m := party.PartyMembers[len(party.PartyMembers)-1]
	openRecords(t, ctx, "party")
	member := fmt.Sprintf(`#party-list .rec-item[data-person-id="%d"]`, m.PersonID)
	if shown := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s').dataset.points`, member)); shown != strconv.Itoa(m.Points) {
		t.Errorf("member %d shown with %s points, API %d", m.PersonID, shown, m.Points)
	}
	clickUntil(t, ctx, member+" .rec-head", "the member's form", visibleJS(member+" form.act-points"))
	submitForm(t, ctx, member+" form.act-points", map[string]string{"points": "0", "reason": "测试"})
	if msg := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s form.act-points .act-status').textContent`, member)); !strings.Contains(msg, "不能为 0") {
		t.Errorf("0 points: the form says %q", msg)
	}
	submitForm(t, ctx, member+" form.act-points", map[string]string{"points": "5", "reason": "组织楼栋志愿服务"})
	waitJS(t, ctx, "points raised", fmt.Sprintf(`(li => !!li && li.dataset.points === '%d')(document.querySelector('%s'))`, m.Points+5, member), 20*time.Second)
	api.get("/api/grids/9/party-members", &party)
	if got := party.points(m.PersonID); got != m.Points+5 {
		t.Errorf("the API has member %d at %d points, want %d", m.PersonID, got, m.Points+5)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM point_awards WHERE person_id = $1 AND points = 0`, m.PersonID); n != 0 {
		t.Errorf("an award of 0 points was stored")
	}
	eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('%s').scrollIntoView({block: 'center'}), true`, member))
	screenshot(t, ctx, "party-laptop-zh")
	setLangEN(t, ctx)
	eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('%s').scrollIntoView({block: 'center'}), true`, member))
	screenshot(t, ctx, "party-laptop-en")
	openRecords(t, ctx, "ledger")
	screenshot(t, ctx, "ledger-laptop-en")

	// A phone: the ledger with an entry open, in both languages.
	phone := openGridPageAs(t, e, "leader", password, 375, 812, true)
	waitJS(t, phone, "ledger on the phone", `document.getElementById('rec-ledger').dataset.state === 'loaded'`, 20*time.Second)
	clickSel(t, phone, `#gw-jump [data-jump="records"]`)
	waitJS(t, phone, "the jump to the records", `(r => r.top >= 0 && r.top < window.innerHeight)(document.getElementById('records').getBoundingClientRect())`, 5*time.Second)
	clickUntil(t, phone, item(resident)+" .rec-head", "the record opened", visibleJS(item(resident)+" form.act-visit"))
	if eval[bool](t, phone, `document.documentElement.scrollWidth > window.innerWidth`) {
		t.Errorf("the phone page is %d px wide", eval[int](t, phone, `document.documentElement.scrollWidth`))
	}
	eval[bool](t, phone, `document.getElementById('records').scrollIntoView(), true`)
	screenshot(t, phone, "ledger-phone-zh")
	openRecords(t, phone, "party")
	screenshot(t, phone, "party-phone-zh")
	setLangEN(t, phone)
	openRecords(t, phone, "ledger")
	screenshot(t, phone, "ledger-phone-en")
	openRecords(t, phone, "requests")
	screenshot(t, phone, "requests-phone-en")

	// A viewer (the wall display) reads the lists, masked, and writes nothing.
	_, vpass := e.account(t, "wall", auth.Viewer, 0, 0)
	wall := openGridPageAs(t, e, "wall", vpass, 1280, 860, false)
	openRecords(t, wall, "ledger")
	if name := eval[string](t, wall, fmt.Sprintf(`document.querySelector('%s .rec-name').textContent`, item(resident))); name == "李秀英" || !strings.Contains(name, "*") {
		t.Errorf("the viewer sees the resident's name as %q, want it masked", name)
	}
	clickUntil(t, wall, item(resident)+" .rec-head", "the record opened", visibleJS(item(resident)+" .act-readonly"))
	openRecords(t, wall, "party")
	clickUntil(t, wall, member+" .rec-head", "the record opened", visibleJS(member+" .act-readonly"))
	openRecords(t, wall, "import")
	if n := eval[int](t, wall, `document.querySelectorAll('#rec-import input, #rec-import button, #rec-import form').length`); n != 0 {
		t.Errorf("the viewer's import tab has %d controls", n)
	}
	if note := eval[string](t, wall, `document.getElementById('rec-import').textContent`); !strings.Contains(note, "只能查看") {
		t.Errorf("the viewer's import tab reads %q", note)
	}
}
