package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// openAdmin logs in as username through the login page on its way to
// /admin#tab, at width×height (phone: a touch screen), and waits for the
// tab to draw.
func openAdmin(t *testing.T, e *env, username, password, tab string, width, height int, phone bool) context.Context {
	t.Helper()
	ctx := newBrowser(t, width, height)
	if phone {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
			t.Fatal(err)
		}
	}
	login(t, ctx, e.ts.URL, "/admin#"+tab, username, password)
	waitJS(t, ctx, "the accounts", `document.body.dataset.accountsLoaded === 'true'`, 20*time.Second)
	return ctx
}

// accountRow is the selector of an account's row on the accounts tab.
func accountRow(username string) string {
	return fmt.Sprintf(`#acc-list li.adm-acc[data-username="%s"]`, username)
}

// tapTargetsTooSmall lists the visible controls of the page's main part
// smaller than 44×44 CSS pixels (a checkbox counts by its label).
const tapTargetsTooSmall = `(() => {
	const out = [];
	for (const n of document.querySelectorAll('main button, main a, main input, main select, main summary, main label.adm-check')) {
		if (n.matches('label.adm-check input')) continue;
		const r = n.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || !n.checkVisibility()) continue;
		if (r.height < 44 || r.width < 44) out.push((n.id || n.className || n.tagName) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
	}
	return out;
})()`

// TestAdminBrowser runs the admin page as an admin would: creates a staff
// account for grid 9, resets its password (the account then logs in with
// the new one), disables it (it no longer can), issues a device token
// (shown once; the device reports with it) and revokes it (refused
// after), and finds the disable in the audit log filtered by actor and
// action, with its before and after. Then the page on a 390-px phone,
// every control at least 44×44, and a grid leader turned away.
func TestAdminBrowser(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "admin", auth.Admin, 0, 0)
	e.account(t, "phone-7", auth.Device, 0, e.volunteer)
	ctx := openAdmin(t, e, "admin", password, "accounts", 1440, 900, false)
	if got := eval[string](t, ctx, `document.querySelector('.adm-tab[aria-selected="true"]').textContent`); got != "账号" {
		t.Errorf("the selected tab reads %q, want 账号 (zh-CN by default)", got)
	}

	// A new staff account for grid 9.
	submitForm(t, ctx, "#acc-new", map[string]string{"username": "clerk2", "role": "staff", "grid_id": "9", "password": "first-password-1"})
	waitJS(t, ctx, "clerk2 listed", fmt.Sprintf(`!!document.querySelector(%q)`, accountRow("clerk2")), 10*time.Second)
	clerk := scalar[int64](t, e, `SELECT id FROM accounts WHERE username = 'clerk2' AND role = 'staff' AND grid_id = 9`)
	if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent`, accountRow("clerk2"))); !strings.Contains(got, "网格员") {
		t.Errorf("clerk2's row reads %q, want the role 网格员", got)
	}
	screenshot(t, ctx, "admin-accounts-1440")

	// Its password reset through the page; the new one logs in.
	clickSel(t, ctx, accountRow("clerk2")+` button[data-act="reset"]`)
	submitForm(t, ctx, accountRow("clerk2")+` form.adm-reset`, map[string]string{"password": "second-password-2"})
	waitJS(t, ctx, "reset said", `document.getElementById('adm-status').textContent.startsWith('已重置 clerk2 的密码')`, 10*time.Second)
	loginAs(t, e, "clerk2", "first-password-1", 401)
	loginAs(t, e, "clerk2", "second-password-2", 200)
	if n := scalar[int64](t, e, `SELECT count(*) FROM audit_log WHERE action = 'reset_password' AND entity_id = $1 AND actor = 'admin'`, fmt.Sprint(clerk)); n != 1 {
		t.Errorf("%d audit rows of the reset, want 1", n)
	}

	// Disabled: the first tap arms the button, the second disables.
	clickSel(t, ctx, accountRow("clerk2")+` button[data-act="disable"]`)
	if armed := eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).dataset.armed`, accountRow("clerk2")+` button[data-act="disable"]`)); armed != "true" {
		t.Fatalf("after one tap the disable button is armed=%q, want true", armed)
	}
	clickSel(t, ctx, accountRow("clerk2")+` button[data-act="disable"]`)
	waitJS(t, ctx, "clerk2 disabled", fmt.Sprintf(`(r => r && r.dataset.disabled === 'true')(document.querySelector(%q))`, accountRow("clerk2")), 10*time.Second)
	loginAs(t, e, "clerk2", "second-password-2", 401)

	// A device token: issued, shown once, used by the device, revoked.
	clickSel(t, ctx, "#tab-tokens")
	waitJS(t, ctx, "the tokens", `document.body.dataset.tokensLoaded === 'true' && !!document.querySelector('#tok-account option')`, 10*time.Second)
	submitForm(t, ctx, "#tok-new", map[string]string{"name": "七号手机"})
	waitJS(t, ctx, "the token shown", `(i => !!i && i.value.startsWith('gmt_'))(document.getElementById('tok-new-secret'))`, 10*time.Second)
	secret := eval[string](t, ctx, `document.getElementById('tok-new-secret').value`)
	clickSel(t, ctx, "#tok-new-secret-copy")
	waitJS(t, ctx, "copied", `document.getElementById('tok-new-secret-copy').dataset.copied === 'true'`, 5*time.Second)
	row := `#tok-list li.adm-token[data-name="七号手机"]`
	waitJS(t, ctx, "the token listed", fmt.Sprintf(`(r => r && r.dataset.state === 'live')(document.querySelector(%q))`, row), 10*time.Second)
	device := &client{t: t, base: e.ts.URL, http: &http.Client{}, bearer: secret}
	if r := device.do("POST", "/api/positions", samplePosition(t, e)); r.Status != 202 {
		t.Fatalf("the device with its new token: %d %s", r.Status, r.Body)
	}
	screenshot(t, ctx, "admin-tokens-1440")
	clickSel(t, ctx, row+` button[data-act="revoke"]`)
	clickSel(t, ctx, row+` button[data-act="revoke"]`)
	waitJS(t, ctx, "the token revoked", fmt.Sprintf(`(r => r && r.dataset.state === 'revoked')(document.querySelector(%q))`, row), 10*time.Second)
	if r := device.do("POST", "/api/positions", samplePosition(t, e)); r.Status != 401 {
		t.Errorf("the device with its revoked token: %d, want 401", r.Status)
	}

	// The audit log: the admin's disables, with before and after.
	clickSel(t, ctx, "#tab-audit")
	waitJS(t, ctx, "the audit log", `document.body.dataset.auditLoaded === 'true'`, 10*time.Second)
	submitForm(t, ctx, "#aud-filter", map[string]string{"actor": "admin", "action": "disable"})
	waitJS(t, ctx, "the filtered log", `document.body.dataset.auditLoaded === 'true' && !!document.querySelector('#aud-list')`, 10*time.Second)
	rows := eval[[]string](t, ctx, `[...document.querySelectorAll('#aud-list li.adm-aud')].map(r => r.dataset.actor + ' ' + r.dataset.action + ' ' + r.dataset.entity + ' ' + r.dataset.entityId)`)
	if want := fmt.Sprintf("admin disable account %d", clerk); len(rows) != 1 || rows[0] != want {
		t.Errorf("the filtered log lists %q, want [%s]", rows, want)
	}
	clickSel(t, ctx, "#aud-list li.adm-aud .adm-aud-head")
	after := eval[string](t, ctx, `document.querySelector('#aud-list .adm-aud-after').textContent`)
	before := eval[string](t, ctx, `document.querySelector('#aud-list .adm-aud-before').textContent`)
	if !strings.Contains(after, `"disabled": true`) || !strings.Contains(before, `"disabled": false`) {
		t.Errorf("the entry shows before %q after %q, want disabled false → true", before, after)
	}
	screenshot(t, ctx, "admin-audit-1440")

	// An account's history opens the log at its rows.
	clickSel(t, ctx, "#tab-accounts")
	clickSel(t, ctx, accountRow("clerk2")+` button[data-act="history"]`)
	waitJS(t, ctx, "clerk2's history", `document.body.dataset.tab === 'audit' && !!document.querySelector('#aud-list')`, 10*time.Second)
	actions := eval[[]string](t, ctx, `[...document.querySelectorAll('#aud-list li.adm-aud')].map(r => r.dataset.action)`)
	if strings.Join(actions, " ") != "disable reset_password create" {
		t.Errorf("clerk2's history lists %v, want disable, reset_password, create (newest first)", actions)
	}

	// English, by the switch.
	setLangEN(t, ctx)
	if got := eval[string](t, ctx, `document.getElementById('tab-audit').textContent`); got != "Audit log" {
		t.Errorf("in English the audit tab reads %q", got)
	}

	// On a phone: every control a thumb can hit.
	phone := openAdmin(t, e, "admin", password, "accounts", 390, 844, true)
	clickSel(t, phone, accountRow("clerk2")+` button[data-act="edit"]`)
	if small := eval[[]string](t, phone, tapTargetsTooSmall); len(small) > 0 {
		t.Errorf("accounts on a phone: controls under 44×44: %v", small)
	}
	screenshot(t, phone, "admin-accounts-390")
	for _, tab := range []string{"tokens", "walls", "audit"} {
		clickSel(t, phone, "#tab-"+tab)
		waitJS(t, phone, tab+" on a phone", fmt.Sprintf(`document.body.dataset.%sLoaded === 'true'`, tab), 10*time.Second)
		if tab == "audit" {
			clickSel(t, phone, "#aud-list li.adm-aud .adm-aud-head")
		}
		if small := eval[[]string](t, phone, tapTargetsTooSmall); len(small) > 0 {
			t.Errorf("%s on a phone: controls under 44×44: %v", tab, small)
		}
		if wide := eval[bool](t, phone, `document.documentElement.scrollWidth > window.innerWidth`); wide {
			t.Errorf("%s on a phone scrolls sideways", tab)
		}
		screenshot(t, phone, "admin-"+tab+"-390")
	}

	// Anyone else is told the page is not theirs.
	_, leaderPassword := e.account(t, "leader9", auth.GridLeader, 9, 0)
	other := newBrowser(t, 1440, 900)
	if err := chromedp.Do(other,
		chromedp.Navigate(e.ts.URL+"/login.html?next=/admin"),
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), "leader9"),
		chromedp.SendKeys(chromedp.ID("login-password"), leaderPassword),
		chromedp.Click(chromedp.ID("login-submit")),
	); err != nil {
		t.Fatal(err)
	}
	waitAcross(t, other, "turned away", `location.pathname === '/admin' && document.body.dataset.denied === 'true'`)
	if shown := eval[bool](t, other, `!document.getElementById('adm-denied').hidden && document.getElementById('adm-main').hidden`); !shown {
		t.Error("a grid leader on /admin: want the role message and no tabs")
	}
	if href := eval[string](t, other, `document.getElementById('adm-denied-home').getAttribute('href')`); href != "/grid/9" {
		t.Errorf("the way back for a grid leader is %q, want /grid/9", href)
	}
	screenshot(t, other, "admin-denied-1440")
}

// TestAdminLinkInTopBar checks that the top bar of the other pages offers
// /admin to admins and to nobody else.
func TestAdminLinkInTopBar(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	for _, c := range []struct {
		user string
		role auth.Role
		want bool
	}{{"admin", auth.Admin, true}, {"planner", auth.Planner, false}} {
		_, password := e.account(t, c.user, c.role, 0, 0)
		ctx := newBrowser(t, 1440, 900)
		login(t, ctx, e.ts.URL, "/report", c.user, password)
		waitJS(t, ctx, "the user shown", `!document.getElementById('user-box').hidden`, 10*time.Second)
		if got := eval[bool](t, ctx, `!document.getElementById('admin-link').hidden`); got != c.want {
			t.Errorf("%s: the top bar's admin link shown %v, want %v", c.user, got, c.want)
		}
	}
}
