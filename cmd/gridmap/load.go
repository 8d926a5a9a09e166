package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// loadCmd runs `gridmap load`: D devices reporting R positions a second
// in all over device WebSockets, and V viewers on /ws (some watching the
// whole area, the rest one level-3 grid each). It prints accepted/s,
// delivered/s, drops and the post-to-viewer latency percentiles.
func loadCmd(ctx context.Context, args []string) error {
	var url string
	var devices, viewers, whole int
	var rate float64
	var duration, report time.Duration
	c, err := parse("load", args, dbFlag, func(fs *flag.FlagSet) {
		fs.StringVar(&url, "url", "http://127.0.0.1:8080", "the gridmap server")
		fs.IntVar(&devices, "devices", 1000, "simulated devices (volunteers)")
		fs.Float64Var(&rate, "rate", 1000, "positions per second, all devices together")
		fs.IntVar(&viewers, "viewers", 100, "WebSocket viewers")
		fs.IntVar(&whole, "whole", 10, "viewers watching the whole area; the rest watch one level-3 grid each")
		fs.DurationVar(&duration, "duration", time.Minute, "how long to run")
		fs.DurationVar(&report, "report", 5*time.Second, "how often to print figures")
	})
	if err != nil {
		return err
	}
	if devices < 1 || rate <= 0 || viewers < 0 || whole < 0 || whole > viewers {
		return errors.New("--devices and --rate positive, 0 <= --whole <= --viewers")
	}
	st, err := store.Open(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := waitReady(ctx, url); err != nil {
		return err
	}
	f, err := newFleet(ctx, st, url, devices, 7)
	if err != nil {
		return err
	}
	viewerToken, err := loadViewerToken(ctx, st)
	if err != nil {
		return err
	}
	grids, err := busyGrids(ctx, st, f)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	m := &loadMetrics{}
	var wg sync.WaitGroup
	ws := "ws" + strings.TrimPrefix(url, "http")
	for i := range viewers {
		grid := int64(0)
		if i >= whole && len(grids) > 0 {
			grid = grids[i%len(grids)]
		}
		wg.Add(1)
		go func() { defer wg.Done(); m.view(ctx, ws+"/ws", viewerToken, grid) }()
	}
	time.Sleep(time.Second) // let viewers subscribe
	fmt.Fprintf(os.Stderr, "load: %d devices, %.0f positions/s, %d viewers (%d whole area, %d on one grid), %s\n",
		len(f.walkers), rate, viewers, whole, viewers-whole, duration)
	for i, w := range f.walkers {
		wg.Add(1)
		go func() { defer wg.Done(); m.device(ctx, f, w, ws+"/ws/device", rate/float64(len(f.walkers)), i) }()
	}
	go m.print(ctx, report)
	<-ctx.Done()
	wg.Wait()
	m.line(os.Stdout, "total", duration)
	return nil
}

// loadViewerToken makes (once) a viewer account for the load tool and a
// fresh token for it.
func loadViewerToken(ctx context.Context, st *store.Store) (string, error) {
	if _, err := st.AccountLogin(ctx, "load-viewer"); err != nil {
		if _, err := st.CreateAccount(ctx, store.Actor{Name: "load"}, store.NewAccount{Username: "load-viewer", PasswordHash: "", Role: auth.Viewer}); err != nil {
			return "", err
		}
	}
	plain, _, err := createToken(ctx, st, "load-viewer", "load tool", 24*time.Hour)
	return plain, err
}

// busyGrids lists the level-3 grids the fleet's walkers start in, so the
// single-grid viewers watch grids where something happens.
func busyGrids(ctx context.Context, st *store.Store, f *fleet) ([]int64, error) {
	regions, err := st.GridShapes(ctx, 3)
	if err != nil {
		return nil, err
	}
	_ = regions
	seen := map[int64]bool{}
	var out []int64
	ix, err := indexOf(regions)
	if err != nil {
		return nil, err
	}
	for _, w := range f.walkers {
		if id, ok := ix.Locate(f.proj.ToLonLat(w.pos)); ok && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}

// loadMetrics are the load run's counters and latency samples.
type loadMetrics struct {
	accepted, failed, delivered, viewerErrs, dropped atomic.Int64
	mu                                               sync.Mutex
	lat                                              []int32 // ms, post to receipt
}

// device reports for one walker over a device WebSocket at perSecond.
func (m *loadMetrics) device(ctx context.Context, f *fleet, w *walker, url string, perSecond float64, i int) {
	h := http.Header{"Authorization": {"Bearer " + w.token}}
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, url, h)
	if err != nil {
		m.failed.Add(1)
		return
	}
	defer conn.Close()
	go func() {
		for {
			var ack struct {
				Type     string
				Accepted int64
			}
			if conn.ReadJSON(&ack) != nil {
				return
			}
			if ack.Type == "ack" {
				m.accepted.Add(ack.Accepted)
			} else {
				m.failed.Add(1)
			}
		}
	}()
	every := time.Duration(float64(time.Second) / perSecond)
	rng := rand.New(rand.NewPCG(uint64(i), 3))
	time.Sleep(time.Duration(rng.Int64N(int64(every))))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			return
		case now := <-t.C:
			p := f.proj.ToLonLat(w.pos) // the walker stands still: this measures the path, not the walk
			msg := `{"positions":[{"lon":` + strconv.FormatFloat(p[0], 'f', 7, 64) + `,"lat":` + strconv.FormatFloat(p[1], 'f', 7, 64) +
				`,"accuracy":5,"at":"` + now.UTC().Format(time.RFC3339Nano) + `"}]}`
			conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if conn.WriteMessage(websocket.TextMessage, []byte(msg)) != nil {
				m.failed.Add(1)
				return
			}
		}
	}
}

// view is one viewer: it subscribes and records the latency of every
// position it receives.
func (m *loadMetrics) view(ctx context.Context, url, token string, grid int64) {
	h := http.Header{"Authorization": {"Bearer " + token}}
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, url, h)
	if err != nil {
		m.viewerErrs.Add(1)
		return
	}
	defer conn.Close()
	conn.WriteJSON(map[string]any{"type": "subscribe", "grid": grid, "topics": []string{"positions"}})
	go func() { <-ctx.Done(); conn.Close() }()
	var lat []int32
	for {
		var f struct {
			Type  string
			Items []struct{ T int64 }
		}
		if err := conn.ReadJSON(&f); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code == 4008 {
				m.dropped.Add(1)
			}
			break
		}
		now := time.Now().UnixMilli()
		for _, it := range f.Items {
			lat = append(lat, int32(now-it.T))
		}
		m.delivered.Add(int64(len(f.Items)))
		if len(lat) > 4096 {
			m.mu.Lock()
			m.lat = append(m.lat, lat...)
			m.mu.Unlock()
			lat = lat[:0]
		}
	}
	m.mu.Lock()
	m.lat = append(m.lat, lat...)
	m.mu.Unlock()
}

func (m *loadMetrics) print(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var lastA, lastD int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a, d := m.accepted.Load(), m.delivered.Load()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Fprintf(os.Stderr, "  accepted %.0f/s  delivered %.0f/s  failed %d  viewers dropped %d  %s\n",
				float64(a-lastA)/every.Seconds(), float64(d-lastD)/every.Seconds(), m.failed.Load(), m.dropped.Load(), m.percentiles())
			lastA, lastD = a, d
		}
	}
}

// percentiles reports p50/p95/p99 of the samples so far.
func (m *loadMetrics) percentiles() string {
	m.mu.Lock()
	s := slices.Clone(m.lat)
	m.mu.Unlock()
	if len(s) == 0 {
		return "latency: no samples"
	}
	slices.Sort(s)
	q := func(p float64) int32 { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return fmt.Sprintf("latency p50 %d ms  p95 %d ms  p99 %d ms  (%d samples)", q(.5), q(.95), q(.99), len(s))
}

func (m *loadMetrics) line(w *os.File, label string, d time.Duration) {
	fmt.Fprintf(w, "%s: accepted %d (%.0f/s), delivered %d (%.0f/s), failed %d, viewers dropped %d, viewer errors %d, %s\n",
		label, m.accepted.Load(), float64(m.accepted.Load())/d.Seconds(), m.delivered.Load(), float64(m.delivered.Load())/d.Seconds(),
		m.failed.Load(), m.dropped.Load(), m.viewerErrs.Load(), m.percentiles())
}
