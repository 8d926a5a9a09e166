package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestNotFoundMethods: the 404 page answers GET and HEAD (no body); any
// other method on an unknown path is a JSON 404, and a wrong method on a
// page or an API route a JSON 405 naming what is allowed.
func TestNotFoundMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	browser := "text/html,application/xhtml+xml,*/*;q=0.8"
	for _, tt := range []struct {
		method, path string
		status       int
		ctype, allow string
		empty        bool
	}{
		{"GET", "/nope", 404, "text/html", "", false},
		{"HEAD", "/nope", 404, "text/html", "", true},
		{"POST", "/nope", 404, "application/json", "", false},
		{"DELETE", "/grid/9", 405, "application/json", "GET, HEAD, OPTIONS", false},
		{"DELETE", "/api/grids", 405, "application/json", "GET, HEAD, OPTIONS", false},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.ts.URL+tt.path, nil)
			req.Header.Set("Accept", browser)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status || !strings.HasPrefix(res.Header.Get("Content-Type"), tt.ctype) ||
				res.Header.Get("Allow") != tt.allow || (len(body) == 0) != tt.empty {
				t.Fatalf("%d %q Allow %q, %d bytes; want %d %s Allow %q", res.StatusCode, res.Header.Get("Content-Type"),
					res.Header.Get("Allow"), len(body), tt.status, tt.ctype, tt.allow)
			}
			if tt.ctype == "application/json" {
				var b struct{ Code string }
				want := map[int]string{404: "not_found", 405: "method_not_allowed"}[tt.status]
				if json.Unmarshal(body, &b) != nil || b.Code != want {
					t.Errorf("body %s, want code %s", body, want)
				}
			}
		})
	}
}

// navStatus navigates to url and gives the HTTP status of the document.
func navStatus(t *testing.T, ctx context.Context, url string) int64 {
	t.Helper()
	status := make(chan int64, 1)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	err := chromedp.Listen(lctx, func(ev any) {
		if r, ok := ev.(*network.EventResponseReceived); ok && r.Type == network.ResourceTypeDocument && r.Response.URL == url {
			select {
			case status <- r.Response.Status:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-status:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no response for the document")
	}
	return 0
}

// TestNotFoundPage: /nope in a browser is status 404 and the 404 page in
// the site's style: zh-CN by default, English with the switch (and
// remembered), the way home and the way to log in for nobody signed in;
// signed in, the top bar shows who, and the way home is the account's
// landing page. Looked at on a phone and on a wall-sized screen.
func TestNotFoundPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{DefaultLang: "zh-CN"})
	ready := `document.body.dataset.ready === 'true'`
	for _, size := range []struct {
		name string
		w, h int
	}{{"phone", 390, 844}, {"desktop", 1920, 1080}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := newBrowser(t, size.w, size.h)
			if s := navStatus(t, ctx, e.ts.URL+"/nope"); s != 404 {
				t.Fatalf("/nope: status %d, want 404", s)
			}
			waitJS(t, ctx, "the 404 page", ready, 15*time.Second)
			if got := eval[string](t, ctx, `document.documentElement.lang + '|' + document.getElementById('nf-title').textContent + '|' + document.title`); got != "zh-CN|页面不存在|页面不存在 · 网格化管理地图" {
				t.Errorf("zh-CN: %q", got)
			}
			if got := eval[string](t, ctx, `[...document.querySelectorAll('.nf-link')].filter(a => !a.hidden).map(a => a.textContent + '=' + a.getAttribute('href')).join(' ')`); got != "返回首页=/ 登录=/login.html?next=%2F" {
				t.Errorf("links: %q", got)
			}
			if eval[bool](t, ctx, `!document.getElementById('user-box').hidden`) {
				t.Error("a user box with nobody signed in")
			}
			if size.w < 600 {
				auditPage(t, ctx, "404 "+size.name)
			}
			screenshot(t, ctx, "notfound-zh-"+size.name)

			clickSel(t, ctx, "#lang-toggle")
			waitJS(t, ctx, "English", `document.getElementById('nf-title').textContent === 'Page not found'`, 5*time.Second)
			if got := eval[string](t, ctx, `document.documentElement.lang + '|' + document.getElementById('nf-home').textContent + '|' + document.getElementById('nf-login').textContent`); got != "en|Go to the home page|Log in" {
				t.Errorf("en: %q", got)
			}
			screenshot(t, ctx, "notfound-en-"+size.name)
			// Remembered: the next unknown address is English at once, and
			// so is what the server says (the cookie).
			if s := navStatus(t, ctx, e.ts.URL+"/grid/abc"); s != 404 {
				t.Fatalf("/grid/abc: status %d, want 404", s)
			}
			waitJS(t, ctx, "English again", ready+` && document.getElementById('nf-title').textContent === 'Page not found'`, 15*time.Second)
			eval[bool](t, ctx, `fetch('/api/nothing').then(r => r.json()).then(b => { document.body.dataset.apiError = b.code + '|' + b.error; }), true`)
			waitJS(t, ctx, "an API error", `!!document.body.dataset.apiError`, 5*time.Second)
			if got := eval[string](t, ctx, `document.body.dataset.apiError`); !strings.HasPrefix(got, "not_found|") || hasCJK(got) {
				t.Errorf("API error after choosing English: %q", got)
			}
		})
	}

	// Signed in as a grid leader: the top bar shows who, the way home is
	// their grid's page, no way to log in.
	_, password := e.account(t, "nf-leader", auth.GridLeader, 9, 0)
	ctx := newBrowser(t, 390, 844)
	login(t, ctx, e.ts.URL, "/grid/9", "nf-leader", password)
	if s := navStatus(t, ctx, e.ts.URL+"/nope"); s != 404 {
		t.Fatalf("/nope signed in: status %d", s)
	}
	waitJS(t, ctx, "the 404 page signed in", ready, 15*time.Second)
	if got := eval[string](t, ctx, `[document.getElementById('user-box').hidden, document.getElementById('user-name').textContent,
		document.getElementById('nf-home').getAttribute('href'), document.getElementById('nf-login').hidden].join('|')`); got != "false|nf-leader|/grid/9|true" {
		t.Errorf("signed in: %q, want the user box, home /grid/9, no login link", got)
	}
	auditPage(t, ctx, "404 signed in")
	screenshot(t, ctx, "notfound-leader-phone")
	clickSel(t, ctx, "#nf-home")
	waitAcross(t, ctx, "home", `location.pathname === '/grid/9'`)
}
