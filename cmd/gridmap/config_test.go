package main

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

// TestHeartbeatFlag: --heartbeat (or GRIDMAP_HEARTBEAT) reaches the
// config; values outside 1s..1m are refused naming the flag.
func TestHeartbeatFlag(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		args      []string
		want      time.Duration
		err       string
	}{
		{name: "default", want: 25 * time.Second},
		{name: "flag", args: []string{"--heartbeat", "5s"}, want: 5 * time.Second},
		{name: "env", env: "2s", want: 2 * time.Second},
		{name: "flag over env", env: "2s", args: []string{"--heartbeat", "1m"}, want: time.Minute},
		{name: "too short", args: []string{"--heartbeat", "500ms"}, err: "--heartbeat: 500ms is outside 1s..1m0s"},
		{name: "too long", env: "2m", err: "--heartbeat: 2m0s is outside 1s..1m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GRIDMAP_HEARTBEAT", tc.env)
			var c Config
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			serveFlags(fs, &c)
			if err := fs.Parse(append([]string{"--db", "postgres://localhost/gridmap"}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			err := c.Validate()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Validate() = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Heartbeat != tc.want {
				t.Errorf("heartbeat %s, want %s", c.Heartbeat, tc.want)
			}
		})
	}
}
