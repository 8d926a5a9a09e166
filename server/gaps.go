package server

import (
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/playback"
	"github.com/gridmap/gridmap/read"
	"github.com/gridmap/gridmap/store"
)

// coverageLevel answers every grid of a level in scope with its figures:
// live today, or as of the end of a past day or an instant.
func (s *Server) coverageLevel(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	err := query(q, "level", "day", "at")
	var level int
	if err == nil {
		level, err = parseLevel(q.Get("level"))
	}
	var c playback.Coverage
	if err == nil {
		c, err = s.playback.Coverage(r.Context(), p, level, playback.When{Day: q.Get("day"), At: q.Get("at")})
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, c)
}

// gridCoverage answers a grid's figures and its children's.
func (s *Server) gridCoverage(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, ok := s.pathGrid(w, r, p)
	if !ok {
		return
	}
	h, err := s.read.Hierarchy(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	children := []any{}
	for _, c := range h.Children(id) {
		children = append(children, s.cov.Get(c))
	}
	s.ok(w, r, map[string]any{"day": s.cov.Day(), "denominator": read.Denominator, "grid": s.cov.Get(id), "children": children})
}

// pathGrid parses the grid {id} of the path and checks it against the
// principal's scope, answering the error itself.
func (s *Server) pathGrid(w http.ResponseWriter, r *http.Request, p *auth.Principal) (int64, bool) {
	id, err := pathID(r)
	if err == nil {
		err = s.scopes.CheckGrid(r.Context(), p, "id", id)
	}
	if err != nil {
		s.respondError(w, r, err)
		return 0, false
	}
	return id, true
}

// subtree parses the {id} of the path, checks it against the principal's
// scope, and returns the grid and every grid of its subtree.
func (s *Server) subtree(w http.ResponseWriter, r *http.Request, p *auth.Principal) (int64, []int64, bool) {
	id, ok := s.pathGrid(w, r, p)
	if !ok {
		return 0, nil, false
	}
	h, err := s.scopes.Hierarchy(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return 0, nil, false
	}
	return id, auth.Scope{Root: id}.GridIDs(h), true
}

// gridGaps answers what needs doing in a grid.
func (s *Server) gridGaps(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	g, err := s.read.Gaps(r.Context(), p, id)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, g)
}

// gapPage answers a page of one kind of gap of a grid's subtree and the
// link of the next page.
func (s *Server) gapPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	q := r.URL.Query()
	if err == nil {
		err = query(q, "after", "limit")
	}
	limit := 0
	if err == nil {
		limit, err = parseLimit(q.Get("limit"), read.DefaultGapPage, read.MaxGapPage)
	}
	var (
		g    *store.Gaps
		next string
	)
	kind := r.PathValue("kind")
	if err == nil {
		g, next, err = s.read.GapPage(r.Context(), p, id, kind, q.Get("after"), limit)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"grid": g.Grid, "day": g.Day, "kind": kind, "items": g.List(kind), "next": nextLink(r, next)})
}

// nearestVolunteers answers the volunteers nearest a point by their live
// positions, among those the principal may see.
func (s *Server) nearestVolunteers(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	lon, lat, n, err := nearParams(r.URL.Query())
	var near []read.Volunteer
	if err == nil {
		near, err = s.read.Nearest(r.Context(), p, lon, lat, n)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"volunteers": near})
}

// nearParams parses the point and count of /api/nearest-volunteers. A
// value that is not a number is passed on as out of range (NaN, -1), so
// that the service names it as it names any other bad value.
func nearParams(q url.Values) (lon, lat float64, n int, err error) {
	if err := query(q, "lon", "lat", "n"); err != nil {
		return 0, 0, 0, err
	}
	number := func(v string) float64 {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return math.NaN()
		}
		return f
	}
	if n, err = parseLimit(q.Get("n"), read.NearestVolunteers, read.MaxNearestVolunteers); err != nil {
		n = -1
	}
	return number(q.Get("lon")), number(q.Get("lat")), n, nil
}
