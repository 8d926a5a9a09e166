package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestMapLiveBrowser watches volunteers move on / and the stream come
// back after the server restarts.
func TestMapLiveBrowser(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "viewer", auth.Viewer, 0, 0)
	ids := volunteers(t, e, 12)
	lon, lat := pointIn(t, e, 9)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	// Twelve volunteers walk east from the middle of grid 9, 1 m a step.
	devices := make([]*device, len(ids))
	for i, id := range ids {
		devices[i] = e.device(t, "walker"+strconv.Itoa(i), id)
	}
	base := e.ts.URL
	walk := func() {
		for step := 0; ctx.Err() == nil; step++ {
			for i, d := range devices {
				body := fmt.Sprintf(`{"positions":[{"lon":%f,"lat":%f,"accuracy":5,"at":%q}]}`,
					lon+float64(step)*0.00001, lat+float64(i)*0.00005, time.Now().UTC().Format(time.RFC3339Nano))
				req, _ := http.NewRequest("POST", base+"/api/positions", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+d.c.bearer)
				if res, err := http.DefaultClient.Do(req); err == nil {
					res.Body.Close()
				}
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
	go walk()

	b := newBrowser(t, 1200, 800)
	login(t, b, e.ts.URL, "/#grid=9", "viewer", password)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.CSS(`body[data-live="live"]`))); err != nil {
		t.Fatal(err)
	}
	where := func() []float64 {
		p, err := chromedp.Run(b, chromedp.Evaluate[[]float64](`(p => p ? [p.lon, p.lat] : [])(gridmapTest.positionOf(`+itoa(ids[0])+`))`))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	chromedp.Do(b, chromedp.Sleep(time.Second))
	first := where()
	screenshot(t, b, "live-1")
	second := first
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		chromedp.Do(b, chromedp.Sleep(500*time.Millisecond))
		if second = where(); len(first) == 2 && len(second) == 2 && second[0] > first[0] {
			break
		}
	}
	screenshot(t, b, "live-2")
	if len(first) != 2 || len(second) != 2 || second[0] <= first[0] {
		t.Fatalf("volunteer %d at %v then %v: want it further east", ids[0], first, second)
	}
	n, _ := chromedp.Run(b, chromedp.Evaluate[int](`Number(document.getElementById('volunteer-canvas').dataset.count)`))
	if n < len(ids) {
		t.Errorf("map shows %d volunteers, want %d", n, len(ids))
	}

	// Restart: stop the server (streams close with 1001), serve the same
	// database on the same address again; the page must reconnect.
	addr := e.ts.Listener.Addr().String()
	stop()
	e.srv.StopStreams()
	e.ts.Close()
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.CSS(`#live-status[data-state="reconnecting"]`))); err != nil {
		t.Fatalf("page did not notice the restart: %v", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv2 := server.New(server.Config{}, server.Deps{Store: e.db.Store, Bus: e.bus, Ingest: e.pipe, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts2 := httptest.NewUnstartedServer(srv2.Handler())
	ts2.Listener.Close()
	ts2.Listener = ln
	ts2.Start()
	t.Cleanup(func() { srv2.StopStreams(); ts2.Close() })
	e.ts = ts2
	ctx, stop = context.WithCancel(context.Background())
	defer stop()
	go walk()
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.CSS(`#live-status[data-state="live"]`))); err != nil {
		t.Fatalf("page did not reconnect: %v", err)
	}
	// The walkers start again on the new server; the volunteer moves on
	// the page within a few of their steps (more on a loaded machine).
	before := where()
	after := before
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		chromedp.Do(b, chromedp.Sleep(300*time.Millisecond))
		if after = where(); len(after) == 2 && len(before) == 2 && (after[0] != before[0] || after[1] != before[1]) {
			break
		}
	}
	screenshot(t, b, "live-3-reconnected")
	if len(after) != 2 || len(before) != 2 || after[0] == before[0] && after[1] == before[1] {
		t.Errorf("after the restart volunteer %d stays at %v for 15 s", ids[0], after)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
