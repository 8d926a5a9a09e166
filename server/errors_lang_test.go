package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// hasCJK reports whether s holds a Han character (or CJK punctuation).
func hasCJK(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) {
			return true
		}
	}
	return false
}

// TestErrorsSpeakTheCallersLanguage provokes each kind of error through
// HTTP, as each language: the status, the stable code and the field are
// the same in both; the message is Chinese (CJK characters) for zh-CN and
// for a request naming no language (the server's default, zh-CN), and has
// none for en.
func TestErrorsSpeakTheCallersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{DefaultLang: "zh-CN"})
	admin := e.client(t, "lang-admin", auth.Admin, 0)
	viewer := e.client(t, "lang-viewer", auth.Viewer, 0)
	staffID, _ := e.account(t, "lang-staff", auth.Staff, 9, 0)
	anon := e.anonymous(t)
	limited := e.client(t, "lang-limited", auth.Admin, 0)
	// A compound grid retired (as a split would retire it), for the 410.
	retired := scalar[int64](t, e, `SELECT max(id) FROM grids WHERE level = 3 AND retired_at IS NULL`)
	if _, err := e.conn.Exec(context.Background(), `UPDATE grids SET retired_at = now() WHERE id = $1`, retired); err != nil {
		t.Fatal(err)
	}
	big := `{"username":"` + strings.Repeat("x", 1<<20) + `"}`

	tests := []struct {
		name         string
		c            *client
		method, path string
		body         any
		status       int
		code, field  string
	}{
		{"invalid field", admin, "GET", "/api/grids?level=4", nil, 400, "invalid_field", "level"},
		{"bad JSON", admin, "POST", "/api/accounts", `{"username":"a"} {}`, 400, "bad_json", "body"},
		{"unprocessable", admin, "PUT", fmt.Sprintf("/api/accounts/%d", staffID), map[string]any{"role": "device"}, 422, "unprocessable", "role"},
		{"too large", admin, "POST", "/api/accounts", big, 413, "body_too_large", "body"},
		{"unsupported media", admin, "POST", "/api/accounts", upload{"text/plain", []byte("x")}, 415, "unsupported_media", "Content-Type"},
		{"login required", anon, "GET", "/api/grids", nil, 401, "login_required", ""},
		{"wrong login", anon, "POST", "/api/login", map[string]string{"username": "lang-admin", "password": "not-the-password"}, 401, "wrong_login", "password"},
		{"role forbidden", viewer, "POST", "/api/accounts", map[string]string{"username": "x", "password": "a-long-password", "role": "viewer"}, 403, "role_forbidden", ""},
		{"route not found", admin, "GET", "/api/nothing", nil, 404, "not_found", ""},
		{"no such grid", admin, "GET", "/api/grids/424242", nil, 404, "not_found", "id"},
		{"gone", admin, "GET", fmt.Sprintf("/api/grids/%d", retired), nil, 410, "grid_retired", "id"},
		{"conflict", admin, "POST", "/api/accounts", map[string]string{"username": "lang-viewer", "password": "a-long-password", "role": "viewer"}, 409, "username_taken", "username"},
		{"method not allowed", admin, "DELETE", "/api/grids", nil, 405, "method_not_allowed", ""},
	}
	for _, tt := range tests {
		for _, lang := range []string{"zh-CN", "en", ""} {
			t.Run(tt.name+"/"+cmpOr(lang, "default"), func(t *testing.T) {
				c := *tt.c
				c.t, c.lang = t, lang
				r := c.do(tt.method, tt.path, tt.body)
				checkErrorLang(t, r, lang, tt.status, tt.code, tt.field)
			})
		}
	}

	// A cap: the writes of one account, past the burst, are 429 with
	// the seconds to wait in the sentence.
	var r response
	for range 200 {
		if r = limited.do("POST", "/api/accounts", `{}`); r.Status == 429 {
			break
		}
	}
	checkErrorLang(t, r, "", 429, "rate_limited", "")
	// ?lang= is a parameter every route takes.
	for _, lang := range []string{"zh-CN", "en"} {
		c := *admin
		c.t = t
		checkErrorLang(t, c.do("GET", "/api/grids?level=4&lang="+lang, nil), lang, 400, "invalid_field", "level")
	}
	if r := admin.do("GET", "/api/grids?level=2&lang=en", nil); r.Status != 200 {
		t.Errorf("/api/grids?level=2&lang=en: %d %s", r.Status, r.Body)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		c := *limited
		c.lang = lang
		checkErrorLang(t, c.do("POST", "/api/accounts", `{}`), lang, 429, "rate_limited", "")
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// checkErrorLang checks an error answer's status, code and field, and
// that its message is in lang ("" for the default, zh-CN).
func checkErrorLang(t *testing.T, r response, lang string, status int, code, field string) {
	t.Helper()
	if r.Status != status || r.Error.Code != code || r.Error.Field != field || r.Error.Error == "" {
		t.Fatalf("%d code %q field %q, want %d %q %q: %.300s", r.Status, r.Error.Code, r.Error.Field, status, code, field, r.Body)
	}
	if cjk := hasCJK(r.Error.Error); cjk != (lang != "en") {
		t.Errorf("lang %q: message %q (CJK %v)", lang, r.Error.Error, cjk)
	}
	if !strings.Contains(string(r.Body), `"request_id"`) {
		t.Errorf("no request_id in %s", r.Body)
	}
}

// TestErrorLanguageChoice: ?lang= wins, then the language toggle's
// cookie, then Accept-Language by quality, then the configured default.
func TestErrorLanguageChoice(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{DefaultLang: "en"})
	for _, tt := range []struct {
		name, query, cookie, accept string
		zh                          bool
	}{
		{"default en", "", "", "", false},
		{"Accept-Language zh", "", "", "zh-CN,zh;q=0.9,en;q=0.8", true},
		{"Accept-Language prefers en", "", "", "zh;q=0.5, en-GB", false},
		{"Accept-Language of neither", "", "", "fr-FR", false},
		{"cookie over Accept-Language", "", "zh-CN", "en", true},
		{"query over cookie", "?lang=en", "zh-CN", "zh-CN", false},
		{"query zh", "?lang=zh-CN", "", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			jar, _ := cookiejar.New(nil)
			if tt.cookie != "" {
				u, _ := url.Parse(e.ts.URL)
				jar.SetCookies(u, []*http.Cookie{{Name: "gridmap_lang", Value: tt.cookie}})
			}
			c := &client{t: t, base: e.ts.URL, http: &http.Client{Jar: jar}, lang: tt.accept}
			r := c.do("GET", "/api/grids"+tt.query, nil)
			if r.Status != 401 || r.Error.Code != "login_required" || hasCJK(r.Error.Error) != tt.zh {
				t.Errorf("%d %s, want 401 login_required in Chinese %v", r.Status, r.Body, tt.zh)
			}
		})
	}
}
