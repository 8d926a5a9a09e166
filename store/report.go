package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Activity is the field work done in a grid on one local day, for the
// day's report: what was reported, visited, received and checked that
// day (the coverage figures say where things stood at its end).
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
}

// DayActivity counts each compound grid's field work on the local day day,
// which runs from start to end: screening reports for the day made by
// end, visits, requests received and closed and spot-check answers
// recorded in [start, end). Work on a household counts in the grid its
// building is in now (as the coverage figures do); requests in the grid
// they were routed to. Grids with no work that day are left out.
func (s *Store) DayActivity(ctx context.Context, day string, start, end time.Time) (map[int64]Activity, error) {
	out, err := dayActivity(ctx, s.pool, day, start, end)
	if err != nil {
		return nil, fmt.Errorf("store: activity of %s: %w", day, err)
	}
	return out, nil
}

func dayActivity(ctx context.Context, q querier, day string, start, end time.Time) (map[int64]Activity, error) {
	rows, err := q.Query(ctx, `
		WITH sc AS (
			SELECT b.grid_id, count(*) AS reports,
			       count(*) FILTER (WHERE s.outcome = 'fever') AS fever,
			       count(*) FILTER (WHERE s.outcome = 'not_home') AS not_home,
			       count(*) FILTER (WHERE s.outcome = 'refused') AS refused
			FROM screenings s JOIN households h ON h.id = s.household_id JOIN buildings b ON b.id = h.building_id
			WHERE s.day = $1::date AND s.reported_at < $3
			GROUP BY b.grid_id
		), vi AS (
			SELECT b.grid_id, count(*) AS visits
			FROM visits v JOIN vulnerable_residents r ON r.id = v.resident_id
			JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id
			WHERE v.at >= $2 AND v.at < $3
			GROUP BY b.grid_id
		), rr AS (
			SELECT grid_id, count(*) AS received FROM requests WHERE received_at >= $2 AND received_at < $3 GROUP BY grid_id
		), rc AS (
			SELECT grid_id, count(*) AS closed FROM requests WHERE closed_at >= $2 AND closed_at < $3 GROUP BY grid_id
		), sp AS (
			SELECT b.grid_id, count(*) AS checked, count(*) FILTER (WHERE i.result = 'knows') AS knows
			FROM spot_check_items i JOIN households h ON h.id = i.household_id JOIN buildings b ON b.id = h.building_id
			WHERE i.recorded_at >= $2 AND i.recorded_at < $3
			GROUP BY b.grid_id
		), g AS (
			SELECT grid_id FROM sc UNION SELECT grid_id FROM vi UNION SELECT grid_id FROM rr
			UNION SELECT grid_id FROM rc UNION SELECT grid_id FROM sp
		)
		SELECT g.grid_id, COALESCE(sc.reports, 0), COALESCE(sc.fever, 0), COALESCE(sc.not_home, 0), COALESCE(sc.refused, 0),
		       COALESCE(vi.visits, 0), COALESCE(rr.received, 0), COALESCE(rc.closed, 0),
		       COALESCE(sp.checked, 0), COALESCE(sp.knows, 0)
		FROM g LEFT JOIN sc USING (grid_id) LEFT JOIN vi USING (grid_id) LEFT JOIN rr USING (grid_id)
		LEFT JOIN rc USING (grid_id) LEFT JOIN sp USING (grid_id)`, day, start, end)
	if err != nil {
		return nil, err
	}
	out := map[int64]Activity{}
	var id int64
	var a Activity
	_, err = pgx.ForEachRow(rows, []any{&id, &a.Reports, &a.FeverReports, &a.NotHome, &a.Refused, &a.Visits,
		&a.RequestsReceived, &a.RequestsClosed, &a.SpotChecked, &a.SpotKnows}, func() error {
		out[id] = a
		return nil
	})
	return out, err
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
