package model

import (
	"time"

	"github.com/paulmach/orb"
)

// SamplingSite is a nucleic-acid sampling site (核酸采样点): a point in a
// level-3 grid, open daily between Opens and Closes, local time.
type SamplingSite struct {
	ID     int64
	GridID int64 // the level-3 grid containing Geom
	Name   string
	Geom   orb.Point
	Opens  string // "HH:MM", local time of the area
	Closes string // "HH:MM", after Opens
}

// SamplingReport is what staff at a site reported at a moment: the queue
// they saw and how many people were sampled since their previous report
// (an increment, so a site's tested count for a day is the sum of the
// day's reports).
type SamplingReport struct {
	ID     int64
	SiteID int64
	Day    string // the area's local day of At
	At     time.Time
	Queue  int
	Tested int
}

// ScreenedOutcomes lists the outcomes that count a household as screened
// (Outcome.Screened), for SQL that counts screened households: live
// coverage, past coverage and a round of testing's completeness.
func ScreenedOutcomes() []string {
	var out []string
	for _, o := range Outcomes {
		if o.Screened() {
			out = append(out, string(o))
		}
	}
	return out
}
