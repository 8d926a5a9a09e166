package track

import (
	"fmt"
	"testing"
	"time"
)

// The fake hierarchy of these tests:
//
//	1 ─┬─ 10 ─┬─ 11
//	   │      └─ 12
//	   └─ 20 ─── 21
var parents = map[int64]int64{1: 0, 10: 1, 11: 10, 12: 10, 20: 1, 21: 20}

// within walks up the fake hierarchy, as auth.Scope.Contains does.
func within(grid, area int64) bool {
	for id := grid; id != 0; id = parents[id] {
		if id == area {
			return true
		}
	}
	return false
}

var t0 = time.Date(2022, 11, 20, 8, 0, 0, 0, time.UTC)

// obs is one observation of volunteer 7, sec seconds after t0.
type obs struct {
	sec  int
	grid int64
	team int64
	lon  float64 // metres east of a fixed origin; 0 unless a test moves
}

// want is one expected event, sec seconds after t0.
type want struct {
	kind Kind
	grid int64
	team int64
	sec  int
}

// steady repeats grid every step seconds over [from, to].
func steady(from, to, step int, grid, team int64) []obs {
	var out []obs
	for s := from; s <= to; s += step {
		out = append(out, obs{sec: s, grid: grid, team: team})
	}
	return out
}

func seq(parts ...[]obs) []obs {
	var out []obs
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// jitter alternates between grids a and b every step seconds, a first.
func jitter(from, to, step int, a, b int64) []obs {
	var out []obs
	for s, i := from, 0; s <= to; s, i = s+step, i+1 {
		g := a
		if i%2 == 1 {
			g = b
		}
		out = append(out, obs{sec: s, grid: g})
	}
	return out
}

// mostlyB stays in b for 10 s, pops back into a for one 2 s fix, and so
// on: never 20 s in b without a break.
func mostlyB(from, to int, a, b int64) []obs {
	var out []obs
	for s := from; s <= to; s += 2 {
		g := b
		if (s-from)%12 == 10 {
			g = a
		}
		out = append(out, obs{sec: s, grid: g})
	}
	return out
}

func TestObserve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		obs  []obs
		want []want
	}{
		{
			name: "steady walk inside one grid",
			obs:  steady(0, 300, 5, 11, 0),
			want: []want{{Enter, 11, 0, 0}},
		},
		{
			// The change is seen from 15 s and commits with the fix at
			// 35 s, the first one Dwell after it began: events carry 35.
			name: "cross a boundary and stay",
			obs:  seq(steady(0, 10, 5, 11, 0), steady(15, 120, 5, 12, 0)),
			want: []want{{Enter, 11, 0, 0}, {Exit, 11, 0, 35}, {Enter, 12, 0, 35}},
		},
		{
			name: "one fix short of the dwell",
			obs:  seq(steady(0, 10, 5, 11, 0), steady(15, 30, 5, 12, 0), steady(32, 60, 4, 11, 0)),
			want: []want{{Enter, 11, 0, 0}},
		},
		{
			name: "jitter across a boundary every 2 s for 5 minutes",
			obs:  jitter(0, 300, 2, 11, 12),
			want: []want{{Enter, 11, 0, 0}},
		},
		{
			name: "jitter mostly on the far side",
			obs:  seq(steady(0, 0, 1, 11, 0), mostlyB(2, 300, 11, 12)),
			want: []want{{Enter, 11, 0, 0}},
		},
		{
			name: "jitter between a grid and outside",
			obs:  jitter(0, 300, 2, 11, 0),
			want: []want{{Enter, 11, 0, 0}},
		},
		{
			name: "leave every grid",
			obs:  seq(steady(0, 5, 5, 11, 0), steady(10, 60, 10, 0, 0)),
			want: []want{{Enter, 11, 0, 0}, {Exit, 11, 0, 30}},
		},
		{
			name: "first sighting outside every grid, then enter",
			obs:  seq(steady(0, 10, 10, 0, 0), steady(20, 40, 10, 21, 0)),
			want: []want{{Enter, 21, 0, 40}},
		},
		{
			name: "a second candidate restarts the dwell",
			obs:  seq(steady(0, 0, 1, 11, 0), steady(10, 10, 1, 12, 0), steady(20, 60, 10, 21, 0)),
			want: []want{{Enter, 11, 0, 0}, {Exit, 11, 0, 40}, {Enter, 21, 0, 40}},
		},
		{
			// The fix at 5 s arrives after the one at 10 s; applied, it
			// would break the dwell in 12 and delay the change to 40 s.
			name: "out-of-order fixes ignored",
			obs: []obs{
				{sec: 0, grid: 11}, {sec: 10, grid: 12}, {sec: 5, grid: 11},
				{sec: 20, grid: 12}, {sec: 15, grid: 11}, {sec: 30, grid: 12},
			},
			want: []want{{Enter, 11, 0, 0}, {Exit, 11, 0, 30}, {Enter, 12, 0, 30}},
		},
		{
			name: "a late fix from before the change is ignored",
			obs:  seq(steady(0, 0, 1, 11, 0), steady(10, 40, 10, 12, 0), []obs{{sec: 1, grid: 11}}),
			want: []want{{Enter, 11, 0, 0}, {Exit, 11, 0, 30}, {Enter, 12, 0, 30}},
		},
		{
			name: "negative dwell commits at once",
			cfg:  Config{Dwell: -1},
			obs:  []obs{{sec: 0, grid: 11}, {sec: 2, grid: 12}, {sec: 4, grid: 11}},
			want: []want{{Enter, 11, 0, 0}, {Exit, 11, 0, 2}, {Enter, 12, 0, 2}, {Exit, 12, 0, 4}, {Enter, 11, 0, 4}},
		},
		{
			name: "short custom dwell",
			cfg:  Config{Dwell: 5 * time.Second},
			obs:  []obs{{sec: 0, grid: 11}, {sec: 2, grid: 12}, {sec: 4, grid: 12}, {sec: 7, grid: 12}},
			want: []want{{Enter, 11, 0, 0}, {Exit, 11, 0, 7}, {Enter, 12, 0, 7}},
		},
		{
			name: "team area: first sighting inside, wander out and back",
			obs: seq(steady(0, 10, 5, 11, 10), steady(15, 40, 5, 21, 10),
				steady(45, 70, 5, 12, 10)),
			want: []want{
				{Enter, 11, 0, 0},
				{Exit, 11, 0, 35}, {Enter, 21, 0, 35}, {OutsideTeamArea, 21, 10, 35},
				{Exit, 21, 0, 65}, {Enter, 12, 0, 65}, {BackInTeamArea, 12, 10, 65},
			},
		},
		{
			name: "team area: moving within the area is no team event",
			obs:  seq(steady(0, 10, 5, 11, 10), steady(15, 40, 5, 12, 10)),
			want: []want{{Enter, 11, 0, 0}, {Exit, 11, 0, 35}, {Enter, 12, 0, 35}},
		},
		{
			name: "team area: first sighting outside it",
			obs:  steady(0, 60, 10, 21, 10),
			want: []want{{Enter, 21, 0, 0}, {OutsideTeamArea, 21, 10, 0}},
		},
		{
			name: "team area: first sighting outside every grid",
			obs:  steady(0, 60, 10, 0, 10),
			want: []want{{OutsideTeamArea, 0, 10, 0}},
		},
		{
			name: "team area: leaving every grid is leaving the area",
			obs:  seq(steady(0, 0, 1, 12, 10), steady(10, 30, 10, 0, 10)),
			want: []want{{Enter, 12, 0, 0}, {Exit, 12, 0, 30}, {OutsideTeamArea, 0, 10, 30}},
		},
		{
			name: "team area: the whole subdistrict",
			obs:  seq(steady(0, 0, 1, 11, 1), steady(10, 30, 10, 21, 1)),
			want: []want{{Enter, 11, 0, 0}, {Exit, 11, 0, 30}, {Enter, 21, 0, 30}},
		},
		{
			name: "no team area: never a team event",
			obs:  seq(steady(0, 0, 1, 11, 0), steady(10, 30, 10, 0, 0)),
			want: []want{{Enter, 11, 0, 0}, {Exit, 11, 0, 30}},
		},
		{
			name: "team reassigned: judged at once against the new area",
			obs:  seq(steady(0, 20, 10, 21, 20), steady(30, 50, 10, 21, 10), steady(60, 60, 1, 21, 20)),
			want: []want{{Enter, 21, 0, 0}, {OutsideTeamArea, 21, 10, 30}, {BackInTeamArea, 21, 20, 60}},
		},
		{
			// A phone lying 3 m from where it entered 11, its fixes
			// wandering into 12: with MinMove 10 m it stays in 11 however
			// long; once it really moves, the dwell applies as usual.
			name: "min move holds a phone lying on a boundary",
			cfg:  Config{MinMove: 10},
			obs: seq([]obs{{sec: 0, grid: 11}}, jitterAt(2, 120, 3, 12),
				[]obs{{sec: 130, grid: 12, lon: 50}, {sec: 140, grid: 12, lon: 50}, {sec: 150, grid: 12, lon: 50}}),
			want: []want{{Enter, 11, 0, 0}, {Exit, 11, 0, 150}, {Enter, 12, 0, 150}},
		},
		{
			name: "min move disabled: the same phone changes grid",
			obs:  seq([]obs{{sec: 0, grid: 11}}, jitterAt(2, 120, 3, 12)),
			want: []want{{Enter, 11, 0, 0}, {Exit, 11, 0, 22}, {Enter, 12, 0, 22}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := New(tt.cfg, within)
			var got []want
			for _, o := range tt.obs {
				lon, lat := metresEast(o.lon)
				for _, e := range tr.Observe(7, o.team, t0.Add(time.Duration(o.sec)*time.Second), lon, lat, o.grid) {
					if e.VolunteerID != 7 {
						t.Errorf("event %+v: volunteer %d, want 7", e, e.VolunteerID)
					}
					if e.Lon != lon || e.Lat != lat {
						t.Errorf("event %+v: position %v, %v, want the committing fix %v, %v", e, e.Lon, e.Lat, lon, lat)
					}
					got = append(got, want{e.Kind, e.GridID, e.TeamGridID, int(e.At.Sub(t0) / time.Second)})
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("events\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// jitterAt is a phone lying still m metres east of the origin, reporting
// grid every 2 s over [from, to].
func jitterAt(from, to int, m float64, grid int64) []obs {
	var out []obs
	for s := from; s <= to; s += 2 {
		out = append(out, obs{sec: s, grid: grid, lon: m})
	}
	return out
}

// metresEast returns the position m metres east of a point in Jianshe
// Road; tests that do not move use m = 0.
func metresEast(m float64) (lon, lat float64) {
	const lat0 = 34.755
	return 113.63 + m/111319.49/0.8217, lat0 // cos(34.755°) ≈ 0.8217
}

func TestNoEventsReturnsNil(t *testing.T) {
	t.Parallel()
	tr := New(Config{}, within)
	if evs := tr.Observe(1, 0, t0, 113.63, 34.755, 0); evs != nil {
		t.Errorf("first sighting outside, no team area: %v, want nil", evs)
	}
	tr.Observe(2, 0, t0, 113.63, 34.755, 11)
	if evs := tr.Observe(2, 0, t0.Add(time.Second), 113.63, 34.755, 11); evs != nil {
		t.Errorf("no change: %v, want nil", evs)
	}
	if evs := tr.Observe(2, 0, t0.Add(2*time.Second), 113.63, 34.755, 12); evs != nil {
		t.Errorf("candidate only: %v, want nil", evs)
	}
}

func TestForget(t *testing.T) {
	t.Parallel()
	tr := New(Config{}, within)
	tr.Observe(1, 0, t0, 113.63, 34.755, 11)
	tr.Observe(2, 0, t0, 113.63, 34.755, 12)
	if tr.Len() != 2 {
		t.Fatalf("Len = %d, want 2", tr.Len())
	}
	tr.Forget(1)
	if tr.Len() != 1 {
		t.Fatalf("Len after Forget = %d, want 1", tr.Len())
	}
	// Forgotten: the next fix is a first sighting, even an older one.
	evs := tr.Observe(1, 0, t0.Add(-time.Hour), 113.63, 34.755, 11)
	if len(evs) != 1 || evs[0].Kind != Enter || evs[0].GridID != 11 {
		t.Errorf("after Forget: %+v, want one enter 11", evs)
	}
}

// TestObserveNoChangeAllocs holds the hot path to zero allocations: a
// volunteer seen again in their committed grid, and one whose fixes are
// still dwelling in a candidate.
func TestObserveNoChangeAllocs(t *testing.T) {
	tr := New(Config{}, within)
	tr.Observe(1, 10, t0, 113.63, 34.755, 11)
	tr.Observe(2, 10, t0, 113.63, 34.755, 11)
	at := t0
	allocs := testing.AllocsPerRun(1000, func() {
		at = at.Add(time.Second)
		tr.Observe(1, 10, at, 113.63, 34.755, 11)
		tr.Observe(2, 10, at, 113.63, 34.755, 12+int64(at.Second()%2)*9) // 12 and 21 in turn: never committed
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per no-change observation, want 0", allocs)
	}
}

func BenchmarkObserve(b *testing.B) {
	const volunteers = 20000
	tr := New(Config{MinMove: 5}, within)
	grids := []int64{11, 12, 21}
	for id := range int64(volunteers) {
		tr.Observe(id, 10, t0, 113.63, 34.755, grids[id%3])
	}
	at := t0
	i := int64(0)
	b.ReportAllocs()
	for b.Loop() {
		id := i % volunteers
		if id == 0 {
			at = at.Add(5 * time.Second)
		}
		if tr.Observe(id, 10, at, 113.63, 34.755, grids[id%3]) != nil {
			b.Fatal("event on the no-change path")
		}
		i++
	}
}
