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
	RequestsOverdue  int // open hotline requests received before the overdue cut-off
}

// WallCounts counts, over grids, the volunteers whose latest position lies
// in one of them and was taken at or after onDutySince, the party members
// registered there, and the open hotline requests received before
// overdueBefore.
func (s *Store) WallCounts(ctx context.Context, grids []int64, onDutySince, overdueBefore time.Time) (WallCounts, error) {
	var c WallCounts
	err := s.pool.QueryRow(ctx, `
		SELECT
		  (SELECT count(*) FROM latest_positions WHERE grid_id = ANY ($1) AND at >= $2),
		  (SELECT count(*) FROM party_members WHERE grid_id = ANY ($1)),
		  (SELECT count(*) FROM requests WHERE grid_id = ANY ($1) AND closed_at IS NULL AND received_at < $3)`,
		grids, onDutySince, overdueBefore).Scan(&c.VolunteersOnDuty, &c.PartyMembers, &c.RequestsOverdue)
	if err != nil {
		return WallCounts{}, fmt.Errorf("store: wall counts: %w", err)
	}
	return c, nil
}
