package field

import (
	"context"
	"math"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// Gate checkpoints: placing one, duty, and the day's counts.

// CheckpointInput places a checkpoint in a compound grid.
type CheckpointInput struct {
	ClientID string  `json:"client_id"`
	GridID   int64   `json:"grid_id"`
	Name     string  `json:"name"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *CheckpointInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	var err error
	if in.Name, err = text("name", in.Name, 1, 100); err != nil {
		return err
	}
	switch {
	case in.GridID <= 0:
		return invalid("grid_id", "required: a compound grid id")
	case math.IsNaN(in.Lon) || in.Lon < -180 || in.Lon > 180 || in.Lon == 0:
		return invalid("lon", "required: longitude, WGS84")
	case math.IsNaN(in.Lat) || in.Lat < -90 || in.Lat > 90 || in.Lat == 0:
		return invalid("lat", "required: latitude, WGS84")
	}
	return nil
}

// AddCheckpoint places a checkpoint in a compound grid of p's scope.
func (s *Service) AddCheckpoint(ctx context.Context, p *auth.Principal, a store.Actor, in CheckpointInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	t := target{field: "grid_id", what: "grid", grid: in.GridID}
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.AddCheckpoint(ctx, a, in.ClientID, s.today(), store.CheckpointInput{GridID: in.GridID, Name: in.Name, Lon: in.Lon, Lat: in.Lat})
	})
}

// DutyInput puts someone on duty at checkpoint CheckpointID, or nobody.
type DutyInput struct {
	CheckpointID int64  `json:"-"`
	ClientID     string `json:"client_id"`
	OnDuty       *bool  `json:"on_duty"`
	PersonID     int64  `json:"person_id"`
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *DutyInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	switch {
	case in.OnDuty == nil:
		return invalid("on_duty", "required: true or false")
	case in.PersonID < 0:
		return invalid("person_id", "want a person id")
	case !*in.OnDuty && in.PersonID != 0:
		return invalid("person_id", "only with on_duty true")
	}
	return nil
}

// SetCheckpointDuty puts a person of p's on duty at a checkpoint in p's
// scope (the store checks in the write's transaction that they belong to
// the checkpoint's community), or nobody.
func (s *Service) SetCheckpointDuty(ctx context.Context, p *auth.Principal, a store.Actor, in DutyInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	if in.PersonID != 0 {
		if err := s.checkPerson(ctx, p, "person_id", "person", in.PersonID, s.store.PersonGrid); err != nil {
			return store.WriteResult{}, err
		}
	}
	t := on(ctx, "id", "checkpoint", in.CheckpointID, s.store.CheckpointGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.SetCheckpointDuty(ctx, a, in.ClientID, s.today(), in.CheckpointID, *in.OnDuty, in.PersonID)
	})
}

// CountsInput adds to checkpoint CheckpointID's counts for today.
type CountsInput struct {
	CheckpointID int64  `json:"-"`
	ClientID     string `json:"client_id"`
	Scans        int    `json:"scans"`
	Temperatures int    `json:"temperatures"`
	Fevers       int    `json:"fevers"`
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *CountsInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	for _, c := range []struct {
		field string
		v     int
		max   int
	}{{"scans", in.Scans, 100_000}, {"temperatures", in.Temperatures, 100_000}, {"fevers", in.Fevers, 100}} {
		if c.v < 0 || c.v > c.max {
			return invalid(c.field, "want 0 to %d", c.max)
		}
	}
	if in.Scans+in.Temperatures+in.Fevers == 0 {
		return invalid("scans", "all counts are 0; nothing to add")
	}
	return nil
}

// CountCheckpoint adds to the day's counts of a checkpoint in p's scope.
func (s *Service) CountCheckpoint(ctx context.Context, p *auth.Principal, a store.Actor, in CountsInput) (store.WriteResult, error) {
	if err := in.Validate(); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "id", "checkpoint", in.CheckpointID, s.store.CheckpointGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.CountCheckpoint(ctx, a, in.ClientID, s.today(), in.CheckpointID, in.Scans, in.Temperatures, in.Fevers)
	})
}
