package geo_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/geo"
)

func ExampleIndex() {
	// Two grids side by side, sharing the edge x = 1.
	west := geo.Region{ID: 7, Shape: orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}}
	east := geo.Region{ID: 3, Shape: orb.MultiPolygon{{{{1, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 0}}}}}
	ix, err := geo.NewIndex([]geo.Region{west, east})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range []orb.Point{{0.5, 0.5}, {1, 0.5}, {0, 0.5}, {3, 0.5}} {
		fmt.Println(ix.Locate(p))
	}
	// Output:
	// 7 true
	// 3 true
	// 7 true
	// 0 false
}
