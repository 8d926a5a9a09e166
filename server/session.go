package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// sessionCookie names the browser session cookie.
const sessionCookie = "gridmap_session"

var errBadCredentials = &model.Error{Kind: model.Unauthenticated, Field: "", Msg: "login expired or token invalid; log in again"}

// authenticate finds the principal of a request: a bearer token (API
// clients and devices) or the session cookie (browsers). No credentials
// give a nil principal; bad or expired ones an error (401).
func (s *Server) authenticate(r *http.Request) (*auth.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			return nil, &model.Error{Kind: model.Unauthenticated, Field: "Authorization", Msg: "Authorization: want 'Bearer <token>'"}
		}
		hash := auth.HashToken(token)
		if p, ok := s.tokens.get(hash, s.now()); ok {
			return &p, nil
		}
		p, err := s.store.TokenPrincipal(r.Context(), hash)
		if err == nil {
			s.tokens.put(hash, p, s.now())
		}
		return principalOrError(p, err)
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	until := s.now().Add(s.cfg.SessionTTL)
	p, err := s.store.SessionPrincipal(r.Context(), auth.HashToken(c.Value), store.SessionLimits{
		Until: until, RefreshBefore: until.Add(-sessionRefresh), MaxAge: s.cfg.SessionMax})
	return principalOrError(p, err)
}

// sessionRefresh is how stale a session's stored idle expiry may get
// before a use writes it again: a burst of requests or stream upgrades on
// one session reads its row and writes it at most once a minute.
const sessionRefresh = time.Minute

func principalOrError(p auth.Principal, err error) (*auth.Principal, error) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, errBadCredentials
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (req *loginRequest) validate() error {
	req.Username = strings.TrimSpace(strings.ToLower(req.Username))
	switch {
	case req.Username == "" || len(req.Username) > 64:
		return badParam("username", "required, at most 64 characters")
	case req.Password == "" || len(req.Password) > 200:
		return badParam("password", "required, at most 200 characters")
	}
	return nil
}

// meResponse says who is logged in and what they may see.
type meResponse struct {
	Username string    `json:"username"`
	Role     auth.Role `json:"role"`
	GridID   *int64    `json:"grid_id"`
	GridName *string   `json:"grid_name"`
}

func (s *Server) meOf(ctx context.Context, p *auth.Principal) (meResponse, error) {
	m := meResponse{Username: p.Username, Role: p.Role}
	if p.GridID != 0 {
		path, err := s.store.GridPath(ctx, p.GridID)
		if err != nil {
			return m, err
		}
		m.GridID = &p.GridID
		if len(path) > 0 {
			m.GridName = &path[len(path)-1].Name
		}
	}
	return m, nil
}

// login checks a password and starts a browser session. Attempts are
// limited per address, and per account from each address, successful or
// not, so a guessing run meets 429s long before it gets anywhere, while
// a run against a known account locks out only the address it comes from,
// never the account's owner elsewhere.
func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := req.validate(); err != nil {
		s.respondError(w, r, err)
		return
	}
	now := s.now()
	if ok, wait := s.loginAddrLimit.allow("addr:"+clientAddr(r), now); !ok {
		s.tooMany(w, r, "login", "username", wait)
		return
	}
	if ok, wait := s.loginLimit.allow(loginKey(req.Username, r), now); !ok {
		s.tooMany(w, r, "login", "username", wait)
		return
	}
	l, err := s.store.AccountLogin(r.Context(), req.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	if err != nil || l.Disabled || l.PasswordHash == "" {
		auth.SpendPasswordTime(req.Password) // unknown users take as long as known ones
		s.failedLogin(w, r, req.Username)
		return
	}
	if !auth.CheckPassword(l.PasswordHash, req.Password) {
		s.failedLogin(w, r, req.Username)
		return
	}
	token, hash := auth.NewToken("gms_")
	if err := s.store.CreateSession(r.Context(), l.Principal.AccountID, hash, now.Add(s.cfg.SessionTTL)); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies || r.TLS != nil,
	})
	s.log.Info("login", "username", l.Principal.Username, "role", l.Principal.Role, "addr", clientAddr(r))
	m, err := s.meOf(r.Context(), &l.Principal)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, m)
}

// loginKey keys the password attempts on one account from one address.
func loginKey(username string, r *http.Request) string {
	return "user:" + username + "|addr:" + clientAddr(r)
}

func (s *Server) failedLogin(w http.ResponseWriter, r *http.Request, username string) {
	s.metrics.loginFailures.Inc()
	s.log.Warn("login failed", "username", username, "addr", clientAddr(r))
	s.clientError(w, r, http.StatusUnauthorized, "password", "wrong username or password")
}

// logout ends the browser session, if any, and clears the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(r.Context(), auth.HashToken(c.Value)); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies || r.TLS != nil})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	m, err := s.meOf(r.Context(), p)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, m)
}

type passwordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

func (req *passwordRequest) validate() error {
	switch {
	case req.Current == "" || len(req.Current) > 200:
		return badParam("current", "required: your password now")
	case len(req.New) < auth.MinPasswordLength:
		return badParam("new", "at least %d characters", auth.MinPasswordLength)
	case len(req.New) > 72:
		return badParam("new", "at most 72 bytes")
	}
	return nil
}

// changePassword sets the caller's password after checking the current
// one (attempts count against the login limit), and ends the account's
// other sessions and their streams; the session that asked stays.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var req passwordRequest
	err := decodeJSON(w, r, &req)
	if err == nil {
		err = req.validate()
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	if ok, wait := s.loginLimit.allow(loginKey(p.Username, r), s.now()); !ok {
		s.tooMany(w, r, "login", "current", wait)
		return
	}
	l, err := s.store.AccountLogin(r.Context(), p.Username)
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "", "account"))
		return
	}
	if l.PasswordHash == "" || !auth.CheckPassword(l.PasswordHash, req.Current) {
		s.metrics.loginFailures.Inc()
		s.clientError(w, r, http.StatusForbidden, "current", "current: wrong password")
		return
	}
	hash, err := auth.HashPassword(req.New, bcrypt.DefaultCost)
	if err != nil {
		s.respondError(w, r, badParam("new", "%v", err))
		return
	}
	var keep []byte
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && r.Header.Get("Authorization") == "" {
		keep = auth.HashToken(c.Value)
	}
	ended, err := s.store.ChangePassword(r.Context(), actor(r, p), p.AccountID, hash, keep)
	if err != nil {
		s.respondError(w, r, notFoundAs(err, "", "account"))
		return
	}
	s.kickStreams(p.AccountID, false, string(keep)) // streams on other sessions; tokens are not sessions
	s.log.Info("password changed", "username", p.Username, "sessions_ended", ended)
	s.ok(w, r, map[string]int64{"sessions_ended": ended})
}
