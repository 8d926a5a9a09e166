package field

import (
	"context"
	"errors"
	"io"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/sheet"
	"github.com/gridmap/gridmap/store"
)

// ImportInput is a grid office's spreadsheet (.xlsx or .csv) of one kind.
type ImportInput struct {
	ClientID  string    // makes a retried upload count once
	Kind      string    // screenings, contacts, heads or vulnerable
	MediaType string    // text/csv or the .xlsx type
	File      io.Reader // read up to sheet.MaxBytes
}

func (in ImportInput) format() (sheet.Format, error) {
	if !sheet.Kind(in.Kind).Valid() {
		return "", &model.Error{Kind: model.NotFound, Field: "kind", Msg: "kind: want screenings, contacts, heads or vulnerable"}
	}
	if err := CheckClientID(in.ClientID); err != nil {
		return "", err
	}
	format, ok := sheet.FormatOf(in.MediaType)
	if !ok {
		return "", &model.Error{Kind: model.UnsupportedMedia, Field: "Content-Type",
			Msg: "Content-Type: want text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	}
	return format, nil
}

// parse reads and parses the file: every row is checked for its format
// here (references are checked in the store), and one bad row refuses the
// whole file with a report naming every bad row and column.
func (in ImportInput) parse(format sheet.Format) (*sheet.File, error) {
	data, err := io.ReadAll(io.LimitReader(in.File, sheet.MaxBytes+1))
	switch {
	case err != nil:
		return nil, invalid("body", "could not be read")
	case len(data) > sheet.MaxBytes:
		return nil, &model.Error{Kind: model.TooLarge, Field: "body", Code: model.CodeBodyTooLarge, Params: map[string]any{"limit": 10}, Msg: "body: a file of at most 10 MiB; split it"}
	}
	f, rowErrs, err := sheet.Parse(sheet.Kind(in.Kind), format, data)
	switch {
	case err != nil && model.KindOf(err) == model.Internal: // a file sheet cannot read
		return nil, &model.Error{Kind: model.Invalid, Field: "body", Code: model.CodeUnreadableFile, Err: err,
			Msg: "body: " + err.Error()}
	case err != nil:
		return nil, err // a *sheet.LimitError: TooLarge or Unprocessable naming the limit
	case len(rowErrs) > 0:
		return nil, rowReport(rowErrs)
	case f.Len() == 0:
		return nil, &model.Error{Kind: model.Invalid, Field: "body", Code: model.CodeEmptyFile,
			Msg: "body: the file has a header but no rows"}
	}
	return f, nil
}

// Import stores a whole file's rows, or none of them: every row's grid
// must be one of p's (checked per row, in the store). An import changes
// many grids at once, so coverage is recounted rather than thousands of
// deltas applied, before the write returns.
func (s *Service) Import(ctx context.Context, p *auth.Principal, a store.Actor, in ImportInput) (store.WriteResult, error) {
	format, err := in.format()
	if err != nil {
		return store.WriteResult{}, err
	}
	f, err := in.parse(format)
	if err != nil {
		return store.WriteResult{}, err
	}
	h, err := s.scopes.Hierarchy(ctx)
	if err != nil {
		return store.WriteResult{}, err
	}
	scope := p.Scope().GridIDs(h)
	rows := toImport(f)
	res, err := s.commit(ctx, target{field: "body", what: "import"}, func(ctx context.Context) (store.WriteResult, error) {
		now := s.now()
		return s.store.ImportFile(ctx, a, in.ClientID, s.cov.Today(now), now, rows, scope)
	})
	if err == nil {
		s.cov.recountAfter(ctx, "import")
	}
	return res, underHeaders(err, f.Headers)
}

// underHeaders names the columns of a refused import's rows, which the
// store names canonically (grid, building, room, name), by the file's
// own headers (网格, 楼栋…), as the sheet's checks do.
func underHeaders(err error, headers map[string]string) error {
	var e *model.Error
	if !errors.As(err, &e) || e.Code != model.CodeRowsRejected {
		return err
	}
	rows, ok := e.Details["rows"].([]model.RowError)
	if !ok {
		return err
	}
	for i, r := range rows {
		if h, ok := headers[r.Column]; ok && h != "" {
			rows[i].Column = h
		}
	}
	return err
}

// maxReportRows caps the rows a refused import lists: a file of 100,000
// bad rows must not make a 20 MB answer. rows_total says how many there
// were.
const maxReportRows = 500

// rowReport is the error of an import refused for its rows, listing at
// most maxReportRows of them in its details.
func rowReport[T any](rows []T) error {
	details := map[string]any{"rows_total": len(rows)}
	if len(rows) > maxReportRows {
		rows = rows[:maxReportRows]
		details["truncated"] = true
	}
	details["rows"] = rows
	return &model.Error{Kind: model.Unprocessable, Field: "body", Code: model.CodeRowsRejected, Details: details,
		Msg: "the file was not imported: fix the rows listed and send it again"}
}

// toImport maps parsed rows to the store's import.
func toImport(f *sheet.File) store.Import {
	ref := func(h sheet.HouseholdRef) store.HouseholdRef {
		return store.HouseholdRef{Grid: h.Grid, Building: h.Building, Unit: h.Unit, Room: h.Room}
	}
	in := store.Import{Kind: string(f.Kind)}
	for _, r := range f.Screenings {
		in.Screenings = append(in.Screenings, store.ImportScreening{Row: r.Row, Household: ref(r.Household), Day: r.Day,
			Outcome: r.Outcome, Temperature: r.Temperature, Note: r.Note})
	}
	for _, r := range f.Contacts {
		in.Contacts = append(in.Contacts, store.ImportContact{Row: r.Row, Household: ref(r.Household), Name: r.Name, Phone: r.Phone})
	}
	for _, r := range f.Heads {
		in.Heads = append(in.Heads, store.ImportHead{Row: r.Row, Grid: r.Grid, Building: r.Building, Name: r.Name, Phone: r.Phone})
	}
	for _, r := range f.Vulnerable {
		in.Residents = append(in.Residents, store.ImportResident{Row: r.Row, Household: ref(r.Household), Name: r.Name,
			Phone: r.Phone, Category: r.Category, VisitEveryDays: r.VisitEveryDays})
	}
	return in
}
