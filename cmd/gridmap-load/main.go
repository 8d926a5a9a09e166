// Command gridmap-load drives a running gridmap server from outside, as
// volunteers' phones and wall displays would, through the public API and
// WebSockets. It is a tool for demos and measurements, not part of the
// product: gridmap itself never runs it.
//
//	gridmap-load run       devices and viewers against a server: throughput and latency
//	gridmap-load simulate  volunteers walking their areas, posting positions
//
// Both make device accounts and tokens for the volunteers they drive
// through --db, then use only the server's URL.
package main

import (
	"os"

	"github.com/gridmap/gridmap/internal/cli"
)

const usage = `usage: gridmap-load <command> [flags]

commands:
  run       devices and viewers against a server: throughput and latency
  simulate  walk volunteers around their areas, posting positions to a server

Run 'gridmap-load <command> -h' for a command's flags.
`

func main() {
	os.Exit(cli.Run("gridmap-load", usage, map[string]cli.Command{
		"run":      loadCmd,
		"simulate": simulateCmd,
	}, os.Args[1:]))
}
