package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/jackc/pgx/v5"
)

// boundaryLock serialises publications, so that the check for grids that
// changed since a draft began and the publication itself are atomic.
const boundaryLock = 0x626e6479 // "bndy"

// planErr is a plan refused by validation (Unprocessable): its errors,
// and the warnings that were not acknowledged, in Details["problems"].
func planErr(problems []Problem) error {
	codes := make([]string, len(problems))
	for i, p := range problems {
		codes[i] = p.Code
	}
	return &model.Error{Kind: model.Unprocessable, Field: "problems", Code: model.CodePlanProblems,
		Msg: "plan has problems: " + strings.Join(codes, ", "), Details: map[string]any{"problems": problems}}
}

// staleErr is a plan begun from a publication older than the grids it
// covers (Conflict): publishing it would overwrite another planner's
// change. Details["grids"] lists them.
func staleErr(grids []GridRef) error {
	return &model.Error{Kind: model.Conflict, Field: "base_publication_id", Code: model.CodeBasePublication,
		Msg:     fmt.Sprintf("%d grids changed since the draft began (another publication, a rename or a new leader): start again from the current boundaries", len(grids)),
		Details: map[string]any{"grids": grids}}
}

// Publication is what a publish changed.
type Publication struct {
	ID             int64           `json:"publication_id"`
	At             time.Time       `json:"published_at"`
	RootIDs        []int64         `json:"root_ids"`
	Added          map[int64]int64 `json:"added"` // the plan's negative id → the new grid's id
	Changed        []int64         `json:"changed"`
	Retired        []int64         `json:"retired"`
	BuildingsMoved int64           `json:"buildings_moved"`
}

// PublishInput is a plan to publish and what it answers for.
type PublishInput struct {
	Plan        Plan
	Base        int64      // the publication the draft began from
	Started     []PlanGrid // the grids as the draft began (names, codes, leaders); nil to write the plan's as they are
	Acknowledge []string   // warning codes the planner accepted
	Note        string
	DraftID     int64 // closed by the publication; 0 for none
}

// PublishPlan validates a plan and makes it current in one transaction:
// new grids, changed boundaries as new versions, retired grids, lineage,
// buildings reassigned by containment and the rows that follow them, and
// an audit row. It answers a Conflict error when a grid of the subtree has
// changed since in.Base, and an Unprocessable one while validation finds errors.
func (s *Store) PublishPlan(ctx context.Context, a Actor, in PublishInput) (Publication, error) {
	var pub Publication
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		pub, err = publishPlan(ctx, tx, a, in)
		return err
	})
	if err != nil {
		return pub, fmt.Errorf("store: publish plan: %w", err)
	}
	return pub, nil
}

func publishPlan(ctx context.Context, tx pgx.Tx, a Actor, in PublishInput) (Publication, error) {
	pub := Publication{RootIDs: in.Plan.Roots, Added: map[int64]int64{}, Changed: []int64{}, Retired: []int64{}}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, boundaryLock); err != nil {
		return pub, err
	}
	if err := checkStale(ctx, tx, in.Plan, in.Base); err != nil {
		return pub, err
	}
	if err := loadPlan(ctx, tx, in.Plan); err != nil {
		return pub, err
	}
	if err := mergeAttributes(ctx, tx, in.Started); err != nil {
		return pub, err
	}
	probs, err := validatePlan(ctx, tx)
	if err != nil {
		return pub, err
	}
	if blocking := Blocking(probs, in.Acknowledge); len(blocking) > 0 {
		return pub, planErr(blocking)
	}
	if err := tx.QueryRow(ctx, `INSERT INTO boundary_publications (published_by, note) VALUES ($1, $2) RETURNING id, published_at`,
		a.Name, in.Note).Scan(&pub.ID, &pub.At); err != nil {
		return pub, err
	}
	if err := applyPlan(ctx, tx, &pub); err != nil {
		return pub, err
	}
	if in.DraftID != 0 {
		if _, err := tx.Exec(ctx, `UPDATE boundary_drafts SET closed_at = now(), publication_id = $2 WHERE id = $1`,
			in.DraftID, pub.ID); err != nil {
			return pub, err
		}
	}
	return pub, audit(ctx, tx, a, "publish", "boundary_publication", pub.ID, nil, map[string]any{
		"draft_id": in.DraftID, "note": in.Note, "roots": pub.RootIDs, "added": pub.Added,
		"changed": pub.Changed, "retired": pub.Retired, "buildings_moved": pub.BuildingsMoved,
		"acknowledged": in.Acknowledge,
	})
}

// Blocking returns the problems that stop a publish: every error, and
// each warning whose code is not acknowledged.
func Blocking(probs []Problem, ack []string) []Problem {
	var out []Problem
	for _, p := range probs {
		if p.Severity == SeverityError || !slices.Contains(ack, p.Code) {
			out = append(out, p)
		}
	}
	return out
}

// mergeAttributes keeps the names, codes and leaders changed since the
// draft began (a rename, a leader set on the grid page) wherever the
// draft left them as they were, so publishing never quietly undoes them;
// a grid where both changed one field is a conflict (staleErr).
// Boundaries need no merge: checkStale refuses any newer version.
func mergeAttributes(ctx context.Context, tx pgx.Tx, started []PlanGrid) error {
	if started == nil {
		return nil
	}
	n := len(started)
	ids, codes, names, leaders := make([]int64, n), make([]string, n), make([]string, n), make([]*int64, n)
	for i, g := range started {
		ids[i], codes[i], names[i], leaders[i] = g.ID, g.Code, g.Name, g.LeaderID
	}
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE plan_started ON COMMIT DROP AS
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS t(id, code, name, leader_id)`,
		ids, codes, names, leaders); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `
		SELECT g.id, g.level, g.code, g.name FROM plan_grids p
		JOIN plan_started s ON s.id = p.id JOIN grids g ON g.id = p.id
		WHERE (p.name <> s.name AND g.name <> s.name AND g.name <> p.name)
		   OR (p.code <> s.code AND g.code <> s.code AND g.code <> p.code)
		   OR (p.leader_id IS DISTINCT FROM s.leader_id AND g.leader_id IS DISTINCT FROM s.leader_id
		       AND g.leader_id IS DISTINCT FROM p.leader_id)
		ORDER BY g.code`)
	if err != nil {
		return err
	}
	clash, err := pgx.CollectRows(rows, pgx.RowToStructByPos[GridRef])
	if err != nil {
		return err
	}
	if len(clash) > 0 {
		return staleErr(clash)
	}
	_, err = tx.Exec(ctx, `
		UPDATE plan_grids p SET
		    name = CASE WHEN p.name = s.name THEN g.name ELSE p.name END,
		    code = CASE WHEN p.code = s.code THEN g.code ELSE p.code END,
		    leader_id = CASE WHEN p.leader_id IS NOT DISTINCT FROM s.leader_id THEN g.leader_id ELSE p.leader_id END
		FROM plan_started s, grids g WHERE s.id = p.id AND g.id = p.id`)
	return err
}

// checkStale refuses a plan when any grid below its roots, or any grid it
// names, got a version or was retired by a publication newer than base.
func checkStale(ctx context.Context, tx pgx.Tx, p Plan, base int64) error {
	ids := make([]int64, 0, len(p.Grids))
	for _, g := range p.Grids {
		if g.ID > 0 {
			ids = append(ids, g.ID)
		}
	}
	rows, err := tx.Query(ctx, `
		WITH RECURSIVE t AS (
			SELECT id FROM grids WHERE id = ANY($1)
			UNION SELECT g.id FROM grids g JOIN t ON g.parent_id = t.id
		)
		SELECT g.id, g.level, g.code, g.name FROM grids g
		WHERE (g.id IN (SELECT id FROM t) OR g.id = ANY($2))
		  AND (g.retired_publication_id > $3
		       OR EXISTS (SELECT 1 FROM grid_versions v WHERE v.grid_id = g.id AND v.publication_id > $3))
		ORDER BY g.code`, p.Roots, ids, base)
	if err != nil {
		return err
	}
	changed, err := pgx.CollectRows(rows, pgx.RowToStructByPos[GridRef])
	if err != nil {
		return err
	}
	if len(changed) > 0 {
		return staleErr(changed)
	}
	return nil
}

// applyPlan writes a validated plan loaded by loadPlan under publication
// pub.ID, filling in what it changed.
func applyPlan(ctx context.Context, tx pgx.Tx, pub *Publication) error {
	// The boundaries before, for lineage.
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE plan_old ON COMMIT DROP AS
		SELECT v.grid_id, g.level, v.geom FROM grid_versions v JOIN grids g ON g.id = v.grid_id
		WHERE upper_inf(v.valid) AND (v.grid_id IN (SELECT id FROM plan_current) OR v.grid_id IN (SELECT id FROM plan_grids))`); err != nil {
		return err
	}
	// Retire what the plan leaves out first, so its codes are free.
	rows, err := tx.Query(ctx, `
		UPDATE grids SET retired_at = now(), retired_publication_id = $1
		WHERE id IN (SELECT id FROM plan_current) AND id NOT IN (SELECT id FROM plan_grids)
		RETURNING id`, pub.ID)
	if err != nil {
		return err
	}
	if pub.Retired, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return err
	}
	// Grids a rollback brings back.
	if _, err := tx.Exec(ctx, `
		UPDATE grids SET retired_at = NULL, retired_publication_id = NULL
		WHERE id IN (SELECT id FROM plan_grids) AND retired_at IS NOT NULL`); err != nil {
		return err
	}
	if err := insertNewGrids(ctx, tx, pub); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		UPDATE grids g SET parent_id = pg.parent_id, code = pg.code, name = pg.name, leader_id = pg.leader_id
		FROM plan_grids pg
		WHERE g.id = pg.id AND (g.parent_id, g.code, g.name, g.leader_id) IS DISTINCT FROM (pg.parent_id, pg.code, pg.name, pg.leader_id)`); err != nil {
		return err
	}
	if err := writeVersions(ctx, tx, pub); err != nil {
		return err
	}
	if err := writeLineage(ctx, tx, pub.ID); err != nil {
		return err
	}
	return reassign(ctx, tx, pub)
}

// insertNewGrids creates the plan's new grids, parents first, and gives
// plan_grids, plan_assign and pub.Added their real ids.
func insertNewGrids(ctx context.Context, tx pgx.Tx, pub *Publication) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE plan_ids (old bigint, new bigint) ON COMMIT DROP`); err != nil {
		return err
	}
	for level := 2; level <= 3; level++ {
		rows, err := tx.Query(ctx, `
			WITH n AS (
				INSERT INTO grids (parent_id, level, code, name, leader_id)
				SELECT parent_id, level, code, name, leader_id FROM plan_grids WHERE id < 0 AND level = $1
				RETURNING id, code
			), m AS (
				INSERT INTO plan_ids (old, new)
				SELECT pg.id, n.id FROM n JOIN plan_grids pg ON pg.code = n.code AND pg.id < 0
				RETURNING old, new
			)
			SELECT old, new FROM m`, level)
		if err != nil {
			return err
		}
		for rows.Next() {
			var old, id int64
			if err := rows.Scan(&old, &id); err != nil {
				rows.Close()
				return err
			}
			pub.Added[old] = id
		}
		if err := rows.Err(); err != nil {
			return err
		}
		batch := &pgx.Batch{}
		batch.Queue(`UPDATE plan_grids pg SET id = m.new FROM plan_ids m WHERE pg.id = m.old`)
		batch.Queue(`UPDATE plan_grids pg SET parent_id = m.new FROM plan_ids m WHERE pg.parent_id = m.old`)
		batch.Queue(`UPDATE plan_assign a SET to_grid = m.new FROM plan_ids m WHERE a.to_grid = m.old`)
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return err
		}
	}
	return nil
}

// writeVersions closes the versions whose shape the plan changes and opens
// the new ones (and the first of each new or restored grid).
func writeVersions(ctx context.Context, tx pgx.Tx, pub *Publication) error {
	rows, err := tx.Query(ctx, `
		WITH closed AS (
			UPDATE grid_versions v SET valid = tstzrange(lower(v.valid), now())
			FROM plan_grids pg
			WHERE v.grid_id = pg.id AND upper_inf(v.valid) AND NOT ST_Equals(v.geom, pg.geom)
			RETURNING v.grid_id
		)
		SELECT grid_id FROM closed ORDER BY grid_id`)
	if err != nil {
		return err
	}
	if pub.Changed, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO grid_versions (grid_id, publication_id, valid, geom)
		SELECT pg.id, $1, tstzrange(now(), NULL), ST_Multi(pg.geom) FROM plan_grids pg
		WHERE NOT EXISTS (SELECT 1 FROM grid_versions v WHERE v.grid_id = pg.id AND upper_inf(v.valid))`, pub.ID); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		UPDATE grid_versions SET valid = tstzrange(lower(valid), now())
		WHERE grid_id IN (SELECT id FROM grids WHERE retired_publication_id = $1) AND upper_inf(valid)`, pub.ID)
	return err
}

// writeLineage records where the area of each retired grid went (a split
// when it went to several grids, a merge when several went to one) and a
// redraw for each grid whose own boundary changed.
func writeLineage(ctx context.Context, tx pgx.Tx, pubID int64) error {
	_, err := tx.Exec(ctx, `
		WITH pairs AS (
			SELECT o.grid_id AS f, v.grid_id AS t, ST_Area(ST_Intersection(o.geom, v.geom)::geography) AS area
			FROM plan_old o
			JOIN grid_versions v ON v.publication_id = $1 AND upper_inf(v.valid) AND v.geom && o.geom
			JOIN grids g ON g.id = v.grid_id AND g.level = o.level
			WHERE o.grid_id IN (SELECT id FROM grids WHERE retired_publication_id = $1)
		), moved AS (SELECT * FROM pairs WHERE area > 1)
		INSERT INTO grid_lineage (publication_id, from_grid_id, to_grid_id, kind, area_m2)
		SELECT $1, f, t, CASE WHEN count(*) OVER (PARTITION BY f) > 1 THEN 'split'
		                      WHEN count(*) OVER (PARTITION BY t) > 1 THEN 'merge' ELSE 'redraw' END, area
		FROM moved
		UNION ALL
		SELECT $1, o.grid_id, o.grid_id, 'redraw', ST_Area(o.geom::geography) FROM plan_old o
		JOIN grid_versions v ON v.grid_id = o.grid_id AND v.publication_id = $1 AND upper_inf(v.valid)`, pubID)
	return err
}

// reassign moves buildings to the compound grid that now contains them,
// and with them open requests and alerts; checkpoints go by location;
// whatever pointed at a retired grid (party members and branches, teams, people's home
// grid, accounts' scope, grid staff) goes to its largest successor.
// Screening reports keep the grid they were made in; the day's work
// (day_activity) of today and yesterday is recounted in the grids of now.
func reassign(ctx context.Context, tx pgx.Tx, pub *Publication) error {
	if err := tx.QueryRow(ctx, `
		WITH m AS (
			UPDATE buildings b SET grid_id = a.to_grid FROM plan_assign a
			WHERE b.id = a.id AND a.to_grid IS NOT NULL AND b.grid_id <> a.to_grid
			RETURNING b.id
		) SELECT count(*) FROM m`).Scan(&pub.BuildingsMoved); err != nil {
		return err
	}
	var batch execList
	batch.Queue(`
		UPDATE requests r SET grid_id = b.grid_id FROM buildings b
		WHERE b.id = r.building_id AND r.closed_at IS NULL AND r.grid_id <> b.grid_id
		  AND r.building_id IN (SELECT id FROM plan_assign)`)
	batch.Queue(`
		UPDATE checkpoints k SET grid_id = x.id
		FROM (SELECT k2.id AS kid, min(g.id) AS id FROM checkpoints k2
		      JOIN current_grids g ON g.level = 3 AND ST_Covers(g.geom, k2.geom)
		      WHERE k2.grid_id IN (SELECT id FROM plan_current) GROUP BY k2.id) x
		WHERE k.id = x.kid AND k.grid_id <> x.id`)
	batch.Queue(`
		UPDATE alerts al SET grid_id = COALESCE(b.grid_id, k.grid_id)
		FROM alerts a2
		LEFT JOIN households h ON h.id = a2.household_id LEFT JOIN buildings b ON b.id = h.building_id
		LEFT JOIN checkpoints k ON k.id = a2.checkpoint_id
		WHERE al.id = a2.id AND al.resolved_at IS NULL AND al.grid_id IN (SELECT id FROM plan_current)
		  AND al.grid_id <> COALESCE(b.grid_id, k.grid_id)`)
	batch.Queue(`
		CREATE TEMP TABLE plan_successor ON COMMIT DROP AS
		SELECT DISTINCT ON (from_grid_id) from_grid_id AS old, to_grid_id AS new
		FROM grid_lineage WHERE publication_id = $1 AND from_grid_id <> to_grid_id
		ORDER BY from_grid_id, area_m2 DESC, to_grid_id`, pub.ID)
	for _, q := range []string{
		`UPDATE party_members t SET grid_id = s.new FROM plan_successor s WHERE t.grid_id = s.old`,
		`UPDATE party_branches t SET grid_id = s.new FROM plan_successor s WHERE t.grid_id = s.old`,
		// A member whose branch no longer sits at their grid or above it
		// (their grid moved to another community) joins the nearest one
		// (the table's trigger picks it), and a secretary who left stops
		// being one.
		`UPDATE party_members SET branch_id = NULL
		 WHERE (grid_id IN (SELECT id FROM plan_current) OR grid_id IN (SELECT new FROM plan_successor))
		   AND NOT party_branch_fits(branch_id, grid_id)`,
		`UPDATE party_branches b SET secretary_id = NULL
		 WHERE secretary_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM party_members m WHERE m.person_id = b.secretary_id AND m.branch_id = b.id)`,
		`UPDATE volunteer_teams t SET grid_id = s.new FROM plan_successor s WHERE t.grid_id = s.old`,
		`UPDATE people t SET home_grid_id = s.new FROM plan_successor s WHERE t.home_grid_id = s.old`,
		`UPDATE accounts t SET grid_id = s.new FROM plan_successor s WHERE t.grid_id = s.old`,
		`INSERT INTO grid_staff (grid_id, person_id, role)
		 SELECT s.new, t.person_id, t.role FROM grid_staff t JOIN plan_successor s ON s.old = t.grid_id
		 ON CONFLICT DO NOTHING`,
	} {
		batch.Queue(q)
	}
	if pub.BuildingsMoved > 0 {
		// The day's work of today (and of yesterday, still open a moment
		// after midnight) counts in the grids of now, as the live coverage
		// does: recount the rows of the grids buildings left and joined.
		batch.Queue(`
			SELECT day_activity_recount((now() AT TIME ZONE activity_zone())::date - 1, ARRAY(
				SELECT from_grid FROM plan_assign WHERE to_grid IS NOT NULL AND to_grid <> from_grid
				UNION SELECT to_grid FROM plan_assign WHERE to_grid IS NOT NULL AND to_grid <> from_grid))`)
	}
	if err := batch.Exec(ctx, tx); err != nil {
		return fmt.Errorf("reassign: %w", err)
	}
	return nil
}
