// Command gridmap serves the community grid map and manages its database.
//
//	gridmap serve     run the HTTP server (migrates first)
//	gridmap migrate   apply pending schema migrations
//	gridmap seed      load the demo subdistrict or a generated city
//	gridmap user add  create an account
//	gridmap token     create or revoke an API or device token
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // "today" is Asia/Shanghai's day even on a machine without zone files
)

const usage = `usage: gridmap <command> [flags]

commands:
  serve     run the HTTP server and the map (applies pending migrations first)
  migrate   apply pending schema migrations
  seed      load the demo subdistrict (--demo) or a generated city (--city N)
  user add  create an account (prints a generated password)
  token     create or revoke an API/device token
  simulate  walk volunteers around their areas, posting positions to a server
  load      devices and viewers against a server: throughput and latency

Run 'gridmap <command> -h' for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args)
	case "migrate":
		err = migrate(ctx, args)
	case "seed":
		err = seedCmd(ctx, args)
	case "user":
		err = userCmd(ctx, args)
	case "token":
		err = tokenCmd(ctx, args)
	case "simulate":
		err = simulateCmd(ctx, args)
	case "load":
		err = loadCmd(ctx, args)
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "gridmap: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gridmap %s: %v\n", cmd, err)
		os.Exit(1)
	}
}

func newLogger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// parse parses args into a fresh config with the flags register adds.
func parse(name string, args []string, register func(*flag.FlagSet, *Config), extra func(*flag.FlagSet)) (*Config, error) {
	c := &Config{}
	fs := flag.NewFlagSet("gridmap "+name, flag.ContinueOnError)
	register(fs, c)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}
