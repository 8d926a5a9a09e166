package read

import (
	"context"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/coverage"
)

// The rules of a wall display's counters (docs/WALL.md): a volunteer is on
// duty while their latest position, inside the area, is at most
// OnDutyWithin old; an open hotline request is overdue once past its
// deadline (RequestOverdueAfter after it came, unless it was given one).
const (
	OnDutyWithin        = 10 * time.Minute
	RequestOverdueAfter = 24 * time.Hour
)

// WallSummary is every headline counter of a wall display for one grid's
// subtree. The fields are in the order of their JSON names.
type WallSummary struct {
	At                  time.Time        `json:"at"`
	Day                 string           `json:"day"`
	Figures             coverage.Figures `json:"figures"`
	Grid                int64            `json:"grid"`
	OnDutyMinutes       int              `json:"on_duty_minutes"`
	PartyMembers        int              `json:"party_members"`
	RequestOverdueHours int              `json:"request_overdue_hours"`
	RequestsOverdue     int              `json:"requests_overdue"`
	TasksEscalated      int              `json:"tasks_escalated"`
	TasksOpen           int              `json:"tasks_open"`
	VolunteersOnDuty    int              `json:"volunteers_on_duty"`
}

// Wall returns the headline counters of grid's subtree for p (a grid
// outside p's scope is Forbidden naming "id"): today's coverage figures
// of the grid, and the counts the figures do not hold, by the rules above.
func (s *Service) Wall(ctx context.Context, p *auth.Principal, grid int64) (WallSummary, error) {
	if err := s.cov.Fresh(ctx); err != nil {
		return WallSummary{}, err
	}
	grids, err := s.subtree(ctx, p, grid)
	if err != nil {
		return WallSummary{}, err
	}
	now := s.now()
	c, err := s.store.WallCounts(ctx, grids, now.Add(-OnDutyWithin), now)
	if err != nil {
		return WallSummary{}, err
	}
	return WallSummary{
		At: now, Day: s.cov.Day(), Figures: s.cov.Get(grid), Grid: grid,
		OnDutyMinutes: int(OnDutyWithin / time.Minute), PartyMembers: c.PartyMembers,
		RequestOverdueHours: int(RequestOverdueAfter / time.Hour), RequestsOverdue: c.RequestsOverdue,
		TasksEscalated: c.TasksEscalated, TasksOpen: c.TasksOpen, VolunteersOnDuty: c.VolunteersOnDuty,
	}, nil
}
