package field

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/geo"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// TaskStore is what tasks need of the database (store.Store in the
// product).
type TaskStore interface {
	GapTarget(ctx context.Context, ref store.GapRef) (building, grid int64, err error)
	BuildingGrid(ctx context.Context, id int64) (int64, error)
	TaskGrid(ctx context.Context, id int64) (int64, error)
	Task(ctx context.Context, id int64) (store.Task, error)
	Tasks(ctx context.Context, f store.TaskFilter) ([]store.Task, *store.TaskCursor, error)
	CreateTask(ctx context.Context, a store.Actor, clientID, today string, in store.TaskInput) (store.WriteResult, error)
	AssignTask(ctx context.Context, a store.Actor, clientID string, id, person int64, acceptBy time.Time) (store.WriteResult, error)
	AcceptTask(ctx context.Context, a store.Actor, clientID string, id, person int64) (store.WriteResult, error)
	DeclineTask(ctx context.Context, a store.Actor, clientID string, id, person int64, reason string) (store.WriteResult, error)
	CompleteTask(ctx context.Context, a store.Actor, clientID, today string, now time.Time, id, person int64, rec store.TaskRecord) (store.WriteResult, error)
	EscalateTasks(ctx context.Context, e store.Escalation) ([]store.Task, error)
	TaskLoad(ctx context.Context, volunteers []int64) (map[int64]int, error)
	Declined(ctx context.Context, task int64) (map[int64]bool, error)
	TeamGrids(ctx context.Context, volunteers []int64) (map[int64]int64, error)
	Gates(ctx context.Context, grids []int64) (map[int64][][2]float64, error)
	BuildingPoint(ctx context.Context, id int64) (lon, lat float64, err error)
}

// Positions are the volunteers' live positions (live.Hub in the product).
type Positions interface {
	Nearest(lon, lat float64, n int, keep func(grid int64) bool) []live.Near
}

// TaskRules are the times and limits of tasks.
type TaskRules struct {
	AcceptWithin time.Duration // an assigned task not accepted by then goes back to the leader
	DueWithin    time.Duration // a task's default time to be done
	ToCommunity  time.Duration // a task with the leader this long goes to the community's staff
	OnDuty       time.Duration // a volunteer with a fix this recent is on duty
	MaxOpen      int           // "nearest" passes over volunteers holding this many tasks
}

// DefaultTaskRules are the rules gridmap serve uses unless told otherwise.
var DefaultTaskRules = TaskRules{AcceptWithin: 15 * time.Minute, DueWithin: 4 * time.Hour,
	ToCommunity: 30 * time.Minute, OnDuty: 10 * time.Minute, MaxOpen: 5}

// Tasks holds the rules of tasks: a leader turns a gap into a task for
// a volunteer (by hand or the nearest on duty, by the way they would
// walk), the volunteer accepts, declines or closes it with the field
// record it asks for, and tasks past their time escalate. Safe for
// concurrent use; it keeps no state of its own (two instances agree).
type Tasks struct {
	f     *Service
	st    TaskStore
	pos   Positions
	rules TaskRules
	log   *slog.Logger
}

// NewTasks returns the task service writing through f's coverage and
// scope checks.
func NewTasks(f *Service, st TaskStore, pos Positions, rules TaskRules, log *slog.Logger) *Tasks {
	return &Tasks{f: f, st: st, pos: pos, rules: rules, log: log}
}

// Nearest asks for the nearest available volunteer instead of a named one.
const Nearest = "nearest"

// TaskInput is a new task: the gap (its kind and the id that kind
// names), optionally the grid the leader is looking at, an assignee (a
// volunteer's person id, "nearest" or nothing) and a due time.
type TaskInput struct {
	ClientID    string          `json:"client_id"`
	Gap         string          `json:"gap"`
	GridID      int64           `json:"grid_id"`
	BuildingID  int64           `json:"building_id"`
	HouseholdID int64           `json:"household_id"`
	ResidentID  int64           `json:"resident_id"`
	AlertID     int64           `json:"alert_id"`
	RequestID   int64           `json:"request_id"`
	Note        string          `json:"note"`
	Assignee    json.RawMessage `json:"assignee"` // a volunteer's id, "nearest", or null
	DueAt       *time.Time      `json:"due_at"`

	assignee int64
	nearest  bool
}

// Validate checks in, trimming its text; the service calls it first.
func (in *TaskInput) Validate(now time.Time) error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	if err := oneOf("gap", in.Gap, store.GapKinds()...); err != nil {
		return err
	}
	ref := in.ref()
	field := map[string]int64{"building_id": ref.BuildingID, "household_id": ref.HouseholdID, "resident_id": ref.ResidentID,
		"alert_id": ref.AlertID, "request_id": ref.RequestID}
	need := map[string]string{store.GapNoHead: "building_id", store.GapUnscreened: "household_id", store.GapNoContact: "household_id",
		store.GapOverdueVisit: "resident_id", store.GapSealAlert: "alert_id", store.GapRequest: "request_id"}[in.Gap]
	for name, id := range field {
		switch {
		case id < 0:
			return invalid(name, "want an id")
		case name == need && id == 0:
			return invalid(name, "required for a task of gap %s", in.Gap)
		case name != need && name != "building_id" && id != 0:
			return invalid(name, "a task of gap %s names its %s only", in.Gap, need)
		}
	}
	var err error
	if in.Note, err = text("note", in.Note, 0, 500); err != nil {
		return err
	}
	if in.GridID < 0 {
		return invalid("grid_id", "want a grid id")
	}
	switch a := string(in.Assignee); {
	case a == "" || a == "null":
	case a == `"`+Nearest+`"`:
		in.nearest = true
	default:
		if json.Unmarshal(in.Assignee, &in.assignee) != nil || in.assignee <= 0 {
			return invalid("assignee", `want a volunteer's id, "nearest" or null`)
		}
	}
	if in.DueAt != nil && (!in.DueAt.After(now) || in.DueAt.After(now.AddDate(0, 0, 7))) {
		return invalid("due_at", "want a time after now and within 7 days")
	}
	return nil
}

func (in *TaskInput) ref() store.GapRef {
	return store.GapRef{Gap: in.Gap, BuildingID: in.BuildingID, HouseholdID: in.HouseholdID, ResidentID: in.ResidentID,
		AlertID: in.AlertID, RequestID: in.RequestID}
}

// Create makes a task of a gap in p's scope.
func (t *Tasks) Create(ctx context.Context, p *auth.Principal, a store.Actor, in TaskInput) (store.WriteResult, error) {
	now := t.f.now()
	if err := in.Validate(now); err != nil {
		return store.WriteResult{}, err
	}
	building, grid, err := t.st.GapTarget(ctx, in.ref())
	tg := target{field: gapFieldOf(in.Gap), what: in.Gap, grid: grid, err: err}
	if err := t.f.check(ctx, p, tg); err != nil {
		return store.WriteResult{}, err
	}
	if in.GridID != 0 {
		h, err := t.f.scopes.Hierarchy(ctx)
		if err != nil {
			return store.WriteResult{}, err
		}
		if !(auth.Scope{Root: in.GridID}).Contains(h, grid) {
			return store.WriteResult{}, invalid("grid_id", "the gap is not in this grid")
		}
	}
	if in.nearest {
		near, err := t.nearest(ctx, building, grid, 0)
		if err != nil {
			return store.WriteResult{}, err
		}
		in.assignee = near
	}
	due := now.Add(t.rules.DueWithin)
	if in.DueAt != nil {
		due = *in.DueAt
	}
	acceptBy := now.Add(t.rules.AcceptWithin)
	if acceptBy.After(due) {
		acceptBy = due
	}
	return t.f.commit(ctx, tg, func(ctx context.Context) (store.WriteResult, error) {
		return t.st.CreateTask(ctx, a, in.ClientID, t.f.today(), store.TaskInput{GapRef: in.ref(), Note: in.Note,
			AssigneeID: in.assignee, AcceptBy: acceptBy, DueAt: due})
	})
}

func gapFieldOf(gap string) string {
	switch gap {
	case store.GapNoHead:
		return "building_id"
	case store.GapUnscreened, store.GapNoContact:
		return "household_id"
	case store.GapOverdueVisit:
		return "resident_id"
	case store.GapSealAlert:
		return "alert_id"
	}
	return "request_id"
}

// Candidate is a volunteer "nearest" considered: where they are and how
// far they would walk.
type Candidate struct {
	VolunteerID int64
	Grid        int64 // the compound grid they are in now
	Lon, Lat    float64
	RouteM      float64 // metres on foot, through the compounds' gates
}

// nearest picks the available volunteer on duty who would walk the least
// to building (in compound grid): among those whose team works there,
// holding fewer than MaxOpen tasks, who have not declined task (0 for a
// new one). Straight-line nearest first, then by route: through the
// gates of both compounds when the volunteer is in another one.
func (t *Tasks) nearest(ctx context.Context, building, grid, task int64) (int64, error) {
	cands, err := t.Candidates(ctx, building, grid, task)
	if err != nil {
		return 0, err
	}
	if len(cands) == 0 {
		return 0, &model.Error{Kind: model.Conflict, Field: "assignee",
			Msg: "assignee: no volunteer is on duty near this building now; assign one by hand or leave it unassigned"}
	}
	return cands[0].VolunteerID, nil
}

// Candidates lists the volunteers "nearest" would choose from for a door
// at building, in grid, best first.
func (t *Tasks) Candidates(ctx context.Context, building, grid, task int64) ([]Candidate, error) {
	h, err := t.f.scopes.Hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	lon, lat, err := t.st.BuildingPoint(ctx, building)
	if err != nil {
		return nil, err
	}
	const pool = 40 // straight-line nearest considered; the route reorders them
	onDuty := t.f.now().Add(-t.rules.OnDuty)
	near := t.pos.Nearest(lon, lat, pool, func(g int64) bool { return g != 0 })
	var ids []int64
	for _, n := range near {
		if n.At.After(onDuty) {
			ids = append(ids, n.VolunteerID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	teams, err := t.st.TeamGrids(ctx, ids)
	if err != nil {
		return nil, err
	}
	load, err := t.st.TaskLoad(ctx, ids)
	if err != nil {
		return nil, err
	}
	declined := map[int64]bool{}
	if task != 0 {
		if declined, err = t.st.Declined(ctx, task); err != nil {
			return nil, err
		}
	}
	var out []Candidate
	grids := []int64{grid}
	for _, n := range near {
		team, ok := teams[n.VolunteerID]
		if !ok || !n.At.After(onDuty) || declined[n.VolunteerID] || load[n.VolunteerID] >= t.rules.MaxOpen ||
			!(auth.Scope{Root: team}).Contains(h, grid) {
			continue
		}
		out = append(out, Candidate{VolunteerID: n.VolunteerID, Grid: n.GridID, Lon: n.Lon, Lat: n.Lat})
		if n.GridID != grid {
			grids = append(grids, n.GridID)
		}
	}
	gates, err := t.st.Gates(ctx, grids)
	if err != nil {
		return nil, err
	}
	door := orb.Point{lon, lat}
	for i := range out {
		c := &out[i]
		var from, to []orb.Point
		if c.Grid != grid {
			from, to = points(gates[c.Grid]), points(gates[grid])
		}
		c.RouteM = geo.RouteDistance(orb.Point{c.Lon, c.Lat}, door, from, to)
	}
	slices.SortStableFunc(out, func(a, b Candidate) int {
		switch {
		case a.RouteM < b.RouteM:
			return -1
		case a.RouteM > b.RouteM:
			return 1
		}
		return 0
	})
	return out, nil
}

func points(ps [][2]float64) []orb.Point {
	out := make([]orb.Point, len(ps))
	for i, p := range ps {
		out[i] = orb.Point(p)
	}
	return out
}

// TaskActionInput is a change to task ID: a client id, and a reason when
// declining.
type TaskActionInput struct {
	ID       int64  `json:"-"`
	ClientID string `json:"client_id"`
	Reason   string `json:"reason"`
}

// Validate checks in, trimming its text.
func (in *TaskActionInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	var err error
	in.Reason, err = text("reason", in.Reason, 0, 200)
	return err
}

// volunteer returns p's volunteer, or Forbidden: only the volunteer a
// task is assigned to accepts or declines it.
func volunteer(p *auth.Principal) (int64, error) {
	if p.Role != auth.Volunteer || p.PersonID == 0 {
		return 0, &model.Error{Kind: model.Forbidden, Code: model.CodeTaskNotYours, Msg: "only the volunteer the task is assigned to can do this"}
	}
	return p.PersonID, nil
}

// taskTarget is the task a write concerns. A volunteer's own task is
// theirs wherever it is; anyone else's must be in scope.
func (t *Tasks) taskTarget(ctx context.Context, p *auth.Principal, id int64) (target, error) {
	tg := on(ctx, "id", "task", id, t.st.TaskGrid)
	if p.Role == auth.Volunteer {
		return tg, notFoundAs(tg.err, "id", "task")
	}
	return tg, t.f.check(ctx, p, tg)
}

// Accept is the assignee taking task in.ID on.
func (t *Tasks) Accept(ctx context.Context, p *auth.Principal, a store.Actor, in TaskActionInput) (store.WriteResult, error) {
	person, err := volunteer(p)
	if err == nil {
		err = in.Validate()
	}
	if err != nil {
		return store.WriteResult{}, err
	}
	tg, err := t.taskTarget(ctx, p, in.ID)
	if err != nil {
		return store.WriteResult{}, err
	}
	return t.f.commit(ctx, tg, func(ctx context.Context) (store.WriteResult, error) {
		return t.st.AcceptTask(ctx, a, in.ClientID, in.ID, person)
	})
}

// Decline is the assignee giving task in.ID back to the leader.
func (t *Tasks) Decline(ctx context.Context, p *auth.Principal, a store.Actor, in TaskActionInput) (store.WriteResult, error) {
	person, err := volunteer(p)
	if err == nil {
		err = in.Validate()
	}
	if err != nil {
		return store.WriteResult{}, err
	}
	tg, err := t.taskTarget(ctx, p, in.ID)
	if err != nil {
		return store.WriteResult{}, err
	}
	return t.f.commit(ctx, tg, func(ctx context.Context) (store.WriteResult, error) {
		return t.st.DeclineTask(ctx, a, in.ClientID, in.ID, person, in.Reason)
	})
}

// AssignInput gives task ID to a volunteer or the nearest.
type AssignInput struct {
	ID       int64           `json:"-"`
	ClientID string          `json:"client_id"`
	Assignee json.RawMessage `json:"assignee"`
}

// Assign gives open task in.ID to a volunteer, by hand or the nearest
// (never one who declined it).
func (t *Tasks) Assign(ctx context.Context, p *auth.Principal, a store.Actor, in AssignInput) (store.WriteResult, error) {
	if err := CheckClientID(in.ClientID); err != nil {
		return store.WriteResult{}, err
	}
	var person int64
	nearest := string(in.Assignee) == `"`+Nearest+`"`
	if !nearest && (json.Unmarshal(in.Assignee, &person) != nil || person <= 0) {
		return store.WriteResult{}, invalid("assignee", `want a volunteer's id or "nearest"`)
	}
	tg, err := t.taskTarget(ctx, p, in.ID)
	if err != nil {
		return store.WriteResult{}, err
	}
	if nearest {
		task, err := t.st.Task(ctx, in.ID)
		if err != nil {
			return store.WriteResult{}, notFoundAs(err, "id", "task")
		}
		if person, err = t.nearest(ctx, task.BuildingID, task.Grid, task.ID); err != nil {
			return store.WriteResult{}, err
		}
	}
	acceptBy := t.f.now().Add(t.rules.AcceptWithin)
	return t.f.commit(ctx, tg, func(ctx context.Context) (store.WriteResult, error) {
		return t.st.AssignTask(ctx, a, in.ClientID, in.ID, person, acceptBy)
	})
}

// DoneInput closes task ID with the field record it asks for: a
// screening of its household, a visit to its resident or a result.
type DoneInput struct {
	ID        int64           `json:"-"`
	ClientID  string          `json:"client_id"`
	Screening *ScreeningInput `json:"screening"`
	Visit     *VisitInput     `json:"visit"`
	Result    string          `json:"result"`
}

// Done closes task in.ID: by its volunteer, or by a leader or staff
// member in scope (who did it themselves). The record is written in the
// task's transaction, so the gap closes on every map with it.
func (t *Tasks) Done(ctx context.Context, p *auth.Principal, a store.Actor, in DoneInput) (store.WriteResult, error) {
	if err := CheckClientID(in.ClientID); err != nil {
		return store.WriteResult{}, err
	}
	now := t.f.now()
	today := t.f.today()
	var rec store.TaskRecord
	var err error
	switch {
	case in.Screening != nil:
		sc := *in.Screening
		if err := sc.validateReport(today); err != nil {
			return store.WriteResult{}, prefixed("screening.", err)
		}
		rec.Screening = &store.ScreeningInput{Day: sc.Day, Outcome: sc.Outcome, Temperature: sc.Temperature, Note: sc.Note}
	case in.Visit != nil:
		v := *in.Visit
		v.ClientID = in.ClientID
		if err := v.Validate(now); err != nil {
			return store.WriteResult{}, prefixed("visit.", err)
		}
		rec.Visit = &store.VisitInput{At: *v.At, Method: v.Method, Note: v.Note}
	}
	if rec.Result, err = text("result", in.Result, 0, 500); err != nil {
		return store.WriteResult{}, err
	}
	var person int64
	if p.Role == auth.Volunteer {
		person = p.PersonID
	}
	tg, err := t.taskTarget(ctx, p, in.ID)
	if err != nil {
		return store.WriteResult{}, err
	}
	return t.f.commit(ctx, tg, func(ctx context.Context) (store.WriteResult, error) {
		return t.st.CompleteTask(ctx, a, in.ClientID, today, now, in.ID, person, rec)
	})
}

// prefixed names a nested field: "outcome" of the screening is
// "screening.outcome".
func prefixed(prefix string, err error) error {
	var me *model.Error
	if errors.As(err, &me) && me.Field != "" {
		c := *me
		c.Field = prefix + me.Field
		return &c
	}
	return err
}

// TaskQuery selects tasks: of a grid's subtree (0: p's whole scope) and a
// status ("" open and accepted, "done", "all" with those done today).
type TaskQuery struct {
	Grid   int64
	Status string
	After  string // the next cursor of the page before; "" for the first
	Limit  int    // 0 for DefaultTaskPage
}

// Pages of tasks.
const (
	DefaultTaskPage = 500
	MaxTaskPage     = 5000
)

// List returns a page of the tasks p may see (a volunteer their own,
// anyone else those of the grid's subtree in scope) and the cursor of the
// next page, "" after the last.
func (t *Tasks) List(ctx context.Context, p *auth.Principal, q TaskQuery) ([]store.Task, string, error) {
	if q.Status != "" {
		if err := oneOf("status", q.Status, "open", "accepted", "done", "cancelled", "all"); err != nil {
			return nil, "", err
		}
	}
	if q.Limit == 0 {
		q.Limit = DefaultTaskPage
	}
	if q.Limit < 1 || q.Limit > MaxTaskPage {
		return nil, "", invalid("limit", "want 1 to %d", MaxTaskPage)
	}
	after, err := decodeTaskCursor(q.After)
	if err != nil {
		return nil, "", err
	}
	f := store.TaskFilter{Status: q.Status, Since: t.f.now().Add(-24 * time.Hour), After: after, Limit: q.Limit}
	if p.Role == auth.Volunteer {
		f.Assignee = p.PersonID
		return t.page(ctx, f)
	}
	h, err := t.f.scopes.Hierarchy(ctx)
	if err != nil {
		return nil, "", err
	}
	var leaves []int64
	root := q.Grid
	if root == 0 {
		root = p.Scope().Root
	}
	if root != 0 {
		if err := t.f.scopes.CheckGrid(ctx, p, "grid", root); err != nil {
			return nil, "", err
		}
		leaves = auth.Scope{Root: root}.GridIDs(h)
	}
	f.Leaves = leaves
	return t.page(ctx, f)
}

func (t *Tasks) page(ctx context.Context, f store.TaskFilter) ([]store.Task, string, error) {
	list, next, err := t.st.Tasks(ctx, f)
	if err != nil || next == nil {
		return list, "", err
	}
	closed := 0
	if next.Closed {
		closed = 1
	}
	raw := fmt.Sprintf("%d.%d.%d.%d", closed, next.Escalation, next.CreatedAt.UnixMicro(), next.ID)
	return list, base64.RawURLEncoding.EncodeToString([]byte(raw)), nil
}

// decodeTaskCursor reads a next cursor of List ("" is the first page).
func decodeTaskCursor(s string) (*store.TaskCursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := invalid("after", "want the next cursor of the page before")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	parts := strings.Split(string(raw), ".")
	if err != nil || len(parts) != 4 {
		return nil, bad
	}
	var n [4]int64
	for i, part := range parts {
		if n[i], err = strconv.ParseInt(part, 10, 64); err != nil {
			return nil, bad
		}
	}
	if n[0] != 0 && n[0] != 1 || n[1] < 0 || n[1] > 2 {
		return nil, bad
	}
	return &store.TaskCursor{Closed: n[0] == 1, Escalation: int(n[1]), CreatedAt: time.UnixMicro(n[2]), ID: n[3]}, nil
}

// Escalate raises every task past its time and publishes the change.
func (t *Tasks) Escalate(ctx context.Context) ([]store.Task, error) {
	up, err := t.st.EscalateTasks(ctx, store.Escalation{Now: t.f.now(), ToCommunity: t.rules.ToCommunity})
	if err != nil {
		return nil, err
	}
	if len(up) > 0 {
		release := t.f.cov.live.Hold()
		t.f.cov.commitChange(store.Change{Events: store.TaskEvents(up)})
		release()
	}
	return up, nil
}

// RunEscalation escalates tasks every interval until ctx ends.
func (t *Tasks) RunEscalation(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			up, err := t.Escalate(ctx)
			if err != nil {
				t.log.Warn("task escalation", "err", err)
				continue
			}
			if len(up) > 0 {
				t.log.Info("tasks escalated", "n", len(up))
			}
		}
	}
}
