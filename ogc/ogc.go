// Package ogc holds the rules of the OGC API – Features (Part 1, core
// and GeoJSON) view of the area: which collections there are, what each
// may be filtered by, how large a page may be, and that every page is
// limited to the principal's scope and names no one. It names no HTTP
// status or URL; the server builds the documents and their links.
package ogc

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// Collection is one feature collection.
type Collection struct {
	ID, Title, Description string
	kind                   string // store.FeatureQuery.Collection
	level                  int
	filters                []string // the properties it may be filtered by
	Temporal               bool     // grids: boundaries have versions (datetime picks them)
}

// Collections lists the collections, coarse to fine.
var Collections = []Collection{
	{ID: "grids-1", Title: "街道 Subdistricts", Description: "Level-1 grids; datetime picks the boundary version.", kind: "grids", level: 1, filters: []string{"code", "parent_id"}, Temporal: true},
	{ID: "grids-2", Title: "社区 Communities", Description: "Level-2 grids; datetime picks the boundary version.", kind: "grids", level: 2, filters: []string{"code", "parent_id"}, Temporal: true},
	{ID: "grids-3", Title: "小区网格 Compound grids", Description: "Level-3 grids; datetime picks the boundary version.", kind: "grids", level: 3, filters: []string{"code", "parent_id"}, Temporal: true},
	{ID: "buildings", Title: "楼栋 Buildings", Description: "Building points; has_head says whether a building head is named.", kind: "buildings", filters: []string{"grid_id"}},
	{ID: "checkpoints", Title: "卡口 Checkpoints", Description: "Checkpoints and whether they are staffed now.", kind: "checkpoints", filters: []string{"grid_id", "on_duty"}},
}

// Filters lists the properties collection c may be filtered by.
func (c Collection) Filters() []string { return c.filters }

// Page sizes.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// ConformsTo are the conformance classes the service meets.
var ConformsTo = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
}

// Store is what the features are read from (store.Store).
type Store interface {
	Features(ctx context.Context, q store.FeatureQuery) ([]store.Feature, bool, error)
	CollectionExtent(ctx context.Context, collection string, level int) (*orb.Bound, error)
}

// Scopes limits pages to a principal's grids (access.Scopes).
type Scopes interface {
	ScopeIDs(ctx context.Context, p *auth.Principal) ([]int64, error)
}

// Service reads collections by the rules above. Safe for concurrent use.
type Service struct {
	store  Store
	scopes Scopes
}

// New returns the service.
func New(st Store, scopes Scopes) *Service { return &Service{store: st, scopes: scopes} }

func invalid(field, format string, args ...any) error {
	return &model.Error{Kind: model.Invalid, Field: field, Msg: fmt.Sprintf(field+": "+format, args...)}
}

// Find returns the collection called id.
func Find(id string) (Collection, error) {
	i := slices.IndexFunc(Collections, func(c Collection) bool { return c.ID == id })
	if i < 0 {
		return Collection{}, &model.Error{Kind: model.NotFound, Field: "collectionId", Msg: fmt.Sprintf("collectionId: no collection %q", id)}
	}
	return Collections[i], nil
}

// Extent is the bounding box of a collection's current features (nil
// when it has none).
func (s *Service) Extent(ctx context.Context, c Collection) (*orb.Bound, error) {
	return s.store.CollectionExtent(ctx, c.kind, c.level)
}

// Query is a page of items: at most Limit (0: DefaultLimit) after the
// cursor After, inside BBox, with property filters; for grids, the
// boundaries at the instant AsOf, or the last valid within From..To when
// Between (nil: an open end), or else the current ones.
type Query struct {
	Limit    int
	After    int64
	BBox     *orb.Bound
	AsOf     *time.Time
	Between  bool
	From, To *time.Time
	Filters  map[string]string
}

// Page is a page of features and the cursor of the next (0: the last).
type Page struct {
	Features []store.Feature
	Next     int64
}

// Items returns a page of collection c as p may see it.
func (s *Service) Items(ctx context.Context, p *auth.Principal, c Collection, q Query) (Page, error) {
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return Page{}, invalid("limit", "want 1 to %d", MaxLimit)
	}
	fq := store.FeatureQuery{Collection: c.kind, Level: c.level, After: q.After, Limit: q.Limit, BBox: q.BBox}
	if c.Temporal { // buildings and checkpoints have no versions: datetime does not limit them
		fq.AsOf, fq.Between, fq.From, fq.To = q.AsOf, q.Between, q.From, q.To
	}
	for name, v := range q.Filters {
		if !slices.Contains(c.filters, name) {
			return Page{}, invalid(name, "collection %s is not filtered by %s; it takes %v", c.ID, name, c.filters)
		}
		var err error
		switch name {
		case "code":
			fq.Code = v
		case "parent_id":
			fq.ParentID, err = positive(name, v)
		case "grid_id":
			fq.GridID, err = positive(name, v)
		case "on_duty":
			b, perr := strconv.ParseBool(v)
			if perr != nil {
				err = invalid(name, "want true or false")
			}
			fq.OnDuty = &b
		}
		if err != nil {
			return Page{}, err
		}
	}
	var err error
	if fq.InGrids, err = s.scopes.ScopeIDs(ctx, p); err != nil {
		return Page{}, err
	}
	fs, more, err := s.store.Features(ctx, fq)
	if err != nil {
		return Page{}, err
	}
	page := Page{Features: fs}
	if more && len(fs) > 0 {
		page.Next = fs[len(fs)-1].ID
	}
	return page, nil
}

// Item returns feature id of collection c, if p may see it.
func (s *Service) Item(ctx context.Context, p *auth.Principal, c Collection, id int64) (store.Feature, error) {
	page, err := s.Items(ctx, p, c, Query{Limit: 1, After: id - 1})
	if err != nil {
		return store.Feature{}, err
	}
	if len(page.Features) == 0 || page.Features[0].ID != id {
		return store.Feature{}, &model.Error{Kind: model.NotFound, Field: "featureId", Msg: fmt.Sprintf("featureId: no feature %d in %s", id, c.ID)}
	}
	return page.Features[0], nil
}

func positive(field, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, invalid(field, "want a positive integer")
	}
	return n, nil
}
