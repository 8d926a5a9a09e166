package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// twoVolunteers returns two volunteers of the demo and their teams' grids.
func twoVolunteers(t testing.TB, db *testdb.DB) (a, b store.VolunteerInfo) {
	t.Helper()
	vs, err := db.Store.Volunteers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) < 2 {
		t.Fatalf("%d volunteers in the demo, want at least 2", len(vs))
	}
	return vs[0], vs[len(vs)-1]
}

func TestVolunteers(t *testing.T) {
	t.Parallel()
	db := testdb.Demo(t)
	vs, err := db.Store.Volunteers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	teams := map[int64]bool{}
	for i, v := range vs {
		if i > 0 && v.PersonID <= vs[i-1].PersonID {
			t.Fatalf("volunteers not in person order at %d", i)
		}
		if v.TeamID == 0 || v.TeamName == "" || len(v.TeamColour) != 7 || v.TeamGridID == 0 {
			t.Errorf("volunteer %+v: team fields missing", v)
		}
		teams[v.TeamID] = true
	}
	if len(teams) != 11 {
		t.Errorf("volunteers in %d teams, want the report's 11", len(teams))
	}
}

// TestWritePositionsAcrossDays writes a batch straddling UTC midnight into
// an empty table: both partitions are made on the way, and each row lands
// in its own day's partition.
func TestWritePositionsAcrossDays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	conn := connect(t, db)
	a, b := twoVolunteers(t, db)
	midnight := time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)
	batch := []model.Position{
		{VolunteerID: a.PersonID, At: midnight.Add(-2 * time.Second), Lon: 113.63, Lat: 34.755, Accuracy: 8, GridID: 9},
		{VolunteerID: b.PersonID, At: midnight.Add(-time.Microsecond), Lon: 113.631, Lat: 34.756},
		{VolunteerID: a.PersonID, At: midnight, Lon: 113.632, Lat: 34.757, Accuracy: 5, GridID: 10},
		{VolunteerID: b.PersonID, At: midnight.Add(3 * time.Second), Lon: 113.633, Lat: 34.758, GridID: 11},
	}
	if err := db.Store.WritePositions(ctx, batch); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT tableoid::regclass::text, at FROM positions ORDER BY at`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var part string
		var at time.Time
		if err := rows.Scan(&part, &at); err != nil {
			t.Fatal(err)
		}
		got = append(got, part+" "+at.UTC().Format(time.RFC3339Nano))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"positions_20240301 2024-03-01T23:59:58Z",
		"positions_20240301 2024-03-01T23:59:59.999999Z",
		"positions_20240302 2024-03-02T00:00:00Z",
		"positions_20240302 2024-03-02T00:00:03Z",
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows by partition\n got %q\nwant %q", got, want)
	}
}

// TestLatestPositions checks that the newest fix wins, within a batch and
// across batches, even when an older batch arrives after a newer one; and
// that the grid filter works.
func TestLatestPositions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	a, b := twoVolunteers(t, db)
	t0 := time.Date(2024, 3, 2, 8, 0, 0, 0, time.UTC)
	write := func(ps ...model.Position) {
		t.Helper()
		if err := db.Store.WritePositions(ctx, ps); err != nil {
			t.Fatal(err)
		}
	}
	// One batch, a's fixes out of order: the newest, in the middle, wins.
	write(
		model.Position{VolunteerID: a.PersonID, At: t0.Add(10 * time.Second), Lon: 113.60, Lat: 34.70, GridID: 9},
		model.Position{VolunteerID: a.PersonID, At: t0.Add(30 * time.Second), Lon: 113.61, Lat: 34.71, Accuracy: 4.5, GridID: 10},
		model.Position{VolunteerID: a.PersonID, At: t0.Add(20 * time.Second), Lon: 113.62, Lat: 34.72, GridID: 11},
		model.Position{VolunteerID: b.PersonID, At: t0, Lon: 113.63, Lat: 34.73},
	)
	// A late batch with older fixes changes nothing; b's newer one counts.
	write(
		model.Position{VolunteerID: a.PersonID, At: t0.Add(25 * time.Second), Lon: 1, Lat: 1, GridID: 12},
		model.Position{VolunteerID: b.PersonID, At: t0.Add(time.Minute), Lon: 113.64, Lat: 34.74, GridID: 12},
	)
	// The day before, arriving last of all.
	write(model.Position{VolunteerID: b.PersonID, At: t0.Add(-24 * time.Hour), Lon: 2, Lat: 2, GridID: 9})

	wantA := model.Position{VolunteerID: a.PersonID, At: t0.Add(30 * time.Second), Lon: 113.61, Lat: 34.71, Accuracy: 4.5, GridID: 10}
	wantB := model.Position{VolunteerID: b.PersonID, At: t0.Add(time.Minute), Lon: 113.64, Lat: 34.74, GridID: 12}
	tests := []struct {
		name    string
		inGrids []int64
		want    []model.Position
	}{
		{"all", nil, []model.Position{wantA, wantB}},
		{"one grid", []int64{10}, []model.Position{wantA}},
		{"two grids", []int64{12, 10, 99}, []model.Position{wantA, wantB}},
		{"a grid nobody is in", []int64{9}, nil},
		{"empty list is nothing", []int64{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Store.LatestPositions(ctx, tt.inGrids)
			if err != nil {
				t.Fatal(err)
			}
			if !equalPositions(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestLatestPositionsUnknownVolunteer(t *testing.T) {
	t.Parallel()
	db := testdb.Demo(t)
	err := db.Store.WritePositions(context.Background(), []model.Position{{VolunteerID: 987654, At: time.Now(), Lon: 113.6, Lat: 34.7}})
	if err == nil {
		t.Fatal("position of an unknown person written")
	}
	var n int
	connect(t, db).QueryRow(context.Background(), `SELECT count(*) FROM positions`).Scan(&n)
	if n != 0 {
		t.Errorf("%d rows in positions after a failed batch, want 0 (one transaction)", n)
	}
}

func TestTrail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	a, b := twoVolunteers(t, db)
	t0 := time.Date(2024, 3, 1, 23, 59, 0, 0, time.UTC)
	var batch []model.Position
	for _, s := range []int{90, 0, 30, 120, 60} { // written out of order, across midnight
		batch = append(batch,
			model.Position{VolunteerID: a.PersonID, At: t0.Add(time.Duration(s) * time.Second), Lon: 113.6 + float64(s)/1e4, Lat: 34.7},
			model.Position{VolunteerID: b.PersonID, At: t0.Add(time.Duration(s) * time.Second), Lon: 113.5, Lat: 34.7})
	}
	if err := db.Store.WritePositions(ctx, batch); err != nil {
		t.Fatal(err)
	}
	got, err := db.Store.Trail(ctx, a.PersonID, t0.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var secs []int
	for _, p := range got {
		if p.VolunteerID != a.PersonID {
			t.Errorf("trail of %d holds %+v", a.PersonID, p)
		}
		secs = append(secs, int(p.At.Sub(t0)/time.Second))
	}
	if want := []int{30, 60, 90, 120}; !slices.Equal(secs, want) {
		t.Errorf("trail at seconds %v, want %v", secs, want)
	}
}

// TestDropPositionsBefore keeps today's partition and drops one ten days
// old, with a seven-day retention.
func TestDropPositionsBefore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	conn := connect(t, db)
	a, _ := twoVolunteers(t, db)
	now := time.Now()
	old := now.AddDate(0, 0, -10)
	if err := db.Store.WritePositions(ctx, []model.Position{
		{VolunteerID: a.PersonID, At: old, Lon: 113.6, Lat: 34.7},
		{VolunteerID: a.PersonID, At: now, Lon: 113.6, Lat: 34.7},
	}); err != nil {
		t.Fatal(err)
	}
	// A partition that does not follow the naming rule is never dropped.
	if _, err := conn.Exec(ctx, `CREATE TABLE positions_archive PARTITION OF positions FOR VALUES FROM ('2001-01-01') TO ('2001-02-01')`); err != nil {
		t.Fatal(err)
	}
	cutoff := now.AddDate(0, 0, -7)
	dropped, err := db.Store.DropPositionsBefore(ctx, cutoff)
	if err != nil {
		t.Fatal(err)
	}
	wantName := "positions_" + old.UTC().Format("20060102")
	if !slices.Equal(dropped, []string{wantName}) {
		t.Errorf("dropped %q, want [%s]", dropped, wantName)
	}
	var parts []string
	rows, err := conn.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'positions'::regclass ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		rows.Scan(&p)
		parts = append(parts, p)
	}
	if want := []string{"positions_" + now.UTC().Format("20060102"), "positions_archive"}; !slices.Equal(parts, want) {
		t.Errorf("partitions left %q, want %q", parts, want)
	}
	trail, err := db.Store.Trail(ctx, a.PersonID, time.Time{})
	if err != nil || len(trail) != 1 {
		t.Errorf("trail after retention: %d positions (%v), want today's 1", len(trail), err)
	}
	// Again: nothing more to drop.
	if dropped, err := db.Store.DropPositionsBefore(ctx, cutoff); err != nil || len(dropped) != 0 {
		t.Errorf("second drop: %q, %v; want nothing", dropped, err)
	}
}

// TestEnsurePositionPartitionsConcurrent runs several makers of the same
// days at once, as several instances starting at midnight would.
func TestEnsurePositionPartitionsConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	conn := connect(t, db)
	for round := range 5 {
		from := time.Date(2030, 1, 1+10*round, 12, 0, 0, 0, time.UTC) // mid-day: the day is still covered
		to := from.AddDate(0, 0, 7)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { errs[i] = db.Store.EnsurePositionPartitions(ctx, from, to) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'positions'::regclass`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 5*8 {
		t.Errorf("%d partitions, want 40 (5 rounds of 8 days)", n)
	}
	// Idempotent.
	if err := db.Store.EnsurePositionPartitions(ctx, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 3, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}

func TestEnsurePositionPartitionsLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	day := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		from, to time.Time
		wantErr  bool
	}{
		{"empty range", day, day, false},
		{"backwards", day, day.AddDate(0, 0, -3), false},
		{"a year", day, day.AddDate(1, 0, 0), false},
		{"a wrong century", day, day.AddDate(100, 0, 0), true},
		{"year 10000", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 2, 0, 0, 0, 0, time.UTC), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Store.EnsurePositionPartitions(ctx, tt.from, tt.to)
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func event(topic string, grid, volunteer int64, at time.Time) store.LiveEvent {
	return store.LiveEvent{At: at, Topic: topic, GridID: grid, VolunteerID: volunteer,
		Payload: json.RawMessage(fmt.Sprintf(`{"grid": %d, "topic": %q}`, grid, topic))}
}

func TestLiveEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	st := db.Store
	if last, err := st.LastEventSeq(ctx); err != nil || last != 0 {
		t.Fatalf("LastEventSeq on an empty table = %d, %v; want 0", last, err)
	}
	if oldest, err := st.OldestEventSeq(ctx); err != nil || oldest != 1 {
		t.Fatalf("OldestEventSeq before any event = %d, %v; want 1, the first to be drawn", oldest, err)
	}
	t0 := time.Date(2024, 3, 2, 8, 0, 0, 0, time.UTC)
	first, err := st.AppendEvents(ctx, []store.LiveEvent{
		event("positions", 9, 100, t0),
		event("geofence", 10, 100, t0.Add(time.Second)),
		event("boundaries", 0, 0, t0.Add(2*time.Second)),
	})
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.AppendEvents(ctx, []store.LiveEvent{
		event("alerts", 9, 0, t0.Add(time.Hour)),
		event("positions", 11, 101, t0.Add(time.Hour)),
	})
	if err != nil {
		t.Fatal(err)
	}
	all := append(first, second...)
	for i := range all {
		if i > 0 && all[i].Seq <= all[i-1].Seq {
			t.Fatalf("seqs not strictly increasing: %d then %d", all[i-1].Seq, all[i].Seq)
		}
	}
	if last, err := st.LastEventSeq(ctx); err != nil || last != all[4].Seq {
		t.Errorf("LastEventSeq = %d, %v; want %d", last, err, all[4].Seq)
	}
	if oldest, err := st.OldestEventSeq(ctx); err != nil || oldest != all[0].Seq {
		t.Errorf("OldestEventSeq = %d, %v; want %d", oldest, err, all[0].Seq)
	}

	tests := []struct {
		name   string
		after  int64
		grids  []int64
		topics []string
		limit  int
		want   []int // indexes into all
	}{
		{"everything", 0, nil, nil, 100, []int{0, 1, 2, 3, 4}},
		{"after a seq", all[1].Seq, nil, nil, 100, []int{2, 3, 4}},
		{"limit", 0, nil, nil, 2, []int{0, 1}},
		{"one grid", 0, []int64{9}, nil, 100, []int{0, 3}},
		{"grids leave out gridless events", 0, []int64{9, 10, 11}, nil, 100, []int{0, 1, 3, 4}},
		{"topic", 0, nil, []string{"positions"}, 100, []int{0, 4}},
		{"grid and topic", 0, []int64{9}, []string{"positions", "geofence"}, 100, []int{0}},
		{"no grids", 0, []int64{}, nil, 100, nil},
		{"no topics", 0, nil, []string{}, 100, nil},
		{"caught up", all[4].Seq, nil, nil, 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := st.EventsSince(ctx, tt.after, tt.grids, tt.topics, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var want []store.LiveEvent
			for _, i := range tt.want {
				want = append(want, all[i])
			}
			if len(got) != len(want) {
				t.Fatalf("got %d events, want %d: %+v", len(got), len(want), got)
			}
			for i := range got {
				g, w := got[i], want[i]
				var gp, wp any
				json.Unmarshal(g.Payload, &gp)
				json.Unmarshal(w.Payload, &wp)
				if g.Seq != w.Seq || !g.At.Equal(w.At) || g.Topic != w.Topic || g.GridID != w.GridID ||
					g.VolunteerID != w.VolunteerID || fmt.Sprint(gp) != fmt.Sprint(wp) {
					t.Errorf("event %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
		})
	}

	n, err := st.DropEventsBefore(ctx, t0.Add(time.Minute))
	if err != nil || n != 3 {
		t.Errorf("DropEventsBefore = %d, %v; want 3", n, err)
	}
	if got, _ := st.EventsSince(ctx, 0, nil, nil, 100); len(got) != 2 {
		t.Errorf("%d events after retention, want 2", len(got))
	}
	if oldest, err := st.OldestEventSeq(ctx); err != nil || oldest != all[3].Seq {
		t.Errorf("OldestEventSeq after retention = %d, %v; want %d", oldest, err, all[3].Seq)
	}
	// Retention that empties the table: replay can deliver nothing older
	// than the next number.
	if _, err := st.DropEventsBefore(ctx, t0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if oldest, err := st.OldestEventSeq(ctx); err != nil || oldest != all[4].Seq+1 {
		t.Errorf("OldestEventSeq with no events left = %d, %v; want %d", oldest, err, all[4].Seq+1)
	}
}

func TestAppendEventsRejects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	now := time.Now()
	tests := []struct {
		name string
		ev   store.LiveEvent
		ref  bool // rejected by the database as a bad value
	}{
		{"unknown topic", event("gossip", 9, 0, now), true},
		{"no time", event("alerts", 9, 0, time.Time{}), false},
		{"no payload", store.LiveEvent{At: now, Topic: "alerts"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.Store.AppendEvents(ctx, []store.LiveEvent{event("alerts", 9, 0, now), tt.ev})
			if err == nil {
				t.Fatal("accepted")
			}
			if got := errors.Is(err, store.ErrBadReference); got != tt.ref {
				t.Errorf("err = %v; is ErrBadReference: %v, want %v", err, got, tt.ref)
			}
		})
	}
	if last, _ := db.Store.LastEventSeq(ctx); last != 0 {
		t.Errorf("LastEventSeq = %d after rejected batches, want 0: a batch is all or nothing", last)
	}
	if _, err := db.Store.EventsSince(ctx, 0, nil, nil, 0); err == nil {
		t.Error("EventsSince with limit 0 accepted")
	}
}

// TestAppendEventsConcurrent appends from several goroutines while a
// reader follows with EventsSince: the reader must see every event, in
// order, with no number it has passed showing up later.
func TestAppendEventsConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	const writers, batches, size = 4, 25, 3
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() {
			for range batches {
				evs := make([]store.LiveEvent, size)
				for i := range evs {
					evs[i] = event("positions", int64(9+w), 0, time.Now())
				}
				if _, err := db.Store.AppendEvents(ctx, evs); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	seen, after := 0, int64(0)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		evs, err := db.Store.EventsSince(ctx, after, nil, nil, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Seq <= after {
				t.Fatalf("seq %d after %d", e.Seq, after)
			}
			after = e.Seq
			seen++
		}
		if finished && len(evs) == 0 {
			break
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if seen != writers*batches*size {
		t.Errorf("reader saw %d events, want %d", seen, writers*batches*size)
	}
}

func equalPositions(got, want []model.Position) bool {
	return slices.EqualFunc(got, want, func(g, w model.Position) bool {
		return g.VolunteerID == w.VolunteerID && g.At.Equal(w.At) && g.Lon == w.Lon && g.Lat == w.Lat &&
			g.Accuracy == w.Accuracy && g.GridID == w.GridID
	})
}

func BenchmarkWritePositions(b *testing.B) {
	const size = 5000
	ctx := context.Background()
	db := testdb.Demo(b)
	vs, err := db.Store.Volunteers(ctx)
	if err != nil {
		b.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	batch := make([]model.Position, size)
	// The partition exists before timing: a day's first batch is not the
	// steady state.
	if err := db.Store.EnsurePositionPartitions(ctx, at, at.Add(2*time.Hour)); err != nil {
		b.Fatal(err)
	}
	rows := 0
	for b.Loop() {
		for i := range batch {
			at = at.Add(time.Millisecond)
			batch[i] = model.Position{VolunteerID: vs[i%len(vs)].PersonID, At: at,
				Lon: 113.62 + float64(i%100)*1e-4, Lat: 34.75 + float64(i/100)*1e-4, Accuracy: 6, GridID: int64(9 + i%23)}
		}
		if err := db.Store.WritePositions(ctx, batch); err != nil {
			b.Fatal(err)
		}
		rows += size
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
