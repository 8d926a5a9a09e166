package store_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/model"
)

// TestCompactPositions compacts a simulated hour of every demo
// volunteer's fixes (one every 1 to 9 s) and reads the same trails back
// through Trail and PositionsBetween: every point, in the same order,
// within 1e-7° and 1 s. A fix that arrives after its hour was compacted
// is merged into the hour by the next compaction. Bytes per stored
// position, as rows (table and index) and as segments, are logged and the
// segments held to 16.
func TestCompactPositions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	conn := connect(t, db)
	vs, err := db.Store.Volunteers(ctx)
	if err != nil || len(vs) < 2 {
		t.Fatalf("%d volunteers: %v", len(vs), err)
	}
	hour := time.Now().UTC().Truncate(time.Hour).Add(-3 * time.Hour)
	r := rand.New(rand.NewPCG(7, 8))
	trails := map[int64][]model.Position{}
	var all []model.Position
	for _, v := range vs {
		at := hour.Add(time.Duration(r.IntN(5000)) * time.Millisecond)
		lon, lat := 113.65+r.Float64()*0.01, 34.75+r.Float64()*0.01
		for at.Before(hour.Add(time.Hour)) {
			p := model.Position{VolunteerID: v.PersonID, GridID: 9, At: at, Lon: lon, Lat: lat, Accuracy: float32(3 + r.IntN(20))}
			trails[v.PersonID] = append(trails[v.PersonID], p)
			all = append(all, p)
			at = at.Add(time.Duration(1000+r.IntN(8000)) * time.Millisecond)
			lon += (r.Float64() - 0.5) * 1e-4
			lat += (r.Float64() - 0.5) * 1e-4
		}
	}
	// A fix of the hour after, which stays a row.
	recent := model.Position{VolunteerID: vs[0].PersonID, GridID: 9, At: time.Now().Add(-time.Minute), Lon: 113.66, Lat: 34.76}
	if err := db.Store.WritePositions(ctx, append(all, recent)); err != nil {
		t.Fatal(err)
	}
	var rowBytes float64
	if err := conn.QueryRow(ctx, `SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'positions'::regclass`).Scan(&rowBytes); err != nil {
		t.Fatal(err)
	}

	moved, err := db.Store.CompactPositions(ctx, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if moved != int64(len(all)) {
		t.Errorf("moved %d fixes, want the hour's %d", moved, len(all))
	}
	var left, segs, n int64
	var segBytes float64
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM positions), (SELECT count(*) FROM position_segments),
		(SELECT sum(n) FROM position_segments), pg_total_relation_size('position_segments')`).Scan(&left, &segs, &n, &segBytes); err != nil {
		t.Fatal(err)
	}
	if left != 1 || segs != int64(len(vs)) || n != int64(len(all)) {
		t.Errorf("after compaction: %d rows left (want the recent one), %d segments of %d fixes (want %d of %d)", left, segs, n, len(vs), len(all))
	}
	perRow, perSeg := rowBytes/float64(len(all)+1), segBytes/float64(n)
	t.Logf("%d fixes of %d volunteers: %.0f bytes a fix as rows with their index, %.1f in segments", len(all), len(vs), perRow, perSeg)
	if perSeg > 16 {
		t.Errorf("%.1f bytes a fix in segments, want at most 16", perSeg)
	}

	same := func(what string, got, want []model.Position) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d fixes, want %d", what, len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			if g.VolunteerID != w.VolunteerID || math.Abs(g.Lon-w.Lon) > 1e-7 || math.Abs(g.Lat-w.Lat) > 1e-7 ||
				g.At.Sub(w.At).Abs() >= time.Second || g.GridID != w.GridID {
				t.Fatalf("%s: fix %d is %+v, want %+v", what, i, g, w)
			}
		}
	}
	for _, v := range vs {
		got, err := db.Store.Trail(ctx, v.PersonID, hour.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := trails[v.PersonID]
		if v.PersonID == recent.VolunteerID {
			want = append(append([]model.Position{}, want...), recent)
		}
		same("trail", got, want)
	}
	// Half an hour of two volunteers, as a day's playback reads them.
	ids := []int64{vs[0].PersonID, vs[1].PersonID}
	from, to := hour.Add(10*time.Minute), hour.Add(40*time.Minute)
	var want []model.Position
	for _, id := range ids {
		for _, p := range trails[id] {
			if !p.At.Before(from) && p.At.Before(to) {
				want = append(want, p)
			}
		}
	}
	got, err := db.Store.PositionsBetween(ctx, ids, from, to)
	if err != nil {
		t.Fatal(err)
	}
	same("between", got, want)

	// A late fix of the compacted hour.
	late := model.Position{VolunteerID: vs[1].PersonID, GridID: 9, At: hour.Add(30*time.Minute + 123*time.Millisecond), Lon: 113.7, Lat: 34.8}
	if err := db.Store.WritePositions(ctx, []model.Position{late}); err != nil {
		t.Fatal(err)
	}
	if moved, err := db.Store.CompactPositions(ctx, time.Now().Add(-time.Hour)); err != nil || moved != 1 {
		t.Fatalf("second compaction moved %d: %v", moved, err)
	}
	got, err = db.Store.Trail(ctx, vs[1].PersonID, hour)
	if err != nil {
		t.Fatal(err)
	}
	want = nil
	inserted := false
	for _, p := range trails[vs[1].PersonID] {
		if !inserted && p.At.After(late.At) {
			want, inserted = append(want, late), true
		}
		want = append(want, p)
	}
	same("trail with the late fix", got, want)

	// Retention drops whole hours.
	if n, err := db.Store.DropSegmentsBefore(ctx, hour.Add(time.Hour)); err != nil || n != int64(len(vs)) {
		t.Errorf("retention dropped %d segments: %v", n, err)
	}
}
