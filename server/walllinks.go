package server

import (
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gridmap/gridmap/accounts"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// wallLinkPath is where a wall link's secret is opened; the request log
// writes the path without the secret.
const wallLinkPath = "/wall/link/"

// issuedWallLink is the answer to a new wall link: the link and the URL
// that logs a screen in, shown this once.
type issuedWallLink struct {
	store.WallLink
	URL string `json:"url"`
}

// issueWallLink makes a read-only wall link for a grid (admins only).
func (s *Server) issueWallLink(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in accounts.WallLinkInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	secret, l, err := s.acct.IssueWallLink(r.Context(), p, actor(r, p), in)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, "application/json; charset=utf-8", issuedWallLink{l, s.siteURL(r) + wallLinkPath + secret})
}

func (s *Server) wallLinks(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	links, err := s.acct.WallLinks(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"wall_links": links})
}

// revokeWallLink revokes a wall link: its sessions end, and its screen's
// open streams on this instance close with 4001 at once (on other
// instances at their next login recheck).
func (s *Server) revokeWallLink(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	l, err := s.acct.RevokeWallLink(r.Context(), actor(r, p), id)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	n := s.kickStreams(l.AccountID, true, "")
	s.log.Info("wall link revoked", "wall_link_id", id, "streams_closed", n)
	s.ok(w, r, l)
}

// openWallLink logs a screen in with a wall link: it sets the session
// cookie (kept until the link expires, so a restarted browser stays
// logged in) and sends the screen to its wall. A link that no longer
// works, or a server that cannot check it, answers a small page saying
// so: a screen with no keyboard never gets a login form.
func (s *Server) openWallLink(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	sess, err := s.acct.WallLogin(r.Context(), r.PathValue("secret"), requestID(r.Context()), clientAddr(r))
	if err != nil {
		s.wallLinkPage(w, r, err)
		return
	}
	s.setSessionCookie(w, r, sess.Token, int(sess.ExpiresAt.Sub(s.now()).Seconds()))
	s.log.Info("wall link login", "username", sess.Principal.Username, "grid_id", sess.GridID, "addr", clientAddr(r))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/wall?grid="+strconv.FormatInt(sess.GridID, 10), http.StatusSeeOther)
}

// siteURL is the scheme and host the request came to, for links to give
// out.
func (s *Server) siteURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || s.cfg.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// wallLinkPage answers a wall link that did not log in: 410 and a page
// in both languages for a dead link; for a server that cannot check it
// (503, 500), a page that reloads itself every 30 s, so the screen logs
// in once the server is back.
func (s *Server) wallLinkPage(w http.ResponseWriter, r *http.Request, err error) {
	page := wallPage{Status: http.StatusGone,
		ZH: "此大屏链接已失效（已过期或已撤销）。请联系指挥中心获取新链接。",
		EN: "This wall link no longer works (expired or revoked). Ask the command centre for a new one."}
	if model.KindOf(err) != model.Gone {
		level := slog.LevelError // a bug; an unreachable database is only a warning
		if store.Unavailable(err) {
			level = slog.LevelWarn
		}
		s.log.Log(r.Context(), level, "wall link not checked", "error", err, "request_id", requestID(r.Context()))
		page = wallPage{Status: http.StatusServiceUnavailable, Retry: true,
			ZH: "暂时无法连接服务器，30 秒后自动重试。", EN: "The server cannot be reached; retrying in 30 s."}
		w.Header().Set("Retry-After", "30")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(page.Status)
	wallPageHTML.Execute(w, page)
}

// wallPage is what wallPageHTML shows.
type wallPage struct {
	Status int
	Retry  bool
	ZH, EN string
}

// wallPageHTML is the page a screen shows when its link did not log it
// in: both languages at once (nobody there can switch), large type for a
// screen read from across the room, nothing loaded from elsewhere.
var wallPageHTML = template.Must(template.New("wall-link").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{if .Retry}}<meta http-equiv="refresh" content="30">{{end}}
<title>大屏链接 · Wall link</title>
<style>
html,body{margin:0;height:100%;background:#0d1117;color:#e6edf3;font-family:system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif}
main{box-sizing:border-box;min-height:100%;display:flex;flex-direction:column;justify-content:center;padding:6vw;gap:2.5vw}
p{margin:0;max-width:40em;line-height:1.4}
.zh{font-size:clamp(22px,3.4vw,96px);font-weight:600}
.en{font-size:clamp(18px,2.4vw,64px);color:#9da7b3}
</style></head>
<body><main data-status="{{.Status}}">
<p class="zh">{{.ZH}}</p>
<p class="en" lang="en">{{.EN}}</p>
</main></body></html>
`))

// logPath is a request's path as the request log writes it: a wall
// link's secret is replaced, since a log is no place for a login.
func logPath(p string) string {
	if strings.HasPrefix(p, wallLinkPath) {
		return wallLinkPath + "…"
	}
	return p
}
