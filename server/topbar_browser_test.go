package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestFrontEndBrowserTopBar opens each page with a top bar (/, /grid/9,
// /plan) on a wall display and on a phone: the bar holds the brand, the
// breadcrumb, the language switch and the user, fits the width (the page
// never scrolls sideways) and switches language. Screenshots of each go to
// $GRIDMAP_SCREENSHOTS.
func TestFrontEndBrowserTopBar(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	pages := []struct{ name, path string }{{"map", "/#grid=2"}, {"grid", "/grid/9"}, {"plan", "/plan"}}
	for _, size := range []struct{ w, h int }{{1920, 1080}, {390, 844}} {
		for _, p := range pages {
			t.Run(fmt.Sprintf("%s-%d", p.name, size.w), func(t *testing.T) {
				ctx := newBrowser(t, size.w, size.h)
				login(t, ctx, e.ts.URL, p.path, "admin", password)
				bar := eval[map[string]any](t, ctx, `(h => ({
					brand: !!h.querySelector('.brand'), crumbs: !!h.querySelector('#breadcrumb'),
					lang: !!h.querySelector('#lang-toggle'), user: !!h.querySelector('#user-box'),
					bottom: h.getBoundingClientRect().bottom, wide: document.documentElement.scrollWidth > window.innerWidth,
				}))(document.querySelector('header.topbar'))`)
				for _, k := range []string{"brand", "crumbs", "lang", "user"} {
					if bar[k] != true {
						t.Errorf("the top bar has no %s: %v", k, bar)
					}
				}
				if bar["wide"] == true {
					t.Errorf("the page scrolls sideways: %v", bar)
				}
				chromedp.Do(ctx, chromedp.Sleep(600*time.Millisecond))
				screenshot(t, ctx, fmt.Sprintf("topbar-%s-%d-zh", p.name, size.w))
				setLangEN(t, ctx)
				if got := eval[string](t, ctx, `document.documentElement.lang`); got != "en" {
					t.Errorf("after the switch the page is in %q", got)
				}
				screenshot(t, ctx, fmt.Sprintf("topbar-%s-%d-en", p.name, size.w))
			})
		}
	}
}
