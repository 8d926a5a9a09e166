package seed

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gridmap/gridmap/model"
	"github.com/paulmach/orb"
)

// DemoCentre is the centre of Jianshe Road Subdistrict (建设路街道),
// Zhongyuan District, Zhengzhou, where the demo area is placed.
var DemoCentre = orb.Point{113.63, 34.755}

// demoCells lays out the demo subdistrict: 6 rows x 8 columns of lattice
// cells, each labelled with its level-3 grid (0-22). The communities
// (level-2 grids) are the blocks in demoCommunity.
var demoCells = [][]int{
	{0, 0, 1, 3, 3, 4, 7, 7},
	{2, 2, 1, 5, 5, 4, 8, 8},
	{10, 10, 14, 14, 15, 6, 9, 9},
	{11, 11, 16, 16, 15, 17, 17, 18},
	{12, 12, 20, 20, 21, 19, 18, 18},
	{13, 13, 22, 22, 21, 19, 19, 19},
}

// demoCommunity maps each level-3 grid to its community (0-6).
var demoCommunity = []int{
	0, 0, 0, // 协作路社区
	1, 1, 1, 1, // 桐柏北路社区
	2, 2, 2, // 建新社区
	3, 3, 3, 3, // 绿荫社区
	4, 4, 4, // 文苑社区
	5, 5, 5, // 友爱社区
	6, 6, 6, // 宋庄村
}

var demoCommunityNames = []string{"协作路社区", "桐柏北路社区", "建新社区", "绿荫社区", "文苑社区", "友爱社区", "宋庄村"}

// demoVillage is the community index of the village, whose houses are
// low self-built ones.
const demoVillage = 6

// Demo generates the demo subdistrict: about 1.02 km² at the real place,
// 7 level-2 grids split into 23 level-3 grids, 300-600 buildings and
// 10,000-15,000 households, with realistic gaps in building heads and
// party-member links.
func Demo(seed uint64) (*model.Dataset, error) {
	const rows, cols = 6, 8
	cell := math.Sqrt(1.02e6 / (rows * cols)) // metres, so the area is 1.02 km²
	p := plan{
		lat:      newLattice(rows, cols, cell, 2, DemoCentre, seed),
		cellL3:   demoCells,
		l3Parent: demoCommunity,
		l2Parent: make([]int, len(demoCommunityNames)),
		county:   "410102", // Zhongyuan District, Zhengzhou
		street0:  3,
		l1Name:   func(int) string { return "建设路街道" },
		l2Name:   func(_, seq int) string { return demoCommunityNames[seq] },
		l3Name: func(r *rand.Rand, l2, seq int) string {
			if l2 == 0 && seq == 0 {
				return "桐柏路61号院" // the compound named in the report
			}
			if l2 == demoVillage {
				return fmt.Sprintf("%s第%d村民组", demoCommunityNames[l2], seq+1)
			}
			return fmt.Sprintf("%s%d号院", streets[r.IntN(len(streets))], 1+r.IntN(199))
		},
		buildings: func(r *rand.Rand, l2 int) int {
			if l2 == demoVillage {
				return 26 + r.IntN(8)
			}
			return 16 + r.IntN(9)
		},
		building: func(r *rand.Rand, l2 int) (int, int) {
			switch {
			case l2 == demoVillage:
				return 2 + r.IntN(4), 1
			case r.IntN(100) < 15:
				return 11 + r.IntN(8), 2 // newer high-rise
			default:
				return 5 + r.IntN(3), 1 + r.IntN(3) // 1980s-90s walk-up
			}
		},
		perFloor:     2,
		spacing:      14,
		headGap:      func(r *rand.Rand) float64 { return []float64{0, 0.03, 0.06, 0.2}[r.IntN(4)] },
		linkGap:      func(r *rand.Rand) float64 { return []float64{0.01, 0.03, 0.06, 0.25}[r.IntN(4)] },
		perMember:    22,
		noLeader:     0.05,
		teamsPerL2:   0, // the 11 teams are added below, as in the report
		volunteers:   0,
		staffPerGrid: 2,
	}
	ds, err := build(p, seed)
	if err != nil {
		return nil, err
	}
	addDemoTeams(ds, rand.New(rand.NewPCG(seed, 3)))
	return ds, nil
}

// addDemoTeams adds the report's 11 volunteer teams, spread over the
// communities, with 10-18 volunteers each.
func addDemoTeams(ds *model.Dataset, r *rand.Rand) {
	var communities []int64
	for _, g := range ds.Grids {
		if g.Level == 2 {
			communities = append(communities, g.ID)
		}
	}
	next := int64(len(ds.People) + 1)
	for i, name := range teamNames {
		team := model.Team{ID: int64(i + 1), Name: name, Colour: teamColours[i], GridID: communities[i%len(communities)]}
		ds.Teams = append(ds.Teams, team)
		for v := 0; v < 10+r.IntN(9); v++ {
			ds.People = append(ds.People, model.Person{ID: next, Name: personName(r), Phone: phone(r), HomeGridID: team.GridID})
			ds.Volunteers = append(ds.Volunteers, model.Volunteer{PersonID: next, TeamID: team.ID})
			next++
		}
	}
}
