package seed

import (
	"github.com/gridmap/gridmap/model"
)

// The party layer of the generated area: a branch (党支部) for every
// compound grid with members, the in-service members' registration with
// their community (双报到), and the service hours members did
// (志愿服务时长).

// addBranches gives every grid with members one branch named after it,
// with its first resident member (else its first member) as secretary,
// and puts each member in their grid's branch.
func addBranches(ds *model.Dataset) {
	names := map[int64]string{}
	for _, g := range ds.Grids {
		names[g.ID] = g.Name
	}
	at := map[int64]int{}        // grid id -> index in ds.Branches
	resident := map[int64]bool{} // branch id -> its secretary is a resident member
	for i := range ds.PartyMembers {
		m := &ds.PartyMembers[i]
		k, ok := at[m.GridID]
		if !ok {
			k = len(ds.Branches)
			at[m.GridID] = k
			ds.Branches = append(ds.Branches, model.PartyBranch{ID: int64(k + 1), GridID: m.GridID, Name: names[m.GridID] + "党支部"})
		}
		b := &ds.Branches[k]
		m.BranchID = b.ID
		if b.SecretaryID == 0 || (m.Membership == model.MemberResident && !resident[b.ID]) {
			b.SecretaryID = m.PersonID
			resident[b.ID] = m.Membership == model.MemberResident
		}
	}
}

// serviceWork is what members record service hours for.
var serviceWork = []struct {
	what  string
	hours []float64
}{
	{"卡点值守", []float64{2, 3, 4}}, {"入户排查", []float64{1.5, 2, 3}}, {"代购配送物资", []float64{1, 1.5, 2}},
	{"走访独居老人", []float64{0.5, 1}}, {"协助核酸检测", []float64{3, 4, 6}}, {"防疫政策宣传", []float64{1, 2}},
	{"楼院环境整治", []float64{1.5, 2}},
}

// registrations registers about 85 in 100 in-service members with the
// community of their grid over the last two years, ends 5 of them, and
// leaves the rest not yet registered.
func (g *fieldGen) registrations() {
	for _, m := range g.ds.PartyMembers {
		if m.Membership != model.MemberInService {
			continue
		}
		u := g.r.IntN(100)
		if u >= 90 {
			continue
		}
		on := g.day(-7 - g.r.IntN(700))
		r := model.PartyRegistration{PersonID: m.PersonID, Employer: m.Employer, CommunityID: g.grid(m.GridID).ParentID,
			RegisteredOn: date(on)}
		if u >= 85 {
			r.EndedOn = date(on.AddDate(0, 0, 1+g.r.IntN(int(g.today.Sub(on).Hours()/24))))
		}
		g.f.Registrations = append(g.f.Registrations, r)
	}
}

// serviceHours gives about 6 in 10 members 1-5 records of service over
// the last 45 days.
func (g *fieldGen) serviceHours() {
	for _, m := range g.ds.PartyMembers {
		if g.r.IntN(10) >= 6 {
			continue
		}
		for range 1 + g.r.IntN(5) {
			w := serviceWork[g.r.IntN(len(serviceWork))]
			g.f.Service = append(g.f.Service, model.ServiceHours{ID: int64(len(g.f.Service) + 1), PersonID: m.PersonID,
				Day: date(g.day(-g.r.IntN(45))), Hours: w.hours[g.r.IntN(len(w.hours))], What: w.what})
		}
	}
}
