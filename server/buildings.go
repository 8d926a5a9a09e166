package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/read"
	"github.com/gridmap/gridmap/store"
)

type buildingProps struct {
	ID               int64   `json:"id"`
	GridID           int64   `json:"grid_id"`
	Name             string  `json:"name"`
	Floors           int     `json:"floors"`
	HeadName         *string `json:"head_name"`
	Households       int64   `json:"households"`
	HouseholdsLinked int64   `json:"households_linked"`
}

func (s *Server) buildings(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	f, err := buildingFilter(r.URL.Query())
	var bs []store.BuildingFeature
	var truncated bool
	if err == nil {
		bs, truncated, err = s.read.Buildings(r.Context(), p, f)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	fc := featureCollection{Type: "FeatureCollection", Features: make([]feature, len(bs)), Truncated: truncated}
	for i, b := range bs {
		geom := json.RawMessage(fmt.Sprintf(`{"type":"Point","coordinates":[%.7f,%.7f]}`, b.Lon, b.Lat))
		fc.Features[i] = feature{Type: "Feature", ID: b.ID, Geometry: geom, Properties: buildingProps{
			ID: b.ID, GridID: b.GridID, Name: b.Name, Floors: b.Floors, HeadName: b.HeadName,
			Households: b.Households, HouseholdsLinked: b.HouseholdsLinked,
		}}
	}
	s.okGeoJSON(w, r, fc)
}

// buildingFilter parses the parameters of /api/buildings.
func buildingFilter(q url.Values) (store.BuildingFilter, error) {
	var f store.BuildingFilter
	err := query(q, "grid", "bbox", "limit")
	if err == nil {
		f.GridID, err = parseID("grid", q.Get("grid"), true)
	}
	if err == nil {
		f.BBox, err = parseBBox(q.Get("bbox"))
	}
	if err == nil {
		f.Limit, err = parseLimit(q.Get("limit"), read.DefaultBuildings, read.MaxBuildings)
	}
	return f, err
}
