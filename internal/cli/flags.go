package cli

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"time"
)

// DB is the settings of every command that opens the database.
type DB struct {
	DatabaseURL string
	LogLevel    slog.Level
}

// Register adds --db and --log-level to fs.
func (d *DB) Register(fs *flag.FlagSet) {
	fs.StringVar(&d.DatabaseURL, "db", Env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gridmap?sslmode=disable"),
		"PostgreSQL/PostGIS connection URL (env DATABASE_URL)")
	fs.TextVar(&d.LogLevel, "log-level", levelFromEnv(), "debug, info, warn or error (env GRIDMAP_LOG_LEVEL)")
}

// Validate reports a database URL that is not postgres://.
func (d *DB) Validate() error {
	u, err := url.Parse(d.DatabaseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return errors.New("--db: want a postgres:// URL")
	}
	return nil
}

// Validator is a command's settings, checked once its flags are parsed.
type Validator interface{ Validate() error }

// Parse parses args into a flag set called name (the binary and the
// command, for its help) after each non-nil register has added its flags,
// refuses arguments left over, and validates c.
func Parse(name string, args []string, c Validator, register ...func(*flag.FlagSet)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	for _, r := range register {
		if r != nil {
			r(fs)
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c.Validate()
}

// Env returns the environment variable key, or def when it is unset.
func Env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// DurationEnv returns key parsed as a duration, or def when it is unset or
// unreadable.
func DurationEnv(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return def
}

// IntEnv returns key parsed as an integer, or def.
func IntEnv(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

// FloatEnv returns key parsed as a number, or def.
func FloatEnv(key string, def float64) float64 {
	if f, err := strconv.ParseFloat(os.Getenv(key), 64); err == nil {
		return f
	}
	return def
}

func levelFromEnv() *slog.Level {
	l := slog.LevelInfo
	l.UnmarshalText([]byte(Env("GRIDMAP_LOG_LEVEL", "info")))
	return &l
}
