package store

import (
	"cmp"
	"context"

	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/jackc/pgx/v5"
)

// Advisory lock keys. partitionLock serialises DDL on positions'
// partitions between processes; eventLock serialises AppendEvents so that
// sequence numbers commit in order.
const (
	partitionLock = 0x706f7370 // "posp"
	eventLock     = 0x6c697665 // "live"
)

// maxPartitionDays bounds one EnsurePositionPartitions call, so that a
// wrong year makes an error, not thousands of tables.
const maxPartitionDays = 400

// partitionName is the daily partition of positions holding day, a UTC
// midnight: positions_YYYYMMDD.
func partitionName(day time.Time) string { return "positions_" + day.Format("20060102") }

// utcDay is the UTC midnight at or before t.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// EnsurePositionPartitions creates the daily (UTC) partitions of positions
// covering [from, to) that do not exist yet. It is idempotent and safe to
// run from several processes at once: creation is serialised by an advisory
// lock, and a day found missing is created IF NOT EXISTS under it.
func (s *Store) EnsurePositionPartitions(ctx context.Context, from, to time.Time) error {
	var days []time.Time
	for d := utcDay(from); d.Before(to); d = d.AddDate(0, 0, 1) {
		if len(days) == maxPartitionDays {
			return fmt.Errorf("store: position partitions %s to %s: more than %d days", from.Format(time.DateOnly), to.Format(time.DateOnly), maxPartitionDays)
		}
		days = append(days, d)
	}
	if err := s.ensureDays(ctx, days); err != nil {
		return fmt.Errorf("store: position partitions: %w", err)
	}
	return nil
}

// ensureDays creates the partitions of the given UTC days that are
// missing. The common case, every day present, costs one catalog query
// and no lock.
func (s *Store) ensureDays(ctx context.Context, days []time.Time) (err error) {
	// Partitions known to exist are remembered, so a batch costs no
	// catalog query; retention drops only days far older than any
	// position accepted.
	known := true
	for _, d := range days {
		if _, ok := s.partitions.Load(partitionName(d)); !ok {
			known = false
		}
	}
	if known {
		return nil
	}
	existing, err := positionPartitions(ctx, s.pool)
	if err != nil {
		return err
	}
	defer func() {
		for _, d := range days {
			if err == nil {
				s.partitions.Store(partitionName(d), true)
			}
		}
	}()
	var missing []time.Time
	for _, d := range days {
		if d.Year() < 1 || d.Year() > 9998 {
			return fmt.Errorf("no partition for year %d", d.Year())
		}
		if !slices.Contains(existing, partitionName(d)) {
			missing = append(missing, d)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, partitionLock); err != nil {
			return err
		}
		for _, d := range missing {
			if _, err := tx.Exec(ctx, createPartitionSQL(d)); err != nil {
				return fmt.Errorf("create %s: %w", partitionName(d), err)
			}
		}
		return nil
	})
}

// createPartitionSQL is the DDL for day's partition. Partition bounds
// cannot be parameters, so they are formatted into the statement. That is
// safe because they are not text from anyone but a time.Time rendered in a
// fixed layout, and ensureDays admits only years 1-9998, so the result is
// always 20 characters of digits, '-', ':', 'T' and 'Z'. The name is
// quoted as an identifier all the same.
func createPartitionSQL(day time.Time) string {
	const layout = "2006-01-02T15:04:05Z"
	return `CREATE TABLE IF NOT EXISTS ` + pgx.Identifier{partitionName(day)}.Sanitize() +
		` PARTITION OF positions FOR VALUES FROM ('` + day.Format(layout) + `') TO ('` + day.AddDate(0, 0, 1).Format(layout) + `')`
}

// positionPartitions lists the partitions of positions by name.
func positionPartitions(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) ([]string, error) {
	rows, err := q.Query(ctx, `
		SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'positions'::regclass ORDER BY c.relname`)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	return names, nil
}

// DropPositionsBefore drops the daily partitions of positions that end at
// or before cutoff, the retention rule, and returns their names. Only
// partitions named positions_YYYYMMDD are considered; one made by hand
// under another name is left alone.
func (s *Store) DropPositionsBefore(ctx context.Context, cutoff time.Time) ([]string, error) {
	var dropped []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, partitionLock); err != nil {
			return err
		}
		names, err := positionPartitions(ctx, tx)
		if err != nil {
			return err
		}
		for _, name := range names {
			digits, ok := strings.CutPrefix(name, "positions_")
			day, err := time.Parse("20060102", digits)
			if !ok || err != nil || partitionName(day) != name || day.AddDate(0, 0, 1).After(cutoff) {
				continue
			}
			if _, err := tx.Exec(ctx, `DROP TABLE `+pgx.Identifier{name}.Sanitize()); err != nil {
				return fmt.Errorf("drop %s: %w", name, err)
			}
			dropped = append(dropped, name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: drop positions before %s: %w", cutoff.Format(time.RFC3339), err)
	}
	for _, name := range dropped {
		s.partitions.Delete(name)
	}
	return dropped, nil
}

// WritePositions stores a batch: COPY into positions and an upsert of
// latest_positions where a newer fix wins, so a batch that arrives late
// never moves a volunteer back. Both happen in one transaction. Partitions
// for the batch's days are created first if missing, so a write never
// fails for want of one. Only the days the batch touches are created, not
// every day between its oldest and newest fix.
func (s *Store) WritePositions(ctx context.Context, batch []model.Position) error {
	if len(batch) == 0 {
		return nil
	}
	var days []time.Time
	for _, p := range batch {
		if d := utcDay(p.At); !slices.Contains(days, d) {
			days = append(days, d)
		}
	}
	if err := s.ensureDays(ctx, days); err != nil {
		return fmt.Errorf("store: write positions: partitions: %w", err)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"positions"},
			[]string{"volunteer_id", "at", "lon", "lat", "accuracy", "grid_id"},
			pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) {
				p := batch[i]
				return []any{p.VolunteerID, p.At, p.Lon, p.Lat, accuracyOrNil(p.Accuracy), nilIfZero(p.GridID)}, nil
			}))
		if err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		return upsertLatest(ctx, tx, newestPerVolunteer(batch))
	})
	if err != nil {
		return fmt.Errorf("store: write %d positions: %w", len(batch), err)
	}
	return nil
}

// newestPerVolunteer keeps each volunteer's newest fix of a batch (the
// later one of equal times), ordered by volunteer id so that concurrent
// writers lock latest_positions rows in the same order.
func newestPerVolunteer(batch []model.Position) []model.Position {
	newest := make(map[int64]model.Position, len(batch))
	for _, p := range batch {
		if q, ok := newest[p.VolunteerID]; !ok || !p.At.Before(q.At) {
			newest[p.VolunteerID] = p
		}
	}
	out := make([]model.Position, 0, len(newest))
	for _, p := range newest {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b model.Position) int { return cmp.Compare(a.VolunteerID, b.VolunteerID) })
	return out
}

func upsertLatest(ctx context.Context, tx pgx.Tx, ps []model.Position) error {
	ids := make([]int64, len(ps))
	ats := make([]time.Time, len(ps))
	lons := make([]float64, len(ps))
	lats := make([]float64, len(ps))
	accs := make([]*float32, len(ps))
	grids := make([]*int64, len(ps))
	for i, p := range ps {
		ids[i], ats[i], lons[i], lats[i] = p.VolunteerID, p.At, p.Lon, p.Lat
		accs[i], grids[i] = accuracyOrNil(p.Accuracy), nilIfZero(p.GridID)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO latest_positions AS l (volunteer_id, at, lon, lat, accuracy, grid_id)
		SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::float8[], $4::float8[], $5::real[], $6::bigint[])
		ON CONFLICT (volunteer_id) DO UPDATE
		SET at = EXCLUDED.at, lon = EXCLUDED.lon, lat = EXCLUDED.lat, accuracy = EXCLUDED.accuracy,
		    grid_id = EXCLUDED.grid_id, received_at = now()
		WHERE EXCLUDED.at > l.at`, ids, ats, lons, lats, accs, grids)
	if err != nil {
		return fmt.Errorf("latest positions: %w", err)
	}
	return nil
}

func accuracyOrNil(a float32) *float32 {
	if a == 0 {
		return nil
	}
	return &a
}

const positionColumns = `volunteer_id, at, lon, lat, COALESCE(accuracy, 0), COALESCE(grid_id, 0)`

func scanPosition(row pgx.CollectableRow) (model.Position, error) {
	var p model.Position
	err := row.Scan(&p.VolunteerID, &p.At, &p.Lon, &p.Lat, &p.Accuracy, &p.GridID)
	return p, err
}

// LatestPositions returns the newest position of every volunteer whose
// latest fix lies in one of inGrids (nil: every volunteer, including those
// outside all grids), ordered by volunteer.
func (s *Store) LatestPositions(ctx context.Context, inGrids []int64) ([]model.Position, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+positionColumns+` FROM latest_positions
		WHERE $1::bigint[] IS NULL OR grid_id = ANY ($1)
		ORDER BY volunteer_id`, inGrids)
	if err != nil {
		return nil, fmt.Errorf("store: latest positions: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanPosition)
	if err != nil {
		return nil, fmt.Errorf("store: latest positions: %w", err)
	}
	return out, nil
}

// Trail returns one volunteer's positions since a time, oldest first, for
// playback: the recent ones from positions and the older ones from their
// compacted segments.
func (s *Store) Trail(ctx context.Context, volunteerID int64, since time.Time) ([]model.Position, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+positionColumns+` FROM positions
		WHERE volunteer_id = $1 AND at >= $2
		ORDER BY at`, volunteerID, since)
	if err != nil {
		return nil, fmt.Errorf("store: trail of %d: %w", volunteerID, err)
	}
	out, err := pgx.CollectRows(rows, scanPosition)
	if err == nil {
		out, err = s.withSegments(ctx, out, []int64{volunteerID}, since, time.Now().Add(24*time.Hour))
	}
	if err != nil {
		return nil, fmt.Errorf("store: trail of %d: %w", volunteerID, err)
	}
	return out, nil
}

// VolunteerInfo is a volunteer with their team, as ingest validation and
// the map need them.
type VolunteerInfo struct {
	PersonID   int64
	TeamID     int64
	TeamName   string
	TeamColour string
	TeamGridID int64 // the team's area
}

// Volunteers returns every volunteer with their team, team colour and
// team grid, ordered by person.
func (s *Store) Volunteers(ctx context.Context) ([]VolunteerInfo, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT v.person_id, t.id, t.name, t.colour, t.grid_id
		FROM volunteers v JOIN volunteer_teams t ON t.id = v.team_id
		ORDER BY v.person_id`)
	if err != nil {
		return nil, fmt.Errorf("store: volunteers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (VolunteerInfo, error) {
		var v VolunteerInfo
		err := r.Scan(&v.PersonID, &v.TeamID, &v.TeamName, &v.TeamColour, &v.TeamGridID)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: volunteers: %w", err)
	}
	return out, nil
}

// VolunteerName is a volunteer's name and team name.
type VolunteerName struct {
	Name, Team string
}

// VolunteerNames returns the names and teams of the given volunteers.
func (s *Store) VolunteerNames(ctx context.Context, ids []int64) (map[int64]VolunteerName, error) {
	out := map[int64]VolunteerName{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT p.id, p.name, t.name FROM volunteers v JOIN people p ON p.id = v.person_id
		JOIN volunteer_teams t ON t.id = v.team_id WHERE v.person_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: volunteer names: %w", err)
	}
	var id int64
	var n VolunteerName
	_, err = pgx.ForEachRow(rows, []any{&id, &n.Name, &n.Team}, func() error {
		out[id] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: volunteer names: %w", err)
	}
	return out, nil
}
