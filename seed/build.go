package seed

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/gridmap/gridmap/geo"
	"github.com/gridmap/gridmap/model"
)

// plan says how lattice cells group into grids and how dense each grid
// is. Demo and City fill it in and hand it to build.
type plan struct {
	lat      *lattice
	cellL3   [][]int // level-3 group of each cell, -1 when unused
	l3Parent []int   // level-3 group -> level-2 group
	l2Parent []int   // level-2 group -> level-1 group
	county   string  // 6-digit county code (GB/T 2260)
	street0  int     // first street code

	l1Name func(seq int) string
	l2Name func(l1Seq, seq int) string
	l3Name func(r *rand.Rand, l2Seq, seq int) string

	buildings    func(r *rand.Rand, l2 int) int        // buildings per level-3 grid
	building     func(r *rand.Rand, l2 int) (int, int) // floors, units
	perFloor     int                                   // households per floor per unit
	spacing      float64                               // metres between buildings
	headGap      func(r *rand.Rand) float64            // share of buildings with no head
	linkGap      func(r *rand.Rand) float64            // share of households with no contact
	perMember    int                                   // households per party member
	noLeader     float64                               // share of level-3 grids with no leader
	teamsPerL2   int
	volunteers   int // per team
	staffPerGrid int // staff at levels 1 and 2
}

// group is a set of cells that becomes one grid.
type group struct {
	level int
	key   int // index in its level
	first int // first cell in reading order (row-major)
	cells [][2]int
	grid  *model.Grid
}

// build turns a plan into a model.Dataset.
func build(p plan, seed uint64) (*model.Dataset, error) {
	r := rand.New(rand.NewPCG(seed, 2))
	ds := &model.Dataset{}

	l3 := map[int]*group{}
	for i, row := range p.cellL3 {
		for j, g := range row {
			if g < 0 {
				continue
			}
			gr, ok := l3[g]
			if !ok {
				gr = &group{level: 3, key: g, first: i*p.lat.cols + j}
				l3[g] = gr
			}
			gr.cells = append(gr.cells, [2]int{i, j})
		}
	}
	l2 := groupUp(l3, p.l3Parent, 2)
	l1 := groupUp(l2, p.l2Parent, 1)

	nextPerson := int64(1)
	person := func(home int64) int64 {
		id := nextPerson
		nextPerson++
		ds.People = append(ds.People, model.Person{ID: id, Name: personName(r), Phone: phone(r), HomeGridID: home})
		return id
	}
	nextGrid := int64(1)
	addGrid := func(g *group, parent *model.Grid, code, name string) error {
		var tiles []orb.Polygon
		for _, c := range g.cells {
			tiles = append(tiles, p.lat.cellPolygon(c[0], c[1]))
		}
		mp, err := geo.Dissolve(tiles)
		if err != nil {
			return fmt.Errorf("seed: grid %s: %w", code, err)
		}
		grid := model.Grid{ID: nextGrid, Level: g.level, Code: code, Name: name, Geom: mp}
		if parent != nil {
			grid.ParentID = parent.ID
		}
		nextGrid++
		ds.Grids = append(ds.Grids, grid)
		g.grid = &ds.Grids[len(ds.Grids)-1]
		return nil
	}

	// Parents first: every level 1, then every level 2, then level 3, each
	// numbered left to right, top to bottom within its parent.
	ds.Grids = make([]model.Grid, 0, len(l1)+len(l2)+len(l3))
	roots := ordered(l1, nil)
	for seq, g := range roots {
		code := fmt.Sprintf("%s%03d", p.county, p.street0+seq)
		if err := addGrid(g, nil, code, p.l1Name(seq)); err != nil {
			return nil, err
		}
	}
	var communities []*group
	l2Of, l3Of := byParent(l2, p.l2Parent), byParent(l3, p.l3Parent)
	for _, root := range roots {
		for seq, g := range l2Of[root.key] {
			if err := addGrid(g, root.grid, fmt.Sprintf("%s%03d", root.grid.Code, seq+1), p.l2Name(int(root.grid.ID-1), seq)); err != nil {
				return nil, err
			}
			communities = append(communities, g)
		}
	}
	var compounds []*group
	for _, c := range communities {
		for seq, g := range l3Of[c.key] {
			if err := addGrid(g, c.grid, fmt.Sprintf("%s%02d", c.grid.Code, seq+1), p.l3Name(r, c.key, seq)); err != nil {
				return nil, err
			}
			compounds = append(compounds, g)
		}
	}

	// Leaders and staff.
	for i := range ds.Grids {
		g := &ds.Grids[i]
		if g.Level < 3 || r.Float64() >= p.noLeader {
			g.LeaderID = person(g.ID)
			ds.Staff = append(ds.Staff, model.Staff{GridID: g.ID, PersonID: g.LeaderID, Role: "leader"})
		}
		if g.Level < 3 {
			for k := 0; k < p.staffPerGrid; k++ {
				ds.Staff = append(ds.Staff, model.Staff{GridID: g.ID, PersonID: person(g.ID), Role: "staff"})
			}
		}
	}

	// model.Volunteer teams per community.
	for _, c := range communities {
		for k := 0; k < p.teamsPerL2; k++ {
			id := int64(len(ds.Teams) + 1)
			name := teamNames[(int(id)-1)%len(teamNames)]
			if len(ds.Teams) >= len(teamNames) {
				name = fmt.Sprintf("%s%s", c.grid.Name, name)
				if k > 0 {
					name = fmt.Sprintf("%s%d", name, k+1)
				}
			}
			ds.Teams = append(ds.Teams, model.Team{ID: id, Name: name, Colour: teamColours[(id-1)%int64(len(teamColours))], GridID: c.grid.ID})
			for v := 0; v < p.volunteers; v++ {
				ds.Volunteers = append(ds.Volunteers, model.Volunteer{PersonID: person(c.grid.ID), TeamID: id})
			}
		}
	}

	// Buildings, households and the party members linked to them. Room
	// for a little more than a compound holds on average (48),
	// so that the city's 2.4 million are not copied as the slice grows.
	ds.Households = slices.Grow(ds.Households, 52*len(compounds))
	for _, g := range compounds {
		parentKey := p.l3Parent[g.key]
		if err := p.fillCompound(r, ds, g, parentKey, person); err != nil {
			return nil, err
		}
	}
	addBranches(ds)
	return ds, nil
}

// groupUp groups child groups into their parents.
func groupUp(children map[int]*group, parent []int, level int) map[int]*group {
	out := map[int]*group{}
	for k, c := range children {
		pk := parent[k]
		g, ok := out[pk]
		if !ok {
			g = &group{level: level, key: pk, first: c.first}
			out[pk] = g
		}
		g.first = min(g.first, c.first)
		g.cells = append(g.cells, c.cells...)
	}
	for _, g := range out {
		sort.Slice(g.cells, func(i, j int) bool {
			return g.cells[i][0] < g.cells[j][0] || g.cells[i][0] == g.cells[j][0] && g.cells[i][1] < g.cells[j][1]
		})
	}
	return out
}

// ordered returns the groups that pass keep in reading order: top to
// bottom, then left to right, by each group's first cell.
func ordered(groups map[int]*group, keep func(key int) bool) []*group {
	var out []*group
	for k, g := range groups {
		if keep == nil || keep(k) {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].first < out[j].first })
	return out
}

// byParent is ordered's answer for every parent at once: the groups under
// each parent key (parent maps a group's key to its parent's), in order.
func byParent(groups map[int]*group, parent []int) map[int][]*group {
	out := map[int][]*group{}
	for k, g := range groups {
		out[parent[k]] = append(out[parent[k]], g)
	}
	for _, list := range out {
		sort.Slice(list, func(i, j int) bool { return list[i].first < list[j].first })
	}
	return out
}

func (p plan) fillCompound(r *rand.Rand, ds *model.Dataset, g *group, l2 int, person func(home int64) int64) error {
	grid := g.grid
	nb := p.buildings(r, l2)
	var cells []orb.Polygon
	for _, c := range g.cells {
		cells = append(cells, p.lat.cellMetres(c[0], c[1]))
	}
	var placed []orb.Point
	for tries := 0; len(placed) < nb && tries < nb*200; tries++ {
		cell := cells[r.IntN(len(cells))]
		b := cell.Bound()
		pt := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
		if !planar.PolygonContains(cell, pt) || geo.BoundaryDistance(pt, cell) < 8 {
			continue
		}
		close := false
		for _, q := range placed {
			if planar.Distance(pt, q) < p.spacing {
				close = true
				break
			}
		}
		if !close {
			placed = append(placed, pt)
		}
	}
	if len(placed) == 0 {
		return fmt.Errorf("seed: grid %s: no room for a building", grid.Code)
	}

	headGap, linkGap := p.headGap(r), p.linkGap(r)
	firstHousehold := len(ds.Households)
	for k, pt := range placed {
		floors, units := p.building(r, l2)
		b := model.Building{ID: int64(len(ds.Buildings) + 1), GridID: grid.ID, Name: fmt.Sprintf("%d号楼", k+1),
			Floors: floors, Geom: p.lat.lonLat(pt)}
		if r.Float64() >= headGap {
			b.HeadID = person(grid.ID)
		}
		ds.Buildings = append(ds.Buildings, b)
		for u := 1; u <= units; u++ {
			for f := 1; f <= floors; f++ {
				for d := 1; d <= p.perFloor; d++ {
					h := model.Household{ID: int64(len(ds.Households) + 1), BuildingID: b.ID,
						Unit: fmt.Sprintf("%d单元", u), Room: fmt.Sprintf("%d%02d", f, d),
						Residents: 1 + r.IntN(5), Status: "occupied"}
					if r.IntN(100) < 3 {
						h.Status, h.Residents = "vacant", 0
					}
					ds.Households = append(ds.Households, h)
				}
			}
		}
	}

	// Party members of this grid, resident and in-service, each linked to
	// about perMember occupied households.
	households := ds.Households[firstHousehold:]
	occupied := 0
	for _, h := range households {
		if h.Status == "occupied" {
			occupied++
		}
	}
	nm := max(1, (occupied+p.perMember-1)/p.perMember)
	members := make([]int64, nm)
	for k := range members {
		id := person(grid.ID)
		m := model.PartyMember{PersonID: id, Membership: model.MemberResident, GridID: grid.ID}
		if r.IntN(100) < 55 {
			m.Membership, m.Employer = model.MemberInService, employer(r)
		}
		ds.PartyMembers = append(ds.PartyMembers, m)
		members[k] = id
	}
	for i := range households {
		h := &households[i]
		if h.Status == "occupied" && r.Float64() >= linkGap {
			h.ContactID = members[r.IntN(nm)]
		}
	}
	return nil
}
