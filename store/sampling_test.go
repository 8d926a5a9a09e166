package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/seed"
	"github.com/gridmap/gridmap/store"
)

// TestSampling imports the demo with its field work and checks the
// sampling sites and round completeness against counts made another way:
// the sites' state against the generated reports summed in Go, a round's
// completeness against a plain SQL count and, for today, against the
// coverage count. It also checks what the database refuses.
func TestSampling(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	now := time.Now().In(seed.Zone)
	ds, err := seed.DemoAt(1, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Store.ImportDataset(ctx, ds, false, nil); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, db)
	clk := store.ClockAt(now, seed.Zone)

	t.Run("sites", func(t *testing.T) {
		sites, _, err := db.Store.SamplingSites(ctx, nil, clk)
		if err != nil {
			t.Fatal(err)
		}
		if len(sites) != len(ds.Field.SamplingSites) || len(sites) == 0 {
			t.Fatalf("%d sites, the dataset has %d", len(sites), len(ds.Field.SamplingSites))
		}
		type want struct {
			tested, hour, queue int
			last                time.Time
		}
		wants := map[int64]*want{}
		for _, r := range ds.Field.SamplingReports {
			if r.Day != clk.Day {
				continue
			}
			w := wants[r.SiteID]
			if w == nil {
				w = &want{}
				wants[r.SiteID] = w
			}
			w.tested += r.Tested
			if r.At.After(now.Add(-time.Hour)) {
				w.hour += r.Tested
			}
			if !r.At.Before(w.last) {
				w.last, w.queue = r.At, r.Queue
			}
		}
		local := now.Format("15:04")
		for _, s := range sites {
			w := wants[s.ID]
			if w == nil {
				w = &want{}
			}
			if s.TestedToday != w.tested || s.ThroughputPerHour != w.hour {
				t.Errorf("site %d: tested %d, last hour %d; the reports sum to %d and %d", s.ID, s.TestedToday, s.ThroughputPerHour, w.tested, w.hour)
			}
			if (s.Queue == nil) != w.last.IsZero() || s.Queue != nil && (*s.Queue != w.queue || !s.ReportedAt.Equal(w.last)) {
				t.Errorf("site %d: queue %v at %v, the latest report %d at %v", s.ID, s.Queue, s.ReportedAt, w.queue, w.last)
			}
			if open := s.Opens <= local && local < s.Closes; s.OpenNow != open {
				t.Errorf("site %d (%s-%s) at %s: open_now %v", s.ID, s.Opens, s.Closes, local, s.OpenNow)
			}
		}
	})

	t.Run("round completeness", func(t *testing.T) {
		var leaves []int64
		rows, _ := conn.Query(ctx, `SELECT id FROM current_grids WHERE level = 3 ORDER BY id`)
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			leaves = append(leaves, id)
		}
		rows.Close()
		live, _, err := db.Store.CoverageLeaves(ctx, clk.Day, now)
		if err != nil {
			t.Fatal(err)
		}
		yesterday := now.AddDate(0, 0, -1).Format(time.DateOnly)
		for _, day := range []string{clk.Day, yesterday} {
			got, err := db.Store.RoundCompleteness(ctx, leaves, day, model.ScreenedOutcomes())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(leaves) {
				t.Fatalf("%s: %d grids, want %d", day, len(got), len(leaves))
			}
			total := 0
			for _, g := range got {
				var households, screened int
				// Households with no later report of the day than a
				// screened one: the same rule, written another way.
				err := conn.QueryRow(ctx, `
					SELECT count(*) FILTER (WHERE h.status = 'occupied'),
					       count(*) FILTER (WHERE h.status = 'occupied' AND EXISTS (
					           SELECT 1 FROM screenings s WHERE s.household_id = h.id AND s.day = $2::date
					             AND s.outcome IN ('normal', 'fever', 'home_quarantine', 'risk_area_return')
					             AND NOT EXISTS (SELECT 1 FROM screenings later WHERE later.household_id = h.id AND later.day = s.day
					                 AND (later.reported_at, later.id) > (s.reported_at, s.id))))
					FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id = $1`, g.Grid, day).Scan(&households, &screened)
				if err != nil {
					t.Fatal(err)
				}
				if g.Households != households || g.Screened != screened {
					t.Errorf("%s grid %d: %d of %d, SQL %d of %d", day, g.Grid, g.Screened, g.Households, screened, households)
				}
				if day == clk.Day && (int64(g.Households) != live[g.Grid].Households || int64(g.Screened) != live[g.Grid].ScreenedToday) {
					t.Errorf("today grid %d: %d of %d, coverage %d of %d", g.Grid, g.Screened, g.Households, live[g.Grid].ScreenedToday, live[g.Grid].Households)
				}
				total += g.Screened
			}
			if total == 0 && now.Hour() >= 8 {
				t.Errorf("%s: nobody screened in the demo", day)
			}
		}
	})

	t.Run("add site", func(t *testing.T) {
		var lon, lat float64
		var grid int64
		conn.QueryRow(ctx, `SELECT id, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM current_grids WHERE level = 3 ORDER BY id DESC LIMIT 1`).Scan(&grid, &lon, &lat)
		in := store.SamplingSiteInput{Name: "测试采样点", Lon: lon, Lat: lat, Opens: "08:00", Closes: "17:30"}
		var checked int64
		refuse := errors.New("outside")
		_, err := db.Store.AddSamplingSite(ctx, store.Actor{Name: "test"}, "store-test-site-1", clk, in, func(g int64) error { checked = g; return refuse })
		if !errors.Is(err, refuse) || checked != grid {
			t.Errorf("a refused scope check: %v, checked grid %d; want the refusal for grid %d", err, checked, grid)
		}
		res, err := db.Store.AddSamplingSite(ctx, store.Actor{Name: "test"}, "store-test-site-1", clk, in, func(int64) error { return nil })
		if err != nil || res.Effect != store.Created || res.Change.Grid != grid || len(res.Change.Events) != 1 || res.Change.Events[0].Topic != "sampling" {
			t.Fatalf("add: %v %+v", err, res)
		}
		out := in
		out.Lon, out.Lat = 100.5, 30.5
		_, err = db.Store.AddSamplingSite(ctx, store.Actor{Name: "test"}, "store-test-site-2", clk, out, func(int64) error { return nil })
		if model.KindOf(err) != model.Unprocessable || model.FieldOf(err) != "lon" {
			t.Errorf("a point in no grid: %v, want Unprocessable naming lon", err)
		}
		if n := scalarInt(t, conn, `SELECT count(*) FROM sampling_sites WHERE name = '测试采样点'`); n != 1 {
			t.Errorf("%d sites stored, want the one accepted", n)
		}
	})

	t.Run("constraints", func(t *testing.T) {
		for _, sql := range []string{
			`INSERT INTO sampling_sites (grid_id, name, geom, opens, closes) SELECT 9, 'x', ST_PointOnSurface(geom), '18:00', '08:00' FROM current_grids WHERE id = 9`,
			`INSERT INTO sampling_sites (grid_id, name, geom, opens, closes) SELECT 9, '', ST_PointOnSurface(geom), '08:00', '18:00' FROM current_grids WHERE id = 9`,
			`INSERT INTO sampling_reports (site_id, day, queue, tested) SELECT min(id), current_date, -1, 0 FROM sampling_sites`,
			`INSERT INTO sampling_reports (site_id, day, queue, tested) SELECT min(id), current_date, 0, -5 FROM sampling_sites`,
			`INSERT INTO sampling_reports (site_id, day, queue, tested) VALUES (99999999, current_date, 1, 1)`,
			`INSERT INTO sampling_rounds (day, grid_id, name) VALUES (current_date, 99999999, 'x')`,
		} {
			if _, err := conn.Exec(ctx, sql); err == nil {
				t.Errorf("the database accepted %s", sql)
			}
		}
	})
}

func scalarInt(t *testing.T, conn *pgx.Conn, sql string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
