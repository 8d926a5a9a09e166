package sheet

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/xuri/excelize/v2"
)

// option is one value of a closed set and the Chinese words offices write for it.
type option struct {
	value string
	words []string
}

// choice is a closed set of values, as the database's CHECK constraints list them.
type choice []option

var (
	outcomes = choice{
		{string(model.OutcomeNormal), []string{"正常", "已排查正常"}},
		{string(model.OutcomeNotHome), []string{"不在家", "未见面"}},
		{string(model.OutcomeFever), []string{"发热"}},
		{string(model.OutcomeHomeQuarantine), []string{"居家隔离"}},
		{string(model.OutcomeRiskAreaReturn), []string{"中高风险地区返回", "中高风险返回", "外地返回(中高风险)"}},
		{string(model.OutcomeRefused), []string{"拒绝", "拒绝配合"}},
	}
	categories = choice{
		{"elderly_alone", []string{"独居老人", "空巢老人"}},
		{"disabled", []string{"残疾人", "残障"}},
		{"chronic_illness", []string{"慢性病", "重病"}},
		{"other", []string{"其他"}},
	}
)

// parse returns the value s names: the English value in any case, with spaces or hyphens
// for underscores, or one of its Chinese words.
func (c choice) parse(s string) (string, bool) {
	english := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(s))
	word := normName(s)
	for _, o := range c {
		if english == o.value {
			return o.value, true
		}
		for _, w := range o.words {
			if word == normName(w) {
				return o.value, true
			}
		}
	}
	return "", false
}

// want says what a value of c may be, for an error message.
func (c choice) want() string {
	return "want one of " + c.values() + " (or " + strings.Join(c.wordList(), ", ") + ")"
}

// values lists the English values of c, for an error message.
func (c choice) values() string {
	var values []string
	for _, o := range c {
		values = append(values, o.value)
	}
	return strings.Join(values, ", ")
}

// words lists the Chinese words of c, for a Chinese error message.
func (c choice) words() string { return strings.Join(c.wordList(), "、") }

func (c choice) wordList() []string {
	var words []string
	for _, o := range c {
		words = append(words, o.words...)
	}
	return words
}

// dates reads a day cell.
type dates struct {
	serial   bool // numbers are Excel serial dates (xlsx reads date cells raw)
	date1904 bool // the workbook counts days from 1904
}

// dayForms turns the accepted text forms (2026-11-28, 2026/11/28, 2026.11.28,
// 2026年11月28日) into the first; months and days may have one digit.
var dayForms = strings.NewReplacer("/", "-", ".", "-", "年", "-", "月", "-", "日", "")

// endSerial is one past Excel's last serial date, 9999-12-31.
const endSerial = 2958466

// parse returns s as "YYYY-MM-DD". Years outside 2000-2099 are refused: they are no days of
// this service, and a text such as "2026.11" in an xlsx is not taken for a serial date.
func (d dates) parse(s string) (string, bool) {
	t, err := time.Parse("2006-1-2", dayForms.Replace(s))
	if v, nerr := strconv.ParseFloat(s, 64); d.serial && nerr == nil && v >= 0 && v < endSerial {
		t, err = excelize.ExcelDateToTime(v, d.date1904)
	}
	if err != nil || t.Year() < 2000 || t.Year() > 2099 {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// phonePattern is the database's CHECK on people.phone.
var phonePattern = regexp.MustCompile(`^[0-9+ -]{5,20}$`)

// normUnit turns "1单元" into "1"; other text is kept as written.
func normUnit(s string) string {
	digits, ok := strings.CutSuffix(s, "单元")
	digits = strings.TrimSpace(digits)
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return s
	}
	return digits
}

// parseTemperature reads "36.5", "36.5℃" or "36.5°C" and rounds to 0.1 °C.
func parseTemperature(s string) (float64, bool) {
	s = strings.TrimSuffix(strings.ToUpper(s), "°C")
	s = strings.TrimSpace(strings.TrimSuffix(s, "℃"))
	v, err := strconv.ParseFloat(s, 64)
	v = math.Round(v*10) / 10
	return v, err == nil && v >= 30 && v <= 45
}

// parseDays reads a visit interval: a whole number of days, optionally followed by 天.
func parseDays(s string) (int, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(s, "天"))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != math.Trunc(v) || v < 1 || v > 90 {
		return 0, false
	}
	return int(v), true
}

// quote quotes a cell's value for an error message, cut short if long.
func quote(s string) string {
	return strconv.Quote(cut(s))
}
