package server

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
)

// minGzip is the smallest body worth compressing: below it the gzip
// header and a round of CPU cost more than they save.
const minGzip = 1024

// compressible reports whether a content type is text that gzip shrinks.
func compressible(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "text/html", "text/css", "text/javascript", "application/javascript",
		"application/json", "application/geo+json", "image/svg+xml", "text/plain",
		"application/vnd.google-earth.kml+xml":
		return true
	}
	return false
}

// gzipWriters are reused: a gzip.Writer holds some hundreds of kB.
type gzipPool struct{ sync.Pool }

func (p *gzipPool) get(w io.Writer) *gzip.Writer {
	if zw, ok := p.Get().(*gzip.Writer); ok {
		zw.Reset(w)
		return zw
	}
	zw, _ := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	return zw
}

// compressResponses gzips text answers of at least minGzip bytes for
// clients that accept it, and marks them Vary: Accept-Encoding. It leaves
// alone WebSocket upgrades, HEAD, answers that already carry an encoding
// (the static files are compressed once, at start) and bodies it cannot
// shrink.
func compressResponses(next http.Handler) http.Handler {
	pool := &gzipPool{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead || r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w, pool: pool, accept: accepts(r.Header.Get("Accept-Encoding"), "gzip")}
		defer gw.finish()
		next.ServeHTTP(gw, r)
	})
}

// gzipWriter holds back the first minGzip bytes of a body: an answer that
// ends before that goes out as it is; a longer one is compressed when its
// type allows.
type gzipWriter struct {
	http.ResponseWriter
	pool     *gzipPool
	accept   bool
	status   int
	buf      []byte
	zw       *gzip.Writer
	decided  bool
	hijacked bool
}

func (g *gzipWriter) WriteHeader(code int) {
	if g.decided || g.status != 0 || code < 200 {
		if code < 200 {
			g.ResponseWriter.WriteHeader(code)
		}
		return
	}
	g.status = code
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if g.status == 0 {
		g.status = http.StatusOK
	}
	if !g.decided {
		g.buf = append(g.buf, b...)
		if len(g.buf) < minGzip {
			return len(b), nil
		}
		g.decide(true)
		if err := g.flushBuf(); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	if g.zw != nil {
		return g.zw.Write(b)
	}
	return g.ResponseWriter.Write(b)
}

// decide sends the header, compressed or not; big says the body reached
// minGzip.
func (g *gzipWriter) decide(big bool) {
	g.decided = true
	h := g.Header()
	handled := h.Get("Content-Encoding") != "" || strings.Contains(strings.Join(h.Values("Vary"), ","), "Accept-Encoding")
	noBody := g.status == http.StatusNoContent || g.status == http.StatusNotModified || g.status == http.StatusPartialContent
	if !handled && !noBody && compressible(h.Get("Content-Type")) {
		h.Add("Vary", "Accept-Encoding")
		if g.accept && big {
			h.Del("Content-Length")
			h.Set("Content-Encoding", "gzip")
			g.zw = g.pool.get(g.ResponseWriter)
		}
	}
	g.ResponseWriter.WriteHeader(g.status)
}

func (g *gzipWriter) flushBuf() error {
	buf := g.buf
	g.buf = nil
	if len(buf) == 0 {
		return nil
	}
	var err error
	if g.zw != nil {
		_, err = g.zw.Write(buf)
	} else {
		_, err = g.ResponseWriter.Write(buf)
	}
	return err
}

// finish sends what is held back and ends the gzip stream.
func (g *gzipWriter) finish() {
	if g.hijacked {
		return
	}
	if !g.decided && g.status != 0 {
		g.decide(false)
		g.flushBuf()
	}
	if g.zw != nil {
		g.zw.Close()
		g.pool.Put(g.zw)
		g.zw = nil
	}
}

// Flush sends what is held back, then flushes the connection.
func (g *gzipWriter) Flush() {
	if !g.decided && g.status != 0 {
		g.decide(len(g.buf) >= minGzip)
		g.flushBuf()
	}
	if g.zw != nil {
		g.zw.Flush()
	}
	http.NewResponseController(g.ResponseWriter).Flush()
}

// Hijack hands the connection over (a WebSocket upgrade without the
// Upgrade header would end here, and is left alone from then on).
func (g *gzipWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := g.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("server: response does not support hijacking")
	}
	g.hijacked = true
	return h.Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }
