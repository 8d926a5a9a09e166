package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// servedExt are the kinds of file the pages load. Anything else in the
// embedded tree (Go source, licences, the build's manifest) is never
// served, and neither is a directory listing.
var servedExt = map[string]bool{
	".html": true, ".js": true, ".css": true, ".png": true, ".svg": true,
	".jpg": true, ".gif": true, ".ico": true, ".woff": true, ".woff2": true,
	".map": true,
}

// manifestName is the front-end build's map from each file the pages load
// from static/ itself (app.js, grid.css) to its bundled, minified,
// content-hashed file (dist/app-5XJ2LQ3B.js), written by
// scripts/build-front.mjs.
const manifestName = "dist/manifest.json"

// asset is one embedded file, ready to serve: its bytes, their gzip (nil
// when it would not help), and a strong ETag for each.
type asset struct {
	body, gz     []byte
	ctype        string
	etag, gzEtag string
	version      string // the content hash a fingerprinted URL carries in ?v=
	immutable    bool   // the build named it for its content: cache it for good
}

// assets are the front end's files by path (without the leading "/").
type assets map[string]*asset

// loadAssets reads the servable files of fsys once, compresses the text
// ones and points the pages at fingerprinted URLs, which may be cached for
// a year since new content gets a new URL: each page's reference to one of
// the app's own modules or stylesheets (/app.js) becomes the built file
// the manifest names (/dist/app-5XJ2LQ3B.js, with its source map beside
// it), and each reference to /vendor/… gains ?v=<hash of the file>.
// Without a build (no manifest) the pages load the modules as they are;
// the sources stay served either way, revalidated each time.
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
	built, err := readManifest(fsys)
	if err != nil {
		return nil, err
	}
	var refs []string // old, new pairs for the pages
	for src, dst := range built {
		a := out[dst]
		if a == nil || out[src] == nil {
			return nil, fmt.Errorf("server: %s maps %s to %s, and one of them is not in the build", manifestName, src, dst)
		}
		a.immutable = true
		if m := out[dst+".map"]; m != nil {
			m.immutable = true
		}
		for _, q := range []string{`"`, `'`} {
			refs = append(refs, q+"/"+src+q, q+"/"+dst+q)
		}
	}
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

// readManifest reads the build's manifest from fsys: nil when there is
// no build.
func readManifest(fsys fs.FS) (map[string]string, error) {
	b, err := fs.ReadFile(fsys, manifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("server: read %s: %w", manifestName, err)
	}
	var built map[string]string
	if err := json.Unmarshal(b, &built); err != nil {
		return nil, fmt.Errorf("server: read %s: %w", manifestName, err)
	}
	return built, nil
}

// prepare fills in a's type, ETags and gzip.
func (a *asset) prepare(name string) {
	a.ctype = mime.TypeByExtension(path.Ext(name))
	if path.Ext(name) == ".map" {
		a.ctype = "application/json" // source maps; Go's table has no .map
	}
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
// A built file (named for its content) or a fingerprinted URL (?v= with
// the file's hash) is cached for a year; everything else is revalidated
// each time (no-cache), which costs a 304.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	if v := r.URL.Query().Get("v"); a.immutable || v != "" && v == a.version {
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
