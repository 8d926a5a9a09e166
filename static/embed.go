// Package static holds the browser front end, embedded in the binary.
// Third-party libraries are copied into vendor/ from node_modules by
// scripts/vendor.sh and are never committed.
package static

import "embed"

// FS holds every file of the front end, served at the site root.
//
//go:embed *
var FS embed.FS
