package server_test

import (
	"context"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/static"
)

// TestFrontEndBrowserBuild opens every page as a planner would, with the
// front end built (scripts/build-front.mjs): each page runs its bundle
// from /dist/, not the modules it was built from, finds the bundle's
// source map, and leaves nothing in the console at warning level or above,
// apart from the 401 that sends a signed-out browser to the login page.
func TestFrontEndBrowserBuild(t *testing.T) {
	if _, err := fs.Stat(static.FS, "dist/manifest.json"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the front end is not built (run scripts/vendor.sh): %v", err)
		}
		t.Skip("the front end is not built; run scripts/vendor.sh")
	}
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "planner", auth.Planner, 0, 0)
	ctx := newBrowser(t, 1280, 800)

	var mu sync.Mutex
	var messages []chromedp.ConsoleMessage
	listen, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	console := chromedp.Console(listen)
	go func() {
		defer close(done)
		for m, err := range console {
			if err != nil {
				return
			}
			mu.Lock()
			messages = append(messages, m)
			mu.Unlock()
		}
	}()

	login(t, ctx, e.ts.URL, "/", "planner", password)
	for _, page := range []struct{ path, module string }{
		{"/", "app"}, {"/plan", "plan"}, {"/grid/9", "grid"}, {"/wall", "wall"}, {"/login.html", "login"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+page.path)); err != nil {
			t.Fatal(err)
		}
		if page.module != "login" {
			waitJS(t, ctx, page.path+" loaded", `document.body.dataset.gridsLoaded === 'true'`, 15*time.Second)
		}
		scripts := eval[[]string](t, ctx, `performance.getEntriesByType('resource').map(r => new URL(r.name).pathname).filter(p => p.endsWith('.js'))`)
		bundle := ""
		for _, s := range scripts {
			if strings.HasPrefix(s, "/dist/"+page.module+"-") {
				bundle = s
			} else if !strings.HasPrefix(s, "/vendor/") {
				t.Errorf("%s loads %s, which is not its bundle", page.path, s)
			}
		}
		if bundle == "" {
			t.Errorf("%s does not load /dist/%s-….js: %v", page.path, page.module, scripts)
			continue
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch('`+bundle+`.map').then(r => r.ok ?
			r.json().then(m => r.headers.get('content-type') + ' ' + m.sources.length) : String(r.status))`, chromedp.EvalAwaitPromise))
		if err != nil || !strings.HasPrefix(got, "application/json ") || strings.HasSuffix(got, " 0") {
			t.Errorf("%s.map: %q %v, want JSON with sources", bundle, got, err)
		}
	}
	screenshot(t, ctx, "frontend-login-built")
	stop()
	<-done

	mu.Lock()
	defer mu.Unlock()
	for _, m := range messages {
		t.Logf("console %s (%s:%d, source %q)", m, m.URL, m.Line, m.Source)
		signedOut := m.Source == "network" && strings.Contains(m.Text, "401") && strings.HasSuffix(m.URL, "/api/me")
		if !signedOut && (m.IsException() || m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning) {
			t.Errorf("console %s (%s:%d)", m, m.URL, m.Line)
		}
	}
}
