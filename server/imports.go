package server

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/sheet"
	"github.com/gridmap/gridmap/store"
)

// importFile takes a grid office's spreadsheet (.xlsx or .csv) of one
// kind: every row is checked (format here, references in the store)
// before anything is stored, and one bad row refuses the whole file with
// a report naming every bad row and column. The query's client_id makes a
// retried upload count once.
func (s *Server) importFile(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	ctx := r.Context()
	kind := sheet.Kind(r.PathValue("kind"))
	q := r.URL.Query()
	err := query(q, "client_id")
	if err == nil && !kind.Valid() {
		err = &model.Error{Kind: model.NotFound, Field: "kind", Msg: "kind: want screenings, contacts, heads or vulnerable"}
	}
	if err == nil {
		err = checkClientID(q.Get("client_id"))
	}
	format, ok := sheet.FormatOf(r.Header.Get("Content-Type"))
	if err == nil && !ok {
		err = &model.Error{Kind: model.UnsupportedMedia, Field: "Content-Type",
			Msg: "Content-Type: want text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, sheet.MaxBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.clientError(w, r, http.StatusRequestEntityTooLarge, "body", "body: a file of at most 10 MiB; split it")
		return
	case err != nil:
		s.clientError(w, r, http.StatusBadRequest, "body", "body: could not be read")
		return
	}
	f, rowErrs, err := sheet.Parse(kind, format, body)
	if err != nil {
		if model.KindOf(err) == model.Internal { // a file sheet cannot read
			err = badParam("body", "%v", err)
		}
		s.respondError(w, r, err) // a *sheet.LimitError: 413 or 422 naming the limit
		return
	}
	if len(rowErrs) > 0 {
		s.importRefused(w, r, rowErrs)
		return
	}
	if f.Len() == 0 {
		s.clientError(w, r, http.StatusBadRequest, "body", "body: the file has a header but no rows")
		return
	}
	h, err := s.hierarchy(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	scope := p.Scope().GridIDs(h)
	in := toImport(f)
	// The scope check is per row, in the store: every row's grid must be
	// one of the principal's.
	s.commitWrite(w, r, p, "body", "import", func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		now := s.now()
		return s.store.ImportFile(ctx, a, q.Get("client_id"), s.today(now), now, in, scope)
	}, func(ctx context.Context) {
		// An import changes many grids at once: recount rather than
		// apply thousands of deltas, before answering.
		if _, err := s.reconcile(ctx, true); err != nil {
			s.log.Warn("coverage recount after import", "error", err)
		}
	})
}

// importRefused answers 422 with every bad row.
func (s *Server) importRefused(w http.ResponseWriter, r *http.Request, rows []sheet.RowError) {
	s.writeJSON(w, r, http.StatusUnprocessableEntity, "application/json; charset=utf-8", rowReport(rows))
}

// maxReportRows caps the rows a refused import lists: a file of 100,000
// bad rows must not make a 20 MB answer. rows_total says how many there
// were.
const maxReportRows = 500

// rowReport is the body of an import refused for its rows, listing at
// most maxReportRows of them.
func rowReport[T any](rows []T) map[string]any {
	body := map[string]any{"error": "the file was not imported: fix the rows listed and send it again",
		"field": "body", "rows_total": len(rows)}
	if len(rows) > maxReportRows {
		rows = rows[:maxReportRows]
		body["truncated"] = true
	}
	body["rows"] = rows
	return body
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
