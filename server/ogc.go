package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/ogc"
)

// OGC API – Features (Part 1: core, GeoJSON) under /ogc/, for GIS tools
// (QGIS, GDAL's OAPIF driver): the handlers decode, call package ogc and
// write the documents with their links.

const crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

type ogcLink struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// ogcBase is the origin the links start from.
func ogcBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/ogc"
}

// ogcQuery refuses parameters other than allowed (and f=json, which some
// clients add).
func ogcQuery(q url.Values, allowed ...string) error {
	if f := q.Get("f"); f != "" && f != "json" && f != "geojson" {
		return badParam("f", "want json (GeoJSON is the only encoding)")
	}
	q = cloneWithout(q, "f")
	return query(q, allowed...)
}

func cloneWithout(q url.Values, name string) url.Values {
	out := url.Values{}
	for k, v := range q {
		if k != name {
			out[k] = v
		}
	}
	return out
}

func (s *Server) ogcLanding(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	if err := ogcQuery(r.URL.Query()); err != nil {
		s.respondError(w, r, err)
		return
	}
	base := ogcBase(r)
	s.ok(w, r, map[string]any{
		"title":       "gridmap",
		"description": "Grid management (网格化管理): grids of each level with their boundary versions, buildings and checkpoints, as OGC API – Features.",
		"links": []ogcLink{
			{Href: base + "/", Rel: "self", Type: "application/json", Title: "this document"},
			{Href: base + "/api", Rel: "service-desc", Type: "application/vnd.oai.openapi+json;version=3.0", Title: "the API definition (OpenAPI 3.0)"},
			{Href: base + "/conformance", Rel: "conformance", Type: "application/json", Title: "conformance classes"},
			{Href: base + "/collections", Rel: "data", Type: "application/json", Title: "collections"},
		},
	})
}

// ogcAPI is the API definition the landing page links as service-desc.
func (s *Server) ogcAPI(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	if err := ogcQuery(r.URL.Query()); err != nil {
		s.respondError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.oai.openapi+json;version=3.0")
	json.NewEncoder(w).Encode(ogc.OpenAPI(ogcBase(r)))
}

func (s *Server) ogcConformance(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	if err := ogcQuery(r.URL.Query()); err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"conformsTo": ogc.ConformsTo})
}

// ogcCollection is a collection's document.
func (s *Server) ogcCollection(r *http.Request, c ogc.Collection) (map[string]any, error) {
	base := ogcBase(r) + "/collections/" + c.ID
	doc := map[string]any{
		"id": c.ID, "title": c.Title, "description": c.Description, "itemType": "feature", "crs": []string{crs84},
		"links": []ogcLink{
			{Href: base, Rel: "self", Type: "application/json", Title: c.Title},
			{Href: base + "/items", Rel: "items", Type: "application/geo+json", Title: c.Title},
		},
	}
	b, err := s.ogc.Extent(r.Context(), c)
	if err != nil {
		return nil, err
	}
	if b != nil {
		doc["extent"] = map[string]any{"spatial": map[string]any{"bbox": [][]float64{{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}, "crs": crs84}}
	}
	return doc, nil
}

func (s *Server) ogcCollections(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	if err := ogcQuery(r.URL.Query()); err != nil {
		s.respondError(w, r, err)
		return
	}
	docs := make([]map[string]any, 0, len(ogc.Collections))
	for _, c := range ogc.Collections {
		d, err := s.ogcCollection(r, c)
		if err != nil {
			s.respondError(w, r, err)
			return
		}
		docs = append(docs, d)
	}
	base := ogcBase(r)
	s.ok(w, r, map[string]any{
		"collections": docs,
		"links":       []ogcLink{{Href: base + "/collections", Rel: "self", Type: "application/json"}},
	})
}

func (s *Server) ogcCollectionDoc(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	c, err := ogc.Find(r.PathValue("collectionId"))
	if err == nil {
		err = ogcQuery(r.URL.Query())
	}
	var doc map[string]any
	if err == nil {
		doc, err = s.ogcCollection(r, c)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, doc)
}

type ogcFeature struct {
	Type       string          `json:"type"`
	ID         int64           `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
	Links      []ogcLink       `json:"links,omitempty"`
}

func (s *Server) ogcItems(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	c, err := ogc.Find(r.PathValue("collectionId"))
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	q, err := ogcItemsQuery(r.URL.Query(), c)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	page, err := s.ogc.Items(r.Context(), p, c, q)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	base := ogcBase(r) + "/collections/" + c.ID
	fs := make([]ogcFeature, len(page.Features))
	for i, f := range page.Features {
		fs[i] = ogcFeature{Type: "Feature", ID: f.ID, Geometry: f.Geometry, Properties: f.Properties}
	}
	self := cloneWithout(r.URL.Query(), "f")
	links := []ogcLink{
		{Href: base + "/items" + encodeQuery(self), Rel: "self", Type: "application/geo+json", Title: "this page"},
		{Href: base, Rel: "collection", Type: "application/json", Title: c.Title},
	}
	if page.Next != 0 {
		next := cloneWithout(self, "after")
		next.Set("after", strconv.FormatInt(page.Next, 10))
		if q.Limit != 0 {
			next.Set("limit", strconv.Itoa(q.Limit))
		}
		links = append(links, ogcLink{Href: base + "/items" + encodeQuery(next), Rel: "next", Type: "application/geo+json", Title: "next page"})
	}
	s.okGeoJSON(w, r, map[string]any{
		"type": "FeatureCollection", "features": fs, "numberReturned": len(fs),
		"timeStamp": s.now().UTC().Format(time.RFC3339), "links": links,
	})
}

func encodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// ogcItemsQuery decodes the parameters of /items: limit, bbox, datetime,
// the cursor after, and the collection's property filters.
func ogcItemsQuery(v url.Values, c ogc.Collection) (ogc.Query, error) {
	allowed := append([]string{"limit", "bbox", "datetime", "after"}, c.Filters()...)
	if err := ogcQuery(v, allowed...); err != nil {
		return ogc.Query{}, err
	}
	var q ogc.Query
	var err error
	if l := v.Get("limit"); l != "" {
		if q.Limit, err = strconv.Atoi(l); err != nil || q.Limit < 1 {
			return q, badParam("limit", "want 1 to %d", ogc.MaxLimit)
		}
		q.Limit = min(q.Limit, ogc.MaxLimit) // the standard: a larger limit gets the largest page
	}
	if a := v.Get("after"); a != "" {
		if q.After, err = strconv.ParseInt(a, 10, 64); err != nil || q.After < 0 {
			return q, badParam("after", "want the cursor of a next link")
		}
	}
	if q.BBox, err = parseBBox(v.Get("bbox")); err != nil {
		return q, err
	}
	if d := v.Get("datetime"); d != "" {
		if err := parseDatetime(d, &q); err != nil {
			return q, err
		}
	}
	for _, name := range c.Filters() {
		if f := v.Get(name); f != "" {
			if q.Filters == nil {
				q.Filters = map[string]string{}
			}
			q.Filters[name] = f
		}
	}
	return q, nil
}

// parseDatetime reads an RFC 3339 instant or an interval a/b, either end
// open as ".." or empty.
func parseDatetime(d string, q *ogc.Query) error {
	at := func(s string) (*time.Time, error) {
		if s == "" || s == ".." {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, badParam("datetime", "want an RFC 3339 time (2026-12-01T08:00:00+08:00) or an interval a/b, .. for an open end")
		}
		return &t, nil
	}
	start, end, interval := strings.Cut(d, "/")
	var err error
	if !interval {
		if q.AsOf, err = at(start); err == nil && q.AsOf == nil {
			err = badParam("datetime", "an instant cannot be open")
		}
		return err
	}
	q.Between = true
	if q.From, err = at(start); err != nil {
		return err
	}
	if q.To, err = at(end); err != nil {
		return err
	}
	if q.From != nil && q.To != nil && q.To.Before(*q.From) {
		return badParam("datetime", "the interval ends before it starts")
	}
	return nil
}

func (s *Server) ogcItem(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	c, err := ogc.Find(r.PathValue("collectionId"))
	if err == nil {
		err = ogcQuery(r.URL.Query())
	}
	var id int64
	if err == nil {
		id, err = parseID("featureId", r.PathValue("featureId"), false)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	f, err := s.ogc.Item(r.Context(), p, c, id)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	base := ogcBase(r) + "/collections/" + c.ID
	s.okGeoJSON(w, r, ogcFeature{Type: "Feature", ID: f.ID, Geometry: f.Geometry, Properties: f.Properties, Links: []ogcLink{
		{Href: base + "/items/" + strconv.FormatInt(f.ID, 10), Rel: "self", Type: "application/geo+json"},
		{Href: base, Rel: "collection", Type: "application/json", Title: c.Title},
	}})
}
