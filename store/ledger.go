package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	return s.fieldWrite(ctx, a, clientID, "vulnerable resident", Created, func(tx pgx.Tx) (any, Change, error) {
		h, person, err := newResident(ctx, tx, in.HouseholdID, in.Name, in.Phone)
		if err != nil {
			return nil, Change{}, err
		}
		var id int64
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

// newResident locks a household and adds a new person living there (a
// resident put on the ledger, a person arriving): the household and the
// person's id.
func newResident(ctx context.Context, tx pgx.Tx, householdID int64, name, phone string) (household, int64, error) {
	h, err := lockHousehold(ctx, tx, "household_id", householdID)
	if err != nil {
		return h, 0, err
	}
	var person int64
	err = tx.QueryRow(ctx, `INSERT INTO people (name, phone, home_grid_id) VALUES ($1, NULLIF($2, ''), $3) RETURNING id`,
		name, phone, h.grid).Scan(&person)
	return h, person, err
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
	return s.fieldWrite(ctx, a, clientID, "visit", Created, func(tx pgx.Tx) (any, Change, error) {
		return recordVisit(ctx, tx, a, now, in)
	})
}

// recordVisit is RecordVisit in the transaction tx (a task closed with a
// visit runs it too).
func recordVisit(ctx context.Context, tx pgx.Tx, a Actor, now time.Time, in VisitInput) (Visit, Change, error) {
	before, err := scanResident(tx.QueryRow(ctx, `SELECT `+residentColumns+residentFrom+` WHERE r.id = $1 AND r.left_at IS NULL FOR UPDATE OF r`, in.ResidentID), now)
	if errors.Is(err, pgx.ErrNoRows) {
		return Visit{}, Change{}, ErrNotFound
	}
	if err != nil {
		return Visit{}, Change{}, err
	}
	v := Visit{At: in.At, Method: in.Method}
	if err := tx.QueryRow(ctx, `INSERT INTO visits (resident_id, at, method, note, visited_by) VALUES ($1, $2, $3, NULLIF($4, ''), $5) RETURNING id`,
		in.ResidentID, in.At, in.Method, in.Note, nilIfZero(a.AccountID)).Scan(&v.ID); err != nil {
		return Visit{}, Change{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE vulnerable_residents SET last_visit = GREATEST(last_visit, $2) WHERE id = $1`, in.ResidentID, in.At); err != nil {
		return Visit{}, Change{}, err
	}
	if err := staleReportDays(ctx, tx, in.At, now); err != nil {
		return Visit{}, Change{}, err
	}
	after, err := scanResident(tx.QueryRow(ctx, `SELECT `+residentColumns+residentFrom+` WHERE r.id = $1`, in.ResidentID), now)
	if err != nil {
		return Visit{}, Change{}, err
	}
	v.Resident = after
	ch := Change{Grid: after.Grid, Delta: coverage.Tally{OverdueVisits: b2i(after.Overdue) - b2i(before.Overdue)},
		Events: []LiveEvent{event("screening", after.Grid, map[string]any{"kind": "visit", "id": v.ID, "resident_id": after.ID,
			"household_id": after.HouseholdID, "building_id": after.BuildingID, "overdue": after.Overdue})}}
	if !after.Overdue {
		evs, err := closeTasksOf(ctx, tx, a, `gap = 'overdue_visit' AND resident_id = $1`, after.ID,
			map[string]any{"kind": "visit", "id": v.ID, "method": v.Method, "closed_by": "gap"})
		if err != nil {
			return Visit{}, Change{}, err
		}
		ch.Events = append(ch.Events, evs...)
	}
	return v, ch, nil
}

// Ledger lists the residents on the ledger in the compound grids given,
// overdue first, each with their visit log (newest first, at most 20).
func (s *Store) Ledger(ctx context.Context, leaves []int64, now time.Time) ([]LedgerEntry, bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+residentColumns+`, b.name, h.unit, h.room,
		COALESCE((SELECT json_agg(json_build_object('id', v.id, 'at', v.at, 'method', v.method, 'note', v.note) ORDER BY v.at DESC)
		          FROM (SELECT * FROM visits WHERE resident_id = r.id ORDER BY at DESC LIMIT 20) v), '[]')
		`+residentFrom+` WHERE b.grid_id = ANY($1) AND r.left_at IS NULL
		ORDER BY COALESCE(r.last_visit, r.since) + make_interval(days => r.visit_every_days), r.id LIMIT `+listLimit, leaves)
	if err != nil {
		return nil, false, fmt.Errorf("store: ledger: %w", err)
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
		return nil, false, fmt.Errorf("store: ledger: %w", err)
	}
	out, more := capRows(out)
	return out, more, nil
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
