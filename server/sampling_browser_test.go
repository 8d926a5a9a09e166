package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestSamplingSitesBrowser: the map page / shows the sampling sites of
// the account's scope with their queue on the marker and the rest in the
// popup, and a report sent meanwhile changes the marker without a reload
// (the "sampling" stream event).
func TestSamplingSitesBrowser(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "ss-leader", auth.GridLeader, 9, 0)
	staff := e.client(t, "ss-staff", auth.Staff, 9)
	community := scalar[int64](t, e, `SELECT parent_id FROM current_grids WHERE id = 9`)
	other := scalar[int64](t, e, `SELECT min(id) FROM current_grids WHERE level = 3 AND parent_id <> $1`, community)
	insert := func(grid int64, name, opens, closes string, dx float64) int64 {
		return scalar[int64](t, e, `INSERT INTO sampling_sites (grid_id, name, geom, opens, closes)
			SELECT id, $2, ST_Translate(ST_PointOnSurface(geom), $5, 0), $3::time, $4::time FROM current_grids WHERE id = $1 RETURNING id`, grid, name, opens, closes, dx)
	}
	open := insert(9, "桐柏路61号院核酸采样点", "00:00", "23:59", 0)
	closed := insert(9, "西门临时采样点", "00:00", "00:01", 0.0006)
	foreign := insert(other, "别的社区采样点", "00:00", "23:59", 0)
	report := func(site int64, queue, tested int) {
		t.Helper()
		if r := staff.do("POST", fmt.Sprintf("/api/sampling-sites/%d/reports", site), fmt.Sprintf(`{"client_id": %q, "queue": %d, "tested": %d}`, cid(), queue, tested)); r.Status != 201 {
			t.Fatalf("report: %d %s", r.Status, r.Body)
		}
	}
	report(open, 7, 120)
	report(open, 9, 35)

	b := newBrowser(t, 1200, 800)
	login(t, b, e.ts.URL, "/#grid=9", "ss-leader", password)
	marker := func(id int64) string {
		return fmt.Sprintf(`document.querySelector('.leaflet-marker-icon[data-site-id="%d"]')`, id)
	}
	waitJS(t, b, "the sites drawn", `document.body.dataset.samplingSites === 'loaded' && !!`+marker(open)+` && !!`+marker(closed), 20*time.Second)
	if eval[bool](t, b, `!!`+marker(foreign)) {
		t.Error("the leader of grid 9 is shown another community's site")
	}
	got := eval[[]string](t, b, `[`+marker(open)+`.dataset.queue, `+marker(open)+`.textContent.trim(), `+marker(open)+`.dataset.open, `+marker(closed)+`.dataset.open, `+marker(closed)+`.textContent.trim()]`)
	if got[0] != "9" || got[1] != "9" || got[2] != "true" || got[3] != "false" || got[4] != "—" {
		t.Errorf("markers say %q, want queue 9 shown on the open site and — on the closed one", got)
	}
	waitJS(t, b, "live", `document.body.dataset.live === 'live'`, 20*time.Second)
	eval[bool](t, b, `window.__notReloaded = true`)
	if err := chromedp.Do(b, chromedp.Click(`.leaflet-marker-icon[data-site-id="`+itoa(open)+`"] .ss-badge`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, "the popup", `!!document.querySelector('.sspop[data-site-id="`+itoa(open)+`"]')`, 10*time.Second)
	text := eval[string](t, b, `document.querySelector('.sspop').textContent`)
	for _, want := range []string{"桐柏路61号院核酸采样点", "00:00–23:59", "开放中", "9 人", "155", "155 人/小时"} {
		if !strings.Contains(text, want) {
			t.Errorf("popup %q lacks %q", text, want)
		}
	}
	waitJS(t, b, "the popup faded in", `getComputedStyle(document.querySelector('.sampling-popup')).opacity === '1'`, 10*time.Second)
	screenshot(t, b, "sampling-1-popup")

	// A report now: the marker and the open popup change in place.
	report(open, 42, 20)
	waitJS(t, b, "the marker updated", marker(open)+`?.dataset.queue === '42'`, 15*time.Second)
	if !eval[bool](t, b, `window.__notReloaded === true`) {
		t.Error("the page reloaded to show the report")
	}
	waitJS(t, b, "the popup updated", `(p => !!p && p.textContent.includes('42 人') && p.textContent.includes('175'))(document.querySelector('.sspop'))`, 10*time.Second)
	if cls := eval[string](t, b, marker(open)+`.querySelector('.ss-badge').className`); !strings.Contains(cls, "ss-crowded") {
		t.Errorf("a queue of 42 is drawn %q, want ss-crowded", cls)
	}
	screenshot(t, b, "sampling-2-report")
}
