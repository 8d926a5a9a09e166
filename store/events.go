package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// LiveEvent is one durable event of the live stream.
type LiveEvent struct {
	Seq         int64 // global, increasing; set by AppendEvents
	At          time.Time
	Topic       string // positions, geofence, screening, coverage, alerts or boundaries
	GridID      int64  // the grid it concerns; 0 for none
	VolunteerID int64  // 0 for none
	Payload     json.RawMessage
}

// AppendEvents numbers a batch of events and stores it in one
// transaction, returning copies with Seq set, in order. The numbers are
// drawn in one statement under an advisory lock held until commit, so that
// batches commit in sequence order and EventsSince never skips an event
// that commits later with a smaller number.
func (s *Store) AppendEvents(ctx context.Context, evs []LiveEvent) ([]LiveEvent, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	for i, e := range evs {
		if e.At.IsZero() || len(e.Payload) == 0 {
			return nil, fmt.Errorf("store: append events: event %d (%s) has no time or no payload", i, e.Topic)
		}
	}
	out := slices.Clone(evs)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, eventLock); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT nextval('live_event_seq') FROM generate_series(1, $1) ORDER BY 1`, len(out))
		if err != nil {
			return err
		}
		seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for i := range out {
			out[i].Seq = seqs[i]
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"live_events"},
			[]string{"seq", "at", "topic", "grid_id", "volunteer_id", "payload"},
			pgx.CopyFromSlice(len(out), func(i int) ([]any, error) {
				e := out[i]
				return []any{e.Seq, e.At, e.Topic, nilIfZero(e.GridID), nilIfZero(e.VolunteerID), e.Payload}, nil
			}))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: append %d events: %w", len(evs), refError(err))
	}
	return out, nil
}

// EventsSince returns at most limit events with seq > after, in seq
// order, limited to events of inGrids and of topics; a nil list does not
// filter, an empty one matches nothing. With a grid filter, events that
// concern no grid are left out: they may not be in the reader's scope.
func (s *Store) EventsSince(ctx context.Context, after int64, inGrids []int64, topics []string, limit int) ([]LiveEvent, error) {
	if limit < 1 {
		return nil, fmt.Errorf("store: events since %d: limit %d, want at least 1", after, limit)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT seq, at, topic, COALESCE(grid_id, 0), COALESCE(volunteer_id, 0), payload
		FROM live_events
		WHERE seq > $1
		  AND ($2::bigint[] IS NULL OR grid_id = ANY ($2))
		  AND ($3::text[] IS NULL OR topic = ANY ($3))
		ORDER BY seq LIMIT $4`, after, inGrids, topics, limit)
	if err != nil {
		return nil, fmt.Errorf("store: events since %d: %w", after, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (LiveEvent, error) {
		var e LiveEvent
		var payload []byte
		err := r.Scan(&e.Seq, &e.At, &e.Topic, &e.GridID, &e.VolunteerID, &payload)
		e.Payload = payload
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: events since %d: %w", after, err)
	}
	return out, nil
}

// LastEventSeq is the highest committed event number, 0 when there is
// none: where a new subscriber's deltas start after its snapshot. It reads
// the table, not the sequence, whose value may belong to a batch not yet
// committed.
func (s *Store) LastEventSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(max(seq), 0) FROM live_events`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("store: last event seq: %w", err)
	}
	return seq, nil
}

// OldestEventSeq is the lowest event number a replay can still deliver:
// the oldest stored event, or, when retention has removed every event, the
// next number to be drawn. A client whose last seq is below this minus one
// has missed events and needs a snapshot instead of a replay.
func (s *Store) OldestEventSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, `
		SELECT COALESCE((SELECT min(seq) FROM live_events),
		                (SELECT last_value + is_called::int FROM live_event_seq))`).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: oldest event seq: %w", err)
	}
	return seq, nil
}

// DropEventsBefore deletes events older than cutoff, the retention rule,
// and returns how many went.
func (s *Store) DropEventsBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM live_events WHERE at < $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("store: drop events before %s: %w", cutoff.Format(time.RFC3339), err)
	}
	return tag.RowsAffected(), nil
}
