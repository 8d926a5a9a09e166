package geo

import (
	"errors"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// square returns the counter-clockwise unit square with its lower-left
// corner at (x, y).
func square(x, y float64) orb.Polygon {
	return orb.Polygon{{{x, y}, {x + 1, y}, {x + 1, y + 1}, {x, y + 1}, {x, y}}}
}

func TestDissolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		tiles     []orb.Polygon
		polygons  int
		holes     int
		area      float64
		vertices  int // of the first exterior ring, closing point included
		wantError error
	}{
		// +--+--+
		// |  |  |   two squares side by side: one rectangle
		// +--+--+
		{name: "pair", tiles: []orb.Polygon{square(0, 0), square(1, 0)}, polygons: 1, area: 2, vertices: 5},
		// +--+--+--+
		// |  |  |  |
		// +--+--+--+
		// |  |  |  |   a 3x3 block minus its centre: a ring with a hole
		// +--+--+--+
		// |  |  |  |
		// +--+--+--+
		{name: "annulus", tiles: []orb.Polygon{
			square(0, 0), square(1, 0), square(2, 0),
			square(0, 1), square(2, 1),
			square(0, 2), square(1, 2), square(2, 2),
		}, polygons: 1, holes: 1, area: 8, vertices: 5},
		// two squares far apart stay two polygons
		{name: "apart", tiles: []orb.Polygon{square(0, 0), square(5, 0)}, polygons: 2, area: 2, vertices: 5},
		// +--+
		// |  |
		// +--+--+   touching at one corner only
		//    |  |
		//    +--+
		{name: "pinched", tiles: []orb.Polygon{square(0, 1), square(1, 0)}, wantError: ErrPinched},
		// L shape: the corner where three tiles met stays, collinear points go
		{name: "ell", tiles: []orb.Polygon{square(0, 0), square(1, 0), square(0, 1)}, polygons: 1, area: 3, vertices: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp, err := Dissolve(tt.tiles)
			if tt.wantError != nil {
				if !errors.Is(err, tt.wantError) {
					t.Fatalf("err = %v, want %v", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(mp) != tt.polygons {
				t.Fatalf("got %d polygons, want %d", len(mp), tt.polygons)
			}
			holes := 0
			for _, p := range mp {
				holes += len(p) - 1
				if p[0].Orientation() != orb.CCW {
					t.Errorf("exterior ring is not counter-clockwise")
				}
			}
			if holes != tt.holes {
				t.Errorf("got %d holes, want %d", holes, tt.holes)
			}
			if got := planar.Area(mp); got != tt.area {
				t.Errorf("area = %v, want %v", got, tt.area)
			}
			if got := len(mp[0][0]); got != tt.vertices {
				t.Errorf("exterior has %d points, want %d: %v", got, tt.vertices, mp[0][0])
			}
		})
	}
}

func TestLocalRoundTrip(t *testing.T) {
	t.Parallel()
	l := NewLocal(orb.Point{113.63, 34.755})
	for _, m := range []orb.Point{{0, 0}, {600, -425}, {-12000, 30000}} {
		back := l.ToMetres(l.ToLonLat(m))
		if d := planar.Distance(back, m); d > 1e-6 {
			t.Errorf("%v: round trip off by %g m", m, d)
		}
	}
	// One kilometre east at this latitude is about 0.01095 degrees.
	if got := l.ToLonLat(orb.Point{1000, 0})[0] - 113.63; got < 0.0109 || got > 0.0110 {
		t.Errorf("1 km east = %g degrees", got)
	}
}
