package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/model"
)

// household is what a field write needs to know about a household.
type household struct {
	id, building, grid int64
	occupied           bool
}

// lockHousehold locks a household's row for the rest of the transaction,
// so that concurrent writes about the same household see each other's
// effects and their coverage deltas add up.
func lockHousehold(ctx context.Context, tx pgx.Tx, field string, id int64) (household, error) {
	h := household{id: id}
	var status string
	err := tx.QueryRow(ctx, `
		SELECT h.building_id, b.grid_id, h.status FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE h.id = $1 FOR UPDATE OF h`, id).Scan(&h.building, &h.grid, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, fieldErr(model.Invalid, field, "no household has this id")
	}
	h.occupied = status == "occupied"
	return h, err
}

// screenedOn reports whether a household's latest report of day is a
// screening (not an attempt).
func screenedOn(ctx context.Context, tx pgx.Tx, household int64, day string) (bool, error) {
	var outcome string
	err := tx.QueryRow(ctx, `
		SELECT outcome FROM screenings WHERE household_id = $1 AND day = $2
		ORDER BY reported_at DESC, id DESC LIMIT 1`, household, day).Scan(&outcome)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return model.Outcome(outcome).Screened(), err
}

// ScreeningInput is one daily screening report.
type ScreeningInput struct {
	HouseholdID int64
	Day         string // YYYY-MM-DD, the area's local day
	Outcome     string
	Temperature *float64
	Note        string
}

// Screening is a stored report.
type Screening struct {
	ID          int64     `json:"id"`
	HouseholdID int64     `json:"household_id"`
	BuildingID  int64     `json:"building_id"`
	Grid        int64     `json:"grid"`
	Day         string    `json:"day"`
	Outcome     string    `json:"outcome"`
	Temperature *float64  `json:"temperature"`
	Screened    bool      `json:"screened"`
	ReportedAt  time.Time `json:"reported_at"`
	AlertID     int64     `json:"alert_id,omitempty"` // the fever alert it raised
}

// ReportScreening stores a screening report. A report for today changes
// the household's screened state (its latest report counts), and a fever
// raises a fever alert.
func (s *Store) ReportScreening(ctx context.Context, a Actor, clientID, today string, in ScreeningInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "screening", Created, func(tx pgx.Tx) (any, Change, error) {
		return reportScreening(ctx, tx, a, today, in)
	})
}

// reportScreening is ReportScreening in the transaction tx (a task closed
// with a screening runs it too).
func reportScreening(ctx context.Context, tx pgx.Tx, a Actor, today string, in ScreeningInput) (Screening, Change, error) {
	h, err := lockHousehold(ctx, tx, "household_id", in.HouseholdID)
	if err != nil {
		return Screening{}, Change{}, err
	}
	before, err := screenedOn(ctx, tx, h.id, today)
	if err != nil {
		return Screening{}, Change{}, err
	}
	out := Screening{HouseholdID: h.id, BuildingID: h.building, Grid: h.grid, Day: in.Day, Outcome: in.Outcome,
		Temperature: in.Temperature, Screened: model.Outcome(in.Outcome).Screened()}
	if err := tx.QueryRow(ctx, `
		INSERT INTO screenings (household_id, day, outcome, temperature, note, reported_by)
		VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6) RETURNING id, reported_at`,
		h.id, in.Day, in.Outcome, in.Temperature, in.Note, nilIfZero(a.AccountID)).Scan(&out.ID, &out.ReportedAt); err != nil {
		return Screening{}, Change{}, err
	}
	ch := Change{Grid: h.grid}
	if in.Day == today && h.occupied {
		after, err := screenedOn(ctx, tx, h.id, today)
		if err != nil {
			return Screening{}, Change{}, err
		}
		ch.Delta.ScreenedToday = b2i(after) - b2i(before)
		if after {
			evs, err := closeTasksOf(ctx, tx, a, `gap = 'unscreened' AND household_id = $1`, h.id,
				map[string]any{"kind": "screening", "id": out.ID, "outcome": out.Outcome, "closed_by": "gap"})
			if err != nil {
				return Screening{}, Change{}, err
			}
			ch.Events = append(ch.Events, evs...)
		}
	}
	ch.Events = append(ch.Events, event("screening", h.grid, map[string]any{
		"kind": "screening", "household_id": h.id, "building_id": h.building, "day": in.Day,
		"outcome": in.Outcome, "screened": out.Screened}))
	if model.Outcome(in.Outcome) == model.OutcomeFever {
		note := "screening"
		if in.Temperature != nil {
			note = "screening, temperature recorded"
		}
		alert, err := insertAlert(ctx, tx, model.AlertFever, h.grid, h.id, 0, 0, note)
		if err != nil {
			return Screening{}, Change{}, err
		}
		out.AlertID = alert.ID
		ch.Delta.FeverAlerts++
		ch.Events = append(ch.Events, alertEvent(alert))
	}
	return out, ch, nil
}

// Alert is a fever or door-seal alert.
type Alert struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	Grid         int64      `json:"grid"`
	HouseholdID  *int64     `json:"household_id"`
	CheckpointID *int64     `json:"checkpoint_id"`
	QuarantineID *int64     `json:"quarantine_id"`
	Note         *string    `json:"note"`
	At           time.Time  `json:"at"`
	ResolvedAt   *time.Time `json:"resolved_at"`
	Resolution   *string    `json:"resolution"`
}

const alertColumns = `id, kind, grid_id, household_id, checkpoint_id, quarantine_id, note, at, resolved_at, resolution`

func scanAlert(row pgx.Row) (Alert, error) {
	var al Alert
	err := row.Scan(&al.ID, &al.Kind, &al.Grid, &al.HouseholdID, &al.CheckpointID, &al.QuarantineID, &al.Note, &al.At, &al.ResolvedAt, &al.Resolution)
	return al, err
}

func insertAlert(ctx context.Context, tx pgx.Tx, kind string, grid, household, checkpoint, quarantine int64, note string) (Alert, error) {
	return scanAlert(tx.QueryRow(ctx, `
		INSERT INTO alerts (kind, grid_id, household_id, checkpoint_id, quarantine_id, note)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, '')) RETURNING `+alertColumns,
		kind, grid, nilIfZero(household), nilIfZero(checkpoint), nilIfZero(quarantine), note))
}

func alertEvent(al Alert) LiveEvent {
	return event("alerts", al.Grid, map[string]any{"kind": al.Kind, "id": al.ID, "open": al.ResolvedAt == nil,
		"household_id": al.HouseholdID, "checkpoint_id": al.CheckpointID, "note": al.Note})
}

// AlertGrid returns the grid an alert is routed to.
func (s *Store) AlertGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "alert", id, `SELECT grid_id FROM alerts WHERE id = $1`)
}

// ResolveAlert closes an open alert.
func (s *Store) ResolveAlert(ctx context.Context, a Actor, clientID string, id int64, resolution string) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "resolve alert", Changed, func(tx pgx.Tx) (any, Change, error) {
		return resolveAlert(ctx, tx, a, id, resolution)
	})
}

// resolveAlert is ResolveAlert in the transaction tx.
func resolveAlert(ctx context.Context, tx pgx.Tx, a Actor, id int64, resolution string) (Alert, Change, error) {
	al, err := scanAlert(tx.QueryRow(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return al, Change{}, ErrNotFound
	}
	if err != nil {
		return al, Change{}, err
	}
	if al.ResolvedAt != nil {
		return al, Change{Grid: al.Grid}, nil // resolved already (by someone else): nothing changes
	}
	al, err = scanAlert(tx.QueryRow(ctx, `
		UPDATE alerts SET resolved_at = now(), resolution = NULLIF($2, '') WHERE id = $1 RETURNING `+alertColumns, id, resolution))
	if err != nil {
		return al, Change{}, err
	}
	if err := audit(ctx, tx, a, "resolve alert", "alert", id, nil, al); err != nil {
		return al, Change{}, err
	}
	ch := Change{Grid: al.Grid, Events: []LiveEvent{alertEvent(al)}}
	evs, err := closeTasksOf(ctx, tx, a, `alert_id = $1`, al.ID, map[string]any{"kind": "result", "text": resolution, "closed_by": "gap"})
	if err != nil {
		return al, Change{}, err
	}
	ch.Events = append(ch.Events, evs...)
	if al.Kind == "fever" {
		ch.Delta.FeverAlerts = -1
	}
	return al, ch, nil
}

// QuarantineInput is a home quarantine being recorded.
type QuarantineInput struct {
	HouseholdID  int64
	Starts, Ends string // YYYY-MM-DD
	Reason       string
	SealID       string // "" for none
}

// Quarantine is a home quarantine.
type Quarantine struct {
	ID          int64      `json:"id"`
	HouseholdID int64      `json:"household_id"`
	BuildingID  int64      `json:"building_id"`
	Grid        int64      `json:"grid"`
	Starts      string     `json:"starts"`
	Ends        string     `json:"ends"`
	Reason      string     `json:"reason"`
	SealID      *string    `json:"seal_id"`
	EndedAt     *time.Time `json:"ended_at"`
}

const quarantineColumns = `q.id, q.household_id, b.id, b.grid_id, q.starts::text, q.ends::text, q.reason, q.seal_id, q.ended_at`

func scanQuarantine(row pgx.Row) (Quarantine, error) {
	var q Quarantine
	err := row.Scan(&q.ID, &q.HouseholdID, &q.BuildingID, &q.Grid, &q.Starts, &q.Ends, &q.Reason, &q.SealID, &q.EndedAt)
	return q, err
}

// quarantinedOn reports whether a household has a quarantine active on day.
func quarantinedOn(ctx context.Context, tx pgx.Tx, household int64, day string) (bool, error) {
	var active bool
	err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM quarantines WHERE household_id = $1 AND ended_at IS NULL AND starts <= $2::date AND ends >= $2::date)`,
		household, day).Scan(&active)
	return active, err
}

// StartQuarantine records a home quarantine.
func (s *Store) StartQuarantine(ctx context.Context, a Actor, clientID, today string, in QuarantineInput) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "quarantine", Created, func(tx pgx.Tx) (any, Change, error) {
		h, err := lockHousehold(ctx, tx, "household_id", in.HouseholdID)
		if err != nil {
			return nil, Change{}, err
		}
		before, err := quarantinedOn(ctx, tx, h.id, today)
		if err != nil {
			return nil, Change{}, err
		}
		var id int64
		err = tx.QueryRow(ctx, `
			INSERT INTO quarantines (household_id, starts, ends, reason, seal_id)
			VALUES ($1, $2, $3, $4, NULLIF($5, '')) RETURNING id`, h.id, in.Starts, in.Ends, in.Reason, in.SealID).Scan(&id)
		if isUnique(err, "quarantines_seal") {
			return nil, Change{}, fieldErr(model.Conflict, "seal_id", "this seal is on another open quarantine")
		}
		if err != nil {
			return nil, Change{}, err
		}
		return s.quarantineChange(ctx, tx, a, "start quarantine", id, h, before, today)
	})
}

// quarantineChange reads a quarantine back after a change, audits it and
// works out the household's change in the quarantined count.
func (s *Store) quarantineChange(ctx context.Context, tx pgx.Tx, a Actor, action string, id int64, h household, before bool, today string) (any, Change, error) {
	q, err := scanQuarantine(tx.QueryRow(ctx, `
		SELECT `+quarantineColumns+` FROM quarantines q JOIN households h ON h.id = q.household_id
		JOIN buildings b ON b.id = h.building_id WHERE q.id = $1`, id))
	if err != nil {
		return nil, Change{}, err
	}
	after, err := quarantinedOn(ctx, tx, h.id, today)
	if err != nil {
		return nil, Change{}, err
	}
	if err := audit(ctx, tx, a, action, "quarantine", id, nil, q); err != nil {
		return nil, Change{}, err
	}
	ch := Change{Grid: h.grid, Delta: coverage.Tally{Quarantined: b2i(after) - b2i(before)},
		Events: []LiveEvent{event("screening", h.grid, map[string]any{"kind": "quarantine", "id": q.ID,
			"household_id": h.id, "building_id": h.building, "active": after})}}
	return q, ch, nil
}

// QuarantineGrid returns the grid of a quarantine's household.
func (s *Store) QuarantineGrid(ctx context.Context, id int64) (int64, error) {
	return s.gridOf(ctx, "quarantine", id, `
		SELECT b.grid_id FROM quarantines q JOIN households h ON h.id = q.household_id
		JOIN buildings b ON b.id = h.building_id WHERE q.id = $1`)
}

// EndQuarantine releases a household from quarantine early (or records
// that it ended).
func (s *Store) EndQuarantine(ctx context.Context, a Actor, clientID, today string, id int64) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "end quarantine", Changed, func(tx pgx.Tx) (any, Change, error) {
		var household int64
		var ended *time.Time
		err := tx.QueryRow(ctx, `SELECT household_id, ended_at FROM quarantines WHERE id = $1`, id).Scan(&household, &ended)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, ErrNotFound
		}
		if err != nil {
			return nil, Change{}, err
		}
		h, err := lockHousehold(ctx, tx, "id", household)
		if err != nil {
			return nil, Change{}, err
		}
		if err := tx.QueryRow(ctx, `SELECT ended_at FROM quarantines WHERE id = $1`, id).Scan(&ended); err != nil {
			return nil, Change{}, err
		}
		if ended != nil {
			q, err := scanQuarantine(tx.QueryRow(ctx, `
				SELECT `+quarantineColumns+` FROM quarantines q JOIN households h ON h.id = q.household_id
				JOIN buildings b ON b.id = h.building_id WHERE q.id = $1`, id))
			return q, Change{Grid: h.grid}, err // ended already: nothing changes
		}
		before, err := quarantinedOn(ctx, tx, h.id, today)
		if err != nil {
			return nil, Change{}, err
		}
		if _, err := tx.Exec(ctx, `UPDATE quarantines SET ended_at = now() WHERE id = $1`, id); err != nil {
			return nil, Change{}, err
		}
		return s.quarantineChange(ctx, tx, a, "end quarantine", id, h, before, today)
	})
}

// SealAlert raises an alert from a door seal: opened, tampered with or
// offline. The seal identifies the open quarantine it is fitted for.
func (s *Store) SealAlert(ctx context.Context, a Actor, clientID, sealID, kind, note string) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "seal alert", Created, func(tx pgx.Tx) (any, Change, error) {
		var q, household, grid int64
		err := tx.QueryRow(ctx, `
			SELECT q.id, q.household_id, b.grid_id FROM quarantines q JOIN households h ON h.id = q.household_id
			JOIN buildings b ON b.id = h.building_id WHERE q.seal_id = $1 AND q.ended_at IS NULL`, sealID).Scan(&q, &household, &grid)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, Change{}, fieldErr(model.Invalid, "seal_id", "no open quarantine has this seal")
		}
		if err != nil {
			return nil, Change{}, err
		}
		al, err := insertAlert(ctx, tx, kind, grid, household, 0, q, note)
		if err != nil {
			return nil, Change{}, err
		}
		return al, Change{Grid: grid, Events: []LiveEvent{alertEvent(al)}}, nil
	})
}

// SealGrid returns the grid of the open quarantine wearing a seal.
func (s *Store) SealGrid(ctx context.Context, sealID string) (int64, error) {
	var grid int64
	err := s.pool.QueryRow(ctx, `
		SELECT b.grid_id FROM quarantines q JOIN households h ON h.id = q.household_id
		JOIN buildings b ON b.id = h.building_id WHERE q.seal_id = $1 AND q.ended_at IS NULL`, sealID).Scan(&grid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	}
	return grid, err
}
