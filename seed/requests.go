package seed

import (
	"time"

	"github.com/gridmap/gridmap/model"
)

// requestKinds are the hotline's categories with their share of calls,
// what callers say and how a closed request was resolved.
var requestKinds = []struct {
	category    string
	share       float64
	bodies      []string
	resolutions []string
}{
	{"supplies", 0.30,
		[]string{"需要购买蔬菜", "需要购买蔬菜和鸡蛋", "家中米面快吃完了，希望帮忙代购", "独居老人需要代买日用品", "需要购买婴儿奶粉和纸尿裤", "希望代购一周的蔬菜水果"},
		[]string{"志愿者已代购送达", "已由楼栋长代购并送到家门口", "已联系社区团购，次日配送到户"}},
	{"medical", 0.20,
		[]string{"家中老人需要代购降压药", "糖尿病患者胰岛素快用完了，需要代购", "孩子发烧38度，询问如何就医", "需要定期透析，咨询外出就医流程", "孕妇需要产检，咨询如何外出"},
		[]string{"已联系社区医生，药品已送到家", "已协调车辆送医，全程闭环", "已电话指导就医流程，开具外出证明"}},
	{"repair", 0.20,
		[]string{"楼道灯坏了", "单元门门禁坏了，无法关闭", "楼顶水箱漏水", "下水道堵塞，污水外溢", "电梯停运，老人上下楼困难"},
		[]string{"物业已维修", "已联系维修人员上门处理完毕", "已报修，今日修复"}},
	{"complaint", 0.15,
		[]string{"楼下有人聚集打牌，未戴口罩", "垃圾清运不及时，楼道有异味", "小区门口车辆乱停，挡住卡点通道", "夜间装修噪音扰民"},
		[]string{"网格员已到场劝导", "已通知物业加派清运，现场已清理", "已联系车主挪车"}},
	{"other", 0.15,
		[]string{"咨询核酸检测时间和地点", "快递无法送进小区，询问如何取件", "咨询外地返回人员报备流程", "想报名参加志愿服务"},
		[]string{"已电话答复", "已告知详细流程", "已登记，社区将电话联系"}},
}

// requests adds about 30 hotline calls over the last three days, each at
// a random building and routed to its grid. About a third are still
// open, most of them recent; the rest were closed within hours.
func (g *fieldGen) requests() {
	n := g.count(27, 33)
	start := len(g.f.Requests)
	for range n {
		b := g.ds.Buildings[g.r.IntN(len(g.ds.Buildings))]
		kind, u := requestKinds[len(requestKinds)-1], g.r.Float64()
		for _, k := range requestKinds {
			if u < k.share {
				kind = k
				break
			}
			u -= k.share
		}
		g.f.Requests = append(g.f.Requests, model.Request{BuildingID: b.ID, GridID: b.GridID, Category: kind.category,
			Body: kind.bodies[g.r.IntN(len(kind.bodies))], Caller: personName(g.r), Phone: phone(g.r),
			ReceivedAt: g.between(g.now.Add(-72*time.Hour), g.now)})
	}
	open := map[int]bool{}
	for len(open) < n/3 {
		// Open ones come mostly from the last day.
		i := g.r.IntN(n)
		if g.f.Requests[start+i].ReceivedAt.After(g.now.Add(-24*time.Hour)) || g.r.IntN(4) == 0 {
			open[i] = true
		}
	}
	for i := range n {
		q := &g.f.Requests[start+i]
		if open[i] || q.ReceivedAt.Add(20*time.Minute).After(g.now) {
			continue
		}
		for _, k := range requestKinds {
			if k.category == q.Category {
				q.Resolution = k.resolutions[g.r.IntN(len(k.resolutions))]
			}
		}
		q.ClosedAt = g.between(q.ReceivedAt.Add(20*time.Minute), q.ReceivedAt.Add(g.hours(1, 8)))
	}
}
