package seed

import (
	"fmt"
	"time"

	"github.com/gridmap/gridmap/model"
)

// quarantines places about 6 households under home quarantine today
// (7 or 14 days, begun some days ago), half of them with an electronic
// door seal, and 2 whose quarantine is over: one ended on its last day,
// one released early.
func (g *fieldGen) quarantines() {
	active := g.count(6, 7)
	seals := (active + 1) / 2
	for i := range active {
		h := g.freeHousehold()
		if h == 0 {
			return
		}
		length := []int{7, 14}[g.r.IntN(2)]
		starts := g.day(-1 - g.r.IntN(length-2)) // ends tomorrow at the earliest
		q := model.Quarantine{HouseholdID: h, Starts: date(starts), Ends: date(starts.AddDate(0, 0, length-1)),
			Reason: "risk_area_return", CreatedAt: g.daytime(starts)}
		if g.r.IntN(4) == 0 {
			q.Reason = "close_contact"
		}
		if i < seals {
			q.SealID = fmt.Sprintf("DS-%04d", i+1)
		}
		g.activeQ[h] = g.addQuarantine(q)
	}
	// Over: one ran its 14 days out, one was released early yesterday
	// after a negative test, its seal removed.
	if h := g.freeHousehold(); h != 0 {
		starts := g.day(-16 - g.r.IntN(6))
		g.addQuarantine(model.Quarantine{HouseholdID: h, Starts: date(starts), Ends: date(starts.AddDate(0, 0, 13)),
			Reason: "risk_area_return", CreatedAt: g.daytime(starts)})
	}
	if h := g.freeHousehold(); h != 0 {
		starts := g.day(-4)
		g.addQuarantine(model.Quarantine{HouseholdID: h, Starts: date(starts), Ends: date(starts.AddDate(0, 0, 6)),
			Reason: "close_contact", SealID: fmt.Sprintf("DS-%04d", seals+1),
			CreatedAt: g.daytime(starts), EndedAt: g.daytime(g.day(-1))})
	}
}

func (g *fieldGen) addQuarantine(q model.Quarantine) int {
	q.ID = int64(len(g.f.Quarantines) + 1)
	g.f.Quarantines = append(g.f.Quarantines, q)
	return len(g.f.Quarantines) - 1
}

// screenings writes yesterday's and today's door-to-door reports. Each
// compound grid gets its own completeness today (a couple of grids far
// behind, a few half done, most well along) so the map shows contrast;
// yesterday, the finished day, is 84-97 % everywhere. Households in
// quarantine report home_quarantine every day. A few of today's normal
// reports become fevers (each raising an open alert) or returns from a
// risk area, and one of yesterday's a fever, since resolved.
func (g *fieldGen) screenings() {
	yesterday := g.day(-1)
	for _, c := range g.compounds {
		rate := 0.84 + 0.13*g.r.Float64()
		for _, h := range g.occupied[c] {
			g.screenDay(h, yesterday, rate, 0.03)
		}
	}
	if i := g.pickNormal(date(yesterday)); i >= 0 {
		s := &g.f.Screenings[i]
		s.Outcome, s.Temperature = "fever", g.temperature(37.3, 38.2)
		s.Note = fmt.Sprintf("体温%.1f℃，已通知社区卫生服务中心", s.Temperature)
		g.f.Alerts = append(g.f.Alerts, model.Alert{Kind: "fever", GridID: g.gridOf(s.HouseholdID), HouseholdID: s.HouseholdID,
			Note: fmt.Sprintf("入户排查发现发热，体温%.1f℃", s.Temperature), At: s.ReportedAt,
			ResolvedAt: s.ReportedAt.Add(g.hours(1, 4)), Resolution: "社区医生上门复测36.8℃，排除发热，继续健康监测"})
	}

	rates := g.todayRates()
	for k, c := range g.compounds {
		for _, h := range g.occupied[c] {
			g.screenDay(h, g.today, rates[k], 0.09)
		}
	}
	for range g.count(3, 4) {
		if i := g.pickNormal(g.f.Today); i >= 0 {
			s := &g.f.Screenings[i]
			s.Outcome, s.Temperature = "fever", g.temperature(37.5, 38.6)
			s.Note = fmt.Sprintf("体温%.1f℃，已通知社区卫生服务中心，等待转运", s.Temperature)
			g.f.Alerts = append(g.f.Alerts, model.Alert{Kind: "fever", GridID: g.gridOf(s.HouseholdID), HouseholdID: s.HouseholdID,
				Note: fmt.Sprintf("入户排查发现发热，体温%.1f℃", s.Temperature), At: s.ReportedAt})
		}
	}
	for range g.count(2, 3) {
		if i := g.pickNormal(g.f.Today); i >= 0 {
			s := &g.f.Screenings[i]
			s.Outcome = "risk_area_return"
			s.Note = "近7日自外省中风险地区返回，已报备，落实居家健康监测"
		}
	}
}

// todayRates returns today's share of reported households for each
// compound grid: 9 % of the grids (at least one, given four or more)
// at 28-38 %, 17 % at 50-62 %, the rest at 60-98 %.
func (g *fieldGen) todayRates() []float64 {
	n := len(g.compounds)
	low, mid := 0, int(float64(n)*0.17+0.5)
	if n >= 4 {
		low = max(1, int(float64(n)*0.09+0.5))
	}
	rates := make([]float64, n)
	for rank, k := range g.r.Perm(n) {
		switch {
		case rank < low:
			rates[k] = 0.28 + 0.10*g.r.Float64()
		case rank < low+mid:
			rates[k] = 0.50 + 0.12*g.r.Float64()
		default:
			rates[k] = 0.60 + 0.38*g.r.Float64()
		}
	}
	return rates
}

// screenDay adds household h's reports for day: home_quarantine when it
// is under quarantine that day, else with probability rate a report that
// is normal, or an attempt (not home, now and then refused). A third of
// the not-home households get a normal report later that day, most of
// them in a grid that is nearly done.
func (g *fieldGen) screenDay(h int64, day time.Time, rate, notHome float64) {
	from, to := day.Add(8*time.Hour), day.Add(21*time.Hour)
	if day.Equal(g.today) {
		from = g.since(8)
	}
	if qi, ok := g.activeQ[h]; ok && date(day) >= g.f.Quarantines[qi].Starts {
		q := g.f.Quarantines[qi]
		starts, _ := time.ParseInLocation(time.DateOnly, q.Starts, day.Location())
		n := int(day.Sub(starts).Hours()/24+0.5) + 1
		g.screen(model.Screening{HouseholdID: h, Day: date(day), Outcome: "home_quarantine", Temperature: g.temperature(36.1, 36.9),
			Note: fmt.Sprintf("居家隔离第%d天，体温正常", n), ReportedAt: g.between(from, from.Add(2*time.Hour))})
		return
	}
	if g.r.Float64() >= rate {
		return
	}
	at := g.between(from, to)
	u := g.r.Float64()
	switch {
	case u < notHome:
		g.screen(model.Screening{HouseholdID: h, Day: date(day), Outcome: "not_home", Note: "敲门无人应答，已电话联系", ReportedAt: at})
		if revisit := g.r.Float64(); (revisit < 1.0/3 || rate > 0.9 && revisit < 0.8) && at.Before(g.now) {
			g.screen(model.Screening{HouseholdID: h, Day: date(day), Outcome: "normal", Temperature: g.temperature(36.0, 37.2),
				Note: "晚间复访，情况正常", ReportedAt: g.between(at.Add(time.Minute), day.Add(22*time.Hour))})
		}
	case u < notHome+0.001:
		g.screen(model.Screening{HouseholdID: h, Day: date(day), Outcome: "refused", Note: "拒绝配合排查，已报社区", ReportedAt: at})
	default:
		g.screen(model.Screening{HouseholdID: h, Day: date(day), Outcome: "normal", Temperature: g.temperature(36.0, 37.2), ReportedAt: at})
	}
}

func (g *fieldGen) screen(s model.Screening) { g.f.Screenings = append(g.f.Screenings, s) }

// pickNormal returns the index of a random normal report on day that is
// its household's only report that day, from a household with no other
// role, marking the household; -1 when it finds none.
func (g *fieldGen) pickNormal(day string) int {
	for range 1000 {
		i := g.r.IntN(len(g.f.Screenings))
		s := g.f.Screenings[i]
		if s.Day != day || s.Outcome != "normal" || s.Note != "" || g.special[s.HouseholdID] {
			continue
		}
		g.special[s.HouseholdID] = true
		return i
	}
	return -1
}

// sealAlerts raises door-seal alerts on sealed quarantines: an open
// "opened" alert in the last two hours, and two of yesterday's, resolved.
func (g *fieldGen) sealAlerts() {
	var sealed []model.Quarantine
	for _, q := range g.f.Quarantines {
		if q.SealID != "" && q.EndedAt.IsZero() && q.Ends >= g.f.Today {
			sealed = append(sealed, q)
		}
	}
	alert := func(q model.Quarantine, kind, note string, at time.Time) *model.Alert {
		if at.Before(q.CreatedAt) {
			at = g.between(q.CreatedAt, q.CreatedAt.Add(time.Hour))
		}
		g.f.Alerts = append(g.f.Alerts, model.Alert{Kind: kind, GridID: g.gridOf(q.HouseholdID), HouseholdID: q.HouseholdID,
			QuarantineID: q.ID, Note: note, At: at})
		return &g.f.Alerts[len(g.f.Alerts)-1]
	}
	if len(sealed) > 0 {
		alert(sealed[0], "seal_opened", "电子门锁报警：隔离户房门被打开", g.now.Add(-g.hours(0.1, 2)))
	}
	if len(sealed) > 1 {
		a := alert(sealed[1], "seal_offline", "电子门锁离线", g.daytime(g.day(-1)))
		a.ResolvedAt, a.Resolution = g.between(a.At.Add(30*time.Minute), a.At.Add(3*time.Hour)), "已上门检查，更换电池后恢复在线"
	}
	if len(sealed) > 2 {
		a := alert(sealed[2], "seal_opened", "电子门锁报警：隔离户房门被打开", g.daytime(g.day(-1)))
		a.ResolvedAt, a.Resolution = g.between(a.At.Add(10*time.Minute), a.At.Add(time.Hour)), "住户开门取志愿者送达的物资，已电话核实"
	}
}
