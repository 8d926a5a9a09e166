package geo

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// TestBD09ReferencePoints checks the conversions against published pairs.
func TestBD09ReferencePoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from, to orb.Point
		conv     func(orb.Point) orb.Point
		metres   float64
	}{
		// coordtransform (wandergis/coordtransform README), both directions
		// from the same input.
		{"coordtransform gcj02tobd09", orb.Point{116.404, 39.915}, orb.Point{116.41036949371029, 39.92133699351021}, GCJ02ToBD09, 0.01},
		{"coordtransform bd09togcj02", orb.Point{116.404, 39.915}, orb.Point{116.39762729119315, 39.90865673957631}, BD09ToGCJ02, 0.01},
		// Beijing railway station as AMap (GCJ-02) and Baidu (BD-09) give it,
		// to five decimals (about a metre).
		{"beijing station gcj to bd", orb.Point{116.42703, 39.90245}, orb.Point{116.43351, 39.90851}, GCJ02ToBD09, 1},
		{"beijing station bd to gcj", orb.Point{116.43351, 39.90851}, orb.Point{116.42703, 39.90245}, BD09ToGCJ02, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.conv(tt.from)
			if d := geo.Distance(got, tt.to); d > tt.metres {
				t.Errorf("%v -> %v, want %v (%.3f m off, at most %.2f)", tt.from, got, tt.to, d, tt.metres)
			}
		})
	}
}

// TestBD09RoundTrip: WGS-84 → BD-09 → WGS-84 and GCJ-02 → BD-09 → GCJ-02
// come back within a metre everywhere in China (centimetres in fact).
func TestBD09RoundTrip(t *testing.T) {
	t.Parallel()
	worst := 0.0
	for lon := 73.0; lon <= 135; lon += 0.77 {
		for lat := 18.0; lat <= 53; lat += 0.53 {
			p := orb.Point{lon, lat}
			for _, back := range []orb.Point{BD09ToWGS84(WGS84ToBD09(p)), BD09ToGCJ02(GCJ02ToBD09(p))} {
				if d := geo.Distance(p, back); d > worst {
					worst = d
				}
			}
		}
	}
	if worst > 1 {
		t.Fatalf("worst round trip %.3f m, want under 1 m", worst)
	}
	t.Logf("worst round trip %.4f m", worst)
}
