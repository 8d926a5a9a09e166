// Package server is gridmap's HTTP face: the JSON/GeoJSON read API, the
// embedded Leaflet front end, health checks and the request log.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gridmap/gridmap/static"
	"github.com/gridmap/gridmap/store"
)

// Config is what the server needs beyond its store.
type Config struct {
	TileURL         string // base-map tiles; empty for the no-internet plain background
	TileAttribution string
	DefaultLang     string // zh-CN or en
}

// Server serves the API and the map.
type Server struct {
	cfg   Config
	store *store.Store
	log   *slog.Logger
	files fs.FS
}

// New returns a server over st. It warns when the front-end libraries
// were not vendored into the build, since the map cannot draw without them.
func New(cfg Config, st *store.Store, log *slog.Logger) *Server {
	if _, err := fs.Stat(static.FS, "vendor/leaflet/leaflet.js"); err != nil {
		log.Warn("front-end libraries missing from the build; run `make vendor` and rebuild", "error", err)
	}
	return &Server{cfg: cfg, store: st, log: log, files: static.FS}
}

// Handler returns every route, wrapped in the request log.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /api/config", s.config)
	mux.HandleFunc("GET /api/tree", s.tree)
	mux.HandleFunc("GET /api/grids", s.grids)
	mux.HandleFunc("GET /api/grids/{id}", s.grid)
	mux.HandleFunc("GET /api/buildings", s.buildings)
	mux.HandleFunc("GET /api/", s.notFound)
	mux.Handle("GET /", s.staticFiles())
	return s.logRequests(mux)
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
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	return nil
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

// logRequests gives each request an id and logs one line when it ends.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		level := slog.LevelDebug
		if sw.status >= 400 {
			level = slog.LevelInfo
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes), slog.Duration("duration", time.Since(start)))
	})
}

// staticFiles serves the embedded front end at the site root.
func (s *Server) staticFiles() http.Handler {
	files := http.FileServerFS(s.files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/embed.go" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.clientError(w, r, http.StatusNotFound, "", "no such API route: "+clip(r.URL.Path))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	s.ok(w, r, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "error", err)
		s.writeJSON(w, r, http.StatusServiceUnavailable, "application/json; charset=utf-8",
			map[string]string{"status": "unavailable", "database": "unreachable"})
		return
	}
	s.ok(w, r, map[string]string{"status": "ok", "database": "ok"})
}

func (s *Server) config(w http.ResponseWriter, r *http.Request) {
	s.ok(w, r, map[string]string{
		"tile_url":         s.cfg.TileURL,
		"tile_attribution": s.cfg.TileAttribution,
		"default_lang":     s.cfg.DefaultLang,
	})
}
