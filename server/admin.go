package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gridmap/gridmap/accounts"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// The admin page's routes (issue 14): a change of role and grid, a reset
// password, sessions ended, the tokens listed, the audit log filtered.

// updateAccount gives an account another role and grid: its sessions end
// (and their streams here), and tokens cached with the old role are
// dropped, so the new scope applies at once.
func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var id int64
	var in accounts.AccountUpdate
	if !s.pathInput(w, r, &id, &in) {
		return
	}
	acc, err := s.acct.UpdateAccount(r.Context(), p, actor(r, p), id, in)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.tokens.clear()
	n := s.kickStreams(id, true, "")
	s.log.Info("account changed", "account_id", id, "role", acc.Role, "streams_closed", n)
	s.ok(w, r, acc)
}

// resetPassword sets another account's password; its sessions and their
// streams end (its tokens stay).
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var id int64
	var in accounts.PasswordResetInput
	if !s.pathInput(w, r, &id, &in) {
		return
	}
	ended, err := s.acct.ResetPassword(r.Context(), p, actor(r, p), id, in)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.kickStreams(id, false, "")
	s.log.Info("password reset", "account_id", id, "sessions_ended", ended)
	s.ok(w, r, map[string]int64{"sessions_ended": ended})
}

// endSessions logs an account out everywhere: its sessions and their
// streams end (its tokens stay).
func (s *Server) endSessions(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	ended, err := s.acct.EndSessions(r.Context(), p, actor(r, p), id)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.kickStreams(id, false, "")
	s.ok(w, r, map[string]int64{"sessions_ended": ended})
}

// tokens lists tokens, newest first: ?account= one account's, ?role=
// those of a role's accounts (role=device: the phones), ?before= and
// ?limit= to page.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	f, err := tokenFilter(r.URL.Query())
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	ts, err := s.acct.Tokens(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"tokens": ts})
}

func tokenFilter(q url.Values) (store.TokenFilter, error) {
	var f store.TokenFilter
	err := query(q, "account", "role", "before", "limit")
	if err == nil {
		f.AccountID, err = parseID("account", q.Get("account"), true)
	}
	if err == nil && q.Get("role") != "" {
		f.Role, err = auth.ParseRole(q.Get("role"))
		if err != nil {
			err = badParam("role", "%v", err)
		}
	}
	if err == nil {
		f.BeforeID, err = parseID("before", q.Get("before"), true)
	}
	if err == nil {
		f.Limit, err = parseLimit(q.Get("limit"), 200, 1000)
	}
	return f, err
}

// auditLog answers a page of the audit log, newest first, filtered by
// ?account= (the actor's account id), ?actor= (the actor's name), ?action=,
// ?entity=, ?entity_id=, ?from= and ?to= (RFC 3339 times, or days of the
// area: from a day's start, to its end), paged by ?before= and ?limit=.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	f, err := s.auditFilter(r.URL.Query())
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	page, err := s.acct.AuditLog(r.Context(), f)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	// next: the link of the page after, as every paged list names it.
	var next *string
	if page.NextBefore != nil {
		v := r.URL.Query()
		v.Set("before", strconv.FormatInt(*page.NextBefore, 10))
		link := r.URL.Path + "?" + v.Encode()
		next = &link
	}
	s.ok(w, r, struct {
		store.AuditPage
		Next *string `json:"next"`
	}{page, next})
}

func (s *Server) auditFilter(q url.Values) (store.AuditFilter, error) {
	f := store.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), Entity: q.Get("entity"), EntityID: q.Get("entity_id")}
	err := query(q, "account", "actor", "action", "entity", "entity_id", "from", "to", "before", "limit")
	for _, name := range []string{"actor", "action", "entity", "entity_id"} {
		if v := q.Get(name); err == nil && (len(v) > 100 || strings.ContainsRune(v, 0)) {
			err = badParam(name, "at most 100 characters")
		}
	}
	if err == nil {
		f.AccountID, err = parseID("account", q.Get("account"), true)
	}
	if err == nil {
		f.From, err = parseInstant("from", q.Get("from"), s.cfg.Location, false)
	}
	if err == nil {
		f.To, err = parseInstant("to", q.Get("to"), s.cfg.Location, true)
	}
	if err == nil {
		f.BeforeID, err = parseID("before", q.Get("before"), true)
	}
	if err == nil {
		f.Limit, err = parseLimit(q.Get("limit"), 100, 1000)
	}
	return f, err
}

// parseInstant parses an optional RFC 3339 time, or a day (YYYY-MM-DD)
// of the area (loc): its start, or with end the start of the next day,
// so a range "to" a day includes it.
func parseInstant(field, v string, loc *time.Location, end bool) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return nil, badParam(field, "want a day (2026-12-01) or an RFC 3339 time (2026-12-01T08:00:00+08:00), got %q", clip(v))
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return &d, nil
}
