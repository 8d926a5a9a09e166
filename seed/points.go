package seed

import (
	"cmp"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/gridmap/gridmap/model"
)

// awardReasons are what party members earn points for (积分制).
var awardReasons = []struct {
	reason string
	points int
}{
	{"参与卡点值守", 5}, {"入户排查", 3}, {"代购物资", 2}, {"走访独居老人", 2},
	{"协助核酸检测", 3}, {"防疫政策宣传", 1}, {"参加民主评议", 1},
}

// pointAwards gives about half the party members 1-5 awards over the
// last 30 days and sets their Points to the sum.
func (g *fieldGen) pointAwards() {
	for i := range g.ds.PartyMembers {
		m := &g.ds.PartyMembers[i]
		if g.r.IntN(2) == 0 {
			continue
		}
		for range 1 + g.r.IntN(5) {
			a := awardReasons[g.r.IntN(len(awardReasons))]
			g.f.PointAwards = append(g.f.PointAwards, model.PointAward{PersonID: m.PersonID, Points: a.points, Reason: a.reason,
				At: g.daytime(g.day(-g.r.IntN(30)))})
			m.Points += a.points
		}
	}
}

// spotCheck adds one spot check (晒网督查) of 10 households drawn this
// morning in a compound grid, in the order the store draws them (md5 of
// "seed:household id", then id), seven of them followed up so far.
func (g *fieldGen) spotCheck() {
	grid := g.compounds[g.r.IntN(len(g.compounds))]
	hs := slices.Clone(g.occupied[grid])
	if len(hs) == 0 {
		return
	}
	seed := int64(1 + g.r.IntN(999_999))
	key := map[int64]string{}
	for _, h := range hs {
		sum := md5.Sum(fmt.Appendf(nil, "%d:%d", seed, h))
		key[h] = hex.EncodeToString(sum[:])
	}
	slices.SortFunc(hs, func(a, b int64) int { return cmp.Or(cmp.Compare(key[a], key[b]), cmp.Compare(a, b)) })
	sc := model.SpotCheck{ID: int64(len(g.f.SpotChecks) + 1), GridID: grid, Seed: seed, K: min(10, len(hs)),
		CreatedAt: g.between(g.since(8), g.today.Add(9*time.Hour))}
	g.f.SpotChecks = append(g.f.SpotChecks, sc)
	for pos, h := range hs[:sc.K] {
		item := model.SpotCheckItem{CheckID: sc.ID, Position: pos + 1, HouseholdID: h}
		if pos < 7 {
			item.Result, item.Method = "knows", "visit"
			switch u := g.r.IntN(10); {
			case u == 0:
				item.Result = "does_not_know"
			case u == 1:
				item.Result, item.Method = "unreachable", "phone"
			case u < 5:
				item.Method = "phone"
			}
			item.RecordedAt = g.between(sc.CreatedAt.Add(5*time.Minute), sc.CreatedAt.Add(g.hours(1, 6)))
		}
		g.f.SpotCheckItems = append(g.f.SpotCheckItems, item)
	}
}
