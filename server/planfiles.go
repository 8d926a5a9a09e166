package server

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/boundaryfile"
)

// parseBoundaryFormat reads the format parameter of an import or export.
func parseBoundaryFormat(v string) (boundaryfile.Format, error) {
	switch f := boundaryfile.Format(v); f {
	case boundaryfile.GeoJSON, boundaryfile.KML:
		return f, nil
	}
	return "", badParam("format", "want geojson or kml")
}

// importBoundaries turns a GeoJSON or KML file into a new draft of the
// subtree below root, with a report of what is wrong with the file and
// what the repair changes. Nothing is published.
func (s *Server) importBoundaries(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	err := query(q, "root", "format", "repair")
	var root int64
	var f boundaryfile.Format
	if err == nil {
		root, err = parseID("root", q.Get("root"), false)
	}
	if err == nil {
		f, err = parseBoundaryFormat(q.Get("format"))
	}
	repair := false
	if err == nil && q.Get("repair") != "" {
		repair, err = strconv.ParseBool(q.Get("repair"))
		if err != nil {
			err = badParam("repair", "want true or false")
		}
	}
	if err == nil {
		err = s.scopes.CheckGrid(r.Context(), p, "root", root)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	lim := boundaryfile.DefaultLimits()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, lim.MaxBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.clientError(w, r, http.StatusRequestEntityTooLarge, "body", "body: a file of at most "+strconv.FormatInt(lim.MaxBytes>>20, 10)+" MiB")
		return
	case err != nil:
		s.clientError(w, r, http.StatusBadRequest, "body", "body: could not be read")
		return
	}
	d, rep, err := s.plan.Import(r.Context(), actor(r, p), root, f, body, repair)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	doc := draftDoc{Draft: d}
	if err := s.fillDraftDoc(r.Context(), p, &doc); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, "application/json; charset=utf-8", map[string]any{"draft": doc, "report": rep})
}

// exportBoundaries writes a grid and its subtree, now or as of a time, as
// a GeoJSON or KML file.
func (s *Server) exportBoundaries(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	err := query(q, "root", "format", "asof")
	var root int64
	var f boundaryfile.Format
	var asof *time.Time
	if err == nil {
		root, err = parseID("root", q.Get("root"), false)
	}
	if err == nil {
		f, err = parseBoundaryFormat(q.Get("format"))
	}
	if err == nil {
		asof, err = parseAsOf(q.Get("asof"))
	}
	if err == nil && !p.Scope().All() {
		err = s.scopes.CheckGrid(r.Context(), p, "root", root)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	body, err := s.plan.Export(r.Context(), root, asof, f)
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "root", "grid with a boundary at that time"))
		return
	}
	ct, ext := "application/geo+json", "geojson"
	if f == boundaryfile.KML {
		ct, ext = "application/vnd.google-earth.kml+xml", "kml"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="grids-`+strconv.FormatInt(root, 10)+`.`+ext+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
}
