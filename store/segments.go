package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/segment"
)

// compactLock serialises compactions between instances (one moves an
// hour while another would read it half moved otherwise).
const compactLock = 726375

// CompactBatch is how many volunteers one compaction transaction moves.
const CompactBatch = 500

// CompactPositions moves the fixes taken before cutoff (rounded down to
// the hour) from the positions table into position_segments, one segment
// per volunteer per UTC hour, merging a fix that arrived after its hour
// was compacted into that hour's segment. Volunteers move in batches of
// CompactBatch, each in one transaction: the rows are deleted and their
// segments written together, so a reader sees every fix once, as a row or
// in a segment. It returns how many fixes moved.
func (s *Store) CompactPositions(ctx context.Context, cutoff time.Time) (int64, error) {
	return s.CompactPositionsBy(ctx, cutoff, CompactBatch)
}

// CompactPositionsBy is CompactPositions moving batch volunteers a
// transaction.
func (s *Store) CompactPositionsBy(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	cutoff = cutoff.UTC().Truncate(time.Hour)
	var moved int64
	after := int64(-1 << 63)
	for {
		var n int64
		var last int64
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, compactLock); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `
				DELETE FROM positions
				WHERE at < $1 AND volunteer_id IN (
					SELECT DISTINCT volunteer_id FROM positions
					WHERE at < $1 AND volunteer_id > $2 ORDER BY volunteer_id LIMIT $3)
				RETURNING `+positionColumns, cutoff, after, batch)
			if err != nil {
				return err
			}
			ps, err := pgx.CollectRows(rows, scanPosition)
			if err != nil || len(ps) == 0 {
				return err
			}
			n = int64(len(ps))
			last, err = writeSegments(ctx, tx, ps)
			return err
		})
		if err != nil {
			return moved, fmt.Errorf("store: compact positions before %s: %w", cutoff.Format(time.RFC3339), err)
		}
		if n == 0 {
			return moved, nil
		}
		moved += n
		after = last
	}
}

type segKey struct {
	volunteer int64
	hour      time.Time
}

// writeSegments merges ps into their hours' segments, within tx, and
// returns the largest volunteer id among them.
func writeSegments(ctx context.Context, tx pgx.Tx, ps []model.Position) (int64, error) {
	groups := map[segKey][]model.Position{}
	var last int64
	for _, p := range ps {
		k := segKey{p.VolunteerID, p.At.UTC().Truncate(time.Hour)}
		groups[k] = append(groups[k], p)
		last = max(last, p.VolunteerID)
	}
	vols, hours := make([]int64, 0, len(groups)), make([]time.Time, 0, len(groups))
	for k := range groups {
		vols, hours = append(vols, k.volunteer), append(hours, k.hour)
	}
	rows, err := tx.Query(ctx, `
		SELECT s.volunteer_id, s.hour, s.data FROM position_segments s
		JOIN unnest($1::bigint[], $2::timestamptz[]) AS k(volunteer_id, hour) USING (volunteer_id, hour)
		FOR UPDATE OF s`, vols, hours)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var (
			k    segKey
			data []byte
		)
		if err := rows.Scan(&k.volunteer, &k.hour, &data); err != nil {
			return 0, err
		}
		old, err := segment.Decode(k.volunteer, data)
		if err != nil {
			return 0, fmt.Errorf("segment of %d at %s: %w", k.volunteer, k.hour.Format(time.RFC3339), err)
		}
		k.hour = k.hour.UTC()
		groups[k] = append(old, groups[k]...)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := len(groups)
	var (
		firsts, lasts = make([]time.Time, 0, n), make([]time.Time, 0, n)
		counts        = make([]int32, 0, n)
		datas         = make([][]byte, 0, n)
	)
	vols, hours = vols[:0], hours[:0]
	for k, g := range groups {
		slices.SortStableFunc(g, func(a, b model.Position) int { return a.At.Compare(b.At) })
		vols, hours = append(vols, k.volunteer), append(hours, k.hour)
		firsts = append(firsts, g[0].At.Truncate(100*time.Millisecond))
		lasts = append(lasts, g[len(g)-1].At.Truncate(100*time.Millisecond))
		counts = append(counts, int32(len(g)))
		datas = append(datas, segment.Encode(g))
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO position_segments (volunteer_id, hour, first_at, last_at, n, data)
		SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::bytea[])
		ON CONFLICT (volunteer_id, hour) DO UPDATE
		SET first_at = excluded.first_at, last_at = excluded.last_at, n = excluded.n, data = excluded.data`,
		vols, hours, firsts, lasts, counts, datas)
	return last, err
}

// segmentPositions returns the compacted fixes of volunteers taken in
// [from, to), by volunteer and time.
func (s *Store) segmentPositions(ctx context.Context, volunteers []int64, from, to time.Time) ([]model.Position, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT volunteer_id, data FROM position_segments
		WHERE volunteer_id = ANY ($1) AND hour > $2::timestamptz - interval '1 hour' AND hour < $3
		  AND last_at >= $2 AND first_at < $3
		ORDER BY volunteer_id, hour`, volunteers, from, to)
	if err != nil {
		return nil, err
	}
	var out []model.Position
	for rows.Next() {
		var (
			v    int64
			data []byte
		)
		if err := rows.Scan(&v, &data); err != nil {
			return nil, err
		}
		ps, err := segment.Decode(v, data)
		if err != nil {
			return nil, fmt.Errorf("segment of %d: %w", v, err)
		}
		for _, p := range ps {
			if !p.At.Before(from) && p.At.Before(to) {
				out = append(out, p)
			}
		}
	}
	return out, rows.Err()
}

// withSegments merges the compacted fixes of volunteers in [from, to)
// into rows (fixes read from the positions table), by volunteer and time.
func (s *Store) withSegments(ctx context.Context, rows []model.Position, volunteers []int64, from, to time.Time) ([]model.Position, error) {
	old, err := s.segmentPositions(ctx, volunteers, from, to)
	if err != nil || len(old) == 0 {
		return rows, err
	}
	out := append(old, rows...)
	slices.SortStableFunc(out, func(a, b model.Position) int {
		if a.VolunteerID != b.VolunteerID {
			if a.VolunteerID < b.VolunteerID {
				return -1
			}
			return 1
		}
		return a.At.Compare(b.At)
	})
	return out, nil
}

// DropSegmentsBefore deletes the segments of hours that ended at or
// before cutoff, the retention rule, and returns how many.
func (s *Store) DropSegmentsBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM position_segments WHERE hour + interval '1 hour' <= $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("store: drop position segments before %s: %w", cutoff.Format(time.RFC3339), err)
	}
	return tag.RowsAffected(), nil
}
