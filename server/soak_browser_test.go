package server_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
// GRIDMAP_SOAK=DURATION (for example 24h) runs it for that long.
const soakDefault = 10 * time.Minute

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
// a grid leader's page and the wall) under live updates from the
// simulator (`gridmap-load simulate`: volunteers walking their teams'
// areas, staff screening households) and fever reports that raise alerts,
// and checks that they do not grow: at the end, DOM nodes, event
// listeners and the JS heap (after a forced garbage collection) are within
// 10 % of what they were once warmed up. Ten minutes in the suite;
// GRIDMAP_SOAK=24h for a day.
func TestSoakBrowser(t *testing.T) {
	dur := soakDefault
	if v := os.Getenv("GRIDMAP_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 2*time.Minute {
			t.Fatalf("GRIDMAP_SOAK=%q: want a duration of at least 2m", v)
		}
		dur = d
	}
	every := max(20*time.Second, dur/60)
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, adminPW := e.account(t, "soak-admin", auth.Admin, 0, 0)
	_, leaderPW := e.account(t, "soak-leader", auth.GridLeader, 9, 0)
	leader := e.client(t, "soak-writer", auth.GridLeader, 9)
	households := scalar[[]int64](t, e, `SELECT array_agg(h.id ORDER BY h.id) FROM households h
		JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9`)
	if len(households) < 5 {
		t.Fatal("grid 9 has too few households")
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	sim := simulator(ctx, t, e.ts.URL, e.db.URL, dur)
	var fevers atomic.Int64
	go func() {
		// Every 5 s a report on one of five households of grid 9, every
		// other one a fever: alerts open and close on every page.
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			outcome, temp := "normal", ""
			if i%2 == 0 {
				outcome, temp = "fever", `, "temperature": 38.6`
			}
			body := fmt.Sprintf(`{"client_id": "soak-%d-%d", "household_id": %d, "outcome": %q%s}`,
				time.Now().UnixNano(), i, households[i%5], outcome, temp)
			req, _ := http.NewRequestWithContext(ctx, "POST", e.ts.URL+"/api/screenings", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if res, err := leader.http.Do(req); err == nil {
				res.Body.Close()
				if res.StatusCode == 201 {
					fevers.Add(1)
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
	positions := scalar[int64](t, e, `SELECT count(*) FROM positions`)
	screened := scalar[int64](t, e, `SELECT count(*) FROM screenings`)
	stop()
	sim.Wait()
	t.Logf("soak: %s; the simulator stored %d positions, %d screenings in all (%d by the test)", dur, positions, screened, fevers.Load())
	if positions < int64(dur.Seconds()) || screened < int64(dur/(10*time.Second)) || fevers.Load() == 0 {
		t.Fatalf("the pages were not fed: %d positions, %d screenings, %d fever reports", positions, screened, fevers.Load())
	}
	for i, p := range pages {
		screenshot(t, tabs[i], "soak-"+p.name)
		checkSoak(t, p.name, samples[i], dur/5)
	}
}

// simulator builds gridmap-load and runs `simulate` against the server at
// url (40 volunteers reporting every second, a screening every 2 s) for
// dur and a minute more, until ctx ends.
func simulator(ctx context.Context, t *testing.T, url, db string, dur time.Duration) *exec.Cmd {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gridmap-load")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/gridmap/gridmap/cmd/gridmap-load").CombinedOutput(); err != nil {
		t.Fatalf("build gridmap-load: %v\n%s", err, out)
	}
	cmd := exec.CommandContext(ctx, bin, "simulate", "--url", url, "--db", db, "--volunteers", "40", "--interval", "1s",
		"--screen-every", "2s", "--workers", "4", "--duration", (dur + time.Minute).String())
	if os.Getenv("GRIDMAP_TEST_LOG") != "" {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
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

// checkSoak compares a page's end (the median of its last three samples)
// with its value once warmed up (the median of the first three samples
// after warm): DOM nodes, event listeners and the JS heap may not have
// grown by more than 10 %. (They may shrink: the grid page's lists empty
// as households are screened.) A leak of one node per update would add
// thousands.
func checkSoak(t *testing.T, name string, s []soakSample, warm time.Duration) {
	t.Helper()
	var rows []string
	for _, x := range s {
		rows = append(rows, fmt.Sprintf("%6.0fs %6.0f nodes %7.2f MB %5.0f listeners", x.at.Seconds(), x.nodes, x.heapMB, x.listeners))
	}
	t.Logf("%s page:\n%s", name, strings.Join(rows, "\n"))
	first := slices.IndexFunc(s, func(x soakSample) bool { return x.at >= warm })
	if first < 0 || len(s)-first < 6 {
		t.Fatalf("%s: %d samples after the warm-up, too few to judge", name, len(s)-max(first, 0))
	}
	median := func(xs []soakSample, f func(soakSample) float64) float64 {
		v := make([]float64, len(xs))
		for i, x := range xs {
			v[i] = f(x)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	after, end := s[first:first+3], s[len(s)-3:]
	for _, m := range []struct {
		what string
		f    func(soakSample) float64
	}{
		{"DOM nodes", func(x soakSample) float64 { return x.nodes }},
		{"event listeners", func(x soakSample) float64 { return x.listeners }},
		{"JS heap (MB)", func(x soakSample) float64 { return x.heapMB }},
	} {
		a, b := median(after, m.f), median(end, m.f)
		t.Logf("%s: %s %.2f after the warm-up, %.2f at the end (%+.1f %%)", name, m.what, a, b, 100*(b-a)/a)
		if b > a*1.10 {
			t.Errorf("%s: %s grew from %.2f after the warm-up to %.2f at the end (more than 10 %%)", name, m.what, a, b)
		}
	}
}
