package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/model"
)

// Nucleic-acid sampling sites (核酸采样点) and their reports; rounds of
// testing are in samplinground.go.

// SiteClock is the moment a site's state is worked out for: the area's
// local day, the instant, and the local time of day ("15:04:05") that
// opening hours are compared with.
type SiteClock struct {
	Day  string
	Now  time.Time
	Time string
}

// SamplingSite is a sampling site with its state on the clock's day.
// Queue and ReportedAt are the day's latest report's (null before any);
// TestedToday sums the day's reports (each an increment); the throughput
// sums the reports of the hour before the clock's instant.
type SamplingSite struct {
	ID                int64      `json:"id"`
	Grid              int64      `json:"grid"`
	Name              string     `json:"name"`
	Lon               float64    `json:"lon"`
	Lat               float64    `json:"lat"`
	Opens             string     `json:"opens"`
	Closes            string     `json:"closes"`
	OpenNow           bool       `json:"open_now"`
	Queue             *int       `json:"queue"`
	TestedToday       int        `json:"tested_today"`
	ReportedAt        *time.Time `json:"reported_at"`
	ThroughputPerHour int        `json:"throughput_per_hour"`
}

// siteSelect reads sites with their state: $1 the day, $2 the instant,
// $3 the local time of day; the statement adds its WHERE on s.
const siteSelect = `
	SELECT s.id, s.grid_id, s.name, ST_X(s.geom), ST_Y(s.geom), to_char(s.opens, 'HH24:MI'), to_char(s.closes, 'HH24:MI'),
	       s.active AND s.opens <= $3::time AND $3::time < s.closes,
	       l.queue, l.at, COALESCE(t.tested, 0), COALESCE(t.last_hour, 0)
	FROM sampling_sites s
	LEFT JOIN LATERAL (
		SELECT r.queue, r.at FROM sampling_reports r WHERE r.site_id = s.id AND r.day = $1::date
		ORDER BY r.at DESC, r.id DESC LIMIT 1
	) l ON true
	LEFT JOIN LATERAL (
		SELECT sum(r.tested) AS tested, sum(r.tested) FILTER (WHERE r.at > $2::timestamptz - interval '1 hour') AS last_hour
		FROM sampling_reports r WHERE r.site_id = s.id AND r.day = $1::date
	) t ON true`

func scanSite(row pgx.Row) (SamplingSite, error) {
	var c SamplingSite
	err := row.Scan(&c.ID, &c.Grid, &c.Name, &c.Lon, &c.Lat, &c.Opens, &c.Closes, &c.OpenNow,
		&c.Queue, &c.ReportedAt, &c.TestedToday, &c.ThroughputPerHour)
	return c, err
}

func (s *Store) samplingSite(ctx context.Context, tx pgx.Tx, id int64, clk SiteClock) (SamplingSite, error) {
	c, err := scanSite(tx.QueryRow(ctx, siteSelect+` WHERE s.id = $4`, clk.Day, clk.Now, clk.Time, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// SamplingSiteInput is a new sampling site; its grid is the level-3 grid
// containing the point.
type SamplingSiteInput struct {
	Name          string
	Lon, Lat      float64
	Opens, Closes string // "HH:MM"
}

// AddSamplingSite places a sampling site. Its grid is the current level-3
// grid containing the point, found in the write's transaction (a point in
// none is Unprocessable naming lon); check is the caller's scope check of
// that grid, run in the transaction before anything is written.
func (s *Store) AddSamplingSite(ctx context.Context, a Actor, clientID string, clk SiteClock, in SamplingSiteInput,
	check func(grid int64) error) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "sampling site", Created, func(tx pgx.Tx) (any, Change, error) {
		var grid int64
		err := tx.QueryRow(ctx, `
			SELECT g.id FROM current_grids g
			WHERE g.level = 3 AND ST_Intersects(g.geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))
			ORDER BY g.id LIMIT 1`, in.Lon, in.Lat).Scan(&grid)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil, Change{}, fieldErr(model.Unprocessable, "lon", "the point (%.6f, %.6f) lies in no compound grid", in.Lon, in.Lat)
		case err != nil:
			return nil, Change{}, err
		}
		if err := check(grid); err != nil {
			return nil, Change{}, err
		}
		var id int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO sampling_sites (grid_id, name, geom, opens, closes, created_by)
			VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5::time, $6::time, $7) RETURNING id`,
			grid, in.Name, in.Lon, in.Lat, in.Opens, in.Closes, nilIfZero(a.AccountID)).Scan(&id); err != nil {
			return nil, Change{}, err
		}
		c, err := s.samplingSite(ctx, tx, id, clk)
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "add sampling site", "sampling_site", id, nil, c); err != nil {
			return nil, Change{}, err
		}
		return c, Change{Grid: c.Grid, Events: []LiveEvent{samplingEvent(c)}}, nil
	})
}

// samplingEvent is a site's state as a "sampling" stream event: the
// whole site, so a map redraws its marker without a fetch.
func samplingEvent(c SamplingSite) LiveEvent {
	return event("sampling", c.Grid, c)
}

// SamplingSiteGrid returns a sampling site's grid.
func (s *Store) SamplingSiteGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "sampling site", id, `SELECT grid_id FROM sampling_sites WHERE id = $1`)
}

// ReportSampling records a report from a site at the clock's instant: the
// queue now and the people sampled since the previous report. A site
// that was closed down (not active) is refused.
func (s *Store) ReportSampling(ctx context.Context, a Actor, clientID string, clk SiteClock, id int64, queue, tested int) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "sampling report", Created, func(tx pgx.Tx) (any, Change, error) {
		var active bool
		err := tx.QueryRow(ctx, `SELECT active FROM sampling_sites WHERE id = $1 FOR UPDATE`, id).Scan(&active)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil, Change{}, ErrNotFound
		case err != nil:
			return nil, Change{}, err
		case !active:
			return nil, Change{}, fieldErr(model.Unprocessable, "id", "sampling site %d is closed down", id)
		}
		var rid int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO sampling_reports (site_id, day, at, queue, tested, reported_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			id, clk.Day, clk.Now, queue, tested, nilIfZero(a.AccountID)).Scan(&rid); err != nil {
			return nil, Change{}, err
		}
		c, err := s.samplingSite(ctx, tx, id, clk)
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "sampling report", "sampling_site", id, nil, map[string]any{"report": rid, "queue": queue, "tested": tested}); err != nil {
			return nil, Change{}, err
		}
		return c, Change{Grid: c.Grid, Events: []LiveEvent{samplingEvent(c)}}, nil
	})
}

// SamplingSites lists the active sampling sites of the compound grids
// given (nil for all) with their state on the clock's day.
func (s *Store) SamplingSites(ctx context.Context, leaves []int64, clk SiteClock) ([]SamplingSite, bool, error) {
	rows, err := s.pool.Query(ctx, siteSelect+`
		WHERE s.active AND ($4::bigint[] IS NULL OR s.grid_id = ANY($4)) ORDER BY s.name, s.id LIMIT `+listLimit,
		clk.Day, clk.Now, clk.Time, leaves)
	if err != nil {
		return nil, false, fmt.Errorf("store: sampling sites: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SamplingSite, error) { return scanSite(row) })
	if err != nil {
		return nil, false, fmt.Errorf("store: sampling sites: %w", err)
	}
	out, more := capRows(out)
	return out, more, nil
}

// copySampling writes the dataset's sampling sites, through a staging
// table as checkpoints are, and their reports.
func copySampling(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	f := field(ds)
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE sampling_xy (id bigint, grid_id bigint, name text, opens text, closes text, lon float8, lat float8) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	err := copyRows(ctx, tx, "sampling_xy", []string{"id", "grid_id", "name", "opens", "closes", "lon", "lat"}, len(f.SamplingSites), func(i int) []any {
		c := f.SamplingSites[i]
		return []any{c.ID, c.GridID, c.Name, c.Opens, c.Closes, c.Geom[0], c.Geom[1]}
	}, progress)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO sampling_sites (id, grid_id, name, opens, closes, geom)
		SELECT id, grid_id, name, opens::time, closes::time, ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM sampling_xy`); err != nil {
		return fmt.Errorf("sampling sites: %w", err)
	}
	return copyRows(ctx, tx, "sampling_reports", []string{"id", "site_id", "day", "at", "queue", "tested"}, len(f.SamplingReports), func(i int) []any {
		r := f.SamplingReports[i]
		return []any{r.ID, r.SiteID, r.Day, r.At, int32(r.Queue), int32(r.Tested)}
	}, progress)
}

// ClockAt is the site clock at now in the area's time zone loc.
func ClockAt(now time.Time, loc *time.Location) SiteClock {
	local := now.In(loc)
	return SiteClock{Day: local.Format(time.DateOnly), Now: now, Time: local.Format("15:04:05")}
}
