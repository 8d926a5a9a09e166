package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

// taskScene is grid 9's first building, a household of it not screened
// today, and three volunteers on duty: near, in another compound (grid
// 10) a short straight line from the building but a long way round
// through the two compounds' gates; far, inside grid 9 but further in a
// straight line; other, at the door but in a team of another community.
type taskScene struct {
	building, household int64
	near, far, other    int64 // volunteers' person ids
}

func newTaskScene(t *testing.T, e *env) taskScene {
	t.Helper()
	var s taskScene
	s.building = scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9`)
	s.household = scalar[int64](t, e, `SELECT min(id) FROM households WHERE building_id = $1 AND status = 'occupied'`, s.building)
	team1 := `SELECT person_id FROM volunteers v JOIN volunteer_teams t ON t.id = v.team_id WHERE t.grid_id = 2 ORDER BY person_id`
	s.near = scalar[int64](t, e, team1+` LIMIT 1`)
	s.far = scalar[int64](t, e, team1+` OFFSET 1 LIMIT 1`)
	s.other = scalar[int64](t, e, `SELECT min(person_id) FROM volunteers v JOIN volunteer_teams t ON t.id = v.team_id WHERE t.grid_id = 3`)
	// Grid 10's gate on its far side, so that walking from it to grid 9
	// is long.
	scalar[int64](t, e, `INSERT INTO checkpoints (grid_id, name, geom)
		SELECT 10, '测试大门', d.geom FROM current_grids g, buildings b, ST_DumpPoints(g.geom) d
		WHERE g.id = 10 AND b.id = $1 ORDER BY ST_Distance(d.geom, b.geom) DESC LIMIT 1 RETURNING id`, s.building)
	at := func(q string) (float64, float64) {
		var lon, lat float64
		if err := e.conn.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (`+q+`) x`, s.building).Scan(&lon, &lat); err != nil {
			t.Fatal(err)
		}
		return lon, lat
	}
	nearLon, nearLat := at(`SELECT ST_ClosestPoint(ST_Buffer(g.geom, -0.00003), b.geom) p FROM current_grids g, buildings b WHERE g.id = 10 AND b.id = $1`)
	farLon, farLat := at(`SELECT ST_ClosestPoint(ST_Buffer(g.geom, -0.00003), d.geom) p FROM current_grids g, buildings b, ST_DumpPoints(g.geom) d
		WHERE g.id = 9 AND b.id = $1 ORDER BY ST_Distance(d.geom, b.geom) DESC LIMIT 1`)
	doorLon, doorLat := at(`SELECT geom p FROM buildings WHERE id = $1`)
	if d1, d2 := scalar[float64](t, e, `SELECT ST_Distance(ST_MakePoint($1, $2)::geography, geom::geography) FROM buildings WHERE id = $3`, nearLon, nearLat, s.building),
		scalar[float64](t, e, `SELECT ST_Distance(ST_MakePoint($1, $2)::geography, geom::geography) FROM buildings WHERE id = $3`, farLon, farLat, s.building); d1 >= d2 {
		t.Fatalf("the scene needs the volunteer in grid 10 nearer in a straight line: %.0f m vs %.0f m", d1, d2)
	}
	now := time.Now()
	e.device(t, "dev-near", s.near).post(nearLon, nearLat, now)
	e.device(t, "dev-far", s.far).post(farLon, farLat, now)
	e.device(t, "dev-other", s.other).post(doorLon, doorLat, now)
	waitFor(t, func() bool {
		_, a := e.hub.Latest(s.near)
		_, b := e.hub.Latest(s.far)
		_, c := e.hub.Latest(s.other)
		return a && b && c
	})
	return s
}

// volunteerClient signs in a volunteer account for person.
func volunteerClient(t *testing.T, e *env, name string, person int64) *client {
	id, _ := e.account(t, name, auth.Volunteer, 0, person)
	return e.session(t, id, auth.Volunteer)
}

// waitFor polls ok for up to 15 s.
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for i := 0; i < 600; i++ {
		if ok() {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("timed out")
}

func decodeTask(t *testing.T, r response, want int) store.Task {
	t.Helper()
	var task store.Task
	if r.Status != want || json.Unmarshal(r.Body, &task) != nil {
		t.Fatalf("want %d and a task, got %d %s", want, r.Status, r.Body)
	}
	return task
}

// TestTaskLoop: a leader turns a household not screened today into a
// task for the nearest volunteer on duty, by the way they would walk
// (not the one over the compound wall, nor the one of another
// community's team at the door); the volunteer's phone gets it on the
// stream, accepts it and closes it with a screening, written in the
// same transaction: the household is no longer a gap and the grid's
// figure moves. Retries are stored once; others' tasks are refused.
func TestTaskLoop(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	s := newTaskScene(t, e)
	leader := e.client(t, "task-leader", auth.GridLeader, 9)
	phone := volunteerClient(t, e, "task-far", s.far)
	other := volunteerClient(t, e, "task-near", s.near)

	var me struct{ Home string }
	phone.get("/api/me", &me)
	if me.Home != "/tasks" {
		t.Errorf("a volunteer's home is %q, want /tasks", me.Home)
	}
	v, _, err := dial(t, e, phone, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "grid": 2, "topics": []string{"tasks", "screening"}})
	v.next(10*time.Second, func(m message) bool { return m.Type == "snapshot" })

	screened := func() int64 {
		var c struct {
			Grid struct {
				ScreenedToday int64 `json:"screened_today"`
			}
		}
		leader.get("/api/grids/9/coverage", &c)
		return c.Grid.ScreenedToday
	}
	before := screened()
	once := cid()
	newTask := fmt.Sprintf(`{"client_id": %q, "gap": "unscreened", "household_id": %d, "grid_id": 9, "assignee": "nearest", "note": "请今天上门"}`, once, s.household)
	task := decodeTask(t, leader.do("POST", "/api/tasks", newTask), 201)
	if task.AssigneeID == nil || *task.AssigneeID != s.far {
		t.Fatalf("nearest chose %v, want %d (in the compound, %d is over the wall)", task.AssigneeID, s.far, s.near)
	}
	if task.Status != "open" || task.Grid != 9 || task.BuildingID != s.building || task.RecordKind != "screening" {
		t.Errorf("new task: %+v", task)
	}
	if again := leader.do("POST", "/api/tasks", newTask); again.Status != 201 || decodeTask(t, again, 201).ID != task.ID {
		t.Errorf("the same task sent again: %d %s", again.Status, again.Body)
	}
	if r := leader.do("POST", "/api/tasks", fmt.Sprintf(`{"client_id": %q, "gap": "unscreened", "household_id": %d}`, cid(), s.household)); r.Status != 409 || r.Error.Field != "household_id" {
		t.Errorf("a second task of the same gap: %d %+v", r.Status, r.Error)
	}
	ev := v.next(10*time.Second, func(m message) bool { return m.Type == "event" && m.Topic == "tasks" })
	var payload struct {
		ID         int64
		Status     string
		AssigneeID int64 `json:"assignee_id"`
	}
	if json.Unmarshal(ev.Data, &payload) != nil || payload.ID != task.ID || payload.AssigneeID != s.far {
		t.Errorf("the phone's stream: %s", ev.Data)
	}

	// The phone lists its own tasks; another volunteer cannot take it.
	var mine struct{ Tasks []store.Task }
	phone.get("/api/tasks", &mine)
	if len(mine.Tasks) != 1 || mine.Tasks[0].ID != task.ID {
		t.Errorf("the volunteer's tasks: %+v", mine.Tasks)
	}
	path := fmt.Sprintf("/api/tasks/%d/", task.ID)
	if r := other.do("POST", path+"accept", fmt.Sprintf(`{"client_id": %q}`, cid())); r.Status != 403 {
		t.Errorf("another volunteer accepting: %d %s", r.Status, r.Body)
	}
	if r := other.do("POST", path+"done", fmt.Sprintf(`{"client_id": %q, "screening": {"outcome": "normal"}}`, cid())); r.Status != 403 {
		t.Errorf("another volunteer closing: %d %s", r.Status, r.Body)
	}
	if task = decodeTask(t, phone.do("POST", path+"accept", fmt.Sprintf(`{"client_id": %q}`, cid())), 200); task.Status != "accepted" || task.AcceptedAt == nil {
		t.Errorf("accepted: %+v", task)
	}
	// Closing needs the record the task asks for, valid.
	for _, bad := range []struct{ body, field string }{
		{`"result": "去过了"`, "screening"},
		{`"screening": {"outcome": "maybe"}`, "screening.outcome"},
		{`"screening": {"outcome": "normal", "temperature": 60}`, "screening.temperature"},
	} {
		if r := phone.do("POST", path+"done", fmt.Sprintf(`{"client_id": %q, %s}`, cid(), bad.body)); r.Status != 400 || r.Error.Field != bad.field {
			t.Errorf("done with %s: %d %+v, want 400 naming %s", bad.body, r.Status, r.Error, bad.field)
		}
	}
	done := fmt.Sprintf(`{"client_id": %q, "screening": {"outcome": "normal", "temperature": 36.5}}`, cid())
	task = decodeTask(t, phone.do("POST", path+"done", done), 200)
	decodeTask(t, phone.do("POST", path+"done", done), 200) // a retry
	if task.Status != "done" || task.DoneAt == nil || len(task.Record) == 0 {
		t.Errorf("done: %+v", task)
	}
	if n := scalar[int](t, e, `SELECT count(*) FROM screenings WHERE household_id = $1 AND day = $2::date`,
		s.household, time.Now().In(shanghai(t)).Format(time.DateOnly)); n != 1 {
		t.Errorf("%d screenings stored for one task closed twice", n)
	}
	if after := screened(); after != before+1 {
		t.Errorf("grid 9 screened today %d -> %d, want one more", before, after)
	}
	v.next(10*time.Second, func(m message) bool {
		return m.Type == "event" && m.Topic == "screening" && json.Valid(m.Data) && string(m.Data) != "" &&
			containsJSON(m.Data, "household_id", s.household)
	})
	var gaps store.Gaps
	leader.get("/api/grids/9/gaps", &gaps)
	for _, b := range gaps.Unscreened {
		for _, h := range b.Households {
			if h.ID == s.household {
				t.Errorf("household %d is still a gap after its task was done", s.household)
			}
		}
	}
	if n := scalar[int](t, e, `SELECT count(*) FROM audit_log WHERE entity = 'task' AND entity_id = $1`, fmt.Sprint(task.ID)); n != 3 {
		t.Errorf("%d audit rows for a task made, accepted and done", n)
	}

	// A gap closed by a write of its own (the leader screened the
	// household at the door) closes its task in the same transaction.
	neighbour := scalar[int64](t, e, `SELECT min(id) FROM households WHERE building_id = $1 AND status = 'occupied' AND id <> $2`, s.building, s.household)
	byHand := decodeTask(t, leader.do("POST", "/api/tasks", fmt.Sprintf(`{"client_id": %q, "gap": "unscreened", "household_id": %d}`, cid(), neighbour)), 201)
	if r := leader.do("POST", "/api/screenings", fmt.Sprintf(`{"client_id": %q, "household_id": %d, "outcome": "normal"}`, cid(), neighbour)); r.Status != 201 {
		t.Fatalf("screening: %d %s", r.Status, r.Body)
	}
	if st := scalar[string](t, e, `SELECT status || ' ' || (record->>'closed_by') FROM tasks WHERE id = $1`, byHand.ID); st != "done gap" {
		t.Errorf("the task of a household screened by hand: %s", st)
	}

	// Out of scope and bad input name their fields.
	nc := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 AND h.contact_id IS NULL`)
	outside := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 10`)
	for _, bad := range []struct {
		body   string
		status int
		field  string
	}{
		{fmt.Sprintf(`"gap": "unscreened", "household_id": %d`, outside), 403, "household_id"},
		{`"gap": "unscreened", "household_id": 999999999`, 404, "household_id"},
		{`"gap": "nothing", "household_id": 1`, 400, "gap"},
		{fmt.Sprintf(`"gap": "no_head", "building_id": %d, "household_id": %d`, s.building, s.household), 400, "household_id"},
		{fmt.Sprintf(`"gap": "no_contact", "household_id": %d, "assignee": "someone"`, s.household), 400, "assignee"},
		{fmt.Sprintf(`"gap": "no_contact", "household_id": %d, "assignee": %d`, nc, s.other), 400, "assignee_id"},
		{fmt.Sprintf(`"gap": "no_contact", "household_id": %d, "due_at": "2020-01-01T00:00:00Z"`, s.household), 400, "due_at"},
		{fmt.Sprintf(`"gap": "no_contact", "household_id": %d, "grid_id": 10`, s.household), 400, "grid_id"},
	} {
		if r := leader.do("POST", "/api/tasks", fmt.Sprintf(`{"client_id": %q, %s}`, cid(), bad.body)); r.Status != bad.status || r.Error.Field != bad.field {
			t.Errorf("task %s: %d %+v, want %d naming %s", bad.body, r.Status, r.Error, bad.status, bad.field)
		}
	}
}

// containsJSON reports whether a JSON object has key equal to n.
func containsJSON(b []byte, key string, n int64) bool {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	f, ok := m[key].(float64)
	return ok && int64(f) == n
}

// TestTaskEscalation: with the server's clock moved, a task nobody
// accepted goes back to the grid's leader when its time to accept is
// over, and to the community's staff when the leader has had it too
// long; each step is on the stream. A task declined goes back at once,
// and "nearest" never offers it to that volunteer again.
func TestTaskEscalation(t *testing.T) {
	t.Parallel()
	start := time.Now()
	clk := newClock(start)
	e := newEnv(t, server.Config{Clock: clk.now, EscalateEvery: 20 * time.Millisecond,
		Tasks: field.TaskRules{AcceptWithin: 10 * time.Minute, ToCommunity: 30 * time.Minute}})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go e.srv.Background(ctx)
	s := newTaskScene(t, e)
	leader := e.client(t, "esc-leader", auth.GridLeader, 9)
	staff := e.client(t, "esc-staff", auth.Staff, 2)
	v, _, err := dial(t, e, staff, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "grid": 2, "topics": []string{"tasks"}})
	v.next(10*time.Second, func(m message) bool { return m.Type == "snapshot" })

	noContact := `SELECT h.id FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 AND h.contact_id IS NULL ORDER BY h.id`
	task := decodeTask(t, leader.do("POST", "/api/tasks", fmt.Sprintf(`{"client_id": %q, "gap": "no_contact", "household_id": %d, "assignee": %d}`,
		cid(), scalar[int64](t, e, noContact+` LIMIT 1`), s.far)), 201)
	level := func(want int) store.Task {
		t.Helper()
		var got store.Task
		waitFor(t, func() bool {
			var list struct{ Tasks []store.Task }
			leader.get("/api/tasks?grid=9", &list)
			for _, x := range list.Tasks {
				if x.ID == task.ID {
					got = x
				}
			}
			return got.Escalation == want
		})
		return got
	}
	escalated := func(want int) {
		t.Helper()
		v.next(10*time.Second, func(m message) bool {
			var p struct{ ID, Escalation int64 }
			return m.Topic == "tasks" && json.Unmarshal(m.Data, &p) == nil && p.ID == task.ID && p.Escalation == int64(want)
		})
	}

	clk.set(start.Add(9 * time.Minute)) // not yet
	time.Sleep(150 * time.Millisecond)
	if got := level(0); got.Escalation != 0 {
		t.Fatalf("escalated before its time: %+v", got)
	}
	clk.set(start.Add(10*time.Minute + time.Second))
	if got := level(1); got.EscalationReason == nil || *got.EscalationReason != "not_accepted" {
		t.Errorf("escalated to the leader: %+v", got)
	}
	escalated(1)
	clk.set(start.Add(39 * time.Minute))
	time.Sleep(150 * time.Millisecond)
	level(1)
	clk.set(start.Add(41 * time.Minute))
	level(2)
	escalated(2)

	// Declined: back to the leader at once, and never offered again.
	phone := volunteerClient(t, e, "esc-near", s.near)
	second := decodeTask(t, leader.do("POST", "/api/tasks", fmt.Sprintf(`{"client_id": %q, "gap": "no_contact", "household_id": %d, "assignee": %d}`,
		cid(), scalar[int64](t, e, noContact+` OFFSET 1 LIMIT 1`), s.near)), 201)
	declined := decodeTask(t, phone.do("POST", fmt.Sprintf("/api/tasks/%d/decline", second.ID), fmt.Sprintf(`{"client_id": %q, "reason": "不在附近"}`, cid())), 200)
	if declined.Status != "open" || declined.AssigneeID != nil || declined.Escalation != 1 || declined.Declines != 1 {
		t.Errorf("declined: %+v", declined)
	}
	if r := leader.do("POST", fmt.Sprintf("/api/tasks/%d/assign", second.ID), fmt.Sprintf(`{"client_id": %q, "assignee": %d}`, cid(), s.near)); r.Status != 409 {
		t.Errorf("given back to who declined it: %d %s", r.Status, r.Body)
	}
	// The positions are old by the moved clock: refresh them.
	lon, lat := pointIn(t, e, 9)
	e.device(t, "esc-dev-far", s.far).post(lon, lat, clk.now())
	waitFor(t, func() bool { p, ok := e.hub.Latest(s.far); return ok && !p.At.Before(clk.now().Add(-time.Second)) })
	again := decodeTask(t, leader.do("POST", fmt.Sprintf("/api/tasks/%d/assign", second.ID), fmt.Sprintf(`{"client_id": %q, "assignee": "nearest"}`, cid())), 200)
	if again.AssigneeID == nil || *again.AssigneeID == s.near || again.Escalation != 0 {
		t.Errorf("nearest after a decline: %+v", again)
	}
}

// TestTaskPages: the task list comes in pages in its order (open before
// closed, the most escalated first, then the oldest); following next to
// the end gives every task once, the same as one large page, and a
// closed task moves to the end of its list. A cursor that is not one is a
// 400 naming after.
func TestTaskPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "pages-leader", auth.GridLeader, 9)
	var gaps gapsAnswer
	leader.get("/api/grids/9/gaps", &gaps)
	hh := households(gaps.Unscreened)
	if len(hh) < 23 {
		t.Fatalf("grid 9 has %d unscreened households", len(hh))
	}
	for _, h := range hh[:23] {
		decodeTask(t, leader.do("POST", "/api/tasks", fmt.Sprintf(`{"client_id": %q, "gap": "unscreened", "household_id": %d}`, cid(), h)), 201)
	}
	// Two escalated to the leader, which puts them first.
	if _, err := e.conn.Exec(t.Context(), `UPDATE tasks SET escalation = 1 WHERE id IN (SELECT id FROM tasks ORDER BY id DESC LIMIT 2)`); err != nil {
		t.Fatal(err)
	}
	type page struct {
		Tasks []struct {
			ID         int64
			Escalation int
		}
		Next *string
	}
	var all page
	leader.get("/api/tasks?grid=9&limit=5000", &all)
	if len(all.Tasks) != 23 || all.Next != nil || all.Tasks[0].Escalation != 1 || all.Tasks[1].Escalation != 1 || all.Tasks[2].Escalation != 0 {
		t.Fatalf("one page: %d tasks, next %v, first %+v", len(all.Tasks), all.Next, all.Tasks[:3])
	}
	var ids, walked []int64
	for _, x := range all.Tasks {
		ids = append(ids, x.ID)
	}
	path, pages := "/api/tasks?grid=9&limit=5", 0
	for path != "" {
		var p page
		if s := leader.get(path, &p); s != 200 {
			t.Fatalf("GET %s: %d", path, s)
		}
		pages++
		for _, x := range p.Tasks {
			walked = append(walked, x.ID)
		}
		path = ""
		if p.Next != nil {
			path = *p.Next
		}
	}
	if !slices.Equal(walked, ids) || pages != 5 {
		t.Errorf("walked %v in %d pages, want %v in 5", walked, pages, ids)
	}
	for _, bad := range []string{"after=x", "after=MS45LjMuNA", "limit=0", "limit=5001"} {
		r := leader.do("GET", "/api/tasks?grid=9&"+bad, nil)
		if want := strings.SplitN(bad, "=", 2)[0]; r.Status != 400 || r.Error.Field != want {
			t.Errorf("%s: %d %s, want 400 naming %s", bad, r.Status, r.Body, want)
		}
	}
}
