package playback_test

import (
	"math"
	"testing"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/playback"
)

// walk makes fixes every step from t0, moving east by metresPerFix each
// time (0: standing), in grid.
func walk(t0 time.Time, n int, step time.Duration, metresPerFix float64, grid int64, lon0 float64) []model.Position {
	const lat = 34.75
	out := make([]model.Position, n)
	for i := range out {
		out[i] = model.Position{VolunteerID: 1, GridID: grid, At: t0.Add(time.Duration(i) * step),
			Lon: lon0 + float64(i)*metresPerFix/(111320*math.Cos(lat*math.Pi/180)), Lat: lat}
	}
	return out
}

func TestSummarize(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	inNine := func(g int64) bool { return g == 9 }
	cases := []struct {
		name      string
		fixes     []model.Position
		distanceM int64
		insideS   int64
		stops     int
	}{
		{"none", nil, 0, 0, 0},
		{"one fix", walk(t0, 1, 10*time.Second, 0, 9, 113.63), 0, 0, 0},
		// 10 minutes at 10 m every 10 s: 600 m, all inside, never still.
		{"walking inside", walk(t0, 61, 10*time.Second, 10, 9, 113.63), 600, 600, 0},
		{"walking outside", walk(t0, 61, 10*time.Second, 10, 8, 113.63), 600, 0, 0},
		// Standing 6 minutes: one stop, no distance.
		{"standing", walk(t0, 37, 10*time.Second, 0, 9, 113.63), 0, 360, 1},
		// Standing 4 minutes is no stop.
		{"pausing", walk(t0, 25, 10*time.Second, 0, 9, 113.63), 0, 240, 0},
		// A fix every 20 minutes speaks for 5 minutes only.
		{"sparse", walk(t0, 4, 20*time.Minute, 0, 9, 113.63), 0, 900, 1},
		// Walk, stand 8 minutes, walk on: one stop.
		{"walk, stand, walk", append(append(walk(t0, 30, 10*time.Second, 10, 9, 113.63),
			walk(t0.Add(300*time.Second), 48, 10*time.Second, 0, 9, 113.63+290/(111320*math.Cos(34.75*math.Pi/180)))...),
			walk(t0.Add(780*time.Second), 30, 10*time.Second, 10, 9, 113.63+300/(111320*math.Cos(34.75*math.Pi/180)))...), 590, 1070, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := playback.Summarize(tc.fixes, inNine)
			if s.Fixes != len(tc.fixes) || math.Abs(float64(s.DistanceM-tc.distanceM)) > 2 || s.InsideS != tc.insideS || len(s.Stops) != tc.stops {
				t.Errorf("got %d fixes, %d m, %d s inside, %d stops; want %d, %d m, %d s, %d stops",
					s.Fixes, s.DistanceM, s.InsideS, len(s.Stops), len(tc.fixes), tc.distanceM, tc.insideS, tc.stops)
			}
		})
	}
}
