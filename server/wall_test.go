package server_test

import (
	"encoding/json"
	"testing"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// TestWallSummaryAPI: GET /api/grids/{id}/wall counts what the rules of
// docs/WALL.md say, checked against the database: volunteers whose latest
// position in the subtree is at most 10 minutes old, the party members
// registered there, the open requests past their deadline, the open
// tasks (each request is one); its figures
// are the grid's coverage figures. A grid leader gets their own subtree
// and a 403 naming id for another; a bad id is a 400 naming id.
func TestWallSummaryAPI(t *testing.T) {
	e := newEnv(t, server.Config{})
	wallScene(t, e)
	admin := e.client(t, "admin", auth.Admin, 0)
	for _, grid := range []int64{1, 2, 9, 10} {
		var sum wallAnswer
		if st := admin.get("/api/grids/"+itoa(grid)+"/wall", &sum); st != 200 {
			t.Fatalf("grid %d: %d", grid, st)
		}
		var cov struct{ Grid json.RawMessage }
		admin.get("/api/grids/"+itoa(grid)+"/coverage", &cov)
		figs, _ := json.Marshal(sum.Figures)
		sub := `WITH RECURSIVE sub AS (SELECT id FROM current_grids WHERE id = $1
			UNION ALL SELECT g.id FROM current_grids g JOIN sub ON g.parent_id = sub.id) `
		want := wallAnswer{Grid: grid, Figures: sum.Figures,
			VolunteersOnDuty: scalar[int](t, e, sub+`SELECT count(*) FROM latest_positions WHERE grid_id IN (SELECT id FROM sub) AND at >= now() - interval '10 minutes'`, grid),
			PartyMembers:     scalar[int](t, e, sub+`SELECT count(*) FROM party_members WHERE grid_id IN (SELECT id FROM sub)`, grid),
			RequestsOverdue:  scalar[int](t, e, sub+`SELECT count(*) FROM requests WHERE grid_id IN (SELECT id FROM sub) AND closed_at IS NULL AND deadline < now()`, grid),
			TasksOpen:        scalar[int](t, e, sub+`SELECT count(*) FROM tasks WHERE grid_id IN (SELECT id FROM sub) AND status IN ('open', 'accepted')`, grid)}
		if string(figs) != string(cov.Grid) || sum.Grid != want.Grid || sum.VolunteersOnDuty != want.VolunteersOnDuty ||
			sum.PartyMembers != want.PartyMembers || sum.RequestsOverdue != want.RequestsOverdue || sum.TasksOpen != want.TasksOpen {
			t.Errorf("grid %d: %+v (figures %s); want %+v (figures %s)", grid, sum, figs, want, cov.Grid)
		}
		inScene := grid != 10
		if inScene && (sum.VolunteersOnDuty != 3 || sum.RequestsOverdue != 1) || !inScene && (sum.VolunteersOnDuty != 0 || sum.RequestsOverdue != 0) {
			t.Errorf("grid %d: %d on duty, %d overdue; the scene has 3 and 1 in grid 9", grid, sum.VolunteersOnDuty, sum.RequestsOverdue)
		}
	}
	leader := e.client(t, "leader", auth.GridLeader, 9)
	for _, c := range []struct {
		path   string
		status int
	}{{"/api/grids/9/wall", 200}, {"/api/grids/10/wall", 403}, {"/api/grids/2/wall", 403}, {"/api/grids/x/wall", 400}} {
		r := leader.do("GET", c.path, nil)
		if r.Status != c.status || (c.status != 200 && r.Error.Field != "id") {
			t.Errorf("leader of 9, %s: %d naming %q; want %d naming id", c.path, r.Status, r.Error.Field, c.status)
		}
	}
}
