package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/gridmap/gridmap/internal/cli"
	"github.com/gridmap/gridmap/store"
)

// simulateCmd runs `gridmap-load simulate`: volunteers walking their teams'
// areas, posting through the real ingest API, for demos and load.
func simulateCmd(ctx context.Context, args []string) error {
	var url string
	var n, workers int
	var interval, duration, screenEvery time.Duration
	var seedValue uint64
	var c cli.DB
	err := cli.Parse("gridmap-load simulate", args, &c, c.Register, func(fs *flag.FlagSet) {
		fs.StringVar(&url, "url", "http://127.0.0.1:8080", "the gridmap server to post to")
		fs.IntVar(&n, "volunteers", 0, "how many volunteers walk (0: all)")
		fs.DurationVar(&interval, "interval", 2*time.Second, "each volunteer reports this often")
		fs.DurationVar(&duration, "duration", 0, "stop after this long (0: until interrupted)")
		fs.IntVar(&workers, "workers", 32, "concurrent requests")
		fs.Uint64Var(&seedValue, "seed", 1, "random seed for the paths")
		fs.DurationVar(&screenEvery, "screen-every", 0, "also report one unscreened household this often, as grid staff would (0: off)")
	})
	if err != nil {
		return err
	}
	if interval < 100*time.Millisecond || workers < 1 || n < 0 {
		return errors.New("--interval at least 100ms, --workers at least 1, --volunteers not negative")
	}
	st, err := store.Open(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := waitReady(ctx, url); err != nil {
		return err
	}
	f, err := newFleet(ctx, st, url, n, seedValue)
	if err != nil {
		return err
	}
	if duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, duration)
		defer cancel()
	}
	fmt.Fprintf(os.Stderr, "simulating %d volunteers, one report each per %s, to %s\n", len(f.walkers), interval, url)
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fmt.Fprintf(os.Stderr, "\r  posted %d, failed %d", f.posted.Load(), f.failed.Load())
			}
		}
	}()
	if screenEvery > 0 {
		sc, err := newScreener(ctx, st, url, seedValue)
		if err != nil {
			return err
		}
		go sc.run(ctx, screenEvery)
	}
	f.run(ctx, interval, workers)
	fmt.Fprintf(os.Stderr, "\r  posted %d, failed %d\n", f.posted.Load(), f.failed.Load())
	return nil
}

// waitReady waits up to a minute for the server's /readyz.
func waitReady(ctx context.Context, url string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := http.Get(url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server at %s not ready: %v", url, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
