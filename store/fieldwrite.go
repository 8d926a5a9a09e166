package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/model"
)

// Errors of field writes a caller branches on.
var (
	// ErrClientIDReused: the client id was used by another account or for
	// another kind of write.
	ErrClientIDReused = &model.Error{Kind: model.Conflict, Field: "client_id", Code: model.CodeClientIDReused, Msg: "already used for another write; make a new one for each write"}
)

// fieldErr is a write refused for one field's value after looking at
// the database (a household that does not exist, a seal nobody wears).
func fieldErr(kind model.Kind, field, format string, args ...any) error {
	return model.Errorf(kind, field, format, args...)
}

// Change is what a committed field write did to the live figures and the
// stream: a delta to one compound grid's tally and events to publish.
type Change struct {
	Grid   int64          // the compound grid it concerns
	Delta  coverage.Tally // the change to that grid's tally
	Events []LiveEvent    // screening and alerts events, not yet numbered
	Xid    uint64         // the write's transaction id, to tell whether a recount saw it
}

// Effect is what a field write did, so that its caller can answer it in
// its own terms (server/ maps it to an HTTP status).
type Effect int

// The effects of a field write.
const (
	Changed Effect = iota // an existing row changed; the body describes it
	Created               // a new row; the body describes it
	Done                  // a reference set or cleared: nothing to describe
)

// effectCodes are what field_writes.status holds for each effect. The
// column has held these numbers since migration 004 (they were the
// answers' HTTP statuses then), and stored answers replay by them, so
// they stay; only this table knows them.
var effectCodes = map[Effect]int16{Changed: 200, Created: 201, Done: 204}

// effectOf maps a stored code back to its effect.
func effectOf(code int16) (Effect, error) {
	for e, c := range effectCodes {
		if c == code {
			return e, nil
		}
	}
	return 0, fmt.Errorf("store: field write stored with unknown status %d", code)
}

// WriteResult is the answer to a field write. A replay (a retry with a
// client id already stored) carries the first answer and no Change.
type WriteResult struct {
	Effect Effect
	Body   json.RawMessage
	Replay bool
	Change Change
}

// fieldWrite runs one idempotent field write. The client id's row is
// inserted first, in the write's transaction: a concurrent retry waits on
// it, and once the first commits finds the stored answer and replays it.
// A write that fails rolls back with its client id, so a retry can
// succeed later. The answer is returned only after the commit.
func (s *Store) fieldWrite(ctx context.Context, a Actor, clientID, kind string, effect Effect,
	fn func(tx pgx.Tx) (any, Change, error)) (WriteResult, error) {
	var res WriteResult
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO field_writes (client_id, account_id, kind, status, response)
			VALUES ($1, $2, $3, 0, '') ON CONFLICT (client_id) DO NOTHING`,
			clientID, nilIfZero(a.AccountID), kind)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var account *int64
			var storedKind string
			var code int16
			if err := tx.QueryRow(ctx, `SELECT account_id, kind, status, response FROM field_writes WHERE client_id = $1`,
				clientID).Scan(&account, &storedKind, &code, &res.Body); err != nil {
				return err
			}
			if storedKind != kind || derefOr(account) != a.AccountID {
				return ErrClientIDReused
			}
			res.Replay = true
			res.Effect, err = effectOf(code)
			return err
		}
		answer, ch, err := fn(tx)
		if err != nil {
			return err
		}
		body, err := json.Marshal(answer)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `UPDATE field_writes SET status = $2, response = $3 WHERE client_id = $1
			RETURNING pg_current_xact_id()::text::bigint`, clientID, effectCodes[effect], string(body)).Scan(&ch.Xid); err != nil {
			return err
		}
		res = WriteResult{Effect: effect, Body: body, Change: ch}
		return nil
	})
	if err != nil {
		var fe *model.Error
		var ie *ImportError
		if errors.As(err, &fe) || errors.As(err, &ie) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
			return WriteResult{}, err
		}
		return WriteResult{}, fmt.Errorf("store: %s: %w", kind, refError(err))
	}
	return res, nil
}

// isUnique reports a unique violation on the named constraint or index.
func isUnique(err error, name string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == name
}

// event makes a live event of payload for grid.
func event(topic string, grid int64, payload any) LiveEvent {
	b, _ := json.Marshal(payload)
	return LiveEvent{At: time.Now(), Topic: topic, GridID: grid, Payload: b}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
