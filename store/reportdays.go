package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap/gridmap/coverage"
)

// ReportGrace is how long after its end a local day is closed: from then
// on no write changes its figures except through staleReportDays (field
// writes stamp rows with their transaction's start, and one that began
// before midnight may commit a little after it).
const ReportGrace = 10 * time.Minute

// ClosedDay is a closed local day's figures of every compound grid, as
// the day's report and the coverage of the day read them: Leaves as
// CoverageLeavesAsOf gives them at the day's last instant, Activity as
// DayActivity, Screened as ScreenedByDay (by grid, grids with none left
// out).
type ClosedDay struct {
	Leaves   map[int64]coverage.Tally
	Activity map[int64]Activity
	Screened map[int64]int
}

// ReportDay returns the figures of the closed local day day, which runs
// from start to end (exclusive), zone being the area's IANA time zone.
// They are counted once, by the three statements the day's report used
// to run on every request, in one snapshot, and kept in report_day_grids;
// later calls read them back (50,000 rows for a city). Households,
// buildings, heads and contacts, which have no history, are those of the
// moment the day was counted.
func (s *Store) ReportDay(ctx context.Context, day string, start, end time.Time, zone string) (ClosedDay, error) {
	d, ok, err := s.keptDay(ctx, day)
	if err == nil && !ok {
		d, err = s.countDay(ctx, day, start, end, zone)
	}
	if err != nil {
		return ClosedDay{}, fmt.Errorf("store: report day %s: %w", day, err)
	}
	return d, nil
}

// ReportDaysScreened returns ScreenedByDay's counts of the closed local
// days from from to to (at most a few weeks), counting and keeping the
// days not kept yet; start is from's first instant. One read of the kept
// counts, not a count per day.
func (s *Store) ReportDaysScreened(ctx context.Context, from, to string, start time.Time, zone string) ([]ScreenedOn, error) {
	var out []ScreenedOn
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("store: screened from %s to %s: %w", from, to, err)
	}
	var kept []string
	if err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT to_char(day, 'YYYY-MM-DD') FROM report_days WHERE day BETWEEN $1::date AND $2::date`, from, to)
		if err != nil {
			return err
		}
		if kept, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `
			SELECT g.grid_id, to_char(g.day, 'YYYY-MM-DD'), g.trend_screened
			FROM report_day_grids g JOIN report_days d USING (day)
			WHERE g.day BETWEEN $1::date AND $2::date AND g.trend_screened > 0`, from, to)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ScreenedOn])
		return err
	}); err != nil {
		return nil, fmt.Errorf("store: screened from %s to %s: %w", from, to, err)
	}
	first, _ := time.Parse(time.DateOnly, from)
	for i := 0; ; i++ {
		day := first.AddDate(0, 0, i).Format(time.DateOnly)
		if day > to {
			break
		}
		if slices.Contains(kept, day) {
			continue
		}
		dayStart := time.Date(start.Year(), start.Month(), start.Day()+i, 0, 0, 0, 0, loc)
		d, err := s.countDay(ctx, day, dayStart, dayStart.AddDate(0, 0, 1), zone)
		if err != nil {
			return nil, fmt.Errorf("store: screened on %s: %w", day, err)
		}
		for id, n := range d.Screened {
			out = append(out, ScreenedOn{Grid: id, Day: day, Screened: n})
		}
	}
	return out, nil
}

// keptDay reads a kept day's figures; ok is false when it is not kept.
func (s *Store) keptDay(ctx context.Context, day string) (ClosedDay, bool, error) {
	d := ClosedDay{Leaves: map[int64]coverage.Tally{}, Activity: map[int64]Activity{}, Screened: map[int64]int{}}
	ok := false
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM report_days WHERE day = $1::date)`, day).Scan(&ok); err != nil || !ok {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+reportDayColumns+` FROM report_day_grids WHERE day = $1::date`, day)
		if err != nil {
			return err
		}
		var (
			id      int64
			counted bool
			t       coverage.Tally
			a       Activity
			n       int
		)
		_, err = pgx.ForEachRow(rows, []any{&id, &counted, &t.Households, &t.Excluded, &t.WithContact, &t.Buildings, &t.WithHead,
			&t.ScreenedToday, &t.Quarantined, &t.FeverAlerts, &t.OverdueVisits, &t.OpenRequests,
			&a.Reports, &a.FeverReports, &a.NotHome, &a.Refused, &a.Visits, &a.RequestsReceived, &a.RequestsClosed,
			&a.SpotChecked, &a.SpotKnows, &n, &a.TasksMade, &a.TasksDone}, func() error {
			if counted {
				d.Leaves[id] = t
			}
			if a != (Activity{}) {
				d.Activity[id] = a
			}
			if n > 0 {
				d.Screened[id] = n
			}
			return nil
		})
		return err
	})
	return d, ok, err
}

// reportDayColumns are report_day_grids' columns in the order keptDay
// scans and countDay copies them.
const reportDayColumns = `grid_id, counted, households, excluded, with_contact, buildings, with_head,
	screened, quarantined, fever_alerts, overdue_visits, open_requests,
	reports, fever_reports, not_home, refused, visits, requests_received, requests_closed,
	spot_checked, spot_knows, trend_screened, tasks_made, tasks_done`

// countDay counts a closed day's figures in one snapshot and keeps them,
// unless a write that changes closed days (staleReportDays) committed
// after the snapshot or another count of the day keeps it first: then the
// figures counted are returned and not kept.
func (s *Store) countDay(ctx context.Context, day string, start, end time.Time, zone string) (ClosedDay, error) {
	var d ClosedDay
	at := end.Add(-time.Microsecond)
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var err error
		if _, err = tx.Exec(ctx, `SELECT epoch FROM report_epoch`); err != nil {
			return err
		}
		if d.Leaves, err = coverageLeavesAsOf(ctx, tx, day, at); err != nil {
			return err
		}
		if d.Activity, err = dayActivity(ctx, tx, day); err != nil {
			return err
		}
		counts, err := screenedByDay(ctx, tx, day, day, zone, at)
		if err != nil {
			return err
		}
		d.Screened = make(map[int64]int, len(counts))
		for _, c := range counts {
			d.Screened[c.Grid] += c.Screened
		}
		return keepDay(ctx, tx, day, d)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "23505") && d.Screened != nil {
		return d, nil // counted, not kept: a write changed closed days meanwhile, or another count kept it
	}
	return d, err
}

// keepDay stores a counted day. It touches report_epoch first, so it
// waits for a write that changes closed days and fails (serialization)
// when one committed after the count's snapshot.
func keepDay(ctx context.Context, tx pgx.Tx, day string, d ClosedDay) error {
	if _, err := tx.Exec(ctx, `UPDATE report_epoch SET epoch = epoch`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM report_day_grids WHERE day = $1::date`, day); err != nil {
		return err
	}
	date, _ := time.Parse(time.DateOnly, day)
	ids := map[int64]bool{}
	for id := range d.Leaves {
		ids[id] = true
	}
	for id := range d.Activity {
		ids[id] = true
	}
	for id := range d.Screened {
		ids[id] = true
	}
	rows := make([][]any, 0, len(ids))
	for id := range ids {
		t, counted := d.Leaves[id]
		a := d.Activity[id]
		rows = append(rows, []any{date, id, counted, t.Households, t.Excluded, t.WithContact, t.Buildings, t.WithHead,
			t.ScreenedToday, t.Quarantined, t.FeverAlerts, t.OverdueVisits, t.OpenRequests,
			a.Reports, a.FeverReports, a.NotHome, a.Refused, a.Visits, a.RequestsReceived, a.RequestsClosed,
			a.SpotChecked, a.SpotKnows, d.Screened[id], a.TasksMade, a.TasksDone})
	}
	cols := []string{"day", "grid_id", "counted", "households", "excluded", "with_contact", "buildings", "with_head",
		"screened", "quarantined", "fever_alerts", "overdue_visits", "open_requests",
		"reports", "fever_reports", "not_home", "refused", "visits", "requests_received", "requests_closed",
		"spot_checked", "spot_knows", "trend_screened", "tasks_made", "tasks_done"}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"report_day_grids"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO report_days (day) VALUES ($1::date)`, day)
	return err
}

// staleReportDays is called in the transaction of a write that changes
// what happened at instant at, when at may lie in a closed day (before
// now - ReportGrace): it forgets the kept days from at's local day on
// (in any time zone: from the day before its UTC date), so they are
// counted again, and bumps report_epoch so a count running meanwhile
// does not keep what it could not see.
func staleReportDays(ctx context.Context, tx pgx.Tx, at, now time.Time) error {
	if !at.Before(now.Add(-ReportGrace)) {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE report_epoch SET epoch = epoch + 1`); err != nil {
		return fmt.Errorf("report days: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM report_days WHERE day >= $1::date - 1`, at.UTC().Format(time.DateOnly)); err != nil {
		return fmt.Errorf("report days: %w", err)
	}
	return nil
}
