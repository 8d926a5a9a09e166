package server

import (
	"fmt"

	"github.com/gridmap/gridmap/model"
)

// rowMessages is the catalogue of what a refused import's row problem
// says, by language and model.RowCode; {name} is replaced by the row
// error's parameter of that name. Every code of model.AllRowCodes has a
// sentence in every language (TestRowCatalogueIsComplete). An English
// answer says the row's own English sentence, which names the file's
// values more precisely; the English sentences here are for a row error
// that has none.
var rowMessages = map[string]map[model.RowCode]string{
	langZH: {
		model.RowRequired:           "此项必填，不能为空",
		model.RowTooLong:            "内容太长：{n} 个字，最多 {max} 个字",
		model.RowBadPhone:           "“{value}”不是有效的电话号码：应为 5 到 20 位数字，可含空格、+ 或 -",
		model.RowBadTemperature:     "“{value}”不是有效的体温：应为 30 到 45 摄氏度，例如 36.5",
		model.RowBadDate:            "“{value}”不是有效的日期：应为 2000 至 2099 年间的日期，例如 2026-11-28、2026/11/28 或 2026年11月28日",
		model.RowBadDays:            "“{value}”不是有效的天数：应为 1 到 90 之间的整数",
		model.RowBadChoice:          "“{value}”不是可选的值，应为以下之一：{choices}",
		model.RowDuplicateHousehold: "这一户在第 {row} 行已填了另一位联系党员，一户只能有一位",
		model.RowDuplicateBuilding:  "这栋楼在第 {row} 行已填了另一位楼栋长，一栋楼只能有一位",
		model.RowDuplicateColumn:    "重复的列：“{a}”和“{b}”表示同一列，请删去其中一列",
		model.RowMissingColumn:      "缺少这一列（可用的表头：{headers}）",
		model.RowTooManyRows:        "行数太多：最多 {max} 行数据，请把文件拆分后分别上传",
		model.RowMalformedCSV:       "文件格式有误：从文件第 {line} 行开始的这一行引号不配对；含引号的单元格须整体加引号，其中的引号写两遍",

		model.RowUnknownGrid:        "本账号管辖的楼院网格中没有这个名称",
		model.RowAmbiguousGrid:      "有多个楼院网格同名，请用社区账号导入",
		model.RowUnknownBuilding:    "网格中没有这个楼栋",
		model.RowAmbiguousBuilding:  "网格中有多个同名楼栋",
		model.RowUnknownHousehold:   "楼栋中没有这个单元和房号",
		model.RowUnknownPartyMember: "没有这个姓名和电话的党员",
		model.RowUnknownPerson:      "没有这个姓名和电话的人员",
		model.RowAmbiguousPerson:    "有多人同名同电话",
	},
	langEN: {
		model.RowRequired:           "empty; required",
		model.RowTooLong:            "too long: {n} characters, want at most {max}",
		model.RowBadPhone:           "got \"{value}\", want a phone number of 5-20 digits, spaces, + or -",
		model.RowBadTemperature:     "got \"{value}\", want degrees Celsius from 30 to 45, such as 36.5",
		model.RowBadDate:            "got \"{value}\", want a date from 2000 to 2099 such as 2026-11-28",
		model.RowBadDays:            "got \"{value}\", want a whole number of days from 1 to 90",
		model.RowBadChoice:          "got \"{value}\", want one of {values}",
		model.RowDuplicateHousehold: "household already in row {row} with another party member",
		model.RowDuplicateBuilding:  "building already in row {row} with another head",
		model.RowDuplicateColumn:    "duplicate column: \"{a}\" and \"{b}\" mean the same",
		model.RowMissingColumn:      "missing column (accepted headers: {headers})",
		model.RowTooManyRows:        "too many rows; split the file",
		model.RowMalformedCSV:       "malformed CSV in the row starting at line {line} of the file",

		model.RowUnknownGrid:        "no compound grid of yours has this name",
		model.RowAmbiguousGrid:      "several compound grids have this name; import from a community's account",
		model.RowUnknownBuilding:    "no building of this name in the grid",
		model.RowAmbiguousBuilding:  "several buildings of this name in the grid",
		model.RowUnknownHousehold:   "no household with this unit and room in the building",
		model.RowUnknownPartyMember: "no party member with this name and phone",
		model.RowUnknownPerson:      "no person with this name and phone",
		model.RowAmbiguousPerson:    "several people with this name and phone",
	},
}

// rowMessage is the sentence of a row problem's code in lang with its
// params put in, and false when the catalogue has none.
func rowMessage(lang string, code model.RowCode, params map[string]any) (string, bool) {
	s, ok := rowMessages[lang][code]
	if !ok {
		return "", false
	}
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := params[m[1:len(m)-1]]; ok {
			return fmt.Sprint(v)
		}
		return m
	}), true
}

// localRows is a refused import's rows as a reader of lang reads them: in
// English as they are (the row's own sentence, or the catalogue's when it
// has none); in another language each row's sentence from the catalogue,
// with the English kept in detail. rows is not changed.
func localRows(lang string, rows []model.RowError) []model.RowError {
	out := make([]model.RowError, len(rows))
	for i, r := range rows {
		switch text, ok := rowMessage(lang, r.Code, r.Params); {
		case !ok:
		case lang == langEN:
			if r.Error == "" {
				r.Error = text
			}
		case text != r.Error:
			r.Error, r.Detail = text, r.Error
		}
		out[i] = r
	}
	return out
}
