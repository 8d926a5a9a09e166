package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// historyShown is what the history card and the map show.
type historyShown struct {
	Items   []string // publication ids listed, newest first
	Added   []string // grid ids listed as added by the comparison
	Removed []string
	Changed []string
	Paths   map[string]int // drawn history paths by kind
	AsOfL3  int            // compound grids drawn by the as-of view
	View    string         // body[data-view]: mode:state, '' for the editor
	Banner  string
}

const historyShownJS = `(() => {
	const ids = (sel, attr) => [...document.querySelectorAll(sel)].map(n => n.dataset[attr]);
	const paths = {};
	for (const p of document.querySelectorAll('path[data-kind]')) paths[p.dataset.kind] = (paths[p.dataset.kind] || 0) + 1;
	const banner = document.getElementById('pl-view');
	return {
		items: ids('#pl-history-list .pl-hist-item', 'publicationId'),
		added: ids('#pl-cmp li[data-kind="added"]', 'gridId'),
		removed: ids('#pl-cmp li[data-kind="removed"]', 'gridId'),
		changed: ids('#pl-cmp li[data-kind="changed"]', 'gridId'),
		paths,
		asOfL3: document.querySelectorAll('path.plan-asof-l3').length,
		view: document.body.dataset.view || '',
		banner: banner.hidden ? '' : document.getElementById('pl-view-text').textContent,
	};
})()`

// smallHistoryJS lists the history card's visible controls (its links
// too) less than 44 px tall or wide.
const smallHistoryJS = `(() => {
	const out = [];
	for (const n of document.querySelectorAll('#pl-history summary, #pl-history button, #pl-history a, #pl-view button, #pl-dialog button, #pl-dialog input')) {
		const r = n.getBoundingClientRect();
		if (!r.width || !r.height || n.closest('[hidden]')) continue;
		if (r.height < 43.5 || r.width < 43.5) out.push((n.id || n.className || n.tagName) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
	}
	return out;
})()`

// pubItem is the CSS selector of a control of one listed publication.
func pubItem(id int64, sel string) string {
	return fmt.Sprintf(`#pl-history-list .pl-hist-item[data-publication-id="%d"] %s`, id, sel)
}

// TestPlanBrowserHistory: a planner splits grid 9 through the API
// (publication 2). On /plan the history card lists both publications;
// the comparison of 2 with 1 lists the two new grids and grid 9 removed
// and draws them; the view as of publication 1 draws its 23 compound
// grids; the export links give those boundaries; rolling back 2 (after a
// confirm) publishes 3, which restores grid 9. On a phone, in Chinese and
// English: 44 px targets, no sideways scrolling; rolling back 2 again is
// refused naming the grids changed since, and rolling back a publication
// that only renamed a grid says it changed no boundary.
func TestPlanBrowserHistory(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	id, pw := e.account(t, "planner", auth.Planner, 0, 0)
	p := planner{t, sessionFor(t, e, id)}
	d := p.open(2)
	d = p.mustOp(d, map[string]any{"op": "split", "id": 9, "line": splitLine(t, e, 9, 0.5)})
	r := p.publish(d, "no_leader", "load_rise")
	if r.Status != 200 {
		t.Fatalf("publish the split: %d %s", r.Status, r.Body)
	}
	var pub struct {
		ID int64 `json:"publication_id"`
	}
	json.Unmarshal(r.Body, &pub)

	ctx := openPlanner(t, e, pw, 1400, 900, false)
	clickSel(t, ctx, "#pl-history summary")
	waitJS(t, ctx, "two publications", `document.querySelectorAll('#pl-history-list .pl-hist-item').length === 2`, 20*time.Second)
	shown := eval[historyShown](t, ctx, historyShownJS)
	if want := []string{fmt.Sprint(pub.ID), "1"}; strings.Join(shown.Items, ",") != strings.Join(want, ",") {
		t.Errorf("the card lists publications %v, want %v", shown.Items, want)
	}
	if eval[bool](t, ctx, `!!document.querySelector('.pl-hist-item[data-publication-id="1"] .pl-hist-rollback, .pl-hist-item[data-publication-id="1"] .pl-hist-compare')`) {
		t.Error("the seed (publication 1) offers a rollback or a comparison")
	}
	if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent`, pubItem(pub.ID, ".pl-hist-head"))); !strings.Contains(got, "planner") || !strings.Contains(got, "个网格") {
		t.Errorf("publication %d reads %q, want who and how many grids", pub.ID, got)
	}
	screenshot(t, ctx, "history-list-zh")

	// Compare 2 with 1: two grids added, grid 9 removed, on the card and the map.
	clickSel(t, ctx, pubItem(pub.ID, ".pl-hist-compare"))
	waitJS(t, ctx, "comparison", `document.body.dataset.view === 'compare:ready' && !!document.getElementById('pl-cmp')`, 15*time.Second)
	chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond))
	shown = eval[historyShown](t, ctx, historyShownJS)
	if len(shown.Added) != 2 || strings.Join(shown.Removed, ",") != "9" || len(shown.Changed) != 0 {
		t.Errorf("the comparison lists added %v, removed %v, changed %v; want 2 added and grid 9 removed", shown.Added, shown.Removed, shown.Changed)
	}
	if shown.Paths["added"] != 2 || shown.Paths["removed"] != 1 || shown.Paths["context"] < 20 {
		t.Errorf("the comparison draws %v, want 2 added, 1 removed and the other grids as context", shown.Paths)
	}
	if eval[int](t, ctx, `document.querySelectorAll('path.plan-context, path.plan-grid').length`) != 0 {
		t.Error("the editor's layers stay on the map under the comparison")
	}
	if !strings.Contains(shown.Banner, "#1") || !strings.Contains(shown.Banner, fmt.Sprintf("#%d", pub.ID)) {
		t.Errorf("the banner says %q, want both publications", shown.Banner)
	}
	if got := eval[string](t, ctx, `document.querySelector('#pl-cmp li[data-kind="removed"]').textContent`); !strings.Contains(got, "平方米") {
		t.Errorf("the removed grid reads %q, want its area", got)
	}
	screenshot(t, ctx, "history-compare-zh")

	// As of publication 1: the 23 compound grids, grid 9 among them.
	clickSel(t, ctx, pubItem(1, ".pl-hist-asof"))
	waitJS(t, ctx, "as of 1", `document.body.dataset.view === 'asof:ready'`, 15*time.Second)
	chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond))
	shown = eval[historyShown](t, ctx, historyShownJS)
	if shown.AsOfL3 != 23 || shown.Paths["added"] != 0 || len(shown.Added) != 0 {
		t.Errorf("as of publication 1 the map draws %d compound grids (and %v), want 23 and no comparison", shown.AsOfL3, shown.Paths)
	}
	if !eval[bool](t, ctx, `!!document.querySelector('path.plan-asof-l3[data-grid-id="9"]')`) {
		t.Error("as of publication 1 grid 9 is not drawn")
	}
	if !strings.Contains(shown.Banner, "#1") || !strings.Contains(shown.Banner, "只读") {
		t.Errorf("the banner says %q, want publication 1, read-only", shown.Banner)
	}
	screenshot(t, ctx, "history-asof-zh")

	// The server out of reach: the page says so, and the comparison
	// arrives once it answers again.
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	block := func(patterns ...string) {
		ps := []*network.BlockPattern{}
		for _, p := range patterns {
			ps = append(ps, &network.BlockPattern{URLPattern: p, Block: true})
		}
		if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: ps}); err != nil {
			t.Fatal(err)
		}
	}
	block("*://*:*/api/publications/compare*", "*://*:*/api/drafts*")
	clickSel(t, ctx, pubItem(pub.ID, ".pl-hist-compare"))
	waitJS(t, ctx, "server unavailable", `document.body.dataset.net === 'down' && !document.getElementById('pl-net').hidden && document.body.dataset.view === 'compare:loading'`, 20*time.Second)
	screenshot(t, ctx, "history-offline-zh")
	block()
	waitJS(t, ctx, "comparison once the server is back", `document.body.dataset.net === 'ok' && document.body.dataset.view === 'compare:ready' && document.querySelectorAll('path.plan-hist-added').length === 2`, 15*time.Second)
	clickSel(t, ctx, pubItem(1, ".pl-hist-asof"))
	waitJS(t, ctx, "as of 1 again", `document.body.dataset.view === 'asof:ready'`, 15*time.Second)

	// Its export link gives the boundaries as of then (grid 9 is in it).
	href := eval[string](t, ctx, `document.querySelector('.pl-hist-item[data-publication-id="1"] a[data-format="geojson"]').getAttribute('href')`)
	if !strings.Contains(href, "root=1") || !strings.Contains(href, "asof=") {
		t.Errorf("export link %q, want the subdistrict as of publication 1", href)
	}
	var file struct {
		Features []struct {
			Properties struct{ ID int64 }
		}
	}
	if s := p.c.get(href, &file); s != 200 {
		t.Errorf("GET %s: %d", href, s)
	}
	found9 := false
	for _, f := range file.Features {
		found9 = found9 || f.Properties.ID == 9
	}
	if !found9 {
		t.Errorf("the export as of publication 1 (%d features) has no grid 9", len(file.Features))
	}

	// Roll back the split: a confirm, then publication 3.
	clickSel(t, ctx, pubItem(pub.ID, ".pl-hist-rollback"))
	waitJS(t, ctx, "rollback dialog", `document.getElementById('pl-dialog').open && !!document.getElementById('pl-dlg-note')`, 5*time.Second)
	if got := eval[string](t, ctx, `document.querySelector('#pl-dialog .pl-dialog-body').textContent`); !strings.Contains(got, "把这次发布改动的网格恢复为发布前的边界，作为一次新发布") {
		t.Errorf("the rollback dialog says %q", got)
	}
	screenshot(t, ctx, "history-rollback-dialog-zh")
	clickSel(t, ctx, "#pl-dialog-ok")
	waitJS(t, ctx, "rolled back", `!!document.getElementById('pl-rb-ok') && document.querySelectorAll('#pl-history-list .pl-hist-item').length === 3`, 20*time.Second)
	rolled := eval[string](t, ctx, `document.getElementById('pl-rb-ok').dataset.publicationId`)
	if got := eval[string](t, ctx, `document.getElementById('pl-rb-ok').textContent`); !strings.Contains(got, "#"+rolled) {
		t.Errorf("the rollback says %q, want the new publication #%s", got, rolled)
	}
	if first := eval[string](t, ctx, `document.querySelector('#pl-history-list .pl-hist-item').dataset.publicationId`); first != rolled {
		t.Errorf("the newest publication listed is %s, want the rollback's %s", first, rolled)
	}
	// The view moves on to the boundaries now.
	waitJS(t, ctx, "as of the rollback", fmt.Sprintf(`document.body.dataset.view === 'asof:ready' && document.getElementById('pl-view-text').textContent.includes('#%s')`, rolled), 15*time.Second)
	if n := eval[int](t, ctx, `document.querySelectorAll('path.plan-asof-l3').length`); n != 23 {
		t.Errorf("after the rollback the map draws %d compound grids, want 23", n)
	}
	if !eval[bool](t, ctx, `document.getElementById('pl-foreign').hidden`) {
		t.Error("the page's own rollback raised the banner for someone else's publication")
	}
	screenshot(t, ctx, "history-rolledback-zh")
	var fc struct{ Features []struct{ ID int64 } }
	if s := p.c.get("/api/grids?level=3", &fc); s != 200 {
		t.Fatalf("grids: %d", s)
	}
	has9 := false
	for _, f := range fc.Features {
		has9 = has9 || f.ID == 9
	}
	if len(fc.Features) != 23 || !has9 {
		t.Errorf("after the rollback the API has %d compound grids (grid 9: %v), want 23 with 9", len(fc.Features), has9)
	}

	// Leave the view: back to the communities of the editor.
	clickSel(t, ctx, "#pl-view-close")
	waitJS(t, ctx, "editor again", `document.body.dataset.view === '' && document.getElementById('pl-view').hidden &&
		!document.querySelector('path[data-kind]') && document.querySelectorAll('path.plan-context').length > 0`, 5*time.Second)

	// With a draft open: the export is of its root, and leaving a view
	// brings the draft back on the map with its tools.
	newDraftOf(t, ctx, 2, "历史测试草稿")
	if href := eval[string](t, ctx, `document.querySelector('.pl-hist-item[data-publication-id="1"] a[data-format="kml"]').getAttribute('href')`); !strings.Contains(href, "root=2&format=kml") {
		t.Errorf("with a draft of grid 2 open the export link is %q", href)
	}
	clickSel(t, ctx, pubItem(1, ".pl-hist-asof"))
	waitJS(t, ctx, "as of 1 over the draft", `document.body.dataset.view === 'asof:ready' && document.querySelectorAll('path.plan-asof-l3').length === 23`, 15*time.Second)
	if !eval[bool](t, ctx, `!document.querySelector('path.plan-grid') && document.getElementById('pl-tools').hidden && document.getElementById('pl-view-close').textContent === '返回草稿'`) {
		t.Error("the view of publication 1 leaves the draft or its tools on the map, or offers no way back to the draft")
	}
	screenshot(t, ctx, "history-asof-draft-zh")
	clickSel(t, ctx, "#pl-view-close")
	waitJS(t, ctx, "the draft again", `document.body.dataset.view === '' && document.querySelectorAll('path.plan-grid-l3[data-grid-id]').length === 3 &&
		!document.querySelector('path[data-kind]') && !document.getElementById('pl-tools').hidden`, 5*time.Second)

	// A publication that only renames a grid.
	d = p.open(2)
	d = p.mustOp(d, map[string]any{"op": "update", "id": 10, "name": "秦岭路123号院（改名）"})
	if r := p.publish(d, "no_leader", "load_rise"); r.Status != 200 {
		t.Fatalf("publish the rename: %d %s", r.Status, r.Body)
	}
	waitJS(t, ctx, "four publications", `document.querySelectorAll('#pl-history-list .pl-hist-item').length === 4`, 20*time.Second)

	// On a phone.
	phone := openPlanner(t, e, pw, 390, 844, true)
	clickSel(t, phone, "#pl-history summary")
	waitJS(t, phone, "four publications on the phone", `document.querySelectorAll('#pl-history-list .pl-hist-item').length === 4`, 20*time.Second)
	eval[bool](t, phone, `document.getElementById('pl-history').scrollIntoView(), true`)
	screenshot(t, phone, "history-phone-list-zh")
	checkPhone := func(when string) {
		t.Helper()
		if small := eval[[]string](t, phone, smallTargetsJS); len(small) > 0 {
			t.Errorf("controls smaller than 44 px on the phone %s: %v", when, small)
		}
		if small := eval[[]string](t, phone, smallHistoryJS); len(small) > 0 {
			t.Errorf("history controls smaller than 44 px on the phone %s: %v", when, small)
		}
		if eval[bool](t, phone, `document.documentElement.scrollWidth > window.innerWidth || document.getElementById('pl-side').scrollWidth > document.getElementById('pl-side').clientWidth`) {
			t.Errorf("the phone page scrolls sideways %s", when)
		}
	}
	checkPhone("with the history open")
	clickSel(t, phone, pubItem(pub.ID, ".pl-hist-compare"))
	waitJS(t, phone, "comparison on the phone", `document.body.dataset.view === 'compare:ready' && document.querySelectorAll('path.plan-hist-added').length === 2`, 15*time.Second)
	chromedp.Do(phone, chromedp.Sleep(300*time.Millisecond))
	checkPhone("comparing")
	if eval[bool](t, phone, `(v => v.bottom > document.getElementById('map').getBoundingClientRect().bottom || v.left < 44)(document.getElementById('pl-view').getBoundingClientRect())`) {
		t.Error("on the phone the banner leaves the map or covers the zoom buttons")
	}
	eval[bool](t, phone, `document.getElementById('pl-side').scrollTop = 0, true`)
	screenshot(t, phone, "history-phone-compare-map-zh")
	eval[bool](t, phone, `document.getElementById('pl-cmp').scrollIntoView(), true`)
	screenshot(t, phone, "history-phone-compare-zh")

	// Rolling back the split again: its grids changed since (409).
	clickSel(t, phone, pubItem(pub.ID, ".pl-hist-rollback"))
	waitJS(t, phone, "rollback dialog on the phone", `document.getElementById('pl-dialog').open`, 5*time.Second)
	checkPhone("in the rollback dialog")
	screenshot(t, phone, "history-phone-dialog-zh")
	clickSel(t, phone, "#pl-dialog-ok")
	waitJS(t, phone, "refused", `!!document.getElementById('pl-rb-conflict') && document.querySelectorAll('#pl-rb-conflict li').length > 0`, 15*time.Second)
	if got := eval[[]string](t, phone, `[...document.querySelectorAll('#pl-rb-conflict li')].map(li => li.dataset.gridId)`); len(got) != 2 {
		t.Errorf("the refused rollback names grids %v, want the two parts of the split", got)
	}
	eval[bool](t, phone, `document.getElementById('pl-rb-conflict').scrollIntoView({block: 'center'}), true`)
	screenshot(t, phone, "history-phone-conflict-zh")

	// The rename changed no boundary (422), in English.
	setLangEN(t, phone)
	renamed := eval[string](t, phone, `document.querySelector('#pl-history-list .pl-hist-item').dataset.publicationId`)
	clickSel(t, phone, fmt.Sprintf(`.pl-hist-item[data-publication-id="%s"] .pl-hist-rollback`, renamed))
	waitJS(t, phone, "rollback dialog in English", `document.getElementById('pl-dialog').open`, 5*time.Second)
	clickSel(t, phone, "#pl-dialog-ok")
	waitJS(t, phone, "no boundary changed", `!!document.getElementById('pl-rb-nochange')`, 15*time.Second)
	if got := eval[string](t, phone, `document.getElementById('pl-rb-nochange').textContent`); !strings.Contains(got, "changed no boundary") {
		t.Errorf("the rollback of a rename says %q", got)
	}
	checkPhone("in English")
	if got := eval[string](t, phone, `document.getElementById('pl-view-text').textContent`); !strings.HasPrefix(got, "Comparing") {
		t.Errorf("the English banner says %q", got)
	}
	eval[bool](t, phone, `document.getElementById('pl-rb-nochange').scrollIntoView({block: 'center'}), true`)
	screenshot(t, phone, "history-phone-nochange-en")
	eval[bool](t, phone, `document.getElementById('pl-side').scrollTop = 0, true`)
	screenshot(t, phone, "history-phone-map-en")
	if n := scalar[int64](t, e, `SELECT count(*) FROM boundary_publications`); n != 4 {
		t.Errorf("%d publications after a refused rollback and one of a rename, want 4", n)
	}
}
