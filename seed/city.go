package seed

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gridmap/gridmap/model"
)

// City generates a large area of n level-3 grids for benchmarks: a
// jittered lattice of 150 m cells around Zhengzhou, communities of 3x3
// cells, subdistricts of 8x8 communities, about 4 buildings per grid and
// 15 households per building, and one volunteer team of 4 per community (22,500 volunteers for 50,000 grids).
func City(n int, seed uint64) (*model.Dataset, error) {
	if n < 1 || n > 1_000_000 {
		return nil, fmt.Errorf("seed: city size %d out of range 1..1000000", n)
	}
	cols := int(math.Ceil(math.Sqrt(float64(n))))
	rows := (n + cols - 1) / cols
	const block, district = 3, 8 // cells per community side, communities per subdistrict side
	commCols := (cols + block - 1) / block
	distCols := (commCols + district - 1) / district

	cellL3 := make([][]int, rows)
	var l3Parent []int
	commIndex := map[[2]int]int{}
	var l2Parent []int
	for i := range rows {
		cellL3[i] = make([]int, cols)
		for j := range cols {
			k := i*cols + j
			if k >= n {
				cellL3[i][j] = -1
				continue
			}
			cellL3[i][j] = k
			ci, cj := i/block, j/block
			c, ok := commIndex[[2]int{ci, cj}]
			if !ok {
				c = len(l2Parent)
				commIndex[[2]int{ci, cj}] = c
				l2Parent = append(l2Parent, (ci/district)*distCols+cj/district)
			}
			l3Parent = append(l3Parent, c)
		}
	}
	// Level-1 keys must be dense for groupUp's callers; they are indices.
	p := plan{
		lat:      newLattice(rows, cols, 150, 3, DemoCentre, seed),
		cellL3:   cellL3,
		l3Parent: l3Parent,
		l2Parent: l2Parent,
		county:   "410100",
		street0:  1,
		l1Name:   func(seq int) string { return fmt.Sprintf("第%d街道", seq+1) },
		l2Name:   func(l1, seq int) string { return fmt.Sprintf("%d街道第%d社区", l1+1, seq+1) },
		l3Name: func(r *rand.Rand, _, seq int) string {
			return fmt.Sprintf("%s%d号院", streets[r.IntN(len(streets))], 1+r.IntN(299))
		},
		buildings: func(r *rand.Rand, _ int) int { return 3 + r.IntN(3) },
		building: func(r *rand.Rand, _ int) (int, int) {
			return 4 + r.IntN(5), 1
		},
		perFloor:     2,
		spacing:      12,
		headGap:      func(r *rand.Rand) float64 { return []float64{0, 0.05, 0.1}[r.IntN(3)] },
		linkGap:      func(r *rand.Rand) float64 { return []float64{0.01, 0.05, 0.2}[r.IntN(3)] },
		perMember:    25,
		noLeader:     0.02,
		teamsPerL2:   1,
		volunteers:   4,
		staffPerGrid: 1,
	}
	return build(p, seed)
}
