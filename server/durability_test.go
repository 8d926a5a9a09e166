package server_test

import (
	"context"
	"encoding/json"
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

// TestFieldWritesSurviveKill does the same for the writes people make:
// screenings, hotline requests and arrivals from a grid leader, wall links
// from an admin, at full speed from several clients, until SIGKILL. Every write
// answered 201 must be in PostgreSQL with the id its answer gave, and its
// client id must be recorded, so a retry after the crash is answered from
// the record instead of stored twice.
func TestFieldWritesSurviveKill(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	base, cmd := gridmapServer(t, e.db.URL)
	leaderID, _ := e.account(t, "kill-leader", auth.GridLeader, 9, 0)
	adminID, _ := e.account(t, "kill-admin", auth.Admin, 0, 0)
	leader, admin := e.token(t, leaderID, time.Hour), e.token(t, adminID, time.Hour)
	households := scalar[[]int64](t, e, `SELECT array_agg(h.id ORDER BY h.id) FROM households h
		JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9`)
	building := scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9`)

	type write struct {
		table, clientID string
		id              int64
	}
	var mu sync.Mutex
	var got []write
	var wg sync.WaitGroup
	stop := make(chan struct{})
	c := &http.Client{Timeout: 5 * time.Second}
	post := func(token, path, body string) (int64, bool) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := c.Do(req)
		if err != nil {
			return 0, false
		}
		defer res.Body.Close()
		var out struct {
			ID int64 `json:"id"`
		}
		if res.StatusCode != 201 || json.NewDecoder(res.Body).Decode(&out) != nil || out.ID == 0 {
			return 0, false
		}
		return out.ID, true
	}
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				cid := fmt.Sprintf("kill-%d-%d", w, n)
				var table, token, path, body string
				switch {
				case w == 5:
					table, token, path = "wall_links", admin, "/api/wall-links"
					body = `{"grid_id": 9, "ttl_hours": 1}`
					cid = ""
				case n%4 == 1:
					table, token, path = "arrivals", leader, "/api/arrivals"
					body = fmt.Sprintf(`{"client_id": %q, "household_id": %d, "name": "返乡人", "kind": "returnee", "origin": "外省"}`, cid, households[(w*31+n)%len(households)])
				case n%4 == 3:
					table, token, path = "requests", leader, "/api/requests"
					body = fmt.Sprintf(`{"client_id": %q, "building_id": %d, "category": "supplies", "body": "买药"}`, cid, building)
				default:
					table, token, path = "screenings", leader, "/api/screenings"
					body = fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal"}`, cid, households[(w*997+n)%len(households)])
				}
				if id, ok := post(token, path, body); ok {
					mu.Lock()
					got = append(got, write{table, cid, id})
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(3 * time.Second)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()

	byTable := map[string][]int64{}
	var clientIDs []string
	for _, w := range got {
		byTable[w.table] = append(byTable[w.table], w.id)
		if w.clientID != "" {
			clientIDs = append(clientIDs, w.clientID)
		}
	}
	t.Logf("acknowledged before SIGKILL: %d screenings, %d requests, %d arrivals, %d wall links",
		len(byTable["screenings"]), len(byTable["requests"]), len(byTable["arrivals"]), len(byTable["wall_links"]))
	for _, table := range []string{"screenings", "requests", "arrivals", "wall_links"} {
		ids := byTable[table]
		if len(ids) < 5 {
			t.Fatalf("only %d %s acknowledged before the kill: not a load", len(ids), table)
		}
		missing := scalar[int64](t, e, `SELECT count(*) FROM unnest($1::bigint[]) AS a(id)
			WHERE NOT EXISTS (SELECT 1 FROM `+table+` x WHERE x.id = a.id)`, ids)
		if missing != 0 {
			t.Errorf("%d of %d acknowledged %s are not in PostgreSQL after SIGKILL", missing, len(ids), table)
		}
	}
	if missing := scalar[int64](t, e, `SELECT count(*) FROM unnest($1::text[]) AS a(c)
		WHERE NOT EXISTS (SELECT 1 FROM field_writes f WHERE f.client_id = a.c)`, clientIDs); missing != 0 {
		t.Errorf("%d of %d acknowledged client ids are not recorded after SIGKILL", missing, len(clientIDs))
	}
}
