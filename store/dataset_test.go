package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/seed"
	"github.com/gridmap/gridmap/store"
)

// TestImportDatasetChecks: an import copies with the households' and
// buildings' keys and the party tables' row triggers set aside, and checks
// the same rules once over every row; a dataset that breaks one is
// refused whole, and after an import the constraints and triggers are
// back as the migrations made them.
func TestImportDatasetChecks(t *testing.T) {
	conn := func(t *testing.T, db *testdb.DB) *pgx.Conn {
		c, err := pgx.Connect(context.Background(), db.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return c
	}
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name  string
		spoil func(ds *model.Dataset)
		want  string
	}{
		{"a household twice", func(ds *model.Dataset) {
			h := ds.Households[0]
			h.ID = int64(len(ds.Households) + 1)
			ds.Households = append(ds.Households, h)
		}, "households_building_id_unit_room_key"},
		{"a household of no building", func(ds *model.Dataset) { ds.Households[5].BuildingID = 1 << 40 }, "households_building_id_fkey"},
		{"a home grid that does not exist", func(ds *model.Dataset) { ds.People[3].HomeGridID = 1 << 40 }, "people_home_grid_id_fkey"},
		{"a party member under another community's branch", func(ds *model.Dataset) {
			m := &ds.PartyMembers[0]
			for _, b := range ds.Branches {
				if ds.Grids[b.GridID-1].Level == 3 && b.GridID != m.GridID {
					m.BranchID = b.ID
					return
				}
			}
			t.Fatal("no branch of another compound grid")
		}, "branch is not at their grid"},
		{"a secretary outside the branch", func(ds *model.Dataset) {
			for i := range ds.Branches {
				if ds.Branches[i].SecretaryID != 0 {
					for _, m := range ds.PartyMembers {
						if m.BranchID != ds.Branches[i].ID {
							ds.Branches[i].SecretaryID = m.PersonID
							return
						}
					}
				}
			}
			t.Fatal("no branch with a secretary")
		}, "its secretary is not a member"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := testdb.New(t)
			ds, err := seed.Demo(1)
			if err != nil {
				t.Fatal(err)
			}
			c.spoil(ds)
			err = db.Store.ImportDataset(ctx, ds, false, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("import: %v; want an error naming %q", err, c.want)
			}
			var grids int
			if err := conn(t, db).QueryRow(ctx, `SELECT count(*) FROM grids`).Scan(&grids); err != nil || grids != 0 {
				t.Errorf("after a refused import: %d grids (%v), want none", grids, err)
			}
		})
	}

	t.Run("as made", func(t *testing.T) {
		t.Parallel()
		db := testdb.New(t)
		var before string
		defs := `SELECT string_agg(d, E'\n' ORDER BY d) FROM (
			SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d FROM pg_constraint
			WHERE conrelid IN ('people'::regclass, 'buildings'::regclass, 'households'::regclass)
			UNION ALL SELECT indexdef FROM pg_indexes WHERE tablename IN ('people', 'buildings', 'households')
			UNION ALL SELECT tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text FROM pg_trigger
			WHERE NOT tgisinternal AND tgrelid IN ('party_members'::regclass, 'party_branches'::regclass)) x`
		if err := conn(t, db).QueryRow(ctx, defs).Scan(&before); err != nil {
			t.Fatal(err)
		}
		ds, err := seed.Demo(1)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Store.ImportDataset(ctx, ds, false, nil); err != nil {
			t.Fatal(err)
		}
		var after string
		if err := conn(t, db).QueryRow(ctx, defs).Scan(&after); err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Errorf("constraints, indexes and triggers after the import:\n%s\nbefore:\n%s", after, before)
		}
	})
}

// TestListCap: a grid's list with more rows than store.ListCap answers the
// first ListCap and says there are more; with ListCap rows, that there are
// none.
func TestListCap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Demo(t)
	c, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	add := func(n int) {
		t.Helper()
		if _, err := c.Exec(ctx, `INSERT INTO checkpoints (grid_id, name, geom)
			SELECT 9, 'cap-' || i, ST_PointOnSurface(geom) FROM current_grids, generate_series(1, $1) i WHERE id = 9`, n); err != nil {
			t.Fatal(err)
		}
	}
	var have int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM checkpoints WHERE grid_id = 9`).Scan(&have); err != nil {
		t.Fatal(err)
	}
	add(store.ListCap - have)
	list, more, err := db.Store.Checkpoints(ctx, []int64{9}, "2026-12-07")
	if err != nil || len(list) != store.ListCap || more {
		t.Fatalf("%d checkpoints: %d listed, more %v, %v", store.ListCap, len(list), more, err)
	}
	add(1)
	list, more, err = db.Store.Checkpoints(ctx, []int64{9}, "2026-12-07")
	if err != nil || len(list) != store.ListCap || !more {
		t.Fatalf("%d checkpoints: %d listed, more %v, %v; want the first %d and more", store.ListCap+1, len(list), more, err, store.ListCap)
	}
}
