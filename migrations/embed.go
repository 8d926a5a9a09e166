// Package migrations holds the numbered SQL files that build the gridmap
// schema. They are embedded in the binary and applied by store.Migrate.
package migrations

import "embed"

// FS holds the migration files, named NNN_description.sql.
//
//go:embed *.sql
var FS embed.FS
