package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"unicode"

	"github.com/gridmap/gridmap/model"
)

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestErrorCatalogueIsComplete walks the catalogue: every code has a
// sentence in every language, Chinese in zh-CN and none in en, naming
// only parameters some error gives; and the catalogue holds no code that
// model.AllCodes does not list.
func TestErrorCatalogueIsComplete(t *testing.T) {
	known := map[string]bool{"field": true, "role": true, "seconds": true, "method": true, "allow": true, "limit": true, "max": true, "status": true, "id": true}
	codes := map[model.Code]bool{}
	for _, c := range model.AllCodes() {
		if codes[c] {
			t.Errorf("code %q listed twice", c)
		}
		codes[c] = true
	}
	for k := model.Internal; k <= model.Unavailable; k++ {
		for _, field := range []string{"", "x"} {
			if c := model.DefaultCode(k, field); !codes[c] {
				t.Errorf("kind %s (field %q) falls back to %q, which AllCodes does not list", k, field, c)
			}
		}
	}
	for _, lang := range []string{langZH, langEN} {
		cat := messages[lang]
		for c := range codes {
			s := cat[c]
			switch {
			case s == "":
				t.Errorf("%s: no sentence for %q", lang, c)
			case hasHan(s) != (lang == langZH):
				t.Errorf("%s: %q is in the wrong language: %q", lang, c, s)
			}
			for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(s, -1) {
				if !known[m[1]] {
					t.Errorf("%s: %q names {%s}, which no error gives", lang, c, m[1])
				}
			}
		}
		for c := range cat {
			if !codes[c] {
				t.Errorf("%s: %q is not in model.AllCodes", lang, c)
			}
		}
	}
	if len(messages) != 2 {
		t.Errorf("%d languages in the catalogue, want zh-CN and en", len(messages))
	}
}

// TestErrorTextByKind: each kind's error, as each language, has its
// code; Chinese says the catalogue's sentence with the precise English
// message as detail; English says the precise message itself; a code of
// its own is the catalogue's sentence, with its parameters, in both.
func TestErrorTextByKind(t *testing.T) {
	s := &Server{}
	for k := model.Invalid; k <= model.Unavailable; k++ {
		e := &model.Error{Kind: k, Field: "lat", Msg: "out of range -90..90"}
		status := kindStatus[k]
		for _, lang := range []string{langZH, langEN} {
			w := httptest.NewRecorder()
			r := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/api/x", nil)
			r.Header.Set("Accept-Language", lang)
			s.respondError(w, r, e)
			var body struct{ Code, Error, Field, Detail string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			want := string(model.DefaultCode(k, "lat"))
			if w.Code != status || body.Code != want || body.Field != "lat" || hasHan(body.Error) != (lang == langZH) {
				t.Errorf("%s %s: %d %+v, want %d code %s", k, lang, w.Code, body, status, want)
			}
			if lang == langEN && (body.Error != "lat: out of range -90..90" || body.Detail != "") {
				t.Errorf("%s en: %+v, want the precise message and no detail", k, body)
			}
			if lang == langZH && body.Detail != "lat: out of range -90..90" {
				t.Errorf("%s zh-CN: detail %q, want the precise message", k, body.Detail)
			}
		}
	}
	e := &model.Error{Kind: model.Forbidden, Code: model.CodeRoleForbidden, Params: map[string]any{"role": "viewer"}}
	if zh, _ := errorText(langZH, e); zh != "您的角色（viewer）无权执行此操作" {
		t.Errorf("zh-CN: %q", zh)
	}
	if en, _ := errorText(langEN, e); en != "your role (viewer) may not do this" {
		t.Errorf("en: %q", en)
	}
	// A server error says nothing of its cause, in either language.
	for _, lang := range []string{langZH, langEN} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/api/x?lang="+lang, nil)
		(&Server{log: discardLog()}).serverError(w, r, &model.Error{Msg: "secret bug"})
		if w.Code != 500 || !json.Valid(w.Body.Bytes()) || regexp.MustCompile(`secret`).Match(w.Body.Bytes()) ||
			!regexp.MustCompile(`"code":"internal"`).Match(w.Body.Bytes()) {
			t.Errorf("%s: %d %s", lang, w.Code, w.Body)
		}
	}
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestErrorFrame: a WebSocket error frame carries the members of an error
// answer in the connection's language, and says nothing of an internal
// cause.
func TestErrorFrame(t *testing.T) {
	for _, tt := range []struct {
		lang string
		err  error
		code string
		zh   bool
	}{
		{langZH, &model.Error{Kind: model.Invalid, Field: "topics", Msg: "topics: unknown topic"}, "invalid_field", true},
		{langEN, &model.Error{Kind: model.Invalid, Field: "topics", Msg: "topics: unknown topic"}, "invalid_field", false},
		{langZH, errors.New("secret cause"), "internal", true},
		{langEN, errors.New("secret cause"), "internal", false},
	} {
		var f struct{ Type, Code, Error, Field, Detail string }
		b := errorFrame(tt.lang, frameError(tt.err))
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		if f.Type != "error" || f.Code != tt.code || hasHan(f.Error) != tt.zh || regexp.MustCompile(`secret`).Match(b) {
			t.Errorf("%s %v: %s", tt.lang, tt.err, b)
		}
	}
}

// TestFieldLabels: a Chinese error naming a field names it as people know
// it (a path by its last name); one without a label, and English, keep the
// API's name; every label is Chinese.
func TestFieldLabels(t *testing.T) {
	for _, c := range []struct{ lang, field, want string }{
		{langZH, "employer", "“工作单位”的值不正确，请检查后重试"},
		{langZH, "positions[0].at", "“时间”的值不正确，请检查后重试"},
		{langZH, "no_such_field", "“no_such_field”的值不正确，请检查后重试"},
		{langEN, "employer", message(langEN, model.CodeInvalidField, "employer", nil)},
	} {
		if got := message(c.lang, model.CodeInvalidField, c.field, nil); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.lang, c.field, got, c.want)
		}
	}
	if got := message(langEN, model.CodeInvalidField, "employer", nil); !regexp.MustCompile(`\bemployer\b`).MatchString(got) {
		t.Errorf("English names the field %q", got)
	}
	for name, label := range fieldLabels[langZH] {
		if !hasHan(label) {
			t.Errorf("label of %s is %q, not Chinese", name, label)
		}
	}
}
