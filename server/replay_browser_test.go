package server_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/playback"
)

// simulateHour stores an hour of fixes (09:00 to 10:00 local on the day
// starting at start, one every 10 s) for every volunteer of the teams of
// grid 2: each walks a circle of 60 m around a point of one of grid 2's
// compound grids, and the first stands still from 09:20 to 09:30.
func simulateHour(t *testing.T, e *env, start time.Time) []int64 {
	t.Helper()
	ctx := context.Background()
	vols := scalar[[]int64](t, e, `SELECT array_agg(v.person_id ORDER BY v.person_id) FROM volunteers v
		JOIN volunteer_teams tm ON tm.id = v.team_id WHERE tm.grid_id = 2`)
	type leaf struct {
		id       int64
		lon, lat float64
	}
	var leaves []leaf
	rows, err := e.conn.Query(ctx, `SELECT id, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
		FROM current_grids WHERE parent_id = 2 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var l leaf
		rows.Scan(&l.id, &l.lon, &l.lat)
		leaves = append(leaves, l)
	}
	rows.Close()
	if len(vols) < 2 || len(leaves) == 0 {
		t.Fatalf("grid 2 has %d volunteers and %d compound grids", len(vols), len(leaves))
	}
	var batch []model.Position
	nine := start.Add(9 * time.Hour)
	for i, v := range vols {
		l := leaves[i%len(leaves)]
		for s := 0; s < 3600; s += 10 {
			a := float64(s)/600*2*math.Pi + float64(i)
			if i == 0 && s >= 1200 && s <= 1800 {
				a = 1200.0/600*2*math.Pi + float64(i) // standing still
			}
			batch = append(batch, model.Position{VolunteerID: v, GridID: l.id, At: nine.Add(time.Duration(s+i) * time.Second),
				Lon: l.lon + 60*math.Cos(a)/(111320*math.Cos(l.lat*math.Pi/180)), Lat: l.lat + 60*math.Sin(a)/110540})
		}
	}
	if err := e.db.Store.WritePositions(ctx, batch); err != nil {
		t.Fatal(err)
	}
	return vols
}

type replayAnswer struct {
	Grid       int64             `json:"grid"`
	Day        string            `json:"day"`
	From       int64             `json:"from"`
	To         int64             `json:"to"`
	StepS      int               `json:"step_s"`
	Series     []playback.Series `json:"series"`
	Volunteers []playback.Track  `json:"volunteers"`
}

// TestReplayAPI: a day's replay of grid 2 lists its teams' volunteers
// with every fix of the day and a summary (distance, time inside, the
// stop), and its screening counts in steps equal to the store's counts
// as of each step; a leader of another community may not replay it.
func TestReplayAPI(t *testing.T) {
	t.Parallel()
	e, day, start := pastEnv(t)
	vols := simulateHour(t, e, start)
	admin := e.client(t, "admin", auth.Admin, 0)
	var r replayAnswer
	if st := admin.get("/api/replay?grid=2&day="+day, &r); st != 200 {
		t.Fatalf("replay: %d", st)
	}
	if len(r.Volunteers) != len(vols) || r.From != start.UnixMilli() || r.StepS != 300 {
		t.Fatalf("%d volunteers from %d step %d; want %d from %d step 300", len(r.Volunteers), r.From, r.StepS, len(vols), start.UnixMilli())
	}
	for i, v := range r.Volunteers {
		n := scalar[int](t, e, `SELECT count(*) FROM positions WHERE volunteer_id = $1 AND at >= $2 AND at < $3`, v.ID, start, start.AddDate(0, 0, 1))
		if len(v.Fixes) != n || v.Summary.Fixes != n || n != 360 {
			t.Errorf("volunteer %d: %d fixes, the table holds %d", v.ID, len(v.Fixes), n)
		}
		if v.Summary.InsideS != 3590 || v.Summary.DistanceM < 1000 {
			t.Errorf("volunteer %d: %d s inside, %d m; want 3590 s and a walk", v.ID, v.Summary.InsideS, v.Summary.DistanceM)
		}
		if wantStops := map[bool]int{true: 1, false: 0}[i == 0]; len(v.Summary.Stops) != wantStops {
			t.Errorf("volunteer %d: stops %+v, want %d", v.ID, v.Summary.Stops, wantStops)
		}
	}
	if st := r.Volunteers[0].Summary.Stops; len(st) == 1 && time.Duration(st[0].To-st[0].From)*time.Millisecond < 10*time.Minute {
		t.Errorf("the stop lasted %v, want 10 min", time.Duration(st[0].To-st[0].From)*time.Millisecond)
	}
	s := r.Series[0]
	if s.Grid != 2 || len(r.Series) != 1+scalar[int](t, e, `SELECT count(*) FROM grids WHERE parent_id = 2`) || len(s.Screened) != 289 {
		t.Fatalf("series: grid %d, %d series, %d steps", s.Grid, len(r.Series), len(s.Screened))
	}
	for _, k := range []int{0, 108, 120, 144, 180, 192, 288} {
		at := start.Add(time.Duration(k) * playback.Step)
		if k == 288 {
			at = at.Add(-time.Microsecond)
		}
		want := rolledUp(t, e, day, at)[2]
		if s.Screened[k] != want.ScreenedToday || s.Households != want.Households {
			t.Errorf("step %d (%s): %d of %d screened, the store counts %d of %d", k, at.Format("15:04"), s.Screened[k], s.Households, want.ScreenedToday, want.Households)
		}
	}
	if s.Screened[288] == 0 || s.Fevers[288] == 0 || s.Screened[100] != 0 {
		t.Errorf("screened %d and fevers %d by the end, %d by 08:20", s.Screened[288], s.Fevers[288], s.Screened[100])
	}
	other := e.client(t, "leader3", auth.GridLeader, 3)
	if res := other.do("GET", "/api/replay?grid=2&day="+day, nil); res.Status != 403 || res.Error.Field != "grid" {
		t.Errorf("leader of grid 3 replaying grid 2: %d %+v", res.Status, res.Error)
	}
}

// markersAtJS is what the page's volunteer markers say: id → [lon, lat].
const markersAtJS = `Object.fromEntries([...document.querySelectorAll('.rp-vol')].map(e => [e.dataset.volunteer, [Number(e.dataset.lon), Number(e.dataset.lat)]]))`

// TestReplayBrowser: /replay of a simulated hour shows at each slider time
// the fix the positions table holds for each volunteer at that time, and
// the counters as of then; it plays at 60× (frame rate measured with
// requestAnimationFrame and logged for BENCHMARKS.md); it reads on a phone.
func TestReplayBrowser(t *testing.T) {
	e, day, start := pastEnv(t)
	simulateHour(t, e, start)
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	ctx := newBrowser(t, 1400, 900)
	login(t, ctx, e.ts.URL, "/replay?grid=2&day="+day+"&t=09:30", "admin", password)
	waitJS(t, ctx, "replay", `document.body.dataset.replayLoaded === 'true'`, 15*time.Second)
	screenshot(t, ctx, "replay-laptop-zh")

	for _, at := range []time.Duration{9*time.Hour + 5*time.Second, 9*time.Hour + 17*time.Minute + 33*time.Second, 9*time.Hour + 45*time.Minute, 10*time.Hour + 30*time.Minute, 8 * time.Hour} {
		eval[bool](t, ctx, fmt.Sprintf(`(() => { const s = document.getElementById('rp-slider'); s.value = '%d'; s.dispatchEvent(new Event('input')); return true; })()`, int(at.Seconds())))
		got := eval[map[string][2]float64](t, ctx, markersAtJS)
		want := map[string][2]float64{}
		rows, err := e.conn.Query(context.Background(), `SELECT DISTINCT ON (volunteer_id) volunteer_id, lon, lat FROM positions
			WHERE at >= $1 AND at <= $2 AND volunteer_id IN (SELECT v.person_id FROM volunteers v JOIN volunteer_teams tm ON tm.id = v.team_id WHERE tm.grid_id = 2)
			ORDER BY volunteer_id, at DESC`, start, start.Add(at))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var p [2]float64
			rows.Scan(&id, &p[0], &p[1])
			want[fmt.Sprint(id)] = p
		}
		rows.Close()
		if len(got) != len(want) {
			t.Errorf("at %v: %d markers, the table holds %d volunteers' fixes", at, len(got), len(want))
		}
		for id, p := range want {
			if q, ok := got[id]; !ok || math.Abs(q[0]-p[0]) > 1e-9 || math.Abs(q[1]-p[1]) > 1e-9 {
				t.Errorf("at %v volunteer %s: marker %v, the table %v", at, id, q, p)
			}
		}
		screened := eval[string](t, ctx, `document.getElementById('rp-counters').dataset.screened`)
		if w := rolledUp(t, e, day, start.Add(at).Truncate(playback.Step))[2].ScreenedToday; screened != fmt.Sprint(w) {
			t.Errorf("at %v: the counter says %s screened, the store %d", at, screened, w)
		}
	}

	// Play at 60× from 09:00 and measure the frames.
	eval[bool](t, ctx, `(() => { const s = document.getElementById('rp-slider'); s.value = '32400'; s.dispatchEvent(new Event('input')); return true; })()`)
	if err := chromedp.Do(ctx, chromedp.Click(`#rp-speeds [data-speed="60"]`), chromedp.Click(`#rp-play`)); err != nil {
		t.Fatal(err)
	}
	type frames struct {
		N                int
		Seconds, P95, T0 float64
		T1               float64
	}
	f, err := chromedp.Run(ctx, chromedp.Evaluate[frames](`new Promise(done => {
		const ts = [], t0 = Number(document.getElementById('rp-clock').dataset.t);
		function tick(now) {
			ts.push(now);
			if (now - ts[0] < 4000) { requestAnimationFrame(tick); return; }
			const d = ts.slice(1).map((x, i) => x - ts[i]).sort((a, b) => a - b);
			done({n: d.length, seconds: (now - ts[0]) / 1000, p95: d[Math.floor(d.length * 0.95)], t0, t1: Number(document.getElementById('rp-clock').dataset.t)});
		}
		requestAnimationFrame(tick);
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	fps := float64(f.N) / f.Seconds
	t.Logf("playback at 60×: %.1f fps over %.1f s (%d frames, p95 frame %.1f ms); %.0f s of the day in %.1f s", fps, f.Seconds, f.N, f.P95, (f.T1-f.T0)/1000, f.Seconds)
	// The frame rate depends on what else the machine runs (the load
	// average went past 16 on 2 cores while this was written); what the
	// page itself costs per frame does not, much: a frame's update (every
	// marker, trail tail, counter, chart cursor and the clock, moved by one
	// second of the day) timed over 600 updates through the slider.
	cost := eval[[]float64](t, ctx, `(() => {
		const s = document.getElementById('rp-slider'), d = [];
		for (let i = 0; i < 600; i++) {
			const t0 = performance.now();
			s.value = String(33000 + i * 2); s.dispatchEvent(new Event('input'));
			document.getElementById('rp-counters').getBoundingClientRect(); // layout, as a frame would
			d.push(performance.now() - t0);
		}
		d.sort((a, b) => a - b);
		return [d[300], d[570]];
	})()`)
	t.Logf("a frame's update: median %.2f ms, p95 %.2f ms", cost[0], cost[1])
	if fps < 5 || cost[0] > 8 {
		t.Errorf("playback at 60×: %.1f fps, a frame's update %.2f ms; want 30 fps and a few ms", fps, cost[0])
	}
	if ratio := (f.T1 - f.T0) / 1000 / f.Seconds; ratio < 45 || ratio > 75 {
		t.Errorf("the clock ran at %.0f×, want 60×", ratio)
	}
	screenshot(t, ctx, "replay-playing")

	if err := chromedp.Do(ctx, chromedp.Click(`#rp-play`), chromedp.Click(`#lang-toggle`)); err != nil {
		t.Fatal(err)
	}
	if title := eval[string](t, ctx, `document.getElementById('rp-chart-title').textContent`); title != "Screening progress by grid" {
		t.Errorf("in English the chart is titled %q", title)
	}
	screenshot(t, ctx, "replay-laptop-en")

	phone := newBrowser(t, 390, 844)
	if err := chromedp.Do(phone, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
		t.Fatal(err)
	}
	login(t, phone, e.ts.URL, "/replay?grid=2&day="+day+"&t=09:40", "admin", password)
	waitJS(t, phone, "replay on a phone", `document.body.dataset.replayLoaded === 'true'`, 15*time.Second)
	if w := eval[int](t, phone, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("on a phone the page is %d px wide", w)
	}
	screenshot(t, phone, "replay-phone")
}

// TestReplayWallBrowser: the wall's playback mode (/replay?wall=1) plays
// by itself, says it is a replay of that day, and is sized for the room:
// at 1920×1080 every figure is at least 48 px and every label at least
// 20 px, at 3840×2160 both grow with the screen (at least 1.8× as large);
// nothing overflows the screen and there is nothing to operate.
func TestReplayWallBrowser(t *testing.T) {
	e, day, start := pastEnv(t)
	simulateHour(t, e, start)
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	type sizes struct {
		Figure, Label, Badge float64
		Overflow             bool
		Controls             int
	}
	const measure = `(() => {
		const px = (sel, f) => Math.min(...[...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null && e.textContent.trim() !== '')
			.map(e => parseFloat(getComputedStyle(e).fontSize)));
		return {
			figure: Math.min(px('.rp-count .rp-n'), px('#rp-clock')),
			label: px('.rp-card-title, .rp-count .rp-label, .rp-chart-name, .rp-chart-pct, .rp-table th, .rp-table td, .rp-ticks span, #app-title, .breadcrumb a, .breadcrumb span'),
			badge: px('#rp-wall-day'),
			overflow: document.documentElement.scrollWidth > innerWidth || document.documentElement.scrollHeight > innerHeight,
			controls: [...document.querySelectorAll('#rp-grid, #rp-day, #rp-play, #rp-speeds button')].filter(e => e.offsetParent !== null).length,
		};
	})()`
	var at1080 sizes
	for _, size := range []struct{ w, h int }{{1920, 1080}, {3840, 2160}} {
		ctx := newBrowser(t, size.w, size.h)
		// Signed out, the wall mode never shows the login form (see
		// TestWallReplayModeBrowser): log in on the ordinary page first.
		login(t, ctx, e.ts.URL, "/replay?grid=2&day="+day, "admin", password)
		if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/replay?wall=1&grid=2&speed=120&day="+day+"&t=09:10")); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "replay", `document.body.dataset.replayLoaded === 'true'`, 15*time.Second)
		waitJS(t, ctx, "playing by itself", `document.body.dataset.playing === 'true' && document.body.classList.contains('wall-mode')`, 10*time.Second)
		first := eval[float64](t, ctx, `Number(document.getElementById('rp-clock').dataset.t)`)
		waitJS(t, ctx, "the clock moving", fmt.Sprintf(`Number(document.getElementById('rp-clock').dataset.t) > %f + 60000`, first), 10*time.Second)
		if badge := eval[string](t, ctx, `document.getElementById('rp-wall-badge').hidden ? '' : document.getElementById('rp-wall-badge').textContent`); !strings.Contains(badge, day) || !strings.Contains(badge, "回放") {
			t.Errorf("%dx%d: the badge says %q, want the replayed day %s", size.w, size.h, badge, day)
		}
		got := eval[sizes](t, ctx, measure)
		screenshot(t, ctx, fmt.Sprintf("replay-wall-%d", size.w))
		t.Logf("%dx%d: figures %.0f px, labels %.0f px, badge %.0f px", size.w, size.h, got.Figure, got.Label, got.Badge)
		if got.Overflow || got.Controls != 0 {
			t.Errorf("%dx%d: overflow %v, %d controls shown", size.w, size.h, got.Overflow, got.Controls)
		}
		if size.w == 1920 {
			at1080 = got
			if got.Figure < 48 || got.Label < 20 || got.Badge < 32 {
				t.Errorf("1080p: figures %.1f px (want ≥ 48), labels %.1f px (want ≥ 20), badge %.1f px", got.Figure, got.Label, got.Badge)
			}
		} else if got.Figure < 1.8*at1080.Figure || got.Label < 1.8*at1080.Label {
			t.Errorf("4K: figures %.1f px and labels %.1f px; at 1080p %.1f and %.1f: not scaled with the screen", got.Figure, got.Label, at1080.Figure, at1080.Label)
		}
	}
}
