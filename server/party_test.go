package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

// rosterMember finds a member on a party roster.
func rosterMember(r store.PartyRoster, person int64) (store.PartyBranch, store.PartyRosterMember, bool) {
	for _, b := range r.Branches {
		for _, m := range b.Members {
			if m.PersonID == person {
				return b, m, true
			}
		}
	}
	return store.PartyBranch{}, store.PartyRosterMember{}, false
}

// TestPartyLayer: through HTTP, a grid leader adds an in-service member
// (双报到) to their compound grid, records service hours (one for a task
// the member did), ends and renews the registration; the roster of the
// grid counts them by branch. Bad input is a 400 naming the field, a
// retried write is stored once, a task or branch outside the writer's grid
// is refused, a leader of another grid sees and writes nothing of grid 9,
// and a viewer sees names masked.
func TestPartyLayer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{WritePerMinute: 100000})
	leader := e.client(t, "pty-leader", auth.GridLeader, 9)
	admin := e.client(t, "pty-admin", auth.Admin, 0)
	viewer := e.client(t, "pty-viewer", auth.Viewer, 0)
	other := e.client(t, "pty-other", auth.GridLeader, 10)
	community := scalar[int64](t, e, `SELECT parent_id FROM grids WHERE id = 9`)
	branch9 := scalar[int64](t, e, `SELECT min(id) FROM party_branches WHERE grid_id = 9`)
	branch10 := scalar[int64](t, e, `SELECT id FROM party_branches WHERE grid_id = 10 ORDER BY id LIMIT 1`)
	upper := scalar[int64](t, e, `INSERT INTO party_branches (grid_id, name) VALUES ($1, '社区党委') RETURNING id`, community)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	today := time.Now().In(loc)
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
	seq := 0
	withID := func(body string) string {
		seq++
		return body[:1] + fmt.Sprintf(`"client_id": "pty-%d-%d", `, seq, time.Now().UnixNano()) + body[1:]
	}

	// A new in-service member, registered 10 days ago, in the branch of grid 9.
	add := fmt.Sprintf(`{"client_id": "pty-add-1", "name": "周驻区", "phone": "13900000009", "grid_id": 9,
		"employer": "郑州市供电公司", "registered_on": %q}`, day(-10))
	r := leader.do("POST", "/api/party-members", add)
	var added struct {
		PersonID     int64              `json:"person_id"`
		BranchID     int64              `json:"branch_id"`
		Registration store.Registration `json:"registration"`
	}
	if r.Status != 201 || json.Unmarshal(r.Body, &added) != nil {
		t.Fatalf("add member: %d %s", r.Status, r.Body)
	}
	if added.BranchID != branch9 || added.Registration.CommunityID != community || added.Registration.Status != "active" ||
		added.Registration.RegisteredOn != day(-10) || added.Registration.Employer != "郑州市供电公司" {
		t.Errorf("added %+v; want branch %d, active registration with community %d on %s", added, branch9, community, day(-10))
	}
	if again := leader.do("POST", "/api/party-members", add); again.Status != 201 || string(again.Body) != string(r.Body) || again.Header.Get("Idempotent-Replay") != "true" {
		t.Errorf("retry of the member: %d %s", again.Status, again.Body)
	}
	if n := scalar[int](t, e, `SELECT count(*) FROM people WHERE name = '周驻区'`); n != 1 {
		t.Errorf("%d people stored after a retry", n)
	}
	member := added.PersonID

	for _, c := range []struct {
		name   string
		who    *client
		body   string
		field  string
		status int
	}{
		{"no employer", leader, `{"name": "某", "grid_id": 9}`, "employer", 400},
		{"no name", leader, `{"grid_id": 9, "employer": "某单位"}`, "name", 400},
		{"no grid", leader, `{"name": "某", "employer": "某单位"}`, "grid_id", 400},
		{"bad membership", leader, `{"name": "某", "grid_id": 9, "membership": "honorary"}`, "membership", 400},
		{"resident with employer", leader, `{"name": "某", "grid_id": 9, "membership": "resident", "employer": "某单位"}`, "employer", 400},
		{"tomorrow", leader, fmt.Sprintf(`{"name": "某", "grid_id": 9, "employer": "某单位", "registered_on": %q}`, day(1)), "registered_on", 400},
		{"grid outside", leader, `{"name": "某", "grid_id": 10, "employer": "某单位"}`, "grid_id", 403},
		{"branch above the leader's grid", leader, fmt.Sprintf(`{"name": "某", "grid_id": 9, "employer": "某单位", "branch_id": %d}`, upper), "branch_id", 403},
		{"branch of another compound", admin, fmt.Sprintf(`{"name": "某", "grid_id": 9, "employer": "某单位", "branch_id": %d}`, branch10), "branch_id", 400},
		{"no such branch", admin, `{"name": "某", "grid_id": 9, "employer": "某单位", "branch_id": 999999}`, "branch_id", 400},
		{"the subdistrict", admin, `{"name": "某", "grid_id": 1, "employer": "某单位"}`, "grid_id", 400},
	} {
		if r := c.who.do("POST", "/api/party-members", withID(c.body)); r.Status != c.status || r.Error.Field != c.field {
			t.Errorf("%s: %d %+v; want %d naming %s", c.name, r.Status, r.Error, c.status, c.field)
		}
	}
	// A member of grid 9 may join the community's branch above it (an admin may name it).
	r = admin.do("POST", "/api/party-members", withID(fmt.Sprintf(`{"name": "吴社区", "grid_id": 9, "membership": "resident", "branch_id": %d}`, upper)))
	if r.Status != 201 || !strings.Contains(string(r.Body), fmt.Sprintf(`"branch_id":%d`, upper)) {
		t.Errorf("member of grid 9 in the community's branch: %d %s", r.Status, r.Body)
	}

	// Service hours: 2 today, 1.5 three days ago (this month's unless the month just began).
	svc := fmt.Sprintf("/api/party-members/%d/service", member)
	first := fmt.Sprintf(`{"client_id": "pty-svc-1", "hours": 2, "what": "卡点值守", "day": %q}`, day(0))
	r = leader.do("POST", svc, first)
	var tot store.ServiceTotals
	if r.Status != 201 || json.Unmarshal(r.Body, &tot) != nil || tot.HoursMonth != 2 || tot.HoursTotal != 2 {
		t.Fatalf("first hours: %d %s", r.Status, r.Body)
	}
	if again := leader.do("POST", svc, first); again.Status != 201 || string(again.Body) != string(r.Body) {
		t.Errorf("retry of the hours: %d %s", again.Status, again.Body)
	}
	r = leader.do("POST", svc, withID(fmt.Sprintf(`{"hours": 1.5, "what": "入户排查", "day": %q}`, day(-3))))
	if r.Status != 201 || json.Unmarshal(r.Body, &tot) != nil || tot.HoursTotal != 3.5 {
		t.Fatalf("second hours: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct{ name, body, field string }{
		{"quarter hour", `{"hours": 0.25, "what": "值守"}`, "hours"},
		{"no hours", `{"what": "值守"}`, "hours"},
		{"25 hours", `{"hours": 25, "what": "值守"}`, "hours"},
		{"odd part", `{"hours": 1.3, "what": "值守"}`, "hours"},
		{"nothing done", `{"hours": 1}`, "what"},
		{"tomorrow", fmt.Sprintf(`{"hours": 1, "what": "值守", "day": %q}`, day(1)), "day"},
		{"long ago", fmt.Sprintf(`{"hours": 1, "what": "值守", "day": %q}`, day(-91)), "day"},
		{"no such task", `{"hours": 1, "what": "值守", "task_id": 99999999}`, "task_id"},
	} {
		if r := leader.do("POST", svc, withID(c.body)); r.Status != 400 || r.Error.Field != c.field {
			t.Errorf("%s: %d %+v; want 400 naming %s", c.name, r.Status, r.Error, c.field)
		}
	}

	// Tasks: the member did one in grid 9 and one in grid 10; another
	// volunteer did one; one of theirs is still open.
	task := func(grid int64, assignee int64, status string) int64 {
		return scalar[int64](t, e, `INSERT INTO tasks (grid_id, gap, building_id, assignee_id, status, accept_by, due_at, done_at)
			SELECT $1, 'no_head', min(id), $2, $3, now(), now() + interval '1 hour', CASE WHEN $3 = 'done' THEN now() END
			FROM buildings WHERE grid_id = $1 RETURNING id`, grid, assignee, status)
	}
	mine, theirs, away, open := task(9, member, "done"), task(9, e.volunteer, "done"), task(10, member, "done"), task(9, member, "accepted")
	taskHours := func(c *client, id int64) response {
		return c.do("POST", svc, withID(fmt.Sprintf(`{"hours": 2, "what": "完成任务", "task_id": %d}`, id)))
	}
	if r := taskHours(leader, mine); r.Status != 201 {
		t.Errorf("hours for the member's task: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct {
		name   string
		task   int64
		status int
	}{{"counted already", mine, 409}, {"another's task", theirs, 400}, {"outside the leader's grid", away, 403}, {"not done", open, 400}} {
		if r := taskHours(leader, c.task); r.Status != c.status || r.Error.Field != "task_id" {
			t.Errorf("task %s: %d %+v; want %d naming task_id", c.name, r.Status, r.Error, c.status)
		}
	}
	if n := scalar[int](t, e, `SELECT count(*) FROM party_service WHERE person_id = $1`, member); n != 3 {
		t.Errorf("%d service records stored; want 3 (retries and refusals store none)", n)
	}
	var list struct{ Service []store.ServiceRecord }
	if st := leader.get(svc, &list); st != 200 || len(list.Service) != 3 || list.Service[0].Day != day(0) {
		t.Errorf("service list: %d %+v", st, list.Service)
	}

	// Registration: ended, then renewed with another employer; a resident does not register.
	reg := fmt.Sprintf("/api/party-members/%d/registration", member)
	if r := leader.do("POST", reg, withID(`{"status": "ended"}`)); r.Status != 200 || !strings.Contains(string(r.Body), `"status":"ended"`) {
		t.Errorf("end registration: %d %s", r.Status, r.Body)
	}
	if r := leader.do("POST", reg, withID(`{"status": "ended"}`)); r.Status != 409 || r.Error.Field != "status" {
		t.Errorf("end again: %d %+v", r.Status, r.Error)
	}
	if r := leader.do("POST", reg, withID(`{"employer": "中原区人民医院"}`)); r.Status != 201 || !strings.Contains(string(r.Body), `"registered_on":"`+day(0)) {
		t.Errorf("renew registration: %d %s", r.Status, r.Body)
	}
	resident := scalar[int64](t, e, `SELECT min(person_id) FROM party_members WHERE grid_id = 9 AND membership = 'resident'`)
	for _, c := range []struct {
		name, path, body, field string
		status                  int
	}{
		{"a resident", fmt.Sprintf("/api/party-members/%d/registration", resident), `{"employer": "某单位"}`, "id", 400},
		{"no employer", reg, `{"status": "active"}`, "employer", 400},
		{"bad status", reg, `{"status": "paused"}`, "status", 400},
		{"ended_on while active", reg, fmt.Sprintf(`{"employer": "某单位", "ended_on": %q}`, day(0)), "ended_on", 400},
		{"no member", "/api/party-members/99999999/registration", `{"employer": "某单位"}`, "id", 404},
	} {
		if r := leader.do("POST", c.path, withID(c.body)); r.Status != c.status || r.Error.Field != c.field {
			t.Errorf("registration, %s: %d %+v; want %d naming %s", c.name, r.Status, r.Error, c.status, c.field)
		}
	}
	if n := scalar[int](t, e, `SELECT count(*) FROM audit_log WHERE entity = 'party_member' AND entity_id = $1`, fmt.Sprint(member)); n != 6 {
		t.Errorf("%d audit rows of the member; want 6 (added, 3 hours, ended, renewed)", n)
	}

	// The roster of grid 9: the member in grid 9's branch with their hours and tasks.
	var roster store.PartyRoster
	if st := leader.get("/api/grids/9/party", &roster); st != 200 {
		t.Fatalf("roster: %d", st)
	}
	b, m, ok := rosterMember(roster, member)
	wantMonth := 5.5
	if day(-3)[:7] != day(0)[:7] {
		wantMonth = 4
	}
	if !ok || b.ID != branch9 || m.HoursTotal != 5.5 || m.HoursMonth != wantMonth || m.TasksDone != 2 ||
		m.Registration == nil || m.Registration.Employer != "中原区人民医院" || m.Registration.Status != "active" || m.Name != "周驻区" {
		t.Errorf("member on the roster: %v %+v in branch %d; want branch %d, 5.5 h (%.1f this month), 2 tasks, renewed", ok, m, b.ID, branch9, wantMonth)
	}
	if roster.Month != day(0)[:7] {
		t.Errorf("month %q", roster.Month)
	}
	members := scalar[int](t, e, `SELECT count(*) FROM party_members WHERE grid_id = 9`)
	inService := scalar[int](t, e, `SELECT count(*) FROM party_members WHERE grid_id = 9 AND membership = 'in_service'`)
	registered := scalar[int](t, e, `SELECT count(*) FROM party_members m JOIN party_registrations r ON r.person_id = m.person_id AND r.status = 'active' WHERE m.grid_id = 9`)
	if roster.Totals.Members != members || roster.Totals.InService != inService || roster.Totals.Registered != registered || roster.Totals.Resident != members-inService {
		t.Errorf("totals %+v; want %d members, %d in service, %d registered", roster.Totals, members, inService, registered)
	}
	for _, b := range roster.Branches {
		if b.Counts.Members != len(b.Members) {
			t.Errorf("branch %d counts %d members and lists %d", b.ID, b.Counts.Members, len(b.Members))
		}
	}

	// Scope and masking.
	if r := other.do("GET", "/api/grids/9/party", nil); r.Status != 403 || r.Error.Field != "id" {
		t.Errorf("a leader of grid 10 reading grid 9's party: %d %+v", r.Status, r.Error)
	}
	if r := other.do("POST", svc, withID(`{"hours": 1, "what": "值守"}`)); r.Status != 403 || r.Error.Field != "id" {
		t.Errorf("a leader of grid 10 recording hours in grid 9: %d %+v", r.Status, r.Error)
	}
	if r := other.do("GET", svc, nil); r.Status != 403 {
		t.Errorf("a leader of grid 10 listing hours in grid 9: %d %+v", r.Status, r.Error)
	}
	if r := other.do("POST", reg, withID(`{"employer": "某单位"}`)); r.Status != 403 {
		t.Errorf("a leader of grid 10 registering in grid 9: %d %+v", r.Status, r.Error)
	}
	var masked store.PartyRoster
	viewer.get("/api/grids/9/party", &masked)
	if _, m, ok := rosterMember(masked, member); !ok || m.Name != "周**" || m.Phone == nil || *m.Phone == "13900000009" {
		t.Errorf("a viewer sees %+v; want the name and phone masked", m)
	}
}

// TestPartyBranchInvariant: the database refuses, at commit, a member in
// a branch that is not at their grid or above it, and a secretary who is
// not a member of their branch, and a branch above the compound grids.
func TestPartyBranchInvariant(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	ctx := context.Background()
	member := scalar[int64](t, e, `SELECT min(person_id) FROM party_members WHERE grid_id = 9`)
	branch10 := scalar[int64](t, e, `SELECT min(id) FROM party_branches WHERE grid_id = 10`)
	outsider := scalar[int64](t, e, `SELECT min(person_id) FROM party_members WHERE grid_id = 10`)
	branch9 := scalar[int64](t, e, `SELECT branch_id FROM party_members WHERE person_id = $1`, member)
	for _, c := range []struct{ name, sql string }{
		{"member in another compound's branch", fmt.Sprintf(`UPDATE party_members SET branch_id = %d WHERE person_id = %d`, branch10, member)},
		{"member moved away from their branch", fmt.Sprintf(`UPDATE party_members SET grid_id = 10 WHERE person_id = %d`, member)},
		{"secretary from another branch", fmt.Sprintf(`UPDATE party_branches SET secretary_id = %d WHERE id = %d`, outsider, branch9)},
		{"branch on the subdistrict", `INSERT INTO party_branches (grid_id, name) VALUES (1, '街道')`},
		{"branch moved off its members", fmt.Sprintf(`UPDATE party_branches SET grid_id = 10 WHERE id = %d`, branch9)},
	} {
		_, err := e.conn.Exec(ctx, c.sql)
		if err == nil || !strings.Contains(err.Error(), "23514") {
			t.Errorf("%s: %v; want a check violation", c.name, err)
		}
	}
	if _, err := e.conn.Exec(ctx, `UPDATE party_branches SET secretary_id = $1 WHERE id = $2`, member, branch9); err != nil {
		t.Errorf("a member as their branch's secretary: %v", err)
	}
	// Every member of the demo has a branch at their grid or above it.
	if n := scalar[int](t, e, `SELECT count(*) FROM party_members WHERE NOT party_branch_fits(branch_id, grid_id)`); n != 0 {
		t.Errorf("%d members in a branch that does not fit", n)
	}
}

// TestPartyBranches: a leader sets up a branch in their grid, names its
// secretary (one of its members, none other), moves a member into it (a
// secretary who leaves a branch is no longer its secretary); a branch or
// member outside the leader's grid is refused, retries store once, and
// every change is in the audit log.
func TestPartyBranches(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{WritePerMinute: 100000})
	leader := e.client(t, "pb-leader", auth.GridLeader, 9)
	member := scalar[int64](t, e, `SELECT min(person_id) FROM party_members WHERE grid_id = 9`)
	old := scalar[int64](t, e, `SELECT branch_id FROM party_members WHERE person_id = $1`, member)
	outsider := scalar[int64](t, e, `SELECT min(person_id) FROM party_members WHERE grid_id = 10`)
	branch10 := scalar[int64](t, e, `SELECT min(id) FROM party_branches WHERE grid_id = 10`)
	community := scalar[int64](t, e, `SELECT parent_id FROM grids WHERE id = 9`)
	if _, err := e.conn.Exec(context.Background(), `UPDATE party_branches SET secretary_id = $1 WHERE id = $2`, member, old); err != nil {
		t.Fatal(err)
	}

	add := `{"client_id": "pbranch-add", "grid_id": 9, "name": "桐柏路61号院第二党支部"}`
	r := leader.do("POST", "/api/party-branches", add)
	var b store.Branch
	if r.Status != 201 || json.Unmarshal(r.Body, &b) != nil || b.GridID != 9 || b.Name != "桐柏路61号院第二党支部" || b.SecretaryID != nil {
		t.Fatalf("add branch: %d %s", r.Status, r.Body)
	}
	if again := leader.do("POST", "/api/party-branches", add); again.Status != 201 || string(again.Body) != string(r.Body) {
		t.Errorf("retry of the branch: %d %s", again.Status, again.Body)
	}
	if n := scalar[int](t, e, `SELECT count(*) FROM party_branches WHERE name = '桐柏路61号院第二党支部'`); n != 1 {
		t.Errorf("%d branches stored after a retry", n)
	}

	for _, c := range []struct {
		name, method, path, body, field string
		status                          int
	}{
		{"no name", "POST", "/api/party-branches", `{"client_id": "pbranch-1", "grid_id": 9}`, "name", 400},
		{"no grid", "POST", "/api/party-branches", `{"client_id": "pbranch-2", "name": "某支部"}`, "grid_id", 400},
		{"grid outside", "POST", "/api/party-branches", `{"client_id": "pbranch-3", "grid_id": 10, "name": "某支部"}`, "grid_id", 403},
		{"the community above", "POST", "/api/party-branches", fmt.Sprintf(`{"client_id": "pbranch-4", "grid_id": %d, "name": "某支部"}`, community), "grid_id", 403},
		{"secretary not a member yet", "PUT", fmt.Sprintf("/api/party-branches/%d", b.ID), fmt.Sprintf(`{"client_id": "pbranch-5", "name": "某支部", "secretary_id": %d}`, member), "secretary_id", 400},
		{"secretary nobody", "PUT", fmt.Sprintf("/api/party-branches/%d", b.ID), `{"client_id": "pbranch-6", "name": "某支部", "secretary_id": 99999999}`, "secretary_id", 400},
		{"branch outside", "PUT", fmt.Sprintf("/api/party-branches/%d", branch10), `{"client_id": "pbranch-7", "name": "某支部"}`, "id", 403},
		{"no such branch", "PUT", "/api/party-branches/99999999", `{"client_id": "pbranch-8", "name": "某支部"}`, "id", 404},
		{"move into another compound's branch", "PUT", fmt.Sprintf("/api/party-members/%d/branch", member), fmt.Sprintf(`{"client_id": "pbranch-9", "branch_id": %d}`, branch10), "branch_id", 403},
		{"move a member outside", "PUT", fmt.Sprintf("/api/party-members/%d/branch", outsider), fmt.Sprintf(`{"client_id": "pbranch-10", "branch_id": %d}`, b.ID), "id", 403},
		{"move nowhere", "PUT", fmt.Sprintf("/api/party-members/%d/branch", member), `{"client_id": "pbranch-11"}`, "branch_id", 400},
	} {
		if r := leader.do(c.method, c.path, c.body); r.Status != c.status || r.Error.Field != c.field {
			t.Errorf("%s: %d %+v; want %d naming %s", c.name, r.Status, r.Error, c.status, c.field)
		}
	}

	// The member moves into the new branch: no longer the old one's
	// secretary; then becomes the new one's.
	if r := leader.do("PUT", fmt.Sprintf("/api/party-members/%d/branch", member), fmt.Sprintf(`{"client_id": "pbranch-move", "branch_id": %d}`, b.ID)); r.Status != 200 {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	if got := scalar[int64](t, e, `SELECT branch_id FROM party_members WHERE person_id = $1`, member); got != b.ID {
		t.Errorf("member in branch %d, want %d", got, b.ID)
	}
	if n := scalar[int](t, e, `SELECT count(*) FROM party_branches WHERE id = $1 AND secretary_id IS NOT NULL`, old); n != 0 {
		t.Errorf("the old branch keeps the member who left as its secretary")
	}
	r = leader.do("PUT", fmt.Sprintf("/api/party-branches/%d", b.ID), fmt.Sprintf(`{"client_id": "pbranch-sec", "name": "桐柏路61号院第二党支部", "secretary_id": %d}`, member))
	if r.Status != 200 || json.Unmarshal(r.Body, &b) != nil || b.SecretaryID == nil || *b.SecretaryID != member {
		t.Fatalf("set secretary: %d %s", r.Status, r.Body)
	}
	var roster store.PartyRoster
	leader.get("/api/grids/9/party", &roster)
	if br, _, ok := rosterMember(roster, member); !ok || br.ID != b.ID {
		t.Errorf("the roster puts the member in %+v, want branch %d", br, b.ID)
	}
	if n := scalar[int](t, e, `SELECT count(*) FROM audit_log WHERE action IN ('add party branch', 'update party branch', 'move party member')`); n != 3 {
		t.Errorf("%d audit rows for the branch writes, want 3", n)
	}
}
