package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

// loginAs logs a fresh client in through /api/login; it fails the test
// unless the answer is want.
func loginAs(t *testing.T, e *env, username, password string, want int) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: e.ts.URL, http: &http.Client{Jar: jar}}
	if r := c.do("POST", "/api/login", map[string]string{"username": username, "password": password}); r.Status != want {
		t.Fatalf("log in as %s: %d %s, want %d", username, r.Status, r.Body, want)
	}
	return c
}

// auditRows counts the audit rows of an action on an account.
func auditRows(t *testing.T, e *env, action string, account int64) int64 {
	t.Helper()
	return scalar[int64](t, e, `SELECT count(*) FROM audit_log WHERE entity = 'account' AND action = $1 AND entity_id = $2 AND actor = 'admin'`,
		action, fmt.Sprint(account))
}

// TestAdminAccountChanges changes an account's role and grid, resets its
// password and ends its sessions through the API: each ends the account's
// sessions, is audited (before and after, never a hash), and each bad
// request is refused naming its field.
func TestAdminAccountChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "admin", auth.Admin, 0)
	var clerk struct{ ID int64 }
	r := admin.do("POST", "/api/accounts", map[string]any{"username": "clerk", "password": "clerk-password", "role": "staff", "grid_id": 9})
	if r.Status != 201 || json.Unmarshal(r.Body, &clerk) != nil {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	device, _ := e.account(t, "phone-1", auth.Device, 0, e.volunteer)
	wall := issueWallLink(t, admin, 9, 1)
	path := func(suffix string) string { return fmt.Sprintf("/api/accounts/%d%s", clerk.ID, suffix) }

	// A change of role and grid: the session of the old scope ends.
	session := loginAs(t, e, "clerk", "clerk-password", 200)
	r = admin.do("PUT", path(""), map[string]any{"role": "grid-leader", "grid_id": 2})
	var changed struct {
		Role     string `json:"role"`
		GridID   *int64 `json:"grid_id"`
		GridName string `json:"grid_name"`
		Sessions int    `json:"sessions"`
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &changed) != nil || changed.Role != "grid-leader" || changed.GridID == nil || *changed.GridID != 2 || changed.Sessions != 0 {
		t.Fatalf("PUT role and grid: %d %s", r.Status, r.Body)
	}
	if r := session.do("GET", "/api/me", nil); r.Status != 401 {
		t.Errorf("the session from before the change: %d, want 401", r.Status)
	}
	var me struct {
		Role   string `json:"role"`
		GridID int64  `json:"grid_id"`
	}
	if s := loginAs(t, e, "clerk", "clerk-password", 200).get("/api/me", &me); s != 200 || me.Role != "grid-leader" || me.GridID != 2 {
		t.Errorf("after the change /api/me: %d %+v, want a grid leader of grid 2", s, me)
	}
	var before, after string
	if err := e.conn.QueryRow(context.Background(), `SELECT before->>'role', after->>'role' FROM audit_log
		WHERE entity = 'account' AND action = 'update' AND entity_id = $1 AND actor = 'admin'`, fmt.Sprint(clerk.ID)).Scan(&before, &after); err != nil || before != "staff" || after != "grid-leader" {
		t.Errorf("audit of the change: %q → %q (%v), want staff → grid-leader", before, after, err)
	}

	// A reset password: every session ends, the old password stops working.
	loginAs(t, e, "clerk", "clerk-password", 200)
	r = admin.do("POST", path("/password"), map[string]any{"password": "reset-password-1"})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"sessions_ended":2`) {
		t.Errorf("reset: %d %s, want two sessions ended", r.Status, r.Body)
	}
	loginAs(t, e, "clerk", "clerk-password", 401)
	session = loginAs(t, e, "clerk", "reset-password-1", 200)
	if n := auditRows(t, e, "reset_password", clerk.ID); n != 1 {
		t.Errorf("%d audit rows of the reset, want 1", n)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM audit_log WHERE after::text LIKE '%$2a$%' OR before::text LIKE '%$2a$%'`); n != 0 {
		t.Errorf("%d audit rows hold a password hash", n)
	}

	// Sessions ended: the account is logged out everywhere.
	other := loginAs(t, e, "clerk", "reset-password-1", 200)
	r = admin.do("POST", path("/sessions/end"), nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"sessions_ended":2`) {
		t.Errorf("end sessions: %d %s, want two", r.Status, r.Body)
	}
	for _, c := range []*client{session, other} {
		if r := c.do("GET", "/api/me", nil); r.Status != 401 {
			t.Errorf("a session after ending them: %d, want 401", r.Status)
		}
	}
	if n := auditRows(t, e, "end_sessions", clerk.ID); n != 1 {
		t.Errorf("%d audit rows of ending sessions, want 1", n)
	}

	for _, tt := range []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"unknown role", "PUT", path(""), map[string]any{"role": "king"}, 400, "role"},
		{"staff without a grid", "PUT", path(""), map[string]any{"role": "staff"}, 400, "grid_id"},
		{"a viewer with a grid", "PUT", path(""), map[string]any{"role": "viewer", "grid_id": 9}, 400, "grid_id"},
		{"a grid that is not there", "PUT", path(""), map[string]any{"role": "staff", "grid_id": 999999}, 400, "grid_id"},
		{"a person's account to a device", "PUT", path(""), map[string]any{"role": "device"}, 422, "role"},
		{"a device to a person's account", "PUT", fmt.Sprintf("/api/accounts/%d", device), map[string]any{"role": "viewer"}, 422, "role"},
		{"a wall link's account", "PUT", fmt.Sprintf("/api/accounts/%d", scalar[int64](t, e, `SELECT account_id FROM wall_links WHERE id = $1`, wall.ID)), map[string]any{"role": "admin"}, 422, "id"},
		{"one's own role", "PUT", fmt.Sprintf("/api/accounts/%d", admin.accountID), map[string]any{"role": "viewer"}, 409, "id"},
		{"no such account", "PUT", "/api/accounts/999999", map[string]any{"role": "viewer"}, 404, "id"},
		{"an unknown field", "PUT", path(""), map[string]any{"role": "viewer", "rank": 1}, 400, "rank"},
		{"a short password", "POST", path("/password"), map[string]any{"password": "short"}, 400, "password"},
		{"one's own password", "POST", fmt.Sprintf("/api/accounts/%d/password", admin.accountID), map[string]any{"password": "a-long-password"}, 409, "id"},
		{"a device's password", "POST", fmt.Sprintf("/api/accounts/%d/password", device), map[string]any{"password": "a-long-password"}, 422, "id"},
		{"no such account's password", "POST", "/api/accounts/999999/password", map[string]any{"password": "a-long-password"}, 404, "id"},
		{"one's own sessions", "POST", fmt.Sprintf("/api/accounts/%d/sessions/end", admin.accountID), nil, 409, "id"},
		{"no such account's sessions", "POST", "/api/accounts/999999/sessions/end", nil, 404, "id"},
		{"disabling oneself", "POST", fmt.Sprintf("/api/accounts/%d/disable", admin.accountID), nil, 409, "id"},
		{"a bad id", "PUT", "/api/accounts/x", map[string]any{"role": "viewer"}, 400, "id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			admin.t = t
			if r := admin.do(tt.method, tt.path, tt.body); r.Status != tt.status || r.Error.Field != tt.field {
				t.Errorf("%s %s: %d %s, want %d naming %q", tt.method, tt.path, r.Status, r.Body, tt.status, tt.field)
			}
		})
	}
	admin.t = t
	if got := scalar[string](t, e, `SELECT role FROM accounts WHERE id = $1`, clerk.ID); got != "grid-leader" {
		t.Errorf("after the refused changes the role is %s, want grid-leader", got)
	}
	if got := scalar[int64](t, e, `SELECT count(*) FROM audit_log WHERE entity = 'account' AND entity_id = $1 AND action = 'update'`, fmt.Sprint(clerk.ID)); got != 1 {
		t.Errorf("%d audit rows of updates, want 1: a refused change writes none", got)
	}

	// The list shows each account's sessions, live tokens and wall link.
	loginAs(t, e, "clerk", "reset-password-1", 200)
	e.token(t, clerk.ID, time.Hour)
	var list struct {
		Accounts []struct {
			ID         int64  `json:"id"`
			Username   string `json:"username"`
			Sessions   int    `json:"sessions"`
			Tokens     int    `json:"tokens"`
			WallLinkID *int64 `json:"wall_link_id"`
		}
	}
	if s := admin.get("/api/accounts", &list); s != 200 {
		t.Fatalf("accounts: %d", s)
	}
	seen := 0
	for _, a := range list.Accounts {
		switch {
		case a.ID == clerk.ID:
			seen++
			if a.Sessions != 1 || a.Tokens != 1 || a.WallLinkID != nil {
				t.Errorf("clerk listed %+v, want 1 session, 1 token, no wall link", a)
			}
		case a.WallLinkID != nil && *a.WallLinkID == wall.ID:
			seen++
		}
	}
	if seen != 2 {
		t.Errorf("found %d of clerk and the wall link's account in the list", seen)
	}
}

// TestAdminLastAdmin checks that the last enabled admin cannot be
// demoted: the store refuses it, and two admins demoting each other at
// once leave one admin, never none.
func TestAdminLastAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	a := e.client(t, "admin", auth.Admin, 0)
	b := e.client(t, "admin-b", auth.Admin, 0)
	scalar[int64](t, e, `WITH u AS (UPDATE accounts SET disabled_at = now() WHERE role = 'admin' AND id NOT IN ($1, $2) RETURNING 1)
		SELECT count(*) FROM u`, a.accountID, b.accountID)

	if _, err := e.db.Store.UpdateAccount(context.Background(), store.Actor{Name: "test"}, b.accountID, auth.Viewer, 0); err != nil {
		t.Fatalf("demote one of two admins: %v", err)
	}
	_, err := e.db.Store.UpdateAccount(context.Background(), store.Actor{Name: "test"}, a.accountID, auth.Planner, 0)
	if !errors.Is(err, store.ErrLastAdmin) {
		t.Fatalf("demote the last admin: %v, want ErrLastAdmin", err)
	}
	scalar[int64](t, e, `WITH u AS (UPDATE accounts SET role = 'admin' WHERE id = $1 RETURNING 1) SELECT count(*) FROM u`, b.accountID)

	for round := range 5 {
		b = e.client(t, fmt.Sprintf("admin-b%d", round), auth.Admin, 0)
		scalar[int64](t, e, `WITH u AS (UPDATE accounts SET disabled_at = now() WHERE role = 'admin' AND id NOT IN ($1, $2) RETURNING 1)
			SELECT count(*) FROM u`, a.accountID, b.accountID)
		var wg sync.WaitGroup
		status := make([]int, 2)
		for i, pair := range [][2]*client{{a, b}, {b, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status[i] = pair[0].do("PUT", fmt.Sprintf("/api/accounts/%d", pair[1].accountID), map[string]any{"role": "viewer"}).Status
			}()
		}
		wg.Wait()
		admins := scalar[int64](t, e, `SELECT count(*) FROM accounts WHERE role = 'admin' AND disabled_at IS NULL`)
		if admins != 1 {
			t.Fatalf("round %d: demotions answered %v and left %d enabled admins, want 1", round, status, admins)
		}
		if (status[0] == 200) == (status[1] == 200) {
			t.Errorf("round %d: demotions answered %v, want one 200", round, status)
		}
		// The survivor is a; b is an admin again for the next round.
		scalar[int64](t, e, `WITH u AS (UPDATE accounts SET role = 'admin' WHERE id IN ($1, $2) RETURNING 1) SELECT count(*) FROM u`, a.accountID, b.accountID)
		a = e.client(t, fmt.Sprintf("admin-a%d", round), auth.Admin, 0)
	}
}

// TestAdminTokens lists tokens: an account's, a role's, with when each
// was last used (as the token sweep records it) and its revocation; bad
// parameters are refused naming them.
func TestAdminTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "admin", auth.Admin, 0)
	phone := e.client(t, "phone-a", auth.Device, 0) // a device with a token of its own
	e.token(t, admin.accountID, time.Hour)
	r := admin.do("POST", fmt.Sprintf("/api/accounts/%d/tokens", phone.accountID), map[string]any{"name": "备用手机", "ttl_hours": 24})
	var issued struct {
		Token string
		Info  struct{ ID int64 }
	}
	if r.Status != 201 || json.Unmarshal(r.Body, &issued) != nil {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	type listing struct {
		Tokens []struct {
			ID         int64      `json:"id"`
			AccountID  int64      `json:"account_id"`
			Name       string     `json:"name"`
			Username   string     `json:"username"`
			Role       string     `json:"role"`
			ExpiresAt  time.Time  `json:"expires_at"`
			RevokedAt  *time.Time `json:"revoked_at"`
			LastUsedAt *time.Time `json:"last_used_at"`
		}
	}
	var devices listing
	if s := admin.get("/api/tokens?role=device", &devices); s != 200 || len(devices.Tokens) != 2 {
		t.Fatalf("device tokens: %d %+v, want the phone's two", s, devices)
	}
	if tk := devices.Tokens[0]; tk.ID != issued.Info.ID || tk.Name != "备用手机" || tk.Username != "phone-a" || tk.Role != "device" || tk.RevokedAt != nil {
		t.Errorf("newest device token %+v, want the one just issued", tk)
	}
	var mine listing
	if s := admin.get(fmt.Sprintf("/api/tokens?account=%d", admin.accountID), &mine); s != 200 || len(mine.Tokens) != 1 || mine.Tokens[0].Username != "admin" {
		t.Errorf("the admin's tokens: %d %+v, want one", s, mine)
	}
	var paged listing
	if s := admin.get(fmt.Sprintf("/api/tokens?role=device&limit=1&before=%d", issued.Info.ID), &paged); s != 200 || len(paged.Tokens) != 1 || paged.Tokens[0].ID >= issued.Info.ID {
		t.Errorf("the page before the newest: %d %+v, want the older one", s, paged)
	}

	// The new token is used; the token sweep (which the test server does
	// not run on a timer) records the use.
	dev := &client{t: t, base: e.ts.URL, http: &http.Client{}, bearer: issued.Token}
	if r := dev.do("POST", "/api/positions", samplePosition(t, e)); r.Status != 202 {
		t.Fatalf("post with the new token: %d %s", r.Status, r.Body)
	}
	hash := [][]byte{auth.HashToken(issued.Token)}
	if _, err := e.db.Store.TokenPrincipals(context.Background(), hash, hash); err != nil {
		t.Fatal(err)
	}
	var used listing
	admin.get(fmt.Sprintf("/api/tokens?account=%d", phone.accountID), &used)
	if len(used.Tokens) != 2 || used.Tokens[0].LastUsedAt == nil || time.Since(*used.Tokens[0].LastUsedAt) > time.Minute || used.Tokens[1].LastUsedAt != nil {
		t.Errorf("after a use: %+v, want the new token last used just now, the other never", used)
	}
	if r := admin.do("DELETE", fmt.Sprintf("/api/tokens/%d", issued.Info.ID), nil); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	admin.get("/api/tokens?role=device", &devices)
	if devices.Tokens[0].RevokedAt == nil {
		t.Errorf("after revoking, the token lists %+v, want revoked_at", devices.Tokens[0])
	}
	if r := dev.do("POST", "/api/positions", samplePosition(t, e)); r.Status != 401 {
		t.Errorf("post with the revoked token: %d, want 401", r.Status)
	}

	for q, field := range map[string]string{
		"role=king": "role", "account=x": "account", "account=0": "account", "limit=0": "limit",
		"limit=1001": "limit", "before=-1": "before", "grid=9": "grid",
	} {
		if r := admin.do("GET", "/api/tokens?"+q, nil); r.Status != 400 || r.Error.Field != field {
			t.Errorf("/api/tokens?%s: %d %s, want 400 naming %s", q, r.Status, r.Body, field)
		}
	}
}

// auditAnswer is the answer of GET /api/audit.
type auditAnswer struct {
	Entries []struct {
		ID       int64           `json:"id"`
		At       time.Time       `json:"at"`
		Actor    string          `json:"actor"`
		Action   string          `json:"action"`
		Entity   string          `json:"entity"`
		EntityID string          `json:"entity_id"`
		After    json.RawMessage `json:"after"`
	} `json:"entries"`
	NextBefore *int64  `json:"next_before"`
	Next       *string `json:"next"`
}

// TestAdminAuditFilters reads the audit log by actor, account, action,
// entity, entity id and time range, page by page, and refuses bad
// parameters naming them.
func TestAdminAuditFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "admin", auth.Admin, 0)
	other := e.client(t, "second", auth.Admin, 0)
	var ids []int64
	for i := range 5 {
		var acc struct{ ID int64 }
		r := admin.do("POST", "/api/accounts", map[string]any{"username": fmt.Sprintf("aud-%d", i), "password": "a-long-password", "role": "viewer"})
		if r.Status != 201 || json.Unmarshal(r.Body, &acc) != nil {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		ids = append(ids, acc.ID)
	}
	if r := other.do("POST", fmt.Sprintf("/api/accounts/%d/disable", ids[0]), nil); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	get := func(q string) auditAnswer {
		t.Helper()
		var p auditAnswer
		if s := admin.get("/api/audit?"+q, &p); s != 200 {
			t.Fatalf("/api/audit?%s: %d", q, s)
		}
		return p
	}
	count := func(p auditAnswer, action string) int {
		n := 0
		for _, en := range p.Entries {
			if en.Action == action {
				n++
			}
		}
		return n
	}
	day := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	tomorrow := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format(time.DateOnly)
	yesterday := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
	for _, tt := range []struct {
		q       string
		creates int // create rows of accounts expected
		disable int
	}{
		{"actor=admin&entity=account", 5, 0},
		{"actor=second", 0, 1},
		{fmt.Sprintf("account=%d", other.accountID), 0, 1},
		{"action=disable", 0, 1},
		{fmt.Sprintf("entity=account&entity_id=%d", ids[0]), 1, 1},
		{"actor=admin&entity=account&from=" + day + "&to=" + day, 5, 0},
		{"actor=admin&from=" + tomorrow, 0, 0},
		{"actor=admin&to=" + yesterday, 0, 0},
		{"actor=admin&entity=account&from=" + time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), 5, 0},
	} {
		p := get(tt.q)
		if got := count(p, "create"); got != tt.creates {
			t.Errorf("?%s: %d creations, want %d", tt.q, got, tt.creates)
		}
		if got := count(p, "disable"); got != tt.disable {
			t.Errorf("?%s: %d disables, want %d", tt.q, got, tt.disable)
		}
		if tt.creates+tt.disable != len(p.Entries) {
			t.Errorf("?%s: %d rows, want %d", tt.q, len(p.Entries), tt.creates+tt.disable)
		}
	}

	// Two at a time, page by page: the same rows as one page, newest first.
	whole := get("actor=admin&entity=account")
	var paged []int64
	q := "actor=admin&entity=account&limit=2"
	for pages := 0; ; pages++ {
		p := get(q)
		for _, en := range p.Entries {
			paged = append(paged, en.ID)
		}
		if p.NextBefore == nil {
			if pages != 2 || p.Next != nil {
				t.Errorf("%d pages of 2 for 5 rows, want 3; the last names next %v", pages+1, p.Next)
			}
			break
		}
		// The next link keeps the filters and the limit and moves before.
		want := fmt.Sprintf("/api/audit?actor=admin&before=%d&entity=account&limit=2", *p.NextBefore)
		if p.Next == nil || *p.Next != want {
			t.Fatalf("next %v, want %s", p.Next, want)
		}
		q = strings.TrimPrefix(*p.Next, "/api/audit?")
	}
	if len(paged) != len(whole.Entries) {
		t.Fatalf("paged %v, want %d rows", paged, len(whole.Entries))
	}
	for i, en := range whole.Entries {
		if paged[i] != en.ID || (i > 0 && en.ID >= whole.Entries[i-1].ID) {
			t.Errorf("row %d: paged %d, whole %d (want the same, newest first)", i, paged[i], en.ID)
		}
	}

	for q, field := range map[string]string{
		"from=yesterday": "from", "to=2026-13-01": "to", "from=" + tomorrow + "&to=" + yesterday: "to",
		"account=0": "account", "limit=5000": "limit", "before=x": "before", "who=me": "who",
		"entity=" + strings.Repeat("x", 101): "entity", "action=a%00b": "action",
	} {
		if r := admin.do("GET", "/api/audit?"+q, nil); r.Status != 400 || r.Error.Field != field {
			t.Errorf("/api/audit?%.40s: %d %s, want 400 naming %s", q, r.Status, r.Body, field)
		}
	}
}
