package server_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestAuditEachKindOfChange makes one change of every kind through the
// API and finds its audit row, with who, what, before and after.
func TestAuditEachKindOfChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	admin := e.client(t, "admin", auth.Admin, 0)
	building := scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9 AND head_id IS NOT NULL`)
	household := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 AND h.contact_id IS NOT NULL`)
	member := scalar[int64](t, e, `SELECT max(person_id) FROM party_members WHERE grid_id = 9`)
	geometry := scalar[string](t, e, `SELECT ST_AsGeoJSON(ST_Scale(geom, 1, 1)) FROM current_grids WHERE id = 9`)

	var person struct{ ID int64 }
	r := admin.do("POST", "/api/people", map[string]any{"name": "新楼栋长", "phone": "19900009999", "home_grid_id": 9})
	json.Unmarshal(r.Body, &person)
	var acc struct{ ID int64 }
	r2 := admin.do("POST", "/api/accounts", map[string]any{"username": "wall2", "password": "a-long-password", "role": "viewer"})
	json.Unmarshal(r2.Body, &acc)
	var tok struct{ Info struct{ ID int64 } }
	r3 := admin.do("POST", fmt.Sprintf("/api/accounts/%d/tokens", acc.ID), map[string]any{"name": "wall", "ttl_hours": 24})
	json.Unmarshal(r3.Body, &tok)
	if r.Status != 201 || r2.Status != 201 || r3.Status != 201 {
		t.Fatalf("setup: %d %d %d", r.Status, r2.Status, r3.Status)
	}
	type change struct {
		method, path string
		body         any
		entity, id   string
		action       string
		before       bool
	}
	changes := []change{
		{"PUT", fmt.Sprintf("/api/buildings/%d/head", building), map[string]any{"head_id": person.ID}, "building", fmt.Sprint(building), "set head_id", true},
		{"PUT", fmt.Sprintf("/api/households/%d/contact", household), map[string]any{"contact_id": member}, "household", fmt.Sprint(household), "set contact_id", true},
		{"PUT", "/api/grids/9/leader", map[string]any{"leader_id": person.ID}, "grid", "9", "set leader_id", true},
		{"PUT", fmt.Sprintf("/api/people/%d", person.ID), map[string]any{"name": "新楼栋长二", "home_grid_id": 9}, "person", fmt.Sprint(person.ID), "update", true},
		{"PUT", "/api/grids/9/boundary", fmt.Sprintf(`{"geometry": %s, "note": "audit"}`, geometry), "boundary_publication", "2", "publish", false},
		{"DELETE", fmt.Sprintf("/api/tokens/%d", tok.Info.ID), nil, "token", fmt.Sprint(tok.Info.ID), "revoke", true},
	}
	for _, c := range changes {
		if r := admin.do(c.method, c.path, c.body); r.Status >= 300 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
		}
	}
	// Creations are audited too, with no before.
	changes = append(changes,
		change{entity: "person", id: fmt.Sprint(person.ID), action: "create"},
		change{entity: "account", id: fmt.Sprint(acc.ID), action: "create"},
		change{entity: "token", id: fmt.Sprint(tok.Info.ID), action: "create"},
	)
	var log struct {
		Entries []struct {
			Actor, Action, Entity string
			EntityID              string          `json:"entity_id"`
			Before                json.RawMessage `json:"before"`
			AfterRaw              json.RawMessage `json:"after"`
			RequestID             string          `json:"request_id"`
		}
	}
	if s := admin.get("/api/audit?limit=1000", &log); s != 200 {
		t.Fatalf("audit: %d", s)
	}
	for _, c := range changes {
		found := false
		for _, en := range log.Entries {
			if en.Entity != c.entity || en.EntityID != c.id || en.Action != c.action {
				continue
			}
			found = true
			if en.Actor != "admin" || en.RequestID == "" || string(en.AfterRaw) == "null" {
				t.Errorf("%s %s: actor %q request %q after %s", c.entity, c.action, en.Actor, en.RequestID, en.AfterRaw)
			}
			if c.before != (string(en.Before) != "null") {
				t.Errorf("%s %s: before %s", c.entity, c.action, en.Before)
			}
		}
		if !found {
			t.Errorf("no audit row for %s %s %s", c.action, c.entity, c.id)
		}
	}
	// The audit row and the change are one transaction: the building's
	// head in the database is the audited "after".
	if got := scalar[int64](t, e, `SELECT head_id FROM buildings WHERE id = $1`, building); got != person.ID {
		t.Errorf("building head %d, want %d", got, person.ID)
	}
}
