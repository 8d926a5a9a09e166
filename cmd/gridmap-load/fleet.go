package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/geo"
	"github.com/gridmap/gridmap/internal/cli"
	"github.com/gridmap/gridmap/store"
)

// walker is one simulated volunteer walking around their team's area.
type walker struct {
	volunteer int64
	team      int64 // the team's grid
	token     string
	pos       orb.Point // metres in the fleet's local projection
	heading   float64
	speed     float64 // metres per second
}

// fleet moves volunteers along plausible paths inside their teams' areas
// and posts their positions through the real ingest API, each with its
// own device token.
type fleet struct {
	url     string
	http    *http.Client
	proj    geo.Local
	areas   *geo.Index // level-2 grids: a walker turns back at its area's edge
	walkers []*walker
	rng     *rand.Rand

	posted, failed atomic.Int64
}

// newFleet prepares n walkers (0 for every volunteer), making a device
// account and a day-long token for each one that has none.
func newFleet(ctx context.Context, st *store.Store, url string, n int, seed uint64) (*fleet, error) {
	vols, err := st.Volunteers(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 && n < len(vols) {
		vols = vols[:n]
	}
	regions, err := st.GridShapes(ctx, 2)
	if err != nil {
		return nil, err
	}
	areas, err := geo.NewIndex(regions)
	if err != nil {
		return nil, err
	}
	var bound orb.Bound
	for i, r := range regions {
		if i == 0 {
			bound = r.Shape.Bound()
		} else {
			bound = bound.Union(r.Shape.Bound())
		}
	}
	f := &fleet{url: url, areas: areas, proj: geo.NewLocal(bound.Center()), rng: rand.New(rand.NewPCG(seed, 9)),
		http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	shapes := map[int64]orb.MultiPolygon{}
	for _, r := range regions {
		shapes[r.ID] = r.Shape
	}
	for _, v := range vols {
		token, err := deviceToken(ctx, st, v.PersonID)
		if err != nil {
			return nil, err
		}
		w := &walker{volunteer: v.PersonID, team: v.TeamGridID, token: token,
			heading: f.rng.Float64() * 2 * math.Pi, speed: 0.8 + f.rng.Float64()*1.2}
		w.pos = f.proj.ToMetres(f.start(shapes[v.TeamGridID], bound))
		f.walkers = append(f.walkers, w)
	}
	return f, nil
}

// start picks a random point inside shape (or the whole bound).
func (f *fleet) start(shape orb.MultiPolygon, all orb.Bound) orb.Point {
	b := all
	if shape != nil {
		b = shape.Bound()
	}
	for range 1000 {
		p := orb.Point{b.Min[0] + f.rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + f.rng.Float64()*(b.Max[1]-b.Min[1])}
		if _, ok := f.areas.Locate(p); ok {
			return p
		}
	}
	return b.Center()
}

// deviceToken returns a token for the volunteer's simulator device
// account, making the account the first time.
func deviceToken(ctx context.Context, st *store.Store, person int64) (string, error) {
	username := "sim-" + strconv.FormatInt(person, 10)
	if _, err := st.AccountLogin(ctx, username); err != nil {
		if _, err := st.CreateAccount(ctx, store.Actor{Name: "simulator"}, store.NewAccount{Username: username, Role: auth.Device, PersonID: person}); err != nil {
			return "", err
		}
	}
	plain, _, err := cli.CreateToken(ctx, st, username, "simulator", 24*time.Hour)
	return plain, err
}

// step moves a walker dt along its heading, turning back at its area's
// edge and wandering a little.
func (f *fleet) step(w *walker, dt float64) orb.Point {
	w.heading += (f.rng.Float64() - 0.5) * 0.6
	for try := 0; try < 8; try++ {
		next := orb.Point{w.pos[0] + math.Cos(w.heading)*w.speed*dt, w.pos[1] + math.Sin(w.heading)*w.speed*dt}
		if id, ok := f.areas.Locate(f.proj.ToLonLat(next)); ok && (id == w.team || w.team == 0) {
			w.pos = next
			break
		}
		w.heading += math.Pi/2 + f.rng.Float64()*math.Pi
	}
	return f.proj.ToLonLat(w.pos)
}

// report is one position waiting to be posted.
type report struct {
	w   *walker
	p   orb.Point
	acc float64
	at  time.Time
}

// next returns the walker's next report, dt seconds after its last.
func (f *fleet) next(w *walker, dt float64, at time.Time) report {
	return report{w: w, p: f.step(w, dt), acc: 5 + f.rng.Float64()*10, at: at}
}

// run steps every walker once per interval, staggered across it, and
// posts through workers concurrent requests until ctx ends. It is the
// only user of the fleet's random source.
func (f *fleet) run(ctx context.Context, interval time.Duration, workers int) {
	jobs := make(chan report, 4*workers)
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for r := range jobs {
				f.post(ctx, r)
			}
		}()
	}
	const tick = 50 * time.Millisecond
	t := time.NewTicker(tick)
	defer t.Stop()
	slots := max(1, int(interval/tick))
	for slot := 0; ; slot = (slot + 1) % slots {
		select {
		case <-ctx.Done():
			close(jobs)
			for range workers {
				<-done
			}
			return
		case now := <-t.C:
			for i := slot; i < len(f.walkers); i += slots {
				select {
				case jobs <- f.next(f.walkers[i], interval.Seconds(), now):
				default:
					f.failed.Add(1) // the server is slower than the fleet: skip a beat
				}
			}
		}
	}
}

// post sends one report.
func (f *fleet) post(ctx context.Context, r report) error {
	w, p, at := r.w, r.p, r.at
	body, _ := json.Marshal(map[string]any{"positions": []map[string]any{{
		"lon": p[0], "lat": p[1], "accuracy": r.acc, "at": at.UTC().Format(time.RFC3339Nano)}}})
	req, err := http.NewRequestWithContext(ctx, "POST", f.url+"/api/positions", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+w.token)
	res, err := f.http.Do(req)
	if err != nil {
		f.failed.Add(1)
		return err
	}
	msg, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		f.failed.Add(1)
		return fmt.Errorf("post position: %d %s", res.StatusCode, msg)
	}
	f.posted.Add(1)
	return nil
}
