package store

import (
	"context"
	"fmt"
)

// LastPublication returns the id of the newest boundary publication, so
// that in-memory indexes can tell when to rebuild.
func (s *Store) LastPublication(ctx context.Context) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(max(id), 0) FROM boundary_publications`).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: last publication: %w", err)
	}
	return id, nil
}
