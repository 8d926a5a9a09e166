package server

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// maxTokenTTL bounds how long a token may live; every token expires.
const maxTokenTTL = 366 * 24 * time.Hour

type accountRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Role     string `json:"role"`
	GridID   int64  `json:"grid_id"`
	PersonID int64  `json:"person_id"`
}

func (req *accountRequest) validate() (auth.Role, error) {
	req.Username = strings.ToLower(strings.TrimSpace(req.Username))
	role, err := auth.ParseRole(req.Role)
	switch {
	case err != nil:
		return "", badParam("role", "%v", err)
	case !validUsername(req.Username):
		return "", badParam("username", "2-64 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
	case role.Scoped() && req.GridID <= 0:
		return "", badParam("grid_id", "required for role %s", role)
	case !role.Scoped() && req.GridID != 0:
		return "", badParam("grid_id", "only grid leaders and staff have a grid")
	case role == auth.Device && req.PersonID <= 0:
		return "", badParam("person_id", "required for a device: the volunteer it reports for")
	case role != auth.Device && req.PersonID != 0:
		return "", badParam("person_id", "only devices have a person")
	case role != auth.Device && len(req.Password) < auth.MinPasswordLength:
		return "", badParam("password", "at least %d characters", auth.MinPasswordLength)
	case len(req.Password) > 72:
		return "", badParam("password", "at most 72 bytes")
	case role == auth.Device && req.Password != "":
		return "", badParam("password", "devices log in with tokens, not passwords")
	}
	return role, nil
}

func validUsername(u string) bool {
	if len(u) < 2 || len(u) > 64 {
		return false
	}
	for i, c := range u {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return false
		}
	}
	return true
}

func (s *Server) accounts(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	accs, err := s.store.Accounts(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"accounts": accs})
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var req accountRequest
	err := decodeJSON(w, r, &req)
	var role auth.Role
	if err == nil {
		role, err = req.validate()
	}
	if err == nil && req.GridID != 0 {
		err = s.scopes.CheckHome(r.Context(), p, "grid_id", req.GridID)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	var hash string
	if req.Password != "" {
		if hash, err = auth.HashPassword(req.Password, bcrypt.DefaultCost); err != nil {
			s.respondError(w, r, badParam("password", "%v", err))
			return
		}
	}
	acc, err := s.store.CreateAccount(r.Context(), actor(r, p), store.NewAccount{
		Username: req.Username, PasswordHash: hash, Role: role, GridID: req.GridID, PersonID: req.PersonID})
	switch {
	case errors.Is(err, store.ErrConflict):
		s.clientError(w, r, http.StatusConflict, "username", "username: already taken")
	case errors.Is(err, store.ErrBadReference):
		s.clientError(w, r, http.StatusBadRequest, "person_id", "person_id: no person has this id")
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.writeJSON(w, r, http.StatusCreated, "application/json; charset=utf-8", acc)
	}
}

type tokenRequest struct {
	Name     string `json:"name"`
	TTLHours int    `json:"ttl_hours"`
}

// createToken makes an API or device token for an account. The secret is
// in this answer only; the server keeps its hash.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := parseID("id", r.PathValue("id"), false)
	var req tokenRequest
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	req.Name = strings.TrimSpace(req.Name)
	switch {
	case err != nil:
	case req.Name == "" || utf8.RuneCountInString(req.Name) > 100:
		err = badParam("name", "required, at most 100 characters")
	case req.TTLHours < 1 || time.Duration(req.TTLHours)*time.Hour > maxTokenTTL:
		err = badParam("ttl_hours", "from 1 to %d", int(maxTokenTTL.Hours()))
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	plain, hash := auth.NewToken("gmt_")
	t, err := s.store.CreateToken(r.Context(), actor(r, p), id, req.Name, hash, s.now().Add(time.Duration(req.TTLHours)*time.Hour))
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "id", "account"))
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

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	q := r.URL.Query()
	f := store.AuditFilter{Entity: q.Get("entity"), EntityID: q.Get("entity_id")}
	err := query(q, "entity", "entity_id", "before", "limit")
	if err == nil {
		f.BeforeID, err = parseID("before", q.Get("before"), true)
	}
	if err == nil {
		f.Limit, err = parseLimit(q.Get("limit"), 100, 1000)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	entries, err := s.store.AuditLog(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"entries": entries})
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
	id, err := parseID("id", r.PathValue("id"), false)
	if err == nil && disabled && id == p.AccountID {
		err = badParam("id", "you cannot disable your own account")
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	acc, err := s.store.SetAccountDisabled(r.Context(), actor(r, p), id, disabled)
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "id", "account"))
		return
	}
	if disabled {
		s.tokens.clear()
		n := s.kickStreams(id, true, "")
		s.log.Info("account disabled", "account_id", id, "streams_closed", n)
	}
	s.ok(w, r, acc)
}
