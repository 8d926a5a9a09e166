package sheet

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/gridmap/gridmap/model"
)

// column is a canonical column and the headers that name it in a file.
type column struct {
	name    string   // canonical English name, used when the column is missing
	headers []string // accepted headers, compared after normalising both sides
}

// field is a column of one kind of import. A required column must be in the header and have
// a value in every row.
type field struct {
	column
	required bool
}

// The columns every kind that names a household or building shares.
var (
	gridColumn     = column{"grid", []string{"网格", "网格名称", "小区", "grid"}}
	buildingColumn = column{"building", []string{"楼栋", "楼号", "楼栋名称", "building"}}
	unitColumn     = column{"unit", []string{"单元", "unit"}}
	roomColumn     = column{"room", []string{"房号", "门牌号", "户号", "room"}}
)

// layouts lists the columns of each kind of import; it is never modified. A header names at
// most one column of a kind (姓名 is the head in one kind and the resident in another).
var layouts = map[Kind][]field{
	Screenings: {
		{gridColumn, true}, {buildingColumn, true}, {unitColumn, true}, {roomColumn, true},
		{column{"outcome", []string{"排查结果", "结果", "outcome"}}, true},
		{column{"temperature", []string{"体温", "temperature"}}, false},
		{column{"day", []string{"日期", "排查日期", "date", "day"}}, false},
		{column{"note", []string{"备注", "note"}}, false},
	},
	Contacts: {
		{gridColumn, true}, {buildingColumn, true}, {unitColumn, true}, {roomColumn, true},
		{column{"name", []string{"联系党员", "党员姓名", "党员", "party_member", "name"}}, true},
		{column{"phone", []string{"党员电话", "联系电话", "电话", "phone"}}, true},
	},
	Heads: {
		{gridColumn, true}, {buildingColumn, true},
		{column{"name", []string{"楼栋长", "楼长", "姓名", "head", "name"}}, true},
		{column{"phone", []string{"楼栋长电话", "楼长电话", "电话", "联系电话", "phone"}}, true},
	},
	Vulnerable: {
		{gridColumn, true}, {buildingColumn, true}, {unitColumn, true}, {roomColumn, true},
		{column{"name", []string{"姓名", "name"}}, true},
		{column{"phone", []string{"电话", "联系电话", "phone"}}, false},
		{column{"category", []string{"类别", "类型", "category"}}, true},
		{column{"visit_every_days", []string{"走访间隔(天)", "走访间隔", "走访周期(天)", "走访周期", "visit_every_days"}}, true},
	},
}

// position is where a column sits in a file (once the header is read, in the cells a row
// keeps) and how its header is written there.
type position struct {
	index    int
	header   string
	required bool
}

// mapHeader finds the columns of layout in a header row. Headers it does not know are
// ignored: offices add columns of their own. It reports a header naming a column already
// named, and each missing required column.
func mapHeader(layout []field, header []string) (map[string]position, []RowError) {
	byHeader := make(map[string]field)
	for _, f := range layout {
		for _, h := range f.headers {
			byHeader[normName(h)] = f
		}
	}
	cols := make(map[string]position)
	var errs []RowError
	for i, h := range header {
		f, ok := byHeader[normName(h)]
		if !ok {
			continue
		}
		written := strings.TrimSpace(h)
		if prev, dup := cols[f.name]; dup {
			errs = append(errs, RowError{Row: 1, Column: written, Code: model.RowDuplicateColumn,
				Params: map[string]any{"a": prev.header, "b": written},
				Error:  fmt.Sprintf("duplicate column: %q and %q both mean %s", prev.header, written, f.name)})
			continue
		}
		cols[f.name] = position{index: i, header: written, required: f.required}
	}
	for _, f := range layout {
		if _, ok := cols[f.name]; f.required && !ok {
			errs = append(errs, RowError{Row: 1, Column: f.name, Code: model.RowMissingColumn,
				Params: map[string]any{"headers": strings.Join(f.headers, "、")},
				Error:  "missing column (accepted headers: " + strings.Join(f.headers, ", ") + ")"})
		}
	}
	return cols, errs
}

// normName folds the ways people write the same header or word: case, spaces anywhere
// (including the ideographic space) and full-width parentheses.
func normName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r == '（':
			return '('
		case r == '）':
			return ')'
		}
		return unicode.ToLower(r)
	}, s)
}
