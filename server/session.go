package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gridmap/gridmap/accounts"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// sessionCookie names the browser session cookie.
const sessionCookie = "gridmap_session"

var errBadCredentials = &model.Error{Kind: model.Unauthenticated, Code: model.CodeSessionExpired, Msg: "login expired or token invalid; log in again"}

// authenticate finds the principal of a request: a bearer token (API
// clients and devices) or the session cookie (browsers). No credentials
// give a nil principal; bad or expired ones an error (401).
func (s *Server) authenticate(r *http.Request) (*auth.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			return nil, &model.Error{Kind: model.Unauthenticated, Field: "Authorization", Code: model.CodeBadAuthHeader, Msg: "Authorization: want 'Bearer <token>'"}
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

// login checks a password and starts a browser session. Attempts are
// limited per address, and per account from each address, successful or
// not, so a guessing run meets 429s long before it gets anywhere, while
// a run against a known account locks out only the address it comes from,
// never the account's owner elsewhere.
func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	var in accounts.LoginInput
	if !s.decodeValid(w, r, &in) || !s.allowLogin(w, r, in.Username) {
		return
	}
	sess, err := s.acct.Login(r.Context(), in)
	if errors.Is(err, accounts.ErrWrongPassword) {
		s.failedLogin(w, r, in.Username, err)
		return
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.setSessionCookie(w, r, sess.Token, 0)
	s.log.Info("login", "username", sess.Principal.Username, "role", sess.Principal.Role, "addr", clientAddr(r))
	s.me(w, r, &sess.Principal)
}

// decodeValid decodes a body into in and validates it, answering an
// error itself.
func (s *Server) decodeValid(w http.ResponseWriter, r *http.Request, in interface{ Validate() error }) bool {
	err := decodeJSON(w, r, in)
	if err == nil {
		err = in.Validate()
	}
	if err != nil {
		s.respondError(w, r, err)
		return false
	}
	return true
}

// allowLogin takes a password attempt from the address's bucket and from
// the account's at this address, answering 429 itself when either is
// empty.
func (s *Server) allowLogin(w http.ResponseWriter, r *http.Request, username string) bool {
	now := s.now()
	if ok, wait := s.loginAddrLimit.allow("addr:"+clientAddr(r), now); !ok {
		s.tooMany(w, r, "login", "username", wait)
		return false
	}
	if ok, wait := s.loginLimit.allow(loginKey(username, r), now); !ok {
		s.tooMany(w, r, "login", "username", wait)
		return false
	}
	return true
}

// loginKey keys the password attempts on one account from one address.
func loginKey(username string, r *http.Request) string {
	return "user:" + username + "|addr:" + clientAddr(r)
}

// failedLogin counts and logs a refused password and answers its 401.
func (s *Server) failedLogin(w http.ResponseWriter, r *http.Request, username string, err error) {
	s.metrics.loginFailures.Inc()
	s.log.Warn("login failed", "username", username, "addr", clientAddr(r))
	var fe *model.Error
	errors.As(err, &fe)
	s.answer(w, r, http.StatusUnauthorized, fe)
}

// setSessionCookie sets the session cookie to token; maxAge -1 clears it.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies || r.TLS != nil})
}

// sessionHash is the hash of the request's session cookie, nil when the
// request came with a bearer token or no cookie.
func sessionHash(r *http.Request) []byte {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && r.Header.Get("Authorization") == "" {
		return auth.HashToken(c.Value)
	}
	return nil
}

// logout ends the browser session, if any, and clears the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(r.Context(), auth.HashToken(c.Value)); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.setSessionCookie(w, r, "", -1)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	m, err := s.acct.Me(r.Context(), p)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, m)
}

// changePassword sets the caller's password after checking the current
// one (attempts count against the login limit), and ends the account's
// other sessions and their streams; the session that asked stays.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in accounts.PasswordInput
	if !s.decodeValid(w, r, &in) {
		return
	}
	if ok, wait := s.loginLimit.allow(loginKey(p.Username, r), s.now()); !ok {
		s.tooMany(w, r, "login", "current", wait)
		return
	}
	keep := sessionHash(r)
	ended, err := s.acct.ChangePassword(r.Context(), p, actor(r, p), in, keep)
	if errors.Is(err, accounts.ErrWrongPassword) {
		s.metrics.loginFailures.Inc()
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.kickStreams(p.AccountID, false, string(keep)) // streams on other sessions; tokens are not sessions
	s.log.Info("password changed", "username", p.Username, "sessions_ended", ended)
	s.ok(w, r, map[string]int64{"sessions_ended": ended})
}
