package read_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/live"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/read"
	"github.com/gridmap/gridmap/store"
)

// positions stand in for the live hub's latest positions: in memory
// there too, so nothing the database decides is faked.
type positions map[int64]model.Position

func (ps positions) Latest(v int64) (model.Position, bool) { p, ok := ps[v]; return p, ok }

func (ps positions) Nearest(lon, lat float64, n int, keep func(int64) bool) []live.Near {
	var out []live.Near
	for _, p := range ps {
		if keep(p.GridID) {
			out = append(out, live.Near{Position: p, Distance: 1000 * (p.Lon - lon)})
		}
	}
	slices.SortFunc(out, func(a, b live.Near) int { return int(a.VolunteerID - b.VolunteerID) })
	return out[:min(n, len(out))]
}

// figures stand in for the live coverage figures: each grid's are its id.
type figures struct{}

func (figures) Fresh(context.Context) error   { return nil }
func (figures) Today(time.Time) string        { return "2026-12-01" }
func (figures) Location() *time.Location      { return time.UTC }
func (figures) Day() string                   { return "2026-12-01" }
func (figures) Get(id int64) coverage.Figures { return coverage.Figures{Grid: id} }

// demo is the read service over a fresh demo database, with the leader of
// the first community, a compound inside it and one outside it.
type demo struct {
	svc              *read.Service
	pos              positions
	leader           *auth.Principal
	mine, theirs     int64 // compounds
	community, other int64
	h                *auth.Hierarchy
	db               *testdb.DB
}

func newDemo(t *testing.T) *demo {
	t.Parallel()
	db := testdb.Demo(t)
	scopes := access.New(db.Store, nil, nil)
	h, err := scopes.Hierarchy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var comms []int64
	for _, id := range h.All() {
		if h.Level(id) == 2 {
			comms = append(comms, id)
		}
	}
	slices.Sort(comms)
	d := &demo{pos: positions{}, community: comms[0], other: comms[1], h: h, db: db}
	d.mine, d.theirs = h.Children(comms[0])[0], h.Children(comms[1])[0]
	d.leader = &auth.Principal{AccountID: 1, Username: "lead", Role: auth.GridLeader, GridID: d.community}
	d.svc = read.New(db.Store, scopes, d.pos, figures{}, nil)
	return d
}

var (
	admin  = &auth.Principal{Role: auth.Admin}
	viewer = &auth.Principal{Role: auth.Viewer}
)

func TestScopeOfReads(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		read  func() error
		kind  model.Kind
		field string
	}{
		{"own compound", func() error { _, _, err := d.svc.Grid(ctx, d.leader, d.mine); return err }, model.Internal, ""},
		{"another community's compound", func() error { _, _, err := d.svc.Grid(ctx, d.leader, d.theirs); return err }, model.Forbidden, "id"},
		{"no such grid", func() error { _, _, err := d.svc.Grid(ctx, admin, 1<<40); return err }, model.NotFound, "id"},
		{"tree of another community", func() error { _, err := d.svc.Tree(ctx, d.leader, d.other, nil); return err }, model.Forbidden, "root"},
		{"buildings of another compound", func() error {
			_, _, err := d.svc.Buildings(ctx, d.leader, store.BuildingFilter{GridID: d.theirs})
			return err
		}, model.Forbidden, "grid"},
		{"buildings of nowhere", func() error { _, _, err := d.svc.Buildings(ctx, admin, store.BuildingFilter{}); return err }, model.Invalid, "bbox"},
		{"requests in a bad state", func() error {
			_, _, err := d.svc.Requests(ctx, d.leader, d.mine, read.RequestFilter{State: "closed"})
			return err
		}, model.Invalid, "state"},
		{"requests of another compound", func() error {
			_, _, err := d.svc.Requests(ctx, d.leader, d.theirs, read.RequestFilter{})
			return err
		}, model.Forbidden, "id"},
		{"ledger of another compound", func() error { _, _, err := d.svc.Ledger(ctx, d.leader, d.theirs); return err }, model.Forbidden, "id"},
		{"gaps of own compound", func() error { _, err := d.svc.Gaps(ctx, d.leader, d.mine); return err }, model.Internal, ""},
		{"coverage of no level", func() error { _, err := d.svc.CoverageLevel(ctx, d.leader, 0); return err }, model.Invalid, "level"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read()
			if (tt.kind == model.Internal) != (err == nil) || model.KindOf(err) != tt.kind || model.FieldOf(err) != tt.field {
				t.Errorf("got %v, want %v on %q", err, tt.kind, tt.field)
			}
		})
	}
}

func TestListsLimitedToScope(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	gs, err := d.svc.Grids(ctx, d.leader, store.GridFilter{})
	if err != nil {
		t.Fatal(err)
	}
	in := auth.Scope{Root: d.community}
	for _, g := range gs {
		if !in.Contains(d.h, g.ID) {
			t.Errorf("grid %d listed to the leader of %d", g.ID, d.community)
		}
	}
	if all, _ := d.svc.Grids(ctx, admin, store.GridFilter{}); len(all) <= len(gs) {
		t.Errorf("admin sees %d grids, the leader %d: want more for the admin", len(all), len(gs))
	}
	roots, err := d.svc.Tree(ctx, d.leader, 0, nil)
	if err != nil || len(roots) != 1 || roots[0].ID != d.community {
		t.Errorf("the leader's tree: %v, want it to start at %d", err, d.community)
	}
	c, err := d.svc.CoverageLevel(ctx, d.leader, 3)
	if err != nil || len(c.Grids) != len(d.h.Children(d.community)) || c.Denominator != read.Denominator {
		t.Fatalf("coverage: %+v %v, want the %d compounds of the community", c, err, len(d.h.Children(d.community)))
	}
	if !slices.IsSortedFunc(c.Grids, func(a, b coverage.Figures) int { return int(a.Grid - b.Grid) }) {
		t.Error("coverage not in grid order")
	}
	bs, _, err := d.svc.Buildings(ctx, d.leader, store.BuildingFilter{GridID: d.mine, Limit: 1})
	if err != nil || len(bs) != 1 || bs[0].GridID != d.mine {
		t.Errorf("one building of the compound: %v %v", bs, err)
	}
}

func TestMasking(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var person int64
	var name string
	if err := conn.QueryRow(ctx, `SELECT id, name FROM people WHERE phone IS NOT NULL ORDER BY id LIMIT 1`).Scan(&person, &name); err != nil {
		t.Fatal(err)
	}
	whole, err := d.svc.Person(ctx, admin, person)
	if err != nil || whole.Name != name {
		t.Fatalf("admin: %+v %v, want the whole name %q", whole, err, name)
	}
	masked, err := d.svc.Person(ctx, viewer, person)
	if err != nil || masked.Name != auth.MaskName(name) || masked.Phone == nil || *masked.Phone != auth.MaskPhone(*whole.Phone) {
		t.Errorf("viewer: %+v %v, want the name and phone masked", masked, err)
	}
	if _, err := d.svc.Person(ctx, admin, 1<<40); model.KindOf(err) != model.NotFound {
		t.Errorf("no such person: %v, want NotFound", err)
	}
}

func TestTrailAndNearest(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	now := time.Now()
	d.pos[101] = model.Position{VolunteerID: 101, GridID: d.mine, Lon: 113.001, Lat: 34.7, At: now}
	d.pos[102] = model.Position{VolunteerID: 102, GridID: d.theirs, Lon: 113.002, Lat: 34.7, At: now}
	d.pos[103] = model.Position{VolunteerID: 103, GridID: 0, Lon: 113.003, Lat: 34.7, At: now} // outside every grid
	for _, tt := range []struct {
		name    string
		p       *auth.Principal
		id      int64
		minutes int
		kind    model.Kind
	}{
		{"own volunteer", d.leader, 101, 0, model.Internal},
		{"another community's", d.leader, 102, 0, model.Forbidden},
		{"one outside every grid", d.leader, 103, 0, model.Forbidden},
		{"admin, outside every grid", admin, 103, 60, model.Internal},
		{"no recent position", admin, 104, 0, model.NotFound},
		{"too long", admin, 101, read.MaxTrailMinutes + 1, model.Invalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.svc.Trail(ctx, tt.p, tt.id, tt.minutes)
			if model.KindOf(err) != tt.kind || (tt.kind == model.Internal) != (err == nil) {
				t.Errorf("got %v, want %v", err, tt.kind)
			}
		})
	}
	near, err := d.svc.Nearest(ctx, d.leader, 113, 34.7, 0)
	if err != nil || len(near) != 1 || near[0].ID != 101 || near[0].DistanceM != 1 {
		t.Errorf("nearest to the leader: %+v %v, want only volunteer 101, 1 m away", near, err)
	}
	if near, _ := d.svc.Nearest(ctx, admin, 113, 34.7, 2); len(near) != 2 {
		t.Errorf("nearest 2 to the admin: %d", len(near))
	}
	for _, bad := range []struct {
		lon, lat float64
		n        int
		field    string
	}{{181, 0, 1, "lon"}, {0, -91, 1, "lat"}, {0, 0, read.MaxNearestVolunteers + 1, "n"}} {
		if _, err := d.svc.Nearest(ctx, admin, bad.lon, bad.lat, bad.n); model.FieldOf(err) != bad.field {
			t.Errorf("%+v: %v, want Invalid on %s", bad, err, bad.field)
		}
	}
}
