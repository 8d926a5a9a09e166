// Package testdb gives each test its own PostGIS database, cloned in
// milliseconds from a template that already has the extension and every
// migration. Tests in parallel packages never share a database.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/seed"
	"github.com/gridmap/gridmap/store"
)

// AdminURL is the server the test databases are made on: TEST_DATABASE_URL,
// else DATABASE_URL, else the local trust-auth default.
func AdminURL() string {
	for _, k := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Unavailable skips the test when a service is missing on a developer's
// machine, and fails it under CI=true, where an absent service is a bug.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// withDatabase returns u pointing at database name.
func withDatabase(u, name string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		panic(fmt.Sprintf("testdb: bad url %q: %v", u, err))
	}
	parsed.Path = "/" + name
	return parsed.String()
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error

	demoOnce sync.Once
	demoName string
	demoErr  error
)

// templateDB returns the name of the migrated template database, making
// it once per migration set; an advisory lock keeps parallel test
// processes from making it twice.
func templateDB(ctx context.Context, admin *pgx.Conn) (string, error) {
	templateOnce.Do(func() {
		ms, err := store.Migrations()
		if err != nil {
			templateErr = err
			return
		}
		h := sha256.New()
		for _, m := range ms {
			h.Write([]byte(m.Name))
			h.Write([]byte(m.SQL))
		}
		name := "gridmap_tmpl_" + hex.EncodeToString(h.Sum(nil))[:12]
		templateName, templateErr = name, makeTemplate(ctx, admin, name)
	})
	return templateName, templateErr
}

func makeTemplate(ctx context.Context, admin *pgx.Conn, name string) error {
	return buildOnce(ctx, admin, name, "", func(st *store.Store) error {
		_, err := st.Migrate(ctx)
		return err
	})
}

// demoTemplate returns the name of a template holding the migrations and
// the demo subdistrict for seed 1, made once per migration set and demo
// dataset: cloning it costs a fraction of importing the demo per test.
func demoTemplate(ctx context.Context, admin *pgx.Conn) (string, error) {
	demoOnce.Do(func() {
		tmpl, err := templateDB(ctx, admin)
		if err != nil {
			demoErr = err
			return
		}
		ds, err := seed.Demo(1)
		if err != nil {
			demoErr = err
			return
		}
		b, err := json.Marshal(ds)
		if err != nil {
			demoErr = err
			return
		}
		h := sha256.Sum256(append([]byte(tmpl), b...))
		name := "gridmap_demo_" + hex.EncodeToString(h[:])[:12]
		demoName, demoErr = name, buildOnce(ctx, admin, name, tmpl, func(st *store.Store) error {
			return st.ImportDataset(ctx, ds, false, nil)
		})
	})
	return demoName, demoErr
}

// buildOnce makes database name, cloned from template (or empty) and
// filled by fill, unless it exists. It is built under another name and
// renamed when complete, and an advisory lock keeps parallel test
// processes from building it twice.
func buildOnce(ctx context.Context, admin *pgx.Conn, name, template string, fill func(*store.Store) error) error {
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(726373)`); err != nil {
		return err
	}
	defer admin.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(726373)`)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := name + "_new"
	if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{building}.Sanitize()); err != nil {
		return err
	}
	sql := `CREATE DATABASE ` + pgx.Identifier{building}.Sanitize()
	if template != "" {
		sql += ` TEMPLATE ` + pgx.Identifier{template}.Sanitize()
	}
	if _, err := admin.Exec(ctx, sql); err != nil {
		return err
	}
	st, err := store.Open(ctx, withDatabase(AdminURL(), building))
	if err != nil {
		return err
	}
	err = fill(st)
	st.Close()
	if err != nil {
		return err
	}
	_, err = admin.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{building}.Sanitize()+` RENAME TO `+pgx.Identifier{name}.Sanitize())
	return err
}

// DB is a fresh, migrated database for one test.
type DB struct {
	Name  string
	URL   string
	Store *store.Store
}

// New makes a migrated database for t and drops it when t ends.
func New(t testing.TB) *DB {
	t.Helper()
	return create(t, templateDB)
}

// Empty makes a database for t with no extension and no migrations.
func Empty(t testing.TB) *DB {
	t.Helper()
	return create(t, nil)
}

// create makes a database for t, cloned from the template that template
// returns or empty when it is nil, opens a store on it, and drops it when
// t ends.
func create(t testing.TB, template func(context.Context, *pgx.Conn) (string, error)) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		Unavailable(t, "testdb: PostgreSQL at %s: %v", AdminURL(), err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "gridmap_t_" + hex.EncodeToString(b)
	sql := `CREATE DATABASE ` + pgx.Identifier{name}.Sanitize()
	if template != nil {
		tmpl, err := template(ctx, admin)
		if err != nil {
			Unavailable(t, "testdb: template database (is PostGIS installed? run make setup): %v", err)
		}
		sql += ` TEMPLATE ` + pgx.Identifier{tmpl}.Sanitize()
	}
	if _, err := admin.Exec(ctx, sql); err != nil {
		t.Fatalf("testdb: create %s: %v", name, err)
	}
	db := &DB{Name: name, URL: withDatabase(AdminURL(), name)}
	t.Cleanup(func() { drop(t, name) })
	db.Store, err = store.Open(ctx, db.URL)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(db.Store.Close)
	return db
}

func drop(t testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Errorf("testdb: drop %s: %v", name, err)
		return
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
		t.Errorf("testdb: drop %s: %v", name, err)
	}
}

// Demo makes a database for t holding the demo subdistrict for seed 1,
// cloned from a template that holds it.
func Demo(t testing.TB) *DB {
	t.Helper()
	return create(t, demoTemplate)
}

// CityURL is the database of a generated city for the city benchmarks,
// GRIDMAP_BENCH_CITY_URL (`gridmap seed --city 50000`, BENCHMARKS.md);
// without it the benchmark is skipped.
func CityURL(b *testing.B) string {
	b.Helper()
	u := os.Getenv("GRIDMAP_BENCH_CITY_URL")
	if u == "" {
		b.Skip("GRIDMAP_BENCH_CITY_URL names no generated city")
	}
	return u
}

// City opens the store of CityURL's city, closed when b ends.
func City(b *testing.B) *store.Store {
	b.Helper()
	st, err := store.Open(context.Background(), CityURL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	return st
}
