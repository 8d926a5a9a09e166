package seed

import (
	"fmt"
	"math/rand/v2"
)

// Synthetic person names: a common surname and one or two given-name
// characters drawn independently, so no name is a real person's on
// purpose. Phone numbers use the unallocated 199-0000 block.
var (
	surnames = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文")
	given    = []rune("一二三明华建国志文秀英玉兰芳丽红军平伟强敏静燕霞桂珍海涛波宇辉林春雪梅成东新利军勇杰晓晨阳光荣立家安和")
)

func personName(r *rand.Rand) string {
	name := []rune{surnames[r.IntN(len(surnames))], given[r.IntN(len(given))]}
	if r.IntN(3) > 0 {
		name = append(name, given[r.IntN(len(given))])
	}
	return string(name)
}

func phone(r *rand.Rand) string { return fmt.Sprintf("1990000%04d", r.IntN(10000)) }

// model.Volunteer teams. The first two are named in the source report; the
// rest follow the report's activities (红袖章, 党员走千家, 楼院一家亲).
var teamNames = []string{
	"爱民服务队", "小红象跑跑团", "红袖章党员志愿队", "党员走千家服务队", "楼院一家亲服务队",
	"红色物业服务队", "百名党员百件实事队", "防控一片红巡逻队", "青年突击队", "巾帼志愿服务队", "银发志愿服务队",
}

// teamColours are distinct on the map, one per team name.
var teamColours = []string{
	"#d7263d", "#f46036", "#2e294e", "#1b998b", "#c5d86d", "#6a4c93",
	"#1982c4", "#8ac926", "#ff595e", "#ffca3a", "#3d5a80",
}

// Streets give compound names such as 伏牛路23号院.
var streets = []string{"桐柏路", "协作路", "建设西路", "伏牛路", "工人路", "棉纺路", "淮河路", "汝河路", "嵩山路", "秦岭路", "华山路", "中原西路"}

// employers are the kinds of unit whose in-service members register with
// a community (驻区党员, 双报到). Numbered so they read as synthetic.
var employers = []string{"区直机关第%d党支部", "建设路第%d小学", "市第%d人民医院", "纺织机械厂第%d车间", "供电公司第%d班组", "区税务分局第%d科"}

func employer(r *rand.Rand) string {
	return fmt.Sprintf(employers[r.IntN(len(employers))], 1+r.IntN(9))
}
