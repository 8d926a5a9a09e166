package server_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestMapBrowserAsOf: after a split is published, the map at /?asof=
// (a time before it) draws the 23 compound grids as they were, says it
// shows history, and is not live; / draws the 24 of now.
func TestMapBrowserAsOf(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	before := time.Now().UTC()
	time.Sleep(10 * time.Millisecond)
	p := planner{t, e.client(t, "planner", auth.Planner, 0)}
	d := p.open(2)
	d = p.mustOp(d, map[string]any{"op": "split", "id": 9, "line": splitLine(t, e, 9, 0.5)})
	if r := p.publish(d, "no_leader", "load_rise"); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	ctx := newBrowser(t, 1400, 900)
	login(t, ctx, e.ts.URL, "/?asof="+url.QueryEscape(before.Format(time.RFC3339Nano)), "admin", password)
	l3, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('path.grid-l3').length`))
	notice, err2 := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById('notice-asof') || {}).textContent || ''`))
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	if l3 != 23 || !strings.Contains(notice, "历史边界") {
		t.Errorf("as of before the split: %d compound grids, notice %q; want 23 and the history notice", l3, notice)
	}
	screenshot(t, ctx, "map-asof-zh")
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-grids-loaded="true"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	l3, _ = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('path.grid-l3').length`))
	if l3 != 24 {
		t.Errorf("now: %d compound grids, want 24", l3)
	}
}
