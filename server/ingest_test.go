package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/geo"
	"github.com/gridmap/gridmap/server"
	"github.com/paulmach/orb"
)

// TestPositionIngest checks what a device may post: its own volunteer's
// fixes, in range and in time, in batches of at most 500, WGS84 or
// GCJ-02 (converted), and that accepted fixes reach PostGIS.
func TestPositionIngest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	id := volunteers(t, e, 1)[0]
	d := e.device(t, "phone", id)
	lon, lat := pointIn(t, e, 9)
	now := time.Now().UTC()
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339Nano) }
	fix := func(lon, lat float64, when string) string {
		return fmt.Sprintf(`{"lon": %v, "lat": %v, "accuracy": 5, "at": %q}`, lon, lat, when)
	}
	many := make([]string, 501)
	for i := range many {
		many[i] = fix(lon, lat, at(0))
	}
	tests := []struct {
		name, body string
		status     int
		field      string
	}{
		{"longitude", `{"positions": [` + fix(190, lat, at(0)) + `]}`, 400, "positions[0].lon"},
		{"latitude", `{"positions": [` + fix(lon, lat, at(0)) + `,` + fix(lon, -91, at(0)) + `]}`, 400, "positions[1].lat"},
		{"future", `{"positions": [` + fix(lon, lat, at(2*time.Minute)) + `]}`, 400, "positions[0].at"},
		{"too old", `{"positions": [` + fix(lon, lat, at(-time.Hour)) + `]}`, 400, "positions[0].at"},
		{"no time", `{"positions": [{"lon": 113.6, "lat": 34.7}]}`, 400, "positions[0].at"},
		{"crs", `{"positions": [{"lon": 113.6, "lat": 34.7, "at": "` + at(0) + `", "crs": "bd09"}]}`, 400, "positions[0].crs"},
		{"oversized batch", `{"positions": [` + strings.Join(many, ",") + `]}`, 400, "positions"},
		{"empty", `{"positions": []}`, 400, "positions"},
		{"someone else's", `{"volunteer_id": 1, "positions": [` + fix(lon, lat, at(0)) + `]}`, 400, "volunteer_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d.c.t = t
			r := d.c.do("POST", "/api/positions", tt.body)
			if r.Status != tt.status || r.Error.Field != tt.field {
				t.Errorf("%d field %q (%.200s), want %d %q", r.Status, r.Error.Field, r.Body, tt.status, tt.field)
			}
		})
	}
	// A device whose person is not a volunteer may not report.
	stranger := scalar[int64](t, e, `SELECT min(id) FROM people WHERE id NOT IN (SELECT person_id FROM volunteers)`)
	sd := e.device(t, "stranger", stranger)
	if r := sd.c.do("POST", "/api/positions", `{"positions": [`+fix(lon, lat, at(0))+`]}`); r.Status != 403 {
		t.Errorf("non-volunteer device: %d %s", r.Status, r.Body)
	}
	// Nothing refused reached the database.
	if n := scalar[int64](t, e, `SELECT count(*) FROM positions`); n != 0 {
		t.Fatalf("%d positions stored after refused batches", n)
	}

	// A GCJ-02 fix is stored in WGS84, in its grid.
	g := geo.WGS84ToGCJ02(orb.Point{lon, lat})
	d.c.t = t
	if r := d.c.do("POST", "/api/positions", fmt.Sprintf(`{"positions": [{"lon": %v, "lat": %v, "at": %q, "crs": "gcj02"}]}`, g[0], g[1], at(0))); r.Status != 202 {
		t.Fatalf("gcj02 fix: %d %s", r.Status, r.Body)
	}
	var gotLon, gotLat float64
	var grid int64
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := e.conn.QueryRow(context.Background(), `SELECT lon, lat, grid_id FROM latest_positions WHERE volunteer_id = $1`, id).Scan(&gotLon, &gotLat, &grid)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if d := geo.NewLocal(orb.Point{lon, lat}).ToMetres(orb.Point{gotLon, gotLat}); d[0]*d[0]+d[1]*d[1] > 0.01 || grid != 9 {
		t.Errorf("stored %v,%v in grid %d; want %v,%v in grid 9", gotLon, gotLat, grid, lon, lat)
	}
	// Viewers may not post positions.
	if r := e.client(t, "wall", auth.Viewer, 0).do("POST", "/api/positions", `{"positions": []}`); r.Status != 403 {
		t.Errorf("viewer posting: %d", r.Status)
	}
}
