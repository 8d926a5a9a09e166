package playback

import (
	"math"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/gridmap/gridmap/model"
)

// The rules of a day's summary.
const (
	// StopRadius is how far fixes may wander from the first of a stop
	// (phones' jitter while standing at a door is tens of metres).
	StopRadius = 30.0 // metres
	// StopMin is how long a volunteer stays within StopRadius for a stop.
	StopMin = 5 * time.Minute
	// MaxGap is the longest a fix speaks for: after a longer silence the
	// time between two fixes counts as inside nobody's grid.
	MaxGap = 5 * time.Minute
)

// Stop is a stay of at least StopMin within StopRadius of one place:
// from the first to the last fix of the stay (Unix milliseconds), where
// the first fix was.
type Stop struct {
	From int64   `json:"from"`
	To   int64   `json:"to"`
	Lon  float64 `json:"lon"`
	Lat  float64 `json:"lat"`
}

// Summary is a volunteer's day: how many fixes, the distance between
// consecutive fixes summed, the time inside their team's grid (each fix
// speaks for the time to the next, at most MaxGap) and their stops.
type Summary struct {
	Fixes     int    `json:"fixes"`
	DistanceM int64  `json:"distance_m"`
	InsideS   int64  `json:"inside_s"`
	Stops     []Stop `json:"stops"`
}

// Summarize summarises a volunteer's fixes, oldest first; inside says
// whether a fix's compound grid lies in their team's grid.
func Summarize(fixes []model.Position, inside func(grid int64) bool) Summary {
	s := Summary{Fixes: len(fixes), Stops: []Stop{}}
	var metres float64
	var in time.Duration
	for i := 1; i < len(fixes); i++ {
		a, b := fixes[i-1], fixes[i]
		metres += orbgeo.DistanceHaversine(orb.Point{a.Lon, a.Lat}, orb.Point{b.Lon, b.Lat})
		if inside(a.GridID) {
			in += min(b.At.Sub(a.At), MaxGap)
		}
	}
	s.DistanceM, s.InsideS = int64(math.Round(metres)), int64(in/time.Second)
	s.Stops = stops(fixes)
	return s
}

// stops finds the stays: from each fix, the run of following fixes
// within StopRadius of it; a run lasting StopMin or more is a stop, and
// the search goes on after it (else from the next fix).
func stops(fixes []model.Position) []Stop {
	out := []Stop{}
	for i := 0; i < len(fixes); {
		a := fixes[i]
		j := i + 1
		for j < len(fixes) && orbgeo.DistanceHaversine(orb.Point{a.Lon, a.Lat}, orb.Point{fixes[j].Lon, fixes[j].Lat}) <= StopRadius {
			j++
		}
		last := fixes[j-1]
		if last.At.Sub(a.At) >= StopMin {
			out = append(out, Stop{From: a.At.UnixMilli(), To: last.At.UnixMilli(), Lon: a.Lon, Lat: a.Lat})
			i = j
			continue
		}
		i++
	}
	return out
}
