package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

// TestRequestLoop: a hotline request gets an urgency, a deadline (4 hours
// when urgent, 24 otherwise, or one given) and an assignee in the
// writer's scope; once closed with its result, a follow-up call (回访)
// records the resident's satisfaction, which the grid's list shows; an
// open request cannot be followed up; bad input names its field.
func TestRequestLoop(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "hot-leader", auth.GridLeader, 9)
	building := scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9`)
	mine := scalar[int64](t, e, `SELECT min(id) FROM people WHERE home_grid_id = 9`)
	theirs := scalar[int64](t, e, `SELECT min(id) FROM people WHERE home_grid_id <> 9 AND home_grid_id IS NOT NULL`)

	var q store.Request
	r := leader.do("POST", "/api/requests", fmt.Sprintf(`{"client_id": %q, "building_id": %d, "category": "medical",
		"body": "老人需要代购降压药", "caller": "王女士", "urgency": "urgent", "assignee_id": %d}`, cid(), building, mine))
	if r.Status != 201 || json.Unmarshal(r.Body, &q) != nil {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	if d := q.Deadline.Sub(q.ReceivedAt); q.Urgency != "urgent" || d != 4*time.Hour || q.AssigneeID == nil || *q.AssigneeID != mine || q.Assignee == nil {
		t.Errorf("urgent request: %+v (deadline %s after it came)", q, d)
	}
	var plain store.Request
	r = leader.do("POST", "/api/requests", fmt.Sprintf(`{"client_id": %q, "building_id": %d, "category": "repair", "body": "楼道灯坏了"}`, cid(), building))
	if r.Status != 201 || json.Unmarshal(r.Body, &plain) != nil || plain.Deadline.Sub(plain.ReceivedAt) != 24*time.Hour || plain.Urgency != "normal" || plain.AssigneeID != nil {
		t.Errorf("plain request: %d %+v", r.Status, plain)
	}

	// Each request is a task of its grid, due by its deadline, until it is closed.
	requestTask := func(id int64) (status string, due time.Time) {
		if err := e.conn.QueryRow(context.Background(), `SELECT status, due_at FROM tasks WHERE request_id = $1`, id).Scan(&status, &due); err != nil {
			t.Fatalf("the task of request %d: %v", id, err)
		}
		return status, due
	}
	if st, due := requestTask(q.ID); st != "open" || !due.Equal(q.Deadline) {
		t.Errorf("request %d's task: %s due %s, want open due %s", q.ID, st, due, q.Deadline)
	}

	// Followed up while open: refused. Closed, then followed up.
	follow := func(id int64, body string) response {
		return leader.do("POST", fmt.Sprintf("/api/requests/%d/follow-up", id), body)
	}
	if r := follow(q.ID, fmt.Sprintf(`{"client_id": %q, "satisfaction": "satisfied"}`, cid())); r.Status != 409 || r.Error.Field != "id" {
		t.Errorf("follow-up of an open request: %d %+v", r.Status, r.Error)
	}
	if r := leader.do("POST", fmt.Sprintf("/api/requests/%d/close", q.ID), fmt.Sprintf(`{"client_id": %q, "resolution": "已送药上门"}`, cid())); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	if st, _ := requestTask(q.ID); st != "done" {
		t.Errorf("request %d closed at the desk, its task is %s", q.ID, st)
	}
	once := cid()
	r = follow(q.ID, fmt.Sprintf(`{"client_id": %q, "satisfaction": "satisfied", "note": "老人说药已收到"}`, once))
	var after store.Request
	if r.Status != 201 || json.Unmarshal(r.Body, &after) != nil || after.FollowUp == nil || after.FollowUp.Satisfaction != "satisfied" {
		t.Fatalf("follow-up: %d %s", r.Status, r.Body)
	}
	if again := follow(q.ID, fmt.Sprintf(`{"client_id": %q, "satisfaction": "satisfied", "note": "老人说药已收到"}`, once)); again.Status != 201 || string(again.Body) != string(r.Body) {
		t.Errorf("retried follow-up: %d %s", again.Status, again.Body)
	}
	if n := scalar[int](t, e, `SELECT count(*) FROM request_follow_ups WHERE request_id = $1`, q.ID); n != 1 {
		t.Errorf("%d follow-ups stored for one call sent twice", n)
	}
	var list struct {
		Requests []store.Request `json:"requests"`
	}
	leader.get("/api/grids/9/requests?state=all", &list)
	found := false
	for _, x := range list.Requests {
		if x.ID == q.ID {
			found = true
			if x.FollowUp == nil || x.FollowUp.Satisfaction != "satisfied" || x.Assignee == nil || x.ClosedAt == nil {
				t.Errorf("the grid's list shows %+v", x)
			}
		}
	}
	if !found {
		t.Errorf("request %d not in the grid's list", q.ID)
	}

	for _, c := range []struct {
		name, path, body, field string
		status                  int
	}{
		{"assignee outside the grid", "/api/requests", fmt.Sprintf(`{"building_id": %d, "category": "repair", "body": "x", "assignee_id": %d}`, building, theirs), "assignee_id", 403},
		{"no such assignee", "/api/requests", fmt.Sprintf(`{"building_id": %d, "category": "repair", "body": "x", "assignee_id": 999999999}`, building), "assignee_id", 400},
		{"bad urgency", "/api/requests", fmt.Sprintf(`{"building_id": %d, "category": "repair", "body": "x", "urgency": "asap"}`, building), "urgency", 400},
		{"past deadline", "/api/requests", fmt.Sprintf(`{"building_id": %d, "category": "repair", "body": "x", "deadline": %q}`, building, time.Now().Add(-time.Hour).Format(time.RFC3339)), "deadline", 400},
		{"bad satisfaction", fmt.Sprintf("/api/requests/%d/follow-up", q.ID), `{"satisfaction": "great"}`, "satisfaction", 400},
		{"follow-up from the future", fmt.Sprintf("/api/requests/%d/follow-up", q.ID), fmt.Sprintf(`{"satisfaction": "neutral", "at": %q}`, time.Now().Add(time.Hour).Format(time.RFC3339)), "at", 400},
		{"no such request", "/api/requests/999999999/follow-up", `{"satisfaction": "neutral"}`, "id", 404},
	} {
		body := c.body[:1] + fmt.Sprintf(`"client_id": %q, `, cid()) + c.body[1:]
		if r := leader.do("POST", c.path, body); r.Status != c.status || r.Error.Field != c.field {
			t.Errorf("%s: %d %+v; want %d naming %s", c.name, r.Status, r.Error, c.status, c.field)
		}
	}
	other := e.client(t, "hot-other", auth.GridLeader, 10)
	if r := other.do("POST", fmt.Sprintf("/api/requests/%d/follow-up", q.ID), fmt.Sprintf(`{"client_id": %q, "satisfaction": "neutral"}`, cid())); r.Status != 403 {
		t.Errorf("a leader of grid 10 following up grid 9's request: %d %+v", r.Status, r.Error)
	}
}
