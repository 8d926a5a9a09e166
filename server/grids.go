package server

import (
	"encoding/json"
	"net/http"
	"net/url"
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
	f, err := gridFilter(r.URL.Query())
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	grids, err := s.read.Grids(r.Context(), p, f)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	fc := featureCollection{Type: "FeatureCollection", Features: make([]feature, len(grids))}
	for i, g := range grids {
		fc.Features[i] = feature{Type: "Feature", ID: g.ID, Geometry: g.Geometry, Properties: gridProps{
			ID: g.ID, ParentID: g.ParentID, Level: g.Level, Code: g.Code, Name: g.Name, LeaderName: g.LeaderName,
		}}
	}
	s.okGeoJSON(w, r, fc)
}

// gridFilter parses the parameters of /api/grids.
func gridFilter(q url.Values) (store.GridFilter, error) {
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
	return f, err
}

// grid answers a current grid in the principal's scope, or, to those who
// see the whole area, 410 for a grid a publication retired.
func (s *Server) grid(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	if err == nil {
		err = query(r.URL.Query())
	}
	var g *store.GridDetail
	var gone *store.GridHistory
	if err == nil {
		g, gone, err = s.read.Grid(r.Context(), p, id)
	}
	switch {
	case err != nil:
		s.respondError(w, r, err)
	case gone != nil:
		s.retiredGrid(w, r, id, gone)
	default:
		s.okGeoJSON(w, r, feature{Type: "Feature", ID: g.ID, BBox: g.BBox[:], Geometry: g.Geometry, Properties: gridDetailProps{
			gridProps: gridProps{ID: g.ID, ParentID: g.ParentID, Level: g.Level, Code: g.Code, Name: g.Name, LeaderName: g.LeaderName},
			Leader:    g.Leader, AreaM2: g.AreaM2, Path: g.Path, Counts: g.Counts,
		}})
	}
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
	var roots []*store.TreeNode
	if err == nil {
		roots, err = s.read.Tree(r.Context(), p, root, asof)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"roots": roots})
}

// retiredGrid answers a grid that a split or merge retired with 410 and
// where its area went, so an old link leads somewhere.
func (s *Server) retiredGrid(w http.ResponseWriter, r *http.Request, id int64, h *store.GridHistory) {
	s.respondError(w, r, &model.Error{Kind: model.Gone, Field: "id", Code: model.CodeGridRetired, Params: map[string]any{"id": id},
		Msg:     "grid " + strconv.FormatInt(id, 10) + " was retired; its area went to the grids in replaced_by",
		Details: map[string]any{"retired_at": h.RetiredAt, "replaced_by": h.ReplacedBy}})
}
