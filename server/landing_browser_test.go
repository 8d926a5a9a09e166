package server_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestLoginLandsWhereTheWorkIs: signing in on the login page itself (no
// page to go back to) lands each role where its work is: a grid leader on
// a phone on their own grid's page, a planner in the editor, an admin on
// the map; sent from a page, the login page still goes back to it.
func TestLoginLandsWhereTheWorkIs(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	for _, c := range []struct {
		user       string
		role       auth.Role
		grid       int64
		w, h       int
		want, page string // the address landed on; a condition that holds once it drew
	}{
		{"land-leader", auth.GridLeader, 9, 390, 844, "/grid/9", `document.body.dataset.namesLoaded === 'true'`},
		{"land-planner", auth.Planner, 0, 1280, 800, "/plan", `document.body.dataset.gridsLoaded === 'true'`},
		{"land-admin", auth.Admin, 0, 1280, 800, "/", `document.body.dataset.gridsLoaded === 'true'`},
	} {
		_, password := e.account(t, c.user, c.role, c.grid, 0)
		ctx := newBrowser(t, c.w, c.h)
		err := chromedp.Do(ctx,
			chromedp.Navigate(e.ts.URL+"/login.html"),
			chromedp.WaitVisible(chromedp.ID("login-username")),
			chromedp.SendKeys(chromedp.ID("login-username"), c.user),
			chromedp.SendKeys(chromedp.ID("login-password"), password),
			chromedp.Click(chromedp.ID("login-submit")),
		)
		if err != nil {
			t.Fatal(err)
		}
		waitAcross(t, ctx, c.user+" landed", `location.pathname + location.search === '`+c.want+`' && `+c.page)
		screenshot(t, ctx, "landing-"+c.user)
	}
	// Sent from a page, back to that page.
	_, password := e.account(t, "land-leader2", auth.GridLeader, 9, 0)
	ctx := newBrowser(t, 390, 844)
	login(t, ctx, e.ts.URL, "/report?grid=9", "land-leader2", password)
	if at := eval[string](t, ctx, `location.pathname`); at != "/report" {
		t.Errorf("sent from /report, the login page went to %s", at)
	}
}
