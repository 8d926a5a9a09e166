package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/coverage"
)

// ResidentInput puts a vulnerable resident on the ledger.
type ResidentInput struct {
	HouseholdID    int64
	Name, Phone    string
	Category       string
	VisitEveryDays int
}

// Resident is an entry of the ledger of vulnerable residents.
type Resident struct {
	ID             int64      `json:"id"`
	PersonID       int64      `json:"person_id"`
	Name           string     `json:"name"`
	Phone          *string    `json:"phone"`
	HouseholdID    int64      `json:"household_id"`
	BuildingID     int64      `json:"building_id"`
	Grid           int64      `json:"grid"`
	Category       string     `json:"category"`
	VisitEveryDays int        `json:"visit_every_days"`
	Since          time.Time  `json:"since"`
	LastVisit      *time.Time `json:"last_visit"`
	Due            time.Time  `json:"due"`
	Overdue        bool       `json:"overdue"`
}

const residentColumns = `r.id, p.id, p.name, p.phone, r.household_id, b.id, b.grid_id, r.category, r.visit_every_days, r.since, r.last_visit,
	COALESCE(r.last_visit, r.since) + make_interval(days => r.visit_every_days)`

const residentFrom = ` FROM vulnerable_residents r JOIN people p ON p.id = r.person_id
	JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id`

func scanResident(row pgx.Row, now time.Time) (Resident, error) {
	var r Resident
	err := row.Scan(&r.ID, &r.PersonID, &r.Name, &r.Phone, &r.HouseholdID, &r.BuildingID, &r.Grid, &r.Category,
		&r.VisitEveryDays, &r.Since, &r.LastVisit, &r.Due)
	r.Overdue = r.Due.Before(now)
	return r, err
}

// AddResident puts a resident on the ledger, as a new person living in
// the household. A new entry is not overdue: its first visit is due one
// interval after it was entered.
func (s *Store) AddResident(ctx context.Context, a Actor, clientID string, now time.Time, in ResidentInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "vulnerable resident", created, func(tx pgx.Tx) (any, Change, error) {
		h, err := lockHousehold(ctx, tx, "household_id", in.HouseholdID)
		if err != nil {
			return nil, Change{}, err
		}
		var person, id int64
		if err := tx.QueryRow(ctx, `INSERT INTO people (name, phone, home_grid_id) VALUES ($1, NULLIF($2, ''), $3) RETURNING id`,
			in.Name, in.Phone, h.grid).Scan(&person); err != nil {
			return nil, Change{}, err
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO vulnerable_residents (person_id, household_id, category, visit_every_days, since)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, person, h.id, in.Category, in.VisitEveryDays, now).Scan(&id); err != nil {
			return nil, Change{}, err
		}
		r, err := scanResident(tx.QueryRow(ctx, `SELECT `+residentColumns+residentFrom+` WHERE r.id = $1`, id), now)
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "add vulnerable resident", "vulnerable_resident", id, nil, r); err != nil {
			return nil, Change{}, err
		}
		return r, Change{Grid: h.grid, Events: []LiveEvent{event("screening", h.grid, map[string]any{
			"kind": "resident", "id": id, "household_id": h.id, "building_id": h.building})}}, nil
	})
}

// ResidentGrid returns the grid of a ledger entry's household.
func (s *Store) ResidentGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "vulnerable resident", id, `SELECT b.grid_id`+` FROM vulnerable_residents r
		JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id WHERE r.id = $1`)
}

// VisitInput is a visit (or call) to a resident on the ledger.
type VisitInput struct {
	ResidentID int64
	At         time.Time
	Method     string
	Note       string
}

// Visit is a logged visit, with the resident as it stands after it.
type Visit struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Method   string    `json:"method"`
	Resident Resident  `json:"resident"`
}

// RecordVisit logs a visit; the resident stops being overdue when it is
// their latest.
func (s *Store) RecordVisit(ctx context.Context, a Actor, clientID string, now time.Time, in VisitInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "visit", created, func(tx pgx.Tx) (any, Change, error) {
		before, err := scanResident(tx.QueryRow(ctx, `SELECT `+residentColumns+residentFrom+` WHERE r.id = $1 AND r.left_at IS NULL FOR UPDATE OF r`, in.ResidentID), now)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, ErrNotFound
		}
		if err != nil {
			return nil, Change{}, err
		}
		v := Visit{At: in.At, Method: in.Method}
		if err := tx.QueryRow(ctx, `INSERT INTO visits (resident_id, at, method, note, visited_by) VALUES ($1, $2, $3, NULLIF($4, ''), $5) RETURNING id`,
			in.ResidentID, in.At, in.Method, in.Note, nilIfZero(a.AccountID)).Scan(&v.ID); err != nil {
			return nil, Change{}, err
		}
		if _, err := tx.Exec(ctx, `UPDATE vulnerable_residents SET last_visit = GREATEST(last_visit, $2) WHERE id = $1`, in.ResidentID, in.At); err != nil {
			return nil, Change{}, err
		}
		after, err := scanResident(tx.QueryRow(ctx, `SELECT `+residentColumns+residentFrom+` WHERE r.id = $1`, in.ResidentID), now)
		if err != nil {
			return nil, Change{}, err
		}
		v.Resident = after
		return v, Change{Grid: after.Grid, Delta: coverage.Tally{OverdueVisits: b2i(after.Overdue) - b2i(before.Overdue)},
			Events: []LiveEvent{event("screening", after.Grid, map[string]any{"kind": "visit", "id": v.ID, "resident_id": after.ID,
				"household_id": after.HouseholdID, "building_id": after.BuildingID, "overdue": after.Overdue})}}, nil
	})
}

// RequestInput is a call to the 24-hour hotline.
type RequestInput struct {
	BuildingID     int64
	Category, Body string
	Caller, Phone  string
	ReceivedAt     time.Time
}

// Request is a resident's request, routed to its building's grid.
type Request struct {
	ID         int64      `json:"id"`
	BuildingID int64      `json:"building_id"`
	Building   string     `json:"building"`
	Grid       int64      `json:"grid"`
	Category   string     `json:"category"`
	Body       string     `json:"body"`
	Caller     *string    `json:"caller"`
	Phone      *string    `json:"phone"`
	ReceivedAt time.Time  `json:"received_at"`
	ClosedAt   *time.Time `json:"closed_at"`
	Resolution *string    `json:"resolution"`
}

const requestColumns = `q.id, q.building_id, b.name, q.grid_id, q.category, q.body, q.caller, q.phone, q.received_at, q.closed_at, q.resolution`

func scanRequest(row pgx.Row) (Request, error) {
	var q Request
	err := row.Scan(&q.ID, &q.BuildingID, &q.Building, &q.Grid, &q.Category, &q.Body, &q.Caller, &q.Phone, &q.ReceivedAt, &q.ClosedAt, &q.Resolution)
	return q, err
}

func requestEvent(q Request) LiveEvent {
	return event("alerts", q.Grid, map[string]any{"kind": "request", "id": q.ID, "open": q.ClosedAt == nil,
		"building_id": q.BuildingID, "category": q.Category})
}

// OpenRequest records a hotline request at a building, routed to the
// building's grid.
func (s *Store) OpenRequest(ctx context.Context, a Actor, clientID string, in RequestInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "request", created, func(tx pgx.Tx) (any, Change, error) {
		var grid int64
		err := tx.QueryRow(ctx, `SELECT grid_id FROM buildings WHERE id = $1`, in.BuildingID).Scan(&grid)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, fieldErr(http.StatusBadRequest, "building_id", "no building has this id")
		}
		if err != nil {
			return nil, Change{}, err
		}
		var id int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO requests (building_id, grid_id, category, body, caller, phone, received_at)
			VALUES ($1, $2, $3, $4, NULLIF($5, ''), NULLIF($6, ''), $7) RETURNING id`,
			in.BuildingID, grid, in.Category, in.Body, in.Caller, in.Phone, in.ReceivedAt).Scan(&id); err != nil {
			return nil, Change{}, err
		}
		q, err := scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests q JOIN buildings b ON b.id = q.building_id WHERE q.id = $1`, id))
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "open request", "request", id, nil, q); err != nil {
			return nil, Change{}, err
		}
		return q, Change{Grid: grid, Delta: coverage.Tally{OpenRequests: 1}, Events: []LiveEvent{requestEvent(q)}}, nil
	})
}

// RequestGrid returns the grid a request is routed to.
func (s *Store) RequestGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "request", id, `SELECT grid_id FROM requests WHERE id = $1`)
}

// CloseRequest closes an open request.
func (s *Store) CloseRequest(ctx context.Context, a Actor, clientID string, id int64, resolution string) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "close request", changed, func(tx pgx.Tx) (any, Change, error) {
		q, err := scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests q JOIN buildings b ON b.id = q.building_id WHERE q.id = $1 FOR UPDATE OF q`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, ErrNotFound
		}
		if err != nil {
			return nil, Change{}, err
		}
		if q.ClosedAt != nil {
			return q, Change{Grid: q.Grid}, nil // closed already (by someone else): nothing changes
		}
		before := q
		q, err = scanRequest(tx.QueryRow(ctx, `
			WITH u AS (UPDATE requests SET closed_at = now(), resolution = NULLIF($2, '') WHERE id = $1 RETURNING *)
			SELECT `+requestColumns+` FROM u q JOIN buildings b ON b.id = q.building_id`, id, resolution))
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "close request", "request", id, before, q); err != nil {
			return nil, Change{}, err
		}
		return q, Change{Grid: q.Grid, Delta: coverage.Tally{OpenRequests: -1}, Events: []LiveEvent{requestEvent(q)}}, nil
	})
}

// Checkpoint is a gate checkpoint with today's counts.
type Checkpoint struct {
	ID           int64      `json:"id"`
	Grid         int64      `json:"grid"`
	Name         string     `json:"name"`
	Lon          float64    `json:"lon"`
	Lat          float64    `json:"lat"`
	OnDuty       bool       `json:"on_duty"`
	DutyPersonID *int64     `json:"duty_person_id"`
	DutySince    *time.Time `json:"duty_since"`
	Day          string     `json:"day"`
	Scans        int        `json:"scans"`
	Temperatures int        `json:"temperatures"`
	Fevers       int        `json:"fevers"`
}

func (s *Store) checkpoint(ctx context.Context, tx pgx.Tx, id int64, today string) (Checkpoint, error) {
	c := Checkpoint{Day: today}
	err := tx.QueryRow(ctx, `
		SELECT c.id, c.grid_id, c.name, ST_X(c.geom), ST_Y(c.geom), c.on_duty, c.duty_person, c.duty_since,
		       COALESCE(d.scans, 0), COALESCE(d.temperatures, 0), COALESCE(d.fevers, 0)
		FROM checkpoints c LEFT JOIN checkpoint_days d ON d.checkpoint_id = c.id AND d.day = $2
		WHERE c.id = $1`, id, today).Scan(&c.ID, &c.Grid, &c.Name, &c.Lon, &c.Lat, &c.OnDuty, &c.DutyPersonID, &c.DutySince,
		&c.Scans, &c.Temperatures, &c.Fevers)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// CheckpointInput is a new gate checkpoint.
type CheckpointInput struct {
	GridID   int64
	Name     string
	Lon, Lat float64
}

// AddCheckpoint places a checkpoint in a compound grid; the point must lie
// in the grid's current boundary.
func (s *Store) AddCheckpoint(ctx context.Context, a Actor, clientID, today string, in CheckpointInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "checkpoint", created, func(tx pgx.Tx) (any, Change, error) {
		var level int
		var inside bool
		err := tx.QueryRow(ctx, `
			SELECT g.level, ST_Intersects(g.geom, ST_SetSRID(ST_MakePoint($2, $3), 4326))
			FROM current_grids g WHERE g.id = $1`, in.GridID, in.Lon, in.Lat).Scan(&level, &inside)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil, Change{}, fieldErr(http.StatusBadRequest, "grid_id", "no current grid has this id")
		case err != nil:
			return nil, Change{}, err
		case level != 3:
			return nil, Change{}, fieldErr(http.StatusBadRequest, "grid_id", "want a compound grid (level 3)")
		case !inside:
			return nil, Change{}, fieldErr(http.StatusBadRequest, "lon", "the point is outside grid %d", in.GridID)
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO checkpoints (grid_id, name, geom) VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326)) RETURNING id`,
			in.GridID, in.Name, in.Lon, in.Lat).Scan(&id); err != nil {
			return nil, Change{}, err
		}
		c, err := s.checkpoint(ctx, tx, id, today)
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "add checkpoint", "checkpoint", id, nil, c); err != nil {
			return nil, Change{}, err
		}
		return c, Change{Grid: c.Grid, Events: []LiveEvent{checkpointEvent(c)}}, nil
	})
}

func checkpointEvent(c Checkpoint) LiveEvent {
	return event("screening", c.Grid, map[string]any{"kind": "checkpoint", "id": c.ID, "on_duty": c.OnDuty,
		"scans": c.Scans, "temperatures": c.Temperatures, "fevers": c.Fevers})
}

// CheckpointGrid returns a checkpoint's grid.
func (s *Store) CheckpointGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "checkpoint", id, `SELECT grid_id FROM checkpoints WHERE id = $1`)
}

// SetCheckpointDuty records who is on duty at a checkpoint, or nobody.
func (s *Store) SetCheckpointDuty(ctx context.Context, a Actor, clientID, today string, id int64, onDuty bool, person int64) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "checkpoint duty", changed, func(tx pgx.Tx) (any, Change, error) {
		before, err := s.checkpoint(ctx, tx, id, today)
		if err != nil {
			return nil, Change{}, err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE checkpoints SET on_duty = $2::boolean, duty_person = CASE WHEN $2::boolean THEN $3::bigint END,
				duty_since = CASE WHEN NOT $2::boolean THEN NULL WHEN on_duty AND duty_person IS NOT DISTINCT FROM $3::bigint THEN duty_since ELSE now() END
			WHERE id = $1`, id, onDuty, nilIfZero(person)); err != nil {
			if errors.Is(refError(err), ErrBadReference) {
				return nil, Change{}, fieldErr(http.StatusBadRequest, "person_id", "no person has this id")
			}
			return nil, Change{}, err
		}
		c, err := s.checkpoint(ctx, tx, id, today)
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "checkpoint duty", "checkpoint", id, before, c); err != nil {
			return nil, Change{}, err
		}
		return c, Change{Grid: c.Grid, Events: []LiveEvent{checkpointEvent(c)}}, nil
	})
}

// CountCheckpoint adds to a checkpoint's counts for today; each fever
// raises a fever alert.
func (s *Store) CountCheckpoint(ctx context.Context, a Actor, clientID, today string, id int64, scans, temperatures, fevers int) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "checkpoint counts", changed, func(tx pgx.Tx) (any, Change, error) {
		c, err := s.checkpoint(ctx, tx, id, today)
		if err != nil {
			return nil, Change{}, err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO checkpoint_days (checkpoint_id, day, scans, temperatures, fevers) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (checkpoint_id, day) DO UPDATE SET scans = checkpoint_days.scans + $3,
				temperatures = checkpoint_days.temperatures + $4, fevers = checkpoint_days.fevers + $5`,
			id, today, scans, temperatures, fevers); err != nil {
			return nil, Change{}, err
		}
		ch := Change{Grid: c.Grid}
		for range fevers {
			al, err := insertAlert(ctx, tx, "fever", c.Grid, 0, id, 0, "checkpoint "+c.Name)
			if err != nil {
				return nil, Change{}, err
			}
			ch.Delta.FeverAlerts++
			ch.Events = append(ch.Events, alertEvent(al))
		}
		if c, err = s.checkpoint(ctx, tx, id, today); err != nil {
			return nil, Change{}, err
		}
		ch.Events = append(ch.Events, checkpointEvent(c))
		return c, ch, nil
	})
}

// AwardPoints adds (or, negative, takes away) a party member's activity
// points and returns their new total.
func (s *Store) AwardPoints(ctx context.Context, a Actor, clientID string, person int64, points int, reason string) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "points", created, func(tx pgx.Tx) (any, Change, error) {
		var total int
		var grid int64
		err := tx.QueryRow(ctx, `UPDATE party_members SET points = points + $2 WHERE person_id = $1 RETURNING points, grid_id`, person, points).Scan(&total, &grid)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, ErrNotFound
		}
		if errors.Is(refError(err), ErrBadReference) {
			return nil, Change{}, fieldErr(http.StatusBadRequest, "points", "a member's total cannot fall below 0")
		}
		if err != nil {
			return nil, Change{}, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO point_awards (person_id, points, reason, awarded_by) VALUES ($1, $2, $3, $4)`,
			person, points, reason, nilIfZero(a.AccountID)); err != nil {
			return nil, Change{}, err
		}
		answer := map[string]any{"person_id": person, "points": total}
		if err := audit(ctx, tx, a, "award points", "party_member", person, nil, map[string]any{"points": points, "reason": reason, "total": total}); err != nil {
			return nil, Change{}, err
		}
		return answer, Change{Grid: grid}, nil
	})
}

// SetReference sets or clears a building's head (entity "building",
// column head_id), a household's party-member contact ("household",
// contact_id) or a grid's leader ("grid", leader_id), idempotently, and
// works out the change in coverage.
func (s *Store) SetReference(ctx context.Context, a Actor, clientID, entity string, id int64, value *int64) (WriteResult, error) {
	var table, column, lock string
	switch entity {
	case "building":
		table, column = "buildings", "head_id"
		lock = `SELECT b.head_id, b.grid_id, true FROM buildings b WHERE b.id = $1 FOR UPDATE`
	case "grid":
		table, column = "grids", "leader_id"
		lock = `SELECT g.leader_id, g.id, false FROM grids g WHERE g.id = $1 FOR UPDATE`
	case "household":
		table, column = "households", "contact_id"
		lock = `SELECT h.contact_id, b.grid_id, h.status = 'occupied' FROM households h JOIN buildings b ON b.id = h.building_id WHERE h.id = $1 FOR UPDATE OF h`
	default:
		panic("store: SetReference of " + entity)
	}
	return s.fieldWrite(ctx, a, clientID, "set "+column, http.StatusNoContent, func(tx pgx.Tx) (any, Change, error) {
		var before *int64
		var grid int64
		var counted bool
		err := tx.QueryRow(ctx, lock, id).Scan(&before, &grid, &counted)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, ErrNotFound
		}
		if err != nil {
			return nil, Change{}, err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+table+` SET `+column+` = $2 WHERE id = $1`, id, value); err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "set "+column, entity, id, map[string]*int64{column: before}, map[string]*int64{column: value}); err != nil {
			return nil, Change{}, err
		}
		ch := Change{Grid: grid}
		d := b2i(value != nil) - b2i(before != nil)
		payload := map[string]any{"id": id, "set": value != nil}
		switch entity {
		case "grid":
			return nil, ch, nil
		case "building":
			ch.Delta.WithHead = d
			payload["kind"], payload["building_id"] = "head", id
		default:
			if counted {
				ch.Delta.WithContact = d
			}
			payload["kind"], payload["household_id"] = "contact", id
		}
		ch.Events = []LiveEvent{event("screening", grid, payload)}
		return nil, ch, nil
	})
}

// Ledger lists the residents on the ledger in the compound grids given,
// overdue first, each with their visit log (newest first, at most 20).
func (s *Store) Ledger(ctx context.Context, leaves []int64, now time.Time) ([]LedgerEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+residentColumns+`, b.name, h.unit, h.room,
		COALESCE((SELECT json_agg(json_build_object('id', v.id, 'at', v.at, 'method', v.method, 'note', v.note) ORDER BY v.at DESC)
		          FROM (SELECT * FROM visits WHERE resident_id = r.id ORDER BY at DESC LIMIT 20) v), '[]')
		`+residentFrom+` WHERE b.grid_id = ANY($1) AND r.left_at IS NULL
		ORDER BY COALESCE(r.last_visit, r.since) + make_interval(days => r.visit_every_days), r.id LIMIT 5000`, leaves)
	if err != nil {
		return nil, fmt.Errorf("store: ledger: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (LedgerEntry, error) {
		var e LedgerEntry
		r := &e.Resident
		err := row.Scan(&r.ID, &r.PersonID, &r.Name, &r.Phone, &r.HouseholdID, &r.BuildingID, &r.Grid, &r.Category,
			&r.VisitEveryDays, &r.Since, &r.LastVisit, &r.Due, &e.Building, &e.Unit, &e.Room, &e.Visits)
		r.Overdue = r.Due.Before(now)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: ledger: %w", err)
	}
	if out == nil {
		out = []LedgerEntry{}
	}
	return out, nil
}

// LedgerEntry is a resident on the ledger with where they live and their
// recent visits.
type LedgerEntry struct {
	Resident
	Building string          `json:"building"`
	Unit     string          `json:"unit"`
	Room     string          `json:"room"`
	Visits   json.RawMessage `json:"visits"` // [{"id", "at", "method", "note"}], newest first
}

// Requests lists the hotline requests of the compound grids given, newest
// first: open ones only, or all received since.
func (s *Store) Requests(ctx context.Context, leaves []int64, openOnly bool, since time.Time) ([]Request, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+requestColumns+` FROM requests q JOIN buildings b ON b.id = q.building_id
		WHERE q.grid_id = ANY($1) AND (q.closed_at IS NULL OR (NOT $2 AND q.received_at >= $3))
		ORDER BY q.received_at DESC, q.id DESC LIMIT 5000`, leaves, openOnly, since)
	if err != nil {
		return nil, fmt.Errorf("store: requests: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Request, error) { return scanRequest(row) })
	if err != nil {
		return nil, fmt.Errorf("store: requests: %w", err)
	}
	if out == nil {
		out = []Request{}
	}
	return out, nil
}

// PartyMemberActivity is a party member with their points and the
// households they are the contact of.
type PartyMemberActivity struct {
	PersonID   int64   `json:"person_id"`
	Name       string  `json:"name"`
	Phone      *string `json:"phone"`
	Membership string  `json:"membership"`
	Employer   *string `json:"employer"`
	Grid       int64   `json:"grid"`
	Points     int     `json:"points"`
	Households int     `json:"households"` // households they are the contact of
	Awards     int     `json:"awards"`     // point awards in the last 30 days
}

// PartyMembers lists the party members registered in the grids given, by
// points.
func (s *Store) PartyMembers(ctx context.Context, grids []int64, now time.Time) ([]PartyMemberActivity, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT m.person_id, p.name, p.phone, m.membership, m.employer, m.grid_id, m.points,
		       (SELECT count(*) FROM households h WHERE h.contact_id = m.person_id),
		       (SELECT count(*) FROM point_awards a WHERE a.person_id = m.person_id AND a.at >= $2::timestamptz - interval '30 days')
		FROM party_members m JOIN people p ON p.id = m.person_id
		WHERE m.grid_id = ANY($1) ORDER BY m.points DESC, m.person_id LIMIT 5000`, grids, now)
	if err != nil {
		return nil, fmt.Errorf("store: party members: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (PartyMemberActivity, error) {
		var a PartyMemberActivity
		err := row.Scan(&a.PersonID, &a.Name, &a.Phone, &a.Membership, &a.Employer, &a.Grid, &a.Points, &a.Households, &a.Awards)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: party members: %w", err)
	}
	if out == nil {
		out = []PartyMemberActivity{}
	}
	return out, nil
}
