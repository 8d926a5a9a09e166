package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/gridmap/gridmap/basemap"
	"github.com/gridmap/gridmap/internal/cli"
	"github.com/gridmap/gridmap/server"
)

// defaultTileURL is OpenStreetMap's standard tile server.
const defaultTileURL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

// Config is every setting, parsed once from flags with environment
// fallbacks. The table in the README lists the same names.
type Config struct {
	cli.DB
	Listen          string
	TileURL         string
	TileAttribution string
	AMapURL         string
	TiandituKey     string
	MBTiles         string
	Lang            string
	Migrate         bool
	ShutdownGrace   time.Duration
	SessionTTL      time.Duration
	SessionMax      time.Duration
	SecureCookies   bool
	LoginPerMinute  float64
	WritePerMinute  float64
	AllowedOrigins  []string
	NATS            string
	DebugListen     string
	PositionMaxAge  time.Duration
	Dwell           time.Duration
	Retention       time.Duration
	Timezone        string
	Location        *time.Location
	CoverageEvery   time.Duration
	StreamCap       int
	VectorAbove     int
	Heartbeat       time.Duration
	DeviceStreamCap int
	DeviceRate      float64
	DeviceDailyCap  int
}

// dbFlag registers --db and --log-level on fs.
func dbFlag(fs *flag.FlagSet, c *Config) { c.DB.Register(fs) }

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// serveFlags registers the serve command's settings on fs.
func serveFlags(fs *flag.FlagSet, c *Config) {
	dbFlag(fs, c)
	fs.StringVar(&c.Listen, "listen", cli.Env("GRIDMAP_LISTEN", ":8080"), "HTTP listen address (env GRIDMAP_LISTEN)")
	fs.StringVar(&c.TileURL, "tiles", cli.Env("GRIDMAP_TILE_URL", defaultTileURL),
		"base-map tile URL template with {z}/{x}/{y}, or 'none' for the no-internet plain background (env GRIDMAP_TILE_URL)")
	fs.StringVar(&c.TileAttribution, "tile-attribution", cli.Env("GRIDMAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors"),
		"attribution shown for the tiles (env GRIDMAP_TILE_ATTRIBUTION)")
	fs.StringVar(&c.MBTiles, "mbtiles", cli.Env("GRIDMAP_MBTILES", ""),
		"an MBTiles file (raster or vector) served at /basemap as the offline base map, the pages' default; empty for none (env GRIDMAP_MBTILES)")
	fs.StringVar(&c.AMapURL, "amap-tiles", cli.Env("GRIDMAP_AMAP_TILES", basemap.DefaultAMapURL),
		"AMap (GCJ-02) tile URL template offered as a base map, or 'none' (env GRIDMAP_AMAP_TILES)")
	fs.StringVar(&c.TiandituKey, "tianditu-key", cli.Env("GRIDMAP_TIANDITU_KEY", ""),
		"a Tianditu browser key: offers Tianditu as a base map; the pages send it to Tianditu (env GRIDMAP_TIANDITU_KEY)")
	fs.StringVar(&c.Lang, "lang", cli.Env("GRIDMAP_LANG", "zh-CN"), "default interface language, zh-CN or en (env GRIDMAP_LANG)")
	fs.BoolVar(&c.Migrate, "migrate", cli.Env("GRIDMAP_MIGRATE", "true") == "true",
		"apply pending migrations on start; when false, refuse to start on an old schema (env GRIDMAP_MIGRATE)")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", 15*time.Second, "how long in-flight requests may run after a stop signal")
	fs.DurationVar(&c.SessionTTL, "session-ttl", cli.DurationEnv("GRIDMAP_SESSION_TTL", 12*time.Hour),
		"a browser session ends after this long without use (env GRIDMAP_SESSION_TTL)")
	fs.DurationVar(&c.SessionMax, "session-max", cli.DurationEnv("GRIDMAP_SESSION_MAX", 12*time.Hour),
		"a browser session ends this long after login, however recently used (env GRIDMAP_SESSION_MAX)")
	fs.IntVar(&c.VectorAbove, "vector-above", cli.IntEnv("GRIDMAP_VECTOR_ABOVE", 5000),
		"the map draws grids as vector tiles when the account sees more grids than this (env GRIDMAP_VECTOR_ABOVE)")
	fs.IntVar(&c.StreamCap, "stream-cap", cli.IntEnv("GRIDMAP_STREAM_CAP", 20),
		"open /ws streams one account may hold on each instance (env GRIDMAP_STREAM_CAP)")
	fs.DurationVar(&c.Heartbeat, "heartbeat", cli.DurationEnv("GRIDMAP_HEARTBEAT", server.DefaultHeartbeat),
		"how often /ws sends each viewer a heartbeat (and a ping); pages show their figures as stale after two missed heartbeats, 1s to 1m (env GRIDMAP_HEARTBEAT)")
	fs.IntVar(&c.DeviceStreamCap, "device-stream-cap", cli.IntEnv("GRIDMAP_DEVICE_STREAM_CAP", 4),
		"open /ws/device streams one device may hold on each instance (env GRIDMAP_DEVICE_STREAM_CAP)")
	fs.Float64Var(&c.DeviceRate, "device-rate", cli.FloatEnv("GRIDMAP_DEVICE_RATE", 5),
		"positions per second one device may send, sustained; it may send two minutes' worth at once (env GRIDMAP_DEVICE_RATE)")
	fs.IntVar(&c.DeviceDailyCap, "device-daily-cap", cli.IntEnv("GRIDMAP_DEVICE_DAILY_CAP", 20000),
		"positions one volunteer's trail may gain per local day; more are refused with 429 until midnight (env GRIDMAP_DEVICE_DAILY_CAP)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", cli.Env("GRIDMAP_SECURE_COOKIES", "false") == "true",
		"mark the session cookie Secure; set when served over HTTPS behind a proxy (env GRIDMAP_SECURE_COOKIES)")
	fs.Float64Var(&c.LoginPerMinute, "login-rate", 5, "password attempts allowed per minute per account and per address")
	fs.Float64Var(&c.WritePerMinute, "write-rate", 300, "writes allowed per minute per account")
	fs.Func("allowed-origins", "comma-separated extra origins allowed to open the live stream (env GRIDMAP_ALLOWED_ORIGINS)", func(v string) error {
		c.AllowedOrigins = splitList(v)
		return nil
	})
	c.AllowedOrigins = splitList(cli.Env("GRIDMAP_ALLOWED_ORIGINS", ""))
	fs.StringVar(&c.DebugListen, "debug-listen", cli.Env("GRIDMAP_DEBUG_LISTEN", ""), "address for Go's pprof profiles, e.g. 127.0.0.1:6060; empty for none (env GRIDMAP_DEBUG_LISTEN)")
	fs.StringVar(&c.NATS, "nats", cli.Env("GRIDMAP_NATS", ""), "NATS URL to share the live stream between instances, e.g. nats://127.0.0.1:4222; empty for a single instance (env GRIDMAP_NATS)")
	fs.DurationVar(&c.PositionMaxAge, "position-max-age", cli.DurationEnv("GRIDMAP_POSITION_MAX_AGE", 10*time.Minute), "positions older than this are refused (env GRIDMAP_POSITION_MAX_AGE)")
	fs.DurationVar(&c.Dwell, "geofence-dwell", cli.DurationEnv("GRIDMAP_GEOFENCE_DWELL", 20*time.Second), "a volunteer counts as in a new grid after this long there (env GRIDMAP_GEOFENCE_DWELL)")
	fs.StringVar(&c.Timezone, "timezone", cli.Env("GRIDMAP_TIMEZONE", "Asia/Shanghai"), "the area's time zone: screening reports count for its local day (env GRIDMAP_TIMEZONE)")
	fs.DurationVar(&c.CoverageEvery, "coverage-every", cli.DurationEnv("GRIDMAP_COVERAGE_EVERY", time.Minute), "how often coverage is recounted in full, for visits falling due and drift (env GRIDMAP_COVERAGE_EVERY)")
	fs.DurationVar(&c.Retention, "retention", cli.DurationEnv("GRIDMAP_RETENTION", 30*24*time.Hour), "positions and stream events are kept this long (env GRIDMAP_RETENTION)")
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	if err := c.DB.Validate(); err != nil {
		return err
	}
	if c.Listen == "" && c.Lang == "" {
		return nil // a command without serve settings
	}
	if c.TileURL == "none" {
		c.TileURL = ""
	}
	if c.AMapURL == "none" {
		c.AMapURL = ""
	}
	for _, u := range []struct{ flag, url string }{{"--tiles", c.TileURL}, {"--amap-tiles", c.AMapURL}} {
		if u.url != "" && !(strings.Contains(u.url, "{z}") && strings.Contains(u.url, "{x}") && strings.Contains(u.url, "{y}")) {
			return fmt.Errorf("%s: %q lacks {z}, {x} or {y}", u.flag, u.url)
		}
	}
	if c.Lang != "zh-CN" && c.Lang != "en" {
		return fmt.Errorf("--lang: %q is not zh-CN or en", c.Lang)
	}
	if c.ShutdownGrace <= 0 {
		return errors.New("--shutdown-grace: must be positive")
	}
	if c.SessionTTL < time.Minute {
		return errors.New("--session-ttl: at least 1m")
	}
	if c.SessionMax < time.Minute {
		return errors.New("--session-max: at least 1m")
	}
	if c.VectorAbove < 1 {
		return fmt.Errorf("--vector-above: %d is not a positive number of grids", c.VectorAbove)
	}
	if c.StreamCap < 1 || c.DeviceStreamCap < 1 || c.DeviceDailyCap < 1 || c.DeviceRate <= 0 {
		return errors.New("--stream-cap, --device-stream-cap, --device-daily-cap and --device-rate: must be positive")
	}
	if c.Heartbeat < server.MinHeartbeat || c.Heartbeat > server.MaxHeartbeat {
		return fmt.Errorf("--heartbeat: %s is outside %s..%s", c.Heartbeat, server.MinHeartbeat, server.MaxHeartbeat)
	}
	if c.LoginPerMinute <= 0 || c.WritePerMinute <= 0 {
		return errors.New("--login-rate and --write-rate: must be positive")
	}
	if c.NATS != "" && !strings.HasPrefix(c.NATS, "nats://") && !strings.HasPrefix(c.NATS, "tls://") {
		return fmt.Errorf("--nats: %q is not a nats:// URL", c.NATS)
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return fmt.Errorf("--timezone: %q is not a time zone name such as Asia/Shanghai", c.Timezone)
	}
	c.Location = loc
	if c.CoverageEvery < time.Second {
		return errors.New("--coverage-every: at least 1s")
	}
	if c.PositionMaxAge < time.Minute || c.Dwell < 0 || c.Retention < time.Hour {
		return errors.New("--position-max-age at least 1m, --geofence-dwell not negative, --retention at least 1h")
	}
	return nil
}
