package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/model"
)

// The party layer of the roster (migration 013): branches (党支部), the
// in-service members' registration with the community (双报到) and the
// service hours members record (志愿服务时长). Each write checks in its
// transaction what it refers to against the writer's scope (scope: the
// grid ids the writer may touch, nil for all), so a check made before the
// write cannot go stale.

// PartyMemberInput is a new party member: a new person registered in a
// community or compound grid, in a branch, and for an in-service member
// their registration with the community.
type PartyMemberInput struct {
	Name, Phone  string
	GridID       int64
	BranchID     int64  // 0: the nearest branch in scope, or a new one for the grid
	Membership   string // resident or in_service
	Employer     string // in-service members only
	RegisteredOn string // YYYY-MM-DD, in-service members only
}

// RegistrationInput registers an existing in-service member with their
// community (Status active) or ends their registration (ended).
type RegistrationInput struct {
	PersonID     int64
	Status       string // active or ended
	Employer     string // active only
	RegisteredOn string // active only, YYYY-MM-DD
	EndedOn      string // ended only, YYYY-MM-DD
}

// ServiceInput is volunteer service a member did on a day.
type ServiceInput struct {
	PersonID int64
	Day      string // YYYY-MM-DD, local
	Hours    float64
	What     string
	TaskID   int64 // 0: none
}

// Registration is a member's 双报到 with a community.
type Registration struct {
	ID           int64   `json:"id"`
	Employer     string  `json:"employer"`
	CommunityID  int64   `json:"community_id"`
	Community    string  `json:"community"`
	RegisteredOn string  `json:"registered_on"`
	Status       string  `json:"status"`
	EndedOn      *string `json:"ended_on"`
	PersonID     int64   `json:"person_id"`
	MemberGridID int64   `json:"grid_id"`
	MemberBranch int64   `json:"branch_id"`
}

const registrationSelect = `SELECT r.id, r.employer, r.community_id, g.name, to_char(r.registered_on, 'YYYY-MM-DD'), r.status,
	to_char(r.ended_on, 'YYYY-MM-DD'), r.person_id, m.grid_id, m.branch_id
	FROM party_registrations r JOIN grids g ON g.id = r.community_id JOIN party_members m ON m.person_id = r.person_id`

func scanRegistration(row pgx.Row) (Registration, error) {
	var r Registration
	err := row.Scan(&r.ID, &r.Employer, &r.CommunityID, &r.Community, &r.RegisteredOn, &r.Status, &r.EndedOn, &r.PersonID, &r.MemberGridID, &r.MemberBranch)
	return r, err
}

// branchFor returns the branch a member of grid joins: branch when given
// (it must exist, sit at the grid or an ancestor of it, and inside
// scope), else the nearest branch at the grid or an ancestor inside scope,
// else a new branch for the grid named after it.
func branchFor(ctx context.Context, tx pgx.Tx, grid, branch int64, scope []int64) (int64, error) {
	if branch != 0 {
		var fits, inScope bool
		err := tx.QueryRow(ctx, `
			SELECT u.id IS NOT NULL, $3::bigint[] IS NULL OR pb.grid_id = ANY($3)
			FROM party_branches pb LEFT JOIN grid_lineage_up($2) u ON u.id = pb.grid_id
			WHERE pb.id = $1`, branch, grid, scope).Scan(&fits, &inScope)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return 0, fieldErr(model.Invalid, "branch_id", "no party branch has this id")
		case err != nil:
			return 0, err
		case !inScope:
			return 0, fieldErr(model.Forbidden, "branch_id", "the branch's grid is outside your grid")
		case !fits:
			return 0, fieldErr(model.Invalid, "branch_id", "the branch must sit at the member's grid or a grid above it")
		}
		return branch, nil
	}
	err := tx.QueryRow(ctx, `
		SELECT pb.id FROM grid_lineage_up($1) u JOIN party_branches pb ON pb.grid_id = u.id
		WHERE $2::bigint[] IS NULL OR u.id = ANY($2) ORDER BY u.depth, pb.id LIMIT 1`, grid, scope).Scan(&branch)
	if errors.Is(err, pgx.ErrNoRows) {
		err = tx.QueryRow(ctx, `INSERT INTO party_branches (grid_id, name) SELECT id, name || '党支部' FROM grids WHERE id = $1 RETURNING id`,
			grid).Scan(&branch)
	}
	return branch, err
}

// AddPartyMember adds a new person as a party member of a community or
// compound grid in scope, in a branch, and registers an in-service member
// with the grid's community (双报到), in one transaction with the client id.
func (s *Store) AddPartyMember(ctx context.Context, a Actor, clientID string, scope []int64, in PartyMemberInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "party member", Created, func(tx pgx.Tx) (any, Change, error) {
		var level int
		var inScope bool
		err := tx.QueryRow(ctx, `SELECT level, $2::bigint[] IS NULL OR id = ANY($2) FROM current_grids WHERE id = $1`,
			in.GridID, scope).Scan(&level, &inScope)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil, Change{}, fieldErr(model.Invalid, "grid_id", "no current grid has this id")
		case err != nil:
			return nil, Change{}, err
		case !inScope:
			return nil, Change{}, fieldErr(model.Forbidden, "grid_id", "grid %d is outside your grid", in.GridID)
		case level < 2:
			return nil, Change{}, fieldErr(model.Invalid, "grid_id", "want a community or compound grid")
		}
		branch, err := branchFor(ctx, tx, in.GridID, in.BranchID, scope)
		if err != nil {
			return nil, Change{}, err
		}
		var person int64
		if err := tx.QueryRow(ctx, `INSERT INTO people (name, phone, home_grid_id) VALUES ($1, NULLIF($2, ''), $3) RETURNING id`,
			in.Name, in.Phone, in.GridID).Scan(&person); err != nil {
			return nil, Change{}, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO party_members (person_id, membership, employer, grid_id, branch_id) VALUES ($1, $2, NULLIF($3, ''), $4, $5)`,
			person, in.Membership, in.Employer, in.GridID, branch); err != nil {
			return nil, Change{}, err
		}
		answer := map[string]any{"person_id": person, "grid_id": in.GridID, "branch_id": branch, "membership": in.Membership}
		if in.Membership == model.MemberInService {
			r, err := register(ctx, tx, a, person, in.Employer, in.RegisteredOn)
			if err != nil {
				return nil, Change{}, err
			}
			answer["registration"] = r
		}
		if err := audit(ctx, tx, a, "add party member", "party_member", person, nil, answer); err != nil {
			return nil, Change{}, err
		}
		return answer, Change{Grid: in.GridID, Events: []LiveEvent{event("screening", in.GridID, map[string]any{
			"kind": "party", "person_id": person})}}, nil
	})
}

// register inserts an in-service member's active registration with the
// community of their grid.
func register(ctx context.Context, tx pgx.Tx, a Actor, person int64, employer, on string) (Registration, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO party_registrations (person_id, employer, community_id, registered_on, created_by)
		SELECT m.person_id, $2, u.id, $3::date, $4 FROM party_members m JOIN grid_lineage_up(m.grid_id) u ON u.level = 2
		WHERE m.person_id = $1 RETURNING id`, person, employer, on, nullID(a.AccountID)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Registration{}, fieldErr(model.Invalid, "id", "the member's grid is in no community")
	}
	if err != nil {
		return Registration{}, err
	}
	return scanRegistration(tx.QueryRow(ctx, registrationSelect+` WHERE r.id = $1`, id))
}

// RegisterPartyMember registers an in-service member with their community
// (replacing an active registration's employer and date) or ends the
// active registration. Resident members do not register.
func (s *Store) RegisterPartyMember(ctx context.Context, a Actor, clientID string, in RegistrationInput) (WriteResult, error) {
	effect := Created
	if in.Status == "ended" {
		effect = Changed
	}
	return s.fieldWrite(ctx, a, clientID, "registration", effect, func(tx pgx.Tx) (any, Change, error) {
		var membership string
		var grid int64
		err := tx.QueryRow(ctx, `SELECT membership, grid_id FROM party_members WHERE person_id = $1 FOR UPDATE`, in.PersonID).Scan(&membership, &grid)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, ErrNotFound
		}
		if err != nil {
			return nil, Change{}, err
		}
		before, err := scanRegistration(tx.QueryRow(ctx, registrationSelect+` WHERE r.person_id = $1 AND r.status = 'active'`, in.PersonID))
		hasActive := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, err
		}
		var after Registration
		switch {
		case in.Status == "ended" && !hasActive:
			return nil, Change{}, fieldErr(model.Conflict, "status", "the member has no active registration to end")
		case in.Status == "ended":
			if in.EndedOn < before.RegisteredOn {
				return nil, Change{}, fieldErr(model.Invalid, "ended_on", "before the registration began (%s)", before.RegisteredOn)
			}
			if _, err := tx.Exec(ctx, `UPDATE party_registrations SET status = 'ended', ended_on = $2::date WHERE id = $1`, before.ID, in.EndedOn); err != nil {
				return nil, Change{}, err
			}
			after, err = scanRegistration(tx.QueryRow(ctx, registrationSelect+` WHERE r.id = $1`, before.ID))
		case membership != model.MemberInService:
			return nil, Change{}, fieldErr(model.Invalid, "id", "a resident member does not register with the community (双报到 is for in-service members)")
		default:
			if hasActive {
				if _, err := tx.Exec(ctx, `UPDATE party_registrations SET status = 'ended', ended_on = GREATEST(registered_on, $2::date) WHERE id = $1`,
					before.ID, in.RegisteredOn); err != nil {
					return nil, Change{}, err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE party_members SET employer = $2 WHERE person_id = $1`, in.PersonID, in.Employer); err != nil {
				return nil, Change{}, err
			}
			after, err = register(ctx, tx, a, in.PersonID, in.Employer, in.RegisteredOn)
		}
		if err != nil {
			return nil, Change{}, err
		}
		var was any
		if hasActive {
			was = before
		}
		if err := audit(ctx, tx, a, "register party member", "party_member", in.PersonID, was, after); err != nil {
			return nil, Change{}, err
		}
		return after, Change{Grid: grid, Events: []LiveEvent{event("screening", grid, map[string]any{
			"kind": "party", "person_id": in.PersonID})}}, nil
	})
}

// ServiceRecord is one record of a member's volunteer service.
type ServiceRecord struct {
	ID       int64   `json:"id"`
	PersonID int64   `json:"person_id"`
	Day      string  `json:"day"`
	Hours    float64 `json:"hours"`
	What     string  `json:"what"`
	TaskID   *int64  `json:"task_id"`
}

// ServiceTotals are a member's service hours after a write.
type ServiceTotals struct {
	ServiceRecord
	HoursMonth float64 `json:"hours_month"` // in the month of the day recorded
	HoursTotal float64 `json:"hours_total"`
}

// RecordService stores hours of volunteer service a party member did, and
// returns their totals. A task named must be in scope and assigned to the
// member, done, and not counted yet.
func (s *Store) RecordService(ctx context.Context, a Actor, clientID string, scope []int64, in ServiceInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "service hours", Created, func(tx pgx.Tx) (any, Change, error) {
		var grid int64
		err := tx.QueryRow(ctx, `SELECT grid_id FROM party_members WHERE person_id = $1 FOR UPDATE`, in.PersonID).Scan(&grid)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, ErrNotFound
		}
		if err != nil {
			return nil, Change{}, err
		}
		if in.TaskID != 0 {
			if err := checkServiceTask(ctx, tx, in.TaskID, in.PersonID, scope); err != nil {
				return nil, Change{}, err
			}
		}
		var r ServiceTotals
		err = tx.QueryRow(ctx, `
			INSERT INTO party_service (person_id, day, hours, what, task_id, created_by)
			VALUES ($1, $2::date, $3, $4, $5, $6)
			RETURNING id, person_id, to_char(day, 'YYYY-MM-DD'), hours::float8, what, task_id,
			  (SELECT COALESCE(sum(hours), 0)::float8 FROM party_service WHERE person_id = $1 AND date_trunc('month', day) = date_trunc('month', $2::date)) + hours::float8,
			  (SELECT COALESCE(sum(hours), 0)::float8 FROM party_service WHERE person_id = $1) + hours::float8`,
			in.PersonID, in.Day, in.Hours, in.What, nullID(in.TaskID), nullID(a.AccountID)).Scan(
			&r.ID, &r.PersonID, &r.Day, &r.Hours, &r.What, &r.TaskID, &r.HoursMonth, &r.HoursTotal)
		if isUnique(err, "party_service_task_id_key") {
			return nil, Change{}, fieldErr(model.Conflict, "task_id", "hours for this task are recorded already")
		}
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "record service hours", "party_member", in.PersonID, nil, r.ServiceRecord); err != nil {
			return nil, Change{}, err
		}
		return r, Change{Grid: grid, Events: []LiveEvent{event("screening", grid, map[string]any{
			"kind": "party", "person_id": in.PersonID})}}, nil
	})
}

// checkServiceTask refuses a task that service hours cannot be for: not
// there, outside scope, not the member's, or not done.
func checkServiceTask(ctx context.Context, tx pgx.Tx, task, person int64, scope []int64) error {
	var inScope, theirs bool
	var status string
	err := tx.QueryRow(ctx, `SELECT $3::bigint[] IS NULL OR grid_id = ANY($3), assignee_id IS NOT DISTINCT FROM $2, status FROM tasks WHERE id = $1`,
		task, person, scope).Scan(&inScope, &theirs, &status)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fieldErr(model.Invalid, "task_id", "no task has this id")
	case err != nil:
		return err
	case !inScope:
		return fieldErr(model.Forbidden, "task_id", "the task is outside your grid")
	case !theirs:
		return fieldErr(model.Invalid, "task_id", "the task was not assigned to this member")
	case status != "done":
		return fieldErr(model.Invalid, "task_id", "the task is not done")
	}
	return nil
}

// ServiceRecords lists a member's service, newest first (at most 500).
func (s *Store) ServiceRecords(ctx context.Context, person int64) ([]ServiceRecord, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, person_id, to_char(day, 'YYYY-MM-DD'), hours::float8, what, task_id FROM party_service
		WHERE person_id = $1 ORDER BY day DESC, id DESC LIMIT 500`, person)
	if err != nil {
		return nil, fmt.Errorf("store: service of %d: %w", person, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ServiceRecord, error) {
		var r ServiceRecord
		err := row.Scan(&r.ID, &r.PersonID, &r.Day, &r.Hours, &r.What, &r.TaskID)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: service of %d: %w", person, err)
	}
	if out == nil {
		out = []ServiceRecord{}
	}
	return out, nil
}

// PartyBranchGrid returns the grid a party branch is attached to.
func (s *Store) PartyBranchGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "party branch", id, `SELECT grid_id FROM party_branches WHERE id = $1`)
}

// Branch is a party branch (党支部) as a write answers it.
type Branch struct {
	ID          int64  `json:"id"`
	GridID      int64  `json:"grid_id"`
	Name        string `json:"name"`
	SecretaryID *int64 `json:"secretary_id"`
}

func scanBranch(row pgx.Row) (Branch, error) {
	var b Branch
	err := row.Scan(&b.ID, &b.GridID, &b.Name, &b.SecretaryID)
	return b, err
}

const branchSelect = `SELECT id, grid_id, name, secretary_id FROM party_branches`

// AddPartyBranch sets up a party branch at a community or compound grid
// in scope (nil: all).
func (s *Store) AddPartyBranch(ctx context.Context, a Actor, clientID string, scope []int64, grid int64, name string) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "party branch", Created, func(tx pgx.Tx) (any, Change, error) {
		var level int
		var inScope bool
		err := tx.QueryRow(ctx, `SELECT level, $2::bigint[] IS NULL OR id = ANY($2) FROM current_grids WHERE id = $1`,
			grid, scope).Scan(&level, &inScope)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil, Change{}, fieldErr(model.Invalid, "grid_id", "no current grid has this id")
		case err != nil:
			return nil, Change{}, err
		case !inScope:
			return nil, Change{}, fieldErr(model.Forbidden, "grid_id", "grid %d is outside your grid", grid)
		case level != 2 && level != 3:
			return nil, Change{}, fieldErr(model.Invalid, "grid_id", "want a community or compound grid")
		}
		b, err := scanBranch(tx.QueryRow(ctx, `INSERT INTO party_branches (grid_id, name) VALUES ($1, $2)
			RETURNING id, grid_id, name, secretary_id`, grid, name))
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "add party branch", "party_branch", b.ID, nil, b); err != nil {
			return nil, Change{}, err
		}
		return b, Change{Grid: grid, Events: []LiveEvent{event("screening", grid, map[string]any{"kind": "party", "branch_id": b.ID})}}, nil
	})
}

// UpdatePartyBranch renames a branch and sets its secretary (0: none),
// who must be one of its members.
func (s *Store) UpdatePartyBranch(ctx context.Context, a Actor, clientID string, id int64, name string, secretary int64) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "party branch", Changed, func(tx pgx.Tx) (any, Change, error) {
		before, err := scanBranch(tx.QueryRow(ctx, branchSelect+` WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, ErrNotFound
		}
		if err != nil {
			return nil, Change{}, err
		}
		if secretary != 0 {
			var branch int64
			err := tx.QueryRow(ctx, `SELECT branch_id FROM party_members WHERE person_id = $1`, secretary).Scan(&branch)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				return nil, Change{}, fieldErr(model.Invalid, "secretary_id", "no party member has this id")
			case err != nil:
				return nil, Change{}, err
			case branch != id:
				return nil, Change{}, fieldErr(model.Invalid, "secretary_id", "the secretary must be a member of the branch")
			}
		}
		after, err := scanBranch(tx.QueryRow(ctx, `UPDATE party_branches SET name = $2, secretary_id = $3 WHERE id = $1
			RETURNING id, grid_id, name, secretary_id`, id, name, nullID(secretary)))
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "update party branch", "party_branch", id, before, after); err != nil {
			return nil, Change{}, err
		}
		return after, Change{Grid: after.GridID, Events: []LiveEvent{event("screening", after.GridID, map[string]any{"kind": "party", "branch_id": id})}}, nil
	})
}

// MovePartyMember moves a member to another branch, which must sit at the
// member's grid or above it and inside scope; a member who was their old
// branch's secretary no longer is.
func (s *Store) MovePartyMember(ctx context.Context, a Actor, clientID string, scope []int64, person, branch int64) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "party member", Changed, func(tx pgx.Tx) (any, Change, error) {
		var grid, was int64
		err := tx.QueryRow(ctx, `SELECT grid_id, branch_id FROM party_members WHERE person_id = $1 FOR UPDATE`, person).Scan(&grid, &was)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, ErrNotFound
		}
		if err != nil {
			return nil, Change{}, err
		}
		if _, err := branchFor(ctx, tx, grid, branch, scope); err != nil {
			return nil, Change{}, err
		}
		if _, err := tx.Exec(ctx, `UPDATE party_branches SET secretary_id = NULL WHERE id = $1 AND secretary_id = $2 AND $1 <> $3`,
			was, person, branch); err != nil {
			return nil, Change{}, err
		}
		if _, err := tx.Exec(ctx, `UPDATE party_members SET branch_id = $2 WHERE person_id = $1`, person, branch); err != nil {
			return nil, Change{}, err
		}
		answer := map[string]any{"person_id": person, "grid_id": grid, "branch_id": branch}
		if err := audit(ctx, tx, a, "move party member", "party_member", person, map[string]any{"branch_id": was}, answer); err != nil {
			return nil, Change{}, err
		}
		return answer, Change{Grid: grid, Events: []LiveEvent{event("screening", grid, map[string]any{"kind": "party", "person_id": person})}}, nil
	})
}
