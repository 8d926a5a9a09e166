// Package cli holds what gridmap's commands share: running a subcommand,
// flags with environment fallbacks, the database settings, and API tokens
// made from the command line.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Command is one subcommand; it parses its own flags from args.
type Command func(ctx context.Context, args []string) error

// Run runs the command args[0] names with the rest of args, under a
// context that ends on SIGINT or SIGTERM, and returns the exit status:
// 2 for a usage error, 1 when the command fails. prog names the binary in
// messages; usage is printed for -h and for an unknown command.
func Run(prog, usage string, commands map[string]Command, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "--help", "help":
		fmt.Print(usage)
		return 0
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "%s: unknown command %q\n\n%s", prog, name, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd(ctx, args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(os.Stderr, "%s %s: %v\n", prog, name, err)
		return 1
	}
	return 0
}
