package geo_test

import (
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/geo"
)

func TestRouteDistance(t *testing.T) {
	l := geo.NewLocal(orb.Point{113.6, 34.75})
	at := func(x, y float64) orb.Point { return l.ToLonLat(orb.Point{x, y}) }
	tests := []struct {
		name       string
		from, to   orb.Point
		fromG, toG []orb.Point
		want       float64
	}{
		{"same compound: straight", at(0, 0), at(30, 40), nil, nil, 50},
		// Two compounds side by side with a wall between: the door 20 m
		// away over the wall is 20 + 100 + 100 + 20 on foot through the
		// gates at the far ends.
		{"through both gates", at(0, 20), at(0, -20), []orb.Point{at(0, 100)}, []orb.Point{at(0, -100)}, 80 + 200 + 80},
		{"the nearer of two gates", at(0, 20), at(0, -20), []orb.Point{at(0, 100), at(0, 30)}, []orb.Point{at(0, -30)}, 10 + 60 + 10},
		{"no gates known where it goes", at(0, 20), at(0, -20), []orb.Point{at(0, 100)}, nil, 80 + 120},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := geo.RouteDistance(tt.from, tt.to, tt.fromG, tt.toG)
			if math.Abs(got-tt.want) > 0.5 {
				t.Errorf("RouteDistance = %.1f m, want %.1f m", got, tt.want)
			}
		})
	}
}
