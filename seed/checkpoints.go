package seed

import (
	"fmt"
	"math"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// gates are the compass gates of a compound, with the unit step outwards
// (east, north).
var gates = []struct {
	name   string
	dx, dy float64
}{{"北门", 0, 1}, {"南门", 0, -1}, {"东门", 1, 0}, {"西门", -1, 0}}

// checkpoints puts one or two gate checkpoints (卡点) in each community,
// each at a gate of one of its compound grids, named after the community
// and the gate (协作路社区北门卡点). About two in three have someone on
// duty since this morning: a volunteer of a team of the community, else
// community staff. Each has counts for yesterday and today; a fever at a
// gate raises a fever alert, open today's, resolved yesterday's.
func (g *fieldGen) checkpoints() {
	children := map[int64][]int64{}
	for _, c := range g.compounds {
		children[g.grid(c).ParentID] = append(children[g.grid(c).ParentID], c)
	}
	teamGrid := map[int64]int64{}
	for _, t := range g.ds.Teams {
		teamGrid[t.ID] = t.GridID
	}
	crew := map[int64][]int64{} // community -> people who may stand at its gates
	for _, v := range g.ds.Volunteers {
		crew[teamGrid[v.TeamID]] = append(crew[teamGrid[v.TeamID]], v.PersonID)
	}
	for _, s := range g.ds.Staff {
		if s.Role == "staff" && len(crew[s.GridID]) == 0 {
			crew[s.GridID] = append(crew[s.GridID], s.PersonID)
		}
	}
	onDuty := map[int64]bool{}
	for _, comm := range g.ds.Grids {
		kids := children[comm.ID]
		if comm.Level != 2 || len(kids) == 0 {
			continue
		}
		n := 1
		if g.r.Float64() < 0.72 {
			n = 2
		}
		order, dirs := g.r.Perm(len(kids)), g.r.Perm(len(gates))
		for k := range min(n, len(kids)) {
			grid := kids[order[k]]
			gate := gates[dirs[k]]
			pt, ok := g.gatePoint(grid, gate.dx, gate.dy)
			if !ok {
				continue
			}
			cp := model.Checkpoint{ID: int64(len(g.f.Checkpoints) + 1), GridID: grid, Name: comm.Name + gate.name + "卡点", Geom: pt}
			if people := crew[comm.ID]; len(people) > 0 && g.r.IntN(3) < 2 {
				for range 10 {
					if p := people[g.r.IntN(len(people))]; !onDuty[p] {
						onDuty[p] = true
						cp.OnDuty, cp.DutyPerson = true, p
						cp.DutySince = g.between(g.since(6.5), g.today.Add(9*time.Hour))
						break
					}
				}
			}
			g.f.Checkpoints = append(g.f.Checkpoints, cp)
			g.gateDays(cp)
		}
	}
}

// gatePoint returns a point at the compound's gate facing (dx, dy): 6 m
// beyond its outermost building that way, or the building itself when
// that would leave the grid.
func (g *fieldGen) gatePoint(grid int64, dx, dy float64) (orb.Point, bool) {
	idx := g.buildings[grid]
	if len(idx) == 0 {
		return orb.Point{}, false
	}
	best := g.ds.Buildings[idx[0]].Geom
	for _, i := range idx[1:] {
		p := g.ds.Buildings[i].Geom
		if p[0]*dx+p[1]*dy > best[0]*dx+best[1]*dy {
			best = p
		}
	}
	const metres = 6.0
	pt := orb.Point{
		best[0] + dx*metres/(111320*math.Cos(best[1]*math.Pi/180)),
		best[1] + dy*metres/110574,
	}
	pt = orb.Point{math.Round(pt[0]*1e7) / 1e7, math.Round(pt[1]*1e7) / 1e7}
	if !planar.MultiPolygonContains(g.grid(grid).Geom, pt) {
		return best, true
	}
	return pt, true
}

// gateDays adds a checkpoint's counts for yesterday and today: 100-900
// code scans, nearly all with a temperature taken, now and then a fever.
func (g *fieldGen) gateDays(cp model.Checkpoint) {
	for _, offset := range []int{-1, 0} {
		day := g.day(offset)
		scans := 100 + g.r.IntN(801)
		cd := model.CheckpointDay{CheckpointID: cp.ID, Day: date(day), Scans: scans, Temperatures: scans - g.r.IntN(scans/50+1)}
		if g.r.IntN(8) == 0 {
			cd.Fevers = 1
			t, from := g.temperature(37.4, 38.3), day.Add(7*time.Hour)
			if offset == 0 {
				from = g.since(7)
			}
			a := model.Alert{Kind: "fever", GridID: cp.GridID, CheckpointID: cp.ID,
				Note: fmt.Sprintf("卡点测温%.1f℃，已引导至临时留观点", t), At: g.between(from, day.Add(21*time.Hour))}
			if offset < 0 {
				a.ResolvedAt, a.Resolution = a.At.Add(g.hours(0.5, 2)), "复测体温36.9℃，排除发热，已放行"
			}
			g.f.Alerts = append(g.f.Alerts, a)
		}
		g.f.CheckpointDays = append(g.f.CheckpointDays, cd)
	}
}
