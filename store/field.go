package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/gridmap/gridmap/model"
	"github.com/jackc/pgx/v5"
)

// gridOf runs a one-row query that yields a grid id, mapping no row to
// ErrNotFound.
func (s *Store) gridOf(ctx context.Context, what string, id int64, q string) (int64, error) {
	var grid *int64
	err := s.pool.QueryRow(ctx, q, id).Scan(&grid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("store: %s %d: %w", what, id, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: %s %d: %w", what, id, err)
	}
	return derefOr(grid), nil
}

// BuildingGrid returns the level-3 grid a building is in.
func (s *Store) BuildingGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "building", id, `SELECT grid_id FROM buildings WHERE id = $1`)
}

// HouseholdGrid returns the level-3 grid of a household's building.
func (s *Store) HouseholdGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "household", id, `SELECT b.grid_id FROM households h JOIN buildings b ON b.id = h.building_id WHERE h.id = $1`)
}

// PersonGrid returns a person's home grid, 0 when they have none.
func (s *Store) PersonGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "person", id, `SELECT home_grid_id FROM people WHERE id = $1`)
}

// PartyMemberGrid returns the grid a party member is registered in.
func (s *Store) PartyMemberGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "party member", id, `SELECT grid_id FROM party_members WHERE person_id = $1`)
}

// Household is one household of a building, with its contact.
type Household struct {
	ID            int64   `json:"id"`
	Unit          string  `json:"unit"`
	Room          string  `json:"room"`
	Residents     int     `json:"residents"`
	Status        string  `json:"status"`
	Contact       *Person `json:"contact"`
	Outcome       *string `json:"outcome"`        // the latest screening report of today, nil for none
	ScreenedToday bool    `json:"screened_today"` // Outcome counts as screened (see model.Outcome.Screened)
}

// Households lists a building's households in unit and room order, with
// today's latest screening outcome.
func (s *Store) Households(ctx context.Context, buildingID int64, today string) ([]Household, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT h.id, h.unit, h.room, h.residents, h.status, p.id, p.name, p.phone, p.home_grid_id,
		       (SELECT outcome FROM screenings s WHERE s.household_id = h.id AND s.day = $2::date
		        ORDER BY s.reported_at DESC, s.id DESC LIMIT 1)
		FROM households h LEFT JOIN people p ON p.id = h.contact_id
		WHERE h.building_id = $1
		ORDER BY h.unit, length(h.room), h.room`, buildingID, today)
	if err != nil {
		return nil, fmt.Errorf("store: households of %d: %w", buildingID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Household, error) {
		var h Household
		var pid *int64
		var name *string
		var c Person
		err := r.Scan(&h.ID, &h.Unit, &h.Room, &h.Residents, &h.Status, &pid, &name, &c.Phone, &c.HomeGridID, &h.Outcome)
		h.ScreenedToday = h.Outcome != nil && model.Outcome(*h.Outcome).Screened() && h.Status == "occupied"
		if pid != nil {
			c.ID, c.Name = *pid, *name
			h.Contact = &c
		}
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: households of %d: %w", buildingID, err)
	}
	return out, nil
}
