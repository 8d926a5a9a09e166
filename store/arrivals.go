package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ArrivalInput enters a person arriving in a household on the roster.
type ArrivalInput struct {
	HouseholdID int64
	Name, Phone string
	Kind        string // returnee or arrival
	Origin      string
	ArrivedOn   string // YYYY-MM-DD, local
	ObserveDays int
	Note        string
}

// Arrival is a person on the roster of arrivals, with their household, the
// days of observation left on the local day asked about and whether their
// household was screened that day.
type Arrival struct {
	ID            int64   `json:"id"`
	PersonID      int64   `json:"person_id"`
	Name          string  `json:"name"`
	Phone         *string `json:"phone"`
	HouseholdID   int64   `json:"household_id"`
	BuildingID    int64   `json:"building_id"`
	Building      string  `json:"building"`
	Unit          string  `json:"unit"`
	Room          string  `json:"room"`
	Grid          int64   `json:"grid"`
	Kind          string  `json:"kind"`
	Origin        string  `json:"origin"`
	ArrivedOn     string  `json:"arrived_on"`
	ObserveDays   int     `json:"observe_days"`
	ObserveUntil  string  `json:"observe_until"` // the last day of observation (the day before arrival if none)
	DaysLeft      int     `json:"days_left"`     // days of observation left, today included; 0 once done
	ScreenedToday bool    `json:"screened_today"`
	Note          *string `json:"note"`
}

// arrivalSelect reads arrivals as Arrival, $1 being the local day asked
// about; the statement adds its FROM's conditions.
const arrivalSelect = `SELECT a.id, p.id, p.name, p.phone, a.household_id, b.id, b.name, h.unit, h.room, b.grid_id,
	a.kind, a.origin, to_char(a.arrived_on, 'YYYY-MM-DD'), a.observe_days,
	to_char(a.arrived_on + a.observe_days - 1, 'YYYY-MM-DD'),
	GREATEST(0, (a.arrived_on + a.observe_days) - $1::date),
	COALESCE((SELECT s.outcome IN ('normal', 'fever', 'home_quarantine', 'risk_area_return') FROM screenings s
	          WHERE s.household_id = a.household_id AND s.day = $1::date ORDER BY s.reported_at DESC, s.id DESC LIMIT 1), false),
	a.note
	FROM arrivals a JOIN people p ON p.id = a.person_id
	JOIN households h ON h.id = a.household_id JOIN buildings b ON b.id = h.building_id`

func scanArrival(row pgx.Row) (Arrival, error) {
	var a Arrival
	err := row.Scan(&a.ID, &a.PersonID, &a.Name, &a.Phone, &a.HouseholdID, &a.BuildingID, &a.Building, &a.Unit, &a.Room, &a.Grid,
		&a.Kind, &a.Origin, &a.ArrivedOn, &a.ObserveDays, &a.ObserveUntil, &a.DaysLeft, &a.ScreenedToday, &a.Note)
	return a, err
}

// AddArrival enters a person arriving on the roster, as a new person
// living in the household, in one transaction with the client id.
func (s *Store) AddArrival(ctx context.Context, a Actor, clientID, today string, in ArrivalInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "arrival", Created, func(tx pgx.Tx) (any, Change, error) {
		h, person, err := newResident(ctx, tx, in.HouseholdID, in.Name, in.Phone)
		if err != nil {
			return nil, Change{}, err
		}
		var id int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO arrivals (person_id, household_id, kind, origin, arrived_on, observe_days, note, created_by)
			VALUES ($1, $2, $3, $4, $5::date, $6, NULLIF($7, ''), $8) RETURNING id`,
			person, h.id, in.Kind, in.Origin, in.ArrivedOn, in.ObserveDays, in.Note, nullID(a.AccountID)).Scan(&id); err != nil {
			return nil, Change{}, err
		}
		r, err := scanArrival(tx.QueryRow(ctx, arrivalSelect+` WHERE a.id = $2`, today, id))
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "add arrival", "arrival", id, nil, r); err != nil {
			return nil, Change{}, err
		}
		return r, Change{Grid: h.grid, Events: []LiveEvent{event("screening", h.grid, map[string]any{
			"kind": "arrival", "id": id, "household_id": h.id, "building_id": h.building})}}, nil
	})
}

// Arrivals lists the roster of the grids given (nil: the whole area) on
// the local day today: those still under observation first (fewest days left first),
// then those who finished it in the last 14 days, newest first; at most
// 5,000.
func (s *Store) Arrivals(ctx context.Context, leaves []int64, today string) ([]Arrival, bool, error) {
	rows, err := s.pool.Query(ctx, arrivalSelect+`
		WHERE ($2::bigint[] IS NULL OR b.grid_id = ANY($2)) AND a.arrived_on <= $1::date AND a.arrived_on + a.observe_days >= $1::date - 14
		ORDER BY (a.arrived_on + a.observe_days) <= $1::date, a.arrived_on + a.observe_days, a.id
		LIMIT `+listLimit, today, leaves)
	if err != nil {
		return nil, false, fmt.Errorf("store: arrivals: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Arrival, error) { return scanArrival(row) })
	if err != nil {
		return nil, false, fmt.Errorf("store: arrivals: %w", err)
	}
	out, more := capRows(out)
	return out, more, nil
}
