package server

import (
	"cmp"
	"fmt"
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/playback"
	"github.com/gridmap/gridmap/sheet"
)

// coverageHistory answers a grid's figures at the end of each day from
// from to to.
func (s *Server) coverageHistory(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r)
	q := r.URL.Query()
	if err == nil {
		err = query(q, "from", "to")
	}
	var days []playback.Day
	if err == nil {
		days, err = s.playback.History(r.Context(), p, id, q.Get("from"), q.Get("to"))
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"grid": id, "denominator": playback.Denominator, "days": days})
}

// replayDay answers a grid's day for playback: its volunteers' fixes and
// summaries and its screening counts in steps.
func (s *Server) replayDay(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	err := query(q, "grid", "day")
	var grid int64
	if err == nil {
		grid, err = parseID("grid", q.Get("grid"), false)
	}
	var rp *playback.Replay
	if err == nil {
		rp, err = s.playback.Replay(r.Context(), p, grid, q.Get("day"))
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, rp)
}

// dailyReport answers the day's report of a grid (docs/FIELD.md).
func (s *Server) dailyReport(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	rep, err := s.report(r, p)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, rep)
}

// dailyReportXLSX answers the same report as an .xlsx workbook to
// download, in ?lang= (default the server's language).
func (s *Server) dailyReportXLSX(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	rep, err := s.report(r, p)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="gridmap-daily-%d-%s.xlsx"`, rep.Total.Grid, rep.Day))
	if err := sheet.WriteXLSX(w, rep.Tables(cmp.Or(r.URL.Query().Get("lang"), s.cfg.DefaultLang))); err != nil {
		s.log.Error("daily report xlsx", "error", err, "request_id", requestID(r.Context()))
	}
}

// report reads the day's report a request asks for (?grid=&day=&level=).
func (s *Server) report(r *http.Request, p *auth.Principal) (*playback.Report, error) {
	q := r.URL.Query()
	if err := query(q, "grid", "day", "level", "lang"); err != nil {
		return nil, err
	}
	grid, err := parseID("grid", q.Get("grid"), true)
	if err != nil {
		return nil, err
	}
	level, err := parseLevel(q.Get("level"))
	if err != nil {
		return nil, err
	}
	return s.playback.Daily(r.Context(), p, playback.ReportQuery{Grid: grid, Day: q.Get("day"), Level: level})
}
