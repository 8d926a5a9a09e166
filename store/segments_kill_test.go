package store_test

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// compactChildEnv names the database TestCompactPositionsChild compacts.
const compactChildEnv = "GRIDMAP_COMPACT_CHILD_DB"

// TestCompactPositionsChild is the process TestCompactPositionsKilled
// kills: it compacts the database named by compactChildEnv, five
// volunteers a transaction. Without the variable it does nothing.
func TestCompactPositionsChild(t *testing.T) {
	st := childStore(t, compactChildEnv)
	if _, err := st.CompactPositionsBy(context.Background(), time.Now().Add(-time.Hour), 5); err != nil {
		t.Fatal(err)
	}
}

// TestCompactPositionsKilled kills (SIGKILL) a process in the middle of a
// compaction of three hours of every demo volunteer's fixes, then counts:
// every fix is there once, as a row or in a segment, and reads back through
// PositionsBetween; a compaction run after it finishes the job with
// nothing lost or doubled.
func TestCompactPositionsKilled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	conn := connect(t, db)
	vs, err := db.Store.Volunteers(ctx)
	if err != nil || len(vs) < 50 {
		t.Fatalf("%d volunteers: %v", len(vs), err)
	}
	start := time.Now().UTC().Truncate(time.Hour).Add(-4 * time.Hour)
	r := rand.New(rand.NewPCG(3, 4))
	var all []model.Position
	ids := make([]int64, len(vs))
	for i, v := range vs {
		ids[i] = v.PersonID
		lon, lat := 113.65+r.Float64()*0.01, 34.75+r.Float64()*0.01
		for at := start.Add(time.Duration(r.IntN(4000)) * time.Millisecond); at.Before(start.Add(3 * time.Hour)); at = at.Add(time.Duration(2000+r.IntN(8000)) * time.Millisecond) {
			all = append(all, model.Position{VolunteerID: v.PersonID, GridID: 9, At: at, Lon: lon, Lat: lat, Accuracy: 5})
			lon += (r.Float64() - 0.5) * 1e-4
			lat += (r.Float64() - 0.5) * 1e-4
		}
	}
	if err := db.Store.WritePositions(ctx, all); err != nil {
		t.Fatal(err)
	}
	counts := func() (rows, inSegments int64) {
		t.Helper()
		if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM positions), (SELECT coalesce(sum(n), 0) FROM position_segments)`).Scan(&rows, &inSegments); err != nil {
			t.Fatal(err)
		}
		return rows, inSegments
	}
	readBack := func(when string) {
		t.Helper()
		got, err := db.Store.PositionsBetween(ctx, ids, start, start.Add(3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(all) {
			t.Fatalf("%s: %d fixes read back, %d written", when, len(got), len(all))
		}
		seen := map[[2]int64]int{}
		for _, p := range got {
			seen[[2]int64{p.VolunteerID, p.At.UnixMilli() / 1000}]++
		}
		for _, p := range all {
			if seen[[2]int64{p.VolunteerID, p.At.UnixMilli() / 1000}] == 0 {
				t.Fatalf("%s: volunteer %d's fix at %s is gone", when, p.VolunteerID, p.At)
			}
		}
	}

	child := childCommand("TestCompactPositionsChild", compactChildEnv, db.URL)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once some batches have committed and others have not.
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, seg := counts()
		if seg > 0 && seg < int64(len(all))/2 {
			break
		}
		if seg >= int64(len(all))/2 || time.Now().After(deadline) {
			child.Process.Kill()
			child.Wait()
			t.Fatalf("the compaction was not caught half done: %d of %d fixes in segments", seg, len(all))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	rows, seg := counts()
	t.Logf("killed with %d fixes in segments and %d rows (%d written)", seg, rows, len(all))
	if rows+seg != int64(len(all)) {
		t.Errorf("after the kill: %d rows + %d in segments = %d, %d written", rows, seg, rows+seg, len(all))
	}
	readBack("after the kill")

	if _, err := db.Store.CompactPositions(ctx, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	rows, seg = counts()
	if rows != 0 || seg != int64(len(all)) {
		t.Errorf("after compacting again: %d rows and %d in segments, want 0 and %d", rows, seg, len(all))
	}
	readBack("after compacting again")
}

// childStore opens, for a test that runs as a child process to be killed,
// the database its parent named in the environment variable env; run
// directly (env unset), the test is skipped.
func childStore(t *testing.T, env string) *store.Store {
	t.Helper()
	url := os.Getenv(env)
	if url == "" {
		t.Skip("run as a child process by the test that kills it")
	}
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// childCommand is this test binary running test alone, with env naming
// the database url: the process a kill test starts and kills.
func childCommand(test, env, url string) *exec.Cmd {
	c := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	c.Env = append(os.Environ(), env+"="+url)
	return c
}
