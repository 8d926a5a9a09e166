package store

import (
	"context"
	"fmt"
	"time"
)

// WallCounts are the headline counts of a wall display that the coverage
// figures do not hold, for a set of grids (a subtree).
type WallCounts struct {
	VolunteersOnDuty int // volunteers whose latest fix lies in the grids and is recent
	PartyMembers     int // party members registered (报到) in the grids
	RequestsOverdue  int // open hotline requests past their deadline
	TasksOpen        int // tasks not done yet
	TasksEscalated   int // of them, those back with the leader or up with the community
}

// WallCounts counts, over grids, the volunteers whose latest position lies
// in one of them and was taken at or after onDutySince, the party members
// registered there, the open hotline requests past their deadline at now,
// and the open tasks.
func (s *Store) WallCounts(ctx context.Context, grids []int64, onDutySince, now time.Time) (WallCounts, error) {
	var c WallCounts
	err := s.pool.QueryRow(ctx, `
		SELECT
		  (SELECT count(*) FROM latest_positions WHERE grid_id = ANY ($1) AND at >= $2),
		  (SELECT count(*) FROM party_members WHERE grid_id = ANY ($1)),
		  (SELECT count(*) FROM requests WHERE grid_id = ANY ($1) AND closed_at IS NULL
		     AND COALESCE(deadline, received_at + interval '24 hours') < $3),
		  (SELECT count(*) FROM tasks WHERE grid_id = ANY ($1) AND status IN ('open', 'accepted')),
		  (SELECT count(*) FROM tasks WHERE grid_id = ANY ($1) AND status IN ('open', 'accepted') AND escalation > 0)`,
		grids, onDutySince, now).Scan(&c.VolunteersOnDuty, &c.PartyMembers, &c.RequestsOverdue, &c.TasksOpen, &c.TasksEscalated)
	if err != nil {
		return WallCounts{}, fmt.Errorf("store: wall counts: %w", err)
	}
	return c, nil
}
