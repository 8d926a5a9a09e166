package server

import (
	"context"
	"math"
	"net/http"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// Gate checkpoints: placing one, duty, and the day's counts.

// checkpointRequest places a checkpoint in a compound grid.
type checkpointRequest struct {
	ClientID string  `json:"client_id"`
	GridID   int64   `json:"grid_id"`
	Name     string  `json:"name"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
}

func (q *checkpointRequest) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	var err error
	if q.Name, err = text("name", q.Name, 1, 100); err != nil {
		return err
	}
	switch {
	case q.GridID <= 0:
		return badParam("grid_id", "required: a compound grid id")
	case math.IsNaN(q.Lon) || q.Lon < -180 || q.Lon > 180 || q.Lon == 0:
		return badParam("lon", "required: longitude, WGS84")
	case math.IsNaN(q.Lat) || q.Lat < -90 || q.Lat > 90 || q.Lat == 0:
		return badParam("lat", "required: latitude, WGS84")
	}
	return nil
}

func (s *Server) postCheckpoint(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q checkpointRequest
	if !decodeWrite(s, w, r, &q) {
		return
	}
	s.fieldWrite(w, r, p, "grid_id", fixed(q.GridID), "grid", func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		return s.store.AddCheckpoint(ctx, a, q.ClientID, s.today(s.now()), store.CheckpointInput{GridID: q.GridID, Name: q.Name, Lon: q.Lon, Lat: q.Lat})
	})
}

// dutyRequest puts someone on duty at a checkpoint, or nobody.
type dutyRequest struct {
	ClientID string `json:"client_id"`
	OnDuty   *bool  `json:"on_duty"`
	PersonID int64  `json:"person_id"`
}

func (q *dutyRequest) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	switch {
	case q.OnDuty == nil:
		return badParam("on_duty", "required: true or false")
	case q.PersonID < 0:
		return badParam("person_id", "want a person id")
	case !*q.OnDuty && q.PersonID != 0:
		return badParam("person_id", "only with on_duty true")
	}
	return nil
}

func (s *Server) checkpointDuty(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q dutyRequest
	id, ok := pathBody(s, w, r, &q)
	if !ok {
		return
	}
	// The person put on duty is someone of the writer's (the store checks
	// in the write's transaction that they belong to the checkpoint's
	// community).
	if q.PersonID != 0 {
		if err := s.checkRefScope(r.Context(), p, "person_id", q.PersonID, s.store.PersonGrid, "person"); err != nil {
			s.respondError(w, r, err)
			return
		}
	}
	s.fieldWrite(w, r, p, "id", byID(id, s.store.CheckpointGrid), "checkpoint", func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		return s.store.SetCheckpointDuty(ctx, a, q.ClientID, s.today(s.now()), id, *q.OnDuty, q.PersonID)
	})
}

// countsRequest adds to a checkpoint's counts for today.
type countsRequest struct {
	ClientID     string `json:"client_id"`
	Scans        int    `json:"scans"`
	Temperatures int    `json:"temperatures"`
	Fevers       int    `json:"fevers"`
}

func (q *countsRequest) validate(*Server) error {
	if err := checkClientID(q.ClientID); err != nil {
		return err
	}
	for _, c := range []struct {
		field string
		v     int
		max   int
	}{{"scans", q.Scans, 100_000}, {"temperatures", q.Temperatures, 100_000}, {"fevers", q.Fevers, 100}} {
		if c.v < 0 || c.v > c.max {
			return badParam(c.field, "want 0 to %d", c.max)
		}
	}
	if q.Scans+q.Temperatures+q.Fevers == 0 {
		return badParam("scans", "all counts are 0; nothing to add")
	}
	return nil
}

func (s *Server) checkpointCounts(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var q countsRequest
	id, ok := pathBody(s, w, r, &q)
	if !ok {
		return
	}
	s.fieldWrite(w, r, p, "id", byID(id, s.store.CheckpointGrid), "checkpoint", func(ctx context.Context, a store.Actor) (store.WriteResult, error) {
		return s.store.CountCheckpoint(ctx, a, q.ClientID, s.today(s.now()), id, q.Scans, q.Temperatures, q.Fevers)
	})
}

// checkpoints lists a grid subtree's gate checkpoints with duty and
// today's counts.
func (s *Server) checkpoints(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	_, grids, ok := s.subtree(w, r, p)
	if !ok {
		return
	}
	cps, err := s.store.Checkpoints(r.Context(), grids, s.today(s.now()))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.ok(w, r, map[string]any{"day": s.today(s.now()), "checkpoints": cps})
}
