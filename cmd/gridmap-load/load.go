package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
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
	"github.com/gridmap/gridmap/geo"
	"github.com/gridmap/gridmap/internal/cli"
	"github.com/gridmap/gridmap/store"
)

// loadCmd runs `gridmap-load run`: D devices reporting R positions a second
// in all over device WebSockets, and V viewers on /ws (some watching the
// whole area, the rest one level-3 grid each). It prints accepted/s,
// delivered/s, drops and the post-to-viewer latency percentiles.
func loadCmd(ctx context.Context, args []string) error {
	var url string
	var devices, viewers, whole int
	var rate float64
	var duration, report time.Duration
	var transport string
	var conns, fixes, perAccount int
	var c cli.DB
	err := cli.Parse("gridmap-load run", args, &c, c.Register, func(fs *flag.FlagSet) {
		fs.StringVar(&url, "url", "http://127.0.0.1:8080", "the gridmap server")
		fs.IntVar(&devices, "devices", 1000, "simulated devices (volunteers)")
		fs.Float64Var(&rate, "rate", 1000, "positions per second, all devices together")
		fs.IntVar(&viewers, "viewers", 100, "WebSocket viewers")
		fs.IntVar(&whole, "whole", 10, "viewers watching the whole area; the rest watch one level-3 grid each")
		fs.DurationVar(&duration, "duration", time.Minute, "how long to run")
		fs.DurationVar(&report, "report", 5*time.Second, "how often to print figures")
		fs.StringVar(&transport, "transport", "ws", "how devices report: ws (one device WebSocket each) or http (POST /api/positions over a shared keep-alive pool, as behind a reverse proxy; for more devices than open files allow)")
		fs.IntVar(&conns, "conns", 128, "HTTP connections in the pool (--transport http)")
		fs.IntVar(&perAccount, "viewers-per-account", 20, "viewers sharing one viewer account: at most the server's --stream-cap (20 by default), which refuses an account's streams past it")
		fs.IntVar(&fixes, "fixes", 1, "fixes per report: a device sends this many positions in one request or frame, as a phone that reports every few seconds does (the rate stays positions per second)")
	})
	if err != nil {
		return err
	}
	if devices < 1 || rate <= 0 || viewers < 0 || whole < 0 || whole > viewers || fixes < 1 || fixes > 100 || perAccount < 1 {
		return errors.New("--devices, --rate and --viewers-per-account positive, 0 <= --whole <= --viewers, 1 <= --fixes <= 100")
	}
	if transport != "ws" && transport != "http" {
		return errors.New("--transport: want ws or http")
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
	viewerTokens, err := loadViewerTokens(ctx, st, (viewers+perAccount-1)/perAccount)
	if err != nil {
		return err
	}
	grids, err := busyGrids(ctx, st, f)
	if err != nil {
		return err
	}
	m := newLoadMetrics()
	ws := "ws" + strings.TrimPrefix(url, "http")
	fmt.Fprintf(os.Stderr, "load: connecting %d devices and %d viewers\n", len(f.walkers), viewers)
	var devs []*deviceConn
	if transport == "ws" {
		devs, err = m.dialDevices(ctx, f, ws+"/ws/device")
		if err != nil {
			return err
		}
	} else {
		for _, w := range f.walkers {
			devs = append(devs, &deviceConn{w: w})
		}
		host := strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://")
		if strings.HasPrefix(url, "https://") {
			return errors.New("--transport http: plain http only (a load generator's raw keep-alive connections)")
		}
		m.httpHost = host
	}
	runCtx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	var wg sync.WaitGroup
	for i := range viewers {
		grid := int64(0)
		if i >= whole && len(grids) > 0 {
			grid = grids[i%len(grids)]
		}
		wg.Add(1)
		token := viewerTokens[i/perAccount]
		go func() { defer wg.Done(); m.view(runCtx, ws+"/ws", token, grid) }()
	}
	time.Sleep(2 * time.Second) // let viewers subscribe
	fmt.Fprintf(os.Stderr, "load: %d devices, %.0f positions/s in reports of %d, %d viewers (%d whole area, %d on one grid), %s\n",
		len(devs), rate, fixes, viewers, whole, viewers-whole, duration)
	m.start = time.Now()
	// A few sender goroutines pace all devices between them: one ticker
	// goroutine per device would cost the tool more than the server.
	// Over HTTP a sender waits for each answer, so more of them run.
	shards := 4 * runtime.GOMAXPROCS(0)
	if transport == "http" {
		shards = conns
	}
	every := time.Duration(float64(time.Second) * float64(len(devs)) * float64(fixes) / rate)
	for s := range shards {
		var mine []*deviceConn
		for i := s; i < len(devs); i += shards {
			mine = append(mine, devs[i])
		}
		wg.Add(1)
		go func() { defer wg.Done(); m.send(runCtx, f, mine, every, fixes, s, shards) }()
	}
	go m.print(runCtx, report)
	<-runCtx.Done()
	wg.Wait()
	for _, c := range devs {
		if c.conn != nil {
			c.conn.Close()
		}
	}
	m.line(os.Stdout, "total", duration)
	return nil
}

// loadViewerTokens makes (once) n viewer accounts for the load tool,
// load-viewer-1 to n (the server caps each account's streams), and a fresh
// token for each.
func loadViewerTokens(ctx context.Context, st *store.Store, n int) ([]string, error) {
	tokens := make([]string, n)
	for i := range tokens {
		name := fmt.Sprintf("load-viewer-%d", i+1)
		if _, err := st.AccountLogin(ctx, name); err != nil {
			if _, err := st.CreateAccount(ctx, store.Actor{Name: "load"}, store.NewAccount{Username: name, PasswordHash: "", Role: auth.Viewer}); err != nil {
				return nil, err
			}
		}
		plain, _, err := cli.CreateToken(ctx, st, name, "load tool", 24*time.Hour)
		if err != nil {
			return nil, err
		}
		tokens[i] = plain
	}
	return tokens, nil
}

// busyGrids lists the level-3 grids the fleet's walkers start in, so the
// single-grid viewers watch grids where something happens.
func busyGrids(ctx context.Context, st *store.Store, f *fleet) ([]int64, error) {
	regions, err := st.GridShapes(ctx, 3)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var out []int64
	ix, err := geo.NewIndex(regions)
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

// loadMetrics are the load run's counters and a latency histogram.
type loadMetrics struct {
	accepted, failed, delivered, viewerErrs, dropped atomic.Int64
	start                                            time.Time
	httpHost                                         string         // --transport http: host:port
	hist                                             []atomic.Int64 // latencyBuckets
}

func newLoadMetrics() *loadMetrics {
	return &loadMetrics{hist: make([]atomic.Int64, len(latencyBuckets))}
}

// latencyBuckets are the histogram's upper bounds in ms: 1 ms steps to a
// second, then 10 ms steps to a minute (the last bucket takes the rest).
var latencyBuckets = func() []int64 {
	var b []int64
	for ms := int64(1); ms <= 1000; ms++ {
		b = append(b, ms)
	}
	for ms := int64(1010); ms <= 60_000; ms += 10 {
		b = append(b, ms)
	}
	return b
}()

func (m *loadMetrics) observe(ms int64) {
	i, _ := slices.BinarySearch(latencyBuckets, max(ms, 0))
	m.hist[min(i, len(m.hist)-1)].Add(1)
}

// deviceConn is one device's WebSocket.
type deviceConn struct {
	w    *walker
	conn *websocket.Conn
}

// dialDevices opens every walker's device WebSocket before the clock
// starts, 64 at a time, and starts a reader for each one's acks.
func (m *loadMetrics) dialDevices(ctx context.Context, f *fleet, url string) ([]*deviceConn, error) {
	conns := make([]*deviceConn, len(f.walkers))
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i, w := range f.walkers {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			h := http.Header{"Authorization": {"Bearer " + w.token}}
			conn, _, err := websocket.DefaultDialer.DialContext(ctx, url, h)
			if err != nil {
				failed.Add(1)
				return
			}
			conns[i] = &deviceConn{w: w, conn: conn}
			go m.acks(conn)
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return nil, fmt.Errorf("load: %d of %d device connections failed", n, len(f.walkers))
	}
	return conns, nil
}

// acks counts a device connection's answers: {"type":"ack","accepted":n}
// or an error frame.
func (m *loadMetrics) acks(conn *websocket.Conn) {
	const prefix = `{"type":"ack","accepted":`
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		if rest, ok := bytes.CutPrefix(data, []byte(prefix)); ok {
			n, _ := strconv.ParseInt(string(bytes.TrimSuffix(rest, []byte("}"))), 10, 64)
			m.accepted.Add(n)
		} else {
			m.failed.Add(1)
		}
	}
}

// send reports for its share of the devices, each once every every,
// spread evenly over the interval; a report carries fixes positions
// taken every/fixes apart, the newest now.
func (m *loadMetrics) send(ctx context.Context, f *fleet, conns []*deviceConn, every time.Duration, fixes, shard, shards int) {
	if len(conns) == 0 {
		return
	}
	gap := every / time.Duration(len(conns))
	next := time.Now().Add(every * time.Duration(shard) / time.Duration(shards) / time.Duration(len(conns)))
	var msg []byte
	var hc *httpConn
	if m.httpHost != "" {
		hc = &httpConn{host: m.httpHost}
		defer hc.close()
	}
	for ctx.Err() == nil {
		for _, c := range conns {
			if c.conn == nil && hc == nil {
				continue
			}
			if d := time.Until(next); d > time.Millisecond {
				select {
				case <-ctx.Done():
					for _, c := range conns {
						if c.conn == nil {
							continue
						}
						c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
					}
					return
				case <-time.After(d):
				}
			}
			next = next.Add(gap)
			p := f.proj.ToLonLat(c.w.pos) // the walker stands still: this measures the path, not the walk
			now := time.Now().UTC()
			msg = append(msg[:0], `{"positions":[`...)
			for i := range fixes {
				if i > 0 {
					msg = append(msg, ',')
				}
				msg = append(msg, `{"lon":`...)
				msg = strconv.AppendFloat(msg, p[0], 'f', 7, 64)
				msg = append(msg, `,"lat":`...)
				msg = strconv.AppendFloat(msg, p[1], 'f', 7, 64)
				msg = append(msg, `,"accuracy":5,"at":"`...)
				at := now.Add(-every * time.Duration(fixes-1-i) / time.Duration(fixes))
				msg = at.AppendFormat(msg, time.RFC3339Nano)
				msg = append(msg, `"}`...)
			}
			msg = append(msg, `]}`...)
			if hc != nil {
				switch status, err := hc.post(c.w.token, msg); {
				case status == http.StatusAccepted:
					m.accepted.Add(int64(fixes))
				case err == nil || ctx.Err() == nil:
					m.failed.Add(1)
				}
				continue
			}
			c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if c.conn.WriteMessage(websocket.TextMessage, msg) != nil {
				m.failed.Add(1)
				c.conn.Close()
				c.conn = nil
			}
		}
	}
}

// httpConn posts over one raw keep-alive connection, one request at a
// time, as a load generator such as wrk does: net/http's client costs
// more CPU than the server's handler, and tool and server share cores.
type httpConn struct {
	host string
	conn net.Conn
	br   *bufio.Reader
	req  []byte
}

// post sends a device's report and returns the answer's status.
func (h *httpConn) post(token string, body []byte) (int, error) {
	if h.conn == nil {
		c, err := net.DialTimeout("tcp", h.host, 5*time.Second)
		if err != nil {
			return 0, err
		}
		h.conn, h.br = c, bufio.NewReader(c)
	}
	h.req = append(h.req[:0], "POST /api/positions HTTP/1.1\r\nHost: "...)
	h.req = append(h.req, h.host...)
	h.req = append(h.req, "\r\nContent-Type: application/json\r\nAuthorization: Bearer "...)
	h.req = append(h.req, token...)
	h.req = append(h.req, "\r\nContent-Length: "...)
	h.req = strconv.AppendInt(h.req, int64(len(body)), 10)
	h.req = append(h.req, "\r\n\r\n"...)
	h.req = append(h.req, body...)
	h.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := h.conn.Write(h.req); err != nil {
		h.close()
		return 0, err
	}
	res, err := http.ReadResponse(h.br, nil)
	if err != nil {
		h.close()
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.Close {
		h.close()
	}
	return res.StatusCode, nil
}

func (h *httpConn) close() {
	if h.conn != nil {
		h.conn.Close()
		h.conn = nil
	}
}

// view is one viewer: it subscribes and records the latency of every
// position in the delta frames it receives (the "t" of each item is when
// the device sent it).
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
	frame := []byte(`{"type":"positions",`)
	key := []byte(`"t":`)
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code == 4008 {
				m.dropped.Add(1)
			}
			return
		}
		if !bytes.HasPrefix(data, frame) {
			continue // the snapshot and control frames
		}
		now := time.Now().UnixMilli()
		n := int64(0)
		for {
			i := bytes.Index(data, key)
			if i < 0 {
				break
			}
			data = data[i+len(key):]
			t := int64(0)
			for len(data) > 0 && data[0] >= '0' && data[0] <= '9' {
				t = t*10 + int64(data[0]-'0')
				data = data[1:]
			}
			m.observe(now - t)
			n++
		}
		m.delivered.Add(n)
	}
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
			fmt.Fprintf(os.Stderr, "  accepted %.0f/s  delivered %.0f/s  failed %d  viewers dropped %d  %s\n",
				float64(a-lastA)/every.Seconds(), float64(d-lastD)/every.Seconds(), m.failed.Load(), m.dropped.Load(), m.percentiles())
			lastA, lastD = a, d
		}
	}
}

// percentiles reports p50/p95/p99 of the latencies so far.
func (m *loadMetrics) percentiles() string {
	counts := make([]int64, len(m.hist))
	total := int64(0)
	for i := range m.hist {
		counts[i] = m.hist[i].Load()
		total += counts[i]
	}
	if total == 0 {
		return "latency: no samples"
	}
	q := func(p float64) int64 {
		want, seen := int64(p*float64(total)), int64(0)
		for i, c := range counts {
			seen += c
			if seen > want {
				return latencyBuckets[i]
			}
		}
		return latencyBuckets[len(latencyBuckets)-1]
	}
	return fmt.Sprintf("latency p50 %d ms  p95 %d ms  p99 %d ms  (%d samples)", q(.5), q(.95), q(.99), total)
}

func (m *loadMetrics) line(w *os.File, label string, d time.Duration) {
	fmt.Fprintf(w, "%s: accepted %d (%.0f/s), delivered %d (%.0f/s), failed %d, viewers dropped %d, viewer errors %d, %s\n",
		label, m.accepted.Load(), float64(m.accepted.Load())/d.Seconds(), m.delivered.Load(), float64(m.delivered.Load())/d.Seconds(),
		m.failed.Load(), m.dropped.Load(), m.viewerErrs.Load(), m.percentiles())
}
