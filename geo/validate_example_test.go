package geo_test

import (
	"errors"
	"fmt"

	"github.com/gridmap/gridmap/geo"
	"github.com/paulmach/orb"
)

func ExampleParsePolygonal() {
	// A block drawn clockwise, with an altitude on each position.
	block := `{"type":"Polygon","coordinates":[[
		[113.62,34.75,90],[113.62,34.76,90],[113.63,34.76,90],[113.63,34.75,90],[113.62,34.75,90]]]}`
	mp, err := geo.ParsePolygonal([]byte(block), geo.DefaultLimits())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(mp[0][0].Orientation() == orb.CCW, mp[0][0][1])

	// A bow tie: the error points at the edge that crosses.
	bowTie := `{"type":"Polygon","coordinates":[[[0,0],[2,2],[2,0],[0,2],[0,0]]]}`
	_, err = geo.ParsePolygonal([]byte(bowTie), geo.DefaultLimits())
	fmt.Println(err)
	var ie *geo.InputError
	if errors.As(err, &ie) {
		fmt.Println(ie.Path)
	}
	// Output:
	// true [113.63 34.75]
	// geometry.coordinates[0][2]: ring crosses or touches itself: the edge from here meets the edge from coordinates[0][0]
	// coordinates[0][2]
}
