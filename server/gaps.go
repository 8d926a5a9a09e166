package server

import (
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/gridmap/gridmap/auth"
)

// coverageLevel answers every grid of a level in scope with its figures.
func (s *Server) coverageLevel(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	if err := query(q, "level"); err != nil {
		s.respondError(w, r, err)
		return
	}
	level, err := parseLevel(q.Get("level"))
	if err == nil && level == 0 {
		err = badParam("level", "required: 1, 2 or 3")
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	h, ok := s.coverageNow(w, r)
	if !ok {
		return
	}
	ids := p.Scope().GridIDs(h)
	if ids == nil {
		ids = h.All()
	}
	slices.Sort(ids)
	figs := []any{}
	for _, id := range ids {
		if h.Level(id) == level {
			figs = append(figs, s.cov.Get(id))
		}
	}
	s.ok(w, r, map[string]any{"day": s.cov.Day(), "denominator": coverageDenominator, "grids": figs})
}

// coverageNow makes sure the figures are today's and returns the grid
// hierarchy to read them by, answering an error itself.
func (s *Server) coverageNow(w http.ResponseWriter, r *http.Request) (*auth.Hierarchy, bool) {
	err := s.cov.Fresh(r.Context())
	var h *auth.Hierarchy
	if err == nil {
		h, err = s.scopes.Hierarchy(r.Context())
	}
	if err != nil {
		s.serverError(w, r, err)
		return nil, false
	}
	return h, true
}

const coverageDenominator = "households: occupied households (vacant and demolished ones are outside the denominator and counted in excluded); contact_pct and screened_pct are of households, head_pct of buildings"

// gridCoverage answers a grid's figures and its children's.
func (s *Server) gridCoverage(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, ok := s.pathGrid(w, r, p)
	if !ok {
		return
	}
	h, ok := s.coverageNow(w, r)
	if !ok {
		return
	}
	children := []any{}
	for _, c := range h.Children(id) {
		children = append(children, s.cov.Get(c))
	}
	s.ok(w, r, map[string]any{"day": s.cov.Day(), "denominator": coverageDenominator, "grid": s.cov.Get(id), "children": children})
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
	id, grids, ok := s.subtree(w, r, p)
	if !ok {
		return
	}
	now := s.now()
	g, err := s.store.GridGaps(r.Context(), id, grids, s.cov.Today(now), now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for i := range g.OverdueVisits {
		v := &g.OverdueVisits[i]
		v.Name, v.Phone = maskName(p, v.Name), maskPhone(p, v.Phone)
	}
	for i := range g.OpenRequests {
		q := &g.OpenRequests[i]
		q.Caller, q.Phone = maskNamePtr(p, q.Caller), maskPhone(p, q.Phone)
	}
	s.ok(w, r, g)
}

// nearestVolunteers answers the volunteers nearest a point by their live
// positions, among those the principal may see.
func (s *Server) nearestVolunteers(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	ctx := r.Context()
	q := r.URL.Query()
	if err := query(q, "lon", "lat", "n"); err != nil {
		s.respondError(w, r, err)
		return
	}
	lon, err1 := strconv.ParseFloat(q.Get("lon"), 64)
	lat, err2 := strconv.ParseFloat(q.Get("lat"), 64)
	n, err := parseLimit(q.Get("n"), 5, 50)
	switch {
	case err1 != nil || math.IsNaN(lon) || lon < -180 || lon > 180:
		err = badParam("lon", "required: longitude, WGS84")
	case err2 != nil || math.IsNaN(lat) || lat < -90 || lat > 90:
		err = badParam("lat", "required: latitude, WGS84")
	case err != nil:
		err = badParam("n", "want 1 to 50")
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	h, err := s.scopes.Hierarchy(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sc := p.Scope()
	near := s.hub.Nearest(lon, lat, n, func(grid int64) bool { return sc.All() || (grid != 0 && sc.Contains(h, grid)) })
	ids := make([]int64, len(near))
	for i, v := range near {
		ids[i] = v.VolunteerID
	}
	names, err := s.store.VolunteerNames(ctx, ids)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, v := range near {
		nm := names[v.VolunteerID]
		name := nm.Name
		if !p.Can(auth.ReadPeople) {
			name = auth.MaskName(name)
		}
		out = append(out, map[string]any{"id": v.VolunteerID, "name": name, "team_id": v.TeamID, "team": nm.Team,
			"lon": v.Lon, "lat": v.Lat, "distance_m": math.Round(v.Distance), "at": v.At})
	}
	s.ok(w, r, map[string]any{"volunteers": out})
}

// maskPhone returns a phone as the principal may see it.
func maskPhone(p *auth.Principal, phone *string) *string {
	if phone == nil || p.Can(auth.ReadPeople) {
		return phone
	}
	m := auth.MaskPhone(*phone)
	return &m
}
