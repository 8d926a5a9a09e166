package server

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/paulmach/orb/geojson"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/planning"
	"github.com/gridmap/gridmap/store"
)

// draftDoc is a draft as the API writes it (docs/PLAN.md).
type draftDoc struct {
	*planning.Draft
	Root  feature           `json:"root"`
	Grids featureCollection `json:"grids"`
}

type draftGridProps struct {
	ID         int64   `json:"id"`
	ParentID   int64   `json:"parent_id"`
	Level      int     `json:"level"`
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	LeaderID   *int64  `json:"leader_id"`
	LeaderName *string `json:"leader_name"`
	Status     string  `json:"status"`
}

func (s *Server) writeDraft(w http.ResponseWriter, r *http.Request, p *auth.Principal, status int, d *planning.Draft) {
	doc := draftDoc{Draft: d}
	if err := s.fillDraftDoc(r.Context(), p, &doc); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.writeJSON(w, r, status, "application/json; charset=utf-8", doc)
}

// fillDraftDoc writes a draft's root and grids as GeoJSON features, with
// their leaders' names as the principal may see them.
func (s *Server) fillDraftDoc(ctx context.Context, p *auth.Principal, doc *draftDoc) error {
	d := doc.Draft
	var leaders []int64
	for _, g := range d.State.Grids {
		if g.LeaderID != nil {
			leaders = append(leaders, *g.LeaderID)
		}
	}
	names, err := s.store.PeopleNames(ctx, leaders)
	if err != nil {
		return err
	}
	doc.Grids = featureCollection{Type: "FeatureCollection", Features: make([]feature, len(d.State.Grids))}
	doc.Root = feature{Type: "Feature", ID: d.Root.ID, BBox: d.Root.BBox[:], Geometry: d.Root.Geometry, Properties: gridProps{
		ID: d.Root.ID, ParentID: d.Root.ParentID, Level: d.Root.Level, Code: d.Root.Code, Name: d.Root.Name}}
	for i, g := range d.State.Grids {
		geom, err := json.Marshal(geojson.NewGeometry(g.Geometry))
		if err != nil {
			return err
		}
		props := draftGridProps{ID: g.ID, ParentID: g.ParentID, Level: g.Level, Code: g.Code, Name: g.Name,
			LeaderID: g.LeaderID, Status: d.Status[g.ID]}
		if g.LeaderID != nil {
			if n, ok := names[*g.LeaderID]; ok {
				n = access.MaskName(p, n)
				props.LeaderName = &n
			}
		}
		doc.Grids.Features[i] = feature{Type: "Feature", ID: g.ID, Geometry: geom, Properties: props}
	}
	return nil
}

// planError answers the planning service's errors through the one
// mapper; a grid or publication id that names nothing is a 404 on id.
func (s *Server) planError(w http.ResponseWriter, r *http.Request, err error) {
	s.respondError(w, r, notFoundAs(err, "id", "grid or publication"))
}

type openDraftRequest struct {
	RootID int64  `json:"root_id"`
	Name   string `json:"name"`
}

func (s *Server) openDraft(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var req openDraftRequest
	err := decodeJSON(w, r, &req)
	if err == nil && req.RootID <= 0 {
		err = badParam("root_id", "required: the id of a community or subdistrict")
	}
	if err == nil {
		err = s.scopes.CheckGrid(r.Context(), p, "root_id", req.RootID)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	d, err := s.plan.Open(r.Context(), actor(r, p), req.RootID, req.Name)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	s.writeDraft(w, r, p, http.StatusCreated, d)
}

func (s *Server) drafts(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if err := query(r.URL.Query()); err != nil {
		s.respondError(w, r, err)
		return
	}
	ds, err := s.plan.List(r.Context(), actor(r, p))
	if err != nil {
		s.planError(w, r, err)
		return
	}
	if ds == nil {
		ds = []store.Draft{}
	}
	s.ok(w, r, map[string]any{"drafts": ds})
}

// draftID parses the {id} of a draft route.
func draftID(r *http.Request) (int64, error) { return parseID("id", r.PathValue("id"), false) }

func (s *Server) draft(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := draftID(r)
	if err == nil {
		err = query(r.URL.Query())
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	d, err := s.plan.Get(r.Context(), actor(r, p), id)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	s.writeDraft(w, r, p, http.StatusOK, d)
}

func (s *Server) discardDraft(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := draftID(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := s.plan.Discard(r.Context(), actor(r, p), id); err != nil {
		s.planError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) undoDraft(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	s.stepDraft(w, r, p, -1)
}

func (s *Server) redoDraft(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	s.stepDraft(w, r, p, +1)
}

func (s *Server) stepDraft(w http.ResponseWriter, r *http.Request, p *auth.Principal, step int) {
	id, err := draftID(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	d, err := s.plan.Undo(r.Context(), actor(r, p), id, step)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	s.writeDraft(w, r, p, http.StatusOK, d)
}

func (s *Server) draftOp(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := draftID(r)
	var req opRequest
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	var op planning.Op
	if err == nil {
		op, err = req.op()
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	d, err := s.plan.Apply(r.Context(), actor(r, p), id, op)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	s.writeDraft(w, r, p, http.StatusOK, d)
}

func (s *Server) draftValidation(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := draftID(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	v, err := s.plan.Validate(r.Context(), actor(r, p), id)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	s.ok(w, r, v)
}

func (s *Server) draftImpact(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := draftID(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	im, err := s.plan.Impact(r.Context(), actor(r, p), id)
	if err != nil {
		s.planError(w, r, err)
		return
	}
	s.ok(w, r, im)
}

func (s *Server) publishDraft(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := draftID(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	var in planning.PublishInput
	if !s.decodeValid(w, r, &in) {
		return
	}
	pub, err := s.plan.Publish(r.Context(), actor(r, p), id, *in.Revision, in.Acknowledge, in.Note)
	s.answerPublication(w, r, pub, err)
}

func (s *Server) rollback(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	var in planning.RollbackInput
	if !s.decodeValid(w, r, &in) {
		return
	}
	pub, err := s.plan.Rollback(r.Context(), actor(r, p), id, in.Note)
	s.answerPublication(w, r, pub, err)
}

// answerPublication answers a publication (a draft's, a rollback, a
// redrawn grid) once it is live on this instance, or its error.
func (s *Server) answerPublication(w http.ResponseWriter, r *http.Request, pub store.Publication, err error) {
	if err != nil {
		s.planError(w, r, err)
		return
	}
	s.afterPublish(r.Context(), pub)
	s.ok(w, r, pub)
}

// boundaryEvent is the payload of a boundaries stream event.
type boundaryEvent struct {
	PublicationID int64   `json:"publication_id"`
	RootIDs       []int64 `json:"root_ids"`
	Grids         []int64 `json:"grids"`
	Retired       []int64 `json:"retired"`
}

// afterPublish makes a committed publication live on this instance before
// the planner is answered: scope checks and the hub see the new
// hierarchy, the point-to-grid index and geofence state are rebuilt,
// coverage is recounted, and a boundaries event tells every map (and
// every other instance, through NATS) to reload.
func (s *Server) afterPublish(ctx context.Context, pub store.Publication) {
	ctx = context.WithoutCancel(ctx)
	s.boundariesChanged(ctx)
	grids := append([]int64{}, pub.Changed...)
	for _, id := range pub.Added {
		grids = append(grids, id)
	}
	b, _ := json.Marshal(boundaryEvent{PublicationID: pub.ID, RootIDs: pub.RootIDs, Grids: grids, Retired: pub.Retired})
	evs := make([]store.LiveEvent, len(pub.RootIDs))
	for i, root := range pub.RootIDs {
		evs[i] = store.LiveEvent{At: s.now(), Topic: "boundaries", GridID: root, Payload: b}
	}
	s.events.PublishEvents(evs)
}

// boundariesChanged reloads what this instance derives from the
// boundaries: the hierarchy, the ingest index and the coverage figures.
func (s *Server) boundariesChanged(ctx context.Context) {
	s.scopes.Invalidate()
	if _, err := s.scopes.Hierarchy(ctx); err != nil {
		s.log.Error("reload hierarchy after a boundary publication", "error", err)
	}
	if s.ingest != nil {
		if err := s.ingest.Rebuild(ctx); err != nil {
			s.log.Error("rebuild grid index after a boundary publication", "error", err)
		}
	}
	if _, err := s.cov.Recount(ctx, true); err != nil {
		s.log.Error("recount coverage after a boundary publication", "error", err)
	}
}

func (s *Server) gridVersions(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := parseID("id", r.PathValue("id"), false)
	if err == nil {
		err = query(r.URL.Query())
	}
	if err == nil {
		err = s.scopes.CheckPast(r.Context(), p, "id", id)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	h, err := s.store.GridVersions(r.Context(), id)
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "id", "grid"))
		return
	}
	s.ok(w, r, h)
}

func (s *Server) publications(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if err := query(r.URL.Query()); err != nil {
		s.respondError(w, r, err)
		return
	}
	pubs, err := s.store.Publications(r.Context(), 200)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"publications": pubs})
}

func (s *Server) comparePublications(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	err := query(q, "from", "to")
	var from, to int64
	if err == nil {
		from, err = parseID("from", q.Get("from"), false)
	}
	if err == nil {
		to, err = parseID("to", q.Get("to"), false)
	}
	var c *store.Comparison
	if err == nil {
		c, err = s.plan.Compare(r.Context(), from, to)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, c)
}
