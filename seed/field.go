package seed

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gridmap/gridmap/model"
)

// Zone is the local time of the generated areas, China Standard Time
// (UTC+8, the same as Asia/Shanghai since 1991). Their days begin at
// midnight in it; pass time.Now().In(Zone) as "now" to AddField.
var Zone = time.FixedZone("CST", 8*60*60)

// demoOccupied is roughly the demo's number of occupied households; the
// counts of rarer field records (fevers, quarantines, the ledger,
// requests) are given for the demo and scale with it.
const demoOccupied = 11800.0

// DemoAt generates the demo subdistrict with its field work up to now
// (see AddField).
func DemoAt(seed uint64, now time.Time) (*model.Dataset, error) {
	ds, err := Demo(seed)
	if err != nil {
		return nil, err
	}
	if err := AddField(ds, seed, now); err != nil {
		return nil, err
	}
	return ds, nil
}

// AddField adds field work for the day now falls on (in now's location,
// the area's zone) and the days before it: screening reports for today
// and yesterday with completeness that varies strongly between compound
// grids, home quarantines, gate checkpoints with their counts, fever and
// door-seal alerts, the ledger of vulnerable residents (new people, added
// to ds.People; an elderly resident living alone makes their household
// one of 1) with their visits, hotline requests of the last three days,
// one spot check, party members' point awards (setting their
// Points), nucleic-acid sampling sites with their reports, the in-service
// members' registrations with their community (双报到) and members'
// service hours. Nothing
// is dated after now, so early in the morning today's reports crowd
// into the hours since midnight. The result depends only
// on ds, seed and now.
func AddField(ds *model.Dataset, seed uint64, now time.Time) error {
	if ds.Field != nil {
		return fmt.Errorf("seed: dataset already has field data for %s", ds.Field.Today)
	}
	g, err := newFieldGen(ds, seed, now)
	if err != nil {
		return err
	}
	// Each part draws from its own stream, so that how many draws one
	// makes (which depends on the time of day) does not shift the others.
	for k, part := range []func(){
		g.quarantines, g.screenings, g.sealAlerts, g.checkpoints, g.ledger, g.requests, g.spotCheck, g.pointAwards, g.samplingSites,
		g.registrations, g.serviceHours,
	} {
		g.r = rand.New(rand.NewPCG(seed, uint64(100+k)))
		part()
	}
	g.number()
	ds.Field = g.f
	return nil
}

// fieldGen holds what the field generators share: the dataset and its
// indexes, the random source and the clock.
type fieldGen struct {
	ds    *model.Dataset
	f     *model.FieldData
	r     *rand.Rand // the current part's random stream
	now   time.Time
	today time.Time // midnight starting today, in now's location
	scale float64   // occupied households relative to the demo

	gridIndex map[int64]int     // grid id -> index in ds.Grids
	compounds []int64           // level-3 grid ids, in dataset order
	occupied  map[int64][]int64 // level-3 grid id -> its occupied household ids
	buildings map[int64][]int   // level-3 grid id -> indexes of its buildings
	special   map[int64]bool    // households already given a role (quarantine, fever, ledger)
	activeQ   map[int64]int     // household id -> index of its quarantine active today
}

func newFieldGen(ds *model.Dataset, seed uint64, now time.Time) (*fieldGen, error) {
	now = now.Round(0).Truncate(time.Second)
	y, m, d := now.Date()
	g := &fieldGen{
		ds: ds, now: now,
		today:     time.Date(y, m, d, 0, 0, 0, 0, now.Location()),
		gridIndex: map[int64]int{}, occupied: map[int64][]int64{}, buildings: map[int64][]int{},
		special: map[int64]bool{}, activeQ: map[int64]int{},
	}
	g.f = &model.FieldData{Today: g.today.Format(time.DateOnly)}
	for i, gr := range ds.Grids {
		g.gridIndex[gr.ID] = i
		if gr.Level == 3 {
			g.compounds = append(g.compounds, gr.ID)
		}
	}
	for i, b := range ds.Buildings {
		if b.ID != int64(i+1) {
			return nil, fmt.Errorf("seed: field: building ids are not 1..n")
		}
		g.buildings[b.GridID] = append(g.buildings[b.GridID], i)
	}
	n := 0
	for i, h := range ds.Households {
		if h.ID != int64(i+1) {
			return nil, fmt.Errorf("seed: field: household ids are not 1..n")
		}
		if h.Status == "occupied" {
			grid := ds.Buildings[h.BuildingID-1].GridID
			g.occupied[grid] = append(g.occupied[grid], h.ID)
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("seed: field: no occupied households")
	}
	g.scale = float64(n) / demoOccupied
	return g, nil
}

// count returns a demo figure between lo and hi, scaled to the dataset:
// at least 1.
func (g *fieldGen) count(lo, hi int) int {
	return max(1, int(math.Round(float64(lo+g.r.IntN(hi-lo+1))*g.scale)))
}

// day returns the midnight starting the day offset days from today.
func (g *fieldGen) day(offset int) time.Time { return g.today.AddDate(0, 0, offset) }

func date(t time.Time) string { return t.Format(time.DateOnly) }

// between returns a random whole second in [from, to], with to clipped
// at now; when the clipped span is empty, it returns to. It makes one
// draw whatever the span, so the time of day changes no other figure.
func (g *fieldGen) between(from, to time.Time) time.Time {
	u := g.r.Float64()
	if to.After(g.now) {
		to = g.now
	}
	if !from.Before(to) {
		return to
	}
	return from.Add(time.Duration(u*float64(to.Sub(from)/time.Second+1)) * time.Second)
}

// since returns the time h hours into today, or midnight when now is
// less than an hour past that, so that work "since this morning" still
// spreads over the hours there have been.
func (g *fieldGen) since(h float64) time.Time {
	t := g.today.Add(time.Duration(h * float64(time.Hour)))
	if g.now.Before(t.Add(time.Hour)) {
		return g.today
	}
	return t
}

// daytime returns a random time between 08:00 and 19:00 of day (a
// midnight), never after now.
func (g *fieldGen) daytime(day time.Time) time.Time {
	return g.between(day.Add(8*time.Hour), day.Add(19*time.Hour))
}

// hours returns a duration of lo to hi hours, to the second.
func (g *fieldGen) hours(lo, hi float64) time.Duration {
	return time.Duration((lo + g.r.Float64()*(hi-lo)) * float64(time.Hour)).Truncate(time.Second)
}

func (g *fieldGen) grid(id int64) *model.Grid { return &g.ds.Grids[g.gridIndex[id]] }

func (g *fieldGen) gridOf(household int64) int64 {
	return g.ds.Buildings[g.ds.Households[household-1].BuildingID-1].GridID
}

// freeHousehold returns a random occupied household with no role yet,
// or 0 when it finds none.
func (g *fieldGen) freeHousehold() int64 {
	for range 200 {
		c := g.compounds[g.r.IntN(len(g.compounds))]
		hs := g.occupied[c]
		if len(hs) == 0 {
			continue
		}
		if h := hs[g.r.IntN(len(hs))]; !g.special[h] {
			g.special[h] = true
			return h
		}
	}
	return 0
}

// temperature returns a random reading in [lo, hi] to one decimal.
func (g *fieldGen) temperature(lo, hi float64) float64 {
	steps := int(math.Round((hi - lo) * 10))
	return math.Round((lo*10)+float64(g.r.IntN(steps+1))) / 10
}

// number sorts the generated rows into time order and gives them ids,
// as a database filling up day by day would; rows that others refer to
// (quarantines, checkpoints, residents, spot checks) were numbered as
// they were made.
func (g *fieldGen) number() {
	f := g.f
	slices.SortStableFunc(f.Screenings, func(a, b model.Screening) int {
		return cmp.Or(a.ReportedAt.Compare(b.ReportedAt), cmp.Compare(a.HouseholdID, b.HouseholdID))
	})
	for i := range f.Screenings {
		f.Screenings[i].ID = int64(i + 1)
	}
	slices.SortStableFunc(f.Alerts, func(a, b model.Alert) int { return a.At.Compare(b.At) })
	for i := range f.Alerts {
		f.Alerts[i].ID = int64(i + 1)
	}
	slices.SortStableFunc(f.Visits, func(a, b model.Visit) int { return a.At.Compare(b.At) })
	for i := range f.Visits {
		f.Visits[i].ID = int64(i + 1)
	}
	slices.SortStableFunc(f.Requests, func(a, b model.Request) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	for i := range f.Requests {
		f.Requests[i].ID = int64(i + 1)
	}
	slices.SortStableFunc(f.PointAwards, func(a, b model.PointAward) int { return a.At.Compare(b.At) })
	for i := range f.PointAwards {
		f.PointAwards[i].ID = int64(i + 1)
	}
}
