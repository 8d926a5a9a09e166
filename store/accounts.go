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

// ErrConflict is returned when a unique value (a username) is taken.
var ErrConflict = errors.New("already exists")

// Account is a login, without its secrets.
type Account struct {
	ID        int64     `json:"id"`
	Username  string    `json:"username"`
	Role      auth.Role `json:"role"`
	GridID    *int64    `json:"grid_id"`
	PersonID  *int64    `json:"person_id"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	GridName  *string   `json:"grid_name"`
}

// NewAccount is what creating an account takes. PasswordHash may be empty
// for device accounts, which log in with tokens only.
type NewAccount struct {
	Username     string
	PasswordHash string
	Role         auth.Role
	GridID       int64
	PersonID     int64
}

// CreateAccount adds an account and audits it.
func (s *Store) CreateAccount(ctx context.Context, a Actor, n NewAccount) (Account, error) {
	var acc Account
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var hash *string
		if n.PasswordHash != "" {
			hash = &n.PasswordHash
		}
		if n.Role == auth.Volunteer {
			// A volunteer account works in its volunteer's team's grid:
			// the person must be a volunteer in a team.
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM volunteers WHERE person_id = $1)`, n.PersonID).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return ErrBadReference
			}
		}
		err := tx.QueryRow(ctx, `
			INSERT INTO accounts (username, password_hash, role, grid_id, person_id)
			VALUES ($1, $2, $3, $4, $5)
			RETURNING id, username, role, grid_id, person_id, disabled_at IS NOT NULL, created_at`,
			n.Username, hash, n.Role, nilIfZero(n.GridID), nilIfZero(n.PersonID)).Scan(
			&acc.ID, &acc.Username, &acc.Role, &acc.GridID, &acc.PersonID, &acc.Disabled, &acc.CreatedAt)
		if err != nil {
			return err
		}
		return audit(ctx, tx, a, "create", "account", acc.ID, nil, acc)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return acc, fmt.Errorf("store: account %q: %w", n.Username, ErrConflict)
	}
	if errors.Is(err, ErrBadReference) || errors.As(err, &pgErr) && pgErr.Code == "23503" { // person_id names nobody (or no volunteer)
		return acc, fmt.Errorf("store: account %q: %w", n.Username, ErrBadReference)
	}
	if err != nil {
		return acc, fmt.Errorf("store: create account %q: %w", n.Username, err)
	}
	return acc, nil
}

// Login is what a password check needs.
type Login struct {
	Principal    auth.Principal
	PasswordHash string // empty when the account has no password
	Disabled     bool
}

// AccountLogin returns the login record of username, or ErrNotFound.
func (s *Store) AccountLogin(ctx context.Context, username string) (Login, error) {
	var l Login
	var hash *string
	var grid, person *int64
	err := s.pool.QueryRow(ctx, `
		SELECT a.id, a.username, a.role, `+principalGrid+`, a.person_id, a.password_hash, a.disabled_at IS NOT NULL
		FROM accounts a WHERE a.username = $1`, username).Scan(
		&l.Principal.AccountID, &l.Principal.Username, &l.Principal.Role, &grid, &person, &hash, &l.Disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, fmt.Errorf("store: account %q: %w", username, ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("store: account %q: %w", username, err)
	}
	l.Principal.GridID, l.Principal.PersonID = derefOr(grid), derefOr(person)
	if hash != nil {
		l.PasswordHash = *hash
	}
	return l, nil
}

// CreateSession stores a session for an account.
func (s *Store) CreateSession(ctx context.Context, accountID int64, tokenHash []byte, expires time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (token_hash, account_id, expires_at) VALUES ($1, $2, $3)`,
		tokenHash, accountID, expires)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// principalColumns reads a principal from accounts a.
const principalColumns = `a.id, a.username, a.role, ` + principalGrid + `, COALESCE(a.person_id, 0)`

// principalGrid is the scope root of the account a: its grid, or for a
// volunteer the grid of the volunteer's team (where they work); 0 for the
// whole area. A volunteer in no team gets -1: a scope that holds nothing.
const principalGrid = `COALESCE(a.grid_id, CASE WHEN a.role = 'volunteer' THEN COALESCE((SELECT t.grid_id
	FROM volunteers v JOIN volunteer_teams t ON t.id = v.team_id WHERE v.person_id = a.person_id), -1) END, 0)`

// SessionLimits say how long a session lives: Until is the idle expiry a
// use slides it to; the slide is written only when the stored expiry is
// before RefreshBefore, so a burst of requests or stream upgrades reads the
// row without rewriting it each time. MaxAge is the absolute lifetime,
// measured like the expiry by the database's clock: an older session is
// refused however recently it was used.
type SessionLimits struct {
	Until, RefreshBefore time.Time
	MaxAge               time.Duration
}

// SessionPrincipal returns the account of a live session, sliding its
// expiry as lim says; ErrNotFound when the session is unknown, expired,
// past its absolute lifetime or its account disabled. A wall link's
// session neither slides nor has an absolute lifetime: it ends at the
// link's expiry, or when the link is revoked (its rows are deleted then).
func (s *Store) SessionPrincipal(ctx context.Context, tokenHash []byte, lim SessionLimits) (auth.Principal, error) {
	var p auth.Principal
	err := s.pool.QueryRow(ctx, `
		WITH hit AS (
			SELECT s.token_hash, s.expires_at, s.wall_link_id, a.id, a.username, a.role,
				`+principalGrid+` AS grid_id, COALESCE(a.person_id, 0) AS person_id
			FROM sessions s JOIN accounts a ON a.id = s.account_id
			WHERE s.token_hash = $1 AND s.expires_at > now() AND a.disabled_at IS NULL
				AND (s.wall_link_id IS NOT NULL OR s.created_at > now() - $3::float8 * interval '1 second')
		), slide AS (
			UPDATE sessions s SET expires_at = $2
			FROM hit WHERE s.token_hash = hit.token_hash AND hit.expires_at < $4 AND hit.wall_link_id IS NULL
		)
		SELECT id, username, role, grid_id, person_id FROM hit`, tokenHash, lim.Until, lim.MaxAge.Seconds(), lim.RefreshBefore).Scan(
		&p.AccountID, &p.Username, &p.Role, &p.GridID, &p.PersonID)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("store: session: %w", ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("store: session: %w", err)
	}
	return p, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= now()`)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Token is an API or device token, without its secret.
type Token struct {
	ID        int64      `json:"id"`
	AccountID int64      `json:"account_id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// CreateToken stores the hash of a new token for an account, audited.
func (s *Store) CreateToken(ctx context.Context, a Actor, accountID int64, name string, tokenHash []byte, expires time.Time) (Token, error) {
	var t Token
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO api_tokens (account_id, name, token_hash, expires_at) VALUES ($1, $2, $3, $4)
			RETURNING id, account_id, name, created_at, expires_at, revoked_at`,
			accountID, name, tokenHash, expires).Scan(&t.ID, &t.AccountID, &t.Name, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt)
		if err != nil {
			return err
		}
		return audit(ctx, tx, a, "create", "token", t.ID, nil, t)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return t, fmt.Errorf("store: token for account %d: %w", accountID, ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("store: create token: %w", err)
	}
	return t, nil
}

// RevokeToken revokes a token, audited; ErrNotFound when there is none.
func (s *Store) RevokeToken(ctx context.Context, a Actor, id int64) (Token, error) {
	var before, after Token
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, account_id, name, created_at, expires_at, revoked_at FROM api_tokens WHERE id = $1 FOR UPDATE`, id).Scan(
			&before.ID, &before.AccountID, &before.Name, &before.CreatedAt, &before.ExpiresAt, &before.RevokedAt)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1
			RETURNING id, account_id, name, created_at, expires_at, revoked_at`, id).Scan(
			&after.ID, &after.AccountID, &after.Name, &after.CreatedAt, &after.ExpiresAt, &after.RevokedAt)
		if err != nil {
			return err
		}
		return audit(ctx, tx, a, "revoke", "token", id, before, after)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return after, fmt.Errorf("store: token %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return after, fmt.Errorf("store: revoke token %d: %w", id, err)
	}
	return after, nil
}

// TokenPrincipal returns the account of a live token; ErrNotFound when the
// token is unknown, expired, revoked or its account disabled. It only
// reads: the server records uses in bulk (TokenPrincipals), so 20,000
// devices reconnecting at once are 20,000 reads, not writes.
func (s *Store) TokenPrincipal(ctx context.Context, tokenHash []byte) (auth.Principal, error) {
	var p auth.Principal
	err := s.pool.QueryRow(ctx, `
		SELECT `+principalColumns+`
		FROM api_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE t.token_hash = $1 AND t.expires_at > now() AND t.revoked_at IS NULL AND a.disabled_at IS NULL`, tokenHash).Scan(
		&p.AccountID, &p.Username, &p.Role, &p.GridID, &p.PersonID)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("store: token: %w", ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("store: token: %w", err)
	}
	return p, nil
}

// TokenPrincipals revalidates many cached tokens in one round trip: it
// returns the principals of those still live (keyed by hash) and records
// the use of those in used. A token missing from the answer is unknown,
// expired, revoked or its account disabled.
func (s *Store) TokenPrincipals(ctx context.Context, hashes, used [][]byte) (map[string]auth.Principal, error) {
	if len(used) > 0 {
		if _, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now() WHERE token_hash = ANY($1)`, used); err != nil {
			return nil, fmt.Errorf("store: token use: %w", err)
		}
	}
	rows, err := s.pool.Query(ctx, `
		SELECT t.token_hash, `+principalColumns+`
		FROM api_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE t.token_hash = ANY($1) AND t.expires_at > now() AND t.revoked_at IS NULL AND a.disabled_at IS NULL`, hashes)
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	out := make(map[string]auth.Principal, len(hashes))
	var hash []byte
	var p auth.Principal
	_, err = pgx.ForEachRow(rows, []any{&hash, &p.AccountID, &p.Username, &p.Role, &p.GridID, &p.PersonID}, func() error {
		out[string(hash)] = p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	return out, nil
}

// Hierarchy loads the parent of every current grid.
func (s *Store) Hierarchy(ctx context.Context) (*auth.Hierarchy, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, COALESCE(parent_id, 0) FROM grids WHERE retired_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("store: hierarchy: %w", err)
	}
	parent := map[int64]int64{}
	var id, p int64
	_, err = pgx.ForEachRow(rows, []any{&id, &p}, func() error {
		parent[id] = p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: hierarchy: %w", err)
	}
	return auth.NewHierarchy(parent), nil
}

// SetAccountDisabled disables an account (its sessions are deleted in the
// same transaction; its tokens stay but are refused while it is disabled)
// or enables it again, audited; ErrNotFound when there is no such account.
func (s *Store) SetAccountDisabled(ctx context.Context, a Actor, id int64, disabled bool) (Account, error) {
	var before, after Account
	action := "enable"
	if disabled {
		action = "disable"
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		const cols = `id, username, role, grid_id, person_id, disabled_at IS NOT NULL, created_at`
		scan := func(row pgx.Row, acc *Account) error {
			return row.Scan(&acc.ID, &acc.Username, &acc.Role, &acc.GridID, &acc.PersonID, &acc.Disabled, &acc.CreatedAt)
		}
		if err := scan(tx.QueryRow(ctx, `SELECT `+cols+` FROM accounts WHERE id = $1 FOR UPDATE`, id), &before); err != nil {
			return err
		}
		err := scan(tx.QueryRow(ctx, `
			UPDATE accounts SET disabled_at = CASE WHEN $2 THEN COALESCE(disabled_at, now()) END
			WHERE id = $1 RETURNING `+cols, id, disabled), &after)
		if err != nil {
			return err
		}
		if disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, id); err != nil {
				return err
			}
		}
		return audit(ctx, tx, a, action, "account", id, before, after)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return after, fmt.Errorf("store: account %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return after, fmt.Errorf("store: %s account %d: %w", action, id, err)
	}
	return after, nil
}

// ChangePassword sets an account's password hash and ends its other
// sessions: every one but keep (nil ends them all). The audit row records
// the change and how many sessions ended, never the hash.
func (s *Store) ChangePassword(ctx context.Context, a Actor, accountID int64, passwordHash string, keep []byte) (int64, error) {
	var ended int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE accounts SET password_hash = $2 WHERE id = $1 AND disabled_at IS NULL`, accountID, passwordHash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return pgx.ErrNoRows
		}
		tag, err = tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1 AND token_hash IS DISTINCT FROM $2`, accountID, keep)
		if err != nil {
			return err
		}
		ended = tag.RowsAffected()
		return audit(ctx, tx, a, "change_password", "account", accountID, nil, map[string]int64{"sessions_ended": ended})
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("store: account %d: %w", accountID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: change password of account %d: %w", accountID, err)
	}
	return ended, nil
}
