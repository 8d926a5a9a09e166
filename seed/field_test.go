package seed

import (
	"testing"
	"time"

	"github.com/gridmap/gridmap/model"
)

// TestFieldPlausible checks the demo's field data against the figures
// the map and the gap view are meant to show, at three times of day.
func TestFieldPlausible(t *testing.T) {
	t.Parallel()
	for _, clock := range []string{"15:30", "07:10", "00:20"} {
		t.Run(clock, func(t *testing.T) {
			now, err := time.ParseInLocation("2006-01-02 15:04", "2026-11-28 "+clock, Zone)
			if err != nil {
				t.Fatal(err)
			}
			ds, err := DemoAt(1, now)
			if err != nil {
				t.Fatal(err)
			}
			checkField(t, ds, now)
		})
	}
}

func checkField(t *testing.T, ds *model.Dataset, now time.Time) {
	f := ds.Field
	const today, yesterday = "2026-11-28", "2026-11-27"
	if f.Today != today {
		t.Fatalf("today %s, want %s", f.Today, today)
	}
	grid := func(h int64) int64 { return ds.Buildings[ds.Households[h-1].BuildingID-1].GridID }
	occupied := map[int64]int{}
	for _, h := range ds.Households {
		if h.Status == "occupied" {
			occupied[grid(h.ID)]++
		}
	}

	// Screening: each household's latest report of the day decides.
	type key struct {
		day string
		h   int64
	}
	latest := map[key]model.Screening{}
	for _, s := range f.Screenings {
		if s.ReportedAt.After(now) || s.Day != s.ReportedAt.Format(time.DateOnly) {
			t.Errorf("screening %d on %s reported at %s (now %s)", s.ID, s.Day, s.ReportedAt, now)
		}
		if ds.Households[s.HouseholdID-1].Status != "occupied" {
			t.Errorf("screening %d of an unoccupied household", s.ID)
		}
		k := key{s.Day, s.HouseholdID}
		if s.ReportedAt.After(latest[k].ReportedAt) || latest[k].ID == 0 {
			latest[k] = s
		}
	}
	screened, reported := map[string]map[int64]int{today: {}, yesterday: {}}, map[string]int{}
	outcomes := map[string]int{}
	for k, s := range latest {
		reported[k.day]++
		if k.day == today {
			outcomes[s.Outcome]++
		}
		if s.Outcome != "not_home" && s.Outcome != "refused" {
			screened[k.day][grid(k.h)]++
		}
	}
	total := 0
	for _, n := range occupied {
		total += n
	}
	if pct := 100 * reported[today] / total; pct < 62 || pct > 78 {
		t.Errorf("%d %% of households reported today, want about 70", pct)
	}
	if pct := 100 * reported[yesterday] / total; pct < 85 || pct > 95 {
		t.Errorf("%d %% of households reported yesterday, want about 90", pct)
	}
	lo, hi := 100.0, 0.0
	for g, n := range occupied {
		p := 100 * float64(screened[today][g]) / float64(n)
		lo, hi = min(lo, p), max(hi, p)
	}
	if lo > 40 || hi < 90 {
		t.Errorf("screened today %.0f-%.0f %% across grids: want some grids near 30 %% and some above 90 %%", lo, hi)
	}
	if n := outcomes["fever"]; n < 3 || n > 4 {
		t.Errorf("%d fevers today, want 3-4", n)
	}
	if n := outcomes["risk_area_return"]; n < 2 || n > 3 {
		t.Errorf("%d returns from risk areas today, want 2-3", n)
	}
	if n := outcomes["not_home"]; n < reported[today]/40 || n > reported[today]/10 {
		t.Errorf("%d not at home of %d reports today, want about 5 %%", n, reported[today])
	}

	// Quarantines, alerts and the ledger.
	active, sealed := 0, 0
	for _, q := range f.Quarantines {
		if q.Starts <= today && today <= q.Ends && q.EndedAt.IsZero() {
			active++
			if q.SealID != "" {
				sealed++
			}
		}
	}
	if active < 5 || active > 8 || sealed < 2 || len(f.Quarantines) < active+2 {
		t.Errorf("%d quarantines, %d active today, %d sealed", len(f.Quarantines), active, sealed)
	}
	open := map[string]int{}
	for _, a := range f.Alerts {
		if a.At.After(now) || !a.ResolvedAt.IsZero() && (a.ResolvedAt.Before(a.At) || a.ResolvedAt.After(now)) {
			t.Errorf("alert %d at %s resolved %s (now %s)", a.ID, a.At, a.ResolvedAt, now)
		}
		if ds.Grids[a.GridID-1].Level != 3 {
			t.Errorf("alert %d routed to a level-%d grid", a.ID, ds.Grids[a.GridID-1].Level)
		}
		if a.ResolvedAt.IsZero() {
			open[a.Kind]++
		}
	}
	gateFevers := 0
	for _, d := range f.CheckpointDays {
		if d.Day == today {
			gateFevers += d.Fevers
		}
		if d.Scans < 100 || d.Scans > 900 || d.Temperatures > d.Scans || d.Fevers > 1 {
			t.Errorf("checkpoint day %+v", d)
		}
	}
	if open["fever"] != outcomes["fever"]+gateFevers || open["seal_opened"] != 1 {
		t.Errorf("open alerts %v, want %d fevers and one opened seal", open, outcomes["fever"]+gateFevers)
	}
	if n := len(f.Checkpoints); n < 9 || n > 14 {
		t.Errorf("%d checkpoints, want about 12", n)
	}
	overdue := 0
	for _, v := range f.Vulnerable {
		last := v.Since
		if !v.LastVisit.IsZero() {
			last = v.LastVisit
		}
		if now.Sub(last) > time.Duration(v.VisitEveryDays)*24*time.Hour {
			overdue++
		}
		if p := ds.People[v.PersonID-1]; p.HomeGridID != grid(v.HouseholdID) {
			t.Errorf("resident %d lives in grid %d, home grid %d", v.ID, grid(v.HouseholdID), p.HomeGridID)
		}
	}
	for _, v := range f.Visits {
		if v.At.After(now) || v.At.After(f.Vulnerable[v.ResidentID-1].LastVisit) {
			t.Errorf("visit %d at %s after now or after its resident's last visit", v.ID, v.At)
		}
	}
	if n := len(f.Vulnerable); n < 38 || n > 52 || overdue < 6 || overdue > 8 {
		t.Errorf("%d on the ledger, %d overdue: want about 45 and 6-8", n, overdue)
	}
	openRequests := 0
	for _, r := range f.Requests {
		if r.ReceivedAt.After(now) || r.ReceivedAt.Before(now.Add(-72*time.Hour)) || ds.Buildings[r.BuildingID-1].GridID != r.GridID {
			t.Errorf("request %+v", r)
		}
		if r.ClosedAt.IsZero() {
			openRequests++
		}
	}
	if n := len(f.Requests); n < 25 || n > 35 || openRequests < 7 || openRequests > 13 {
		t.Errorf("%d requests, %d open: want about 30 and 10", n, openRequests)
	}

	// Points add up.
	sum := map[int64]int{}
	for _, a := range f.PointAwards {
		sum[a.PersonID] += a.Points
	}
	awarded := 0
	for _, m := range ds.PartyMembers {
		if m.Points != sum[m.PersonID] {
			t.Errorf("party member %d has %d points, awards sum to %d", m.PersonID, m.Points, sum[m.PersonID])
		}
		if m.Points > 0 {
			awarded++
		}
	}
	if awarded < len(ds.PartyMembers)/3 || awarded > 2*len(ds.PartyMembers)/3 {
		t.Errorf("%d of %d party members have points, want about half", awarded, len(ds.PartyMembers))
	}
	t.Logf("screenings %d (today %d %% reported, screened %.0f-%.0f %% by grid), quarantines %d (active %d), checkpoints %d, alerts %d (open %v), ledger %d (overdue %d, visits %d), requests %d (open %d), awards %d",
		len(f.Screenings), 100*reported[today]/total, lo, hi, len(f.Quarantines), active, len(f.Checkpoints), len(f.Alerts), open,
		len(f.Vulnerable), overdue, len(f.Visits), len(f.Requests), openRequests, len(f.PointAwards))
}
