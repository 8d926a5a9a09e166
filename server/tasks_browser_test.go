package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestTaskBrowserPhone: the field loop on two phones (390×844). A
// volunteer signs in and lands on their tasks; going on duty shares the
// phone's position. A grid leader signs in and lands on their grid,
// sends a household not screened today to the nearest volunteer on duty:
// the one walking the least (not the one over the compound wall), whose
// phone shows the task without a reload; the volunteer accepts it and
// closes it with a screening; the gap closes on the leader's map, again
// without a reload.
func TestTaskBrowserPhone(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	s := newTaskScene(t, e)
	_, vPassword := e.account(t, "tb-volunteer", auth.Volunteer, 0, s.far)
	_, lPassword := e.account(t, "tb-leader", auth.GridLeader, 9, 0)
	var farLon, farLat float64
	if p, ok := e.hub.Latest(s.far); ok {
		farLon, farLat = p.Lon, p.Lat
	}

	// The volunteer's phone: signs in, lands on /tasks, goes on duty.
	phone := newBrowser(t, 390, 844)
	accuracy := 7.0
	if _, err := chromedp.Call(phone, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted,
		Origin: e.ts.URL, BrowserContextID: chromedp.FromContext(phone).BrowserContextID}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(phone, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
		Longitude: &farLon, Latitude: &farLat, Accuracy: &accuracy}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(phone,
		chromedp.Navigate(e.ts.URL+"/login.html"),
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), "tb-volunteer"),
		chromedp.SendKeys(chromedp.ID("login-password"), vPassword),
		chromedp.Click(chromedp.ID("login-submit")),
	); err != nil {
		t.Fatal(err)
	}
	waitAcross(t, phone, "the volunteer landed on their tasks", `location.pathname === '/tasks' && document.body.dataset.tasksLoaded === 'true'`)
	waitJS(t, phone, "the stream", `document.body.dataset.live === 'live'`, 20*time.Second)
	screenshot(t, phone, "tasks-phone-empty")
	clickSel(t, phone, "#tk-duty-toggle")
	waitJS(t, phone, "on duty", `document.getElementById('tk-duty').dataset.state === 'on'`, 10*time.Second)
	waitFor(t, func() bool { p, ok := e.hub.Latest(s.far); return ok && p.Accuracy == 7 })

	// The leader's phone: signs in, lands on grid 9, sends the household.
	leader := newBrowser(t, 390, 844)
	if err := chromedp.Do(leader,
		chromedp.Navigate(e.ts.URL+"/login.html"),
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), "tb-leader"),
		chromedp.SendKeys(chromedp.ID("login-password"), lPassword),
		chromedp.Click(chromedp.ID("login-submit")),
	); err != nil {
		t.Fatal(err)
	}
	waitAcross(t, leader, "the leader landed on their grid", `location.pathname === '/grid/9' && document.body.dataset.namesLoaded === 'true'`)
	waitJS(t, leader, "the stream", `document.body.dataset.live === 'live'`, 20*time.Second)
	eval[bool](t, leader, `window.__sameDocument = true`)
	item := fmt.Sprintf(`.gap-item[data-kind="unscreened"][data-id="%d"]`, s.household)
	clickUntil(t, leader, item+" .gap-item-head", "the task form", visibleJS(item+" .act-task"))
	auditPage(t, leader, "tasks-leader-form")
	clickSubmit(t, leader, item+" .act-task")
	waitJS(t, leader, "sent", fmt.Sprintf(`(document.querySelector(%q) || {}).dataset?.state === 'saved'`, item+" .act-task"), 15*time.Second)
	screenshot(t, leader, "tasks-leader-sent")
	eval[bool](t, leader, `document.getElementById('tasks').scrollIntoView({block: 'start'}), true`)
	auditPage(t, leader, "tasks-leader-card")
	task := scalar[int64](t, e, `SELECT id FROM tasks WHERE household_id = $1 AND status = 'open' AND assignee_id = $2`, s.household, s.far)
	waitJS(t, leader, "the task in the card", fmt.Sprintf(`!!document.querySelector('#tasks-body [data-task-id="%d"]')`, task), 10*time.Second)

	// The phone shows it without a reload; accept, then close with a screening.
	card := fmt.Sprintf(`.tk-card[data-task-id="%d"]`, task)
	waitJS(t, phone, "the task on the phone", fmt.Sprintf(`(c => !!c && c.dataset.status === 'open')(document.querySelector(%q))`, card), 15*time.Second)
	screenshot(t, phone, "tasks-phone-new")
	auditPage(t, phone, "tasks-phone-new")
	clickSel(t, phone, card+" .tk-accept")
	waitJS(t, phone, "accepted", fmt.Sprintf(`(c => !!c && c.dataset.status === 'accepted')(document.querySelector(%q))`, card), 15*time.Second)
	if err := chromedp.Do(phone, chromedp.SendKeys(chromedp.CSS(card+` input[name="temperature"]`), "36.6")); err != nil {
		t.Fatal(err)
	}
	screenshot(t, phone, "tasks-phone-accepted")
	auditPage(t, phone, "tasks-phone-accepted")
	// Above the accept's toast (the outbox's undo).
	eval[bool](t, phone, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: 'center'}), true`, card+" .tk-finish"))
	clickSel(t, phone, card+" .tk-finish")
	waitJS(t, phone, "done", `document.body.dataset.tasks === '0'`, 15*time.Second)
	screenshot(t, phone, "tasks-phone-done")
	// Held on the phone for its undo window, then sent.
	waitFor(t, func() bool { return scalar[string](t, e, `SELECT status FROM tasks WHERE id = $1`, task) == "done" })
	if n := scalar[int](t, e, `SELECT count(*) FROM screenings WHERE household_id = $1 AND outcome = 'normal' AND temperature = 36.6`, s.household); n != 1 {
		t.Errorf("%d screenings stored from the task", n)
	}
	if st := scalar[string](t, e, `SELECT status FROM tasks WHERE id = $1`, task); st != "done" {
		t.Errorf("task is %s", st)
	}

	// The gap closes on the leader's page, and the task leaves its card,
	// in the same document.
	waitJS(t, leader, "the gap closed", fmt.Sprintf(`!document.querySelector(%q)`, item), 15*time.Second)
	waitJS(t, leader, "the task card empty", `document.getElementById('tasks-body').dataset.count === '0'`, 15*time.Second)
	if !eval[bool](t, leader, `window.__sameDocument === true`) {
		t.Error("the leader's page reloaded")
	}
	screenshot(t, leader, "tasks-leader-closed")
}
