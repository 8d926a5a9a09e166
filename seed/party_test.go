package seed

import (
	"testing"
	"time"

	"github.com/gridmap/gridmap/model"
)

// TestPartyPlausible: every member of the demo is in the branch of their
// compound grid, whose secretary is one of its members; most in-service
// members are registered with the community above their grid, a few
// registrations ended; service hours are in half hours within the last
// 45 days.
func TestPartyPlausible(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, Zone)
	ds, err := DemoAt(3, now)
	if err != nil {
		t.Fatal(err)
	}
	grids := map[int64]model.Grid{}
	for _, g := range ds.Grids {
		grids[g.ID] = g
	}
	branches := map[int64]model.PartyBranch{}
	for _, b := range ds.Branches {
		branches[b.ID] = b
		if grids[b.GridID].Level != 3 || b.Name != grids[b.GridID].Name+"党支部" {
			t.Errorf("branch %+v: want a compound grid's, named after it", b)
		}
	}
	members := map[int64]model.PartyMember{}
	for _, m := range ds.PartyMembers {
		members[m.PersonID] = m
		if b, ok := branches[m.BranchID]; !ok || b.GridID != m.GridID {
			t.Errorf("member %d of grid %d in branch %+v", m.PersonID, m.GridID, b)
		}
	}
	if len(ds.Branches) != 23 {
		t.Errorf("%d branches; want one for each of the 23 compound grids", len(ds.Branches))
	}
	for _, b := range ds.Branches {
		if m, ok := members[b.SecretaryID]; !ok || m.BranchID != b.ID {
			t.Errorf("branch %d: secretary %d is not one of its members", b.ID, b.SecretaryID)
		}
	}
	inService, active, ended := 0, 0, 0
	for _, m := range ds.PartyMembers {
		if m.Membership == model.MemberInService {
			inService++
		}
	}
	for _, r := range ds.Field.Registrations {
		m := members[r.PersonID]
		if m.Membership != model.MemberInService || r.Employer != m.Employer || r.CommunityID != grids[m.GridID].ParentID {
			t.Errorf("registration %+v of member %+v", r, m)
		}
		if r.RegisteredOn >= ds.Field.Today || (r.EndedOn != "" && (r.EndedOn < r.RegisteredOn || r.EndedOn > ds.Field.Today)) {
			t.Errorf("registration %+v on %s", r, ds.Field.Today)
		}
		if r.EndedOn == "" {
			active++
		} else {
			ended++
		}
	}
	if active < inService*3/4 || active > inService*19/20 || ended == 0 {
		t.Errorf("%d active and %d ended registrations of %d in-service members; want about 85%% and a few", active, ended, inService)
	}
	if n := len(ds.Field.Service); n < len(ds.PartyMembers) || n > 3*len(ds.PartyMembers) {
		t.Errorf("%d service records for %d members", n, len(ds.PartyMembers))
	}
	oldest := now.AddDate(0, 0, -45).Format(time.DateOnly)
	for _, s := range ds.Field.Service {
		if s.Hours < 0.5 || s.Hours > 24 || s.Hours*2 != float64(int(s.Hours*2)) || s.Day > ds.Field.Today || s.Day < oldest || s.What == "" {
			t.Errorf("service %+v", s)
		}
		if _, ok := members[s.PersonID]; !ok {
			t.Errorf("service of %d, who is no member", s.PersonID)
		}
	}
}
