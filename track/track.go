// Package track turns a volunteer's stream of grid assignments into
// geofence events (enter, exit, leaving and returning to the team's area),
// with hysteresis so that GPS jitter along a boundary does not produce a
// storm of events. It is pure: no I/O, no logging, no clock of its own;
// time comes only from the observations.
package track

import (
	"math"
	"time"
)

// DefaultDwell is the dwell used when Config.Dwell is zero.
const DefaultDwell = 20 * time.Second

// Config sets the hysteresis.
//
// The rule: each volunteer has a committed grid (0 = outside every grid).
// An observation in a grid other than the committed one makes that grid
// the candidate, from the observation's time; the candidate is committed
// by the first observation that is still in it at least Dwell after that
// time, with every observation in between in the candidate too.
// An observation in the committed grid, or in another grid, drops or
// replaces the candidate, and the dwell starts again. Continuity is judged
// on the observations only: a gap in reporting does not break it.
//
// With MinMove > 0, an observation less than MinMove metres from the
// committed position (where the last change was committed, or the first
// sighting) counts as one in the committed grid, whatever grid it was
// assigned: a phone lying still on a boundary cannot leave its grid, however
// long its fixes wander.
type Config struct {
	// Dwell is how long a new grid must be seen before it counts; zero
	// means DefaultDwell, and a negative value commits every change at once.
	Dwell time.Duration
	// MinMove is in metres; 0 disables the check.
	MinMove float64
}

// Kind is the kind of a geofence event.
type Kind string

// The kinds of event. Team-area events fire only for volunteers whose team
// has an area.
const (
	Enter           Kind = "enter"
	Exit            Kind = "exit"
	OutsideTeamArea Kind = "outside_team_area"
	BackInTeamArea  Kind = "back_in_team_area"
)

// Event is one geofence event.
//
// At, Lon and Lat are those of the observation that committed the change,
// not of the first observation in the new grid: the volunteer crossed up to
// Dwell (plus one reporting interval) earlier. Reporting the commit keeps
// events in the order they are emitted and never back-dates an event
// already overtaken by the stream.
type Event struct {
	Kind        Kind
	VolunteerID int64
	// GridID is the grid entered or left; for team events, the grid the
	// volunteer is now in (0 outside every grid).
	GridID int64
	// TeamGridID is the team's area, for team events; 0 otherwise.
	TeamGridID int64
	At         time.Time
	Lon, Lat   float64
}

// volunteer is what the tracker remembers of one volunteer.
type volunteer struct {
	grid     int64     // committed grid, 0 outside
	team     int64     // team area the inside flag was computed for
	inside   bool      // committed grid lies in the team area (or no area)
	last     time.Time // newest observation, for ordering
	lon, lat float64   // committed position
	cand     int64     // candidate grid, valid when hasCand
	since    time.Time // first observation of the candidate
	hasCand  bool
}

// Tracker holds the committed grid of every volunteer it has seen.
//
// A Tracker is not safe for concurrent use: the caller serialises calls,
// for example by sharding volunteers over goroutines by id, each shard with
// its own Tracker.
type Tracker struct {
	dwell   time.Duration
	minMove float64
	within  func(grid, area int64) bool
	vols    map[int64]*volunteer
}

// New returns an empty tracker. within reports whether grid lies in the
// subtree of area (auth.Scope{Root: area}.Contains over the current
// hierarchy); it is called only when a volunteer is first seen, commits a
// change of grid, or changes team area, never on the common no-change path.
func New(cfg Config, within func(grid, area int64) bool) *Tracker {
	if cfg.Dwell == 0 {
		cfg.Dwell = DefaultDwell
	}
	return &Tracker{dwell: cfg.Dwell, minMove: cfg.MinMove, within: within, vols: map[int64]*volunteer{}}
}

// Observe records that volunteerID, whose team's area is teamGridID (0 for
// none), was at lon, lat in grid (0 outside every grid) at time at, and
// returns the events this causes, or nil when nothing happened.
//
// The first sighting commits at once: "enter" if grid is not 0, and
// "outside_team_area" if grid is outside the team area. Later, a change of
// grid commits as Config describes and yields "exit" for the old grid (if
// not 0), then "enter" for the new one (if not 0), then a team event when
// the volunteer crossed the edge of the team area. A change of teamGridID
// re-judges the committed grid against the new area at once. Observations
// older than the newest one seen for the volunteer are ignored.
func (t *Tracker) Observe(volunteerID, teamGridID int64, at time.Time, lon, lat float64, grid int64) []Event {
	v := t.vols[volunteerID]
	if v == nil {
		return t.first(volunteerID, teamGridID, at, lon, lat, grid)
	}
	if at.Before(v.last) {
		return nil
	}
	v.last = at
	retargeted := teamGridID != v.team
	v.team = teamGridID
	old, committed := t.advance(v, at, lon, lat, grid)
	if !committed && !retargeted {
		return nil
	}
	var evs []Event
	if committed {
		evs = make([]Event, 0, 3)
		if old != 0 {
			evs = append(evs, Event{Kind: Exit, VolunteerID: volunteerID, GridID: old, At: at, Lon: lon, Lat: lat})
		}
		if v.grid != 0 {
			evs = append(evs, Event{Kind: Enter, VolunteerID: volunteerID, GridID: v.grid, At: at, Lon: lon, Lat: lat})
		}
	}
	return t.judge(v, volunteerID, at, lon, lat, evs)
}

// advance applies the hysteresis rule of Config to one observation. When
// it commits a change it returns the grid left and true.
func (t *Tracker) advance(v *volunteer, at time.Time, lon, lat float64, grid int64) (old int64, committed bool) {
	if grid == v.grid || (t.minMove > 0 && distance(v.lon, v.lat, lon, lat) < t.minMove) {
		v.hasCand = false
		return 0, false
	}
	if !v.hasCand || v.cand != grid {
		v.cand, v.since, v.hasCand = grid, at, true
	}
	if at.Sub(v.since) < t.dwell {
		return 0, false
	}
	old = v.grid
	v.grid, v.lon, v.lat, v.hasCand = grid, lon, lat, false
	return old, true
}

// first handles the first sighting of a volunteer: it commits at once.
func (t *Tracker) first(id, team int64, at time.Time, lon, lat float64, grid int64) []Event {
	v := &volunteer{grid: grid, team: team, last: at, lon: lon, lat: lat}
	v.inside = t.inArea(grid, team)
	t.vols[id] = v
	var evs []Event
	if grid != 0 {
		evs = append(evs, Event{Kind: Enter, VolunteerID: id, GridID: grid, At: at, Lon: lon, Lat: lat})
	}
	if !v.inside {
		evs = append(evs, Event{Kind: OutsideTeamArea, VolunteerID: id, GridID: grid, TeamGridID: team, At: at, Lon: lon, Lat: lat})
	}
	return evs
}

// judge re-evaluates whether the committed grid lies in the team area and
// appends a team event when that changed.
func (t *Tracker) judge(v *volunteer, id int64, at time.Time, lon, lat float64, evs []Event) []Event {
	inside := t.inArea(v.grid, v.team)
	if inside == v.inside {
		return evs
	}
	v.inside = inside
	kind := OutsideTeamArea
	if inside {
		kind = BackInTeamArea
	}
	return append(evs, Event{Kind: kind, VolunteerID: id, GridID: v.grid, TeamGridID: v.team, At: at, Lon: lon, Lat: lat})
}

// inArea reports whether grid counts as inside team area area: always
// when there is no area, never outside every grid.
func (t *Tracker) inArea(grid, area int64) bool {
	if area == 0 {
		return true
	}
	return grid != 0 && t.within(grid, area)
}

// Forget drops what the tracker knows of a volunteer, for example after a
// long silence; their next observation is a first sighting again.
func (t *Tracker) Forget(volunteerID int64) { delete(t.vols, volunteerID) }

// Rebase settles every volunteer after boundaries change: locate gives
// the grid of a point under the new boundaries and team the new team
// area of a volunteer. Each committed grid becomes the one holding the
// committed position, and the team-area flag is judged again, without
// events: a redraw moves nobody in or out of anything, so it must not
// look as if they moved.
func (t *Tracker) Rebase(locate func(lon, lat float64) int64, team func(volunteerID int64) int64) {
	for id, v := range t.vols {
		v.grid = locate(v.lon, v.lat)
		v.team = team(id)
		v.hasCand = false
		v.inside = t.inArea(v.grid, v.team)
	}
}

// Len is the number of volunteers the tracker holds.
func (t *Tracker) Len() int { return len(t.vols) }

// earthRadius is the WGS84 semi-major axis in metres.
const earthRadius = 6378137.0

// distance is the equirectangular distance in metres between two WGS84
// positions: exact enough at the few-metre scale of MinMove.
func distance(lon1, lat1, lon2, lat2 float64) float64 {
	const rad = math.Pi / 180
	x := (lon2 - lon1) * rad * math.Cos((lat1+lat2)/2*rad)
	y := (lat2 - lat1) * rad
	return earthRadius * math.Hypot(x, y)
}
