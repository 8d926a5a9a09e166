package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/coverage"
)

// parseSnapshot reads "xmin:xmax:xip,xip".
func parseSnapshot(v string) (coverage.Snapshot, error) {
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		return coverage.Snapshot{}, fmt.Errorf("store: snapshot %q", v)
	}
	var s coverage.Snapshot
	var err1, err2 error
	s.Xmin, err1 = strconv.ParseUint(parts[0], 10, 64)
	s.Xmax, err2 = strconv.ParseUint(parts[1], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return s, fmt.Errorf("store: snapshot %q: %w", v, err)
	}
	for _, x := range strings.Split(parts[2], ",") {
		if x == "" {
			continue
		}
		id, err := strconv.ParseUint(x, 10, 64)
		if err != nil {
			return s, fmt.Errorf("store: snapshot %q: %w", v, err)
		}
		s.InProgress = append(s.InProgress, id)
	}
	return s, nil
}

// CoverageLeaves counts every compound grid's coverage from current state
// in one statement: the full count the live roll-up starts from and is
// reconciled against. today is the area's local day, now the instant
// visits fall due against. It also returns the snapshot the count saw,
// so writes committed while it ran can be added (coverage.Snapshot.Visible).
func (s *Store) CoverageLeaves(ctx context.Context, today string, now time.Time) (map[int64]coverage.Tally, coverage.Snapshot, error) {
	var snap coverage.Snapshot
	var out map[int64]coverage.Tally
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var v string
		if err := tx.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&v); err != nil {
			return err
		}
		var err error
		if snap, err = parseSnapshot(v); err != nil {
			return err
		}
		out, err = coverageLeaves(ctx, tx, today, now)
		return err
	})
	if err != nil {
		return nil, snap, fmt.Errorf("store: coverage: %w", err)
	}
	return out, snap, nil
}

func coverageLeaves(ctx context.Context, tx pgx.Tx, today string, now time.Time) (map[int64]coverage.Tally, error) {
	rows, err := tx.Query(ctx, tallyHouseholds+`
		, latest AS (
			SELECT DISTINCT ON (s.household_id) s.household_id, s.outcome
			FROM screenings s WHERE s.day = $1::date
			ORDER BY s.household_id, s.reported_at DESC, s.id DESC
		), sc AS (
			SELECT b.grid_id, count(*) AS screened
			FROM latest l JOIN households h ON h.id = l.household_id JOIN buildings b ON b.id = h.building_id
			WHERE h.status = 'occupied' AND l.outcome IN ('normal', 'fever', 'home_quarantine', 'risk_area_return')
			GROUP BY b.grid_id
		), qu AS (
			SELECT b.grid_id, count(DISTINCT q.household_id) AS quarantined
			FROM quarantines q JOIN households h ON h.id = q.household_id JOIN buildings b ON b.id = h.building_id
			WHERE q.ended_at IS NULL AND q.starts <= $1::date AND q.ends >= $1::date
			GROUP BY b.grid_id
		), al AS (
			SELECT grid_id, count(*) AS fevers FROM alerts WHERE kind = 'fever' AND resolved_at IS NULL GROUP BY grid_id
		), ov AS (
			SELECT b.grid_id, count(*) AS overdue
			FROM vulnerable_residents r JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id
			WHERE r.left_at IS NULL AND COALESCE(r.last_visit, r.since) + make_interval(days => r.visit_every_days) < $2
			GROUP BY b.grid_id
		), rq AS (
			SELECT grid_id, count(*) AS open FROM requests WHERE closed_at IS NULL GROUP BY grid_id
		)
		`+tallySelect+`
		WHERE g.level = 3 AND g.retired_at IS NULL`, today, now)
	if err != nil {
		return nil, err
	}
	return scanTallies(rows)
}

// tallyHouseholds opens the statements that count grids' tallies: the
// households and buildings of each grid, as they are now (they have no
// history). The statement goes on with its own CTEs for field work and
// ends with tallySelect.
const tallyHouseholds = `
	WITH hh AS (
		SELECT b.grid_id,
		       count(*) FILTER (WHERE h.status = 'occupied') AS households,
		       count(*) FILTER (WHERE h.status <> 'occupied') AS excluded,
		       count(*) FILTER (WHERE h.status = 'occupied' AND h.contact_id IS NOT NULL) AS with_contact
		FROM households h JOIN buildings b ON b.id = h.building_id GROUP BY b.grid_id
	), bl AS (
		SELECT grid_id, count(*) AS buildings, count(head_id) AS with_head FROM buildings GROUP BY grid_id
	)`

// tallySelect joins the CTEs hh, bl, sc, qu, al, ov and rq to the grids,
// in the order scanTallies reads; the statement adds its WHERE.
const tallySelect = `
	SELECT g.id, COALESCE(hh.households, 0), COALESCE(hh.excluded, 0), COALESCE(hh.with_contact, 0),
	       COALESCE(bl.buildings, 0), COALESCE(bl.with_head, 0), COALESCE(sc.screened, 0),
	       COALESCE(qu.quarantined, 0), COALESCE(al.fevers, 0), COALESCE(ov.overdue, 0), COALESCE(rq.open, 0)
	FROM grids g
	LEFT JOIN hh ON hh.grid_id = g.id LEFT JOIN bl ON bl.grid_id = g.id LEFT JOIN sc ON sc.grid_id = g.id
	LEFT JOIN qu ON qu.grid_id = g.id LEFT JOIN al ON al.grid_id = g.id LEFT JOIN ov ON ov.grid_id = g.id
	LEFT JOIN rq ON rq.grid_id = g.id`

// scanTallies reads the rows of a statement ending in tallySelect.
func scanTallies(rows pgx.Rows) (map[int64]coverage.Tally, error) {
	out := map[int64]coverage.Tally{}
	var id int64
	var t coverage.Tally
	_, err := pgx.ForEachRow(rows, []any{&id, &t.Households, &t.Excluded, &t.WithContact, &t.Buildings, &t.WithHead,
		&t.ScreenedToday, &t.Quarantined, &t.FeverAlerts, &t.OverdueVisits, &t.OpenRequests}, func() error {
		out[id] = t
		return nil
	})
	return out, err
}

// GapBuilding is a building as a gap list shows it.
type GapBuilding struct {
	ID   int64   `json:"id"`
	Name string  `json:"name"`
	Lon  float64 `json:"lon"`
	Lat  float64 `json:"lat"`
}

// GapHousehold is a household in a gap list.
type GapHousehold struct {
	ID   int64  `json:"id"`
	Unit string `json:"unit"`
	Room string `json:"room"`
}

// BuildingGap is the households of one building with the same gap.
type BuildingGap struct {
	Building   GapBuilding    `json:"building"`
	Households []GapHousehold `json:"households"`
}

// OverdueVisit is a resident on the ledger whose visit is overdue.
type OverdueVisit struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Phone       *string    `json:"phone"`
	Category    string     `json:"category"`
	HouseholdID int64      `json:"household_id"`
	BuildingID  int64      `json:"building_id"`
	Building    string     `json:"building"`
	Lon         float64    `json:"lon"`
	Lat         float64    `json:"lat"`
	LastVisit   *time.Time `json:"last_visit"`
	Due         time.Time  `json:"due"`
}

// OpenRequestGap is an open hotline request.
type OpenRequestGap struct {
	ID         int64     `json:"id"`
	BuildingID int64     `json:"building_id"`
	Building   string    `json:"building"`
	Lon        float64   `json:"lon"`
	Lat        float64   `json:"lat"`
	Category   string    `json:"category"`
	Body       string    `json:"body"`
	Caller     *string   `json:"caller"`
	Phone      *string   `json:"phone"`
	ReceivedAt time.Time `json:"received_at"`
	Urgency    string    `json:"urgency"`
	Deadline   time.Time `json:"deadline"` // overdue after it
}

// QuarantineGap is a household under a quarantine active today.
type QuarantineGap struct {
	ID          int64   `json:"id"`
	HouseholdID int64   `json:"household_id"`
	BuildingID  int64   `json:"building_id"`
	Building    string  `json:"building"`
	Unit        string  `json:"unit"`
	Room        string  `json:"room"`
	Lon         float64 `json:"lon"`
	Lat         float64 `json:"lat"`
	Starts      string  `json:"starts"`
	Ends        string  `json:"ends"`
	SealID      *string `json:"seal_id"`
}

// FeverAlertGap is an open fever alert.
type FeverAlertGap struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"`
	HouseholdID  *int64    `json:"household_id"`
	CheckpointID *int64    `json:"checkpoint_id"`
	Lon          float64   `json:"lon"`
	Lat          float64   `json:"lat"`
	At           time.Time `json:"at"`
	Note         *string   `json:"note"`
}

// Gaps is what needs doing in a grid right now.
type Gaps struct {
	Grid                 int64            `json:"grid"`
	Day                  string           `json:"day"`
	BuildingsWithoutHead []GapBuilding    `json:"buildings_without_head"`
	Unscreened           []BuildingGap    `json:"unscreened"`
	WithoutContact       []BuildingGap    `json:"without_contact"`
	OverdueVisits        []OverdueVisit   `json:"overdue_visits"`
	OpenRequests         []OpenRequestGap `json:"open_requests"`
	Quarantined          []QuarantineGap  `json:"quarantined"`
	FeverAlerts          []FeverAlertGap  `json:"fever_alerts"`
	SealAlerts           []FeverAlertGap  `json:"seal_alerts"` // open door-seal alerts (same shape, kind seal_*)
	Truncated            bool             `json:"truncated"`
}

// GapLimit caps each list of Gaps.
const GapLimit = 2000

// GridGaps lists the gaps of a grid's subtree (leaves are the compound
// grids listed): the same definitions as CoverageLeaves, row by row.
func (s *Store) GridGaps(ctx context.Context, grid int64, leaves []int64, today string, now time.Time) (*Gaps, error) {
	g := &Gaps{Grid: grid, Day: today, BuildingsWithoutHead: []GapBuilding{}, Unscreened: []BuildingGap{},
		WithoutContact: []BuildingGap{}, OverdueVisits: []OverdueVisit{}, OpenRequests: []OpenRequestGap{},
		Quarantined: []QuarantineGap{}, FeverAlerts: []FeverAlertGap{}, SealAlerts: []FeverAlertGap{}}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// One snapshot for every list, so they agree with each other.
		var err error
		if g.BuildingsWithoutHead, err = collect(ctx, tx, &g.Truncated, `
			SELECT id, name, ST_X(geom), ST_Y(geom) FROM buildings WHERE grid_id = ANY($1) AND head_id IS NULL ORDER BY name, id LIMIT $2`,
			func(row pgx.CollectableRow) (GapBuilding, error) {
				var b GapBuilding
				return b, row.Scan(&b.ID, &b.Name, &b.Lon, &b.Lat)
			}, leaves, GapLimit+1); err != nil {
			return err
		}
		if g.Unscreened, err = householdGaps(ctx, tx, &g.Truncated, `
			AND NOT EXISTS (SELECT 1 FROM (SELECT s.outcome FROM screenings s WHERE s.household_id = h.id AND s.day = $3::date
			                ORDER BY s.reported_at DESC, s.id DESC LIMIT 1) l
			                WHERE l.outcome IN ('normal', 'fever', 'home_quarantine', 'risk_area_return'))`, leaves, GapLimit+1, today); err != nil {
			return err
		}
		if g.WithoutContact, err = householdGaps(ctx, tx, &g.Truncated, `AND h.contact_id IS NULL`, leaves, GapLimit+1); err != nil {
			return err
		}
		if g.OverdueVisits, err = collect(ctx, tx, &g.Truncated, `
			SELECT r.id, p.name, p.phone, r.category, h.id, b.id, b.name, ST_X(b.geom), ST_Y(b.geom), r.last_visit,
			       COALESCE(r.last_visit, r.since) + make_interval(days => r.visit_every_days) AS due
			FROM vulnerable_residents r JOIN people p ON p.id = r.person_id JOIN households h ON h.id = r.household_id
			JOIN buildings b ON b.id = h.building_id
			WHERE b.grid_id = ANY($1) AND r.left_at IS NULL AND COALESCE(r.last_visit, r.since) + make_interval(days => r.visit_every_days) < $3
			ORDER BY due, r.id LIMIT $2`,
			func(row pgx.CollectableRow) (OverdueVisit, error) {
				var v OverdueVisit
				return v, row.Scan(&v.ID, &v.Name, &v.Phone, &v.Category, &v.HouseholdID, &v.BuildingID, &v.Building, &v.Lon, &v.Lat, &v.LastVisit, &v.Due)
			}, leaves, GapLimit+1, now); err != nil {
			return err
		}
		if g.OpenRequests, err = collect(ctx, tx, &g.Truncated, `
			SELECT q.id, b.id, b.name, ST_X(b.geom), ST_Y(b.geom), q.category, q.body, q.caller, q.phone, q.received_at,
				q.urgency, COALESCE(q.deadline, q.received_at + interval '24 hours')
			FROM requests q JOIN buildings b ON b.id = q.building_id
			WHERE q.grid_id = ANY($1) AND q.closed_at IS NULL ORDER BY q.received_at, q.id LIMIT $2`,
			func(row pgx.CollectableRow) (OpenRequestGap, error) {
				var q OpenRequestGap
				return q, row.Scan(&q.ID, &q.BuildingID, &q.Building, &q.Lon, &q.Lat, &q.Category, &q.Body, &q.Caller, &q.Phone, &q.ReceivedAt,
					&q.Urgency, &q.Deadline)
			}, leaves, GapLimit+1); err != nil {
			return err
		}
		if g.Quarantined, err = collect(ctx, tx, &g.Truncated, `
			SELECT q.id, h.id, b.id, b.name, h.unit, h.room, ST_X(b.geom), ST_Y(b.geom), q.starts::text, q.ends::text, q.seal_id
			FROM quarantines q JOIN households h ON h.id = q.household_id JOIN buildings b ON b.id = h.building_id
			WHERE b.grid_id = ANY($1) AND q.ended_at IS NULL AND q.starts <= $3::date AND q.ends >= $3::date
			ORDER BY q.ends, q.id LIMIT $2`,
			func(row pgx.CollectableRow) (QuarantineGap, error) {
				var q QuarantineGap
				return q, row.Scan(&q.ID, &q.HouseholdID, &q.BuildingID, &q.Building, &q.Unit, &q.Room, &q.Lon, &q.Lat, &q.Starts, &q.Ends, &q.SealID)
			}, leaves, GapLimit+1, today); err != nil {
			return err
		}
		alerts := func(kinds ...string) ([]FeverAlertGap, error) {
			return collect(ctx, tx, &g.Truncated, `
				SELECT a.id, a.kind, a.household_id, a.checkpoint_id, ST_X(COALESCE(b.geom, c.geom)), ST_Y(COALESCE(b.geom, c.geom)), a.at, a.note
				FROM alerts a LEFT JOIN households h ON h.id = a.household_id LEFT JOIN buildings b ON b.id = h.building_id
				LEFT JOIN checkpoints c ON c.id = a.checkpoint_id
				WHERE a.grid_id = ANY($1) AND a.kind = ANY($3) AND a.resolved_at IS NULL ORDER BY a.at, a.id LIMIT $2`,
				func(row pgx.CollectableRow) (FeverAlertGap, error) {
					var a FeverAlertGap
					return a, row.Scan(&a.ID, &a.Kind, &a.HouseholdID, &a.CheckpointID, &a.Lon, &a.Lat, &a.At, &a.Note)
				}, leaves, GapLimit+1, kinds)
		}
		if g.FeverAlerts, err = alerts("fever"); err != nil {
			return err
		}
		g.SealAlerts, err = alerts("seal_opened", "seal_tampered", "seal_offline")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: gaps of grid %d: %w", grid, err)
	}
	return g, nil
}

// collect runs a gap query whose second parameter is the limit plus one,
// and trims the extra row, noting the truncation.
func collect[T any](ctx context.Context, tx pgx.Tx, truncated *bool, sql string, scan pgx.RowToFunc[T], args ...any) ([]T, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, err
	}
	if len(out) > GapLimit {
		out, *truncated = out[:GapLimit], true
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// householdGaps lists occupied households matching cond, grouped by
// building; args are $1 the leaves, $2 the limit and any cond uses.
func householdGaps(ctx context.Context, tx pgx.Tx, truncated *bool, cond string, args ...any) ([]BuildingGap, error) {
	type row struct {
		b GapBuilding
		h GapHousehold
	}
	rows, err := collect(ctx, tx, truncated, `
		SELECT b.id, b.name, ST_X(b.geom), ST_Y(b.geom), h.id, h.unit, h.room
		FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = ANY($1) AND h.status = 'occupied' `+cond+`
		ORDER BY b.name, b.id, h.unit, h.room, h.id LIMIT $2`,
		func(r pgx.CollectableRow) (row, error) {
			var x row
			return x, r.Scan(&x.b.ID, &x.b.Name, &x.b.Lon, &x.b.Lat, &x.h.ID, &x.h.Unit, &x.h.Room)
		}, args...)
	if err != nil {
		return nil, err
	}
	out := []BuildingGap{}
	for _, x := range rows {
		if len(out) == 0 || out[len(out)-1].Building.ID != x.b.ID {
			out = append(out, BuildingGap{Building: x.b})
		}
		last := &out[len(out)-1]
		last.Households = append(last.Households, x.h)
	}
	return out, nil
}
