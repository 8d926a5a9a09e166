package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/model"
)

// RequestInput is a call to the 24-hour hotline.
type RequestInput struct {
	BuildingID     int64
	Category, Body string
	Caller, Phone  string
	ReceivedAt     time.Time
	Urgency        string    // normal or urgent
	Deadline       time.Time // when it must be done
	AssigneeID     int64     // 0: nobody yet
	TaskAcceptBy   time.Time // its task escalates if nobody accepted it by then
}

// Request is a resident's request, routed to its building's grid.
type Request struct {
	ID         int64      `json:"id"`
	BuildingID int64      `json:"building_id"`
	Building   string     `json:"building"`
	Grid       int64      `json:"grid"`
	Category   string     `json:"category"`
	Body       string     `json:"body"`
	Caller     *string    `json:"caller"`
	Phone      *string    `json:"phone"`
	ReceivedAt time.Time  `json:"received_at"`
	ClosedAt   *time.Time `json:"closed_at"`
	Resolution *string    `json:"resolution"`
	Urgency    string     `json:"urgency"`
	Deadline   time.Time  `json:"deadline"`
	AssigneeID *int64     `json:"assignee_id"`
	Assignee   *string    `json:"assignee"` // the assignee's name
	// The latest follow-up call (回访) after it was closed, if any.
	FollowUp *FollowUp `json:"follow_up"`
}

// FollowUp is a call back to the resident after a request was closed.
type FollowUp struct {
	ID           int64     `json:"id"`
	At           time.Time `json:"at"`
	Satisfaction string    `json:"satisfaction"`
	Note         *string   `json:"note"`
}

const requestColumns = `q.id, q.building_id, b.name, q.grid_id, q.category, q.body, q.caller, q.phone, q.received_at, q.closed_at, q.resolution,
	q.urgency, COALESCE(q.deadline, q.received_at + interval '24 hours'), q.assignee_id,
	(SELECT name FROM people WHERE id = q.assignee_id),
	(SELECT json_build_object('id', f.id, 'at', f.at, 'satisfaction', f.satisfaction, 'note', f.note)
	 FROM request_follow_ups f WHERE f.request_id = q.id ORDER BY f.at DESC, f.id DESC LIMIT 1)`

func scanRequest(row pgx.Row) (Request, error) {
	var q Request
	err := row.Scan(&q.ID, &q.BuildingID, &q.Building, &q.Grid, &q.Category, &q.Body, &q.Caller, &q.Phone, &q.ReceivedAt, &q.ClosedAt, &q.Resolution,
		&q.Urgency, &q.Deadline, &q.AssigneeID, &q.Assignee, &q.FollowUp)
	return q, err
}

func requestEvent(q Request) LiveEvent {
	return event("alerts", q.Grid, map[string]any{"kind": "request", "id": q.ID, "open": q.ClosedAt == nil,
		"building_id": q.BuildingID, "category": q.Category})
}

// OpenRequest records a hotline request at a building, routed to the
// building's grid.
func (s *Store) OpenRequest(ctx context.Context, a Actor, clientID string, in RequestInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "request", Created, func(tx pgx.Tx) (any, Change, error) {
		var grid int64
		err := tx.QueryRow(ctx, `SELECT grid_id FROM buildings WHERE id = $1`, in.BuildingID).Scan(&grid)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, fieldErr(model.Invalid, "building_id", "no building has this id")
		}
		if err != nil {
			return nil, Change{}, err
		}
		var id int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO requests (building_id, grid_id, category, body, caller, phone, received_at, urgency, deadline, assignee_id)
			VALUES ($1, $2, $3, $4, NULLIF($5, ''), NULLIF($6, ''), $7, $8, $9, $10) RETURNING id`,
			in.BuildingID, grid, in.Category, in.Body, in.Caller, in.Phone, in.ReceivedAt, in.Urgency, in.Deadline, nullID(in.AssigneeID)).Scan(&id); err != nil {
			return nil, Change{}, err
		}
		q, err := scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests q JOIN buildings b ON b.id = q.building_id WHERE q.id = $1`, id))
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "open request", "request", id, nil, q); err != nil {
			return nil, Change{}, err
		}
		// The request is a task for its grid, due by its deadline: for its
		// assignee when that is a volunteer, else for the leader to send.
		var task int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO tasks (grid_id, gap, building_id, request_id, note, assignee_id, assigned_at, created_by, accept_by, due_at)
			SELECT $1, 'request', $2, $3, left($4, 500), v.person_id, CASE WHEN v.person_id IS NOT NULL THEN now() END, $5, LEAST($6::timestamptz, $7::timestamptz), $7
			FROM (SELECT 1) one LEFT JOIN volunteers v ON v.person_id = $8
			RETURNING id`, grid, in.BuildingID, id, in.Body, nilIfZero(a.AccountID), in.TaskAcceptBy, in.Deadline, in.AssigneeID).Scan(&task); err != nil {
			return nil, Change{}, err
		}
		t, err := readTask(ctx, tx, task, false)
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "create task", "task", task, nil, t); err != nil {
			return nil, Change{}, err
		}
		return q, Change{Grid: grid, Delta: coverage.Tally{OpenRequests: 1}, Events: []LiveEvent{requestEvent(q), taskEvent(t)}}, nil
	})
}

// RequestGrid returns the grid a request is routed to.
func (s *Store) RequestGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "request", id, `SELECT grid_id FROM requests WHERE id = $1`)
}

// CloseRequest closes an open request.
func (s *Store) CloseRequest(ctx context.Context, a Actor, clientID string, id int64, resolution string) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "close request", Changed, func(tx pgx.Tx) (any, Change, error) {
		return closeRequest(ctx, tx, a, id, resolution)
	})
}

// closeRequest is CloseRequest in the transaction tx (a task closed with
// a result runs it for the task's request).
func closeRequest(ctx context.Context, tx pgx.Tx, a Actor, id int64, resolution string) (Request, Change, error) {
	q, err := scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests q JOIN buildings b ON b.id = q.building_id WHERE q.id = $1 FOR UPDATE OF q`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Request{}, Change{}, ErrNotFound
	}
	if err != nil {
		return Request{}, Change{}, err
	}
	if q.ClosedAt != nil {
		return q, Change{Grid: q.Grid}, nil // closed already (by someone else): nothing changes
	}
	before := q
	q, err = scanRequest(tx.QueryRow(ctx, `
		WITH u AS (UPDATE requests SET closed_at = now(), resolution = NULLIF($2, '') WHERE id = $1 RETURNING *)
		SELECT `+requestColumns+` FROM u q JOIN buildings b ON b.id = q.building_id`, id, resolution))
	if err != nil {
		return Request{}, Change{}, err
	}
	if err := audit(ctx, tx, a, "close request", "request", id, before, q); err != nil {
		return Request{}, Change{}, err
	}
	evs, err := closeTasksOf(ctx, tx, a, `request_id = $1`, id, map[string]any{"kind": "result", "text": resolution, "closed_by": "gap"})
	if err != nil {
		return Request{}, Change{}, err
	}
	return q, Change{Grid: q.Grid, Delta: coverage.Tally{OpenRequests: -1}, Events: append([]LiveEvent{requestEvent(q)}, evs...)}, nil
}

// Requests lists the hotline requests of the compound grids given, newest
// first: open ones only, or all received since.
func (s *Store) Requests(ctx context.Context, leaves []int64, openOnly bool, since time.Time) ([]Request, bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+requestColumns+` FROM requests q JOIN buildings b ON b.id = q.building_id
		WHERE q.grid_id = ANY($1) AND (q.closed_at IS NULL OR (NOT $2 AND q.received_at >= $3))
		ORDER BY q.received_at DESC, q.id DESC LIMIT `+listLimit, leaves, openOnly, since)
	if err != nil {
		return nil, false, fmt.Errorf("store: requests: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Request, error) { return scanRequest(row) })
	if err != nil {
		return nil, false, fmt.Errorf("store: requests: %w", err)
	}
	out, more := capRows(out)
	return out, more, nil
}

// FollowUpInput is a follow-up call about a closed request.
type FollowUpInput struct {
	RequestID    int64
	Satisfaction string
	Note         string
	At           time.Time
}

// FollowUpRequest records a follow-up call (回访) about a closed request;
// an open one cannot be followed up (Conflict naming id).
func (s *Store) FollowUpRequest(ctx context.Context, a Actor, clientID string, in FollowUpInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "request follow-up", Created, func(tx pgx.Tx) (any, Change, error) {
		q, err := scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests q JOIN buildings b ON b.id = q.building_id WHERE q.id = $1 FOR UPDATE OF q`, in.RequestID))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, ErrNotFound
		}
		if err != nil {
			return nil, Change{}, err
		}
		if q.ClosedAt == nil {
			return nil, Change{}, fieldErr(model.Conflict, "id", "the request is still open: close it with its result first")
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO request_follow_ups (request_id, at, satisfaction, note, called_by)
			VALUES ($1, $2, $3, NULLIF($4, ''), $5) RETURNING id`, q.ID, in.At, in.Satisfaction, in.Note, nullID(a.AccountID)).Scan(&id); err != nil {
			return nil, Change{}, err
		}
		after, err := scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests q JOIN buildings b ON b.id = q.building_id WHERE q.id = $1`, q.ID))
		if err != nil {
			return nil, Change{}, err
		}
		if err := audit(ctx, tx, a, "follow up request", "request", q.ID, q, after); err != nil {
			return nil, Change{}, err
		}
		// Not an alert (the request is closed already): the lists that show
		// it refetch on screening-topic events, as for a new resident.
		return after, Change{Grid: q.Grid, Events: []LiveEvent{event("screening", q.Grid, map[string]any{
			"kind": "request_follow_up", "id": q.ID, "building_id": q.BuildingID, "satisfaction": in.Satisfaction})}}, nil
	})
}
