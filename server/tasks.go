package server

import (
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/field"
	"github.com/gridmap/gridmap/store"
)

// Tasks (issue 14): a gap sent to a volunteer, who accepts, declines or
// closes it from their phone; see docs/FIELD.md "Tasks".

func (s *Server) postTask(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.TaskInput
	if !s.decodeInput(w, r, &in) {
		return
	}
	res, err := s.tasks.Create(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

// tasks lists tasks: ?grid= (a subtree in scope) and ?status=.
func (s *Server) listTasks(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	err := query(q, "grid", "status", "after", "limit")
	tq := field.TaskQuery{Status: q.Get("status"), After: q.Get("after")}
	if err == nil {
		tq.Grid, err = parseID("grid", q.Get("grid"), true)
	}
	if err == nil && q.Get("limit") != "" {
		tq.Limit, err = parseLimit(q.Get("limit"), field.DefaultTaskPage, field.MaxTaskPage)
	}
	var (
		list []store.Task
		next string
	)
	if err == nil {
		list, next, err = s.tasks.List(r.Context(), p, tq)
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"tasks": list, "now": s.now(), "next": nextLink(r, next)})
}

// nextLink is the request's path and query with after set to cursor: the
// next page's link, nil after the last page.
func nextLink(r *http.Request, cursor string) *string {
	if cursor == "" {
		return nil
	}
	v := r.URL.Query()
	v.Set("after", cursor)
	link := r.URL.Path + "?" + v.Encode()
	return &link
}

func (s *Server) acceptTask(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.TaskActionInput
	if !s.pathInput(w, r, &in.ID, &in) {
		return
	}
	res, err := s.tasks.Accept(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) declineTask(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.TaskActionInput
	if !s.pathInput(w, r, &in.ID, &in) {
		return
	}
	res, err := s.tasks.Decline(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) assignTask(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.AssignInput
	if !s.pathInput(w, r, &in.ID, &in) {
		return
	}
	res, err := s.tasks.Assign(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}

func (s *Server) doneTask(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in field.DoneInput
	if !s.pathInput(w, r, &in.ID, &in) {
		return
	}
	res, err := s.tasks.Done(r.Context(), p, actor(r, p), in)
	s.answerWrite(w, r, res, err)
}
