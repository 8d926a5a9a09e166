package server_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

type arrivalsAnswer struct {
	Day      string          `json:"day"`
	Arrivals []store.Arrival `json:"arrivals"`
}

// TestArrivals: a grid leader enters people arriving in households of
// their grid; the roster counts each one's days of observation left per
// local day, those still observed first, says whether their household was
// screened today, and masks names for a viewer; scope, bad input naming
// the field, and a retried write stored once.
func TestArrivals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "arr-leader", auth.GridLeader, 9)
	viewer := e.client(t, "arr-viewer", auth.Viewer, 0)
	households := scalar[[]int64](t, e, `SELECT array_agg(h.id ORDER BY h.id) FROM households h
		JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = 9 AND h.status = 'occupied'`)
	outside := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id <> 9`)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	today := time.Now().In(loc)
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }

	post := func(c *client, body string) response {
		t.Helper()
		return c.do("POST", "/api/arrivals", body)
	}
	var first store.Arrival
	r := post(leader, fmt.Sprintf(`{"client_id": "arr-0001", "household_id": %d, "name": "王返乡", "phone": "13800000001",
		"kind": "returnee", "origin": "湖北省武汉市", "arrived_on": %q, "observe_days": 14}`, households[0], day(-3)))
	if r.Status != 201 || json.Unmarshal(r.Body, &first) != nil {
		t.Fatalf("post: %d %s", r.Status, r.Body)
	}
	if first.DaysLeft != 11 || first.ObserveUntil != day(10) || first.Grid != 9 || first.ScreenedToday {
		t.Errorf("arrived 3 days ago for 14: %+v; want 11 days left until %s", first, day(10))
	}
	// The same write again: the first answer, one row.
	if again := post(leader, fmt.Sprintf(`{"client_id": "arr-0001", "household_id": %d, "name": "王返乡", "kind": "returnee", "origin": "湖北省武汉市"}`, households[0])); again.Status != 201 || string(again.Body) != string(r.Body) {
		t.Errorf("retry: %d %s", again.Status, again.Body)
	}
	if n := scalar[int](t, e, `SELECT count(*) FROM arrivals`); n != 1 {
		t.Errorf("%d arrivals stored after a retry", n)
	}
	// Today by default, 14 days; one who finished observing 5 days ago.
	if r := post(leader, fmt.Sprintf(`{"client_id": "arr-0002", "household_id": %d, "name": "李外来", "kind": "arrival", "origin": "外省"}`, households[1])); r.Status != 201 {
		t.Fatalf("post today: %d %s", r.Status, r.Body)
	}
	if r := post(leader, fmt.Sprintf(`{"client_id": "arr-0003", "household_id": %d, "name": "赵已满", "kind": "returnee", "origin": "北京", "arrived_on": %q, "observe_days": 7}`, households[2], day(-12))); r.Status != 201 {
		t.Fatalf("post done: %d %s", r.Status, r.Body)
	}
	fieldPost(t, leader, "/api/screenings", map[string]any{"household_id": households[0], "outcome": "normal"}, 201)

	var a arrivalsAnswer
	if st := leader.get("/api/arrivals", &a); st != 200 {
		t.Fatalf("get: %d", st)
	}
	if a.Day != day(0) || len(a.Arrivals) != 3 {
		t.Fatalf("roster of %s: %+v", a.Day, a.Arrivals)
	}
	got := []string{}
	for _, x := range a.Arrivals {
		got = append(got, fmt.Sprintf("%s:%d:%v", x.Name, x.DaysLeft, x.ScreenedToday))
	}
	if want := []string{"王返乡:11:true", "李外来:14:false", "赵已满:0:false"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("roster %v, want %v (observed first, fewest days left first)", got, want)
	}
	var masked arrivalsAnswer
	viewer.get("/api/arrivals?grid=9", &masked)
	if len(masked.Arrivals) != 3 || masked.Arrivals[0].Name != "王**" || masked.Arrivals[0].Phone == nil || *masked.Arrivals[0].Phone == "13800000001" {
		t.Errorf("a viewer sees %+v; want names and phones masked", masked.Arrivals)
	}

	for _, c := range []struct {
		name, body, field string
		status            int
	}{
		{"outside the grid", fmt.Sprintf(`{"household_id": %d, "name": "某", "kind": "arrival", "origin": "外省"}`, outside), "household_id", 403},
		{"no household", `{"name": "某", "kind": "arrival", "origin": "外省"}`, "household_id", 400},
		{"no name", fmt.Sprintf(`{"household_id": %d, "kind": "arrival", "origin": "外省"}`, households[3]), "name", 400},
		{"bad kind", fmt.Sprintf(`{"household_id": %d, "name": "某", "kind": "tourist", "origin": "外省"}`, households[3]), "kind", 400},
		{"no origin", fmt.Sprintf(`{"household_id": %d, "name": "某", "kind": "arrival"}`, households[3]), "origin", 400},
		{"tomorrow", fmt.Sprintf(`{"household_id": %d, "name": "某", "kind": "arrival", "origin": "外省", "arrived_on": %q}`, households[3], day(1)), "arrived_on", 400},
		{"long ago", fmt.Sprintf(`{"household_id": %d, "name": "某", "kind": "arrival", "origin": "外省", "arrived_on": %q}`, households[3], day(-90)), "arrived_on", 400},
		{"bad day", fmt.Sprintf(`{"household_id": %d, "name": "某", "kind": "arrival", "origin": "外省", "arrived_on": "3/12"}`, households[3]), "arrived_on", 400},
		{"too many days", fmt.Sprintf(`{"household_id": %d, "name": "某", "kind": "arrival", "origin": "外省", "observe_days": 61}`, households[3]), "observe_days", 400},
		{"bad phone", fmt.Sprintf(`{"household_id": %d, "name": "某", "kind": "arrival", "origin": "外省", "phone": "call me"}`, households[3]), "phone", 400},
	} {
		body := c.body[:1] + fmt.Sprintf(`"client_id": "arr-bad-%d", `, time.Now().UnixNano()) + c.body[1:]
		if r := post(leader, body); r.Status != c.status || r.Error.Field != c.field {
			t.Errorf("%s: %d %+v; want %d naming %s", c.name, r.Status, r.Error, c.status, c.field)
		}
	}
	if n := scalar[int](t, e, `SELECT count(*) FROM arrivals`); n != 3 {
		t.Errorf("%d arrivals stored; the refused writes stored some", n)
	}
	other := e.client(t, "arr-other", auth.GridLeader, 10)
	if r := other.do("GET", "/api/arrivals?grid=9", nil); r.Status != 403 || r.Error.Field != "grid" {
		t.Errorf("a leader of grid 10 reading grid 9's roster: %d %+v", r.Status, r.Error)
	}
	var none arrivalsAnswer
	if st := other.get("/api/arrivals", &none); st != 200 || len(none.Arrivals) != 0 {
		t.Errorf("grid 10's roster: %d %+v", st, none.Arrivals)
	}
}
