// Package planning holds the planner's rules: drafts of a grid subtree
// and the edits made to them (with undo and redo), validation with
// PostGIS, the impact of a draft, publishing and rollback. HTTP decodes a
// request, calls one Service method and encodes what it returns.
package planning

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap/gridmap/store"
)

// State is a draft's document at one revision: the grids below its root
// as they would be published. New grids have negative ids, drawn from
// NextID downwards.
type State struct {
	NextID int64       `json:"next_id"`
	Grids  []GridState `json:"grids"`
}

// GridState is one grid of a draft.
type GridState struct {
	ID       int64            `json:"id"`
	ParentID int64            `json:"parent_id"`
	Level    int              `json:"level"`
	Code     string           `json:"code"`
	Name     string           `json:"name"`
	LeaderID *int64           `json:"leader_id"`
	Geometry orb.MultiPolygon `json:"-"`
}

// MarshalJSON writes the geometry as a GeoJSON MultiPolygon.
func (g GridState) MarshalJSON() ([]byte, error) {
	type plain GridState
	return json.Marshal(struct {
		plain
		Geometry *geojson.Geometry `json:"geometry"`
	}{plain(g), geojson.NewGeometry(g.Geometry)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (g *GridState) UnmarshalJSON(b []byte) error {
	type plain GridState
	var v struct {
		plain
		Geometry *geojson.Geometry `json:"geometry"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*g = GridState(v.plain)
	if v.Geometry == nil {
		return fmt.Errorf("grid %d: no geometry", g.ID)
	}
	mp, ok := multi(v.Geometry.Geometry())
	if !ok {
		return fmt.Errorf("grid %d: %s geometry", g.ID, v.Geometry.Type)
	}
	g.Geometry = mp
	return nil
}

// multi returns a polygon or multipolygon as a multipolygon.
func multi(g orb.Geometry) (orb.MultiPolygon, bool) {
	switch t := g.(type) {
	case orb.MultiPolygon:
		return t, true
	case orb.Polygon:
		return orb.MultiPolygon{t}, true
	}
	return nil, false
}

// stateOf turns a store plan into a draft state.
func stateOf(p store.Plan) State {
	s := State{NextID: -1, Grids: make([]GridState, len(p.Grids))}
	for i, g := range p.Grids {
		s.Grids[i] = GridState{ID: g.ID, ParentID: g.ParentID, Level: g.Level, Code: g.Code, Name: g.Name,
			LeaderID: g.LeaderID, Geometry: g.Geometry}
	}
	return s
}

// plan turns a draft state below root into a store plan.
func (s State) plan(root int64) store.Plan {
	p := store.Plan{Roots: []int64{root}, Grids: make([]store.PlanGrid, len(s.Grids))}
	for i, g := range s.Grids {
		p.Grids[i] = store.PlanGrid{ID: g.ID, ParentID: g.ParentID, Level: g.Level, Code: g.Code, Name: g.Name,
			LeaderID: g.LeaderID, Geometry: g.Geometry}
	}
	return p
}

// index returns the position of grid id in the state, or -1.
func (s State) index(id int64) int {
	for i, g := range s.Grids {
		if g.ID == id {
			return i
		}
	}
	return -1
}

// clone copies the state deeply enough that edits do not touch s.
func (s State) clone() State {
	c := State{NextID: s.NextID, Grids: make([]GridState, len(s.Grids))}
	for i, g := range s.Grids {
		c.Grids[i] = g
		c.Grids[i].Geometry = orb.Clone(g.Geometry).(orb.MultiPolygon)
	}
	return c
}

func decodeState(b []byte) (State, error) {
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("planning: draft state: %w", err)
	}
	return s, nil
}
