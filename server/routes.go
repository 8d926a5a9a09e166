package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// handlerFunc is a route's handler; p is nil on public routes without a login.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p *auth.Principal)

// Route is one API route and the permission it needs.
type Route struct {
	Method, Pattern string
	Perm            auth.Permission
	handle          handlerFunc
}

// Routes lists every route. Handler serves exactly these, and the
// authorisation matrix test walks them all.
func (s *Server) Routes() []Route {
	return []Route{
		{"GET", "/healthz", auth.Public, s.healthz},
		{"GET", "/readyz", auth.Public, s.readyz},
		{"GET", "/metrics", auth.ReadMetrics, s.metricsPage}, // admins, or a scraper with an admin's token
		{"GET", "/api/config", auth.Public, s.config},
		{"POST", "/api/login", auth.Public, s.login},
		{"POST", "/api/logout", auth.Public, s.logout},
		{"GET", "/api/me", auth.LoggedIn, s.me},
		{"POST", "/api/me/password", auth.ChangePassword, s.changePassword},
		{"GET", "/ws", auth.ReadMap, s.stream},
		{"POST", "/api/positions", auth.PostPositions, s.postPositions},
		{"GET", "/ws/device", auth.PostPositions, s.deviceStream},
		{"GET", "/api/teams", auth.ReadMap, s.teams},
		{"GET", "/api/volunteers/{id}/trail", auth.ReadMap, s.trail},

		{"GET", "/api/tree", auth.ReadMap, s.tree},
		{"GET", "/tiles/{file}", auth.ReadMap, s.tileJSON},
		{"GET", "/tiles/{layer}/{z}/{x}/{y}", auth.ReadMap, s.tile},
		{"GET", "/ogc/{$}", auth.ReadMap, s.ogcLanding},
		{"GET", "/ogc/conformance", auth.ReadMap, s.ogcConformance},
		{"GET", "/ogc/api", auth.ReadMap, s.ogcAPI},
		{"GET", "/ogc/collections", auth.ReadMap, s.ogcCollections},
		{"GET", "/ogc/collections/{collectionId}", auth.ReadMap, s.ogcCollectionDoc},
		{"GET", "/ogc/collections/{collectionId}/items", auth.ReadMap, s.ogcItems},
		{"GET", "/ogc/collections/{collectionId}/items/{featureId}", auth.ReadMap, s.ogcItem},
		{"GET", "/api/grids", auth.ReadMap, s.grids},
		{"GET", "/api/grids/{id}", auth.ReadMap, s.grid},
		{"GET", "/api/buildings", auth.ReadMap, s.buildings},
		{"GET", "/api/buildings/{id}/households", auth.ReadMap, s.households},
		{"GET", "/api/people/{id}", auth.ReadMap, s.person},

		{"GET", "/api/coverage", auth.ReadMap, s.coverageLevel},
		{"GET", "/api/grids/{id}/coverage", auth.ReadMap, s.gridCoverage},
		{"GET", "/api/grids/{id}/gaps", auth.ReadMap, s.gridGaps},
		{"GET", "/api/grids/{id}/gaps/{kind}", auth.ReadMap, s.gapPage},
		{"GET", "/api/grids/{id}/spot-checks", auth.ReadMap, s.spotChecks},
		{"GET", "/api/grids/{id}/checkpoints", auth.ReadMap, s.checkpoints},
		{"GET", "/api/grids/{id}/vulnerable", auth.ReadMap, s.ledger},
		{"GET", "/api/grids/{id}/requests", auth.ReadMap, s.requests},
		{"GET", "/api/grids/{id}/party-members", auth.ReadMap, s.partyMembers},
		{"GET", "/api/grids/{id}/wall", auth.ReadMap, s.wallSummary},
		{"GET", "/api/nearest-volunteers", auth.ReadMap, s.nearestVolunteers},

		// Day playback (issue 13): a grid's coverage day by day and a day's
		// movement and screening (the past figures of a level are
		// /api/coverage?day=).
		{"GET", "/api/grids/{id}/coverage/history", auth.ReadMap, s.coverageHistory},
		{"GET", "/api/replay", auth.ReadMap, s.replayDay},
		// The day's report (issue 14): JSON and the .xlsx grid offices forward.
		{"GET", "/api/reports/daily", auth.ReadMap, s.dailyReport},
		{"GET", "/api/reports/daily.xlsx", auth.ReadMap, s.dailyReportXLSX},

		{"POST", "/api/screenings", auth.WriteField, s.postScreening},
		{"POST", "/api/quarantines", auth.WriteField, s.postQuarantine},
		{"POST", "/api/quarantines/{id}/end", auth.WriteField, s.endQuarantine},
		{"POST", "/api/seal-alerts", auth.WriteField, s.postSealAlert},
		{"POST", "/api/checkpoints", auth.WriteField, s.postCheckpoint},
		{"POST", "/api/checkpoints/{id}/duty", auth.WriteField, s.checkpointDuty},
		{"POST", "/api/checkpoints/{id}/counts", auth.WriteField, s.checkpointCounts},
		// Nucleic-acid sampling sites and rounds of testing (issue 13).
		{"GET", "/api/sampling-sites", auth.ReadMap, s.samplingSites},
		{"POST", "/api/sampling-sites", auth.WriteField, s.postSamplingSite},
		{"POST", "/api/sampling-sites/{id}/reports", auth.WriteField, s.postSamplingReport},
		{"GET", "/api/sampling-rounds", auth.ReadMap, s.samplingRounds},
		{"POST", "/api/sampling-rounds", auth.WriteField, s.postSamplingRound},
		{"GET", "/api/sampling-rounds/{id}", auth.ReadMap, s.samplingRound},
		{"POST", "/api/alerts/{id}/resolve", auth.WriteField, s.resolveAlert},
		{"POST", "/api/vulnerable", auth.WriteField, s.postResident},
		// The roster of people arriving (issue 14).
		{"GET", "/api/arrivals", auth.ReadMap, s.arrivals},
		{"POST", "/api/arrivals", auth.WriteField, s.postArrival},
		{"POST", "/api/vulnerable/{id}/visits", auth.WriteField, s.postVisit},
		{"POST", "/api/requests", auth.WriteField, s.postRequest},
		{"POST", "/api/requests/{id}/close", auth.WriteField, s.closeRequest},
		{"POST", "/api/requests/{id}/follow-up", auth.WriteField, s.postFollowUp},
		// Tasks (issue 14): a gap sent to a volunteer's phone.
		{"POST", "/api/tasks", auth.WriteField, s.postTask},
		{"GET", "/api/tasks", auth.ReadTasks, s.listTasks},
		{"POST", "/api/tasks/{id}/assign", auth.WriteField, s.assignTask},
		{"POST", "/api/tasks/{id}/accept", auth.TakeTasks, s.acceptTask},
		{"POST", "/api/tasks/{id}/decline", auth.TakeTasks, s.declineTask},
		{"POST", "/api/tasks/{id}/done", auth.WorkTasks, s.doneTask},
		{"POST", "/api/grids/{id}/spot-checks", auth.WriteField, s.postSpotCheck},
		{"POST", "/api/spot-checks/{id}/results", auth.WriteField, s.postSpotResult},
		{"POST", "/api/party-members/{id}/points", auth.WriteField, s.postPoints},
		// The party layer (issue 14): branches, 双报到, service hours.
		{"GET", "/api/grids/{id}/party", auth.ReadMap, s.party},
		{"POST", "/api/party-members", auth.WriteField, s.postPartyMember},
		{"POST", "/api/party-members/{id}/registration", auth.WriteField, s.postRegistration},
		{"GET", "/api/party-members/{id}/service", auth.ReadMap, s.service},
		{"POST", "/api/party-members/{id}/service", auth.WriteField, s.postService},
		{"POST", "/api/party-branches", auth.WriteField, s.postPartyBranch},
		{"PUT", "/api/party-branches/{id}", auth.WriteField, s.putPartyBranch},
		{"PUT", "/api/party-members/{id}/branch", auth.WriteField, s.putMemberBranch},
		{"POST", "/api/import/{kind}", auth.WriteField, s.importFile},
		{"PUT", "/api/buildings/{id}/head", auth.WriteField, s.setBuildingHead},
		{"PUT", "/api/households/{id}/contact", auth.WriteField, s.setHouseholdContact},
		{"POST", "/api/people", auth.WritePeople, s.createPerson},
		{"PUT", "/api/people/{id}", auth.WritePeople, s.updatePerson},
		{"PUT", "/api/grids/{id}/leader", auth.WritePeople, s.setGridLeader},
		{"PUT", "/api/grids/{id}/boundary", auth.WriteBoundary, s.setGridBoundary},
		{"GET", "/api/grids/{id}/versions", auth.ReadMap, s.gridVersions},
		{"GET", "/api/publications", auth.ReadMap, s.publications},
		{"GET", "/api/publications/compare", auth.ReadMap, s.comparePublications},
		{"POST", "/api/publications/{id}/rollback", auth.WriteBoundary, s.rollback},
		{"POST", "/api/drafts", auth.WriteBoundary, s.openDraft},
		{"POST", "/api/drafts/import", auth.WriteBoundary, s.importBoundaries},
		{"GET", "/api/boundaries/export", auth.ReadMap, s.exportBoundaries},
		{"GET", "/api/drafts", auth.WriteBoundary, s.drafts},
		{"GET", "/api/drafts/{id}", auth.WriteBoundary, s.draft},
		{"DELETE", "/api/drafts/{id}", auth.WriteBoundary, s.discardDraft},
		{"POST", "/api/drafts/{id}/ops", auth.WriteBoundary, s.draftOp},
		{"POST", "/api/drafts/{id}/undo", auth.WriteBoundary, s.undoDraft},
		{"POST", "/api/drafts/{id}/redo", auth.WriteBoundary, s.redoDraft},
		{"GET", "/api/drafts/{id}/validation", auth.WriteBoundary, s.draftValidation},
		{"GET", "/api/drafts/{id}/impact", auth.WriteBoundary, s.draftImpact},
		{"POST", "/api/drafts/{id}/publish", auth.WriteBoundary, s.publishDraft},

		{"GET", "/api/audit", auth.ReadAudit, s.auditLog},
		{"GET", "/api/accounts", auth.ManageAccounts, s.accounts},
		{"POST", "/api/accounts", auth.ManageAccounts, s.createAccount},
		{"POST", "/api/accounts/{id}/tokens", auth.ManageAccounts, s.createToken},
		{"POST", "/api/accounts/{id}/disable", auth.ManageAccounts, s.disableAccount},
		{"POST", "/api/accounts/{id}/enable", auth.ManageAccounts, s.enableAccount},
		{"DELETE", "/api/tokens/{id}", auth.ManageAccounts, s.revokeToken},

		// The admin page (issue 14): a role and grid changed, a password
		// reset, sessions ended, the tokens listed.
		{"PUT", "/api/accounts/{id}", auth.ManageAccounts, s.updateAccount},
		{"POST", "/api/accounts/{id}/password", auth.ManageAccounts, s.resetPassword},
		{"POST", "/api/accounts/{id}/sessions/end", auth.ManageAccounts, s.endSessions},
		{"GET", "/api/tokens", auth.ManageAccounts, s.listTokens},

		// Wall links (issue 13): a read-only login, scoped to a grid, for a
		// screen with no keyboard; the link itself is public (its secret is
		// the credential).
		{"POST", "/api/wall-links", auth.ManageAccounts, s.issueWallLink},
		{"GET", "/api/wall-links", auth.ManageAccounts, s.wallLinks},
		{"DELETE", "/api/wall-links/{id}", auth.ManageAccounts, s.revokeWallLink},
		{"GET", "/wall/link/{secret}", auth.Public, s.openWallLink},

		// Base maps: the offline tiles of --mbtiles and their TileJSON.
		{"GET", "/basemap/{z}/{x}/{y}", auth.ReadMap, s.baseMapTile},
		{"GET", "/basemap.json", auth.ReadMap, s.baseMapJSON},
	}
}

// Handler returns every route, guarded, with compression, wrapped in the
// request log (which so counts the bytes sent).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.Routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, s.guard(rt))
	}
	// A known path with another method is a 405 (OPTIONS a 204), with
	// Allow, before the catch-alls answer 404.
	allow := newAllowTable(s.Routes())
	mux.Handle("/api/", s.methods(allow, http.HandlerFunc(s.notFound)))
	mux.Handle("/", s.methods(allow, s.staticFiles(s.notFoundPage)))
	return s.logRequests(compressResponses(mux))
}

// guard authenticates the request, refuses it without the route's
// permission (401 without a login, 403 with the wrong role), rate-limits
// writes per account, then calls the handler.
func (s *Server) guard(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil && rt.Perm != auth.Public {
			s.respondError(w, r, err)
			return
		}
		switch {
		case rt.Perm == auth.Public:
		case p == nil:
			s.clientError(w, r, http.StatusUnauthorized, "", model.CodeLoginRequired, nil)
			return
		case !p.Can(rt.Perm):
			s.clientError(w, r, http.StatusForbidden, "", model.CodeRoleForbidden, map[string]any{"role": string(p.Role)})
			return
		}
		if r.Method != http.MethodGet && p != nil {
			now := s.now()
			if ok, wait := s.writeLimit.allow("account:"+strconv.FormatInt(p.AccountID, 10), now); !ok {
				s.tooMany(w, r, "writes", "", wait)
				return
			}
			// Phones behind one carrier NAT share an address; devices are
			// limited per account only, and do not use up the address's
			// allowance of the people working beside them.
			if rt.Perm != auth.PostPositions {
				if ok, wait := s.writeAddrLimit.allow("addr:"+clientAddr(r), now); !ok {
					s.tooMany(w, r, "writes", "", wait)
					return
				}
			}
		}
		rt.handle(w, r, p)
	})
}

// tooMany answers 429 with Retry-After.
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, limit, field string, wait time.Duration) {
	s.metrics.rateLimited.WithLabelValues(limit).Inc()
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter(wait)))
	s.clientError(w, r, http.StatusTooManyRequests, field, model.CodeRateLimited, map[string]any{"seconds": retryAfter(wait)})
}

// notFoundAs turns store.ErrNotFound into a 404 naming field.
func notFoundAs(err error, field, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &model.Error{Kind: model.NotFound, Field: field, Msg: field + ": no " + what + " has this id"}
	}
	return err
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.respondError(w, r, &model.Error{Kind: model.NotFound, Msg: "no such API route: " + clip(r.Method+" "+r.URL.Path)})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	s.ok(w, r, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	status, ready := s.readiness(r.Context())
	if !ready {
		w.Header().Set("Retry-After", "2")
		s.writeJSON(w, r, http.StatusServiceUnavailable, "application/json; charset=utf-8", status)
		return
	}
	s.ok(w, r, status)
}

// readiness checks the database (needed) and NATS (optional: without it
// this instance still serves its own viewers, so it stays ready and says
// so), each within 2 s.
func (s *Server) readiness(ctx context.Context) (map[string]string, bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	status := map[string]string{"status": "ok", "database": "ok"}
	ready := true
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready: database", "error", err)
		status["status"], status["database"], ready = "unavailable", "unreachable", false
	}
	if s.bus.Shared() {
		status["nats"] = "ok"
		if err := s.bus.Ping(); err != nil {
			s.log.Warn("nats unreachable: local fan-out only", "error", err)
			status["nats"], status["fanout"] = "unreachable", "local"
		}
	}
	return status, ready
}

func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	s.metrics.handler().ServeHTTP(w, r)
}

func (s *Server) config(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	sources, def := s.baseMaps()
	s.ok(w, r, map[string]any{
		"tile_url":         s.cfg.TileURL,
		"tile_attribution": s.cfg.TileAttribution,
		"default_lang":     s.cfg.DefaultLang,
		"time_zone":        s.cfg.Location.String(),
		"basemaps":         sources,
		"default_basemap":  def,
		"vector_above":     s.cfg.VectorAbove,
	})
}

// clientAddr is the peer address without its port, for rate limits.
func clientAddr(r *http.Request) string {
	addr := r.RemoteAddr
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}
