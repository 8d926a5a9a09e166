package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/gridmap/gridmap/basemap"
	"github.com/gridmap/gridmap/ingest"
	"github.com/gridmap/gridmap/internal/cli"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/seed"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

func serve(ctx context.Context, args []string) error {
	c, err := parse("serve", args, serveFlags, nil)
	if err != nil {
		return err
	}
	log := newLogger(c.LogLevel)
	offline, err := openBaseMap(ctx, c.MBTiles, log)
	if err != nil {
		return err
	}
	if offline != nil {
		defer offline.Close()
	}
	st, err := store.Open(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if c.Migrate {
		applied, err := st.Migrate(ctx)
		if err != nil {
			return err
		}
		for _, name := range applied {
			log.Info("migration applied", "name", name)
		}
	}
	if err := st.SchemaStatus(ctx); err != nil {
		return err
	}
	// The day's work is counted per local day of the area as it is written.
	if err := st.SetActivityZone(ctx, c.Location.String()); err != nil {
		return err
	}
	if found, err := st.BoundaryFindings(ctx); err == nil && len(found) > 0 {
		log.Warn("stored boundaries overlap; see the table boundary_findings and fix them in a draft", "findings", found)
	}
	if c.DebugListen != "" {
		go servePprof(c.DebugListen, log)
	}
	hier, err := st.Hierarchy(ctx)
	if err != nil {
		return err
	}
	hub := live.NewHub(hier)
	if seq, err := st.LastEventSeq(ctx); err == nil {
		hub.SetLastSeq(seq)
	}
	var relay *live.Relay
	if c.NATS != "" {
		host, _ := os.Hostname()
		if relay, err = live.NewRelay(c.NATS, fmt.Sprintf("%s-%d", host, os.Getpid()), hub, log); err != nil {
			return err
		}
		defer relay.Close()
		log.Info("sharing the live stream through nats", "url", c.NATS)
	}
	bus := live.NewBus(hub, relay, log)
	pipe := ingest.New(ingest.Config{MaxAge: c.PositionMaxAge, Dwell: c.Dwell, Retention: c.Retention}, st, bus, log)
	if err := pipe.Load(ctx); err != nil {
		return err
	}
	runCtx, stopPipe := context.WithCancel(context.WithoutCancel(ctx))
	piped := make(chan struct{})
	go func() { pipe.Run(runCtx); close(piped) }()
	srv := server.New(server.Config{
		TileURL: c.TileURL, TileAttribution: c.TileAttribution, DefaultLang: c.Lang, VectorAbove: c.VectorAbove,
		AMapURL: c.AMapURL, TiandituKey: c.TiandituKey, BaseMap: offline,
		SessionTTL: c.SessionTTL, SessionMax: c.SessionMax, SecureCookies: c.SecureCookies,
		StreamsPerAccount: c.StreamCap, Heartbeat: c.Heartbeat, DeviceStreamsPerAccount: c.DeviceStreamCap,
		PositionsPerSecond: c.DeviceRate, PositionsPerDay: c.DeviceDailyCap,
		LoginPerMinute: c.LoginPerMinute, WritePerMinute: c.WritePerMinute,
		AllowedOrigins: c.AllowedOrigins, Location: c.Location, CoverageEvery: c.CoverageEvery,
	}, server.Deps{Store: st, Bus: bus, Ingest: pipe, Log: log})
	err = srv.Run(ctx, c.Listen, c.ShutdownGrace)
	// HTTP is drained: flush what the pipeline still holds, then close.
	stopPipe()
	<-piped
	log.Info("stopped", "positions_accepted", pipe.Accepted.Load(), "positions_persisted", pipe.Persisted.Load())
	return err
}

// openBaseMap opens the --mbtiles file, before anything else starts: a
// file that cannot be read stops the server with the reason.
func openBaseMap(ctx context.Context, path string, log *slog.Logger) (*basemap.MBTiles, error) {
	if path == "" {
		return nil, nil
	}
	m, err := basemap.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("--mbtiles: %w", err)
	}
	md := m.Metadata()
	log.Info("offline base map", "file", path, "format", md.Format, "min_zoom", md.MinZoom, "max_zoom", md.MaxZoom, "bounds", md.Bounds)
	return m, nil
}

func migrate(ctx context.Context, args []string) error {
	c, err := parse("migrate", args, dbFlag, nil)
	if err != nil {
		return err
	}
	log := newLogger(c.LogLevel)
	st, err := store.Open(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	for _, name := range applied {
		log.Info("migration applied", "name", name)
	}
	if err == nil && len(applied) == 0 {
		log.Info("schema is current")
	}
	return err
}

func seedCmd(ctx context.Context, args []string) error {
	var demo, reset, ifEmpty bool
	var city, fieldDays int
	var seedValue uint64
	var zone string
	c, err := parse("seed", args, dbFlag, func(fs *flag.FlagSet) {
		fs.BoolVar(&demo, "demo", false, "load the demo subdistrict (7 communities, 23 compound grids)")
		fs.IntVar(&city, "city", 0, "load a generated city of N level-3 grids")
		fs.Uint64Var(&seedValue, "seed", 1, "random seed; the same seed gives the same data")
		fs.BoolVar(&reset, "reset", false, "remove existing grid data first")
		fs.BoolVar(&ifEmpty, "if-empty", false, "do nothing when grid data already exists")
		fs.IntVar(&fieldDays, "field-days", 0, "then add N days of field work at city scale, ending today (for benchmarks; alone: add it to the data loaded)")
		fs.StringVar(&zone, "timezone", cli.Env("GRIDMAP_TIMEZONE", "Asia/Shanghai"), "the area's time zone, whose days --field-days fills (env GRIDMAP_TIMEZONE)")
	})
	if err != nil {
		return err
	}
	if demo && city > 0 || !demo && city == 0 && fieldDays == 0 {
		return errors.New("give exactly one of --demo or --city N, or --field-days N alone")
	}
	log := newLogger(c.LogLevel)
	st, err := store.Open(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SchemaStatus(ctx); err != nil {
		return err
	}
	has, err := st.HasData(ctx)
	if err != nil {
		return err
	}
	if !demo && city == 0 {
		return addFieldDays(ctx, st, fieldDays, zone, log)
	}
	switch {
	case has && ifEmpty:
		log.Info("grid data present; not seeding (--if-empty)")
		return nil
	case has && !reset:
		return errors.New("the database already holds grid data: add --reset to replace it or --if-empty to keep it")
	}

	start := time.Now()
	var ds *model.Dataset
	if demo {
		ds, err = seed.DemoAt(seedValue, time.Now().In(seed.Zone))
	} else {
		ds, err = seed.City(city, seedValue)
	}
	if err != nil {
		return err
	}
	log.Info("generated", "grids", len(ds.Grids), "buildings", len(ds.Buildings), "households", len(ds.Households),
		"people", len(ds.People), "party_members", len(ds.PartyMembers), "teams", len(ds.Teams), "duration", time.Since(start).Round(time.Millisecond).String())
	progress := func(table string, done, total int) {
		fmt.Fprintf(os.Stderr, "\r  copying %-16s %10d / %-10d", table, done, total)
		if done == total {
			fmt.Fprintln(os.Stderr)
		}
	}
	if err := st.ImportDataset(ctx, ds, reset, progress); err != nil {
		return err
	}
	if demo {
		if err := createDemoAccounts(ctx, st, ds.Volunteers[0].PersonID, ds.Volunteers[1].PersonID, os.Stdout); err != nil {
			return err
		}
	}
	log.Info("seeded", "duration", time.Since(start).Round(time.Millisecond).String())
	if fieldDays > 0 {
		return addFieldDays(ctx, st, fieldDays, zone, log)
	}
	return nil
}

// addFieldDays adds days of generated field work ending today to the
// loaded data (store.AddFieldDays).
func addFieldDays(ctx context.Context, st *store.Store, days int, zone string, log *slog.Logger) error {
	if _, err := time.LoadLocation(zone); err != nil {
		return fmt.Errorf("--timezone: %q is not a time zone name such as Asia/Shanghai", zone)
	}
	if err := st.SetActivityZone(ctx, zone); err != nil {
		return err
	}
	start := time.Now()
	if err := st.AddFieldDays(ctx, store.FieldDays{Days: days, Now: start, Zone: zone}); err != nil {
		return err
	}
	log.Info("field work added", "days", days, "duration", time.Since(start).Round(time.Millisecond).String())
	return nil
}
