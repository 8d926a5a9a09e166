package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gridmap/gridmap/model"
	"github.com/jackc/pgx/v5"
)

// ErrNoChange is a rollback of a publication that changed no boundary.
var ErrNoChange = &model.Error{Kind: model.Unprocessable, Field: "id", Code: model.CodeNoChange, Msg: "this publication changed no boundary"}

// RollbackPublication publishes again, as a new publication, the
// boundaries the grids of publication pubID had before it: grids it
// created are retired, grids it retired come back, grids it redrew get
// their earlier boundary. It answers a Conflict error (staleErr) when any of them changed
// again after pubID.
func (s *Store) RollbackPublication(ctx context.Context, a Actor, pubID int64, note string) (Publication, error) {
	var pub Publication
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, boundaryLock); err != nil {
			return err
		}
		in, err := rollbackInput(ctx, tx, pubID)
		if err != nil {
			return err
		}
		in.Note = note
		pub, err = publishPlan(ctx, tx, a, in)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return pub, fmt.Errorf("store: rollback of publication %d: %w", pubID, ErrNotFound)
	}
	if err != nil {
		return pub, fmt.Errorf("store: rollback of publication %d: %w", pubID, err)
	}
	return pub, nil
}

// rollbackInput builds the plan that undoes publication pubID over the
// smallest subtree that holds every grid it touched.
func rollbackInput(ctx context.Context, tx pgx.Tx, pubID int64) (PublishInput, error) {
	var in PublishInput
	if err := tx.QueryRow(ctx, `SELECT max(id) FROM boundary_publications WHERE id >= $1 HAVING bool_or(id = $1)`, pubID).Scan(&in.Base); err != nil {
		return in, err
	}
	rows, err := tx.Query(ctx, `
		WITH touched AS (
			SELECT grid_id AS id FROM grid_versions WHERE publication_id = $1
			UNION SELECT id FROM grids WHERE retired_publication_id = $1
		)
		SELECT g.id, COALESCE(g.parent_id, 0),
		       COALESCE(g.retired_publication_id > $1, false) OR EXISTS (SELECT 1 FROM grid_versions v WHERE v.grid_id = g.id AND v.publication_id > $1)
		FROM grids g WHERE g.id IN (SELECT id FROM touched) ORDER BY g.id`, pubID)
	if err != nil {
		return in, err
	}
	var touched, parents []int64
	var stale []int64
	var id, parent int64
	var later bool
	if _, err := pgx.ForEachRow(rows, []any{&id, &parent, &later}, func() error {
		touched = append(touched, id)
		if !slices.Contains(parents, parent) {
			parents = append(parents, parent)
		}
		if later {
			stale = append(stale, id)
		}
		return nil
	}); err != nil {
		return in, err
	}
	if len(touched) == 0 {
		return in, ErrNoChange
	}
	if len(stale) > 0 {
		refs, err := gridRefs(ctx, tx, stale)
		if err != nil {
			return in, err
		}
		return in, staleErr(refs)
	}
	root, err := commonRoot(ctx, tx, parents)
	if err != nil {
		return in, err
	}
	if in.Plan, err = subtreePlan(ctx, tx, root); err != nil {
		return in, err
	}
	rows, err = tx.Query(ctx, `
		SELECT g.id, g.parent_id, g.level, g.code, g.name, g.leader_id, ST_AsBinary(v.geom)
		FROM grids g JOIN grid_versions v ON v.grid_id = g.id
		 AND v.valid @> ((SELECT published_at FROM boundary_publications WHERE id = $1) - interval '1 microsecond')
		WHERE g.id = ANY($2)`, pubID, touched)
	if err != nil {
		return in, err
	}
	before, err := pgx.CollectRows(rows, scanPlanGrid)
	if err != nil {
		return in, err
	}
	in.Plan.Grids = slices.DeleteFunc(in.Plan.Grids, func(g PlanGrid) bool { return slices.Contains(touched, g.ID) })
	in.Plan.Grids = append(in.Plan.Grids, before...)
	in.Acknowledge = Warnings
	return in, nil
}

// commonRoot is the lowest grid above every one of parents.
func commonRoot(ctx context.Context, tx pgx.Tx, parents []int64) (int64, error) {
	for len(parents) > 1 {
		rows, err := tx.Query(ctx, `SELECT DISTINCT COALESCE(parent_id, id) FROM grids WHERE id = ANY($1)`, parents)
		if err != nil {
			return 0, err
		}
		up, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return 0, err
		}
		if slices.Equal(up, parents) {
			return 0, fmt.Errorf("grids %v have no common ancestor", parents)
		}
		parents = up
	}
	return parents[0], nil
}

func gridRefs(ctx context.Context, tx pgx.Tx, ids []int64) ([]GridRef, error) {
	rows, err := tx.Query(ctx, `SELECT id, level, code, name FROM grids WHERE id = ANY($1) ORDER BY code`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[GridRef])
}
