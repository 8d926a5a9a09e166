package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// acked is a position a server answered 2xx for.
type acked struct {
	volunteer int64
	at        time.Time
}

// gridmapServer builds the gridmap binary and starts `serve` on the test
// database at a free port, returning its URL and the running command.
func gridmapServer(t *testing.T, dbURL string) (string, *exec.Cmd) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gridmap")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/gridmap/gridmap/cmd/gridmap").CombinedOutput(); err != nil {
		t.Fatalf("build gridmap: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve", "--db", dbURL, "--listen", addr, "--tiles", "none", "--log-level", "warn")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("gridmap serve did not become ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return base, cmd
}

// TestPositionsSurviveKill posts positions at full speed over HTTP and the
// device WebSocket, kills the server with SIGKILL mid-load, and checks
// that every position answered 2xx (or acknowledged on the socket) is in
// PostgreSQL.
func TestPositionsSurviveKill(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	base, cmd := gridmapServer(t, e.db.URL)
	vols := volunteers(t, e, 12)
	lon, lat := pointIn(t, e, 9)
	start := time.Now().Add(-5 * time.Minute).Truncate(time.Millisecond)

	var mu sync.Mutex
	var got []acked
	var wg sync.WaitGroup
	stop := make(chan struct{})
	// The first eight devices post over HTTP, the others over the socket.
	for i, v := range vols {
		id, _ := e.account(t, fmt.Sprintf("kill-%d", i), auth.Device, 0, v)
		token := e.token(t, id, time.Hour)
		post := httpPoster(base, token)
		if i >= 8 {
			if post = socketPoster(t, base, token); post == nil {
				t.Fatal("device socket did not open")
			}
		}
		wg.Add(1)
		go func(v int64, post func(string) bool) {
			defer wg.Done()
			for n := 0; ; n += 5 {
				select {
				case <-stop:
					return
				default:
				}
				var b strings.Builder
				ats := make([]time.Time, 5)
				for k := range ats {
					ats[k] = start.Add(time.Duration(n+k) * time.Millisecond)
					if k > 0 {
						b.WriteString(",")
					}
					fmt.Fprintf(&b, `{"lon": %f, "lat": %f, "accuracy": 5, "at": %q}`, lon, lat, ats[k].UTC().Format(time.RFC3339Nano))
				}
				if !post(`{"positions": [` + b.String() + `]}`) {
					continue // refused or cut off: not acknowledged
				}
				mu.Lock()
				for _, at := range ats {
					got = append(got, acked{v, at})
				}
				mu.Unlock()
			}
		}(v, post)
	}
	time.Sleep(2 * time.Second)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()

	if len(got) < 500 {
		t.Fatalf("only %d positions acknowledged before the kill: not a load", len(got))
	}
	vs, ats := make([]int64, len(got)), make([]time.Time, len(got))
	for i, a := range got {
		vs[i], ats[i] = a.volunteer, a.at
	}
	missing := scalar[int64](t, e, `
		SELECT count(*) FROM unnest($1::bigint[], $2::timestamptz[]) AS a(v, at)
		WHERE NOT EXISTS (SELECT 1 FROM positions p WHERE p.volunteer_id = a.v AND p.at = a.at)`, vs, ats)
	t.Logf("%d positions acknowledged before SIGKILL, %d of them missing", len(got), missing)
	if missing != 0 {
		t.Errorf("%d of %d acknowledged positions are not in PostgreSQL after SIGKILL", missing, len(got))
	}
}

// httpPoster posts a body to /api/positions; true when answered 2xx.
func httpPoster(base, token string) func(string) bool {
	c := &http.Client{Timeout: 5 * time.Second}
	return func(body string) bool {
		req, _ := http.NewRequest("POST", base+"/api/positions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := c.Do(req)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode/100 == 2
	}
}

// socketPoster sends a body on /ws/device and waits for its answer; true
// for an ack.
func socketPoster(t *testing.T, base, token string) func(string) bool {
	h := http.Header{"Authorization": {"Bearer " + token}}
	conn, _, err := websocket.DefaultDialer.DialContext(context.Background(), "ws"+strings.TrimPrefix(base, "http")+"/ws/device", h)
	if err != nil {
		t.Logf("dial device socket: %v", err)
		return nil
	}
	t.Cleanup(func() { conn.Close() })
	return func(body string) bool {
		conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if conn.WriteMessage(websocket.TextMessage, []byte(body)) != nil {
			return false
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, msg, err := conn.ReadMessage()
		return err == nil && strings.Contains(string(msg), `"type":"ack"`)
	}
}
