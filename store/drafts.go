package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/jackc/pgx/v5"
)

// ErrStaleRevision is an edit or publish sent for a revision of a draft
// that is no longer its current one (another tab moved on).
var ErrStaleRevision = &model.Error{Kind: model.Conflict, Field: "revision", Code: model.CodeStaleRevision, Msg: "the draft has moved on (edited in another window); reload it"}

// ErrNothingToUndo is an undo at the first revision or a redo at the last.
var ErrNothingToUndo = &model.Error{Kind: model.Conflict, Field: "revision", Code: model.CodeNothingToUndo, Msg: "nothing to undo or redo"}

// Draft is a planner's draft with the state of its current revision.
type Draft struct {
	ID            int64           `json:"id"`
	AccountID     int64           `json:"-"`
	Owner         string          `json:"owner"`
	RootID        int64           `json:"root_id"`
	RootName      string          `json:"root_name"`
	Name          string          `json:"name"`
	BasePub       int64           `json:"base_publication_id"`
	Revision      int             `json:"revision"`
	Head          int             `json:"-"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	PublicationID *int64          `json:"publication_id,omitempty"`
	Closed        bool            `json:"closed,omitempty"`
	Grids         int             `json:"grids"` // grids in the current revision
	State         json.RawMessage `json:"-"`     // the planning package's document
	Base          json.RawMessage `json:"-"`     // revision 0's state
}

// CanUndo and CanRedo tell whether undo and redo have somewhere to go.
func (d *Draft) CanUndo() bool { return d.Revision > 0 }

// CanRedo tells whether an undone revision can be restored.
func (d *Draft) CanRedo() bool { return d.Revision < d.Head }

// CreateDraft stores a new draft whose revision 0 is state.
func (s *Store) CreateDraft(ctx context.Context, a Actor, rootID int64, name string, base int64, state []byte) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
			INSERT INTO boundary_drafts (account_id, root_id, name, base_publication_id)
			VALUES ($1, $2, $3, $4) RETURNING id`, a.AccountID, rootID, name, base).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO boundary_draft_revisions (draft_id, revision, op, state) VALUES ($1, 0, 'open', $2)`,
			id, state); err != nil {
			return err
		}
		return audit(ctx, tx, a, "create", "boundary_draft", id, nil, map[string]any{"root_id": rootID, "name": name, "base_publication_id": base})
	})
	if err != nil {
		return 0, fmt.Errorf("store: create draft: %w", refError(err))
	}
	return id, nil
}

const draftColumns = `
	d.id, d.account_id, a.username, d.root_id, g.name, d.name, d.base_publication_id, d.revision, d.head,
	d.created_at, d.updated_at, d.publication_id, d.closed_at IS NOT NULL`

func scanDraft(row pgx.Row, d *Draft, extra ...any) error {
	return row.Scan(append([]any{&d.ID, &d.AccountID, &d.Owner, &d.RootID, &d.RootName, &d.Name, &d.BasePub,
		&d.Revision, &d.Head, &d.CreatedAt, &d.UpdatedAt, &d.PublicationID, &d.Closed}, extra...)...)
}

// Draft returns a draft with its current and base states.
func (s *Store) Draft(ctx context.Context, id int64) (*Draft, error) {
	d := &Draft{}
	err := scanDraft(s.pool.QueryRow(ctx, `
		SELECT `+draftColumns+`, r.state, b.state
		FROM boundary_drafts d JOIN accounts a ON a.id = d.account_id JOIN grids g ON g.id = d.root_id
		JOIN boundary_draft_revisions r ON r.draft_id = d.id AND r.revision = d.revision
		JOIN boundary_draft_revisions b ON b.draft_id = d.id AND b.revision = 0
		WHERE d.id = $1`, id), d, &d.State, &d.Base)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("store: draft %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: draft %d: %w", id, err)
	}
	return d, nil
}

// Drafts lists an account's open drafts, newest first.
func (s *Store) Drafts(ctx context.Context, accountID int64) ([]Draft, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+draftColumns+`, jsonb_array_length(r.state->'grids')
		FROM boundary_drafts d JOIN accounts a ON a.id = d.account_id JOIN grids g ON g.id = d.root_id
		JOIN boundary_draft_revisions r ON r.draft_id = d.id AND r.revision = d.revision
		WHERE d.account_id = $1 AND d.closed_at IS NULL ORDER BY d.updated_at DESC, d.id DESC`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: drafts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Draft, error) {
		var d Draft
		return d, scanDraft(row, &d, &d.Grids)
	})
	if err != nil {
		return nil, fmt.Errorf("store: drafts: %w", err)
	}
	return out, nil
}

// SaveRevision stores state as the revision after rev, dropping any
// undone revisions after it. It answers ErrStaleRevision when rev is not
// the draft's current revision, and ErrNotFound for a closed draft.
func (s *Store) SaveRevision(ctx context.Context, id int64, rev int, op string, state []byte) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var cur int
		if err := tx.QueryRow(ctx, `SELECT revision FROM boundary_drafts WHERE id = $1 AND closed_at IS NULL FOR UPDATE`, id).Scan(&cur); err != nil {
			return err
		}
		if cur != rev {
			return ErrStaleRevision
		}
		batch := &pgx.Batch{}
		batch.Queue(`DELETE FROM boundary_draft_revisions WHERE draft_id = $1 AND revision > $2`, id, rev)
		batch.Queue(`INSERT INTO boundary_draft_revisions (draft_id, revision, op, state) VALUES ($1, $2, $3, $4)`, id, rev+1, op, state)
		batch.Queue(`UPDATE boundary_drafts SET revision = $2, head = $2, updated_at = now() WHERE id = $1`, id, rev+1)
		return tx.SendBatch(ctx, batch).Close()
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("store: draft %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: save draft %d: %w", id, err)
	}
	return nil
}

// MoveRevision undoes (step -1) or redoes (step +1) one revision.
func (s *Store) MoveRevision(ctx context.Context, id int64, step int) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE boundary_drafts SET revision = revision + $2, updated_at = now()
		WHERE id = $1 AND closed_at IS NULL AND revision + $2 BETWEEN 0 AND head`, id, step)
	if err != nil {
		return fmt.Errorf("store: move draft %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		var open bool
		if err := s.pool.QueryRow(ctx, `SELECT closed_at IS NULL FROM boundary_drafts WHERE id = $1`, id).Scan(&open); err != nil || !open {
			return fmt.Errorf("store: draft %d: %w", id, ErrNotFound)
		}
		return fmt.Errorf("store: draft %d: %w", id, ErrNothingToUndo)
	}
	return nil
}

// DiscardDraft closes a draft without publishing it.
func (s *Store) DiscardDraft(ctx context.Context, a Actor, id int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE boundary_drafts SET closed_at = now() WHERE id = $1 AND closed_at IS NULL`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, a, "discard", "boundary_draft", id, nil, nil)
	})
	if err != nil {
		return fmt.Errorf("store: discard draft %d: %w", id, err)
	}
	return nil
}

// PeopleNames returns the names of the people with these ids.
func (s *Store) PeopleNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name FROM people WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: people names: %w", err)
	}
	out := make(map[int64]string, len(ids))
	var id int64
	var name string
	if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error { out[id] = name; return nil }); err != nil {
		return nil, fmt.Errorf("store: people names: %w", err)
	}
	return out, nil
}
