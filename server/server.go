// Package server is gridmap's HTTP face: the JSON/GeoJSON read API, the
// embedded Leaflet front end, health checks and the request log.
package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/accounts"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/basemap"
	"github.com/gridmap/gridmap/field"
	"github.com/gridmap/gridmap/ingest"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/ogc"
	"github.com/gridmap/gridmap/planning"
	"github.com/gridmap/gridmap/playback"
	"github.com/gridmap/gridmap/read"
	"github.com/gridmap/gridmap/static"
	"github.com/gridmap/gridmap/store"
	"github.com/gridmap/gridmap/tiles"
)

// Config is what the server needs beyond its store.
type Config struct {
	TileURL         string // base-map tiles; empty for the no-internet plain background
	TileCacheMiB    int    // the vector-tile cache's bound; 0 for 64 MiB
	VectorAbove     int    // the map draws vector tiles when an account sees more grids than this; 0 for 5000
	TileAttribution string
	AMapURL         string           // AMap (GCJ-02) tiles offered as a base map; empty for none
	TiandituKey     string           // a Tianditu browser key; empty leaves Tianditu out
	BaseMap         *basemap.MBTiles // the offline base map (--mbtiles), served at /basemap; nil for none
	DefaultLang     string           // zh-CN or en
	SessionTTL      time.Duration    // idle time after which a browser session ends
	SessionMax      time.Duration    // absolute lifetime of a browser session, however recently used
	SecureCookies   bool             // mark the session cookie Secure (behind TLS)
	LoginPerMinute  float64          // password attempts per account; six times as many per address
	WritePerMinute  float64          // writes per account
	AllowedOrigins  []string         // other origins allowed to open the stream (e.g. a wall-display host)
	Location        *time.Location   // the area's time zone: "today" for screening (Asia/Shanghai)
	CoverageEvery   time.Duration    // how often coverage is recounted in full (and after each local midnight)
	Clock           func() time.Time // the time; nil for time.Now (tests move it)
	Heartbeat       time.Duration    // /ws heartbeat and ping interval (MinHeartbeat..MaxHeartbeat); 0 for 25 s
	Tasks           field.TaskRules  // times and limits of tasks; zero fields take field.DefaultTaskRules
	EscalateEvery   time.Duration    // how often tasks past their time are escalated; 0 for 30 s

	// Caps per account and per device, counted in memory on each instance
	// (see streamRegistry and admitPositions).
	StreamsPerAccount       int     // open /ws streams per account
	DeviceStreamsPerAccount int     // open /ws/device streams per device account
	PositionsPerSecond      float64 // positions per device per second, sustained
	PositionsPerDay         int     // positions per volunteer per local day
}

// withDefaults fills zero settings with safe values.
func (c Config) withDefaults() Config {
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.SessionMax <= 0 {
		c.SessionMax = 12 * time.Hour
	}
	if c.StreamsPerAccount <= 0 {
		c.StreamsPerAccount = 20
	}
	if c.DeviceStreamsPerAccount <= 0 {
		c.DeviceStreamsPerAccount = 4
	}
	if c.PositionsPerSecond <= 0 {
		c.PositionsPerSecond = 5
	}
	if c.PositionsPerDay <= 0 {
		c.PositionsPerDay = 20_000
	}
	if c.LoginPerMinute <= 0 {
		c.LoginPerMinute = 5
	}
	if c.WritePerMinute <= 0 {
		c.WritePerMinute = 300
	}
	if c.DefaultLang == "" {
		c.DefaultLang = "zh-CN"
	}
	if c.Location == nil {
		c.Location = shanghai()
	}
	if c.TileCacheMiB <= 0 {
		c.TileCacheMiB = 64
	}
	if c.VectorAbove <= 0 {
		c.VectorAbove = 5000
	}
	if c.CoverageEvery <= 0 {
		c.CoverageEvery = time.Minute
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.EscalateEvery <= 0 {
		c.EscalateEvery = 30 * time.Second
	}
	d := field.DefaultTaskRules
	for _, f := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&c.Tasks.AcceptWithin, d.AcceptWithin}, {&c.Tasks.DueWithin, d.DueWithin}, {&c.Tasks.ToCommunity, d.ToCommunity}, {&c.Tasks.OnDuty, d.OnDuty}} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	if c.Tasks.MaxOpen <= 0 {
		c.Tasks.MaxOpen = d.MaxOpen
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = DefaultHeartbeat
	}
	return c
}

// Deps are the parts a server is built from.
type Deps struct {
	Store  *store.Store
	Bus    *live.Bus        // viewers here and, through NATS, on other instances
	Ingest *ingest.Pipeline // the position path; nil refuses positions
	Log    *slog.Logger
}

// Server serves the API and the map.
type Server struct {
	cfg     Config
	store   *store.Store
	ingest  *ingest.Pipeline
	bus     *live.Bus
	log     *slog.Logger
	files   fs.FS
	metrics *metrics
	now     func() time.Time

	tokens tokenCache // bearer tokens recently seen

	blankTile []byte // the transparent PNG sent for a raster tile the offline map lacks

	plan *planning.Service // drafts, validation, impact, publishing

	scopes   *access.Scopes    // the grid hierarchy and the scope checks over it
	cov      *field.Coverage   // live coverage figures, kept current and published
	field    *field.Service    // field writes and their rules
	tasks    *field.Tasks      // tasks: gaps sent to volunteers, and their escalation
	acct     *accounts.Service // logins, passwords, accounts and tokens
	read     *read.Service     // the read API's rules: scope limits, masking, nearest, trails
	playback *playback.Service // looking back: coverage of a past day, its series, a day's playback
	events   field.Publisher   // stores and publishes stream events
	tiles    *tiles.Service    // vector tiles, cached per instance
	ogc      *ogc.Service      // OGC API – Features

	loginLimit     *limiter // per account
	loginAddrLimit *limiter // per address, looser: an office shares one address
	writeLimit     *limiter // per account
	writeAddrLimit *limiter // per address: several accounts behind one office NAT share it
	positionRate   *limiter // positions per device account
	positionDay    dayCount // positions per volunteer per local day

	open streamRegistry // open WebSocket streams by account, for caps and kicks

	hub         *live.Hub
	streams     sync.WaitGroup // open WebSocket streams
	stopStreams chan struct{}  // closed on shutdown: streams send 1001 and end
	stopOnce    sync.Once
}

// New returns a server over st. It warns when the front-end libraries
// were not vendored into the build, since the map cannot draw without them,
// and when the front end was not built (the pages then load their modules
// unbundled).
func New(cfg Config, d Deps) *Server {
	st, log := d.Store, d.Log
	if d.Bus == nil {
		d.Bus = live.NewBus(live.NewHub(auth.NewHierarchy(nil)), nil, log)
	}
	if _, err := fs.Stat(static.FS, "vendor/leaflet/leaflet.js"); err != nil {
		log.Warn("front-end libraries missing from the build; run `make vendor` and rebuild", "error", err)
	}
	if _, err := fs.Stat(static.FS, manifestName); err != nil {
		log.Warn("front end not built: the pages load their modules unbundled; run `make vendor` and rebuild", "error", err)
	}
	cfg = cfg.withDefaults()
	pool := func(name, help string, pick func(a, i, t int32) int32) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
			return float64(pick(st.PoolStats()))
		})
	}
	extra := []prometheus.Collector{
		pool("gridmap_db_connections_acquired", "Database connections in use.", func(a, _, _ int32) int32 { return a }),
		pool("gridmap_db_connections_idle", "Idle database connections.", func(_, i, _ int32) int32 { return i }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridmap_stream_viewers", Help: "Viewers subscribed in the hub."},
			func() float64 { return float64(d.Bus.Hub().Clients()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_stream_positions_delivered_total", Help: "Positions handed to viewers' frames."},
			func() float64 { return float64(d.Bus.Hub().Positions.Load()) }),
	}
	tileCache := tiles.NewCache(int64(cfg.TileCacheMiB) << 20)
	tileStat := func(name, help string, pick func(tiles.Stats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return pick(tileCache.Stats()) })
	}
	extra = append(extra,
		tileStat("gridmap_tile_cache_bytes", "Bytes of vector tiles cached.", func(s tiles.Stats) float64 { return float64(s.Bytes) }),
		tileStat("gridmap_tile_cache_tiles", "Vector tiles cached.", func(s tiles.Stats) float64 { return float64(s.Tiles) }),
		tileStat("gridmap_tile_cache_hits", "Vector tiles served from the cache since start.", func(s tiles.Stats) float64 { return float64(s.Hits) }),
		tileStat("gridmap_tile_cache_misses", "Vector tiles made since start.", func(s tiles.Stats) float64 { return float64(s.Misses) }),
		tileStat("gridmap_tile_cache_drops", "Cached vector tiles dropped because a grid in them changed.", func(s tiles.Stats) float64 { return float64(s.Drops) }),
	)
	if p := d.Ingest; p != nil {
		extra = append(extra,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridmap_positions_queued", Help: "Positions waiting for the database."},
				func() float64 { return float64(p.BufferLen()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_positions_accepted_total", Help: "Positions accepted."},
				func() float64 { return float64(p.Accepted.Load()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_positions_dropped_total", Help: "Positions refused because the buffer was full."},
				func() float64 { return float64(p.Dropped.Load()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_positions_persisted_total", Help: "Positions written to PostGIS."},
				func() float64 { return float64(p.Persisted.Load()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_stream_events_total", Help: "Durable stream events stored and published."},
				func() float64 { return float64(p.Published.Load()) }),
		)
	}
	srv := &Server{
		cfg: cfg, store: st, log: log, files: static.FS, now: cfg.Clock,
		hub: d.Bus.Hub(), bus: d.Bus, ingest: d.Ingest, stopStreams: make(chan struct{}),
		metrics:        newMetrics(extra...),
		loginLimit:     newLimiter(cfg.LoginPerMinute, int(max(1, cfg.LoginPerMinute))),
		loginAddrLimit: newLimiter(6*cfg.LoginPerMinute, int(max(6, 6*cfg.LoginPerMinute))),
		writeLimit:     newLimiter(cfg.WritePerMinute, int(max(10, cfg.WritePerMinute/10))),
		writeAddrLimit: newLimiter(4*cfg.WritePerMinute, int(max(40, cfg.WritePerMinute/2))),
		positionRate:   newLimiter(60*cfg.PositionsPerSecond, int(max(1, positionBurst.Seconds()*cfg.PositionsPerSecond))),
	}
	if cfg.BaseMap != nil {
		srv.blankTile = blankPNG()
	}
	srv.plan = planning.New(st, srv.cfg.Location, srv.cfg.Clock)
	srv.events = directEvents{store: st, bus: d.Bus, log: log}
	if d.Ingest != nil {
		srv.events = d.Ingest
	}
	srv.scopes = access.New(st, srv.hub, srv.cfg.Clock)
	srv.cov = field.NewCoverage(st, srv.scopes, srv.events, srv.cfg.Location, srv.cfg.Clock, log)
	srv.field = field.New(st, srv.scopes, srv.cov, srv.cfg.Clock)
	srv.tasks = field.NewTasks(srv.field, st, srv.hub, srv.cfg.Tasks, log)
	srv.read = read.New(st, srv.scopes, srv.hub, srv.cov, srv.cfg.Clock)
	srv.playback = playback.New(st, srv.scopes, srv.read, srv.cfg.Location, srv.cfg.Clock)
	srv.acct = accounts.New(st, srv.scopes, accounts.Config{SessionTTL: cfg.SessionTTL}, srv.cfg.Clock)
	srv.tiles = tiles.New(st, srv.scopes, srv.cov, tileCache)
	srv.ogc = ogc.New(st, srv.scopes)
	d.Bus.Observe(live.TopicCoverage, srv.dropTiles)
	d.Bus.Observe(live.TopicBoundaries, srv.dropTiles)
	d.Bus.OnRemote(live.TopicCoverage, srv.cov.ApplyRemote)
	d.Bus.OnRemote(live.TopicBoundaries, func(live.Event) { go srv.boundariesChanged(context.Background()) })
	return srv
}

// shanghai is the default time zone of the area (the binary embeds the
// zone database, so this works on a machine without tzdata).
func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Background runs the server's periodic work until ctx ends: rechecking
// cached tokens, escalating tasks past their time and recounting coverage. Serve runs it; tests that use
// Handler alone may too.
func (s *Server) Background(ctx context.Context) {
	go s.tokens.runSweeps(ctx, s.store, s.now, s.log)
	go s.tasks.RunEscalation(ctx, s.cfg.EscalateEvery)
	s.cov.Run(ctx, s.cfg.CoverageEvery)
}

// Run serves on addr until ctx ends, then shuts down: it stops accepting,
// lets in-flight requests finish for up to grace, and returns.
func (s *Server) Run(ctx context.Context, addr string, grace time.Duration) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server: listen %s: %w", addr, err)
	}
	return s.Serve(ctx, ln, grace)
}

// Serve is Run on an existing listener.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		MaxHeaderBytes:    64 << 10,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	background, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	go s.Background(background)
	s.log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	// Stop accepting and drain HTTP; hijacked WebSockets are not part of
	// that, so tell them to close (1001) and wait for them too.
	err := hs.Shutdown(sctx)
	s.StopStreams()
	waited := make(chan struct{})
	go func() { s.streams.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-sctx.Done():
	}
	if err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}

// StopStreams closes every WebSocket stream with 1001 (going away).
func (s *Server) StopStreams() {
	s.stopOnce.Do(func() { close(s.stopStreams) })
}

// statusWriter records the status a handler wrote, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Hijack hands the connection to a WebSocket upgrade; the request log
// records it as 101.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("server: response does not support hijacking")
	}
	w.status = http.StatusSwitchingProtocols
	return h.Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests gives each request an id and logs one line when it ends.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.metrics.observe(r.Pattern, r.Method, sw.status, time.Since(start))
		level := slog.LevelDebug
		if sw.status >= 400 {
			level = slog.LevelInfo
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("path", logPath(r.URL.Path)), slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes), slog.Duration("duration", time.Since(start)))
	})
}

// staticFiles serves the embedded front end at the site root: only the
// files the pages load (see servedExt), never Go source or a directory
// listing, each with an ETag, compressed once. A path that is no file gets
// notFound. The files are read when the handler is built.
func (s *Server) staticFiles(notFound func(*asset) http.Handler) http.Handler {
	files, err := loadAssets(s.files)
	if err != nil {
		s.log.Error("front end unavailable", "error", err)
	}
	missing := notFound(files["404.html"])
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := files[staticName(r.URL.Path)]
		if a == nil {
			missing.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.answerMethod(w, r, "GET, HEAD, OPTIONS")
			return
		}
		a.serve(w, r)
	})
}

// staticName maps a request path to the embedded file that answers it:
// / is the map, /plan the planner's editor, /replay day playback, /wall
// the command centre's wall display, /report the day's report, /tasks a
// volunteer's tasks, /admin accounts, tokens, wall links and the audit log,
// /grid/{id} the grid leader's page (it reads the id from its own
// address; an id that is no whole number is the 404 page, one of no grid
// the page's own message). "" for anything else that is not a file name; the lookup is
// exact, so "//embed.go" (from /%2fembed.go) or "vendor/" name nothing.
func staticName(p string) string {
	name, ok := strings.CutPrefix(p, "/")
	switch {
	case !ok:
		return ""
	case name == "":
		return "index.html"
	case name == "plan":
		return "plan.html"
	case name == "replay": // day playback (issue 13)
		return "replay.html"
	case name == "report": // the day's report (issue 14)
		return "report.html"
	case name == "tasks": // a volunteer's tasks, on their phone (issue 14)
		return "tasks.html"
	case name == "admin": // administration (issue 14)
		return "admin.html"
	case name == "wall": // the command centre's wall display (issue 13)
		return "wall.html"
	}
	if rest, ok := strings.CutPrefix(name, "grid/"); ok {
		if gridPageID(rest) {
			return "grid.html"
		}
		return "" // /grid/abc is no page: the 404 page
	}
	return name
}

// gridPageID reports whether s is a grid id as the grid page's address
// holds it: a positive whole number without leading zeros or sign.
func gridPageID(s string) bool {
	if s == "" || len(s) > 18 || s[0] == '0' {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
