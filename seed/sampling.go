package seed

import (
	"math"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// siteHours are the opening hours sampling sites keep: most all day, a
// few mornings only, one into the evening for people back from work.
var siteHours = [][2]string{{"07:00", "19:00"}, {"07:30", "18:30"}, {"08:00", "12:00"}, {"06:30", "21:00"}}

// samplingSites puts a nucleic-acid sampling site (核酸采样点) in one
// compound grid of each community, two in a community of four compounds
// or more, named after the compound, at the middle of its buildings. Each
// has reports for yesterday and today, every 20 minutes of its hours up
// to now: the queue staff saw, peaking in the early morning and after
// work, and the people sampled since the previous report.
func (g *fieldGen) samplingSites() {
	children := map[int64][]int64{}
	for _, c := range g.compounds {
		children[g.grid(c).ParentID] = append(children[g.grid(c).ParentID], c)
	}
	for _, comm := range g.ds.Grids {
		kids := children[comm.ID]
		if comm.Level != 2 || len(kids) == 0 {
			continue
		}
		n := 1
		if len(kids) >= 4 {
			n = 2
		}
		order := g.r.Perm(len(kids))
		for k := range n {
			grid := kids[order[k]]
			pt, ok := g.middle(grid)
			if !ok {
				continue
			}
			hours := siteHours[g.r.IntN(len(siteHours))]
			site := model.SamplingSite{ID: int64(len(g.f.SamplingSites) + 1), GridID: grid,
				Name: g.grid(grid).Name + "核酸采样点", Geom: pt, Opens: hours[0], Closes: hours[1]}
			g.f.SamplingSites = append(g.f.SamplingSites, site)
			for _, offset := range []int{-1, 0} {
				g.siteDay(site, g.day(offset))
			}
		}
	}
}

// middle is the mean of a compound's buildings, or its first building
// when the mean falls outside the grid.
func (g *fieldGen) middle(grid int64) (orb.Point, bool) {
	idx := g.buildings[grid]
	if len(idx) == 0 {
		return orb.Point{}, false
	}
	var x, y float64
	for _, i := range idx {
		x += g.ds.Buildings[i].Geom[0]
		y += g.ds.Buildings[i].Geom[1]
	}
	pt := orb.Point{math.Round(x/float64(len(idx))*1e7) / 1e7, math.Round(y/float64(len(idx))*1e7) / 1e7}
	if !planar.MultiPolygonContains(g.grid(grid).Geom, pt) {
		return g.ds.Buildings[idx[0]].Geom, true
	}
	return pt, true
}

// siteDay adds a site's reports of one day (a midnight), never after now.
// Two to four swabbing desks sample 15 to 25 people each per 20 minutes
// while people wait.
func (g *fieldGen) siteDay(site model.SamplingSite, day time.Time) {
	opens, _ := time.Parse("15:04", site.Opens)
	closes, _ := time.Parse("15:04", site.Closes)
	from := day.Add(time.Duration(opens.Hour())*time.Hour + time.Duration(opens.Minute())*time.Minute)
	to := day.Add(time.Duration(closes.Hour())*time.Hour + time.Duration(closes.Minute())*time.Minute)
	desks := 2 + g.r.IntN(3)
	backlog := 0 // people the desks could not take in the last 20 minutes
	for at := from.Add(20 * time.Minute); !at.After(to); at = at.Add(20 * time.Minute) {
		h := float64(at.Sub(day)) / float64(time.Hour)
		// People arriving in 20 minutes: a morning peak near 08:00 and a
		// smaller one near 18:00.
		rate := 12 + 70*math.Exp(-(h-8)*(h-8)/2) + 40*math.Exp(-(h-18)*(h-18)/1.5)
		arrivals := int(rate * (0.7 + 0.6*g.r.Float64()))
		capacity := desks * (15 + g.r.IntN(11))
		tested := min(backlog+arrivals, capacity)
		backlog += arrivals - tested
		// The queue staff see: the backlog and those who just came.
		queue := backlog + int(float64(arrivals)*(0.1+0.3*g.r.Float64()))
		if at.After(g.now) {
			continue // the draws are made all the same, so now shifts no other figure
		}
		g.f.SamplingReports = append(g.f.SamplingReports, model.SamplingReport{
			ID: int64(len(g.f.SamplingReports) + 1), SiteID: site.ID, Day: date(day), At: at, Queue: queue, Tested: tested})
	}
}
