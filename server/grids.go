package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// feature and featureCollection are GeoJSON (RFC 7946) as the API writes it.
type feature struct {
	Type       string          `json:"type"`
	ID         int64           `json:"id"`
	BBox       []float64       `json:"bbox,omitempty"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties any             `json:"properties"`
}

type featureCollection struct {
	Type      string    `json:"type"`
	Features  []feature `json:"features"`
	Truncated bool      `json:"truncated,omitempty"`
}

type gridProps struct {
	ID         int64   `json:"id"`
	ParentID   *int64  `json:"parent_id"`
	Level      int     `json:"level"`
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	LeaderName *string `json:"leader_name"`
}

type gridDetailProps struct {
	gridProps
	Leader *store.PersonRef `json:"leader"`
	AreaM2 float64          `json:"area_m2"`
	Path   []store.GridRef  `json:"path"`
	Counts store.Counts     `json:"counts"`
}

func (s *Server) grids(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	var f store.GridFilter
	err := query(q, "level", "parent", "bbox", "asof")
	if err == nil {
		f.Level, err = parseLevel(q.Get("level"))
	}
	if err == nil {
		f.ParentID, err = parseID("parent", q.Get("parent"), true)
	}
	if err == nil {
		f.BBox, err = parseBBox(q.Get("bbox"))
	}
	if err == nil {
		f.AsOf, err = parseAsOf(q.Get("asof"))
	}
	if err == nil {
		f.InGrids, err = s.scopes.ScopeIDs(r.Context(), p)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	grids, err := s.store.Grids(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	fc := featureCollection{Type: "FeatureCollection", Features: make([]feature, len(grids))}
	for i, g := range grids {
		fc.Features[i] = feature{Type: "Feature", ID: g.ID, Geometry: g.Geometry, Properties: gridProps{
			ID: g.ID, ParentID: g.ParentID, Level: g.Level, Code: g.Code, Name: g.Name, LeaderName: maskNamePtr(p, g.LeaderName),
		}}
	}
	s.okGeoJSON(w, r, fc)
}

func (s *Server) grid(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := parseID("id", r.PathValue("id"), false)
	if err == nil {
		err = query(r.URL.Query())
	}
	if err == nil {
		err = s.scopes.CheckGrid(r.Context(), p, "id", id)
	}
	var fe *model.Error
	if errors.As(err, &fe) && fe.Kind == model.NotFound && p.Scope().All() {
		s.retiredGrid(w, r, id)
		return
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	g, err := s.store.Grid(r.Context(), id)
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "id", "current grid"))
		return
	}
	if g.Leader != nil {
		g.Leader.Name = maskName(p, g.Leader.Name)
		g.LeaderName = &g.Leader.Name
	}
	s.okGeoJSON(w, r, feature{Type: "Feature", ID: g.ID, BBox: g.BBox[:], Geometry: g.Geometry, Properties: gridDetailProps{
		gridProps: gridProps{ID: g.ID, ParentID: g.ParentID, Level: g.Level, Code: g.Code, Name: g.Name, LeaderName: g.LeaderName},
		Leader:    g.Leader, AreaM2: g.AreaM2, Path: g.Path, Counts: g.Counts,
	}})
}

// tree answers the hierarchy; a scoped principal's tree starts at their grid.
func (s *Server) tree(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	err := query(q, "root", "asof")
	var root int64
	var asof *time.Time
	if err == nil {
		root, err = parseID("root", q.Get("root"), true)
	}
	if err == nil {
		asof, err = parseAsOf(q.Get("asof"))
	}
	if err == nil && root == 0 {
		root = p.Scope().Root
	}
	if err == nil && root != 0 {
		err = s.scopes.CheckGrid(r.Context(), p, "root", root)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	roots, err := s.store.Tree(r.Context(), root, asof)
	if errors.Is(err, store.ErrNotFound) {
		s.clientError(w, r, http.StatusNotFound, "root", "root: no current grid has this id")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"roots": roots})
}

// retiredGrid answers a grid that a split or merge retired with 410 and
// where its area went, so an old link leads somewhere; 404 for no grid.
// Only principals who see the whole area get it (the successors may lie
// outside a scoped principal's grid).
func (s *Server) retiredGrid(w http.ResponseWriter, r *http.Request, id int64) {
	h, err := s.store.GridVersions(r.Context(), id)
	if err != nil || h.RetiredAt == nil {
		s.respondError(w, r, notFoundAs(store.ErrNotFound, "id", "current grid"))
		return
	}
	s.writeJSON(w, r, http.StatusGone, "application/json; charset=utf-8", map[string]any{
		"error": "grid " + strconv.FormatInt(id, 10) + " was retired; its area went to the grids in replaced_by",
		"field": "id", "retired_at": h.RetiredAt, "replaced_by": h.ReplacedBy, "request_id": requestID(r.Context())})
}
