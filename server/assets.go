package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// servedExt are the kinds of file the pages load. Anything else in the
// embedded tree (Go source, licences) is never served, and neither is a
// directory listing.
var servedExt = map[string]bool{
	".html": true, ".js": true, ".css": true, ".png": true, ".svg": true,
	".jpg": true, ".gif": true, ".ico": true, ".woff": true, ".woff2": true,
}

// asset is one embedded file, ready to serve: its bytes, their gzip (nil
// when it would not help), and a strong ETag for each.
type asset struct {
	body, gz     []byte
	ctype        string
	etag, gzEtag string
	version      string // the content hash a fingerprinted URL carries in ?v=
}

// assets are the front end's files by path (without the leading "/").
type assets map[string]*asset

// loadAssets reads the servable files of fsys once, compresses the text
// ones and fingerprints the vendored libraries: each page's reference to
// /vendor/… gains ?v=<hash of the file>, and such a URL may be cached for
// a year, since a new library gives a new URL. The app's own modules are
// not fingerprinted (they import one another by plain name, and one
// module under two URLs would run twice), so they are revalidated.
func loadAssets(fsys fs.FS) (assets, error) {
	out := assets{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !servedExt[path.Ext(name)] {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		out[name] = &asset{body: body}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("server: read front end: %w", err)
	}
	var refs []string // old, new pairs for the pages
	for name, a := range out {
		a.version = contentHash(a.body)[:12]
		if strings.HasPrefix(name, "vendor/") {
			for _, q := range []string{`"`, `'`} {
				refs = append(refs, q+"/"+name+q, q+"/"+name+"?v="+a.version+q)
			}
		}
	}
	fingerprint := strings.NewReplacer(refs...)
	for name, a := range out {
		if path.Ext(name) == ".html" {
			a.body = []byte(fingerprint.Replace(string(a.body)))
		}
		a.prepare(name)
	}
	return out, nil
}

// prepare fills in a's type, ETags and gzip.
func (a *asset) prepare(name string) {
	a.ctype = mime.TypeByExtension(path.Ext(name))
	if a.ctype == "" {
		a.ctype = "application/octet-stream"
	}
	a.etag = `"` + contentHash(a.body)[:32] + `"`
	if !compressible(a.ctype) || len(a.body) < minGzip {
		return
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(a.body)
	zw.Close()
	if buf.Len() < len(a.body) {
		a.gz = buf.Bytes()
		a.gzEtag = `"` + contentHash(a.body)[:32] + `-gzip"`
	}
}

func contentHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// serve writes a with its validators: the gzip when the client takes it,
// 304 when If-None-Match names what it has, ranges as ServeContent does.
// A fingerprinted URL (?v= with the file's hash) is cached for a year;
// everything else is revalidated each time (no-cache), which costs a 304.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	if v := r.URL.Query().Get("v"); v != "" && v == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	body, etag := a.body, a.etag
	if compressible(a.ctype) {
		h.Add("Vary", "Accept-Encoding") // tells compressResponses this is done
	}
	if a.gz != nil && accepts(r.Header.Get("Accept-Encoding"), "gzip") {
		body, etag = a.gz, a.gzEtag
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}
