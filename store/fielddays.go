package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// FieldDays is the field work AddFieldDays generates: Days local days
// ending today (in Zone, an IANA name), today's work done by Now.
type FieldDays struct {
	Days int
	Now  time.Time
	Zone string
}

// AddFieldDays fills a loaded area (the generated city) with a week's
// worth of field work at the scale of a real one, so that benchmarks of
// what reads it (the day's report) measure the city at work, not an
// empty one: today 78 % of the households screened (5 % first found not
// at home and screened later, 1 % refusing, 0.2 % with fever, each with
// its alert), each earlier day a quarter of them; a vulnerable resident on
// the ledger in one household of a hundred, each visited every third day;
// some 20,000 hotline requests a day, four in five closed three hours
// later. Today's work lies between midnight and d.Now. The grids are
// made to exist since the day before the first. Deterministic (ids and
// days decide everything) and set-based: one statement per table, one
// transaction, about a minute for the 2.4 million households of
// `seed --city 50000`. It adds: run it on a freshly seeded area.
func (s *Store) AddFieldDays(ctx context.Context, d FieldDays) error {
	if d.Days < 1 || d.Days > 31 {
		return fmt.Errorf("store: field days: %d days, want 1 to 31", d.Days)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, fieldDaysTable, d.Days, d.Now, d.Zone); err != nil {
			return err
		}
		for _, q := range fieldDaysSQL {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("%.60s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: field days: %w", err)
	}
	return nil
}

// fieldDaysTable holds each of $1 days up to the day of $2 in zone $3 (i
// = 0 today) with its start, now, and the span its work is spread over
// (seconds from 07:00 on, today only until now).
const fieldDaysTable = `
	CREATE TEMP TABLE field_days ON COMMIT DROP AS
	SELECT i, day, start, $2::timestamptz AS now,
	       GREATEST(60, LEAST(13 * 3600, extract(epoch FROM $2::timestamptz - start - interval '7 hours')))::int AS span
	FROM (SELECT i, (($2::timestamptz AT TIME ZONE $3)::date - i) AS day FROM generate_series(0, $1::int - 1) i) d,
	     LATERAL (SELECT (d.day::timestamp AT TIME ZONE $3) AS start) s`

// fieldDaysSQL are AddFieldDays's statements after fieldDaysTable.
var fieldDaysSQL = []string{
	`UPDATE grids SET created_at = (SELECT min(start) - interval '1 day' FROM field_days)
	 WHERE created_at > (SELECT min(start) - interval '1 day' FROM field_days)`,
	// A household's report of a day: at 07:00 + a spread, the outcome by
	// its id and the day; the ones not at home come back and screen later.
	`INSERT INTO screenings (household_id, day, outcome, temperature, reported_at)
	 SELECT h.id, d.day, o.outcome, CASE WHEN o.outcome = 'fever' THEN 38.2 END,
	        d.start + interval '7 hours' + make_interval(secs => (h.id * 7919 + d.i * 104729) % d.span)
	 FROM field_days d JOIN households h ON (h.id * 31 + d.i * 17) % 100 < CASE WHEN d.i = 0 THEN 78 ELSE 25 END,
	      LATERAL (SELECT CASE WHEN (h.id + d.i) % 1000 < 50 THEN 'not_home' WHEN (h.id + d.i) % 1000 < 60 THEN 'refused'
	                           WHEN (h.id + d.i) % 1000 < 62 THEN 'fever' ELSE 'normal' END AS outcome) o`,
	`INSERT INTO screenings (household_id, day, outcome, reported_at)
	 SELECT s.household_id, s.day, 'normal', s.reported_at + (d.start + interval '7 hours' + make_interval(secs => d.span) - s.reported_at) / 2
	 FROM screenings s JOIN field_days d ON d.day = s.day
	 WHERE s.outcome = 'not_home' AND s.household_id % 2 = 0`,
	`INSERT INTO alerts (kind, grid_id, household_id, note, at, resolved_at, resolution)
	 SELECT 'fever', b.grid_id, s.household_id, 'screening, temperature recorded', s.reported_at,
	        CASE WHEN d.i > 0 THEN s.reported_at + interval '2 hours' END,
	        CASE WHEN d.i > 0 THEN 'sent to the fever clinic' END
	 FROM screenings s JOIN field_days d ON d.day = s.day JOIN households h ON h.id = s.household_id JOIN buildings b ON b.id = h.building_id
	 WHERE s.outcome = 'fever'`,
	`INSERT INTO vulnerable_residents (person_id, household_id, category, visit_every_days, since)
	 SELECT 1 + h.id % (SELECT max(id) FROM people), h.id, 'elderly_alone', 3, (SELECT min(start) - interval '1 day' FROM field_days)
	 FROM households h WHERE h.id % 100 = 0 AND h.status = 'occupied'`,
	`INSERT INTO visits (resident_id, at, method)
	 SELECT r.id, d.start + interval '7 hours' + make_interval(secs => (r.id * 7919) % d.span), CASE WHEN r.id % 4 = 0 THEN 'phone' ELSE 'visit' END
	 FROM field_days d JOIN vulnerable_residents r ON (r.id + d.i) % 3 = 0
	 WHERE r.since < d.start`,
	`UPDATE vulnerable_residents r SET last_visit = v.at FROM (SELECT resident_id, max(at) AS at FROM visits GROUP BY resident_id) v
	 WHERE v.resident_id = r.id`,
	`INSERT INTO requests (building_id, grid_id, category, body, received_at, closed_at, resolution)
	 SELECT b.id, b.grid_id, (ARRAY['supplies', 'medical', 'repair', 'complaint', 'other'])[1 + b.id % 5], 'generated request',
	        r.at, CASE WHEN b.id % 5 <> 0 AND r.at + interval '3 hours' <= d.now THEN r.at + interval '3 hours' END,
	        CASE WHEN b.id % 5 <> 0 AND r.at + interval '3 hours' <= d.now THEN 'done' END
	 FROM field_days d JOIN buildings b ON (b.id + d.i) % 10 = 0,
	      LATERAL (SELECT d.start + interval '7 hours' + make_interval(secs => (b.id * 7919) % d.span) AS at) r
`,
	`ANALYZE screenings, alerts, vulnerable_residents, visits, requests, grids`,
}
