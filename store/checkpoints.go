package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/jackc/pgx/v5"
)

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
	return s.fieldWrite(ctx, a, clientID, "checkpoint", Created, func(tx pgx.Tx) (any, Change, error) {
		var level int
		var inside bool
		err := tx.QueryRow(ctx, `
			SELECT g.level, ST_Intersects(g.geom, ST_SetSRID(ST_MakePoint($2, $3), 4326))
			FROM current_grids g WHERE g.id = $1`, in.GridID, in.Lon, in.Lat).Scan(&level, &inside)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil, Change{}, fieldErr(model.Invalid, "grid_id", "no current grid has this id")
		case err != nil:
			return nil, Change{}, err
		case level != 3:
			return nil, Change{}, fieldErr(model.Invalid, "grid_id", "want a compound grid (level 3)")
		case !inside:
			return nil, Change{}, fieldErr(model.Invalid, "lon", "the point is outside grid %d", in.GridID)
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
	return s.fieldWrite(ctx, a, clientID, "checkpoint duty", Changed, func(tx pgx.Tx) (any, Change, error) {
		before, err := s.checkpoint(ctx, tx, id, today)
		if err != nil {
			return nil, Change{}, err
		}
		if onDuty && person != 0 {
			if err := dutyPersonOfCommunity(ctx, tx, id, person); err != nil {
				return nil, Change{}, err
			}
		}
		if _, err := tx.Exec(ctx, `
			UPDATE checkpoints SET on_duty = $2::boolean, duty_person = CASE WHEN $2::boolean THEN $3::bigint END,
				duty_since = CASE WHEN NOT $2::boolean THEN NULL WHEN on_duty AND duty_person IS NOT DISTINCT FROM $3::bigint THEN duty_since ELSE now() END
			WHERE id = $1`, id, onDuty, nilIfZero(person)); err != nil {
			if errors.Is(refError(err), ErrBadReference) {
				return nil, Change{}, fieldErr(model.Invalid, "person_id", "no person has this id")
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
	return s.fieldWrite(ctx, a, clientID, "checkpoint counts", Changed, func(tx pgx.Tx) (any, Change, error) {
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

// Checkpoints lists the checkpoints of the compound grids given, with
// their duty and today's counts.
func (s *Store) Checkpoints(ctx context.Context, leaves []int64, today string) ([]Checkpoint, bool, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT c.id, c.grid_id, c.name, ST_X(c.geom), ST_Y(c.geom), c.on_duty, c.duty_person, c.duty_since,
		       $2::date::text, COALESCE(d.scans, 0), COALESCE(d.temperatures, 0), COALESCE(d.fevers, 0)
		FROM checkpoints c LEFT JOIN checkpoint_days d ON d.checkpoint_id = c.id AND d.day = $2::date
		WHERE c.grid_id = ANY($1) ORDER BY c.name, c.id LIMIT `+listLimit, leaves, today)
	if err != nil {
		return nil, false, fmt.Errorf("store: checkpoints: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Checkpoint, error) {
		var c Checkpoint
		err := row.Scan(&c.ID, &c.Grid, &c.Name, &c.Lon, &c.Lat, &c.OnDuty, &c.DutyPersonID, &c.DutySince, &c.Day, &c.Scans, &c.Temperatures, &c.Fevers)
		return c, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: checkpoints: %w", err)
	}
	out, more := capRows(out)
	return out, more, nil
}

// dutyPersonOfCommunity refuses a duty person who does not belong to the
// checkpoint's community: their home grid must be the community or one of
// its compound grids.
func dutyPersonOfCommunity(ctx context.Context, tx pgx.Tx, checkpoint, person int64) error {
	var exists, ok bool
	err := tx.QueryRow(ctx, `
		SELECT true, COALESCE(h.id = g.parent_id OR h.parent_id = g.parent_id, false)
		FROM people p LEFT JOIN grids h ON h.id = p.home_grid_id
		JOIN checkpoints c ON c.id = $1 JOIN grids g ON g.id = c.grid_id
		WHERE p.id = $2`, checkpoint, person).Scan(&exists, &ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return fieldErr(model.Invalid, "person_id", "no person has this id")
	}
	if err != nil {
		return err
	}
	if !ok {
		return fieldErr(model.Unprocessable, "person_id", "this person does not belong to the checkpoint's community")
	}
	return nil
}
