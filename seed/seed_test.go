package seed

import (
	"reflect"
	"testing"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func TestDemoShape(t *testing.T) {
	t.Parallel()
	ds, err := Demo(1)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[int]int{}
	for _, g := range ds.Grids {
		levels[g.Level]++
	}
	if levels[1] != 1 || levels[2] != 7 || levels[3] != 23 {
		t.Errorf("grids per level = %v, want 1, 7, 23", levels)
	}
	if n := len(ds.Buildings); n < 300 || n > 600 {
		t.Errorf("%d buildings, want 300-600", n)
	}
	if n := len(ds.Households); n < 10000 || n > 15000 {
		t.Errorf("%d households, want 10,000-15,000", n)
	}
	if n := len(ds.PartyMembers); n < 300 {
		t.Errorf("%d party members, want 300+", n)
	}
	if n := len(ds.Teams); n != 11 {
		t.Errorf("%d teams, want 11", n)
	}
	noHead, unlinked := 0, 0
	for _, b := range ds.Buildings {
		if b.HeadID == 0 {
			noHead++
		}
	}
	for _, h := range ds.Households {
		if h.ContactID == 0 {
			unlinked++
		}
	}
	if noHead == 0 || noHead > len(ds.Buildings)/5 {
		t.Errorf("%d of %d buildings without a head: want some, but few", noHead, len(ds.Buildings))
	}
	if unlinked == 0 || unlinked > len(ds.Households)/5 {
		t.Errorf("%d of %d households unlinked: want some, but few", unlinked, len(ds.Households))
	}
	// About 1.02 km²: sum the level-3 areas in a local projection.
	area := 0.0
	for _, g := range ds.Grids {
		if g.Level == 3 {
			area += planar.Area(project(g.Geom))
		}
	}
	if area < 0.98e6 || area > 1.06e6 {
		t.Errorf("area %.0f m², want about 1.02 km²", area)
	}
	t.Logf("buildings %d (no head %d), households %d (unlinked %d), party members %d, people %d, area %.0f m²",
		len(ds.Buildings), noHead, len(ds.Households), unlinked, len(ds.PartyMembers), len(ds.People), area)
}

func TestDemoDeterministic(t *testing.T) {
	t.Parallel()
	a, err := Demo(7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Demo(7)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("two demos from seed 7 differ")
	}
	c, err := Demo(8)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a.Buildings, c.Buildings) {
		t.Error("seeds 7 and 8 give the same buildings")
	}
}

func TestDemoCodes(t *testing.T) {
	t.Parallel()
	ds, err := Demo(1)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]model.Grid{}
	for _, g := range ds.Grids {
		byID[g.ID] = g
	}
	for _, g := range ds.Grids {
		want := map[int]int{1: 9, 2: 12, 3: 14}[g.Level]
		if len(g.Code) != want {
			t.Errorf("grid %s level %d: code length %d, want %d", g.Code, g.Level, len(g.Code), want)
		}
		if g.ParentID != 0 && g.Code[:len(byID[g.ParentID].Code)] != byID[g.ParentID].Code {
			t.Errorf("grid %s does not start with its parent's code %s", g.Code, byID[g.ParentID].Code)
		}
	}
	if ds.Grids[0].Code != "410102003" || ds.Grids[1].Code != "410102003001" || ds.Grids[8].Code != "41010200300101" {
		t.Errorf("first codes %s %s %s", ds.Grids[0].Code, ds.Grids[1].Code, ds.Grids[8].Code)
	}
	if ds.Grids[8].Name != "桐柏路61号院" {
		t.Errorf("first compound is %s, want 桐柏路61号院", ds.Grids[8].Name)
	}
}

func TestCity(t *testing.T) {
	t.Parallel()
	ds, err := City(1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range ds.Grids {
		if g.Level == 3 {
			n++
		}
	}
	if n != 1000 {
		t.Errorf("%d level-3 grids, want 1000", n)
	}
	if len(ds.Buildings) < 3000 || len(ds.Households) < 30000 {
		t.Errorf("%d buildings, %d households: too few", len(ds.Buildings), len(ds.Households))
	}
}

func project(mp orb.MultiPolygon) orb.MultiPolygon {
	l := newLattice(1, 1, 1, 0, DemoCentre, 0).proj
	out := orb.MultiPolygon{}
	for _, p := range mp {
		var q orb.Polygon
		for _, r := range p {
			var rr orb.Ring
			for _, pt := range r {
				rr = append(rr, l.ToMetres(pt))
			}
			q = append(q, rr)
		}
		out = append(out, q)
	}
	return out
}

func TestFieldDeterministic(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 15, 30, 0, 0, Zone)
	a, err := DemoAt(7, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := DemoAt(7, now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("two demos with field data from seed 7 at the same moment differ")
	}
	c, err := DemoAt(8, now)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a.Field.Screenings, c.Field.Screenings) {
		t.Error("seeds 7 and 8 give the same screenings")
	}
	if err := AddField(a, 7, now); err == nil {
		t.Error("adding field data twice: no error")
	}
}
