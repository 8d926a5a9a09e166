package server

import (
	"net/http"

	"github.com/gridmap/gridmap/accounts"
	"github.com/gridmap/gridmap/auth"
)

func (s *Server) accounts(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	accs, err := s.acct.Accounts(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"accounts": accs})
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in accounts.AccountInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	acc, err := s.acct.CreateAccount(r.Context(), p, actor(r, p), in)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, "application/json; charset=utf-8", acc)
}

// createToken makes an API or device token for an account. The secret is
// in this answer only; the server keeps its hash.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var id int64
	var in accounts.TokenInput
	if !s.pathInput(w, r, &id, &in) {
		return
	}
	plain, t, err := s.acct.CreateToken(r.Context(), actor(r, p), id, in)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, "application/json; charset=utf-8", map[string]any{"token": plain, "info": t})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := parseID("id", r.PathValue("id"), false)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	t, err := s.store.RevokeToken(r.Context(), actor(r, p), id)
	s.tokens.clear()
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "id", "token"))
		return
	}
	s.ok(w, r, t)
}

// disableAccount disables an account: its sessions end, its tokens are
// refused, and its open streams on this instance close with 4001 at once
// (on other instances within a token sweep or a login recheck).
func (s *Server) disableAccount(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	s.setDisabled(w, r, p, true)
}

// enableAccount lets a disabled account log in again.
func (s *Server) enableAccount(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	s.setDisabled(w, r, p, false)
}

func (s *Server) setDisabled(w http.ResponseWriter, r *http.Request, p *auth.Principal, disabled bool) {
	id, err := pathID(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	acc, err := s.acct.SetDisabled(r.Context(), p, actor(r, p), id, disabled)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	if disabled {
		s.tokens.clear()
		n := s.kickStreams(id, true, "")
		s.log.Info("account disabled", "account_id", id, "streams_closed", n)
	}
	s.ok(w, r, acc)
}
