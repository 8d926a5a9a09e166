package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// PartyCounts add up a branch's (or a roster's) members and their work.
type PartyCounts struct {
	Members    int     `json:"members"`
	Resident   int     `json:"resident"`
	InService  int     `json:"in_service"`
	Registered int     `json:"registered"` // in-service members with an active 双报到 registration
	HoursMonth float64 `json:"hours_month"`
	HoursTotal float64 `json:"hours_total"`
	TasksDone  int     `json:"tasks_done"`
	Points     int     `json:"points"`
}

func (c *PartyCounts) add(m PartyRosterMember) {
	c.Members++
	if m.Membership == "resident" {
		c.Resident++
	} else {
		c.InService++
	}
	if m.Registration != nil && m.Registration.Status == "active" {
		c.Registered++
	}
	c.HoursMonth += m.HoursMonth
	c.HoursTotal += m.HoursTotal
	c.TasksDone += m.TasksDone
	c.Points += m.Points
}

// PartyRosterMember is a member on the party roster with their latest
// registration (the active one, else the last ended), service hours,
// tasks done and points.
type PartyRosterMember struct {
	PersonID     int64         `json:"person_id"`
	Name         string        `json:"name"`
	Phone        *string       `json:"phone"`
	Membership   string        `json:"membership"`
	Employer     *string       `json:"employer"`
	GridID       int64         `json:"grid_id"`
	BranchID     int64         `json:"branch_id"`
	Points       int           `json:"points"`
	Households   int           `json:"households"` // households they are the contact of
	HoursMonth   float64       `json:"hours_month"`
	HoursTotal   float64       `json:"hours_total"`
	TasksDone    int           `json:"tasks_done"` // tasks assigned to them and done
	Registration *Registration `json:"registration"`
}

// PartyBranch is a branch with the roster's members in it.
type PartyBranch struct {
	ID          int64               `json:"id"`
	Name        string              `json:"name"`
	GridID      int64               `json:"grid_id"`
	GridName    string              `json:"grid_name"`
	GridLevel   int                 `json:"grid_level"`
	SecretaryID *int64              `json:"secretary_id"`
	Secretary   *string             `json:"secretary"`
	Counts      PartyCounts         `json:"counts"`
	Members     []PartyRosterMember `json:"members"`
}

// PartyRoster is the party layer of a subtree: its branches, and the
// branches its members belong to, with their members.
type PartyRoster struct {
	Month    string        `json:"month"` // YYYY-MM, the month of hours_month
	Branches []PartyBranch `json:"branches"`
	Totals   PartyCounts   `json:"totals"`
}

// PartyRoster reads the members registered in grids (at most 5,000) by
// branch, with hours in today's month and in all, on local day today.
func (s *Store) PartyRoster(ctx context.Context, grids []int64, today string) (*PartyRoster, error) {
	out := &PartyRoster{Branches: []PartyBranch{}}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT to_char($1::date, 'YYYY-MM')`, today).Scan(&out.Month); err != nil {
			return err
		}
		branches, err := partyBranches(ctx, tx, grids)
		if err != nil {
			return err
		}
		members, err := partyRosterMembers(ctx, tx, grids, today)
		if err != nil {
			return err
		}
		at := map[int64]int{}
		for i, b := range branches {
			at[b.ID] = i
		}
		for _, m := range members {
			b := &branches[at[m.BranchID]]
			b.Members = append(b.Members, m)
			b.Counts.add(m)
			out.Totals.add(m)
		}
		out.Branches = branches
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: party roster: %w", err)
	}
	return out, nil
}

// partyBranches are the branches at grids and those the grids' members
// belong to, the community's first.
func partyBranches(ctx context.Context, tx pgx.Tx, grids []int64) ([]PartyBranch, error) {
	rows, err := tx.Query(ctx, `
		SELECT pb.id, pb.name, pb.grid_id, g.name, g.level, pb.secretary_id, sp.name
		FROM party_branches pb JOIN grids g ON g.id = pb.grid_id LEFT JOIN people sp ON sp.id = pb.secretary_id
		WHERE pb.grid_id = ANY($1) OR pb.id IN (SELECT branch_id FROM party_members WHERE grid_id = ANY($1))
		ORDER BY g.level, g.code, pb.id`, grids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (PartyBranch, error) {
		b := PartyBranch{Members: []PartyRosterMember{}}
		err := row.Scan(&b.ID, &b.Name, &b.GridID, &b.GridName, &b.GridLevel, &b.SecretaryID, &b.Secretary)
		return b, err
	})
}

func partyRosterMembers(ctx context.Context, tx pgx.Tx, grids []int64, today string) ([]PartyRosterMember, error) {
	rows, err := tx.Query(ctx, `
		SELECT m.person_id, p.name, p.phone, m.membership, m.employer, m.grid_id, m.branch_id, m.points,
		       (SELECT count(*) FROM households h WHERE h.contact_id = m.person_id),
		       COALESCE(sv.month, 0)::float8, COALESCE(sv.total, 0)::float8,
		       (SELECT count(*) FROM tasks t WHERE t.assignee_id = m.person_id AND t.status = 'done'),
		       r.id, r.employer, r.community_id, cg.name, to_char(r.registered_on, 'YYYY-MM-DD'), r.status, to_char(r.ended_on, 'YYYY-MM-DD')
		FROM party_members m JOIN people p ON p.id = m.person_id
		LEFT JOIN LATERAL (
			SELECT sum(hours) FILTER (WHERE day >= date_trunc('month', $2::date)::date AND day <= $2::date) AS month, sum(hours) AS total
			FROM party_service s WHERE s.person_id = m.person_id) sv ON true
		LEFT JOIN LATERAL (
			SELECT * FROM party_registrations r WHERE r.person_id = m.person_id
			ORDER BY r.status = 'active' DESC, r.registered_on DESC, r.id DESC LIMIT 1) r ON true
		LEFT JOIN grids cg ON cg.id = r.community_id
		WHERE m.grid_id = ANY($1)
		ORDER BY m.membership DESC, m.points DESC, m.person_id LIMIT 5000`, grids, today)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (PartyRosterMember, error) {
		var m PartyRosterMember
		var regID, community *int64
		var employer, communityName, on, status *string
		var ended *string
		err := row.Scan(&m.PersonID, &m.Name, &m.Phone, &m.Membership, &m.Employer, &m.GridID, &m.BranchID, &m.Points,
			&m.Households, &m.HoursMonth, &m.HoursTotal, &m.TasksDone,
			&regID, &employer, &community, &communityName, &on, &status, &ended)
		if err == nil && regID != nil {
			m.Registration = &Registration{ID: *regID, Employer: *employer, CommunityID: *community, Community: *communityName,
				RegisteredOn: *on, Status: *status, EndedOn: ended, PersonID: m.PersonID, MemberGridID: m.GridID, MemberBranch: m.BranchID}
		}
		return m, err
	})
}
