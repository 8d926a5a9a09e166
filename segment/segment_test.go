package segment

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gridmap/gridmap/model"
)

// walk is an hour of a volunteer walking, a fix every 1 to 10 s, some
// within the same second, crossing grids, with and without accuracy.
func walk(n int) []model.Position {
	r := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2026, 12, 7, 1, 2, 3, 456_000_000, time.UTC)
	lon, lat := 113.6543210, 34.7512345
	grid := int64(9)
	ps := make([]model.Position, n)
	for i := range ps {
		at = at.Add(time.Duration(r.IntN(10_000)) * time.Millisecond)
		lon += (r.Float64() - 0.5) * 1e-4
		lat += (r.Float64() - 0.5) * 1e-4
		if r.IntN(100) == 0 {
			grid = int64(r.IntN(3)) * 10 // 0: outside every grid
		}
		ps[i] = model.Position{VolunteerID: 42, GridID: grid, Lon: lon, Lat: lat, Accuracy: float32(r.IntN(30)), At: at}
	}
	return ps
}

func TestRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 2, 720, 3600} {
		ps := walk(n)
		b := Encode(ps)
		got, err := Decode(42, b)
		if err != nil {
			t.Fatalf("%d positions: %v", n, err)
		}
		if len(got) != n {
			t.Fatalf("%d positions back of %d", len(got), n)
		}
		for i, p := range ps {
			g := got[i]
			if math.Abs(g.Lon-p.Lon) > 1e-7 || math.Abs(g.Lat-p.Lat) > 1e-7 || g.At.Sub(p.At).Abs() >= time.Second ||
				g.GridID != p.GridID || g.Accuracy != p.Accuracy || g.VolunteerID != 42 || (i > 0 && g.At.Before(got[i-1].At)) {
				t.Fatalf("position %d of %d: %+v, want %+v", i, n, g, p)
			}
		}
		if n >= 720 {
			if per := float64(len(b)) / float64(n); per > 16 {
				t.Errorf("%d positions take %.1f bytes each", n, per)
			} else {
				t.Logf("%d positions: %d bytes, %.2f a position", n, len(b), per)
			}
		}
	}
}

func TestDecodeCorrupt(t *testing.T) {
	good := Encode(walk(10))
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"another version", append([]byte{9}, good[1:]...)},
		{"truncated", good[:len(good)-1]},
		{"cut in half", good[:len(good)/2]},
		{"trailing bytes", append(append([]byte{}, good...), 0)},
		{"a huge count", []byte{version, 0xff, 0xff, 0xff, 0xff, 0x0f}},
	} {
		if _, err := Decode(1, tt.b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", tt.name, err)
		}
	}
}

func BenchmarkEncodeHour(b *testing.B) {
	ps := walk(720)
	for b.Loop() {
		Encode(ps)
	}
}
