package server

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/boundaryfile"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/planning"
)

// parseBoundaryFormat reads the format parameter of an import or export.
func parseBoundaryFormat(v string) (boundaryfile.Format, error) {
	switch f := boundaryfile.Format(v); f {
	case boundaryfile.GeoJSON, boundaryfile.KML:
		return f, nil
	}
	return "", badParam("format", "want geojson or kml")
}

// fileParams are the parameters of a boundary import or export.
type fileParams struct {
	root   int64
	format boundaryfile.Format
	repair bool       // import: repair what Go can
	asof   *time.Time // export: boundaries as they were then
}

// parseFileParams parses root, format and the other parameters allowed
// (repair for an import, asof for an export).
func parseFileParams(q url.Values, other string) (fileParams, error) {
	var fp fileParams
	err := query(q, "root", "format", other)
	if err == nil {
		fp.root, err = parseID("root", q.Get("root"), false)
	}
	if err == nil {
		fp.format, err = parseBoundaryFormat(q.Get("format"))
	}
	if err == nil && q.Get("repair") != "" {
		if fp.repair, err = strconv.ParseBool(q.Get("repair")); err != nil {
			err = badParam("repair", "want true or false")
		}
	}
	if err == nil {
		fp.asof, err = parseAsOf(q.Get("asof"))
	}
	return fp, err
}

// importBoundaries turns a GeoJSON or KML file into a new draft of the
// subtree below root, with a report of what is wrong with the file and
// what the repair changes. Nothing is published.
func (s *Server) importBoundaries(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	fp, err := parseFileParams(r.URL.Query(), "repair")
	if err == nil {
		err = s.scopes.CheckGrid(r.Context(), p, "root", fp.root)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	body, ok := s.readFile(w, r, boundaryfile.DefaultLimits().MaxBytes)
	if !ok {
		return
	}
	d, rep, err := s.plan.Import(r.Context(), actor(r, p), fp.root, fp.format, body, fp.repair)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	s.writeImport(w, r, p, d, rep)
}

// writeImport answers an import: the new draft and the file's report.
func (s *Server) writeImport(w http.ResponseWriter, r *http.Request, p *auth.Principal, d *planning.Draft, rep *planning.ImportReport) {
	doc := draftDoc{Draft: d}
	if err := s.fillDraftDoc(r.Context(), p, &doc); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, "application/json; charset=utf-8", map[string]any{"draft": doc, "report": rep})
}

// readFile reads an uploaded file of at most limit bytes, answering an
// error itself.
func (s *Server) readFile(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.clientError(w, r, http.StatusRequestEntityTooLarge, "body", model.CodeBodyTooLarge, map[string]any{"limit": limit >> 20})
		return nil, false
	case err != nil:
		s.respondError(w, r, &model.Error{Kind: model.Invalid, Field: "body", Msg: "body: could not be read"})
		return nil, false
	}
	return body, true
}

// exportBoundaries writes a grid and its subtree, now or as of a time, as
// a GeoJSON or KML file.
func (s *Server) exportBoundaries(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	fp, err := parseFileParams(r.URL.Query(), "asof")
	if err == nil {
		err = s.scopes.CheckPast(r.Context(), p, "root", fp.root)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	body, err := s.plan.Export(r.Context(), fp.root, fp.asof, fp.format)
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "root", "grid with a boundary at that time"))
		return
	}
	s.writeFile(w, "grids-"+strconv.FormatInt(fp.root, 10), fp.format, body)
}

// writeFile sends a boundary file as a download named name.
func (s *Server) writeFile(w http.ResponseWriter, name string, f boundaryfile.Format, body []byte) {
	ct, ext := "application/geo+json", "geojson"
	if f == boundaryfile.KML {
		ct, ext = "application/vnd.google-earth.kml+xml", "kml"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.`+ext+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
}
