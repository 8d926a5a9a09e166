package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestOfflineTasksVolunteer: a volunteer on a phone (390×844) with three
// tasks records three screenings with the network cut; reloads (the
// tasks and the three answers are still on the phone); the session ends
// on the server; the network comes back (the page says the login expired
// and keeps them); logs in again: exactly three screenings arrive, each
// task done once.
func TestOfflineTasksVolunteer(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	person := scalar[int64](t, e, `SELECT min(person_id) FROM volunteers v JOIN volunteer_teams t ON t.id = v.team_id WHERE t.grid_id = 2`)
	volID, password := e.account(t, "off-volunteer", auth.Volunteer, 0, person)
	leader := e.client(t, "off-leader", auth.GridLeader, 9)
	phoneAPI := e.session(t, volID, auth.Volunteer)
	hs := []int64{}
	rows, err := e.conn.Query(context.Background(), `SELECT h.id FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = 9 AND h.status = 'occupied' ORDER BY h.id LIMIT 3`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var h int64
		rows.Scan(&h)
		hs = append(hs, h)
	}
	rows.Close()
	var tasks []int64
	for _, h := range hs {
		task := decodeTask(t, leader.do("POST", "/api/tasks", fmt.Sprintf(`{"client_id": %q, "gap": "unscreened", "household_id": %d, "assignee": %d}`, cid(), h, person)), 201)
		decodeTask(t, phoneAPI.do("POST", fmt.Sprintf("/api/tasks/%d/accept", task.ID), fmt.Sprintf(`{"client_id": %q}`, cid())), 200)
		tasks = append(tasks, task.ID)
	}
	stored := func() int64 {
		return scalar[int64](t, e, `SELECT count(*) FROM screenings WHERE household_id = ANY($1)`, hs)
	}

	ctx := newBrowser(t, 390, 844)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/login.html"),
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), "off-volunteer"),
		chromedp.SendKeys(chromedp.ID("login-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
	); err != nil {
		t.Fatal(err)
	}
	waitAcross(t, ctx, "the tasks", `location.pathname === '/tasks' && document.body.dataset.tasksLoaded === 'true' && document.body.dataset.tasks === '3'`)

	// Offline: three screenings, each from its task's form.
	setOffline(t, ctx, true)
	blockAPI(t, ctx, e.ts.URL, true)
	for _, id := range tasks {
		finish := fmt.Sprintf(`.tk-card[data-task-id="%d"] .tk-finish`, id)
		eval[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: 'center'}), true`, finish))
		clickSel(t, ctx, finish)
		waitJS(t, ctx, "the task answered on the phone", fmt.Sprintf(`!document.querySelector('.tk-card[data-task-id="%d"]')`, id), 10*time.Second)
	}
	waitJS(t, ctx, "three waiting, offline", `(b => b.n === 3 && b.reason === 'offline')(`+outboxBarJS+`)`, 20*time.Second)
	screenshot(t, ctx, "tasks-offline")
	if n := stored(); n != 0 {
		t.Fatalf("%d screenings stored while offline", n)
	}

	// A reload with the server out of reach: the list and the three are kept.
	setOffline(t, ctx, false)
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "three still waiting after the reload", `(b => b.n === 3 && b.reason === 'network')(`+outboxBarJS+`)`, 20*time.Second)
	waitJS(t, ctx, "the kept list", `document.body.dataset.tasksLoaded === 'cached' && document.body.dataset.tasks === '0'`, 10*time.Second)
	screenshot(t, ctx, "tasks-offline-reloaded")

	// The session ends on the server; the network comes back: the login
	// expired, the three are kept, the page stays.
	if _, err := e.conn.Exec(context.Background(), `DELETE FROM sessions WHERE account_id = $1`, volID); err != nil {
		t.Fatal(err)
	}
	blockAPI(t, ctx, e.ts.URL, false)
	waitJS(t, ctx, "login expired, three kept", `(b => b.n === 3 && b.reason === 'expired')(`+outboxBarJS+`)`, 30*time.Second)
	if path := eval[string](t, ctx, `location.pathname`); path != "/tasks" {
		t.Errorf("the page left for %s", path)
	}
	screenshot(t, ctx, "tasks-offline-expired")
	if n := stored(); n != 0 {
		t.Fatalf("%d screenings stored without a session", n)
	}

	// Log in again through the bar: the three arrive, each once.
	clickSel(t, ctx, "#outbox-bar .outbox-login")
	waitAcross(t, ctx, "the login page", `location.pathname === '/login.html' && document.readyState === 'complete'`)
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), "off-volunteer"),
		chromedp.SendKeys(chromedp.ID("login-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
	); err != nil {
		t.Fatal(err)
	}
	waitAcross(t, ctx, "back on the tasks", `location.pathname === '/tasks' && document.body.dataset.tasksLoaded === 'true'`)
	waitJS(t, ctx, "the outbox empty", `document.getElementById('outbox-bar').hidden`, 30*time.Second)
	if n := stored(); n != 3 {
		t.Errorf("%d screenings stored for three tasks, want 3", n)
	}
	for _, h := range hs {
		if n := scalar[int64](t, e, `SELECT count(*) FROM screenings WHERE household_id = $1`, h); n != 1 {
			t.Errorf("household %d: %d screenings, want 1", h, n)
		}
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM tasks WHERE id = ANY($1) AND status = 'done'`, tasks); n != 3 {
		t.Errorf("%d of the three tasks done", n)
	}
	screenshot(t, ctx, "tasks-offline-sent")
}
