package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap/gridmap/auth"
)

// ErrLastAdmin is returned when a change would leave no enabled admin.
var ErrLastAdmin = errors.New("the last enabled admin")

// AccountSummary is an account as the admin page lists it: with its
// grid's name, the wall link it belongs to (nil for a person's or a
// device's account), its open sessions and its live tokens.
type AccountSummary struct {
	Account
	WallLinkID *int64 `json:"wall_link_id"`
	Sessions   int    `json:"sessions"`
	Tokens     int    `json:"tokens"`
}

// accountSummarySelect reads an AccountSummary from accounts a;
// scanAccountSummary reads its columns in order.
const accountSummarySelect = `
	SELECT a.id, a.username, a.role, a.grid_id, a.person_id, a.disabled_at IS NOT NULL, a.created_at, g.name,
		(SELECT w.id FROM wall_links w WHERE w.account_id = a.id),
		(SELECT count(*) FROM sessions s WHERE s.account_id = a.id AND s.expires_at > now()),
		(SELECT count(*) FROM api_tokens t WHERE t.account_id = a.id AND t.revoked_at IS NULL AND t.expires_at > now())
	FROM accounts a LEFT JOIN grids g ON g.id = a.grid_id`

func scanAccountSummary(row pgx.Row) (AccountSummary, error) {
	var a AccountSummary
	err := row.Scan(&a.ID, &a.Username, &a.Role, &a.GridID, &a.PersonID, &a.Disabled, &a.CreatedAt, &a.GridName,
		&a.WallLinkID, &a.Sessions, &a.Tokens)
	return a, err
}

// Account returns one account's summary, or ErrNotFound.
func (s *Store) Account(ctx context.Context, id int64) (AccountSummary, error) {
	a, err := scanAccountSummary(s.pool.QueryRow(ctx, accountSummarySelect+` WHERE a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("store: account %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("store: account %d: %w", id, err)
	}
	return a, nil
}

// Accounts lists every account, by id.
func (s *Store) Accounts(ctx context.Context) ([]AccountSummary, error) {
	rows, err := s.pool.Query(ctx, accountSummarySelect+` ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("store: accounts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AccountSummary, error) { return scanAccountSummary(r) })
	if err != nil {
		return nil, fmt.Errorf("store: accounts: %w", err)
	}
	return out, nil
}

// UpdateAccount gives an account a role and a grid (0: none), ends its
// sessions so the new scope applies at once, audited with before and
// after. ErrLastAdmin when it would demote the last enabled admin;
// ErrBadReference when the grid does not exist; ErrNotFound when there is
// no such account.
func (s *Store) UpdateAccount(ctx context.Context, a Actor, id int64, role auth.Role, grid int64) (AccountSummary, error) {
	var before, after AccountSummary
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The admins are locked in one order first, so two demotions at
		// once cannot both see the other admin still there.
		rows, err := tx.Query(ctx, `SELECT id FROM accounts WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE`)
		if err != nil {
			return err
		}
		admins, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if before, err = scanAccountSummary(tx.QueryRow(ctx, accountSummarySelect+` WHERE a.id = $1 FOR UPDATE OF a`, id)); err != nil {
			return err
		}
		if before.Role == auth.Admin && !before.Disabled && role != auth.Admin && len(admins) <= 1 {
			return ErrLastAdmin
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET role = $2, grid_id = $3 WHERE id = $1`, id, role, nilIfZero(grid)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, id); err != nil {
			return err
		}
		if after, err = scanAccountSummary(tx.QueryRow(ctx, accountSummarySelect+` WHERE a.id = $1`, id)); err != nil {
			return err
		}
		return audit(ctx, tx, a, "update", "account", id, before.Account, after.Account)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return after, fmt.Errorf("store: account %d: %w", id, ErrNotFound)
	case errors.Is(err, ErrLastAdmin):
		return after, fmt.Errorf("store: account %d: %w", id, err)
	case isForeignKey(err):
		return after, fmt.Errorf("store: account %d grid %d: %w", id, grid, ErrBadReference)
	case err != nil:
		return after, fmt.Errorf("store: update account %d: %w", id, err)
	}
	return after, nil
}

// ResetPassword sets an account's password hash (an admin's reset, with
// no current password) and ends every session of it. The audit row
// records the reset and how many sessions ended, never the hash.
// ErrNotFound when there is no such account.
func (s *Store) ResetPassword(ctx context.Context, a Actor, id int64, passwordHash string) (int64, error) {
	var ended int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE accounts SET password_hash = $2 WHERE id = $1`, id, passwordHash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return pgx.ErrNoRows
		}
		if ended, err = deleteSessions(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, tx, a, "reset_password", "account", id, nil, map[string]int64{"sessions_ended": ended})
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("store: account %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: reset password of account %d: %w", id, err)
	}
	return ended, nil
}

// EndSessions ends every session of an account (its tokens stay),
// audited with how many ended. ErrNotFound when there is no such account.
func (s *Store) EndSessions(ctx context.Context, a Actor, id int64) (int64, error) {
	var ended int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, id).Scan(&one); err != nil {
			return err
		}
		var err error
		if ended, err = deleteSessions(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, tx, a, "end_sessions", "account", id, nil, map[string]int64{"sessions_ended": ended})
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("store: account %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: end sessions of account %d: %w", id, err)
	}
	return ended, nil
}

// deleteSessions deletes an account's sessions and counts the live ones.
func deleteSessions(ctx context.Context, tx pgx.Tx, id int64) (int64, error) {
	var n int64
	err := tx.QueryRow(ctx, `
		WITH d AS (DELETE FROM sessions WHERE account_id = $1 RETURNING expires_at)
		SELECT count(*) FILTER (WHERE expires_at > now()) FROM d`, id).Scan(&n)
	return n, err
}

// TokenListing is a token as the admin page lists it: with its account
// and when it was last used (recorded in bulk, so up to a token sweep
// late).
type TokenListing struct {
	Token
	Username   string     `json:"username"`
	Role       auth.Role  `json:"role"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// TokenFilter selects tokens; zero fields do not filter.
type TokenFilter struct {
	AccountID int64
	Role      auth.Role
	BeforeID  int64 // tokens with a smaller id, for paging back
	Limit     int
}

// Tokens lists tokens matching f, newest first.
func (s *Store) Tokens(ctx context.Context, f TokenFilter) ([]TokenListing, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.id, t.account_id, t.name, t.created_at, t.expires_at, t.revoked_at, a.username, a.role, t.last_used_at
		FROM api_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE ($1::bigint IS NULL OR t.account_id = $1) AND ($2 = '' OR a.role = $2)
		  AND ($3::bigint IS NULL OR t.id < $3)
		ORDER BY t.id DESC LIMIT $4`, nilIfZero(f.AccountID), string(f.Role), nilIfZero(f.BeforeID), f.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TokenListing, error) {
		var t TokenListing
		err := r.Scan(&t.ID, &t.AccountID, &t.Name, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.Username, &t.Role, &t.LastUsedAt)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	return out, nil
}

// isForeignKey reports whether err is a foreign key violation: a value
// that names no row.
func isForeignKey(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}
