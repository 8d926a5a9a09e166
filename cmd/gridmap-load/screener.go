package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/internal/cli"
	"github.com/gridmap/gridmap/store"
)

// screener plays the grid staff going door to door: every interval it
// reports one unscreened household of a random compound grid through the
// real API, so the demo's coverage figures climb during the day.
type screener struct {
	url    string
	tokens map[int64]string // level-1 grid -> the token of its staff account
	http   *http.Client
	grids  []int64 // the compound grids
	root   map[int64]int64
	rng    *rand.Rand
	posted int
}

// newScreener makes (once) a staff account over each subdistrict for the
// simulator (sim-screener for a subdistrict alone, sim-screener-<id> for
// each of a city's: staff see their own subtree) and a day-long token for
// each.
func newScreener(ctx context.Context, st *store.Store, url string, seed uint64) (*screener, error) {
	h, err := st.Hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	s := &screener{url: url, tokens: map[int64]string{}, root: map[int64]int64{}, http: &http.Client{Timeout: 10 * time.Second},
		rng: rand.New(rand.NewPCG(seed, 17))}
	var roots []int64
	for _, id := range h.All() {
		switch h.Level(id) {
		case 1:
			roots = append(roots, id)
		case 3:
			s.grids = append(s.grids, id)
			s.root[id] = h.Parent(h.Parent(id))
		}
	}
	if len(roots) == 0 || len(s.grids) == 0 {
		return nil, fmt.Errorf("simulate: no grids to screen")
	}
	slices.Sort(roots)
	slices.Sort(s.grids)
	for _, root := range roots {
		name := "sim-screener"
		if len(roots) > 1 {
			name = fmt.Sprintf("sim-screener-%d", root)
		}
		if _, err := st.AccountLogin(ctx, name); err != nil {
			if _, err := st.CreateAccount(ctx, store.Actor{Name: "simulator"}, store.NewAccount{Username: name, Role: auth.Staff, GridID: root}); err != nil {
				return nil, err
			}
		}
		token, _, err := cli.CreateToken(ctx, st, name, "screening simulator", 24*time.Hour)
		if err != nil {
			return nil, err
		}
		s.tokens[root] = token
	}
	return s, nil
}

// run reports one household every interval until ctx ends.
func (s *screener) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.once(ctx); err != nil && ctx.Err() == nil {
				fmt.Printf("screening simulator: %v\n", err)
			}
		}
	}
}

func (s *screener) call(ctx context.Context, token, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// once reports one household of a random grid that still has some
// unscreened today: mostly screened normal, sometimes not at home.
func (s *screener) once(ctx context.Context) error {
	grid := s.grids[s.rng.IntN(len(s.grids))]
	token := s.tokens[s.root[grid]]
	var gaps struct {
		Unscreened []struct {
			Households []struct{ ID int64 }
		}
	}
	if err := s.call(ctx, token, "GET", fmt.Sprintf("/api/grids/%d/gaps", grid), nil, &gaps); err != nil {
		return err
	}
	if len(gaps.Unscreened) == 0 {
		return nil
	}
	b := gaps.Unscreened[s.rng.IntN(len(gaps.Unscreened))]
	h := b.Households[s.rng.IntN(len(b.Households))]
	outcome := "normal"
	if s.rng.IntN(10) == 0 {
		outcome = "not_home"
	}
	s.posted++
	return s.call(ctx, token, "POST", "/api/screenings", map[string]any{
		"client_id": fmt.Sprintf("sim-%d-%d", time.Now().UnixNano(), s.posted), "household_id": h.ID, "outcome": outcome}, nil)
}
