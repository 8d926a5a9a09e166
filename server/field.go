package server

import (
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// Field writes: the handlers decode the body (and the path's id) into the
// field service's input, call one method of field.Service (which
// validates, checks scope, writes under the coverage hold, applies the
// change to the live figures and publishes), and answer its result.

// actor names the principal of a write for the audit log.
func actor(r *http.Request, p *auth.Principal) store.Actor {
	return store.Actor{AccountID: p.AccountID, Name: p.Username, RequestID: requestID(r.Context())}
}

// decodeInput decodes a write's body into in, answering an error itself.
func (s *Server) decodeInput(w http.ResponseWriter, r *http.Request, in any) bool {
	if err := decodeJSON(w, r, in); err != nil {
		s.respondError(w, r, err)
		return false
	}
	return true
}

// pathInput parses the {id} of the path into id and decodes the body
// into in, answering an error itself.
func (s *Server) pathInput(w http.ResponseWriter, r *http.Request, id *int64, in any) bool {
	var err error
	if *id, err = pathID(r); err != nil {
		s.respondError(w, r, err)
		return false
	}
	return s.decodeInput(w, r, in)
}

// pathID parses the {id} of the path.
func pathID(r *http.Request) (int64, error) { return parseID("id", r.PathValue("id"), false) }

// answerWrite answers a field write: an error through the one mapper, or
// the stored answer (a replay says so in Idempotent-Replay) with the
// status of what the write did.
func (s *Server) answerWrite(w http.ResponseWriter, r *http.Request, res store.WriteResult, err error) {
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	if res.Replay {
		w.Header().Set("Idempotent-Replay", "true")
	}
	status := http.StatusOK
	switch res.Effect {
	case store.Done:
		w.WriteHeader(http.StatusNoContent)
		return
	case store.Created:
		status = http.StatusCreated
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(res.Body, '\n'))
}
