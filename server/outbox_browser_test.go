package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// sessionFor returns a client logged in to an existing account with a
// session of its own (as a new login would be).
func (e *env) sessionFor(t *testing.T, accountID int64) *client {
	t.Helper()
	plain, hash := auth.NewToken("gms_")
	if err := e.db.Store.CreateSession(context.Background(), accountID, hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(e.ts.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "gridmap_session", Value: plain}})
	return &client{t: t, base: e.ts.URL, http: &http.Client{Jar: jar}, accountID: accountID}
}

// setOffline cuts the browser off the network (navigator.onLine false and
// every request failing) or puts it back.
func setOffline(t *testing.T, ctx context.Context, offline bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatal(err)
	}
	rule := []*network.Conditions{{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rule}); err != nil {
		t.Fatal(err)
	}
}

// blockAPI makes every request to the server's /api fail as a lost
// connection would (pages and scripts still load), or lifts that.
func blockAPI(t *testing.T, ctx context.Context, base string, block bool) {
	t.Helper()
	var ps []*network.BlockPattern
	if block {
		ps = []*network.BlockPattern{{URLPattern: base + "/api/*", Block: true}}
	}
	if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: ps}); err != nil {
		t.Fatal(err)
	}
}

// screenThroughPage opens a household's screening form in the gap list and
// submits it with outcome normal; the write is then held with its undo.
func screenThroughPage(t *testing.T, ctx context.Context, household int64) {
	t.Helper()
	item := fmt.Sprintf(`#gap-panel .gap-item[data-id="%d"]`, household)
	clickSel(t, ctx, item+" .gap-item-head")
	waitJS(t, ctx, "screening form", fmt.Sprintf(`!!document.querySelector('%s form.act-screen')`, item), 10*time.Second)
	eval[bool](t, ctx, fmt.Sprintf(`(f => (f.elements.outcome.value = 'normal', f.elements.temperature.value = '36.5', true))(document.querySelector('%s form.act-screen'))`, item))
	clickSubmit(t, ctx, item+" form.act-screen")
	waitJS(t, ctx, "held with its undo", fmt.Sprintf(`(f => !!f && f.dataset.state === 'held')(document.querySelector('%s form.act-screen'))`, item), 10*time.Second)
}

// clickSubmit clicks a form's submit button and clicks again while the
// form shows no state at all: on a loaded machine a list redraw or a
// smooth scroll can move the button between finding it and the click.
func clickSubmit(t *testing.T, ctx context.Context, form string) {
	t.Helper()
	clickUntil(t, ctx, form+" .act-submit", "the form took the click", fmt.Sprintf(`(f => !f || !!f.dataset.state)(document.querySelector(%q))`, form))
}

// outboxBarJS reads the outbox bar: how many wait and why.
const outboxBarJS = `(() => {
	const b = document.getElementById('outbox-bar');
	const w = b && !b.hidden && b.querySelector('.outbox-waiting');
	return w ? {n: Number(w.dataset.n), reason: w.dataset.reason, text: b.textContent} : {n: 0, reason: '', text: b && !b.hidden ? b.textContent : ''};
})()`

type outboxBar struct {
	N            int
	Reason, Text string
}

// TestOfflineOutbox: a grid leader on a phone records three screenings
// with no network; they wait on the device through a reload, through the
// session being ended on the server and through the network coming back
// (the page says the login expired and stays), and after logging in again
// they are stored, each exactly once. A write undone within its window is
// never sent.
func TestOfflineOutbox(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	leaderID, password := e.account(t, "leader", auth.GridLeader, 9, 0)
	api := e.client(t, "leader-api", auth.GridLeader, 9)
	var gaps gapsAnswer
	api.get("/api/grids/9/gaps", &gaps)
	ids := households(gaps.Unscreened)
	if len(ids) < 4 {
		t.Fatalf("grid 9 has %d unscreened households, want at least 4", len(ids))
	}
	three, fourth := ids[:3], ids[3]
	stored := func(hs []int64) int64 {
		return scalar[int64](t, e, `SELECT count(*) FROM screenings WHERE household_id = ANY($1)`, hs)
	}

	ctx := openGridPageAs(t, e, "leader", password, 390, 844, true)
	eval[bool](t, ctx, `window.noReload = true`)

	// Offline: three screenings, each confirmed with its own undo.
	setOffline(t, ctx, true)
	blockAPI(t, ctx, e.ts.URL, true) // still cut off once the browser is "online" again for the reload
	for i, h := range three {
		screenThroughPage(t, ctx, h)
		if i == 0 {
			waitJS(t, ctx, "the undo toast", `[...document.querySelectorAll('.outbox-toast[data-state="held"] .outbox-undo')].some(b => !b.hidden && b.textContent === '撤销')`, 5*time.Second)
			screenshot(t, ctx, "outbox-undo-toast")
		}
	}
	waitJS(t, ctx, "three waiting, offline", `(b => b.n === 3 && b.reason === 'offline')(`+outboxBarJS+`)`, 20*time.Second)
	bar := eval[outboxBar](t, ctx, outboxBarJS)
	if want := "3 条记录待发送 · 离线"; bar.Text != want {
		t.Errorf("the bar reads %q, want %q", bar.Text, want)
	}
	screenshot(t, ctx, "outbox-offline-bar")
	if n := stored(three); n != 0 {
		t.Fatalf("%d screenings stored while offline", n)
	}

	// A reload (the browser online, the server still out of reach): the
	// three are still on the device and shown.
	setOffline(t, ctx, false)
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "three still waiting after the reload", `(b => b.n === 3 && b.reason === 'network')(`+outboxBarJS+`)`, 20*time.Second)
	screenshot(t, ctx, "outbox-after-reload")

	// The session ends on the server; the network comes back. The page
	// says the login expired, keeps the three and stays where it is.
	if _, err := e.conn.Exec(context.Background(), `DELETE FROM sessions WHERE account_id = $1`, leaderID); err != nil {
		t.Fatal(err)
	}
	blockAPI(t, ctx, e.ts.URL, false)
	waitJS(t, ctx, "login expired, three kept", `(b => b.n === 3 && b.reason === 'expired')(`+outboxBarJS+`)`, 30*time.Second)
	if path := eval[string](t, ctx, `location.pathname`); path != "/grid/9" {
		t.Errorf("the page left for %s", path)
	}
	if want := "3 条记录待发送 · 登录已过期 — 请重新登录"; eval[outboxBar](t, ctx, outboxBarJS).Text != want {
		t.Errorf("the bar reads %q, want %q", eval[outboxBar](t, ctx, outboxBarJS).Text, want)
	}
	screenshot(t, ctx, "outbox-login-expired")
	if n := stored(three); n != 0 {
		t.Fatalf("%d screenings stored without a session", n)
	}

	// Log in again through the bar's link, which comes back here: the
	// three are sent, each once.
	clickSel(t, ctx, "#outbox-bar .outbox-login")
	waitAcross(t, ctx, "the login page", `location.pathname === '/login.html' && document.readyState === 'complete'`)
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), "leader"),
		chromedp.SendKeys(chromedp.ID("login-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitAcross(t, ctx, "back on the grid page", `location.pathname === '/grid/9' && document.body.dataset.gridsLoaded === 'true'`)
	waitJS(t, ctx, "the outbox empty", `document.getElementById('outbox-bar').hidden`, 30*time.Second)
	if n := stored(three); n != 3 {
		t.Errorf("%d screenings stored for the three households, want 3", n)
	}
	for _, h := range three {
		if n := stored([]int64{h}); n != 1 {
			t.Errorf("household %d: %d screenings stored, want 1", h, n)
		}
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM field_writes WHERE account_id = $1 AND kind = 'screening'`, leaderID); n != 3 {
		t.Errorf("%d screening writes of the leader, want 3", n)
	}

	// Sent again under yet another session of the same account (an answer
	// lost on the way), a write is answered from the record, not doubled.
	var cid string
	if err := e.conn.QueryRow(context.Background(), `SELECT client_id FROM field_writes WHERE account_id = $1 ORDER BY at LIMIT 1`, leaderID).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	again := e.sessionFor(t, leaderID).do("POST", "/api/screenings", map[string]any{"client_id": cid, "household_id": three[0], "outcome": "normal", "temperature": 36.5})
	if again.Status != 201 || again.Header.Get("Idempotent-Replay") != "true" {
		t.Errorf("the same client id from a new session: %d (replay %q), want 201 replayed", again.Status, again.Header.Get("Idempotent-Replay"))
	}
	if n := stored(three); n != 3 {
		t.Errorf("%d screenings after the replay, want 3", n)
	}

	// Undo within the window: nothing is sent, nothing kept.
	waitJS(t, ctx, "gaps", `document.body.dataset.gapsLoaded === 'true' && document.body.dataset.namesLoaded === 'true'`, 20*time.Second)
	screenThroughPage(t, ctx, fourth)
	clickSel(t, ctx, `.outbox-toast[data-state="held"] .outbox-undo`)
	waitJS(t, ctx, "undone", fmt.Sprintf(`(f => !!f && f.dataset.state === 'undone')(document.querySelector('.gap-item[data-id="%d"] form.act-screen'))`, fourth), 5*time.Second)
	time.Sleep(7 * time.Second) // past the window and a flush
	if n := stored([]int64{fourth}); n != 0 {
		t.Errorf("%d screenings stored after undo, want 0", n)
	}
	left, err := chromedp.Run(ctx, chromedp.Evaluate[int](`new Promise(r => { const q = indexedDB.open('gridmap-outbox'); q.onsuccess = () => { const g = q.result.transaction('writes').objectStore('writes').count(); g.onsuccess = () => r(g.result); }; })`, chromedp.EvalAwaitPromise))
	if err != nil || left != 0 {
		t.Errorf("%d writes left on the device after undo (%v)", left, err)
	}
	screenshot(t, ctx, "outbox-after-undo")
}
