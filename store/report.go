package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Activity is the field work done in a grid on one local day, for the
// day's report: what was reported, visited, received, checked and tasked
// that day (the coverage figures say where things stood at its end).
type Activity struct {
	Reports          int `json:"screening_reports"` // screening reports for the day (every report, attempts too)
	FeverReports     int `json:"fever_reports"`     // of which the outcome was fever
	NotHome          int `json:"not_home"`          // of which nobody was home
	Refused          int `json:"refused"`           // of which the household refused
	Visits           int `json:"visits"`            // visits to residents on the ledger
	RequestsReceived int `json:"requests_received"` // hotline requests received
	RequestsClosed   int `json:"requests_closed"`   // hotline requests closed
	SpotChecked      int `json:"spot_checked"`      // spot-check households asked
	SpotKnows        int `json:"spot_knows"`        // of which knew their party-member contact
	TasksMade        int `json:"tasks_made"`        // tasks made (gaps handed to volunteers)
	TasksDone        int `json:"tasks_done"`        // tasks done
	// Tasks open (not yet done: open or accepted) and of them escalated,
	// now: today's report only (0 for a past day, whose open tasks at its
	// end are not kept).
	TasksOpen      int `json:"tasks_open"`
	TasksEscalated int `json:"tasks_escalated"`
}

// Add adds b to a (rolling grids up the hierarchy).
func (a *Activity) Add(b Activity) {
	a.Reports += b.Reports
	a.FeverReports += b.FeverReports
	a.NotHome += b.NotHome
	a.Refused += b.Refused
	a.Visits += b.Visits
	a.RequestsReceived += b.RequestsReceived
	a.RequestsClosed += b.RequestsClosed
	a.SpotChecked += b.SpotChecked
	a.SpotKnows += b.SpotKnows
	a.TasksMade += b.TasksMade
	a.TasksDone += b.TasksDone
	a.TasksOpen += b.TasksOpen
	a.TasksEscalated += b.TasksEscalated
}

// DayActivity returns each compound grid's field work on the local day
// day (in the area's time zone, SetActivityZone): screening reports for
// the day made by its end, visits, requests received and closed,
// spot-check answers recorded, tasks made and done that day. The writes
// keep these counts in day_activity as they happen (migration 012), so
// this reads one row per grid worked in. Work counts in the grid it was
// recorded in (a household's building's grid then, a request's or
// task's grid then); a boundary publish recounts today's and yesterday's
// rows of the grids it moved buildings between. Grids with no work that
// day are left out.
func (s *Store) DayActivity(ctx context.Context, day string) (map[int64]Activity, error) {
	out, err := dayActivity(ctx, s.pool, day)
	if err != nil {
		return nil, fmt.Errorf("store: activity of %s: %w", day, err)
	}
	return out, nil
}

func dayActivity(ctx context.Context, q querier, day string) (map[int64]Activity, error) {
	rows, err := q.Query(ctx, `
		SELECT grid_id, reports, fever_reports, not_home, refused, visits, requests_received, requests_closed,
		       spot_checked, spot_knows, tasks_made, tasks_done
		FROM day_activity WHERE day = $1::date`, day)
	if err != nil {
		return nil, err
	}
	out := map[int64]Activity{}
	var id int64
	var a Activity
	_, err = pgx.ForEachRow(rows, []any{&id, &a.Reports, &a.FeverReports, &a.NotHome, &a.Refused, &a.Visits,
		&a.RequestsReceived, &a.RequestsClosed, &a.SpotChecked, &a.SpotKnows, &a.TasksMade, &a.TasksDone}, func() error {
		if a != (Activity{}) {
			out[id] = a
		}
		return nil
	})
	return out, err
}

// OpenTasks counts each compound grid's tasks not yet done (open or
// accepted) now, and of them those escalated, as Activity's TasksOpen
// and TasksEscalated. Grids with none are left out.
func (s *Store) OpenTasks(ctx context.Context) (map[int64]Activity, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT grid_id, count(*), count(*) FILTER (WHERE escalation > 0)
		FROM tasks WHERE status IN ('open', 'accepted') GROUP BY grid_id`)
	if err != nil {
		return nil, fmt.Errorf("store: open tasks: %w", err)
	}
	out := map[int64]Activity{}
	var id int64
	var a Activity
	if _, err := pgx.ForEachRow(rows, []any{&id, &a.TasksOpen, &a.TasksEscalated}, func() error {
		out[id] = a
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: open tasks: %w", err)
	}
	return out, nil
}

// SetActivityZone makes zone (an IANA name) the time zone whose local
// days day_activity counts; when it differs from the one the counts were
// kept in, every count is made again, in the same transaction (at city
// scale about a minute). The server calls it at start.
func (s *Store) SetActivityZone(ctx context.Context, zone string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE day_activity_zone SET zone = $1 WHERE zone <> $1 AND now() AT TIME ZONE $1 IS NOT NULL`, zone)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `SELECT day_activity_recount('-infinity', NULL)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: activity zone %q: %w", zone, err)
	}
	return nil
}

// ScreenedOn is how many occupied households of a compound grid were
// screened on a day, as of the day's end.
type ScreenedOn struct {
	Grid     int64
	Day      string
	Screened int
}

// ScreenedByDay counts, for each local day from from to to (at most a
// few weeks: the day's report shows a week) and each compound grid, the
// occupied households whose latest report for that day made by the day's
// end (in zone, an IANA name) screened them, as CoverageLeavesAsOf counts
// at the end of a day; now caps today's end. One statement for every
// day, not one count per day. Grids and days with none are left out.
func (s *Store) ScreenedByDay(ctx context.Context, from, to, zone string, now time.Time) ([]ScreenedOn, error) {
	out, err := screenedByDay(ctx, s.pool, from, to, zone, now)
	if err != nil {
		return nil, fmt.Errorf("store: screened from %s to %s: %w", from, to, err)
	}
	return out, nil
}

func screenedByDay(ctx context.Context, q querier, from, to, zone string, now time.Time) ([]ScreenedOn, error) {
	rows, err := q.Query(ctx, `
		WITH latest AS (
			SELECT DISTINCT ON (s.day, s.household_id) s.day, s.household_id, s.outcome
			FROM screenings s
			WHERE s.day BETWEEN $1::date AND $2::date
			  AND s.reported_at < ((s.day + 1)::timestamp AT TIME ZONE $3) AND s.reported_at <= $4
			ORDER BY s.day, s.household_id, s.reported_at DESC, s.id DESC
		)
		SELECT b.grid_id, to_char(l.day, 'YYYY-MM-DD'), count(*)
		FROM latest l JOIN households h ON h.id = l.household_id JOIN buildings b ON b.id = h.building_id
		WHERE h.status = 'occupied' AND l.outcome IN ('normal', 'fever', 'home_quarantine', 'risk_area_return')
		GROUP BY b.grid_id, l.day`, from, to, zone, now)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ScreenedOn])
}
