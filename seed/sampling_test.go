package seed

import (
	"testing"
	"time"

	"github.com/paulmach/orb/planar"
)

// TestSamplingSitesPlausible checks the demo's sampling sites: one or two
// per community, each inside its compound grid with sane hours, and
// reports only within those hours, never after now, whose queues and
// counts stay in the ranges the API accepts.
func TestSamplingSitesPlausible(t *testing.T) {
	t.Parallel()
	for _, clock := range []string{"15:30", "06:00"} {
		t.Run(clock, func(t *testing.T) {
			now, err := time.ParseInLocation("2006-01-02 15:04", "2026-11-28 "+clock, Zone)
			if err != nil {
				t.Fatal(err)
			}
			ds, err := DemoAt(1, now)
			if err != nil {
				t.Fatal(err)
			}
			f := ds.Field
			if n := len(f.SamplingSites); n < 7 || n > 14 {
				t.Errorf("%d sampling sites, want one or two for each of the 7 communities", n)
			}
			hours := map[int64][2]string{}
			for _, s := range f.SamplingSites {
				g := ds.Grids[0]
				for _, gr := range ds.Grids {
					if gr.ID == s.GridID {
						g = gr
					}
				}
				if g.ID != s.GridID || g.Level != 3 || !planar.MultiPolygonContains(g.Geom, s.Geom) {
					t.Errorf("site %d %s is not inside its compound grid %d", s.ID, s.Name, s.GridID)
				}
				if !(s.Opens < s.Closes) {
					t.Errorf("site %d opens %s, closes %s", s.ID, s.Opens, s.Closes)
				}
				hours[s.ID] = [2]string{s.Opens, s.Closes}
			}
			today := 0
			for _, r := range f.SamplingReports {
				h, ok := hours[r.SiteID]
				local := r.At.In(Zone).Format("15:04")
				switch {
				case !ok:
					t.Errorf("report %d of unknown site %d", r.ID, r.SiteID)
				case r.At.After(now):
					t.Errorf("report %d at %s, after now", r.ID, r.At)
				case local < h[0] || local > h[1] || r.At.In(Zone).Format(time.DateOnly) != r.Day:
					t.Errorf("report %d on %s at %s, outside its site's hours %v", r.ID, r.Day, local, h)
				case r.Queue < 0 || r.Queue > 10000 || r.Tested < 0 || r.Tested > 100000:
					t.Errorf("report %d: queue %d, tested %d", r.ID, r.Queue, r.Tested)
				}
				if r.Day == f.Today {
					today++
				}
			}
			if want := clock == "15:30"; (today > 0) != want {
				t.Errorf("at %s, %d reports today", clock, today)
			}
		})
	}
}
