package seed

import (
	"time"

	"github.com/gridmap/gridmap/model"
)

// ledgerKinds are the ledger's categories with how often each is visited
// and its share of entries.
var ledgerKinds = []struct {
	category string
	every    int
	share    float64
}{{"elderly_alone", 2, 0.70}, {"disabled", 7, 0.15}, {"chronic_illness", 3, 0.15}}

var visitNotes = map[string][]string{
	"visit": {"上门看望，身体状况良好", "上门测量血压，情况稳定", "送去代购的蔬菜和药品", "帮助打扫卫生，陪同聊天", "检查家中水电燃气安全"},
	"phone": {"电话问候，情况正常", "电话随访，已提醒按时服药", "电话了解生活需求，暂无需求", "电话联系，家属在身边照顾"},
}

// ledger puts about 45 residents on the ledger (台账) of the vulnerable,
// mostly the elderly living alone, each a new person in an occupied
// household, on the ledger for 30-60 days and visited (or phoned) at
// about their interval since. Six to eight are overdue now: their last
// visit is longer ago than their interval.
func (g *fieldGen) ledger() {
	n, overdue := g.count(40, 50), g.count(6, 8)
	for i := range n {
		h := g.freeHousehold()
		if h == 0 {
			return
		}
		kind, u := ledgerKinds[len(ledgerKinds)-1], g.r.Float64()
		for _, k := range ledgerKinds {
			if u < k.share {
				kind = k
				break
			}
			u -= k.share
		}
		hh := &g.ds.Households[h-1]
		if kind.category == "elderly_alone" {
			hh.Residents = 1
		}
		person := model.Person{ID: int64(len(g.ds.People) + 1), Name: personName(g.r), Phone: phone(g.r), HomeGridID: g.gridOf(h)}
		g.ds.People = append(g.ds.People, person)
		res := model.VulnerableResident{ID: int64(len(g.f.Vulnerable) + 1), PersonID: person.ID, HouseholdID: h,
			Category: kind.category, VisitEveryDays: kind.every,
			Since: g.now.Add(-time.Duration(30+g.r.IntN(31))*24*time.Hour - g.hours(0, 12))}
		g.visits(&res, i < overdue)
		g.f.Vulnerable = append(g.f.Vulnerable, res)
	}
	// The overdue ones were made first; mix them in by id so they are
	// not all at the top of the ledger.
	g.r.Shuffle(len(g.f.Vulnerable), func(i, j int) { g.f.Vulnerable[i], g.f.Vulnerable[j] = g.f.Vulnerable[j], g.f.Vulnerable[i] })
	old := map[int64]int64{}
	for i := range g.f.Vulnerable {
		old[g.f.Vulnerable[i].ID] = int64(i + 1)
		g.f.Vulnerable[i].ID = int64(i + 1)
	}
	for i := range g.f.Visits {
		g.f.Visits[i].ResidentID = old[g.f.Visits[i].ResidentID]
	}
}

// visits writes a resident's visit history, newest first backwards from
// the last visit to their entry in the ledger, at daytime; the last
// visit is older than the interval when overdue, well within it when not.
func (g *fieldGen) visits(res *model.VulnerableResident, overdue bool) {
	every := time.Duration(res.VisitEveryDays) * 24 * time.Hour
	var last time.Time
	if overdue {
		last = g.atDaytime(g.now.Add(-every - g.hours(6, 60)))
		if g.now.Sub(last) <= every {
			last = last.AddDate(0, 0, -1)
		}
	} else {
		last = g.atDaytime(g.now.Add(-time.Duration(float64(every) * (0.1 + 0.6*g.r.Float64()))))
		if last.After(g.now) {
			last = last.AddDate(0, 0, -1)
		}
		if g.now.Sub(last) > every*9/10 {
			last = last.AddDate(0, 0, 1)
		}
	}
	var at []time.Time
	for t := last; t.After(res.Since); {
		at = append(at, t)
		t = g.atDaytime(t.Add(-time.Duration(float64(every) * (0.75 + 0.25*g.r.Float64()))))
	}
	for k := len(at) - 1; k >= 0; k-- {
		method := "visit"
		if g.r.IntN(10) < 3 {
			method = "phone"
		}
		notes := visitNotes[method]
		g.f.Visits = append(g.f.Visits, model.Visit{ResidentID: res.ID, At: at[k], Method: method, Note: notes[g.r.IntN(len(notes))]})
	}
	if len(at) > 0 {
		res.LastVisit = at[0]
	}
}

// atDaytime moves t to a random time between 08:00 and 19:00 on its day.
func (g *fieldGen) atDaytime(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 8, 0, 0, 0, t.Location()).Add(time.Duration(g.r.IntN(11*3600)) * time.Second)
}
