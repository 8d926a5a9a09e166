package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/model"
)

// TeamVolunteer is a volunteer with their team, as a day's playback
// lists them.
type TeamVolunteer struct {
	ID       int64
	Name     string
	TeamID   int64
	Team     string
	Colour   string
	TeamGrid int64 // the team's area
}

// TeamVolunteers returns the volunteers of the teams whose area is one
// of grids, by id.
func (s *Store) TeamVolunteers(ctx context.Context, grids []int64) ([]TeamVolunteer, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT p.id, p.name, t.id, t.name, t.colour, t.grid_id
		FROM volunteers v JOIN people p ON p.id = v.person_id JOIN volunteer_teams t ON t.id = v.team_id
		WHERE t.grid_id = ANY ($1)
		ORDER BY p.id`, grids)
	if err != nil {
		return nil, fmt.Errorf("store: team volunteers: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[TeamVolunteer])
	if err != nil {
		return nil, fmt.Errorf("store: team volunteers: %w", err)
	}
	return out, nil
}

// PositionsBetween returns the fixes of the given volunteers taken in
// [from, to), by volunteer and time: a day's playback (the partitions of
// the UTC days the span touches are scanned by their index, and the
// compacted hours' segments).
func (s *Store) PositionsBetween(ctx context.Context, volunteers []int64, from, to time.Time) ([]model.Position, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+positionColumns+` FROM positions
		WHERE volunteer_id = ANY ($1) AND at >= $2 AND at < $3
		ORDER BY volunteer_id, at`, volunteers, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: positions between: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanPosition)
	if err == nil {
		out, err = s.withSegments(ctx, out, volunteers, from, to)
	}
	if err != nil {
		return nil, fmt.Errorf("store: positions between: %w", err)
	}
	return out, nil
}

// ScreeningChange is how a compound grid's counts changed within one
// step of a day: households that became screened (their latest outcome
// of the day a screened one) less those that stopped being, and the same
// for fever.
type ScreeningChange struct {
	Grid     int64
	Step     int // the change counts from from + Step*step on
	Screened int64
	Fevers   int64
}

// ScreeningChanges returns, in one statement, how the screening counts of
// leaves (compound grids) changed over the local day day, bucketed into
// steps of step from from: a report at r counts from the first step end
// at or after r, so the counts as of from + k*step are the sums of the
// changes of steps 0 to k. Screenings of occupied households only, each
// household counted by its latest report, as CoverageLeavesAsOf counts.
func (s *Store) ScreeningChanges(ctx context.Context, day string, leaves []int64, from time.Time, step time.Duration) ([]ScreeningChange, error) {
	rows, err := s.pool.Query(ctx, screeningChangesSQL, day, leaves, from, step.Seconds())
	if err != nil {
		return nil, fmt.Errorf("store: screening changes of %s: %w", day, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ScreeningChange])
	if err != nil {
		return nil, fmt.Errorf("store: screening changes of %s: %w", day, err)
	}
	return out, nil
}

const screeningChangesSQL = `
	WITH s AS (
		SELECT b.grid_id, s.id, s.household_id, s.reported_at,
		       (s.outcome IN ('normal', 'fever', 'home_quarantine', 'risk_area_return'))::int AS screened,
		       (s.outcome = 'fever')::int AS fever
		FROM screenings s JOIN households h ON h.id = s.household_id JOIN buildings b ON b.id = h.building_id
		WHERE s.day = $1::date AND h.status = 'occupied' AND b.grid_id = ANY ($2)
	), d AS (
		SELECT grid_id, reported_at,
		       screened - COALESCE(lag(screened) OVER w, 0) AS ds,
		       fever - COALESCE(lag(fever) OVER w, 0) AS df
		FROM s WINDOW w AS (PARTITION BY household_id ORDER BY reported_at, id)
	)
	SELECT grid_id, GREATEST(0, ceil(extract(epoch FROM reported_at - $3::timestamptz) / $4::float8))::int,
	       sum(ds)::bigint, sum(df)::bigint
	FROM d WHERE ds <> 0 OR df <> 0
	GROUP BY 1, 2 ORDER BY 1, 2`
