// Package tiles serves the map's layers as Mapbox vector tiles made by
// PostGIS (ST_AsMVT): the grids of each level with today's coverage
// figures, the buildings and the checkpoints, each limited to the
// principal's scope like the rest of the API, kept in a bounded cache
// that drops a tile when a grid it holds changes (a coverage change, a
// boundary publication), and described by TileJSON.
package tiles

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// Layer is one tile layer.
type Layer struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	Level       int    `json:"-"` // the grid level of a grid layer; 0 for points
	MinZoom     int    `json:"minzoom"`
	MaxZoom     int    `json:"maxzoom"`
	Fields      map[string]string
}

// MaxZoom is the deepest zoom any layer serves.
const MaxZoom = 22

var gridFields = map[string]string{
	"level": "Number", "parent_id": "Number", "code": "String", "name": "String",
	"households": "Number: occupied households", "screened": "Number: households screened today",
	"contacted":    "Number: households with a party-member contact",
	"screened_pct": "Number: per cent of households screened today", "contact_pct": "Number: per cent with a contact",
	"head_pct": "Number: per cent of buildings with a head",
}

// Layers lists the layers, coarse to fine. A layer serves no zoom below
// its MinZoom: a tile there would carry too many features to be of use
// (the city's 200,000 buildings in one tile).
var Layers = []Layer{
	{ID: "grids-1", Description: "Subdistricts (街道) with today's coverage", Level: 1, MinZoom: 0, MaxZoom: MaxZoom, Fields: gridFields},
	{ID: "grids-2", Description: "Communities (社区) with today's coverage", Level: 2, MinZoom: 6, MaxZoom: MaxZoom, Fields: gridFields},
	{ID: "grids-3", Description: "Compound grids (小区网格) with today's coverage", Level: 3, MinZoom: 10, MaxZoom: MaxZoom, Fields: gridFields},
	{ID: "buildings", Description: "Buildings (楼栋)", MinZoom: 13, MaxZoom: MaxZoom,
		Fields: map[string]string{"grid_id": "Number", "name": "String", "floors": "Number", "has_head": "Boolean: a building head (楼栋长) is named"}},
	{ID: "checkpoints", Description: "Checkpoints (卡口)", MinZoom: 11, MaxZoom: MaxZoom,
		Fields: map[string]string{"grid_id": "Number", "name": "String", "on_duty": "Boolean"}},
}

// LayerByID returns the layer called id.
func LayerByID(id string) (Layer, bool) {
	i := slices.IndexFunc(Layers, func(l Layer) bool { return l.ID == id })
	if i < 0 {
		return Layer{}, false
	}
	return Layers[i], true
}

// Tile is an encoded tile and its entity tag (a hash of its bytes, so an
// unchanged tile keeps its tag across cache drops and restarts).
type Tile struct {
	Data []byte
	ETag string
}

// Store is what tiles are made from (store.Store in the product).
type Store interface {
	TileGrids(ctx context.Context, level, z, x, y int, in []int64) ([]int64, error)
	GridTile(ctx context.Context, name string, z, x, y int, figs []store.TileFigures) ([]byte, error)
	PointTile(ctx context.Context, name string, z, x, y int, in []int64) ([]byte, []int64, error)
}

// Scopes limits tiles to a principal's grids (access.Scopes).
type Scopes interface {
	ScopeIDs(ctx context.Context, p *auth.Principal) ([]int64, error)
}

// Figures are the live coverage figures (field.Coverage).
type Figures interface {
	Fresh(ctx context.Context) error
	Get(grid int64) coverage.Figures
}

// Service makes and caches tiles. Safe for concurrent use.
type Service struct {
	store  Store
	scopes Scopes
	figs   Figures
	cache  *Cache
}

// New returns the service; cache may be shared by nothing else.
func New(st Store, scopes Scopes, figs Figures, cache *Cache) *Service {
	return &Service{store: st, scopes: scopes, figs: figs, cache: cache}
}

// Cache is the service's tile cache.
func (s *Service) Cache() *Cache { return s.cache }

// Changed drops the cached tiles holding any of grids: their figures or
// boundaries changed.
func (s *Service) Changed(grids []int64) int { return s.cache.Drop(grids) }

func invalid(field, format string, args ...any) error {
	return &model.Error{Kind: model.Invalid, Field: field, Msg: fmt.Sprintf(field+": "+format, args...)}
}

// Check validates a tile address for layer.
func Check(layer string, z, x, y int) (Layer, error) {
	l, ok := LayerByID(layer)
	if !ok {
		return Layer{}, &model.Error{Kind: model.NotFound, Field: "layer", Msg: fmt.Sprintf("layer: no tile layer %q", layer)}
	}
	if z < l.MinZoom || z > l.MaxZoom {
		return Layer{}, invalid("z", "layer %s has tiles from zoom %d to %d", l.ID, l.MinZoom, l.MaxZoom)
	}
	if n := 1 << z; x < 0 || x >= n {
		return Layer{}, invalid("x", "want 0 to %d at zoom %d", n-1, z)
	} else if y < 0 || y >= n {
		return Layer{}, invalid("y", "want 0 to %d at zoom %d", n-1, z)
	}
	return l, nil
}

// Tile returns tile z/x/y of layer as p may see it: only features of the
// grids in p's scope (a grid leader's grid-1 tile is empty, their
// subdistrict being above their scope), no one's name.
func (s *Service) Tile(ctx context.Context, p *auth.Principal, layer string, z, x, y int) (Tile, error) {
	l, err := Check(layer, z, x, y)
	if err != nil {
		return Tile{}, err
	}
	in, err := s.scopes.ScopeIDs(ctx, p)
	if err != nil {
		return Tile{}, err
	}
	k := key{layer: l.ID, z: z, x: x, y: y, scope: p.Scope().Root}
	if t, ok := s.cache.get(k); ok {
		return t, nil
	}
	since := s.cache.Epoch()
	var (
		data  []byte
		grids []int64
	)
	if l.Level != 0 {
		data, grids, err = s.gridTile(ctx, l, z, x, y, in)
	} else {
		data, grids, err = s.store.PointTile(ctx, l.ID, z, x, y, in)
	}
	if err != nil {
		return Tile{}, err
	}
	sum := sha256.Sum256(data)
	t := Tile{Data: data, ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
	s.cache.put(k, t, grids, since)
	return t, nil
}

func (s *Service) gridTile(ctx context.Context, l Layer, z, x, y int, in []int64) ([]byte, []int64, error) {
	if in != nil && len(in) == 0 {
		in = []int64{0} // a scope with no current grid: nothing, not everything
	}
	if err := s.figs.Fresh(ctx); err != nil {
		return nil, nil, err
	}
	ids, err := s.store.TileGrids(ctx, l.Level, z, x, y, in)
	if err != nil {
		return nil, nil, err
	}
	figs := make([]store.TileFigures, len(ids))
	for i, id := range ids {
		f := s.figs.Get(id)
		figs[i] = store.TileFigures{Grid: id, Households: f.Households, Screened: f.ScreenedToday, Contacted: f.WithContact,
			ScreenedPct: f.ScreenedPct, ContactPct: f.ContactPct, HeadPct: f.HeadPct}
	}
	data, err := s.store.GridTile(ctx, l.ID, z, x, y, figs)
	return data, ids, err
}

// TileJSON is a layer's TileJSON 3.0.0 document.
type TileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       []float64     `json:"bounds"`
	VectorLayers []VectorLayer `json:"vector_layers"`
}

// VectorLayer describes the one layer of a tile (TileJSON vector_layers).
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// Describe returns layer's TileJSON with tile URLs under base (the
// server's origin, e.g. "https://gridmap.example").
func Describe(layer, base string) (TileJSON, error) {
	l, ok := LayerByID(layer)
	if !ok {
		return TileJSON{}, &model.Error{Kind: model.NotFound, Field: "layer", Msg: fmt.Sprintf("layer: no tile layer %q", layer)}
	}
	return TileJSON{
		TileJSON: "3.0.0", Name: l.ID, Description: l.Description, Scheme: "xyz",
		Tiles:   []string{base + "/tiles/" + l.ID + "/{z}/{x}/{y}.mvt"},
		MinZoom: l.MinZoom, MaxZoom: l.MaxZoom, Bounds: []float64{-180, -85.05112878, 180, 85.05112878},
		VectorLayers: []VectorLayer{{ID: l.ID, Description: l.Description, MinZoom: l.MinZoom, MaxZoom: l.MaxZoom, Fields: l.Fields}},
	}, nil
}
