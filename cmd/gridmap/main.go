// Command gridmap serves the community grid map and manages its database.
//
//	gridmap serve     run the HTTP server (migrates first)
//	gridmap migrate   apply pending schema migrations
//	gridmap seed      load the demo subdistrict or a generated city
//	gridmap user add  create an account
//	gridmap token     create or revoke an API or device token
//
// The simulator and the load generator are a command of their own,
// gridmap-load.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	_ "time/tzdata" // "today" is Asia/Shanghai's day even on a machine without zone files

	"github.com/gridmap/gridmap/internal/cli"
)

const usage = `usage: gridmap <command> [flags]

commands:
  serve     run the HTTP server and the map (applies pending migrations first)
  migrate   apply pending schema migrations
  seed      load the demo subdistrict (--demo) or a generated city (--city N)
  user add  create an account (prints a generated password)
  token     create or revoke an API/device token

Run 'gridmap <command> -h' for a command's flags. The volunteer simulator
and the load generator are 'gridmap-load simulate' and 'gridmap-load run'.
`

var commands = map[string]cli.Command{
	"serve":   serve,
	"migrate": migrate,
	"seed":    seedCmd,
	"user":    userCmd,
	"token":   tokenCmd,
}

// moved names the commands that left for gridmap-load, so that an old
// script fails with directions.
var moved = map[string]string{"simulate": "gridmap-load simulate", "load": "gridmap-load run"}

func main() {
	if len(os.Args) > 1 {
		if to, ok := moved[os.Args[1]]; ok {
			fmt.Fprintf(os.Stderr, "gridmap: %q is now its own command: %s (go build ./cmd/gridmap-load)\n", os.Args[1], to)
			os.Exit(2)
		}
	}
	os.Exit(cli.Run("gridmap", usage, commands, os.Args[1:]))
}

func newLogger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// parse parses args into a fresh config with the flags register adds.
func parse(name string, args []string, register func(*flag.FlagSet, *Config), extra func(*flag.FlagSet)) (*Config, error) {
	c := &Config{}
	if err := cli.Parse("gridmap "+name, args, c, func(fs *flag.FlagSet) { register(fs, c) }, extra); err != nil {
		return nil, err
	}
	return c, nil
}
