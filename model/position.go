package model

import (
	"math"
	"time"
)

// Position is one fix of a volunteer's phone, as the live engine
// assigns it, the stream delivers it and the database stores it: the one
// position type of gridmap.
type Position struct {
	VolunteerID int64
	TeamID      int64     // the volunteer's team; 0 when not known (read back from storage)
	GridID      int64     // level-3 grid holding the fix; 0 outside every grid
	Lon, Lat    float64   // WGS84
	Accuracy    float32   // metres; 0 when unknown
	At          time.Time // when the phone took the fix
}

// CheckLonLat reports whether lon and lat are WGS84 degrees in range,
// as an Invalid error naming fieldLon or fieldLat.
func CheckLonLat(lon, lat float64, fieldLon, fieldLat string) error {
	switch {
	case math.IsNaN(lon) || lon < -180 || lon > 180:
		return Errorf(Invalid, fieldLon, "out of range -180..180")
	case math.IsNaN(lat) || lat < -90 || lat > 90:
		return Errorf(Invalid, fieldLat, "out of range -90..90")
	}
	return nil
}
