package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/server"
)

// TestPageShowsServerErrorByCode: a field the server refuses shows its
// reason in the page's language: in zh-CN the server's own sentence (it
// answered in the language the page asked for), and after a switch to
// English the page's sentence for the error's code, with no Chinese left.
func TestPageShowsServerErrorByCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{DefaultLang: "zh-CN"})
	ctx := newBrowser(t, 390, 844)
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/login.html"),
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), strings.Repeat("x", 65)),
		chromedp.SendKeys(chromedp.ID("login-password"), "a-password"),
		chromedp.Click(chromedp.ID("login-submit")),
	)
	if err != nil {
		t.Fatal(err)
	}
	shown := `(b => b && !b.hidden && b.textContent)(document.getElementById('login-username-error')) || ''`
	waitJS(t, ctx, "the refusal", `!!(`+shown+`)`, 15*time.Second)
	if got := eval[string](t, ctx, shown); got != "“用户名”的值不正确，请检查后重试" {
		t.Errorf("zh-CN: %q", got)
	}
	screenshot(t, ctx, "login-server-error-zh")
	clickSel(t, ctx, "#lang-toggle")
	waitJS(t, ctx, "English", `document.documentElement.lang === 'en'`, 5*time.Second)
	if got := eval[string](t, ctx, shown); got != "username: not a valid value" || hasCJK(got) {
		t.Errorf("en: %q", got)
	}
	screenshot(t, ctx, "login-server-error-en")
}
