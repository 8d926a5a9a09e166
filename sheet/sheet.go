package sheet

import (
	"fmt"
	"strings"

	"github.com/gridmap/gridmap/model"
)

// Kind is the kind of import, which decides the columns a file must have.
type Kind string

// The kinds of import.
const (
	Screenings Kind = "screenings" // daily screening reports
	Contacts   Kind = "contacts"   // household → party member contact links
	Heads      Kind = "heads"      // building → building head
	Vulnerable Kind = "vulnerable" // the ledger of vulnerable residents
)

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool {
	_, ok := layouts[k]
	return ok
}

// Format is the format of an uploaded file.
type Format string

// The formats Parse reads.
const (
	XLSX Format = "xlsx"
	CSV  Format = "csv"
)

// FormatOf maps a Content-Type (parameters allowed, e.g. "text/csv; charset=utf-8") to a
// Format. The charset parameter is ignored: Parse detects UTF-8 or GB18030 itself.
func FormatOf(contentType string) (Format, bool) {
	mediaType, _, _ := strings.Cut(contentType, ";")
	switch strings.ToLower(strings.TrimSpace(mediaType)) {
	case "text/csv", "application/csv":
		return CSV, true
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return XLSX, true
	}
	return "", false
}

// HouseholdRef names a household the way a grid office does: by compound grid name
// (e.g. 桐柏路61号院), building name (e.g. 3号楼), unit ("1单元" is normalised to "1") and
// room (e.g. "101").
type HouseholdRef struct {
	Grid, Building, Unit, Room string
}

// Screening is one row of a daily screening report.
type Screening struct {
	Row         int // 1-based spreadsheet row (the header is row 1)
	Household   HouseholdRef
	Outcome     string   // normal, not_home, fever, home_quarantine, risk_area_return or refused
	Temperature *float64 // optional, 30-45 °C, rounded to 0.1 as the database stores it
	Day         string   // optional "YYYY-MM-DD"; "" means today (the server decides)
	Note        string   // optional, at most 500 characters
}

// Contact links a household to the party member who is its contact.
type Contact struct {
	Row       int
	Household HouseholdRef
	Name      string // the party member's name
	Phone     string // the party member's phone; name and phone identify them
}

// Head names the head of a building, a person identified by name and phone.
type Head struct {
	Row            int
	Grid, Building string
	Name, Phone    string
}

// Resident is one resident on the ledger of vulnerable residents. (The kind of import is
// Vulnerable; Go does not allow a type of the same name.)
type Resident struct {
	Row            int
	Household      HouseholdRef
	Name, Phone    string // Phone is optional
	Category       string // elderly_alone, disabled, chronic_illness or other
	VisitEveryDays int    // 1-90
}

// File is a parsed import. The slice for Kind holds the rows that passed their checks; the
// others are nil.
type File struct {
	Kind       Kind
	Screenings []Screening
	Contacts   []Contact
	Heads      []Head
	Vulnerable []Resident
	// Headers maps each canonical column name (grid, building, room, name…) to its header
	// as written in the file, for reporting problems found later (in the store) under the
	// file's own headers.
	Headers map[string]string
}

// Len is the number of records in f.
func (f *File) Len() int {
	return len(f.Screenings) + len(f.Contacts) + len(f.Heads) + len(f.Vulnerable)
}

// RowError is one problem in one row. Problems with the header are on row 1, a missing
// column under its canonical English name; too many rows is on row MaxRows+2 with Column "".
// Its Code (model.Row*) says which problem it is, Params the values its sentence names.
type RowError = model.RowError

// Limits.
const (
	// MaxRows is the most data rows a file may have; a non-empty row after them gives a
	// RowError on row MaxRows+2.
	MaxRows = 20000
	// MaxBytes is the largest file Parse reads. The caller enforces it on the request body;
	// Parse refuses bigger input with an error.
	MaxBytes = 10 << 20
	// MaxErrors is the most row errors Parse reports; a file with more is not checked further.
	MaxErrors = 200
)

// Parse reads the first sheet (xlsx) or the CSV, maps the header row to columns, and checks
// every row. It returns every row error it finds (not just the first), at most MaxErrors of
// them; when there is any, the caller stores nothing. Problems with the header are reported
// alone, as the rows cannot be read without it. err is for input Parse cannot read at
// all: an unknown kind or format, too many bytes, a body that is not xlsx (broken zip, old
// .xls) or, for CSV, not UTF-8 or GB18030 text.
func Parse(kind Kind, format Format, data []byte) (*File, []RowError, error) {
	if !kind.Valid() {
		return nil, nil, fmt.Errorf("sheet: unknown kind %q", kind)
	}
	if len(data) > MaxBytes {
		return nil, nil, &LimitError{"file size", MaxBytes, fmt.Sprintf("the file has %d bytes", len(data)), true}
	}
	t := &table{layout: layouts[kind]}
	var err error
	switch format {
	case CSV:
		err = readCSV(data, t)
	case XLSX:
		err = readXLSX(data, t)
	default:
		err = fmt.Errorf("sheet: unknown format %q", format)
	}
	if err != nil {
		return nil, nil, err
	}
	f, errs := check(kind, t)
	return f, errs, nil
}
