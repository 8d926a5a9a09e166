package store

import (
	"context"
	"fmt"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/jackc/pgx/v5"
)

// Spreadsheet imports. Every row is resolved and checked inside one
// transaction; if any row fails, the transaction rolls back with a report
// of every failing row, so a file is imported whole or not at all.

// HouseholdRef names a household as a grid office does: compound grid,
// building, unit and room.
type HouseholdRef struct {
	Grid, Building, Unit, Room string
}

// RowError is one problem with one row of an imported file; Column is
// the canonical column name (grid, building, room, name), which the
// caller may map to the file's header.
type RowError = model.RowError

// rowError is the problem code in column col of row, with its English
// sentence.
func rowError(row int, col string, code model.RowCode, msg string) RowError {
	return RowError{Row: row, Column: col, Code: code, Error: msg}
}

// ImportError is an import refused for the rows it lists.
type ImportError struct {
	Rows []RowError
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("%d rows of the file are wrong", len(e.Rows))
}

// ImportScreening is one screening row.
type ImportScreening struct {
	Row         int
	Household   HouseholdRef
	Day         string // "" for today
	Outcome     string
	Temperature *float64
	Note        string
}

// ImportContact links a household to a party member named by name and
// phone.
type ImportContact struct {
	Row         int
	Household   HouseholdRef
	Name, Phone string
}

// ImportHead makes a person, named by name and phone, a building's head.
type ImportHead struct {
	Row            int
	Grid, Building string
	Name, Phone    string
}

// ImportResident puts a resident on the ledger.
type ImportResident struct {
	Row            int
	Household      HouseholdRef
	Name, Phone    string
	Category       string
	VisitEveryDays int
}

// Import is a parsed file of one kind.
type Import struct {
	Kind       string // screenings, contacts, heads or vulnerable
	Screenings []ImportScreening
	Contacts   []ImportContact
	Heads      []ImportHead
	Residents  []ImportResident
}

// resolved is a household found for a row.
type resolved struct {
	household, building, grid int64
}

// resolveHouseholds finds the household of each row among the compound
// grids in scope (nil: all), and reports rows it cannot find. Units match
// with or without 单元 ("1" is "1单元"), rooms with or without 室.
func resolveHouseholds(ctx context.Context, tx pgx.Tx, rows []int, refs []HouseholdRef, scope []int64) (map[int]resolved, []RowError, error) {
	grids, buildings, units, rooms := make([]string, len(refs)), make([]string, len(refs)), make([]string, len(refs)), make([]string, len(refs))
	for i, r := range refs {
		grids[i], buildings[i], units[i], rooms[i] = r.Grid, r.Building, r.Unit, r.Room
	}
	q, err := tx.Query(ctx, `
		WITH ref AS (
			SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[]) AS r(row, grid, building, unit, room)
		), g AS (
			SELECT ref.row, count(c.id) AS n, min(c.id) AS id FROM ref
			LEFT JOIN current_grids c ON c.name = ref.grid AND c.level = 3 AND ($6::bigint[] IS NULL OR c.id = ANY($6))
			GROUP BY ref.row
		), b AS (
			SELECT ref.row, count(bu.id) AS n, min(bu.id) AS id FROM ref JOIN g ON g.row = ref.row AND g.n = 1
			LEFT JOIN buildings bu ON bu.grid_id = g.id AND bu.name = ref.building
			GROUP BY ref.row
		)
		SELECT ref.row, g.n, COALESCE(g.id, 0), COALESCE(b.n, 0), COALESCE(b.id, 0), COALESCE(h.id, 0)
		FROM ref JOIN g ON g.row = ref.row LEFT JOIN b ON b.row = ref.row
		LEFT JOIN households h ON h.building_id = b.id AND b.n = 1
			AND regexp_replace(h.unit, '\s*单元$', '') = regexp_replace(ref.unit, '\s*单元$', '')
			AND regexp_replace(h.room, '\s*室$', '') = regexp_replace(ref.room, '\s*室$', '')
		ORDER BY ref.row`, rows, grids, buildings, units, rooms, scope)
	if err != nil {
		return nil, nil, err
	}
	out := map[int]resolved{}
	var errs []RowError
	var row int
	var gn, bn, grid, building, household int64
	_, err = pgx.ForEachRow(q, []any{&row, &gn, &grid, &bn, &building, &household}, func() error {
		switch e := placeError(row, gn, bn); {
		case e != nil:
			errs = append(errs, *e)
		case household == 0:
			errs = append(errs, rowError(row, "room", model.RowUnknownHousehold, "no household with this unit and room in the building"))
		default:
			out[row] = resolved{household, building, grid}
		}
		return nil
	})
	return out, errs, err
}

// placeError is the error of a row whose grid name matched gn compound
// grids and whose building name bn buildings in it; nil when both are one.
func placeError(row int, gn, bn int64) *RowError {
	var e RowError
	switch {
	case gn == 0:
		e = rowError(row, "grid", model.RowUnknownGrid, "no compound grid of yours has this name")
	case gn > 1:
		e = rowError(row, "grid", model.RowAmbiguousGrid, "several compound grids have this name; import from a community's account")
	case bn == 0:
		e = rowError(row, "building", model.RowUnknownBuilding, "no building of this name in the grid")
	case bn > 1:
		e = rowError(row, "building", model.RowAmbiguousBuilding, "several buildings of this name in the grid")
	default:
		return nil
	}
	return &e
}

// resolvePeople finds each (name, phone) among people, party members only
// when members is set.
func resolvePeople(ctx context.Context, tx pgx.Tx, rows []int, names, phones []string, members bool) (map[int]int64, []RowError, error) {
	// A table in parentheses is a syntax error: only a join may be.
	people := `people p`
	if members {
		people = `(people p JOIN party_members m ON m.person_id = p.id)`
	}
	q, err := tx.Query(ctx, `
		SELECT ref.row, count(p.id), COALESCE(min(p.id), 0)
		FROM unnest($1::int[], $2::text[], $3::text[]) AS ref(row, name, phone)
		LEFT JOIN `+people+` ON p.name = ref.name AND regexp_replace(p.phone, '[^0-9]', '', 'g') = regexp_replace(ref.phone, '[^0-9]', '', 'g')
		GROUP BY ref.row ORDER BY ref.row`, rows, names, phones)
	if err != nil {
		return nil, nil, err
	}
	what, code := "person", model.RowUnknownPerson
	if members {
		what, code = "party member", model.RowUnknownPartyMember
	}
	out := map[int]int64{}
	var errs []RowError
	var row int
	var n, id int64
	_, err = pgx.ForEachRow(q, []any{&row, &n, &id}, func() error {
		switch {
		case n == 0:
			errs = append(errs, rowError(row, "name", code, "no "+what+" with this name and phone"))
		case n > 1:
			errs = append(errs, rowError(row, "name", model.RowAmbiguousPerson, "several people with this name and phone"))
		default:
			out[row] = id
		}
		return nil
	})
	return out, errs, err
}

// ImportFile stores a whole file's rows in one transaction, or none of
// them: a row that cannot be resolved (an unknown grid, building, room or
// person, a grid outside scope) refuses the file with an *ImportError
// listing every such row. scope limits the compound grids rows may name
// (nil: all). The change carries one screening event (kind "import") per
// compound grid touched; coverage is recounted by the caller.
func (s *Store) ImportFile(ctx context.Context, a Actor, clientID, today string, now time.Time, in Import, scope []int64) (WriteResult, error) {
	return s.fieldWrite(ctx, a, clientID, "import "+in.Kind, Changed, func(tx pgx.Tx) (any, Change, error) {
		var n int
		var err error
		touched := map[int64]bool{}
		switch in.Kind {
		case "screenings":
			n, err = importScreenings(ctx, tx, a, today, in.Screenings, scope, touched)
		case "contacts":
			n, err = importContacts(ctx, tx, in.Contacts, scope, touched)
		case "heads":
			n, err = importHeads(ctx, tx, in.Heads, scope, touched)
		case "vulnerable":
			n, err = importResidents(ctx, tx, now, in.Residents, scope, touched)
		default:
			return nil, Change{}, fmt.Errorf("store: import of %q", in.Kind)
		}
		if err != nil {
			return nil, Change{}, err
		}
		answer := map[string]any{"kind": in.Kind, "imported": n}
		if err := audit(ctx, tx, a, "import "+in.Kind, "import", clientID, nil, answer); err != nil {
			return nil, Change{}, err
		}
		// One event per compound grid the file touched, so open pages
		// refetch what changed; the figures come from the recount.
		var ch Change
		for grid := range touched {
			ch.Events = append(ch.Events, event("screening", grid, map[string]any{"kind": "import", "import": in.Kind}))
		}
		return answer, ch, nil
	})
}

func refusal(errs []RowError) error {
	if len(errs) > 0 {
		return &ImportError{Rows: errs}
	}
	return nil
}

// households resolves the household of every row of in (ref gives a row's
// number and household), refusing the file when any row has none.
func households[T any](ctx context.Context, tx pgx.Tx, in []T, ref func(T) (int, HouseholdRef), scope []int64) (map[int]resolved, error) {
	rows, refs := make([]int, len(in)), make([]HouseholdRef, len(in))
	for i, r := range in {
		rows[i], refs[i] = ref(r)
	}
	found, errs, err := resolveHouseholds(ctx, tx, rows, refs, scope)
	if err != nil {
		return nil, err
	}
	return found, refusal(errs)
}

func importScreenings(ctx context.Context, tx pgx.Tx, a Actor, today string, in []ImportScreening, scope []int64, touched map[int64]bool) (int, error) {
	found, err := households(ctx, tx, in, func(r ImportScreening) (int, HouseholdRef) { return r.Row, r.Household }, scope)
	if err != nil {
		return 0, err
	}
	for _, r := range in {
		h := found[r.Row]
		touched[h.grid] = true
		day := r.Day
		if day == "" {
			day = today
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO screenings (household_id, day, outcome, temperature, note, reported_by)
			VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6)`, h.household, day, r.Outcome, r.Temperature, r.Note, nilIfZero(a.AccountID)); err != nil {
			return 0, err
		}
		if model.Outcome(r.Outcome) == model.OutcomeFever {
			if _, err := insertAlert(ctx, tx, model.AlertFever, h.grid, h.household, 0, 0, "screening (import)"); err != nil {
				return 0, err
			}
		}
	}
	return len(in), nil
}

func importContacts(ctx context.Context, tx pgx.Tx, in []ImportContact, scope []int64, touched map[int64]bool) (int, error) {
	rows, refs := make([]int, len(in)), make([]HouseholdRef, len(in))
	names, phones := make([]string, len(in)), make([]string, len(in))
	for i, r := range in {
		rows[i], refs[i], names[i], phones[i] = r.Row, r.Household, r.Name, r.Phone
	}
	found, errs, err := resolveHouseholds(ctx, tx, rows, refs, scope)
	if err != nil {
		return 0, err
	}
	members, perrs, err := resolvePeople(ctx, tx, rows, names, phones, true)
	if err != nil {
		return 0, err
	}
	if err := refusal(append(errs, perrs...)); err != nil {
		return 0, err
	}
	for _, r := range in {
		touched[found[r.Row].grid] = true
		if _, err := tx.Exec(ctx, `UPDATE households SET contact_id = $2 WHERE id = $1`, found[r.Row].household, members[r.Row]); err != nil {
			return 0, err
		}
	}
	return len(in), nil
}

func importHeads(ctx context.Context, tx pgx.Tx, in []ImportHead, scope []int64, touched map[int64]bool) (int, error) {
	rows := make([]int, len(in))
	refs := make([]HouseholdRef, len(in))
	names, phones := make([]string, len(in)), make([]string, len(in))
	for i, r := range in {
		rows[i], names[i], phones[i] = r.Row, r.Name, r.Phone
		refs[i] = HouseholdRef{Grid: r.Grid, Building: r.Building}
	}
	// Buildings are resolved like households, without unit and room.
	q, err := tx.Query(ctx, `
		SELECT ref.row, count(DISTINCT c.id), count(b.id), COALESCE(min(b.id), 0)
		FROM unnest($1::int[], $2::text[], $3::text[]) AS ref(row, grid, building)
		LEFT JOIN current_grids c ON c.name = ref.grid AND c.level = 3 AND ($4::bigint[] IS NULL OR c.id = ANY($4))
		LEFT JOIN buildings b ON b.grid_id = c.id AND b.name = ref.building
		GROUP BY ref.row ORDER BY ref.row`, rows, gridNames(refs), buildingNames(refs), scope)
	if err != nil {
		return 0, err
	}
	building := map[int]int64{}
	var errs []RowError
	var row int
	var gn, bn, id int64
	if _, err := pgx.ForEachRow(q, []any{&row, &gn, &bn, &id}, func() error {
		if e := placeError(row, gn, bn); e != nil {
			errs = append(errs, *e)
		} else {
			building[row] = id
		}
		return nil
	}); err != nil {
		return 0, err
	}
	people, perrs, err := resolvePeople(ctx, tx, rows, names, phones, false)
	if err != nil {
		return 0, err
	}
	if err := refusal(append(errs, perrs...)); err != nil {
		return 0, err
	}
	for _, r := range in {
		var grid int64
		if err := tx.QueryRow(ctx, `UPDATE buildings SET head_id = $2 WHERE id = $1 RETURNING grid_id`, building[r.Row], people[r.Row]).Scan(&grid); err != nil {
			return 0, err
		}
		touched[grid] = true
	}
	return len(in), nil
}

func gridNames(refs []HouseholdRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Grid
	}
	return out
}

func buildingNames(refs []HouseholdRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Building
	}
	return out
}

func importResidents(ctx context.Context, tx pgx.Tx, now time.Time, in []ImportResident, scope []int64, touched map[int64]bool) (int, error) {
	found, err := households(ctx, tx, in, func(r ImportResident) (int, HouseholdRef) { return r.Row, r.Household }, scope)
	if err != nil {
		return 0, err
	}
	for _, r := range in {
		h := found[r.Row]
		touched[h.grid] = true
		if _, err := tx.Exec(ctx, `
			WITH p AS (INSERT INTO people (name, phone, home_grid_id) VALUES ($1, NULLIF($2, ''), $3) RETURNING id)
			INSERT INTO vulnerable_residents (person_id, household_id, category, visit_every_days, since)
			SELECT p.id, $4, $5, $6, $7 FROM p`, r.Name, r.Phone, h.grid, h.household, r.Category, r.VisitEveryDays, now); err != nil {
			return 0, err
		}
	}
	return len(in), nil
}
