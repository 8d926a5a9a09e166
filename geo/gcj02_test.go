package geo

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestOutOfChina(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    orb.Point
		want bool
	}{
		{"zhengzhou", orb.Point{113.63, 34.755}, false},
		{"beijing", orb.Point{116.397128, 39.916527}, false},
		{"box corner is inside", orb.Point{72.004, 0.8293}, false},
		{"west of the box", orb.Point{72.0039, 30}, true},
		{"east of the box", orb.Point{137.8348, 30}, true},
		{"north of the box", orb.Point{100, 55.8272}, true},
		{"south of the box", orb.Point{100, 0.8292}, true},
		{"london", orb.Point{-0.1276, 51.5072}, true},
		{"sydney", orb.Point{151.2093, -33.8688}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OutOfChina(tt.p); got != tt.want {
				t.Errorf("OutOfChina(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestWGS84ToGCJ02(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		wgs  orb.Point
		gcj  orb.Point
		tol  float64 // degrees
	}{
		// wandergis/coordtransform, test/app.js: the de facto reference
		// implementation, to the last digit it prints.
		{"coordtransform readme", orb.Point{116.404, 39.915}, orb.Point{116.41024449916938, 39.91640428150164}, 1e-9},
		// Tiananmen, a pair widely quoted from map providers' pickers,
		// given to six decimals.
		{"tiananmen", orb.Point{116.397128, 39.916527}, orb.Point{116.403374, 39.917936}, 1e-5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WGS84ToGCJ02(tt.wgs)
			if math.Abs(got[0]-tt.gcj[0]) > tt.tol || math.Abs(got[1]-tt.gcj[1]) > tt.tol {
				t.Errorf("WGS84ToGCJ02(%v) = %.9f, %.9f, want %v ± %g", tt.wgs, got[0], got[1], tt.gcj, tt.tol)
			}
		})
	}
}

// TestGCJ02ShiftSize checks that the shift has the size the domain notes
// describe: a marker drawn in the wrong system is off by a few hundred
// metres, not by centimetres or kilometres.
func TestGCJ02ShiftSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    orb.Point
	}{
		{"zhengzhou jianshe road", orb.Point{113.63, 34.755}},
		{"beijing", orb.Point{116.397128, 39.916527}},
		{"shanghai", orb.Point{121.4737, 31.2304}},
		{"guangzhou", orb.Point{113.2644, 23.1291}},
		{"urumqi", orb.Point{87.6168, 43.8256}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := WGS84ToGCJ02(tt.p)
			d := NewLocal(tt.p).ToMetres(g)
			m := math.Hypot(d[0], d[1])
			if m < 100 || m > 700 {
				t.Errorf("shift at %v is %.0f m, want 100-700 m", tt.p, m)
			}
		})
	}
}

func TestGCJ02OutsideChinaUnchanged(t *testing.T) {
	t.Parallel()
	for _, p := range []orb.Point{{-0.1276, 51.5072}, {151.2093, -33.8688}, {139.6917, 35.6895}, {0, 0}, {-180, -90}} {
		if got := WGS84ToGCJ02(p); got != p {
			t.Errorf("WGS84ToGCJ02(%v) = %v, want unchanged", p, got)
		}
		if got := GCJ02ToWGS84(p); got != p {
			t.Errorf("GCJ02ToWGS84(%v) = %v, want unchanged", p, got)
		}
	}
}

// TestGCJ02RoundTrip walks a grid over the whole box, including its
// edges, and requires the inverse to recover every point to 1e-7 degrees.
func TestGCJ02RoundTrip(t *testing.T) {
	t.Parallel()
	const tol = 1e-7
	worst := 0.0
	n := 0
	for lon := 72.004; lon <= 137.8347; lon += 0.37 {
		for lat := 0.8293; lat <= 55.8271; lat += 0.29 {
			p := orb.Point{lon, lat}
			back := GCJ02ToWGS84(WGS84ToGCJ02(p))
			e := math.Max(math.Abs(back[0]-p[0]), math.Abs(back[1]-p[1]))
			worst = math.Max(worst, e)
			if e > tol {
				t.Fatalf("round trip of %v gives %v: off by %g deg", p, back, e)
			}
			n++
		}
	}
	if n < 30000 {
		t.Fatalf("checked only %d points", n)
	}
	t.Logf("%d points, worst error %.2g deg", n, worst)
}

func ExampleWGS84ToGCJ02() {
	// Jianshe Road, Zhengzhou, as a phone's GPS reports it.
	wgs := orb.Point{113.63, 34.755}
	gcj := WGS84ToGCJ02(wgs)
	back := GCJ02ToWGS84(gcj)
	fmt.Printf("GCJ-02 %.6f, %.6f\n", gcj[0], gcj[1])
	fmt.Printf("back   %.6f, %.6f\n", back[0], back[1])
	// Output:
	// GCJ-02 113.636052, 34.753831
	// back   113.630000, 34.755000
}

func BenchmarkGCJ02ToWGS84(b *testing.B) {
	p := WGS84ToGCJ02(orb.Point{113.63, 34.755})
	var sink orb.Point
	for b.Loop() {
		sink = GCJ02ToWGS84(p)
	}
	_ = sink
}
