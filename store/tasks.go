package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/model"
)

// The gaps a task can be made of (tasks.gap).
const (
	GapNoHead       = "no_head"       // a building without a head (楼栋长): building_id
	GapUnscreened   = "unscreened"    // a household not screened today: household_id
	GapNoContact    = "no_contact"    // a household without a party-member contact: household_id
	GapOverdueVisit = "overdue_visit" // a resident on the ledger due a visit: resident_id
	GapSealAlert    = "seal_alert"    // an open door-seal alert: alert_id
	GapRequest      = "request"       // an open hotline request: request_id
)

// Gaps lists every kind of gap a task can be made of.
func GapKinds() []string {
	return []string{GapNoHead, GapUnscreened, GapNoContact, GapOverdueVisit, GapSealAlert, GapRequest}
}

// TaskRecordKind is the field record that closes a task of a gap: a
// screening for a household not screened, a visit for an overdue visit,
// a written result for the rest (it resolves the seal alert or closes the
// request it was made of, in the same transaction).
func TaskRecordKind(gap string) string {
	switch gap {
	case GapUnscreened:
		return "screening"
	case GapOverdueVisit:
		return "visit"
	}
	return "result"
}

// GapRef names the gap a task is made of: its kind and the one id that
// kind needs.
type GapRef struct {
	Gap         string
	BuildingID  int64
	HouseholdID int64
	ResidentID  int64
	AlertID     int64
	RequestID   int64
}

// TaskInput is a new task.
type TaskInput struct {
	GapRef
	Note       string
	AssigneeID int64 // a volunteer; 0 for nobody yet
	AcceptBy   time.Time
	DueAt      time.Time
}

// Task is a gap sent to a volunteer.
type Task struct {
	ID               int64           `json:"id"`
	Grid             int64           `json:"grid"`
	GridName         string          `json:"grid_name"`
	Gap              string          `json:"gap"`
	BuildingID       int64           `json:"building_id"`
	Building         string          `json:"building"`
	Lon              float64         `json:"lon"`
	Lat              float64         `json:"lat"`
	HouseholdID      *int64          `json:"household_id"`
	Unit             *string         `json:"unit"`
	Room             *string         `json:"room"`
	ResidentID       *int64          `json:"resident_id"`
	AlertID          *int64          `json:"alert_id"`
	RequestID        *int64          `json:"request_id"`
	Note             *string         `json:"note"`
	Status           string          `json:"status"`
	AssigneeID       *int64          `json:"assignee_id"`
	Assignee         *string         `json:"assignee"`
	CreatedAt        time.Time       `json:"created_at"`
	AssignedAt       *time.Time      `json:"assigned_at"`
	AcceptBy         time.Time       `json:"accept_by"`
	DueAt            time.Time       `json:"due_at"`
	AcceptedAt       *time.Time      `json:"accepted_at"`
	DoneAt           *time.Time      `json:"done_at"`
	Record           json.RawMessage `json:"record"`
	RecordKind       string          `json:"record_kind"` // what closing it asks for
	Escalation       int             `json:"escalation"`  // 0 with its volunteer, 1 the grid's leader, 2 the community's staff
	EscalatedAt      *time.Time      `json:"escalated_at"`
	EscalationReason *string         `json:"escalation_reason"`
	Declines         int             `json:"declines"`
}

const taskColumns = `t.id, t.grid_id, g.name, t.gap, t.building_id, b.name, ST_X(b.geom), ST_Y(b.geom),
	t.household_id, h.unit, h.room, t.resident_id, t.alert_id, t.request_id, t.note, t.status,
	t.assignee_id, (SELECT name FROM people WHERE id = t.assignee_id),
	t.created_at, t.assigned_at, t.accept_by, t.due_at, t.accepted_at, t.done_at, t.record,
	t.escalation, t.escalated_at, t.escalation_reason, t.declines`

const taskFrom = ` FROM tasks t JOIN buildings b ON b.id = t.building_id JOIN grids g ON g.id = t.grid_id
	LEFT JOIN households h ON h.id = t.household_id`

func scanTask(row pgx.Row) (Task, error) {
	var t Task
	var record []byte
	err := row.Scan(&t.ID, &t.Grid, &t.GridName, &t.Gap, &t.BuildingID, &t.Building, &t.Lon, &t.Lat,
		&t.HouseholdID, &t.Unit, &t.Room, &t.ResidentID, &t.AlertID, &t.RequestID, &t.Note, &t.Status,
		&t.AssigneeID, &t.Assignee, &t.CreatedAt, &t.AssignedAt, &t.AcceptBy, &t.DueAt, &t.AcceptedAt, &t.DoneAt, &record,
		&t.Escalation, &t.EscalatedAt, &t.EscalationReason, &t.Declines)
	if record != nil {
		t.Record = record
	}
	t.RecordKind = TaskRecordKind(t.Gap)
	return t, err
}

func readTask(ctx context.Context, q pgx.Tx, id int64, lock bool) (Task, error) {
	sql := `SELECT ` + taskColumns + taskFrom + ` WHERE t.id = $1`
	if lock {
		sql += ` FOR UPDATE OF t`
	}
	t, err := scanTask(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	return t, err
}

// taskEvent is a task's state on the tasks topic of its grid: the
// leader's map and the assignee's phone both follow it.
func taskEvent(t Task) LiveEvent {
	return event("tasks", t.Grid, map[string]any{"kind": "task", "id": t.ID, "status": t.Status, "gap": t.Gap,
		"building_id": t.BuildingID, "household_id": t.HouseholdID, "assignee_id": t.AssigneeID,
		"escalation": t.Escalation, "due_at": t.DueAt})
}

// GapTarget returns the building and compound grid of the gap a task
// would be made of, so that the caller can check the grid's scope before
// it writes. ErrNotFound when the row it names does not exist.
func (s *Store) GapTarget(ctx context.Context, ref GapRef) (building, grid int64, err error) {
	var q string
	var id int64
	switch ref.Gap {
	case GapNoHead:
		q, id = `SELECT id, grid_id FROM buildings WHERE id = $1`, ref.BuildingID
	case GapUnscreened, GapNoContact:
		q, id = `SELECT b.id, b.grid_id FROM households h JOIN buildings b ON b.id = h.building_id WHERE h.id = $1`, ref.HouseholdID
	case GapOverdueVisit:
		q, id = `SELECT b.id, b.grid_id FROM vulnerable_residents r JOIN households h ON h.id = r.household_id
			JOIN buildings b ON b.id = h.building_id WHERE r.id = $1`, ref.ResidentID
	case GapSealAlert:
		q, id = `SELECT b.id, b.grid_id FROM alerts a JOIN households h ON h.id = a.household_id
			JOIN buildings b ON b.id = h.building_id WHERE a.id = $1 AND a.kind LIKE 'seal_%'`, ref.AlertID
	case GapRequest:
		q, id = `SELECT b.id, b.grid_id FROM requests q JOIN buildings b ON b.id = q.building_id WHERE q.id = $1`, ref.RequestID
	default:
		return 0, 0, fmt.Errorf("store: gap %q: %w", ref.Gap, ErrNotFound)
	}
	err = s.pool.QueryRow(ctx, q, id).Scan(&building, &grid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, fmt.Errorf("store: gap %s %d: %w", ref.Gap, id, ErrNotFound)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: gap %s %d: %w", ref.Gap, id, err)
	}
	return building, grid, nil
}

// gapOpen checks, in the task's transaction, that the gap it is made of
// is still a gap (a household screened since the leader looked is not),
// and returns the building and grid it lies in.
func gapOpen(ctx context.Context, tx pgx.Tx, ref GapRef, today string) (building, grid int64, err error) {
	var open bool
	field := gapField(ref.Gap)
	switch ref.Gap {
	case GapNoHead:
		err = tx.QueryRow(ctx, `SELECT id, grid_id, head_id IS NULL FROM buildings WHERE id = $1`, ref.BuildingID).Scan(&building, &grid, &open)
	case GapUnscreened:
		err = tx.QueryRow(ctx, `SELECT b.id, b.grid_id, h.status = 'occupied' AND NOT EXISTS (
				SELECT 1 FROM (SELECT s.outcome FROM screenings s WHERE s.household_id = h.id AND s.day = $2::date
				               ORDER BY s.reported_at DESC, s.id DESC LIMIT 1) l
				WHERE l.outcome IN ('normal', 'fever', 'home_quarantine', 'risk_area_return'))
			FROM households h JOIN buildings b ON b.id = h.building_id WHERE h.id = $1`, ref.HouseholdID, today).Scan(&building, &grid, &open)
	case GapNoContact:
		err = tx.QueryRow(ctx, `SELECT b.id, b.grid_id, h.contact_id IS NULL FROM households h JOIN buildings b ON b.id = h.building_id
			WHERE h.id = $1`, ref.HouseholdID).Scan(&building, &grid, &open)
	case GapOverdueVisit:
		err = tx.QueryRow(ctx, `SELECT b.id, b.grid_id, r.left_at IS NULL FROM vulnerable_residents r
			JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id WHERE r.id = $1`,
			ref.ResidentID).Scan(&building, &grid, &open)
	case GapSealAlert:
		err = tx.QueryRow(ctx, `SELECT b.id, b.grid_id, a.resolved_at IS NULL FROM alerts a JOIN households h ON h.id = a.household_id
			JOIN buildings b ON b.id = h.building_id WHERE a.id = $1 AND a.kind LIKE 'seal_%'`, ref.AlertID).Scan(&building, &grid, &open)
	case GapRequest:
		err = tx.QueryRow(ctx, `SELECT b.id, b.grid_id, q.closed_at IS NULL FROM requests q JOIN buildings b ON b.id = q.building_id
			WHERE q.id = $1`, ref.RequestID).Scan(&building, &grid, &open)
	default:
		return 0, 0, fieldErr(model.Invalid, "gap", "unknown kind of gap")
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, fieldErr(model.Invalid, field, "no such row")
	}
	if err != nil {
		return 0, 0, err
	}
	if !open {
		return 0, 0, model.Errorf(model.Conflict, field, "this is no longer a gap (it was closed since the list was made)").WithCode(model.CodeGapClosed, nil)
	}
	return building, grid, nil
}

// gapField is the input field that names a gap's row.
func gapField(gap string) string {
	switch gap {
	case GapNoHead:
		return "building_id"
	case GapUnscreened, GapNoContact:
		return "household_id"
	case GapOverdueVisit:
		return "resident_id"
	case GapSealAlert:
		return "alert_id"
	case GapRequest:
		return "request_id"
	}
	return "gap"
}

// checkAssignee checks, in the task's transaction, that person is a
// volunteer whose team works in a grid holding the task's grid.
func checkAssignee(ctx context.Context, tx pgx.Tx, person, grid int64) error {
	var ok, exists bool
	err := tx.QueryRow(ctx, `
		WITH RECURSIVE up AS (
			SELECT id, parent_id FROM grids WHERE id = $2
			UNION ALL
			SELECT g.id, g.parent_id FROM grids g JOIN up ON g.id = up.parent_id
		)
		SELECT EXISTS (SELECT 1 FROM volunteers WHERE person_id = $1),
			EXISTS (SELECT 1 FROM volunteers v JOIN volunteer_teams vt ON vt.id = v.team_id
			        WHERE v.person_id = $1 AND vt.grid_id IN (SELECT id FROM up))`, person, grid).Scan(&exists, &ok)
	switch {
	case err != nil:
		return err
	case !exists:
		return fieldErr(model.Invalid, "assignee_id", "no volunteer has this id")
	case !ok:
		return fieldErr(model.Invalid, "assignee_id", "this volunteer's team does not work in the task's grid")
	}
	return nil
}

// CreateTask makes a task of a gap that is still open, assigned to a
// volunteer of a team working there or to nobody yet. A second task of
// the same open gap is refused (Conflict), so two leaders do not send two
// volunteers to the same door.
func (s *Store) CreateTask(ctx context.Context, a Actor, clientID, today string, in TaskInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "task", Created, func(tx pgx.Tx) (any, Change, error) {
		building, grid, err := gapOpen(ctx, tx, in.GapRef, today)
		if err != nil {
			return nil, Change{}, err
		}
		if in.BuildingID != 0 && in.BuildingID != building {
			return nil, Change{}, fieldErr(model.Invalid, "building_id", "the gap is in another building")
		}
		if in.AssigneeID != 0 {
			if err := checkAssignee(ctx, tx, in.AssigneeID, grid); err != nil {
				return nil, Change{}, err
			}
		}
		var id int64
		err = tx.QueryRow(ctx, `
			INSERT INTO tasks (grid_id, gap, building_id, household_id, resident_id, alert_id, request_id, note,
				assignee_id, assigned_at, created_by, accept_by, due_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, ''), $9, CASE WHEN $9::bigint IS NOT NULL THEN now() END, $10, $11, $12)
			RETURNING id`,
			grid, in.Gap, building, nilIfZero(in.HouseholdID), nilIfZero(in.ResidentID), nilIfZero(in.AlertID), nilIfZero(in.RequestID),
			in.Note, nilIfZero(in.AssigneeID), nilIfZero(a.AccountID), in.AcceptBy, in.DueAt).Scan(&id)
		if isUnique(err, "tasks_one_open_per_gap") {
			return nil, Change{}, model.Errorf(model.Conflict, gapField(in.Gap), "an open task for this gap exists already").WithCode(model.CodeTaskExists, nil)
		}
		if err != nil {
			return nil, Change{}, err
		}
		t, err := readTask(ctx, tx, id, false)
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "create task", "task", id, nil, t); err != nil {
			return nil, Change{}, err
		}
		return t, Change{Grid: grid, Events: []LiveEvent{taskEvent(t)}}, nil
	})
}

// TaskGrid returns the grid a task is in.
func (s *Store) TaskGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "task", id, `SELECT grid_id FROM tasks WHERE id = $1`)
}

// Task returns one task.
func (s *Store) Task(ctx context.Context, id int64) (Task, error) {
	t, err := scanTask(s.pool.QueryRow(ctx, `SELECT `+taskColumns+taskFrom+` WHERE t.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("store: task %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("store: task %d: %w", id, err)
	}
	return t, nil
}

// changeTask runs one change of a task's state under its row lock and
// audits it: fn checks the task as it stands and changes it in tx.
func (s *Store) changeTask(ctx context.Context, a Actor, clientID, action string, id int64,
	fn func(tx pgx.Tx, t Task) (Change, error)) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, action, Changed, func(tx pgx.Tx) (any, Change, error) {
		before, err := readTask(ctx, tx, id, true)
		if err != nil {
			return nil, Change{}, err
		}
		ch, err := fn(tx, before)
		if err != nil {
			return nil, Change{}, err
		}
		after, err := readTask(ctx, tx, id, false)
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, action, "task", id, before, after); err != nil {
			return nil, Change{}, err
		}
		ch.Grid = after.Grid
		ch.Events = append(ch.Events, taskEvent(after))
		return after, ch, nil
	})
}

// errTaskState refuses a change the task's state does not allow.
func errTaskState(t Task, what string) error {
	return model.Errorf(model.Conflict, "status", "the task is %s: it cannot be %s", t.Status, what).
		WithCode(model.CodeTaskState, map[string]any{"status": t.Status})
}

// errNotYours refuses a volunteer's change to a task someone else holds.
var errNotYours = model.Errorf(model.Forbidden, "assignee_id", "this task is not assigned to you").WithCode(model.CodeTaskNotYours, nil)

// AssignTask gives an open task (not yet accepted) to a volunteer: by a
// leader's hand or as the nearest. The task's time to accept starts again.
func (s *Store) AssignTask(ctx context.Context, a Actor, clientID string, id, person int64, acceptBy time.Time) (WriteResult, error) {
	return s.changeTask(ctx, a, clientID, "assign task", id, func(tx pgx.Tx, t Task) (Change, error) {
		if t.Status != "open" {
			return Change{}, errTaskState(t, "assigned")
		}
		var declined bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM task_declines WHERE task_id = $1 AND volunteer_id = $2)`,
			id, person).Scan(&declined); err != nil {
			return Change{}, err
		}
		if declined {
			return Change{}, model.Errorf(model.Conflict, "assignee_id", "this volunteer declined the task").WithCode(model.CodeDeclined, nil)
		}
		if err := checkAssignee(ctx, tx, person, t.Grid); err != nil {
			return Change{}, err
		}
		_, err := tx.Exec(ctx, `UPDATE tasks SET assignee_id = $2, assigned_at = now(), accept_by = $3,
			escalation = 0, escalated_at = NULL, escalation_reason = NULL WHERE id = $1`, id, person, acceptBy)
		return Change{}, err
	})
}

// AcceptTask is the assignee taking a task on.
func (s *Store) AcceptTask(ctx context.Context, a Actor, clientID string, id, person int64) (WriteResult, error) {
	return s.changeTask(ctx, a, clientID, "accept task", id, func(tx pgx.Tx, t Task) (Change, error) {
		switch {
		case t.AssigneeID == nil || *t.AssigneeID != person:
			return Change{}, errNotYours
		case t.Status == "accepted":
			return Change{}, nil // accepted already: nothing changes
		case t.Status != "open":
			return Change{}, errTaskState(t, "accepted")
		}
		_, err := tx.Exec(ctx, `UPDATE tasks SET status = 'accepted', accepted_at = now() WHERE id = $1`, id)
		return Change{}, err
	})
}

// DeclineTask is the assignee giving a task back: it goes back to the
// grid's leader at once (escalation 1, declined), and nearest never
// offers it to this volunteer again.
func (s *Store) DeclineTask(ctx context.Context, a Actor, clientID string, id, person int64, reason string) (WriteResult, error) {
	return s.changeTask(ctx, a, clientID, "decline task", id, func(tx pgx.Tx, t Task) (Change, error) {
		switch {
		case t.AssigneeID == nil || *t.AssigneeID != person:
			return Change{}, errNotYours
		case t.Status != "open" && t.Status != "accepted":
			return Change{}, errTaskState(t, "declined")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO task_declines (task_id, volunteer_id, reason) VALUES ($1, $2, NULLIF($3, ''))
			ON CONFLICT DO NOTHING`, id, person, reason); err != nil {
			return Change{}, err
		}
		_, err := tx.Exec(ctx, `UPDATE tasks SET status = 'open', assignee_id = NULL, assigned_at = NULL, accepted_at = NULL,
			declines = declines + 1, escalation = GREATEST(escalation, 1), escalated_at = now(), escalation_reason = 'declined'
			WHERE id = $1`, id)
		return Change{}, err
	})
}

// TaskRecord is the field record a task is closed with: a screening, a
// visit or a written result, as its gap asks (TaskRecordKind).
type TaskRecord struct {
	Screening *ScreeningInput
	Visit     *VisitInput
	Result    string
}

// CompleteTask closes a task with its field record, written in the same
// transaction: the screening or visit is stored as if reported on its
// own; a result resolves the seal alert or closes the request the task
// was made of. person is the volunteer closing it (0 for a leader or
// staff member, who may close any task in their scope).
func (s *Store) CompleteTask(ctx context.Context, a Actor, clientID, today string, now time.Time, id, person int64, rec TaskRecord) (WriteResult, error) {
	return s.changeTask(ctx, a, clientID, "complete task", id, func(tx pgx.Tx, t Task) (Change, error) {
		switch {
		case person != 0 && (t.AssigneeID == nil || *t.AssigneeID != person):
			return Change{}, errNotYours
		case t.Status == "done":
			return Change{}, nil // closed already (by someone else): nothing changes
		case t.Status == "cancelled":
			return Change{}, errTaskState(t, "closed")
		}
		// Done first, so the record's own write does not close it again as
		// "gap closed".
		if _, err := tx.Exec(ctx, `UPDATE tasks SET status = 'done', done_at = now(), done_by = $2,
			accepted_at = COALESCE(accepted_at, now()) WHERE id = $1`, id, nilIfZero(a.AccountID)); err != nil {
			return Change{}, err
		}
		var ch Change
		var record map[string]any
		switch t.Gap {
		case GapUnscreened:
			if rec.Screening == nil {
				return Change{}, fieldErr(model.Invalid, "screening", "required: this task is closed with a screening of its household")
			}
			in := *rec.Screening
			in.HouseholdID = *t.HouseholdID
			sc, c, err := reportScreening(ctx, tx, a, today, in)
			if err != nil {
				return Change{}, err
			}
			ch, record = c, map[string]any{"kind": "screening", "id": sc.ID, "outcome": sc.Outcome}
		case GapOverdueVisit:
			if rec.Visit == nil {
				return Change{}, fieldErr(model.Invalid, "visit", "required: this task is closed with a visit")
			}
			in := *rec.Visit
			in.ResidentID = *t.ResidentID
			v, c, err := recordVisit(ctx, tx, a, now, in)
			if errors.Is(err, ErrNotFound) {
				return Change{}, fieldErr(model.Conflict, "resident_id", "the resident has left the ledger")
			}
			if err != nil {
				return Change{}, err
			}
			ch, record = c, map[string]any{"kind": "visit", "id": v.ID, "method": v.Method}
		default:
			if rec.Result == "" {
				return Change{}, fieldErr(model.Invalid, "result", "required: what was found and done")
			}
			record = map[string]any{"kind": "result", "text": rec.Result}
			switch t.Gap {
			case GapSealAlert:
				_, c, err := resolveAlert(ctx, tx, a, *t.AlertID, rec.Result)
				if err != nil {
					return Change{}, err
				}
				ch = c
			case GapRequest:
				_, c, err := closeRequest(ctx, tx, a, *t.RequestID, rec.Result)
				if err != nil {
					return Change{}, err
				}
				ch = c
			}
		}
		b, err := json.Marshal(record)
		if err != nil {
			return Change{}, err
		}
		_, err = tx.Exec(ctx, `UPDATE tasks SET record = $2 WHERE id = $1`, id, b)
		return ch, err
	})
}

// TaskFilter selects a page of tasks: in the compound grids given (nil:
// every grid) or assigned to a volunteer, by status ("" for open and
// accepted, "all" for every task made since), at most Limit after the
// task After (nil: from the first).
type TaskFilter struct {
	Leaves   []int64
	Assignee int64
	Status   string
	Since    time.Time
	After    *TaskCursor
	Limit    int
}

// TaskCursor is where a page of tasks ends, in the list's order: open
// before closed, the most escalated first, then the oldest, then by id.
type TaskCursor struct {
	Closed     bool
	Escalation int
	CreatedAt  time.Time
	ID         int64
}

// Tasks returns a page of tasks in that order, and the cursor of the
// next page (nil after the last).
func (s *Store) Tasks(ctx context.Context, f TaskFilter) ([]Task, *TaskCursor, error) {
	c := f.After
	if c == nil {
		c = &TaskCursor{ID: -1 << 63, Escalation: 1 << 15} // before every task
	}
	rows, err := s.pool.Query(ctx, `SELECT `+taskColumns+taskFrom+`
		WHERE ($1::bigint[] IS NULL OR t.grid_id = ANY($1)) AND ($2 = 0 OR t.assignee_id = $2)
		  AND CASE $3 WHEN '' THEN t.status IN ('open', 'accepted')
		              WHEN 'all' THEN t.status IN ('open', 'accepted') OR t.created_at >= $4
		              ELSE t.status = $3 AND (t.status IN ('open', 'accepted') OR t.created_at >= $4) END
		  AND (t.status IN ('done', 'cancelled'), -t.escalation, t.created_at, t.id) > ($5::boolean, -$6::int, $7::timestamptz, $8::bigint)
		ORDER BY t.status IN ('done', 'cancelled'), t.escalation DESC, t.created_at, t.id LIMIT $9`,
		f.Leaves, f.Assignee, f.Status, f.Since, c.Closed, c.Escalation, c.CreatedAt, c.ID, f.Limit+1)
	if err != nil {
		return nil, nil, fmt.Errorf("store: tasks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Task, error) { return scanTask(row) })
	if err != nil {
		return nil, nil, fmt.Errorf("store: tasks: %w", err)
	}
	var next *TaskCursor
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = &TaskCursor{Closed: last.Status == "done" || last.Status == "cancelled", Escalation: last.Escalation, CreatedAt: last.CreatedAt, ID: last.ID}
	}
	if out == nil {
		out = []Task{}
	}
	return out, next, nil
}

// Escalation is the rule of EscalateTasks: how long a task escalated to
// the grid's leader waits before it rises to the community's staff.
type Escalation struct {
	Now         time.Time
	ToCommunity time.Duration
}

// EscalateTasks raises every task past its time: not accepted by
// accept_by (or nobody holds it) or not done by due_at goes to the grid's
// leader (1); a task with the leader that long goes to the community's
// staff (2). It is one UPDATE, so two instances running it at once raise
// each task once. It returns the tasks it raised, for the stream.
func (s *Store) EscalateTasks(ctx context.Context, e Escalation) ([]Task, error) {
	var out []Task
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH due AS (
				SELECT id, CASE
					WHEN escalation = 0 AND due_at <= $1 THEN 1
					WHEN escalation = 0 AND status = 'open' AND accept_by <= $1 THEN 1
					WHEN escalation = 1 AND escalated_at <= $1 - $2::float8 * interval '1 second' THEN 2
				END AS level,
				CASE
					WHEN escalation = 0 AND due_at <= $1 THEN 'overdue'
					WHEN escalation = 0 AND assignee_id IS NULL THEN 'unassigned'
					WHEN escalation = 0 THEN 'not_accepted'
				END AS reason
				FROM tasks WHERE status IN ('open', 'accepted') AND escalation < 2
				FOR UPDATE SKIP LOCKED
			)
			UPDATE tasks t SET escalation = due.level, escalated_at = $1,
				escalation_reason = COALESCE(due.reason, t.escalation_reason)
			FROM due WHERE due.id = t.id AND due.level IS NOT NULL
			RETURNING t.id`, e.Now, e.ToCommunity.Seconds())
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range ids {
			t, err := readTask(ctx, tx, id, false)
			if err != nil {
				return err
			}
			if err := audit(ctx, tx, Actor{Name: "escalation"}, "escalate task", "task", id, nil, t); err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: escalate tasks: %w", err)
	}
	return out, nil
}

// TaskEvents are the stream events of tasks (escalated by the clock, not
// by a write), for the caller to publish.
func TaskEvents(ts []Task) []LiveEvent {
	out := make([]LiveEvent, len(ts))
	for i, t := range ts {
		out[i] = taskEvent(t)
	}
	return out
}

// TaskLoad counts each volunteer's open and accepted tasks, so that
// "nearest" passes over volunteers who have enough to do.
func (s *Store) TaskLoad(ctx context.Context, volunteers []int64) (map[int64]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT assignee_id, count(*) FROM tasks
		WHERE assignee_id = ANY($1) AND status IN ('open', 'accepted') GROUP BY assignee_id`, volunteers)
	if err != nil {
		return nil, fmt.Errorf("store: task load: %w", err)
	}
	out := map[int64]int{}
	var id int64
	var n int
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error { out[id] = n; return nil })
	if err != nil {
		return nil, fmt.Errorf("store: task load: %w", err)
	}
	return out, nil
}

// Declined lists the volunteers who declined a task.
func (s *Store) Declined(ctx context.Context, task int64) (map[int64]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT volunteer_id FROM task_declines WHERE task_id = $1`, task)
	if err != nil {
		return nil, fmt.Errorf("store: declines: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("store: declines: %w", err)
	}
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// TeamGrids returns the grid each volunteer's team works in.
func (s *Store) TeamGrids(ctx context.Context, volunteers []int64) (map[int64]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT v.person_id, t.grid_id FROM volunteers v JOIN volunteer_teams t ON t.id = v.team_id
		WHERE v.person_id = ANY($1)`, volunteers)
	if err != nil {
		return nil, fmt.Errorf("store: team grids: %w", err)
	}
	out := map[int64]int64{}
	var id, grid int64
	_, err = pgx.ForEachRow(rows, []any{&id, &grid}, func() error { out[id] = grid; return nil })
	if err != nil {
		return nil, fmt.Errorf("store: team grids: %w", err)
	}
	return out, nil
}

// Gates returns the open gates (checkpoints) of compound grids, as
// [lon, lat], for the route distance of "nearest".
func (s *Store) Gates(ctx context.Context, grids []int64) (map[int64][][2]float64, error) {
	rows, err := s.pool.Query(ctx, `SELECT grid_id, ST_X(geom), ST_Y(geom) FROM checkpoints WHERE grid_id = ANY($1)`, grids)
	if err != nil {
		return nil, fmt.Errorf("store: gates: %w", err)
	}
	out := map[int64][][2]float64{}
	var grid int64
	var lon, lat float64
	_, err = pgx.ForEachRow(rows, []any{&grid, &lon, &lat}, func() error {
		out[grid] = append(out[grid], [2]float64{lon, lat})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: gates: %w", err)
	}
	return out, nil
}

// BuildingPoint returns where a building is.
func (s *Store) BuildingPoint(ctx context.Context, id int64) (lon, lat float64, err error) {
	err = s.pool.QueryRow(ctx, `SELECT ST_X(geom), ST_Y(geom) FROM buildings WHERE id = $1`, id).Scan(&lon, &lat)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, fmt.Errorf("store: building %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: building %d: %w", id, err)
	}
	return lon, lat, nil
}

// closeTasksOf marks done the open tasks of a gap that another write just
// closed (the leader screened the household themselves, a request was
// closed at the desk), in that write's transaction: where selects them
// (arg is $1), record says what closed them. It returns their events.
func closeTasksOf(ctx context.Context, tx pgx.Tx, a Actor, where string, arg int64, record map[string]any) ([]LiveEvent, error) {
	b, err := json.Marshal(record)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `UPDATE tasks SET status = 'done', done_at = now(), done_by = $2, record = $3
		WHERE `+where+` AND status IN ('open', 'accepted') RETURNING id`, arg, nilIfZero(a.AccountID), b)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	var out []LiveEvent
	for _, id := range ids {
		t, err := readTask(ctx, tx, id, false)
		if err != nil {
			return nil, err
		}
		if err := audit(ctx, tx, a, "close task (gap closed)", "task", id, nil, t); err != nil {
			return nil, err
		}
		out = append(out, taskEvent(t))
	}
	return out, nil
}
