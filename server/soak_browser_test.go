package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// soakDefault is how long TestSoakBrowser runs in the ordinary suite;
// GRIDMAP_SOAK=DURATION (for example 4h) runs it for that long, sampling
// once a minute instead of every few seconds.
const soakDefault = 30 * time.Second

// soakSample is one reading of a page: after a forced garbage collection,
// the DOM nodes, the JS heap in use and the event listeners (Chromium's
// Performance.getMetrics).
type soakSample struct {
	at        time.Duration
	nodes     float64
	heapMB    float64
	listeners float64
}

// TestSoakBrowser keeps the pages a screen leaves open for days (the map,
// a grid leader's page and the wall) under live
// updates (volunteers walking, screenings and fever reports that move the
// figures and raise alerts) and checks that they do not grow: DOM nodes,
// event listeners and the JS heap at the end stay within a small margin of
// what they were once warmed up. GRIDMAP_SOAK sets the duration.
func TestSoakBrowser(t *testing.T) {
	dur, every := soakDefault, 4*time.Second
	if v := os.Getenv("GRIDMAP_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			t.Fatalf("GRIDMAP_SOAK=%q: want a duration of at least 1m", v)
		}
		dur, every = d, time.Minute
	}
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, adminPW := e.account(t, "soak-admin", auth.Admin, 0, 0)
	_, leaderPW := e.account(t, "soak-leader", auth.GridLeader, 9, 0)
	leader := e.client(t, "soak-writer", auth.GridLeader, 9)
	households := scalar[[]int64](t, e, `SELECT array_agg(h.id ORDER BY h.id) FROM households h
		JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9`)
	if len(households) == 0 {
		t.Fatal("grid 9 has no households")
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var posted, written atomic.Int64
	go soakWalkers(ctx, t, e, 40, &posted)
	go func() {
		// A screening every 700 ms (one in ten a fever: an alert), cycling
		// through the grid's households: figures and the feed keep moving.
		tick := time.NewTicker(700 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			outcome, temp := "normal", ""
			if i%10 == 9 {
				outcome, temp = "fever", `, "temperature": 38.6`
			}
			body := fmt.Sprintf(`{"client_id": "soak-%d-%d", "household_id": %d, "outcome": %q%s}`,
				time.Now().UnixNano(), i, households[i%len(households)], outcome, temp)
			req, _ := http.NewRequestWithContext(ctx, "POST", e.ts.URL+"/api/screenings", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if res, err := leader.http.Do(req); err == nil {
				res.Body.Close()
				if res.StatusCode == 201 {
					written.Add(1)
				}
			}
		}
	}()

	pages := []struct {
		name, path, user, password string
	}{
		{"map", "/", "soak-admin", adminPW},
		{"grid", "/grid/9", "soak-leader", leaderPW},
	}
	tabs := make([]context.Context, len(pages), len(pages)+1)
	for i, p := range pages {
		b := newBrowserFor(t, 1600, 900, dur+5*time.Minute)
		login(t, b, e.ts.URL, p.path, p.user, p.password)
		tabs[i] = b
	}
	// The wall, signed in by its link, at 1080p.
	link := issueWallLink(t, e.client(t, "soak-link-admin", auth.Admin, 0), 1, 24)
	wall := newBrowserFor(t, 1920, 1080, dur+5*time.Minute)
	if err := chromedp.Do(wall, chromedp.Navigate(link.URL)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, wall, "the wall", `document.body.dataset.ready === 'true'`, 30*time.Second)
	pages = append(pages, struct{ name, path, user, password string }{name: "wall"})
	tabs = append(tabs, wall)
	for i, b := range tabs {
		waitJS(t, b, pages[i].name+" live", `document.body.dataset.live === 'live'`, 30*time.Second)
		if _, err := chromedp.Call(b, performance.Enable, performance.EnableParams{}); err != nil {
			t.Fatal(err)
		}
	}

	samples := make([][]soakSample, len(pages))
	start := time.Now()
	for time.Since(start) < dur {
		time.Sleep(every)
		for i, b := range tabs {
			samples[i] = append(samples[i], readSoak(t, b, time.Since(start)))
		}
	}
	stop()
	t.Logf("soak: %s, %d positions and %d screenings posted", dur, posted.Load(), written.Load())
	if posted.Load() == 0 || written.Load() == 0 {
		t.Fatalf("the pages were not fed: %d positions, %d screenings", posted.Load(), written.Load())
	}
	for i, p := range pages {
		screenshot(t, tabs[i], "soak-"+p.name)
		checkSoak(t, p.name, samples[i])
	}
}

// readSoak collects the page's garbage and reads its metrics.
func readSoak(t *testing.T, b context.Context, at time.Duration) soakSample {
	t.Helper()
	if _, err := chromedp.Call(b, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
		t.Fatalf("collect the page's garbage: %v", err)
	}
	res, err := chromedp.Call(b, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		t.Fatalf("read the page's metrics: %v", err)
	}
	s := soakSample{at: at}
	for _, m := range res.Metrics {
		switch m.Name {
		case "Nodes":
			s.nodes = m.Value
		case "JSHeapUsedSize":
			s.heapMB = m.Value / (1 << 20)
		case "JSEventListeners":
			s.listeners = m.Value
		}
	}
	return s
}

// checkSoak compares the last third of a page's samples with the middle
// third (the first third is the warm-up: tiles, names, first alerts): the
// page holds a bounded number of toasts, feed rows and dots, so its
// highest readings must not climb. A leak of one node per update would
// add thousands.
func checkSoak(t *testing.T, name string, s []soakSample) {
	t.Helper()
	if len(s) < 6 {
		t.Fatalf("%s: %d samples, too few to judge", name, len(s))
	}
	mid, last := s[len(s)/3:2*len(s)/3], s[2*len(s)/3:]
	peak := func(xs []soakSample, f func(soakSample) float64) float64 {
		m := 0.0
		for _, x := range xs {
			m = max(m, f(x))
		}
		return m
	}
	median := func(xs []soakSample, f func(soakSample) float64) float64 {
		v := make([]float64, len(xs))
		for i, x := range xs {
			v[i] = f(x)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	nodes := func(x soakSample) float64 { return x.nodes }
	heap := func(x soakSample) float64 { return x.heapMB }
	listeners := func(x soakSample) float64 { return x.listeners }
	var rows []string
	for _, x := range s {
		rows = append(rows, fmt.Sprintf("%6.0fs %6.0f nodes %7.2f MB %5.0f listeners", x.at.Seconds(), x.nodes, x.heapMB, x.listeners))
	}
	t.Logf("%s page:\n%s", name, strings.Join(rows, "\n"))
	if a, b := peak(mid, nodes), peak(last, nodes); b > a*1.05+60 {
		t.Errorf("%s: DOM nodes grow: peak %.0f in the middle third, %.0f in the last", name, a, b)
	}
	if a, b := peak(mid, listeners), peak(last, listeners); b > a*1.05+30 {
		t.Errorf("%s: event listeners grow: peak %.0f in the middle third, %.0f in the last", name, a, b)
	}
	if a, b := median(mid, heap), median(last, heap); b > a*1.25+3 {
		t.Errorf("%s: JS heap grows: median %.1f MB in the middle third, %.1f MB in the last", name, a, b)
	}
}

// soakWalkers has n volunteers of the demo area walk small circles
// around a point of grid 9, each reporting every second, until ctx ends.
func soakWalkers(ctx context.Context, t *testing.T, e *env, n int, posted *atomic.Int64) {
	vols := volunteers(t, e, n)
	lon, lat := pointIn(t, e, 9)
	devices := make([]*device, len(vols))
	for i, id := range vols {
		devices[i] = e.device(t, fmt.Sprintf("soak-phone-%d", i), id)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for step := 0; ctx.Err() == nil; step++ {
		for i, d := range devices {
			x := lon + 0.0004*float64(i%7-3) + 0.00002*float64(step%40) + 0.000005*rng.Float64()
			y := lat + 0.0003*float64(i/7-3) + 0.00001*float64(step%25)
			body := fmt.Sprintf(`{"positions":[{"lon":%f,"lat":%f,"accuracy":5,"at":%q}]}`, x, y, time.Now().UTC().Format(time.RFC3339Nano))
			req, _ := http.NewRequestWithContext(ctx, "POST", e.ts.URL+"/api/positions", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+d.c.bearer)
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
				if res.StatusCode == 202 {
					posted.Add(1)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}
