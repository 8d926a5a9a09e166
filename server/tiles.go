package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/tiles"
)

// mvtType is the media type of a Mapbox vector tile.
const mvtType = "application/vnd.mapbox-vector-tile"

// tile serves /tiles/{layer}/{z}/{x}/{y}.mvt: the tile as the caller may
// see it, with a strong ETag of its bytes (304 when the client has it)
// and "private, no-cache" (scoped: a client revalidates, and an unchanged
// tile costs no bytes).
func (s *Server) tile(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	y, ok := strings.CutSuffix(r.PathValue("y"), ".mvt")
	if !ok {
		s.respondError(w, r, badParam("y", "want {y}.mvt"))
		return
	}
	var zxy [3]int
	for i, f := range []struct{ name, v string }{{"z", r.PathValue("z")}, {"x", r.PathValue("x")}, {"y", y}} {
		n, err := strconv.Atoi(f.v)
		if err != nil || n < 0 || (i == 0 && n > tiles.MaxZoom) {
			s.respondError(w, r, badParam(f.name, "want an integer from 0 (z at most %d)", tiles.MaxZoom))
			return
		}
		zxy[i] = n
	}
	if err := query(r.URL.Query()); err != nil {
		s.respondError(w, r, err)
		return
	}
	t, err := s.tiles.Tile(r.Context(), p, r.PathValue("layer"), zxy[0], zxy[1], zxy[2])
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("ETag", t.ETag)
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Vary", "Cookie, Authorization")
	for tag := range strings.SplitSeq(r.Header.Get("If-None-Match"), ",") {
		if tag = strings.TrimSpace(tag); tag == "*" || tag == t.ETag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Type", mvtType)
	h.Set("Content-Length", strconv.Itoa(len(t.Data)))
	w.WriteHeader(http.StatusOK)
	w.Write(t.Data)
}

// tileJSON serves /tiles/{layer}.json, a layer's TileJSON.
func (s *Server) tileJSON(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".json")
	if !ok {
		s.respondError(w, r, badParam("layer", "want /tiles/{layer}.json or /tiles/{layer}/{z}/{x}/{y}.mvt"))
		return
	}
	if err := query(r.URL.Query()); err != nil {
		s.respondError(w, r, err)
		return
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	tj, err := tiles.Describe(name, scheme+"://"+r.Host)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, tj)
}

// dropTiles keeps the tile cache true to the events every instance sees:
// a grid's coverage figures changed (the event names the grid; its
// ancestors have events of their own), or a publication changed and
// retired grids (the new ones lie where those were, children tiling
// their parent).
func (s *Server) dropTiles(e live.Event) {
	switch e.Topic {
	case live.TopicCoverage:
		s.tiles.Changed([]int64{e.GridID})
	case live.TopicBoundaries:
		var b boundaryEvent
		if err := json.Unmarshal(e.Payload, &b); err != nil {
			s.log.Warn("tiles: a boundaries event without its grids", "error", err)
			return
		}
		s.tiles.Changed(append(b.Grids, b.Retired...))
	}
}
