package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
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
	Grid                 int64             `json:"grid"`
	Day                  string            `json:"day"`
	BuildingsWithoutHead []GapBuilding     `json:"buildings_without_head"`
	Unscreened           []BuildingGap     `json:"unscreened"`
	WithoutContact       []BuildingGap     `json:"without_contact"`
	OverdueVisits        []OverdueVisit    `json:"overdue_visits"`
	OpenRequests         []OpenRequestGap  `json:"open_requests"`
	Quarantined          []QuarantineGap   `json:"quarantined"`
	FeverAlerts          []FeverAlertGap   `json:"fever_alerts"`
	SealAlerts           []FeverAlertGap   `json:"seal_alerts"`    // open door-seal alerts (same shape, kind seal_*)
	Truncated            bool              `json:"truncated"`      // some list goes on: Next has its cursor
	Next                 map[string]string `json:"next,omitempty"` // by kind: the cursor of GapPage's next page
}

// GapLimit caps each list of Gaps; GapPage gives the rest.
const GapLimit = 2000

// GapLists are the gap lists, by the names of their JSON fields.
var GapLists = []string{"buildings_without_head", "unscreened", "without_contact", "overdue_visits",
	"open_requests", "quarantined", "fever_alerts", "seal_alerts"}

// GridGaps lists the gaps of a grid's subtree (leaves are the compound
// grids listed): the same definitions as CoverageLeaves, row by row, the
// first GapLimit of each kind, with the cursor of the rest in Next.
func (s *Store) GridGaps(ctx context.Context, grid int64, leaves []int64, today string, now time.Time) (*Gaps, error) {
	g := &Gaps{Grid: grid, Day: today, Next: map[string]string{}}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// One snapshot for every list, so they agree with each other.
		q := gapQuery{tx: tx, leaves: leaves, today: today, now: now, limit: GapLimit}
		for _, kind := range GapLists {
			next, err := q.run(ctx, kind, g)
			if err != nil {
				return err
			}
			if next != "" {
				g.Next[kind], g.Truncated = next, true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: gaps of grid %d: %w", grid, err)
	}
	return g, nil
}

// GapPage returns the page of one kind of gap (its field of Gaps filled,
// the others empty) of at most limit rows after the cursor after (""
// for the first), and the cursor of the next page ("" after the last).
func (s *Store) GapPage(ctx context.Context, grid int64, leaves []int64, today string, now time.Time, kind, after string, limit int) (*Gaps, string, error) {
	g := &Gaps{Grid: grid, Day: today}
	var keys []any
	if after != "" {
		raw, err := base64.RawURLEncoding.DecodeString(after)
		if err == nil {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber() // ids stay exact
			err = dec.Decode(&keys)
		}
		if err != nil || len(keys) == 0 {
			return nil, "", ErrBadCursor
		}
	}
	q := gapQuery{pool: s.pool, leaves: leaves, today: today, now: now, limit: limit, after: keys}
	next, err := q.run(ctx, kind, g)
	if err != nil {
		return nil, "", fmt.Errorf("store: %s of grid %d: %w", kind, grid, err)
	}
	return g, next, nil
}

// List is g's list of kind (one of GapLists).
func (g *Gaps) List(kind string) any {
	switch kind {
	case "buildings_without_head":
		return g.BuildingsWithoutHead
	case "unscreened":
		return g.Unscreened
	case "without_contact":
		return g.WithoutContact
	case "overdue_visits":
		return g.OverdueVisits
	case "open_requests":
		return g.OpenRequests
	case "quarantined":
		return g.Quarantined
	case "fever_alerts":
		return g.FeverAlerts
	case "seal_alerts":
		return g.SealAlerts
	}
	return nil
}

// ErrBadCursor is a page cursor that is not one.
var ErrBadCursor = errors.New("store: not a page cursor")

// gapQuery runs one kind's gap list in a snapshot (tx) or on the pool.
type gapQuery struct {
	tx   pgx.Tx
	pool interface {
		Query(context.Context, string, ...any) (pgx.Rows, error)
	}
	leaves []int64
	today  string
	now    time.Time
	limit  int
	after  []any // the order keys of the last row of the page before
}

// gapSQL is one kind's query: $1 the leaves, $2 the limit (plus one),
// args from $3; {after} stands where the keyset condition goes, keys are
// the ORDER BY columns (ascending) with their SQL types.
type gapSQL struct {
	sql   string
	keys  []string
	types []string
}

func (q gapQuery) query(ctx context.Context, k gapSQL, args ...any) (pgx.Rows, error) {
	cond := ""
	all := append([]any{q.leaves, q.limit + 1}, args...)
	if q.after != nil {
		if len(q.after) != len(k.keys) {
			return nil, ErrBadCursor
		}
		ps := make([]string, len(k.keys))
		for i, t := range k.types {
			v, ok := cursorValue(q.after[i], t)
			if !ok {
				return nil, ErrBadCursor
			}
			ps[i] = fmt.Sprintf("$%d::%s", len(all)+1, t)
			all = append(all, v)
		}
		cond = "AND (" + strings.Join(k.keys, ", ") + ") > (" + strings.Join(ps, ", ") + ")"
	}
	sql := strings.Replace(k.sql, "{after}", cond, 1) + " ORDER BY " + strings.Join(k.keys, ", ") + " LIMIT $2"
	if q.tx != nil {
		return q.tx.Query(ctx, sql, all...)
	}
	return q.pool.Query(ctx, sql, all...)
}

// cursorValue checks a cursor's key against its SQL type and gives it
// as the text PostgreSQL casts.
func cursorValue(v any, typ string) (string, bool) {
	s := fmt.Sprint(v)
	var err error
	switch typ {
	case "bigint":
		_, err = strconv.ParseInt(s, 10, 64)
	case "timestamptz":
		_, err = time.Parse(time.RFC3339Nano, s)
	case "date":
		_, err = time.Parse(time.DateOnly, s)
	case "text":
		_, ok := v.(string)
		return s, ok
	}
	return s, err == nil
}

// page collects a gap query's rows, trims the extra one and gives the
// cursor after the last row kept when there are more.
func page[T any](q gapQuery, rows pgx.Rows, scan pgx.RowToFunc[T], keys func(T) []any) ([]T, string, error) {
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, "", err
	}
	if out == nil {
		out = []T{}
	}
	if len(out) <= q.limit {
		return out, "", nil
	}
	out = out[:q.limit]
	b, err := json.Marshal(keys(out[len(out)-1]))
	return out, base64.RawURLEncoding.EncodeToString(b), err
}

var (
	buildingsWithoutHead = gapSQL{`
		SELECT b.id, b.name, ST_X(b.geom), ST_Y(b.geom) FROM buildings b WHERE b.grid_id = ANY($1) AND b.head_id IS NULL {after}`,
		[]string{"b.name", "b.id"}, []string{"text", "bigint"}}
	overdueVisits = gapSQL{`
		SELECT r.id, p.name, p.phone, r.category, h.id, b.id, b.name, ST_X(b.geom), ST_Y(b.geom), r.last_visit,
		       COALESCE(r.last_visit, r.since) + make_interval(days => r.visit_every_days) AS due
		FROM vulnerable_residents r JOIN people p ON p.id = r.person_id JOIN households h ON h.id = r.household_id
		JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = ANY($1) AND r.left_at IS NULL AND COALESCE(r.last_visit, r.since) + make_interval(days => r.visit_every_days) < $3 {after}`,
		[]string{"COALESCE(r.last_visit, r.since) + make_interval(days => r.visit_every_days)", "r.id"}, []string{"timestamptz", "bigint"}}
	openRequests = gapSQL{`
		SELECT q.id, b.id, b.name, ST_X(b.geom), ST_Y(b.geom), q.category, q.body, q.caller, q.phone, q.received_at,
			q.urgency, COALESCE(q.deadline, q.received_at + interval '24 hours')
		FROM requests q JOIN buildings b ON b.id = q.building_id
		WHERE q.grid_id = ANY($1) AND q.closed_at IS NULL {after}`,
		[]string{"q.received_at", "q.id"}, []string{"timestamptz", "bigint"}}
	quarantined = gapSQL{`
		SELECT q.id, h.id, b.id, b.name, h.unit, h.room, ST_X(b.geom), ST_Y(b.geom), q.starts::text, q.ends::text, q.seal_id
		FROM quarantines q JOIN households h ON h.id = q.household_id JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = ANY($1) AND q.ended_at IS NULL AND q.starts <= $3::date AND q.ends >= $3::date {after}`,
		[]string{"q.ends", "q.id"}, []string{"date", "bigint"}}
	openAlerts = gapSQL{`
		SELECT a.id, a.kind, a.household_id, a.checkpoint_id, ST_X(COALESCE(b.geom, c.geom)), ST_Y(COALESCE(b.geom, c.geom)), a.at, a.note
		FROM alerts a LEFT JOIN households h ON h.id = a.household_id LEFT JOIN buildings b ON b.id = h.building_id
		LEFT JOIN checkpoints c ON c.id = a.checkpoint_id
		WHERE a.grid_id = ANY($1) AND a.kind = ANY($3) AND a.resolved_at IS NULL {after}`,
		[]string{"a.at", "a.id"}, []string{"timestamptz", "bigint"}}
	householdKeys  = []string{"b.name", "b.id", "h.unit", "h.room", "h.id"}
	householdTypes = []string{"text", "bigint", "text", "text", "bigint"}
	unscreenedCond = `
		AND NOT EXISTS (SELECT 1 FROM (SELECT s.outcome FROM screenings s WHERE s.household_id = h.id AND s.day = $3::date
		                ORDER BY s.reported_at DESC, s.id DESC LIMIT 1) l
		                WHERE l.outcome IN ('normal', 'fever', 'home_quarantine', 'risk_area_return'))`
)

// run fills kind's field of g with a page and gives the next cursor.
func (q gapQuery) run(ctx context.Context, kind string, g *Gaps) (string, error) {
	var (
		rows pgx.Rows
		next string
		err  error
	)
	tsKey := func(t time.Time) any { return t.Format(time.RFC3339Nano) }
	switch kind {
	case "buildings_without_head":
		if rows, err = q.query(ctx, buildingsWithoutHead); err == nil {
			g.BuildingsWithoutHead, next, err = page(q, rows, func(row pgx.CollectableRow) (GapBuilding, error) {
				var b GapBuilding
				return b, row.Scan(&b.ID, &b.Name, &b.Lon, &b.Lat)
			}, func(b GapBuilding) []any { return []any{b.Name, b.ID} })
		}
	case "unscreened":
		g.Unscreened, next, err = q.households(ctx, unscreenedCond, q.today)
	case "without_contact":
		g.WithoutContact, next, err = q.households(ctx, `AND h.contact_id IS NULL`)
	case "overdue_visits":
		if rows, err = q.query(ctx, overdueVisits, q.now); err == nil {
			g.OverdueVisits, next, err = page(q, rows, func(row pgx.CollectableRow) (OverdueVisit, error) {
				var v OverdueVisit
				return v, row.Scan(&v.ID, &v.Name, &v.Phone, &v.Category, &v.HouseholdID, &v.BuildingID, &v.Building, &v.Lon, &v.Lat, &v.LastVisit, &v.Due)
			}, func(v OverdueVisit) []any { return []any{tsKey(v.Due), v.ID} })
		}
	case "open_requests":
		if rows, err = q.query(ctx, openRequests); err == nil {
			g.OpenRequests, next, err = page(q, rows, func(row pgx.CollectableRow) (OpenRequestGap, error) {
				var r OpenRequestGap
				return r, row.Scan(&r.ID, &r.BuildingID, &r.Building, &r.Lon, &r.Lat, &r.Category, &r.Body, &r.Caller, &r.Phone, &r.ReceivedAt,
					&r.Urgency, &r.Deadline)
			}, func(r OpenRequestGap) []any { return []any{tsKey(r.ReceivedAt), r.ID} })
		}
	case "quarantined":
		if rows, err = q.query(ctx, quarantined, q.today); err == nil {
			g.Quarantined, next, err = page(q, rows, func(row pgx.CollectableRow) (QuarantineGap, error) {
				var x QuarantineGap
				return x, row.Scan(&x.ID, &x.HouseholdID, &x.BuildingID, &x.Building, &x.Unit, &x.Room, &x.Lon, &x.Lat, &x.Starts, &x.Ends, &x.SealID)
			}, func(x QuarantineGap) []any { return []any{x.Ends, x.ID} })
		}
	case "fever_alerts", "seal_alerts":
		kinds := []string{"fever"}
		if kind == "seal_alerts" {
			kinds = []string{"seal_opened", "seal_tampered", "seal_offline"}
		}
		var alerts []FeverAlertGap
		if rows, err = q.query(ctx, openAlerts, kinds); err == nil {
			alerts, next, err = page(q, rows, func(row pgx.CollectableRow) (FeverAlertGap, error) {
				var a FeverAlertGap
				return a, row.Scan(&a.ID, &a.Kind, &a.HouseholdID, &a.CheckpointID, &a.Lon, &a.Lat, &a.At, &a.Note)
			}, func(a FeverAlertGap) []any { return []any{tsKey(a.At), a.ID} })
		}
		if kind == "seal_alerts" {
			g.SealAlerts = alerts
		} else {
			g.FeverAlerts = alerts
		}
	default:
		return "", fmt.Errorf("no gap list %q", kind)
	}
	return next, err
}

// households lists occupied households matching cond (args from $3),
// grouped by building; a page counts households, so a building may go on
// in the next page.
func (q gapQuery) households(ctx context.Context, cond string, args ...any) ([]BuildingGap, string, error) {
	type row struct {
		b GapBuilding
		h GapHousehold
	}
	rows, err := q.query(ctx, gapSQL{`
		SELECT b.id, b.name, ST_X(b.geom), ST_Y(b.geom), h.id, h.unit, h.room
		FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = ANY($1) AND h.status = 'occupied' ` + cond + ` {after}`, householdKeys, householdTypes}, args...)
	if err != nil {
		return nil, "", err
	}
	list, next, err := page(q, rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.b.ID, &x.b.Name, &x.b.Lon, &x.b.Lat, &x.h.ID, &x.h.Unit, &x.h.Room)
	}, func(x row) []any { return []any{x.b.Name, x.b.ID, x.h.Unit, x.h.Room, x.h.ID} })
	if err != nil {
		return nil, "", err
	}
	out := []BuildingGap{}
	for _, x := range list {
		if len(out) == 0 || out[len(out)-1].Building.ID != x.b.ID {
			out = append(out, BuildingGap{Building: x.b})
		}
		last := &out[len(out)-1]
		last.Households = append(last.Households, x.h)
	}
	return out, next, nil
}
