package store_test

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/seed"
)

// importChildEnv names the database TestImportDatasetChild imports into.
const importChildEnv = "GRIDMAP_IMPORT_CHILD_DB"

// TestImportDatasetChild is the process TestImportDatasetKilled kills: it
// imports the demo dataset into the database named by importChildEnv and,
// once the households are copied (their keys still set aside and the party
// triggers off, in the import's transaction), says so and waits to be
// killed. Without the variable it does nothing.
func TestImportDatasetChild(t *testing.T) {
	st := childStore(t, importChildEnv)
	ds, err := seed.Demo(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ImportDataset(context.Background(), ds, false, func(table string, done, total int) {
		if table == "households" && done == total {
			os.Stdout.WriteString("households\n")
			time.Sleep(time.Minute)
		}
	}); err != nil {
		t.Fatal(err)
	}
}

// TestImportDatasetKilled kills (SIGKILL) an import once it has copied the
// households, with the tables' keys set aside and the party triggers off
// in its transaction: afterwards nothing of it is stored, and every key,
// index and trigger is as the migrations made it; a second import works.
func TestImportDatasetKilled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	c, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	defs := func() string {
		t.Helper()
		var s string
		if err := c.QueryRow(ctx, `SELECT string_agg(d, E'\n' ORDER BY d) FROM (
			SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d FROM pg_constraint
			WHERE conrelid IN ('people'::regclass, 'buildings'::regclass, 'households'::regclass)
			UNION ALL SELECT indexdef FROM pg_indexes WHERE tablename IN ('people', 'buildings', 'households')
			UNION ALL SELECT tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text FROM pg_trigger
			WHERE NOT tgisinternal AND tgrelid IN ('party_members'::regclass, 'party_branches'::regclass)) x`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := defs()

	child := childCommand("TestImportDatasetChild", importChildEnv, db.URL)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the households to be copied: the keys are dropped and the
	// triggers off, inside the import's transaction.
	seen := make(chan bool, 1)
	go func() {
		buf := make([]byte, 4096)
		var got []byte
		for {
			n, err := out.Read(buf)
			got = append(got, buf[:n]...)
			if containsLine(got, "households") {
				seen <- true
				return
			}
			if err != nil {
				seen <- false
				return
			}
		}
	}()
	select {
	case ok := <-seen:
		if !ok {
			child.Wait()
			t.Fatal("the import ended before it copied the households")
		}
	case <-time.After(60 * time.Second):
		child.Process.Kill()
		child.Wait()
		t.Fatal("the import did not reach the households in 60 s")
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()

	// The killed session's transaction is rolled back when the server sees
	// its socket close, and its locks go with it: this waits for them.
	var grids, households int
	qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.QueryRow(qctx, `SELECT (SELECT count(*) FROM grids), (SELECT count(*) FROM households)`).Scan(&grids, &households); err != nil {
		t.Fatal(err)
	}
	if grids != 0 || households != 0 {
		t.Errorf("after the killed import: %d grids and %d households stored, want none", grids, households)
	}
	if after := defs(); after != before {
		t.Errorf("after the killed import the keys, indexes and triggers are:\n%s\nbefore:\n%s", after, before)
	}
	ds, err := seed.Demo(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Store.ImportDataset(ctx, ds, false, nil); err != nil {
		t.Fatalf("an import after the killed one: %v", err)
	}
}

// containsLine reports whether b holds line as a whole line.
func containsLine(b []byte, line string) bool {
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		if string(b[:i]) == line && i < len(b) {
			return true
		}
		if i == len(b) {
			return false
		}
		b = b[i+1:]
	}
	return false
}
