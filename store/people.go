package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrBadReference is returned when a write names a row that does not
// exist or may not be used there (a contact who is not a party member).
var ErrBadReference = errors.New("no such row")

// Person is a person as stored; the server masks names and phones for
// roles that may not see them.
type Person struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Phone      *string `json:"phone"`
	HomeGridID *int64  `json:"home_grid_id"`
}

// PersonInput is a person as written.
type PersonInput struct {
	Name       string
	Phone      string // empty for none
	HomeGridID int64  // 0 for none
}

func (in PersonInput) phone() *string {
	if in.Phone == "" {
		return nil
	}
	return &in.Phone
}

const personColumns = `id, name, phone, home_grid_id`

func scanPerson(row pgx.Row) (Person, error) {
	var p Person
	err := row.Scan(&p.ID, &p.Name, &p.Phone, &p.HomeGridID)
	return p, err
}

// Person returns one person, or ErrNotFound.
func (s *Store) Person(ctx context.Context, id int64) (Person, error) {
	p, err := scanPerson(s.pool.QueryRow(ctx, `SELECT `+personColumns+` FROM people WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("store: person %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("store: person %d: %w", id, err)
	}
	return p, nil
}

// CreatePerson adds a person, audited.
func (s *Store) CreatePerson(ctx context.Context, a Actor, in PersonInput) (Person, error) {
	var p Person
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		p, err = scanPerson(tx.QueryRow(ctx, `INSERT INTO people (name, phone, home_grid_id) VALUES ($1, $2, $3) RETURNING `+personColumns,
			in.Name, in.phone(), nilIfZero(in.HomeGridID)))
		if err != nil {
			return err
		}
		return audit(ctx, tx, a, "create", "person", p.ID, nil, p)
	})
	if err != nil {
		return p, fmt.Errorf("store: create person: %w", refError(err))
	}
	return p, nil
}

// UpdatePerson replaces a person's details, audited; ErrNotFound when
// there is no such person.
func (s *Store) UpdatePerson(ctx context.Context, a Actor, id int64, in PersonInput) (Person, error) {
	var after Person
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		before, err := scanPerson(tx.QueryRow(ctx, `SELECT `+personColumns+` FROM people WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		after, err = scanPerson(tx.QueryRow(ctx, `UPDATE people SET name = $2, phone = $3, home_grid_id = $4 WHERE id = $1 RETURNING `+personColumns,
			id, in.Name, in.phone(), nilIfZero(in.HomeGridID)))
		if err != nil {
			return err
		}
		return audit(ctx, tx, a, "update", "person", id, before, after)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return after, fmt.Errorf("store: person %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return after, fmt.Errorf("store: update person %d: %w", id, refError(err))
	}
	return after, nil
}

// refError turns a foreign-key or check violation into ErrBadReference.
func refError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "23503" || pgErr.Code == "23514") {
		return fmt.Errorf("%w: %s", ErrBadReference, pgErr.Message)
	}
	return err
}
