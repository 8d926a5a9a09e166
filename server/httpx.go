package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gridmap/gridmap/model"
)

// allowTable knows which methods each route pattern answers, so a request
// that matched no route can be told apart: a known path with another
// method is a 405 (OPTIONS a 204) with Allow, anything else falls through
// to the 404s. ServeMux would answer the 405 itself, but the catch-all
// patterns ("/api/" and "/") match every method first.
type allowTable []allowEntry

type allowEntry struct {
	segments []string // a pattern's path split at "/"; "{…}" matches any one segment
	methods  []string
}

// newAllowTable collects the methods of every route by pattern.
func newAllowTable(routes []Route) allowTable {
	var t allowTable
	for _, rt := range routes {
		segs := strings.Split(rt.Pattern, "/")
		i := slices.IndexFunc(t, func(e allowEntry) bool { return slices.Equal(e.segments, segs) })
		if i < 0 {
			t = append(t, allowEntry{segments: segs})
			i = len(t) - 1
		}
		t[i].methods = append(t[i].methods, rt.Method)
		if rt.Method == http.MethodGet {
			t[i].methods = append(t[i].methods, http.MethodHead)
		}
	}
	return t
}

// allow returns the Allow header for path: the methods of every pattern
// that matches it, in a fixed order, with OPTIONS; "" when none matches.
func (t allowTable) allow(escapedPath string) string {
	segs := strings.Split(escapedPath, "/")
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			segs[i] = u
		}
	}
	var methods []string
	for _, e := range t {
		if matchSegments(e.segments, segs) {
			methods = append(methods, e.methods...)
		}
	}
	if len(methods) == 0 {
		return ""
	}
	return allowHeader(methods)
}

// allowHeader lists methods once each, in the usual order, with OPTIONS.
func allowHeader(methods []string) string {
	var out []string
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
		if slices.Contains(methods, m) {
			out = append(out, m)
		}
	}
	return strings.Join(append(out, http.MethodOptions), ", ")
}

func matchSegments(pattern, path []string) bool {
	if len(pattern) != len(path) {
		return false
	}
	for i, p := range pattern {
		wild := strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}")
		if wild && path[i] == "" || !wild && p != path[i] {
			return false
		}
	}
	return true
}

// methods answers OPTIONS (204) and a wrong method (405) on a route's
// path with Allow, and passes every other request to next.
func (s *Server) methods(t allowTable, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allow := t.allow(r.URL.EscapedPath())
		if allow == "" {
			next.ServeHTTP(w, r)
			return
		}
		s.answerMethod(w, r, allow)
	})
}

// answerMethod is the answer to a method the resource does not serve:
// 204 with Allow for OPTIONS, else 405 with Allow.
func (s *Server) answerMethod(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.clientError(w, r, http.StatusMethodNotAllowed, "", model.CodeMethodNotAllow, map[string]any{"method": clip(r.Method), "allow": allow})
}

// notFoundPage answers a path that is neither a route nor a file: the 404
// page (static/404.html) for a browser's GET or HEAD, JSON for anything
// else.
func (s *Server) notFoundPage(page *asset) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if page == nil || !acceptsHTML(r) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			s.respondError(w, r, &model.Error{Kind: model.NotFound, Msg: "not found: " + clip(r.URL.Path)})
			return
		}
		h := w.Header()
		h.Set("Content-Type", page.ctype)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusNotFound)
		if r.Method != http.MethodHead {
			w.Write(page.body)
		}
	})
}

// acceptsHTML reports whether the client asks for an HTML page, as a
// browser navigating does.
func acceptsHTML(r *http.Request) bool {
	return accepts(r.Header.Get("Accept"), "text/html")
}

// accepts reports whether a header such as Accept or Accept-Encoding
// lists want (case-insensitively) with a quality above zero.
func accepts(header, want string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(name), want) {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		return q > 0
	}
	return false
}
