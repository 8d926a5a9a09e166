package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/jackc/pgx/v5"
)

// AwardPoints adds (or, negative, takes away) a party member's activity
// points and returns their new total.
func (s *Store) AwardPoints(ctx context.Context, a Actor, clientID string, person int64, points int, reason string) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "points", Created, func(tx pgx.Tx) (any, Change, error) {
		var total int
		var grid int64
		err := tx.QueryRow(ctx, `UPDATE party_members SET points = points + $2 WHERE person_id = $1 RETURNING points, grid_id`, person, points).Scan(&total, &grid)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, ErrNotFound
		}
		if errors.Is(refError(err), ErrBadReference) {
			return nil, Change{}, fieldErr(model.Invalid, "points", "a member's total cannot fall below 0")
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
		return answer, Change{Grid: grid, Events: []LiveEvent{event("screening", grid, map[string]any{
			"kind": "points", "person_id": person, "points": total})}}, nil
	})
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
func (s *Store) PartyMembers(ctx context.Context, grids []int64, now time.Time) ([]PartyMemberActivity, bool, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT m.person_id, p.name, p.phone, m.membership, m.employer, m.grid_id, m.points,
		       (SELECT count(*) FROM households h WHERE h.contact_id = m.person_id),
		       (SELECT count(*) FROM point_awards a WHERE a.person_id = m.person_id AND a.at >= $2::timestamptz - interval '30 days')
		FROM party_members m JOIN people p ON p.id = m.person_id
		WHERE m.grid_id = ANY($1) ORDER BY m.points DESC, m.person_id LIMIT `+listLimit, grids, now)
	if err != nil {
		return nil, false, fmt.Errorf("store: party members: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (PartyMemberActivity, error) {
		var a PartyMemberActivity
		err := row.Scan(&a.PersonID, &a.Name, &a.Phone, &a.Membership, &a.Employer, &a.Grid, &a.Points, &a.Households, &a.Awards)
		return a, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: party members: %w", err)
	}
	out, more := capRows(out)
	return out, more, nil
}
