package sheet

import "github.com/gridmap/gridmap/model"

// errorList collects row errors up to a limit.
type errorList struct {
	errs  []RowError
	limit int
}

func (l *errorList) add(e RowError) {
	if len(l.errs) < l.limit {
		l.errs = append(l.errs, e)
	}
}

func (l *errorList) full() bool { return len(l.errs) >= l.limit }

// check checks every data row of t, a file of kind. A header with problems leaves the rows
// unchecked: they cannot be read right.
func check(kind Kind, t *table) (*File, []RowError) {
	if t.cols == nil {
		t.add(1, nil) // a file without rows has an empty header
	}
	f := &File{Kind: kind, Headers: make(map[string]string, len(t.cols))}
	for name, p := range t.cols {
		f.Headers[name] = p.header
	}
	list := &errorList{limit: MaxErrors}
	if t.stop != nil {
		list.limit-- // keep room for the error that says why reading stopped
	}
	for _, e := range t.headerErrs {
		list.add(e)
	}
	if len(t.headerErrs) == 0 {
		c := checker{file: f, cols: t.cols, dates: t.dates, errs: list, seen: make(map[HouseholdRef]first)}
		for _, r := range t.rows {
			if list.full() {
				break
			}
			c.row(r)
		}
	}
	if t.stop != nil {
		list.errs = append(list.errs, *t.stop)
	}
	return f, list.errs
}

// checker checks the data rows of one file and collects its records.
type checker struct {
	file  *File
	cols  map[string]position
	dates dates
	errs  *errorList
	// seen holds, for contacts, each household's first row and, for heads, each building's
	// (Unit and Room empty): a household has one contact and a building one head.
	seen map[HouseholdRef]first
}

// first is the first row naming a household or building, and the person it names.
type first struct {
	n           int
	name, phone string
}

// row checks one data row and, if it passes, adds its record.
func (c *checker) row(r row) {
	v := &cells{n: r.n, values: r.cells, c: c}
	f := c.file
	switch f.Kind {
	case Screenings:
		s := Screening{Row: v.n, Household: v.household(), Outcome: v.pick("outcome", outcomes),
			Temperature: v.temperature(), Day: v.day(), Note: v.text("note", 500)}
		if !v.failed {
			f.Screenings = append(f.Screenings, s)
		}
	case Contacts:
		k := Contact{Row: v.n, Household: v.household(), Name: v.text("name", 100), Phone: v.phone()}
		if !v.failed && c.once(v, k.Household, k.Name, k.Phone, "household", "party member") {
			f.Contacts = append(f.Contacts, k)
		}
	case Heads:
		h := Head{Row: v.n, Grid: v.text("grid", 100), Building: v.text("building", 100),
			Name: v.text("name", 100), Phone: v.phone()}
		building := HouseholdRef{Grid: h.Grid, Building: h.Building}
		if !v.failed && c.once(v, building, h.Name, h.Phone, "building", "head") {
			f.Heads = append(f.Heads, h)
		}
	case Vulnerable:
		p := Resident{Row: v.n, Household: v.household(), Name: v.text("name", 100), Phone: v.phone(),
			Category: v.pick("category", categories), VisitEveryDays: v.days()}
		if !v.failed {
			f.Vulnerable = append(f.Vulnerable, p)
		}
	}
}

// once reports whether key is new or named again with the same person. Another person is a
// conflict, reported on the name column: the store would keep only the last.
func (c *checker) once(v *cells, key HouseholdRef, name, phone, what, person string) bool {
	prev, ok := c.seen[key]
	if !ok {
		c.seen[key] = first{n: v.n, name: name, phone: phone}
		return true
	}
	if prev.name == name && prev.phone == phone {
		return true
	}
	code := model.RowDuplicateHousehold
	if what == "building" {
		code = model.RowDuplicateBuilding
	}
	v.fail("name", code, map[string]any{"row": prev.n}, "%s already in row %d with another %s", what, prev.n, person)
	return false
}
