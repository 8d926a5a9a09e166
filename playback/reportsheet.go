package playback

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gridmap/gridmap/sheet"
)

// reportColumn is a column of the day's report's sheet.
type reportColumn struct {
	zh, en string
	cell   func(r ReportRow) any
	live   bool
}

// reportColumns are the day's report's columns after the grid's name and
// level, in zh-CN and English, with what each row puts in them; live
// ones are figures of now, in today's report only.
var reportColumns = []reportColumn{
	{"在住户数", "Occupied households", func(r ReportRow) any { return r.Figures.Households }, false},
	{"已排查户数", "Screened", func(r ReportRow) any { return r.Figures.ScreenedToday }, false},
	{"排查率%", "Screened %", func(r ReportRow) any { return r.Figures.ScreenedPct }, false},
	{"党员联系户", "With party-member contact", func(r ReportRow) any { return r.Figures.WithContact }, false},
	{"联系率%", "Contact %", func(r ReportRow) any { return r.Figures.ContactPct }, false},
	{"楼栋数", "Buildings", func(r ReportRow) any { return r.Figures.Buildings }, false},
	{"有楼栋长", "With a head", func(r ReportRow) any { return r.Figures.WithHead }, false},
	{"楼栋长率%", "Head %", func(r ReportRow) any { return r.Figures.HeadPct }, false},
	{"居家隔离户", "Quarantined", func(r ReportRow) any { return r.Figures.Quarantined }, false},
	{"发热预警", "Fever alerts open", func(r ReportRow) any { return r.Figures.FeverAlerts }, false},
	{"逾期走访", "Overdue visits", func(r ReportRow) any { return r.Figures.OverdueVisits }, false},
	{"未办结诉求", "Open requests", func(r ReportRow) any { return r.Figures.OpenRequests }, false},
	{"排查上报", "Screening reports", func(r ReportRow) any { return r.Activity.Reports }, false},
	{"发热上报", "Fever reports", func(r ReportRow) any { return r.Activity.FeverReports }, false},
	{"不在家", "Not home", func(r ReportRow) any { return r.Activity.NotHome }, false},
	{"拒绝", "Refused", func(r ReportRow) any { return r.Activity.Refused }, false},
	{"走访", "Visits", func(r ReportRow) any { return r.Activity.Visits }, false},
	{"诉求受理", "Requests received", func(r ReportRow) any { return r.Activity.RequestsReceived }, false},
	{"诉求办结", "Requests closed", func(r ReportRow) any { return r.Activity.RequestsClosed }, false},
	{"晒网抽查", "Spot-checked", func(r ReportRow) any { return r.Activity.SpotChecked }, false},
	{"知晓联系人", "Knew their contact", func(r ReportRow) any { return r.Activity.SpotKnows }, false},
	{"任务新建", "Tasks made", func(r ReportRow) any { return r.Activity.TasksMade }, false},
	{"任务完成", "Tasks done", func(r ReportRow) any { return r.Activity.TasksDone }, false},
	{"在办任务", "Tasks open", func(r ReportRow) any { return r.Activity.TasksOpen }, true},
	{"升级任务", "Tasks escalated", func(r ReportRow) any { return r.Activity.TasksEscalated }, true},
}

var levelNames = map[bool][4]string{
	true:  {"", "街道", "社区", "网格"},
	false: {"", "Subdistrict", "Community", "Compound grid"},
}

// Tables is the report as the sheets of a workbook in lang ("en" for
// English, else zh-CN): the day's figures (the grid's total first, then
// its rows), and the week's screening completeness per grid.
func (r *Report) Tables(lang string) []sheet.Table {
	zh := !strings.HasPrefix(lang, "en")
	pick := func(z, e string) string {
		if zh {
			return z
		}
		return e
	}
	levels := levelNames[zh]
	all := append([]ReportRow{r.Total}, r.Rows...)
	cols := reportColumns
	if !r.Live {
		cols = slices.DeleteFunc(slices.Clone(cols), func(c reportColumn) bool { return c.live })
	}

	day := sheet.Table{Name: pick("日报 ", "Daily ") + r.Day, Widths: []float64{24, 12}}
	day.Header = []string{pick("网格", "Grid"), pick("层级", "Level")}
	for _, c := range cols {
		day.Header = append(day.Header, pick(c.zh, c.en))
		day.Widths = append(day.Widths, 12)
	}
	for i, row := range all {
		name := row.Name
		switch {
		case i == 0 && row.Grid == 0:
			name = pick("全部（合计）", "All (total)")
		case i == 0:
			name = fmt.Sprintf("%s（%s）", row.Name, pick("合计", "total"))
		}
		cells := []any{name, levels[min(max(row.Level, 0), 3)]}
		for _, c := range cols {
			cells = append(cells, c.cell(row))
		}
		day.Rows = append(day.Rows, cells)
	}

	week := sheet.Table{Name: pick("近7日排查率", "Screened % by day"), Widths: []float64{24}}
	week.Header = []string{pick("网格", "Grid")}
	for _, d := range r.Total.Trend {
		week.Header = append(week.Header, d.Day)
		week.Widths = append(week.Widths, 12)
	}
	for i, row := range all {
		name := row.Name
		if i == 0 && row.Grid == 0 {
			name = pick("全部", "All")
		}
		cells := []any{name}
		for _, d := range row.Trend {
			cells = append(cells, d.ScreenedPct)
		}
		week.Rows = append(week.Rows, cells)
	}
	return []sheet.Table{day, week}
}
