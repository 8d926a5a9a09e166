package cli

import (
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://env@127.0.0.1/gridmap")
	tests := []struct {
		name    string
		args    []string
		wantURL string
		wantErr string
	}{
		{"environment fallback", nil, "postgres://env@127.0.0.1/gridmap", ""},
		{"flag wins", []string{"--db", "postgresql://flag@h/db"}, "postgresql://flag@h/db", ""},
		{"not postgres", []string{"--db", "mysql://h/db"}, "", "--db: want a postgres:// URL"},
		{"stray argument", []string{"extra"}, "", `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c DB
			err := Parse("test", tt.args, &c, c.Register, nil)
			switch {
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr == "" && c.DatabaseURL != tt.wantURL:
				t.Fatalf("DatabaseURL = %q, want %q", c.DatabaseURL, tt.wantURL)
			}
		})
	}
}

func TestRunExitStatus(t *testing.T) {
	commands := map[string]Command{
		"ok":         func(context.Context, []string) error { return nil },
		"fail":       func(context.Context, []string) error { return errors.New("broken") },
		"flags-help": func(context.Context, []string) error { return flag.ErrHelp },
	}
	tests := []struct {
		args []string
		want int
	}{
		{nil, 2},
		{[]string{"unknown"}, 2},
		{[]string{"ok"}, 0},
		{[]string{"fail"}, 1},
		{[]string{"-h"}, 0},
		{[]string{"flags-help"}, 0},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{"args"}, tt.args...), " "), func(t *testing.T) {
			if got := Run("test", "usage\n", commands, tt.args); got != tt.want {
				t.Fatalf("Run(%q) = %d, want %d", tt.args, got, tt.want)
			}
		})
	}
}
