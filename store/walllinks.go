package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap/gridmap/auth"
)

// WallLink is a read-only login link for a wall display, without its
// secret.
type WallLink struct {
	ID         int64      `json:"id"`
	AccountID  int64      `json:"account_id"` // the link's own viewer account
	GridID     int64      `json:"grid_id"`
	GridName   *string    `json:"grid_name"`
	CreatedBy  *string    `json:"created_by"` // the issuer's username; nil from the command line
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// wallLinkSelect reads a WallLink from wall_links w; scanWallLink reads
// its columns in order.
const wallLinkSelect = `
	SELECT w.id, w.account_id, w.grid_id, g.name, c.username, w.created_at, w.expires_at, w.revoked_at, w.last_used_at
	FROM wall_links w JOIN grids g ON g.id = w.grid_id LEFT JOIN accounts c ON c.id = w.created_by`

func scanWallLink(row pgx.Row) (WallLink, error) {
	var l WallLink
	err := row.Scan(&l.ID, &l.AccountID, &l.GridID, &l.GridName, &l.CreatedBy, &l.CreatedAt, &l.ExpiresAt, &l.RevokedAt, &l.LastUsedAt)
	return l, err
}

// CreateWallLink stores the hash of a new wall link for grid and the
// viewer account it logs in as (wall-link-{id}, scoped to grid, no
// password), audited; ErrBadReference when the grid does not exist.
func (s *Store) CreateWallLink(ctx context.Context, a Actor, grid int64, secretHash []byte, expires time.Time) (WallLink, error) {
	var l WallLink
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id, account int64
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('wall_links', 'id'))`).Scan(&id); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO accounts (username, role, grid_id) VALUES ($1, 'viewer', $2) RETURNING id`,
			"wall-link-"+strconv.FormatInt(id, 10), grid).Scan(&account)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO wall_links (id, secret_hash, account_id, grid_id, created_by, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, secretHash, account, grid, nilIfZero(a.AccountID), expires)
		if err != nil {
			return err
		}
		if l, err = scanWallLink(tx.QueryRow(ctx, wallLinkSelect+` WHERE w.id = $1`, id)); err != nil {
			return err
		}
		return audit(ctx, tx, a, "create", "wall_link", id, nil, l)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return l, fmt.Errorf("store: wall link for grid %d: %w", grid, ErrBadReference)
	}
	if err != nil {
		return l, fmt.Errorf("store: create wall link: %w", err)
	}
	return l, nil
}

// WallLinks lists every wall link, newest first.
func (s *Store) WallLinks(ctx context.Context) ([]WallLink, error) {
	rows, err := s.pool.Query(ctx, wallLinkSelect+` ORDER BY w.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: wall links: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (WallLink, error) { return scanWallLink(r) })
	if err != nil {
		return nil, fmt.Errorf("store: wall links: %w", err)
	}
	return out, nil
}

// RevokeWallLink revokes a wall link (again is a no-op that keeps the
// first time): its account is disabled and its sessions deleted in the
// same transaction, audited; ErrNotFound when there is none.
func (s *Store) RevokeWallLink(ctx context.Context, a Actor, id int64) (WallLink, error) {
	var before, after WallLink
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if before, err = scanWallLink(tx.QueryRow(ctx, wallLinkSelect+` WHERE w.id = $1 FOR UPDATE OF w`, id)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			WITH l AS (UPDATE wall_links SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING account_id),
			     d AS (DELETE FROM sessions WHERE wall_link_id = $1)
			UPDATE accounts SET disabled_at = COALESCE(disabled_at, now()) WHERE id = (SELECT account_id FROM l)`, id)
		if err != nil {
			return err
		}
		if after, err = scanWallLink(tx.QueryRow(ctx, wallLinkSelect+` WHERE w.id = $1`, id)); err != nil {
			return err
		}
		return audit(ctx, tx, a, "revoke", "wall_link", id, before, after)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return after, fmt.Errorf("store: wall link %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return after, fmt.Errorf("store: revoke wall link %d: %w", id, err)
	}
	return after, nil
}

// WallLogin is a session started by a wall link.
type WallLogin struct {
	Principal auth.Principal // the link's viewer account, scoped to its grid
	LinkID    int64
	ExpiresAt time.Time // the link's expiry, which is the session's
}

// StartWallSession starts a session (sessionHash) with a live wall link
// (secretHash): not expired, not revoked. The session ends when the link
// expires; the link's last use is set; the log-in is audited as the
// link's account, with addr. ErrNotFound when the link is unknown,
// expired or revoked.
func (s *Store) StartWallSession(ctx context.Context, secretHash, sessionHash []byte, requestID, addr string) (WallLogin, error) {
	var l WallLogin
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			SELECT w.id, w.expires_at, `+principalColumns+`
			FROM wall_links w JOIN accounts a ON a.id = w.account_id
			WHERE w.secret_hash = $1 AND w.revoked_at IS NULL AND w.expires_at > now() AND a.disabled_at IS NULL
			FOR UPDATE OF w`, secretHash).Scan(
			&l.LinkID, &l.ExpiresAt, &l.Principal.AccountID, &l.Principal.Username, &l.Principal.Role, &l.Principal.GridID, &l.Principal.PersonID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			WITH u AS (UPDATE wall_links SET last_used_at = now() WHERE id = $2)
			INSERT INTO sessions (token_hash, account_id, expires_at, wall_link_id) VALUES ($1, $3, $4, $2)`,
			sessionHash, l.LinkID, l.Principal.AccountID, l.ExpiresAt)
		if err != nil {
			return err
		}
		a := Actor{AccountID: l.Principal.AccountID, Name: l.Principal.Username, RequestID: requestID}
		return audit(ctx, tx, a, "login", "wall_link", l.LinkID, nil, map[string]any{"addr": addr, "session_expires_at": l.ExpiresAt})
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return l, fmt.Errorf("store: wall link: %w", ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("store: wall link login: %w", err)
	}
	return l, nil
}
