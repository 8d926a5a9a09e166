package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Actor is who makes a change, for the audit log.
type Actor struct {
	AccountID int64 // 0 for the command line
	Name      string
	RequestID string
}

// audit records one change in the transaction that makes it. before and
// after are marshalled to JSON; nil is stored as NULL.
func audit(ctx context.Context, tx pgx.Tx, a Actor, action, entity string, id any, before, after any) error {
	b, err := jsonOrNil(before)
	if err != nil {
		return err
	}
	af, err := jsonOrNil(after)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO audit_log (account_id, actor, action, entity, entity_id, before, after, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		nilIfZero(a.AccountID), a.Name, action, entity, fmt.Sprint(id), b, af, a.RequestID)
	if err != nil {
		return fmt.Errorf("audit %s %s %v: %w", action, entity, id, err)
	}
	return nil
}

func jsonOrNil(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: marshal: %w", err)
	}
	return b, nil
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ID        int64           `json:"id"`
	At        time.Time       `json:"at"`
	AccountID *int64          `json:"account_id"`
	Actor     string          `json:"actor"`
	Action    string          `json:"action"`
	Entity    string          `json:"entity"`
	EntityID  string          `json:"entity_id"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	RequestID string          `json:"request_id"`
}

// AuditFilter selects audit rows; zero fields do not filter.
type AuditFilter struct {
	AccountID int64  // who made the change: the actor's account
	Actor     string // who made the change, by name (the command line's too)
	Action    string
	Entity    string
	EntityID  string
	From, To  *time.Time // at or after From, before To
	BeforeID  int64      // rows with a smaller id, for paging back
	Limit     int
}

// AuditPage is a page of the audit log, newest first, and the id to page
// back from for the next (nil on the last page).
type AuditPage struct {
	Entries    []AuditEntry `json:"entries"`
	NextBefore *int64       `json:"next_before"`
}

// AuditLog returns the newest audit rows matching f: at most f.Limit, and
// where the next page starts.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) (AuditPage, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, at, account_id, actor, action, entity, entity_id,
		       COALESCE(before, 'null'::jsonb), COALESCE(after, 'null'::jsonb), request_id
		FROM audit_log
		WHERE ($1 = '' OR entity = $1) AND ($2 = '' OR entity_id = $2)
		  AND ($3::bigint IS NULL OR id < $3)
		  AND ($5::bigint IS NULL OR account_id = $5) AND ($6 = '' OR actor = $6) AND ($7 = '' OR action = $7)
		  AND ($8::timestamptz IS NULL OR at >= $8) AND ($9::timestamptz IS NULL OR at < $9)
		ORDER BY id DESC LIMIT $4`, f.Entity, f.EntityID, nilIfZero(f.BeforeID), f.Limit+1,
		nilIfZero(f.AccountID), f.Actor, f.Action, f.From, f.To)
	if err != nil {
		return AuditPage{}, fmt.Errorf("store: audit log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		var before, after []byte
		err := r.Scan(&e.ID, &e.At, &e.AccountID, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &before, &after, &e.RequestID)
		e.Before, e.After = before, after
		return e, err
	})
	if err != nil {
		return AuditPage{}, fmt.Errorf("store: audit log: %w", err)
	}
	page := AuditPage{Entries: out}
	if len(out) > f.Limit {
		page.Entries = out[:f.Limit]
		page.NextBefore = &page.Entries[f.Limit-1].ID
	}
	return page, nil
}
