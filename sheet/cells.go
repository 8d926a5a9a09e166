package sheet

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gridmap/gridmap/model"
)

// cells reads one data row by canonical column name, recording each problem it finds.
type cells struct {
	n      int
	values []string
	c      *checker
	failed bool
}

// fail records a problem in column col of the row: its code and params, and its English
// sentence.
func (v *cells) fail(col string, code model.RowCode, params map[string]any, format string, args ...any) {
	v.failed = true
	v.c.errs.add(RowError{Row: v.n, Column: v.c.cols[col].header, Code: code, Params: params, Error: fmt.Sprintf(format, args...)})
}

// cut is a cell's value as an error message names it: cut short if long.
func cut(s string) string {
	const limit = 40
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "…"
	}
	return s
}

// value returns the trimmed cell of column col, and false when the column is absent or the
// cell is empty, which is a problem in a required column.
func (v *cells) value(col string) (string, bool) {
	p, ok := v.c.cols[col]
	if !ok {
		return "", false
	}
	var s string
	if p.index < len(v.values) {
		s = strings.TrimSpace(v.values[p.index])
	}
	if s == "" {
		if p.required {
			v.fail(col, model.RowRequired, nil, "empty; required")
		}
		return "", false
	}
	return s, true
}

// text returns the cell of column col, which may be at most limit characters long.
func (v *cells) text(col string, limit int) string {
	s, _ := v.value(col)
	return v.length(col, s, limit)
}

// length returns s, checking that it is at most limit characters long.
func (v *cells) length(col, s string, limit int) string {
	if n := utf8.RuneCountInString(s); n > limit {
		v.fail(col, model.RowTooLong, map[string]any{"n": n, "max": limit}, "too long: %d characters, want at most %d", n, limit)
	}
	return s
}

// household returns the household the row names.
func (v *cells) household() HouseholdRef {
	h := HouseholdRef{Grid: v.text("grid", 100), Building: v.text("building", 100)}
	if s, ok := v.value("unit"); ok {
		h.Unit = v.length("unit", normUnit(s), 20)
	}
	h.Room = v.text("room", 20)
	return h
}

func (v *cells) phone() string {
	s, ok := v.value("phone")
	if ok && !phonePattern.MatchString(s) {
		v.fail("phone", model.RowBadPhone, map[string]any{"value": cut(s)}, "got %s, want a phone number of 5-20 digits, spaces, + or -", quote(s))
	}
	return s
}

// pick returns the value of c that the cell of column col names.
func (v *cells) pick(col string, c choice) string {
	s, ok := v.value(col)
	if !ok {
		return ""
	}
	value, ok := c.parse(s)
	if !ok {
		v.fail(col, model.RowBadChoice, map[string]any{"value": cut(s), "choices": c.words(), "values": c.values()},
			"got %s, %s", quote(s), c.want())
	}
	return value
}

func (v *cells) temperature() *float64 {
	s, ok := v.value("temperature")
	if !ok {
		return nil
	}
	t, ok := parseTemperature(s)
	if !ok {
		v.fail("temperature", model.RowBadTemperature, map[string]any{"value": cut(s)}, "got %s, want degrees Celsius from 30 to 45, such as 36.5", quote(s))
		return nil
	}
	return &t
}

func (v *cells) day() string {
	s, ok := v.value("day")
	if !ok {
		return ""
	}
	d, ok := v.c.dates.parse(s)
	if !ok {
		v.fail("day", model.RowBadDate, map[string]any{"value": cut(s)}, "got %s, want a date from 2000 to 2099 such as 2026-11-28, 2026/11/28 or 2026年11月28日", quote(s))
	}
	return d
}

func (v *cells) days() int {
	s, ok := v.value("visit_every_days")
	if !ok {
		return 0
	}
	n, ok := parseDays(s)
	if !ok {
		v.fail("visit_every_days", model.RowBadDays, map[string]any{"value": cut(s)}, "got %s, want a whole number of days from 1 to 90", quote(s))
	}
	return n
}
