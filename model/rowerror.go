package model

// RowError is one problem in one row of an imported spreadsheet: the
// sheet's checks (package sheet) and the store's lookups (store.ImportFile)
// both report them, and a refused import lists them in its details
// ("rows"). Code says which problem it is and Params its values, so the
// server can say it in the caller's language (server/rowmessages.go);
// Error is the English sentence, which the server replaces with the
// caller's language, keeping the English in Detail.
type RowError struct {
	Row    int            `json:"row"`
	Column string         `json:"column"` // the column's header as written in the file, or its canonical English name when the column is missing
	Code   RowCode        `json:"code"`
	Params map[string]any `json:"params,omitempty"`
	Error  string         `json:"error"`
	Detail string         `json:"detail,omitempty"` // the English Error when Error is in another language
}

// RowCode is the stable name of a kind of row problem. A code never
// changes meaning once published.
type RowCode string

// The problems the sheet's checks find (package sheet). Params name the
// values the sentence of each code puts in.
const (
	RowRequired           RowCode = "required"            // an empty cell in a required column
	RowTooLong            RowCode = "too_long"            // {n} characters, {max} allowed
	RowBadPhone           RowCode = "bad_phone"           // {value}
	RowBadTemperature     RowCode = "bad_temperature"     // {value}
	RowBadDate            RowCode = "bad_date"            // {value}
	RowBadDays            RowCode = "bad_days"            // {value}
	RowBadChoice          RowCode = "bad_choice"          // {value}; {choices}: the Chinese words, {values}: the English values
	RowDuplicateHousehold RowCode = "duplicate_household" // {row}: the household's first row, with another party member
	RowDuplicateBuilding  RowCode = "duplicate_building"  // {row}: the building's first row, with another head
	RowDuplicateColumn    RowCode = "duplicate_column"    // {a} and {b}: two headers naming one column
	RowMissingColumn      RowCode = "missing_column"      // {headers}: the headers accepted for it
	RowTooManyRows        RowCode = "too_many_rows"       // {max} data rows allowed
	RowMalformedCSV       RowCode = "malformed_csv"       // {line}: the line of the file where the bad row starts
)

// The problems the store's lookups find (store.ImportFile). A compound
// grid outside the importer's scope is not one of theirs: unknown_grid.
const (
	RowUnknownGrid        RowCode = "unknown_grid"
	RowAmbiguousGrid      RowCode = "ambiguous_grid"
	RowUnknownBuilding    RowCode = "unknown_building"
	RowAmbiguousBuilding  RowCode = "ambiguous_building"
	RowUnknownHousehold   RowCode = "unknown_household"
	RowUnknownPartyMember RowCode = "unknown_party_member"
	RowUnknownPerson      RowCode = "unknown_person"
	RowAmbiguousPerson    RowCode = "ambiguous_person"
)

// AllRowCodes lists every RowCode, for the catalogue's completeness test.
func AllRowCodes() []RowCode {
	return []RowCode{
		RowRequired, RowTooLong, RowBadPhone, RowBadTemperature, RowBadDate, RowBadDays, RowBadChoice,
		RowDuplicateHousehold, RowDuplicateBuilding, RowDuplicateColumn, RowMissingColumn, RowTooManyRows, RowMalformedCSV,
		RowUnknownGrid, RowAmbiguousGrid, RowUnknownBuilding, RowAmbiguousBuilding, RowUnknownHousehold,
		RowUnknownPartyMember, RowUnknownPerson, RowAmbiguousPerson,
	}
}
