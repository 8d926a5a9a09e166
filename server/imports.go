package server

import (
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
)

// importFile takes a grid office's spreadsheet (.xlsx or .csv) of one
// kind (see field.Service.Import). The query's client_id makes a retried
// upload count once.
func (s *Server) importFile(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	if err := query(q, "client_id"); err != nil {
		s.respondError(w, r, err)
		return
	}
	res, err := s.field.Import(r.Context(), p, actor(r, p), field.ImportInput{ClientID: q.Get("client_id"),
		Kind: r.PathValue("kind"), MediaType: r.Header.Get("Content-Type"), File: r.Body})
	s.answerWrite(w, r, res, err)
}
