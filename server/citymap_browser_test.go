package server_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

// cityServer serves the generated city of GRIDMAP_BENCH_CITY_URL (see
// BENCHMARKS.md) and returns its address and an admin's name and password.
func cityServer(b *testing.B) (base, username, password string) {
	b.Helper()
	st := testdb.City(b)
	ctx := context.Background()
	ts, _, _, _, _ := serve(b, st, server.Config{LoginPerMinute: 10000})
	username = fmt.Sprintf("bench-admin-%d", time.Now().UnixNano())
	password = username + "-password"
	hash, err := auth.HashPassword(password, bcrypt.MinCost)
	if err != nil {
		b.Fatal(err)
	}
	acc, err := st.CreateAccount(ctx, store.Actor{Name: "benchmark"}, store.NewAccount{Username: username, PasswordHash: hash, Role: auth.Admin})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.SetAccountDisabled(context.Background(), store.Actor{Name: "benchmark"}, acc.ID, true) })
	return ts.URL, username, password
}

// tilesDrawn is true when the map's vector tiles (canvases) are all drawn.
const tilesDrawn = `(ts => ts.length > 0 && ts.every(c => c.classList.contains('leaflet-tile-loaded')))([...document.querySelectorAll('#map canvas.leaflet-tile')])`

// frameStats are the frames the page drew while the map was dragged,
// from requestAnimationFrame's timestamps (the performance API's clock).
type frameStats struct {
	Frames   int
	Seconds  float64
	MedianMS float64
	P95MS    float64
	Long     int // frames over 50 ms
}

// BenchmarkMapPanCity drags the map at / across the generated city (50,000
// grids, drawn as vector tiles) at city zoom levels, like a hand on a
// mouse: 60 moves of 12 px, 16 ms apart, each way. The page records every
// animation frame's time while it pans; fps is frames per second of
// panning. Needs GRIDMAP_BENCH_CITY_URL; see BENCHMARKS.md.
func BenchmarkMapPanCity(b *testing.B) {
	base, username, password := cityServer(b)
	ctx := newBrowser(b, 1920, 1080)
	login(b, ctx, base, "/", username, password)
	waitJS(b, ctx, "vector tiles", `document.body.dataset.gridMode === 'tiles'`, 30*time.Second)
	time.Sleep(time.Second) // the fit to the city's extent
	waitJS(b, ctx, "tiles drawn", tilesDrawn, 60*time.Second)
	screenshot(b, ctx, "city-start")
	for _, zoom := range []int{11, 13, 15} {
		b.Run(fmt.Sprintf("z%d", zoom), func(b *testing.B) {
			// The middle of the city, at this zoom (#map=, as OpenStreetMap
			// writes a view); ?z= makes it a new page load.
			err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/?z=%d#map=%d/34.755/113.63", base, zoom, zoom)))
			if err != nil {
				b.Fatal(err)
			}
			waitJS(b, ctx, "the map", `document.body.dataset.gridsLoaded === 'true' && document.body.dataset.gridMode === 'tiles'`, 30*time.Second)
			waitJS(b, ctx, "tiles drawn", tilesDrawn, 60*time.Second)
			screenshot(b, ctx, fmt.Sprintf("city-z%d", zoom))
			time.Sleep(3 * time.Second)
			if os.Getenv("GRIDMAP_BENCH_IDLE") != "" {
				idle, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`new Promise((ok) => { const f = []; const rec = (t) => { f.push(t); if (f.length < 61) requestAnimationFrame(rec); else ok(60000 / (f[60] - f[0])); }; requestAnimationFrame(rec); })`, chromedp.EvalAwaitPromise))
				if err != nil {
					b.Fatal(err)
				}
				b.Logf("idle fps %.1f", idle)
			}
			var all []frameStats
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				all = append(all, drag(b, ctx, n%2 == 0))
			}
			b.StopTimer()
			var frames int
			var secs float64
			var meds, p95s []float64
			long := 0
			for _, s := range all {
				frames += s.Frames
				secs += s.Seconds
				meds = append(meds, s.MedianMS)
				p95s = append(p95s, s.P95MS)
				long += s.Long
			}
			slices.Sort(meds)
			slices.Sort(p95s)
			b.ReportMetric(float64(frames)/secs, "fps")
			b.ReportMetric(meds[len(meds)/2], "frame-median-ms")
			b.ReportMetric(p95s[len(p95s)/2], "frame-p95-ms")
			b.ReportMetric(float64(long)/float64(len(all)), "long-frames/pan")
			waitJS(b, ctx, "tiles drawn after panning", tilesDrawn, 60*time.Second)
		})
	}
}

// drag presses the mouse in the map's middle, moves it 60 times by 12 px
// (east then west, alternately) and releases it, while the page records
// animation frames.
func drag(b *testing.B, ctx context.Context, east bool) frameStats {
	b.Helper()
	eval[bool](b, ctx, `(() => {
		const frames = [];
		window.__frames = frames;
		window.__loaf = [];
		if (window.__obs) window.__obs.disconnect();
		window.__obs = new PerformanceObserver((l) => window.__loaf.push(...l.getEntries()));
		window.__obs.observe({ type: 'long-animation-frame' });
		const rec = (t) => { if (window.__frames === frames) { frames.push(t); requestAnimationFrame(rec); } };
		requestAnimationFrame(rec);
		return true;
	})()`)
	x, y := 960.0, 560.0
	step := 12.0
	if !east {
		step = -step
	}
	mouse := func(typ input.DispatchMouseEventType, buttons int64) error {
		p := input.DispatchMouseEventParams{Type: typ, X: x, Y: y, Buttons: buttons}
		if typ != input.DispatchMouseEventTypeMouseMoved || buttons != 0 {
			p.Button = input.MouseButtonLeft
		}
		if typ != input.DispatchMouseEventTypeMouseMoved {
			p.ClickCount = 1
		}
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, p)
		return err
	}
	err := mouse(input.DispatchMouseEventTypeMouseMoved, 0)
	if err == nil {
		err = mouse(input.DispatchMouseEventTypeMousePressed, 1)
	}
	for i := 0; i < 60 && err == nil; i++ {
		x += step
		err = mouse(input.DispatchMouseEventTypeMouseMoved, 1)
		time.Sleep(16 * time.Millisecond)
	}
	if err == nil {
		err = mouse(input.DispatchMouseEventTypeMouseReleased, 0)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer func() { b.Log(eval[string](b, ctx, `window.__diag || ''`)) }()
	return eval[frameStats](b, ctx, `(() => {
		const f = window.__frames; window.__frames = null;
		const d = []; let long = 0;
		for (let i = 1; i < f.length; i++) { d.push(f[i] - f[i-1]); if (f[i] - f[i-1] > 50) long++; }
		d.sort((a, b) => a - b);
		const q = (p) => d.length ? d[Math.min(d.length - 1, Math.floor(p * d.length))] : 0;
		const by = {};
		for (const e of window.__loaf) for (const sc of e.scripts || []) {
			const k = (sc.invoker || '') + ' ' + (sc.sourceFunctionName || '') + ' ' + (sc.sourceURL || '').split('/').pop() + ':' + sc.sourceCharPosition;
			by[k] = (by[k] || 0) + sc.duration;
		}
		const loaf = window.__loaf.reduce((a, e) => ({ n: a.n + 1, dur: a.dur + e.duration, block: a.block + e.blockingDuration, render: a.render + (e.duration - (e.renderStart ? e.renderStart - e.startTime : e.duration)), style: a.style + (e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0) }), { n: 0, dur: 0, block: 0, render: 0, style: 0 });
		console.log(JSON.stringify({loaf, top: Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 8)}));
		window.__diag = JSON.stringify({loaf, top: Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 8)});
		return {frames: d.length, seconds: (f[f.length-1] - f[0]) / 1000, medianMS: q(0.5), p95MS: q(0.95), long};
	})()`)
}
