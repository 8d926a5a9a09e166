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
	"github.com/gridmap/gridmap/server"
)

// draftResp is the part of a draft document the tests read.
type draftResp struct {
	ID         int64 `json:"id"`
	Revision   int   `json:"revision"`
	CanUndo    bool  `json:"can_undo"`
	Validation struct {
		OK       bool
		Errors   int
		Problems []struct {
			Code, Severity, Detail string
			GridIDs                []int64 `json:"grid_ids"`
			BuildingIDs            []int64 `json:"building_ids"`
			AreaM2                 float64 `json:"area_m2"`
		}
	}
	Grids struct {
		Features []struct {
			ID         int64
			Geometry   json.RawMessage
			Properties struct {
				ParentID int64 `json:"parent_id"`
				Code     string
				Name     string
				Status   string
			}
		}
	}
}

func (d draftResp) codes() []string {
	var out []string
	for _, p := range d.Validation.Problems {
		if p.Severity == "error" && !slices.Contains(out, p.Code) {
			out = append(out, p.Code)
		}
	}
	slices.Sort(out)
	return out
}

func (d draftResp) newIDs() []int64 {
	var out []int64
	for _, f := range d.Grids.Features {
		if f.ID < 0 {
			out = append(out, f.ID)
		}
	}
	return out
}

// planner is a planner's client with helpers for drafts.
type planner struct {
	t *testing.T
	c *client
}

func (p planner) open(root int64) draftResp {
	p.t.Helper()
	var d draftResp
	r := p.c.do("POST", "/api/drafts", map[string]any{"root_id": root, "name": "测试草稿"})
	if r.Status != 201 {
		p.t.Fatalf("open draft: %d %s", r.Status, r.Body)
	}
	json.Unmarshal(r.Body, &d)
	return d
}

func (p planner) op(d draftResp, op map[string]any) (draftResp, response) {
	p.t.Helper()
	op["revision"] = d.Revision
	r := p.c.do("POST", fmt.Sprintf("/api/drafts/%d/ops", d.ID), op)
	var out draftResp
	if r.Status == 200 {
		json.Unmarshal(r.Body, &out)
	}
	return out, r
}

func (p planner) mustOp(d draftResp, op map[string]any) draftResp {
	p.t.Helper()
	out, r := p.op(d, op)
	if r.Status != 200 {
		p.t.Fatalf("op %v: %d %s", op["op"], r.Status, r.Body)
	}
	return out
}

func (p planner) publish(d draftResp, ack ...string) response {
	p.t.Helper()
	if ack == nil {
		ack = []string{}
	}
	return p.c.do("POST", fmt.Sprintf("/api/drafts/%d/publish", d.ID), map[string]any{"revision": d.Revision, "acknowledge": ack, "note": "test"})
}

// geomSQL runs a query giving one GeoJSON geometry.
func geomSQL(t *testing.T, e *env, sql string, args ...any) json.RawMessage {
	t.Helper()
	return json.RawMessage(scalar[string](t, e, sql, args...))
}

// splitLine is a north-south GeoJSON line through grid id at the given
// fraction of its width (0.5 cuts it in the middle).
func splitLine(t *testing.T, e *env, id int64, at float64) json.RawMessage {
	return geomSQL(t, e, `
		SELECT ST_AsGeoJSON(ST_MakeLine(ST_MakePoint(x, ST_YMin(b) - 0.001), ST_MakePoint(x, ST_YMax(b) + 0.001)))
		FROM (SELECT geom::box2d AS b, ST_XMin(geom) + (ST_XMax(geom) - ST_XMin(geom)) * $2 AS x
		      FROM current_grids WHERE id = $1) g`, id, at)
}

// checkTiling asserts the invariants the product rests on: every
// building lies in exactly one current compound grid, the one it is
// assigned to; the children of every grid tile it within 1 m².
func checkTiling(t *testing.T, e *env) {
	t.Helper()
	if n := scalar[int64](t, e, `
		SELECT count(*) FROM buildings b
		WHERE (SELECT count(*) FROM current_grids g WHERE g.level = 3 AND ST_Covers(g.geom, b.geom)) <> 1
		   OR NOT EXISTS (SELECT 1 FROM current_grids g WHERE g.id = b.grid_id AND ST_Covers(g.geom, b.geom))`); n != 0 {
		t.Errorf("%d buildings not in exactly one compound grid, the one they are assigned to", n)
	}
	if n := scalar[int64](t, e, `
		SELECT count(*) FROM current_grids p
		CROSS JOIN LATERAL (SELECT ST_Union(c.geom) u FROM current_grids c WHERE c.parent_id = p.id) x
		WHERE p.level < 3 AND (x.u IS NULL OR ST_Area(ST_SymDifference(p.geom, x.u)::geography) > 1)`); n != 0 {
		t.Errorf("%d grids not tiled by their children within 1 m²", n)
	}
	if n := scalar[int64](t, e, `
		SELECT count(*) FROM current_grids a JOIN current_grids b ON a.parent_id = b.parent_id AND a.id < b.id
		WHERE ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 1`); n != 0 {
		t.Errorf("%d sibling pairs overlap by more than 1 m²", n)
	}
}

// TestPlanSplitPublishVersionsRollback splits compound grid 9 in a draft,
// publishes it, and checks the tiling, the reassignment, versions,
// as-of boundaries, the comparison, lineage and a rollback.
func TestPlanSplitPublishVersionsRollback(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	p := planner{t, e.client(t, "planner", auth.Planner, 0)}
	before := time.Now()
	time.Sleep(10 * time.Millisecond)
	d := p.open(2)
	if !d.Validation.OK {
		t.Fatalf("the demo community fails validation: %+v", d.Validation.Problems)
	}
	d = p.mustOp(d, map[string]any{"op": "split", "id": 9, "line": splitLine(t, e, 9, 0.5)})
	parts := d.newIDs()
	if len(parts) != 2 || !d.Validation.OK || !d.CanUndo {
		t.Fatalf("after split: new grids %v, validation %+v", parts, d.Validation)
	}
	var impact struct {
		Buildings []struct{ ID int64 }
		Grids     []struct {
			ID     int64
			Before struct{ Households int }
			After  struct{ Households int }
		}
	}
	if s := p.c.get(fmt.Sprintf("/api/drafts/%d/impact", d.ID), &impact); s != 200 || len(impact.Buildings) == 0 {
		t.Fatalf("impact: %d, %d buildings move", s, len(impact.Buildings))
	}
	hh9 := scalar[int64](t, e, `SELECT count(*) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 AND h.status = 'occupied'`)
	sum := 0
	for _, g := range impact.Grids {
		if slices.Contains(parts, g.ID) {
			sum += g.After.Households
		}
		if g.ID == 9 && (g.Before.Households != int(hh9) || g.After.Households != 0) {
			t.Errorf("grid 9 load %+v, want %d before and 0 after", g, hh9)
		}
	}
	if sum != int(hh9) {
		t.Errorf("the parts hold %d households after, want grid 9's %d", sum, hh9)
	}
	screening := scalar[int64](t, e, `
		INSERT INTO screenings (household_id, day, outcome)
		SELECT min(h.id), current_date, 'normal' FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9
		RETURNING id`)
	r := p.publish(d, "no_leader", "load_rise")
	if r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	var pub struct {
		ID      int64 `json:"publication_id"`
		Added   map[string]int64
		Retired []int64
	}
	json.Unmarshal(r.Body, &pub)
	if len(pub.Added) != 2 || !slices.Equal(pub.Retired, []int64{9}) {
		t.Fatalf("publication %s", r.Body)
	}
	checkTiling(t, e)
	if n := scalar[int64](t, e, `SELECT count(*) FROM buildings WHERE grid_id = 9`); n != 0 {
		t.Errorf("%d buildings still in the retired grid 9", n)
	}
	if g := scalar[int64](t, e, `SELECT grid_id FROM screenings WHERE id = $1`, screening); g != 9 {
		t.Errorf("a past screening report of grid 9 now says grid %d", g)
	}

	// History: grid 9 is retired and says where its area went.
	var hist struct {
		RetiredAt *time.Time `json:"retired_at"`
		Versions  []struct {
			ValidTo *time.Time `json:"valid_to"`
		}
		ReplacedBy []struct {
			ID   int64
			Kind string
		} `json:"replaced_by"`
	}
	if s := p.c.get("/api/grids/9/versions", &hist); s != 200 || hist.RetiredAt == nil || len(hist.ReplacedBy) != 2 ||
		hist.ReplacedBy[0].Kind != "split" || hist.Versions[0].ValidTo == nil {
		t.Errorf("versions of grid 9: %d %+v", s, hist)
	}
	var gone struct {
		ReplacedBy []struct{ ID int64 } `json:"replaced_by"`
	}
	if s := p.c.get("/api/grids/9", &gone); s != 410 || len(gone.ReplacedBy) != 2 {
		t.Errorf("GET /api/grids/9 after the split: %d %+v, want 410 naming 2 grids", s, gone)
	}
	// As of before the publish: the old 23 grids with grid 9; now 24.
	count := func(q string) (n int, has9 bool) {
		var fc struct{ Features []struct{ ID int64 } }
		if s := p.c.get("/api/grids?level=3"+q, &fc); s != 200 {
			t.Fatalf("grids%s: %d", q, s)
		}
		for _, f := range fc.Features {
			has9 = has9 || f.ID == 9
		}
		return len(fc.Features), has9
	}
	if n, has9 := count("&asof=" + before.UTC().Format(time.RFC3339Nano)); n != 23 || !has9 {
		t.Errorf("as of before: %d grids (grid 9: %v), want 23 with 9", n, has9)
	}
	if n, has9 := count(""); n != 24 || has9 {
		t.Errorf("now: %d grids (grid 9: %v), want 24 without 9", n, has9)
	}
	var cmp struct{ Added, Removed, Changed []struct{ ID int64 } }
	if s := p.c.get(fmt.Sprintf("/api/publications/compare?from=1&to=%d", pub.ID), &cmp); s != 200 ||
		len(cmp.Added) != 2 || len(cmp.Removed) != 1 || cmp.Removed[0].ID != 9 || len(cmp.Changed) != 0 {
		t.Errorf("compare: %d %+v", s, cmp)
	}

	// Rollback: grid 9 comes back with its old boundary, the parts retire.
	old9 := scalar[string](t, e, `SELECT ST_AsText(geom) FROM grid_versions WHERE grid_id = 9 AND publication_id = 1`)
	r = p.c.do("POST", fmt.Sprintf("/api/publications/%d/rollback", pub.ID), map[string]any{"note": "undo split"})
	if r.Status != 200 {
		t.Fatalf("rollback: %d %s", r.Status, r.Body)
	}
	if n, has9 := count(""); n != 23 || !has9 {
		t.Errorf("after rollback: %d grids (grid 9: %v), want 23 with 9", n, has9)
	}
	if now9 := scalar[string](t, e, `SELECT ST_AsText(geom) FROM current_grids WHERE id = 9`); now9 != old9 {
		t.Errorf("grid 9 after rollback is %s, want %s", now9, old9)
	}
	checkTiling(t, e)
	// Rolling back the same publication again finds its grids changed.
	if r := p.c.do("POST", fmt.Sprintf("/api/publications/%d/rollback", pub.ID), map[string]any{}); r.Status != 409 {
		t.Errorf("second rollback: %d %s", r.Status, r.Body)
	}
}

// TestPlanMerge merges two neighbouring compound grids and publishes.
func TestPlanMerge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	p := planner{t, e.client(t, "planner", auth.Planner, 0)}
	d := p.open(2)
	d = p.mustOp(d, map[string]any{"op": "merge", "ids": []int64{9, 10}})
	if ids := d.newIDs(); len(ids) != 1 || !d.Validation.OK {
		t.Fatalf("after merge: new %v, problems %+v", ids, d.Validation.Problems)
	}
	if r := p.publish(d); r.Status != 422 || !strings.Contains(string(r.Body), "load_rise") {
		t.Errorf("publish without acknowledging the load rise: %d %s", r.Status, r.Body)
	}
	if r := p.publish(d, "load_rise", "no_leader"); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	checkTiling(t, e)
	if n := scalar[int64](t, e, `SELECT count(*) FROM grid_lineage WHERE kind = 'merge' AND from_grid_id IN (9, 10)`); n != 2 {
		t.Errorf("%d merge lineage rows, want 2", n)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM accounts WHERE grid_id IN (9, 10)`); n != 0 {
		t.Errorf("%d accounts still scoped to a retired grid", n)
	}
	// Party branches follow their members to the merged grid (the
	// database checks at commit that each member's branch is at their grid
	// or above it).
	if n := scalar[int64](t, e, `SELECT count(*) FROM party_branches WHERE grid_id IN (9, 10)`); n != 0 {
		t.Errorf("%d party branches left on a retired grid", n)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM party_members WHERE NOT party_branch_fits(branch_id, grid_id)`); n != 0 {
		t.Errorf("%d members in a branch that does not fit after the merge", n)
	}
}

// TestPlanConcurrentPublish: two planners' drafts of one community; the
// second to publish gets 409 naming the grids, and nothing of the first
// is lost.
func TestPlanConcurrentPublish(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	a := planner{t, e.client(t, "planner-a", auth.Planner, 0)}
	b := planner{t, e.client(t, "planner-b", auth.Planner, 0)}
	da, db := a.open(2), b.open(2)
	da = a.mustOp(da, map[string]any{"op": "split", "id": 9, "line": splitLine(t, e, 9, 0.5)})
	db = b.mustOp(db, map[string]any{"op": "update", "id": 10, "name": "改名网格"})
	// Each planner sees only their own drafts.
	if r := b.c.do("GET", fmt.Sprintf("/api/drafts/%d", da.ID), nil); r.Status != 404 {
		t.Errorf("another planner's draft: %d", r.Status)
	}
	if r := a.publish(da, "no_leader", "load_rise"); r.Status != 200 {
		t.Fatalf("first publish: %d %s", r.Status, r.Body)
	}
	r := b.publish(db, "no_leader", "load_rise")
	if r.Status != 409 || !strings.Contains(string(r.Body), `"grids"`) || !strings.Contains(string(r.Body), `"id":9`) {
		t.Errorf("second publish: %d %s, want 409 naming grid 9", r.Status, r.Body)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM current_grids WHERE parent_id = 2`); n != 4 {
		t.Errorf("community 2 has %d grids after the refused publish, want the first's 4", n)
	}
	if name := scalar[string](t, e, `SELECT name FROM grids WHERE id = 10`); name == "改名网格" {
		t.Errorf("the refused draft's rename was written")
	}
}

// TestPlanValidationCases feeds crafted boundaries for grid 9, through a
// draft and through PUT /api/grids/9/boundary: each is reported with its
// reason and blocks publishing.
func TestPlanValidationCases(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	p := planner{t, e.client(t, "planner", auth.Planner, 0)}
	bld := scalar[int64](t, e, `SELECT min(id) FROM buildings WHERE grid_id = 9`)
	// A square with a spike 3e-8° wide: valid as sent, but rounding to 7
	// decimals folds the spike onto itself.
	x, y := 113.66, 34.75
	spike := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%.7[3]f,%[2]f],[%.7[3]f,%.9[4]f],[%.7[5]f,%.9[6]f],[%.7[3]f,%.9[7]f],[%.7[3]f,%.7[8]f],[%[1]f,%.7[8]f],[%[1]f,%[2]f]]]}`,
		x, y, x+0.001, y+0.00050001, x+0.002, y+0.00050003, y+0.00050004, y+0.001)
	cases := []struct {
		name, want string
		geom       json.RawMessage
	}{
		{"overlap", "overlap", geomSQL(t, e, `SELECT ST_AsGeoJSON(ST_Union(a.geom, ST_Intersection(b.geom, ST_Buffer(a.geom, 0.0003))))
			FROM current_grids a, current_grids b WHERE a.id = 9 AND b.id = 10`)},
		{"gap", "gap", geomSQL(t, e, `SELECT ST_AsGeoJSON(ST_Buffer(geom, -0.00005)) FROM current_grids WHERE id = 9`)},
		{"outside parent", "outside_parent", geomSQL(t, e, `SELECT ST_AsGeoJSON(ST_Buffer(geom, 0.0003)) FROM current_grids WHERE id = 9`)},
		{"self-intersection", "invalid", geomSQL(t, e, `
			SELECT ST_AsGeoJSON(ST_MakePolygon(ST_MakeLine(ARRAY[ST_MakePoint(ST_XMin(b), ST_YMin(b)), ST_MakePoint(ST_XMax(b), ST_YMax(b)),
			       ST_MakePoint(ST_XMax(b), ST_YMin(b)), ST_MakePoint(ST_XMin(b), ST_YMax(b)), ST_MakePoint(ST_XMin(b), ST_YMin(b))])))
			FROM (SELECT geom::box2d b FROM current_grids WHERE id = 9) g`)},
		{"spike lost to rounding", "invalid", json.RawMessage(spike)},
		{"building in two grids", "building_multiple", geomSQL(t, e, `
			SELECT ST_AsGeoJSON(ST_Union(g.geom, ST_Buffer(b.geom::geography, 3)::geometry))
			FROM current_grids g, buildings b WHERE g.id = 10 AND b.id = $1`, bld)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := p.open(2)
			target := int64(9)
			if c.want == "building_multiple" {
				target = 10
			}
			d = p.mustOp(d, map[string]any{"op": "reshape", "grids": []map[string]any{{"id": target, "geometry": c.geom}}})
			if !slices.Contains(d.codes(), c.want) {
				t.Fatalf("problems %v, want %s: %+v", d.codes(), c.want, d.Validation.Problems)
			}
			if c.name == "spike lost to rounding" {
				found := false
				for _, pr := range d.Validation.Problems {
					found = found || (pr.Code == "invalid" && strings.HasPrefix(pr.Detail, "after rounding to 7 decimals"))
				}
				if !found {
					t.Errorf("the spike is not reported as lost to rounding: %+v", d.Validation.Problems)
				}
			}
			if r := p.publish(d, "no_leader", "load_rise"); r.Status != 422 || !strings.Contains(string(r.Body), `"`+c.want+`"`) {
				t.Errorf("publish: %d %s", r.Status, r.Body)
			}
			r := p.c.do("PUT", fmt.Sprintf("/api/grids/%d/boundary", target), map[string]any{"geometry": c.geom})
			if r.Status != 400 && r.Status != 422 {
				t.Errorf("PUT: %d %s, want it refused", r.Status, r.Body)
			}
			p.c.do("DELETE", fmt.Sprintf("/api/drafts/%d", d.ID), nil)
		})
	}
	// A sliver: a split 2 m from the west edge.
	d := p.open(2)
	xmin, xmax := scalar[float64](t, e, `SELECT ST_XMin(geom) FROM current_grids WHERE id = 9`), scalar[float64](t, e, `SELECT ST_XMax(geom) FROM current_grids WHERE id = 9`)
	d = p.mustOp(d, map[string]any{"op": "split", "id": 9, "line": splitLine(t, e, 9, 0.00002/(xmax-xmin))})
	if !slices.Contains(d.codes(), "sliver") {
		t.Errorf("a split 2 m from the edge: problems %v, want sliver", d.codes())
	}
	if r := p.publish(d, "no_leader", "load_rise"); r.Status != 422 {
		t.Errorf("publish with a sliver: %d", r.Status)
	}
	checkTiling(t, e)
	if n := scalar[int64](t, e, `SELECT count(*) FROM boundary_publications`); n != 1 {
		t.Errorf("%d publications, want only the seed's", n)
	}
}

// TestPlanPublishReachesIndexAndStream: a position posted right after a
// publish is assigned by the new boundaries, a viewer's stream carries the
// boundaries event, and a volunteer standing still in a split grid gets no
// enter or exit event for it (the redraw moved the line, not them).
func TestPlanPublishReachesIndexAndStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	p := planner{t, e.client(t, "planner", auth.Planner, 0)}
	v, _, err := dial(t, e, e.client(t, "wall", auth.Viewer, 0), "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "topics": []string{"boundaries", "geofence"}})
	v.next(15*time.Second, func(m message) bool { return m.Type == "snapshot" })
	lon, lat := pointIn(t, e, 9)
	dev := e.device(t, "phone", e.volunteer)
	dev.post(lon, lat, time.Now())
	v.next(15*time.Second, func(m message) bool { return m.Type == "event" && m.Topic == "geofence" && m.Grid == 9 })

	d := p.open(2)
	d = p.mustOp(d, map[string]any{"op": "split", "id": 9, "line": splitLine(t, e, 9, 0.5)})
	r := p.publish(d, "no_leader", "load_rise")
	if r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	var pub struct {
		ID int64 `json:"publication_id"`
	}
	json.Unmarshal(r.Body, &pub)
	part := scalar[int64](t, e, `SELECT id FROM current_grids WHERE level = 3 AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))`, lon, lat)
	dev.post(lon, lat, time.Now())
	deadline := time.Now().Add(5 * time.Second)
	var grid *int64
	for time.Now().Before(deadline) {
		e.conn.QueryRow(context.Background(), `SELECT grid_id FROM latest_positions WHERE volunteer_id = $1`, e.volunteer).Scan(&grid)
		if grid != nil && *grid != 9 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if grid == nil || *grid != part {
		t.Errorf("position right after publish assigned to %v, want the new grid %d", grid, part)
	}
	m := v.next(15*time.Second, func(m message) bool { return m.Type == "event" && m.Topic == "boundaries" })
	if !strings.Contains(string(m.Data), fmt.Sprintf(`"publication_id":%d`, pub.ID)) {
		t.Errorf("boundaries event %s", m.Data)
	}
	// Standing still past the dwell (1 s here): no geofence event.
	time.Sleep(1200 * time.Millisecond)
	dev.post(lon, lat, time.Now())
	v.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	for {
		var m message
		if err := v.conn.ReadJSON(&m); err != nil {
			break
		}
		if m.Type == "event" && m.Topic == "geofence" {
			t.Errorf("a volunteer who did not move got a geofence event after the redraw: %s", m.Data)
		}
	}
}

// TestPlanPublishKeepsOtherChanges: a rename published from one draft and
// a leader set on the grid page survive the publish of an older draft
// that did not touch them; a draft that renamed the same grid otherwise
// gets 409.
func TestPlanPublishKeepsOtherChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	a := planner{t, e.client(t, "planner-a", auth.Planner, 0)}
	b := planner{t, e.client(t, "planner-b", auth.Planner, 0)}
	da, db, dc := a.open(2), b.open(2), b.open(2)
	db = b.mustOp(db, map[string]any{"op": "update", "id": 10, "name": "改名网格"})
	dc = b.mustOp(dc, map[string]any{"op": "update", "id": 10, "name": "另一个名字"})
	if r := b.publish(db, "no_leader", "load_rise"); r.Status != 200 {
		t.Fatalf("rename: %d %s", r.Status, r.Body)
	}
	leader := scalar[int64](t, e, `SELECT min(id) FROM people WHERE home_grid_id = 11`)
	admin := e.client(t, "admin", auth.Admin, 0)
	if r := admin.do("PUT", "/api/grids/11/leader", map[string]any{"leader_id": leader, "client_id": cid()}); r.Status >= 300 {
		t.Fatalf("leader: %d %s", r.Status, r.Body)
	}
	da = a.mustOp(da, map[string]any{"op": "update", "id": 9, "name": "桐柏路61号院(调整)"})
	if r := a.publish(da, "no_leader", "load_rise"); r.Status != 200 {
		t.Fatalf("older draft: %d %s", r.Status, r.Body)
	}
	if name := scalar[string](t, e, `SELECT name FROM grids WHERE id = 10`); name != "改名网格" {
		t.Errorf("grid 10 is called %q after an older draft's publish, want the rename kept", name)
	}
	if l := scalar[int64](t, e, `SELECT leader_id FROM grids WHERE id = 11`); l != leader {
		t.Errorf("grid 11's leader is %d, want %d kept", l, leader)
	}
	if name := scalar[string](t, e, `SELECT name FROM grids WHERE id = 9`); name != "桐柏路61号院(调整)" {
		t.Errorf("grid 9 is called %q, want the draft's rename", name)
	}
	if r := b.publish(dc, "no_leader", "load_rise"); r.Status != 409 || !strings.Contains(string(r.Body), `"id":10`) {
		t.Errorf("a second rename of grid 10: %d %s, want 409 naming it", r.Status, r.Body)
	}
}
