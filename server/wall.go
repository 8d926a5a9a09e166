package server

import (
	"net/http"

	"github.com/gridmap/gridmap/auth"
)

// wallSummary answers every headline counter of the wall display for a
// grid's subtree (docs/WALL.md).
func (s *Server) wallSummary(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	sum, err := s.read.Wall(r.Context(), p, id)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, sum)
}
