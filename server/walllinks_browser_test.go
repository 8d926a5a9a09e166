package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestWallLinkBrowser opens a wall link in a fresh browser (no cookie, no
// keyboard): it ends up logged in as the wall's viewer, at /wall of its
// grid, without ever passing the login page. Once the link is revoked,
// opening it shows the page that says so, in both languages, with no
// form, also on a phone.
func TestWallLinkBrowser(t *testing.T) {
	e := newEnv(t, server.Config{})
	admin := e.client(t, "admin", auth.Admin, 0)
	l := issueWallLink(t, admin, 9, 720)
	ctx := newBrowser(t, 1920, 1080)
	if err := chromedp.Do(ctx, chromedp.Navigate(l.URL)); err != nil {
		t.Fatal(err)
	}
	if at := eval[string](t, ctx, `location.pathname + location.search`); at != "/wall?grid=9" {
		t.Errorf("the screen is at %s, want /wall?grid=9", at)
	}
	me := awaitJS[map[string]any](t, ctx, `fetch('/api/me').then(r => r.ok ? r.json() : {status: r.status})`)
	if me["role"] != "viewer" || me["grid_id"] != float64(9) {
		t.Errorf("/api/me in the page: %v, want the viewer of grid 9", me)
	}
	if s := awaitJS[float64](t, ctx, `fetch('/api/grids/10').then(r => r.status)`); s != 403 {
		t.Errorf("another grid from the page: %v, want 403", s)
	}
	if eval[bool](t, ctx, `document.cookie.includes('gridmap_session')`) {
		t.Error("the session cookie is readable by scripts; want HttpOnly")
	}
	hist, err := chromedp.Run(ctx, chromedp.NavigationEntries())
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hist.Entries {
		if strings.Contains(h.URL, "login") {
			t.Errorf("the screen passed %s", h.URL)
		}
	}
	screenshot(t, ctx, "wall-link-opened")

	if r := admin.do("DELETE", fmt.Sprintf("/api/wall-links/%d", l.ID), nil); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	for _, size := range [][2]int64{{1920, 1080}, {390, 844}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1]), chromedp.Navigate(l.URL)); err != nil {
			t.Fatal(err)
		}
		text := eval[string](t, ctx, `document.body.innerText`)
		if !strings.Contains(text, "指挥中心") || !strings.Contains(text, "command centre") || eval[int](t, ctx, `document.querySelectorAll('form, input').length`) != 0 {
			t.Errorf("the revoked link at %d px shows %q, want the dead-link page in both languages and no form", size[0], text)
		}
		if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > int(size[0]) {
			t.Errorf("the dead-link page is %d px wide in a %d px screen", w, size[0])
		}
		screenshot(t, ctx, fmt.Sprintf("wall-link-dead-%d", size[0]))
	}
	if s := awaitJS[float64](t, ctx, `fetch('/api/me').then(r => r.status)`); s != 401 {
		t.Errorf("/api/me in the page after the revocation: %v, want 401", s)
	}
}

// awaitJS evaluates a JavaScript expression that gives a promise and
// returns what it resolves to.
func awaitJS[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%.120s: %v", js, err)
	}
	return v
}
