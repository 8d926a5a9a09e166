package store

import (
	"context"
	"fmt"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"
)

// Progress receives a line of import progress: a table, rows done, rows in all.
type Progress func(table string, done, total int)

// dataTables are the tables a dataset fills, and those that refer to
// them, which one TRUNCATE must name together.
const dataTables = `positions, latest_positions, live_events, audit_log, api_tokens, sessions, field_writes, accounts,
	sampling_reports, sampling_sites, sampling_rounds, wall_links, arrivals, request_follow_ups,
	party_service, party_registrations, point_awards, spot_check_items, spot_checks, requests, visits, vulnerable_residents,
	alerts, checkpoint_days, checkpoints, quarantines, screenings,
	households, buildings, grid_staff, volunteers, volunteer_teams, party_members, party_branches,
	boundary_draft_revisions, boundary_drafts, boundary_findings,
	grid_lineage, grid_versions, boundary_publications, grids, people, report_day_grids, report_days,
	task_declines, tasks, day_activity`

// HasData reports whether any grid exists.
func (s *Store) HasData(ctx context.Context) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM grids)`).Scan(&ok); err != nil {
		return false, fmt.Errorf("store: has data: %w", err)
	}
	return ok, nil
}

// ImportDataset writes a generated dataset into an empty database in one
// transaction with COPY: it is all there afterwards or none of it is.
// With reset, existing grid and field data, accounts, sessions and
// positions are removed first, in the same transaction.
func (s *Store) ImportDataset(ctx context.Context, ds *model.Dataset, reset bool, progress Progress) error {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if reset {
			if _, err := tx.Exec(ctx, `TRUNCATE `+dataTables+` RESTART IDENTITY`); err != nil {
				return fmt.Errorf("store: import: reset: %w", err)
			}
		}
		for _, step := range []func(context.Context, pgx.Tx, *model.Dataset, Progress) error{
			copyPeopleAndGrids, partyChecksOff, copyBranches, copyPartyMembers, partyChecksOn, copyRegistrations, copyTeams, copyStaff, copyBuildings, copyHouseholds,
			copyScreenings, copyQuarantines, copyCheckpoints, copyAlerts, copyLedger, copyRequests, copySpotChecks, copyPointAwards,
			copyService, copySampling,
		} {
			if err := step(ctx, tx, ds, progress); err != nil {
				return fmt.Errorf("store: import: %w", err)
			}
		}
		// Ids came from the generator: move each identity past them, so
		// rows added later get new ids.
		for _, t := range []string{"people", "grids", "boundary_publications", "grid_versions", "volunteer_teams", "buildings", "households",
			"screenings", "quarantines", "checkpoints", "alerts", "vulnerable_residents", "visits", "requests", "spot_checks", "point_awards",
			"party_branches", "party_service",
			"sampling_sites", "sampling_reports"} {
			q := `SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE((SELECT max(id) FROM ` + pgx.Identifier{t}.Sanitize() + `), 0) + 1, false)`
			if _, err := tx.Exec(ctx, q, t); err != nil {
				return fmt.Errorf("store: import: sequence %s: %w", t, err)
			}
		}
		_, err := tx.Exec(ctx, `ANALYZE`)
		return err
	})
}

// copyRows streams n rows into table through COPY, reporting progress.
func copyRows(ctx context.Context, tx pgx.Tx, table string, cols []string, n int, row func(i int) []any, progress Progress) error {
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		r := row(i)
		i++
		if i%100_000 == 0 {
			progress(table, i, n)
		}
		return r, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src); err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	progress(table, n, n)
	return nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// copyPeopleAndGrids writes people with their home grids, then the grids,
// which name their leaders among the people: people's key to grids (and
// their index of it) is made once both are there.
func copyPeopleAndGrids(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	return withoutSecondaryIndexes(ctx, tx, "people", func() error {
		err := copyRows(ctx, tx, "people", []string{"id", "name", "phone", "home_grid_id"}, len(ds.People), func(i int) []any {
			p := ds.People[i]
			return []any{p.ID, p.Name, p.Phone, nullID(p.HomeGridID)}
		}, progress)
		if err != nil {
			return err
		}
		return copyGrids(ctx, tx, ds, progress)
	})
}

// copyGrids writes grids and their first boundary versions. Boundaries go
// through a staging table as WKB, which PostGIS parses and checks.
func copyGrids(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	err := copyRows(ctx, tx, "grids", []string{"id", "parent_id", "level", "code", "name", "leader_id"}, len(ds.Grids), func(i int) []any {
		g := ds.Grids[i]
		return []any{g.ID, nullID(g.ParentID), int16(g.Level), g.Code, g.Name, nullID(g.LeaderID)}
	}, progress)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO boundary_publications (id, published_by, note) VALUES (1, 'seed', 'generated dataset')`); err != nil {
		return fmt.Errorf("publication: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE grid_wkb (grid_id bigint, wkb bytea) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	var encodeErr error
	err = copyRows(ctx, tx, "grid_wkb", []string{"grid_id", "wkb"}, len(ds.Grids), func(i int) []any {
		b, err := wkb.Marshal(ds.Grids[i].Geom)
		if err != nil && encodeErr == nil {
			encodeErr = fmt.Errorf("grid %s: %w", ds.Grids[i].Code, err)
		}
		return []any{ds.Grids[i].ID, b}
	}, progress)
	if err != nil {
		return err
	}
	if encodeErr != nil {
		return encodeErr
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO grid_versions (grid_id, publication_id, geom)
		SELECT grid_id, 1, ST_Multi(ST_GeomFromWKB(wkb, 4326)) FROM grid_wkb`)
	if err != nil {
		return fmt.Errorf("grid versions: %w", err)
	}
	return nil
}

// The party tables' deferred constraint triggers check a row each at
// commit: for a city's 118,000 members that took 29 s. An import turns
// them off while it copies (in its own transaction, which holds the
// tables) and checks the same rules once for every row, then turns them
// on again: a member's branch is at their grid or an ancestor of it, a
// branch's secretary is one of its members.
func partyChecksOff(ctx context.Context, tx pgx.Tx, _ *model.Dataset, _ Progress) error {
	for _, q := range []string{
		`ALTER TABLE party_members DISABLE TRIGGER party_members_check_branch`,
		`ALTER TABLE party_branches DISABLE TRIGGER party_branches_check_members`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("party checks off: %w", err)
		}
	}
	return nil
}

func partyChecksOn(ctx context.Context, tx pgx.Tx, _ *model.Dataset, _ Progress) error {
	var member, branch int64
	err := tx.QueryRow(ctx, `
		SELECT coalesce((SELECT person_id FROM party_members WHERE NOT party_branch_fits(branch_id, grid_id) LIMIT 1), 0),
		       coalesce((SELECT b.id FROM party_branches b WHERE b.secretary_id IS NOT NULL AND NOT EXISTS (
		           SELECT 1 FROM party_members m WHERE m.person_id = b.secretary_id AND m.branch_id = b.id) LIMIT 1), 0)`).Scan(&member, &branch)
	if err != nil {
		return fmt.Errorf("party checks: %w", err)
	}
	if member != 0 {
		return fmt.Errorf("party member %d: branch is not at their grid or an ancestor of it", member)
	}
	if branch != 0 {
		return fmt.Errorf("party branch %d: its secretary is not a member of it", branch)
	}
	for _, q := range []string{
		`ALTER TABLE party_members ENABLE TRIGGER party_members_check_branch`,
		`ALTER TABLE party_branches ENABLE TRIGGER party_branches_check_members`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("party checks on: %w", err)
		}
	}
	return nil
}

// withoutSecondaryIndexes runs load (a COPY of many rows into table) with
// the table's indexes other than its primary key, its unique constraints
// and its foreign keys dropped, and makes them again afterwards from their
// own definitions, as pg_restore does: one sort builds an index and one
// join checks a foreign key, faster than a lookup a row. A row that
// breaks one fails the transaction as the constraint would have.
func withoutSecondaryIndexes(ctx context.Context, tx pgx.Tx, table string, load func() error) error {
	type def struct{ name, sql string }
	var constraints, indexes []def
	rows, err := tx.Query(ctx, `
		SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = $1::regclass AND contype IN ('u', 'f') ORDER BY conname`, table)
	if err != nil {
		return fmt.Errorf("constraints of %s: %w", table, err)
	}
	var d def
	if _, err := pgx.ForEachRow(rows, []any{&d.name, &d.sql}, func() error { constraints = append(constraints, d); return nil }); err != nil {
		return fmt.Errorf("constraints of %s: %w", table, err)
	}
	rows, err = tx.Query(ctx, `
		SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
		ORDER BY c.relname`, table)
	if err != nil {
		return fmt.Errorf("indexes of %s: %w", table, err)
	}
	if _, err := pgx.ForEachRow(rows, []any{&d.name, &d.sql}, func() error { indexes = append(indexes, d); return nil }); err != nil {
		return fmt.Errorf("indexes of %s: %w", table, err)
	}
	t := pgx.Identifier{table}.Sanitize()
	for _, c := range constraints {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+t+` DROP CONSTRAINT `+pgx.Identifier{c.name}.Sanitize()); err != nil {
			return fmt.Errorf("drop %s: %w", c.name, err)
		}
	}
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{ix.name}.Sanitize()); err != nil {
			return fmt.Errorf("drop %s: %w", ix.name, err)
		}
	}
	if err := load(); err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, ix.sql); err != nil {
			return fmt.Errorf("index %s: %w", ix.name, err)
		}
	}
	for _, c := range constraints {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+t+` ADD CONSTRAINT `+pgx.Identifier{c.name}.Sanitize()+` `+c.sql); err != nil {
			return fmt.Errorf("constraint %s: %w", c.name, err)
		}
	}
	return nil
}

// copyBranches writes the branches without their secretaries, who are
// members written next (copySecretaries sets them after the members).
func copyBranches(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	return copyRows(ctx, tx, "party_branches", []string{"id", "grid_id", "name"}, len(ds.Branches), func(i int) []any {
		b := ds.Branches[i]
		return []any{b.ID, b.GridID, b.Name}
	}, progress)
}

// copyPartyMembers writes the members (one without a branch joins the
// nearest, made when there is none, by the table's trigger) and then the
// branches' secretaries.
func copyPartyMembers(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	err := copyRows(ctx, tx, "party_members", []string{"person_id", "membership", "employer", "grid_id", "branch_id", "points"}, len(ds.PartyMembers), func(i int) []any {
		m := ds.PartyMembers[i]
		return []any{m.PersonID, m.Membership, nullText(m.Employer), m.GridID, nullID(m.BranchID), int32(m.Points)}
	}, progress)
	if err != nil {
		return err
	}
	var ids, secretaries []int64
	for _, b := range ds.Branches {
		if b.SecretaryID != 0 {
			ids, secretaries = append(ids, b.ID), append(secretaries, b.SecretaryID)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE party_branches b SET secretary_id = s.person FROM unnest($1::bigint[], $2::bigint[]) s(id, person) WHERE b.id = s.id`,
		ids, secretaries); err != nil {
		return fmt.Errorf("branch secretaries: %w", err)
	}
	return nil
}

func copyRegistrations(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	f := field(ds)
	return copyRows(ctx, tx, "party_registrations", []string{"person_id", "employer", "community_id", "registered_on", "status", "ended_on"}, len(f.Registrations), func(i int) []any {
		r := f.Registrations[i]
		status := "active"
		if r.EndedOn != "" {
			status = "ended"
		}
		return []any{r.PersonID, r.Employer, r.CommunityID, r.RegisteredOn, status, nullText(r.EndedOn)}
	}, progress)
}

func copyTeams(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	err := copyRows(ctx, tx, "volunteer_teams", []string{"id", "name", "colour", "grid_id"}, len(ds.Teams), func(i int) []any {
		t := ds.Teams[i]
		return []any{t.ID, t.Name, t.Colour, t.GridID}
	}, progress)
	if err != nil {
		return err
	}
	return copyRows(ctx, tx, "volunteers", []string{"person_id", "team_id"}, len(ds.Volunteers), func(i int) []any {
		return []any{ds.Volunteers[i].PersonID, ds.Volunteers[i].TeamID}
	}, progress)
}

func copyStaff(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	return copyRows(ctx, tx, "grid_staff", []string{"grid_id", "person_id", "role"}, len(ds.Staff), func(i int) []any {
		s := ds.Staff[i]
		return []any{s.GridID, s.PersonID, s.Role}
	}, progress)
}

func copyBuildings(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	return withoutSecondaryIndexes(ctx, tx, "buildings", func() error { return copyBuildingRows(ctx, tx, ds, progress) })
}

func copyBuildingRows(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE building_xy (id bigint, grid_id bigint, name text, floors smallint, head_id bigint, lon float8, lat float8) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	err := copyRows(ctx, tx, "building_xy", []string{"id", "grid_id", "name", "floors", "head_id", "lon", "lat"}, len(ds.Buildings), func(i int) []any {
		b := ds.Buildings[i]
		return []any{b.ID, b.GridID, b.Name, int16(b.Floors), nullID(b.HeadID), b.Geom[0], b.Geom[1]}
	}, progress)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO buildings (id, grid_id, name, floors, head_id, geom)
		SELECT id, grid_id, name, floors, head_id, ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM building_xy`)
	if err != nil {
		return fmt.Errorf("buildings: %w", err)
	}
	return nil
}

func copyHouseholds(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	return withoutSecondaryIndexes(ctx, tx, "households", func() error {
		return copyHouseholdRows(ctx, tx, ds, progress)
	})
}

func copyHouseholdRows(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	return copyRows(ctx, tx, "households", []string{"id", "building_id", "unit", "room", "residents", "status", "contact_id"}, len(ds.Households), func(i int) []any {
		h := ds.Households[i]
		return []any{h.ID, h.BuildingID, h.Unit, h.Room, int16(h.Residents), h.Status, nullID(h.ContactID)}
	}, progress)
}

// field returns the dataset's field work, empty when it has none.
func field(ds *model.Dataset) *model.FieldData {
	if ds.Field == nil {
		return &model.FieldData{}
	}
	return ds.Field
}

func copyScreenings(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	f := field(ds)
	return copyRows(ctx, tx, "screenings", []string{"id", "household_id", "day", "outcome", "temperature", "note", "reported_at"}, len(f.Screenings), func(i int) []any {
		s := f.Screenings[i]
		var temp *float64
		if s.Temperature != 0 {
			temp = &s.Temperature
		}
		return []any{s.ID, s.HouseholdID, s.Day, s.Outcome, temp, nullText(s.Note), s.ReportedAt}
	}, progress)
}

func copyQuarantines(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	f := field(ds)
	return copyRows(ctx, tx, "quarantines", []string{"id", "household_id", "starts", "ends", "reason", "seal_id", "ended_at", "created_at"}, len(f.Quarantines), func(i int) []any {
		q := f.Quarantines[i]
		return []any{q.ID, q.HouseholdID, q.Starts, q.Ends, q.Reason, nullText(q.SealID), nullTime(q.EndedAt), q.CreatedAt}
	}, progress)
}

// copyCheckpoints writes checkpoints through a staging table, as
// buildings are, and their daily counts.
func copyCheckpoints(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	f := field(ds)
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE checkpoint_xy (id bigint, grid_id bigint, name text, on_duty boolean, duty_person bigint, duty_since timestamptz, lon float8, lat float8) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	err := copyRows(ctx, tx, "checkpoint_xy", []string{"id", "grid_id", "name", "on_duty", "duty_person", "duty_since", "lon", "lat"}, len(f.Checkpoints), func(i int) []any {
		c := f.Checkpoints[i]
		return []any{c.ID, c.GridID, c.Name, c.OnDuty, nullID(c.DutyPerson), nullTime(c.DutySince), c.Geom[0], c.Geom[1]}
	}, progress)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO checkpoints (id, grid_id, name, on_duty, duty_person, duty_since, geom)
		SELECT id, grid_id, name, on_duty, duty_person, duty_since, ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM checkpoint_xy`)
	if err != nil {
		return fmt.Errorf("checkpoints: %w", err)
	}
	return copyRows(ctx, tx, "checkpoint_days", []string{"checkpoint_id", "day", "scans", "temperatures", "fevers"}, len(f.CheckpointDays), func(i int) []any {
		d := f.CheckpointDays[i]
		return []any{d.CheckpointID, d.Day, int32(d.Scans), int32(d.Temperatures), int32(d.Fevers)}
	}, progress)
}

func copyAlerts(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	f := field(ds)
	return copyRows(ctx, tx, "alerts", []string{"id", "kind", "grid_id", "household_id", "checkpoint_id", "quarantine_id", "note", "at", "resolved_at", "resolution"}, len(f.Alerts), func(i int) []any {
		a := f.Alerts[i]
		return []any{a.ID, a.Kind, a.GridID, nullID(a.HouseholdID), nullID(a.CheckpointID), nullID(a.QuarantineID),
			nullText(a.Note), a.At, nullTime(a.ResolvedAt), nullText(a.Resolution)}
	}, progress)
}

// copyLedger writes the ledger of vulnerable residents and their visits.
func copyLedger(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	f := field(ds)
	err := copyRows(ctx, tx, "vulnerable_residents", []string{"id", "person_id", "household_id", "category", "visit_every_days", "since", "last_visit"}, len(f.Vulnerable), func(i int) []any {
		v := f.Vulnerable[i]
		return []any{v.ID, v.PersonID, v.HouseholdID, v.Category, int16(v.VisitEveryDays), v.Since, nullTime(v.LastVisit)}
	}, progress)
	if err != nil {
		return err
	}
	return copyRows(ctx, tx, "visits", []string{"id", "resident_id", "at", "method", "note"}, len(f.Visits), func(i int) []any {
		v := f.Visits[i]
		return []any{v.ID, v.ResidentID, v.At, v.Method, nullText(v.Note)}
	}, progress)
}

func copyRequests(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	f := field(ds)
	return copyRows(ctx, tx, "requests", []string{"id", "building_id", "grid_id", "category", "body", "caller", "phone", "received_at", "closed_at", "resolution"}, len(f.Requests), func(i int) []any {
		r := f.Requests[i]
		return []any{r.ID, r.BuildingID, r.GridID, r.Category, r.Body, nullText(r.Caller), nullText(r.Phone),
			r.ReceivedAt, nullTime(r.ClosedAt), nullText(r.Resolution)}
	}, progress)
}

func copySpotChecks(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	f := field(ds)
	err := copyRows(ctx, tx, "spot_checks", []string{"id", "grid_id", "seed", "k", "created_at"}, len(f.SpotChecks), func(i int) []any {
		c := f.SpotChecks[i]
		return []any{c.ID, c.GridID, c.Seed, int32(c.K), c.CreatedAt}
	}, progress)
	if err != nil {
		return err
	}
	return copyRows(ctx, tx, "spot_check_items", []string{"check_id", "position", "household_id", "result", "method", "recorded_at"}, len(f.SpotCheckItems), func(i int) []any {
		it := f.SpotCheckItems[i]
		return []any{it.CheckID, int32(it.Position), it.HouseholdID, nullText(it.Result), nullText(it.Method), nullTime(it.RecordedAt)}
	}, progress)
}

func copyService(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	f := field(ds)
	return copyRows(ctx, tx, "party_service", []string{"id", "person_id", "day", "hours", "what"}, len(f.Service), func(i int) []any {
		s := f.Service[i]
		return []any{s.ID, s.PersonID, s.Day, s.Hours, s.What}
	}, progress)
}

func copyPointAwards(ctx context.Context, tx pgx.Tx, ds *model.Dataset, progress Progress) error {
	f := field(ds)
	return copyRows(ctx, tx, "point_awards", []string{"id", "person_id", "points", "reason", "at"}, len(f.PointAwards), func(i int) []any {
		a := f.PointAwards[i]
		return []any{a.ID, a.PersonID, int32(a.Points), a.Reason, a.At}
	}, progress)
}
