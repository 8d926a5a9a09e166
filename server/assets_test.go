package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// page loads one module and one stylesheet of its own and one vendored
// library, as static/index.html does.
const page = `<link rel="stylesheet" href="/app.css">
<script src="/vendor/lib.js"></script>
<script type="module" src="/app.js"></script>`

func frontEnd(manifest string) fstest.MapFS {
	fsys := fstest.MapFS{
		"index.html":               {Data: []byte(page)},
		"app.js":                   {Data: []byte("import './map.js';")},
		"app.css":                  {Data: []byte("body{}")},
		"vendor/lib.js":            {Data: []byte("var L;")},
		"dist/app-5XJ2LQ3B.js":     {Data: []byte("m();\n//# sourceMappingURL=app-5XJ2LQ3B.js.map\n")},
		"dist/app-5XJ2LQ3B.js.map": {Data: []byte(`{"version":3}`)},
		"dist/app-QW2E3R4T.css":    {Data: []byte("body{}")},
	}
	if manifest != "" {
		fsys["dist/manifest.json"] = &fstest.MapFile{Data: []byte(manifest)}
	}
	return fsys
}

// TestLoadAssetsBuilt: with a build, the page loads the built files the
// manifest names and the vendored library by ?v=; the built files and
// their source maps are cached for good, the sources and the manifest are
// not.
func TestLoadAssetsBuilt(t *testing.T) {
	t.Parallel()
	files, err := loadAssets(frontEnd(`{"app.js": "dist/app-5XJ2LQ3B.js", "app.css": "dist/app-QW2E3R4T.css"}`))
	if err != nil {
		t.Fatal(err)
	}
	got := string(files["index.html"].body)
	for _, want := range []string{`href="/dist/app-QW2E3R4T.css"`, `src="/dist/app-5XJ2LQ3B.js"`,
		`src="/vendor/lib.js?v=` + files["vendor/lib.js"].version + `"`} {
		if !strings.Contains(got, want) {
			t.Errorf("page lacks %s:\n%s", want, got)
		}
	}
	for name, immutable := range map[string]bool{
		"dist/app-5XJ2LQ3B.js": true, "dist/app-5XJ2LQ3B.js.map": true, "dist/app-QW2E3R4T.css": true,
		"app.js": false, "index.html": false, "vendor/lib.js": false,
	} {
		rec := httptest.NewRecorder()
		files[name].serve(rec, httptest.NewRequest("GET", "/"+name, nil))
		cc := rec.Header().Get("Cache-Control")
		if (cc == "public, max-age=31536000, immutable") != immutable {
			t.Errorf("%s: Cache-Control %q, want immutable %v", name, cc, immutable)
		}
	}
	if ct := files["dist/app-5XJ2LQ3B.js.map"].ctype; ct != "application/json" {
		t.Errorf("source map served as %q", ct)
	}
	if files["dist/manifest.json"] != nil {
		t.Error("the manifest is served")
	}
}

// TestLoadAssetsUnbuilt: without a build the page loads its modules as
// they are; a manifest naming a file that is not there is an error.
func TestLoadAssetsUnbuilt(t *testing.T) {
	t.Parallel()
	files, err := loadAssets(frontEnd(""))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(files["index.html"].body); !strings.Contains(got, `src="/app.js"`) || !strings.Contains(got, `href="/app.css"`) {
		t.Errorf("unbuilt page:\n%s", got)
	}
	rec := httptest.NewRecorder()
	files["app.js"].serve(rec, httptest.NewRequest("GET", "/app.js", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("/app.js: %d %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	for _, bad := range []string{`{"app.js": "dist/app-GONE.js"}`, `{"gone.js": "dist/app-5XJ2LQ3B.js"}`, `not json`} {
		if _, err := loadAssets(frontEnd(bad)); err == nil {
			t.Errorf("manifest %s: no error", bad)
		}
	}
}
