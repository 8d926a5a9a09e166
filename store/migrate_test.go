package store_test

import (
	"context"
	"testing"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/store"
)

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Empty(t)
	if err := db.Store.SchemaStatus(ctx); err == nil {
		t.Fatal("SchemaStatus on an empty database: want 'behind' error")
	}
	applied, err := db.Store.Migrate(ctx)
	if err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	ms, _ := store.Migrations()
	if len(applied) != len(ms) {
		t.Errorf("first migrate applied %v, want all %d", applied, len(ms))
	}
	applied, err = db.Store.Migrate(ctx)
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if len(applied) != 0 {
		t.Errorf("second migrate applied %v, want none", applied)
	}
	if err := db.Store.SchemaStatus(ctx); err != nil {
		t.Errorf("SchemaStatus after migrate: %v", err)
	}
}
