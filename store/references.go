package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

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
	return s.fieldWrite(ctx, a, clientID, "set "+column, Done, func(tx pgx.Tx) (any, Change, error) {
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
		if value != nil {
			where := `gap = 'no_head' AND building_id = $1`
			if entity == "household" {
				where = `gap = 'no_contact' AND household_id = $1`
			}
			evs, err := closeTasksOf(ctx, tx, a, where, id, map[string]any{"kind": "result", "text": "", "closed_by": "gap"})
			if err != nil {
				return nil, Change{}, err
			}
			ch.Events = append(ch.Events, evs...)
		}
		return nil, ch, nil
	})
}
