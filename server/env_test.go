package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/ingest"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

// env is a real server over a fresh demo database, with helpers to act
// as each role.
type env struct {
	ts   *httptest.Server
	db   *testdb.DB
	srv  *server.Server
	hub  *live.Hub
	bus  *live.Bus
	pipe *ingest.Pipeline
	conn *pgx.Conn

	volunteer int64 // the volunteer device clients report for
}

func newEnv(t *testing.T, cfg server.Config) *env {
	t.Helper()
	return newEnvWith(t, cfg, func(db *testdb.DB) *store.Store { return db.Store })
}

// newEnvWith is newEnv with the store the server and the pipeline use
// made by storeFor (e.g. through a proxy that can cut the database off);
// the test's own connection and helpers reach the database directly.
func newEnvWith(t *testing.T, cfg server.Config, storeFor func(*testdb.DB) *store.Store) *env {
	t.Helper()
	db := testdb.Demo(t)
	st := storeFor(db)
	if cfg.LoginPerMinute == 0 {
		cfg.LoginPerMinute = 10000
	}
	ts, srv, hub, bus, pipe := serve(t, st, cfg)
	conn, err := pgx.Connect(context.Background(), db.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	e := &env{ts: ts, db: db, srv: srv, hub: hub, bus: bus, pipe: pipe, conn: conn}
	e.volunteer = scalar[int64](t, e, `SELECT min(person_id) FROM volunteers`)
	return e
}

// serve runs a server, its hub, bus and ingest pipeline over st until tb
// ends. GRIDMAP_TEST_LOG shows the server's log.
func serve(tb testing.TB, st *store.Store, cfg server.Config) (*httptest.Server, *server.Server, *live.Hub, *live.Bus, *ingest.Pipeline) {
	tb.Helper()
	var logTo io.Writer = io.Discard
	if os.Getenv("GRIDMAP_TEST_LOG") != "" {
		logTo = os.Stderr // see the server's errors while debugging a test
	}
	log := slog.New(slog.NewTextHandler(logTo, nil))
	hier, err := st.Hierarchy(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	hub := live.NewHub(hier)
	bus := live.NewBus(hub, nil, log)
	pipe := ingest.New(ingest.Config{Dwell: time.Second}, st, bus, log)
	if err := pipe.Load(context.Background()); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { pipe.Run(ctx); close(stopped) }()
	srv := server.New(cfg, server.Deps{Store: st, Bus: bus, Ingest: pipe, Log: log})
	ts := httptest.NewServer(srv.Handler())
	tb.Cleanup(func() {
		srv.StopStreams()
		ts.Close()
		cancel()
		<-stopped
	})
	return ts, srv, hub, bus, pipe
}

// scalar runs a one-value query on the test database.
func scalar[T any](t *testing.T, e *env, sql string, args ...any) T {
	t.Helper()
	var v T
	if err := e.conn.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// account creates an account with a password (cheap bcrypt for tests).
func (e *env) account(t *testing.T, username string, role auth.Role, grid, person int64) (int64, string) {
	t.Helper()
	password := username + "-password"
	hash := ""
	if role != auth.Device {
		h, err := auth.HashPassword(password, bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		hash = h
	}
	acc, err := e.db.Store.CreateAccount(context.Background(), store.Actor{Name: "test"}, store.NewAccount{
		Username: username, PasswordHash: hash, Role: role, GridID: grid, PersonID: person})
	if err != nil {
		t.Fatal(err)
	}
	return acc.ID, password
}

// client returns an HTTP client logged in as a new account of role: a
// session cookie for people, a bearer token for devices.
func (e *env) client(t *testing.T, username string, role auth.Role, grid int64) *client {
	t.Helper()
	var person int64
	if role == auth.Device || role == auth.Volunteer {
		person = e.volunteer // a volunteer works in their team's grid, not one of the account's
		grid = 0
	}
	id, _ := e.account(t, username, role, grid, person)
	return e.session(t, id, role)
}

// session returns an HTTP client logged in as account id of role: a
// session cookie for people, a bearer token for devices.
func (e *env) session(t *testing.T, id int64, role auth.Role) *client {
	t.Helper()
	plain, hash := auth.NewToken("gms_")
	if err := e.db.Store.CreateSession(context.Background(), id, hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(e.ts.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "gridmap_session", Value: plain}})
	c := &client{t: t, base: e.ts.URL, http: &http.Client{Jar: jar}, accountID: id}
	if role == auth.Device {
		c.http.Jar = nil
		c.bearer = e.token(t, id, time.Hour)
	}
	return c
}

// anonymous returns a client with no login.
func (e *env) anonymous(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: e.ts.URL, http: &http.Client{Jar: jar}}
}

// token makes an API token for an account, valid for ttl (negative: expired).
func (e *env) token(t *testing.T, accountID int64, ttl time.Duration) string {
	t.Helper()
	plain, hash := auth.NewToken("gmt_")
	if _, err := e.db.Store.CreateToken(context.Background(), store.Actor{Name: "test"}, accountID, "test", hash, time.Now().Add(ttl)); err != nil {
		t.Fatal(err)
	}
	return plain
}

type client struct {
	t         *testing.T
	base      string
	http      *http.Client
	bearer    string
	accountID int64
	lang      string // Accept-Language to send; "" sends none (the server's default language)
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	Error  struct {
		Code, Error, Field, Detail string
	}
}

// upload is a request body that is not JSON.
type upload struct {
	contentType string
	data        []byte
}

// do sends a request with an optional JSON body (a string or a value),
// or an upload.
func (c *client) do(method, path string, body any) response {
	c.t.Helper()
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case upload:
		rd, contentType = bytes.NewReader(b.data), b.contentType
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	return c.raw(req)
}

// raw sends req as c (its session or token) and reads the answer.
func (c *client) raw(req *http.Request) response {
	c.t.Helper()
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	out := response{Status: res.StatusCode, Header: res.Header}
	out.Body, _ = io.ReadAll(res.Body)
	if res.StatusCode >= 400 {
		json.Unmarshal(out.Body, &out.Error)
	}
	return out
}

// get decodes a GET answer into v and returns the status.
func (c *client) get(path string, v any) int {
	c.t.Helper()
	r := c.do("GET", path, nil)
	if v != nil && r.Status < 300 {
		if err := json.Unmarshal(r.Body, v); err != nil {
			c.t.Fatalf("GET %s: %v in %.200s", path, err, r.Body)
		}
	}
	if v != nil && r.Status >= 300 {
		json.Unmarshal(r.Body, v)
	}
	return r.Status
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
