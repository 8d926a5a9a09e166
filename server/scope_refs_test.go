package server_test

import (
	"fmt"
	"testing"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestCheckpointDutyPersonInScope: the person put on duty at a checkpoint
// must be the writer's to name (403 otherwise) and belong to the
// checkpoint's community (422 otherwise); someone of the community is
// accepted.
func TestCheckpointDutyPersonInScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	staff := e.client(t, "staff", auth.Staff, 2) // 协作路社区
	admin := e.client(t, "admin", auth.Admin, 0)
	cp := scalar[int64](t, e, `INSERT INTO checkpoints (grid_id, name, geom)
		SELECT 9, '测试卡点', ST_PointOnSurface(geom) FROM current_grids WHERE id = 9 RETURNING id`)
	own := scalar[int64](t, e, `SELECT min(id) FROM people WHERE home_grid_id IN (SELECT id FROM grids WHERE id = 2 OR parent_id = 2)`)
	other := scalar[int64](t, e, `SELECT min(id) FROM people WHERE home_grid_id IN (SELECT id FROM grids WHERE id = 3 OR parent_id = 3)`)
	duty := func(c *client, person int64) response {
		return c.do("POST", fmt.Sprintf("/api/checkpoints/%d/duty", cp),
			fmt.Sprintf(`{"client_id": %q, "on_duty": true, "person_id": %d}`, cid(), person))
	}
	if r := duty(staff, other); r.Status != 403 || r.Error.Field != "person_id" {
		t.Errorf("staff of 协作路社区 naming a person of another community: %d %s, want 403 naming person_id", r.Status, r.Body)
	}
	if r := duty(admin, other); r.Status != 422 || r.Error.Field != "person_id" {
		t.Errorf("admin naming a person of another community: %d %s, want 422 naming person_id", r.Status, r.Body)
	}
	if r := duty(staff, own); r.Status/100 != 2 {
		t.Errorf("staff naming a person of the community: %d %s", r.Status, r.Body)
	}
	if got := scalar[int64](t, e, `SELECT duty_person FROM checkpoints WHERE id = $1`, cp); got != own {
		t.Errorf("duty person %d, want %d", got, own)
	}
}
