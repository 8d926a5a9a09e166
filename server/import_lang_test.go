package server_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/sheet"
)

const xlsxMedia = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

var (
	hanRE   = regexp.MustCompile(`\p{Han}`)
	latinRE = regexp.MustCompile(`[A-Za-z]{2,}`)
)

// sheetFile is rows as a file of format: CSV text or an .xlsx workbook.
func sheetFile(t *testing.T, format string, rows [][]string) []byte {
	t.Helper()
	if format == "csv" {
		var b strings.Builder
		for _, r := range rows {
			b.WriteString(strings.Join(r, ",") + "\n")
		}
		return []byte(b.String())
	}
	f := excelize.NewFile()
	name := f.GetSheetName(0)
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		if err := f.SetSheetRow(name, fmt.Sprintf("A%d", i+1), &cells); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rowAnswer is one row of a refused import's answer.
type rowAnswer struct {
	Row    int            `json:"row"`
	Column string         `json:"column"`
	Code   string         `json:"code"`
	Params map[string]any `json:"params"`
	Error  string         `json:"error"`
	Detail string         `json:"detail"`
}

func (r rowAnswer) key() string { return fmt.Sprintf("%d|%s|%s", r.Row, r.Column, r.Code) }

// TestImportRowErrorsByLanguage: a file refused for its rows, by the
// sheet's checks or the store's lookups, as CSV or .xlsx, lists every
// row problem with its code under the file's own header, in both
// languages; in zh-CN each row says a Chinese sentence whose only Latin
// letters are values quoted from the file, with the English in detail;
// in English each row says exactly what it said before codes existed
// (sheet.Parse's own text for the sheet's problems), with no detail.
func TestImportRowErrorsByLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "rowlang-leader", auth.GridLeader, 9)
	hs := unscreened(t, e, 9, 2)
	h0, h1 := householdRow(t, e, hs[0]), householdRow(t, e, hs[1])
	other := householdRow(t, e, scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id <> 9`))
	row := func(h []string, more ...string) []string { return append(slices.Clone(h), more...) }
	screenHead := []string{"网格", "楼栋", "单元", "房号", "排查结果", "体温", "日期", "备注"}
	var many strings.Builder // one row more than a file may have
	many.WriteString("网格,楼栋,单元,房号,排查结果\n")
	for range sheet.MaxRows + 1 {
		many.WriteString(strings.Join(h0, ",") + ",正常\n")
	}

	tests := []struct {
		name, kind, format string
		rows               [][]string // or raw, a CSV as it is
		raw                string
		store              bool     // the store's lookups find the problems, not sheet.Parse
		want               []string // row|column|code
		zh                 string   // a sentence one of the rows says in zh-CN
	}{
		{name: "screening cells", kind: "screenings", format: "csv", rows: [][]string{screenHead,
			row(h0, "很好", "", "", ""),
			row(h0, "正常", "50", "2026/13/40", ""),
			row([]string{"", h0[1], h0[2], h0[3]}, "正常", "", "", ""),
			row(h1, "正常", "", "", strings.Repeat("备", 501)),
		}, want: []string{"2|排查结果|bad_choice", "3|体温|bad_temperature", "3|日期|bad_date", "4|网格|required", "5|备注|too_long"},
			zh: "“50”不是有效的体温：应为 30 到 45 摄氏度，例如 36.5"},
		{name: "header", kind: "contacts", format: "csv", rows: [][]string{{"网格", "楼栋", "党员", "电话", "联系电话"}},
			want: []string{"1|联系电话|duplicate_column", "1|unit|missing_column", "1|room|missing_column"},
			zh:   "重复的列：“电话”和“联系电话”表示同一列，请删去其中一列"},
		{name: "contact cells", kind: "contacts", format: "xlsx", rows: [][]string{{"网格", "楼栋", "单元", "房号", "联系党员", "党员电话"},
			row(h0, "李红", "13800138000"),
			row(h0, "张伟", "13800138001"),
			row(h1, "王五", "call me"),
		}, want: []string{"3|联系党员|duplicate_household", "4|党员电话|bad_phone"},
			zh: "“call me”不是有效的电话号码：应为 5 到 20 位数字，可含空格、+ 或 -"},
		{name: "resident cells", kind: "vulnerable", format: "xlsx", rows: [][]string{{"网格", "楼栋", "单元", "房号", "姓名", "类别", "走访间隔(天)"},
			row(h0, "陈大爷", "独居", "7"),
			row(h1, "刘阿姨", "其他", "0"),
		}, want: []string{"2|类别|bad_choice", "3|走访间隔(天)|bad_days"},
			zh: "“独居”不是可选的值，应为以下之一：独居老人、空巢老人、残疾人、残障、慢性病、重病、其他"},
		{name: "head twice", kind: "heads", format: "csv", rows: [][]string{{"网格", "楼栋", "楼长", "电话"},
			{h0[0], h0[1], "王强", "13900139000"},
			{h0[0], h0[1], "赵敏", "13900139001"},
		}, want: []string{"3|楼长|duplicate_building"}},
		{name: "stray quote", kind: "screenings", format: "csv",
			raw:  "网格,楼栋,单元,房号,排查结果\n" + strings.Join(row(h0, "正常"), ",") + "\n" + h0[0] + `,"3号楼,1,101,正常` + "\n",
			want: []string{"3||malformed_csv"}},
		{name: "too many rows", kind: "screenings", format: "csv", raw: many.String(),
			want: []string{fmt.Sprintf("%d||too_many_rows", sheet.MaxRows+2)}},
		{name: "unknown places", kind: "screenings", format: "csv", store: true, rows: [][]string{{"小区", "楼号", "单元", "户号", "排查结果"},
			row(h0, "正常"),
			row([]string{h0[0], "不存在的楼", h0[2], h0[3]}, "正常"),
			row(other, "正常"),
			row([]string{h1[0], h1[1], h1[2], "9999"}, "正常"),
		}, want: []string{"3|楼号|unknown_building", "4|小区|unknown_grid", "5|户号|unknown_household"},
			zh: "本账号管辖的楼院网格中没有这个名称"},
		{name: "unknown people", kind: "heads", format: "xlsx", store: true, rows: [][]string{{"网格", "楼栋", "楼栋长", "联系电话"},
			{h0[0], h0[1], "查无此人", "13900000000"},
			{h0[0], "不存在的楼", "也没有", "13900000001"},
		}, want: []string{"2|楼栋长|unknown_person", "3|楼栋|unknown_building", "3|楼栋长|unknown_person"}},
		{name: "unknown party member", kind: "contacts", format: "csv", store: true, rows: [][]string{{"网格", "楼栋", "单元", "房号", "联系党员", "党员电话"},
			row(h0, "查无此人", "13800000000"),
		}, want: []string{"2|联系党员|unknown_party_member"}, zh: "没有这个姓名和电话的党员"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.raw)
			if tt.raw == "" {
				data = sheetFile(t, tt.format, tt.rows)
			}
			contentType := map[string]string{"csv": "text/csv", "xlsx": xlsxMedia}[tt.format]
			got := map[string][]rowAnswer{}
			for _, lang := range []string{"zh-CN", "en"} {
				leader.lang = lang
				r := leader.do("POST", "/api/import/"+tt.kind+"?client_id="+cid(), upload{contentType, data})
				var body struct {
					Code string
					Rows []rowAnswer
				}
				if err := json.Unmarshal(r.Body, &body); err != nil || r.Status != 422 || body.Code != "rows_rejected" {
					t.Fatalf("%s: %d %.300s, want 422 rows_rejected", lang, r.Status, r.Body)
				}
				var keys []string
				for _, x := range body.Rows {
					keys = append(keys, x.key())
				}
				slices.Sort(keys) // the store lists the place problems before the people
				if !slices.Equal(keys, slices.Sorted(slices.Values(tt.want))) {
					t.Errorf("%s: rows %q, want %q", lang, keys, tt.want)
				}
				got[lang] = body.Rows
			}
			zh, en := got["zh-CN"], got["en"]
			if len(zh) != len(en) {
				t.Fatalf("%d rows in zh-CN, %d in en", len(zh), len(en))
			}
			said := false
			for i, z := range zh {
				said = said || z.Error == tt.zh
				left := z.Error // with the values quoted from the file taken out
				for _, v := range z.Params {
					left = strings.ReplaceAll(left, fmt.Sprint(v), "")
				}
				if !hanRE.MatchString(z.Error) || latinRE.MatchString(left) {
					t.Errorf("zh-CN row %s says %q: not Chinese, or English words besides the file's values", z.key(), z.Error)
				}
				if z.Detail == "" || z.Detail != en[i].Error {
					t.Errorf("zh-CN row %s: detail %q, want the English %q", z.key(), z.Detail, en[i].Error)
				}
				if en[i].Detail != "" || (tt.store && hanRE.MatchString(en[i].Error)) {
					t.Errorf("en row %s: %q with detail %q, want the English alone", en[i].key(), en[i].Error, en[i].Detail)
				}
			}
			if tt.zh != "" && !said {
				t.Errorf("no zh-CN row says %q", tt.zh)
			}
			if tt.store {
				return
			}
			// The English is the sheet's own text, as before codes existed.
			_, want, err := sheet.Parse(sheet.Kind(tt.kind), sheet.Format(tt.format), data)
			if err != nil || len(want) != len(en) {
				t.Fatalf("sheet.Parse: %v, %d rows", err, len(want))
			}
			for i, w := range want {
				if en[i].Error != w.Error || string(w.Code) != en[i].Code {
					t.Errorf("en row %s says %q, sheet.Parse %q", en[i].key(), en[i].Error, w.Error)
				}
			}
		})
	}
}

// TestImportFileErrorsByLanguage: a file that cannot be read at all, or
// has no rows, has a code of its own and a Chinese sentence saying so.
func TestImportFileErrorsByLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "filelang-leader", auth.GridLeader, 9)
	for _, tt := range []struct {
		name, contentType string
		data              []byte
		status            int
		code, zh, en      string
	}{
		{"old xls", xlsxMedia, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0}, 400, "unreadable_file", "无法读取这个文件", "body: sheet: "},
		{"UTF-16 CSV", "text/csv", []byte{0xFF, 0xFE, '1', 0}, 400, "unreadable_file", "无法读取这个文件", "body: sheet: read csv: UTF-16 text"},
		{"header only", "text/csv", []byte("网格,楼栋,单元,房号,排查结果\n"), 400, "empty_file", "文件只有表头，没有数据行", "body: the file has a header but no rows"},
		{"a cell too long", "text/csv", []byte("网格,楼栋,单元,房号,排查结果\n9,1,1," + strings.Repeat("x", sheet.MaxCellChars+1) + ",正常\n"),
			422, "limit_cell_length", "某个单元格的内容过长：最多 32767 个字符", "body: cell D2 is 32768 characters long"},
		{"too many columns", "text/csv", []byte("网格,楼栋,单元,房号,排查结果\n9,1,1,101,正常" + strings.Repeat(",", sheet.MaxColumns+1) + "x\n"),
			422, "limit_columns", "表格的列数过多：最多 256 列", "body: row 2 has a value in column"},
	} {
		for _, lang := range []string{"zh-CN", "en"} {
			leader.lang = lang
			r := leader.do("POST", "/api/import/screenings?client_id="+cid(), upload{tt.contentType, tt.data})
			want := map[string]string{"zh-CN": tt.zh, "en": tt.en}[lang]
			if r.Status != tt.status || r.Error.Code != tt.code || r.Error.Field != "body" || !strings.HasPrefix(r.Error.Error, want) {
				t.Errorf("%s, %s: %d %s, want %d %s saying %q", tt.name, lang, r.Status, r.Body, tt.status, tt.code, want)
			}
			if lang == "zh-CN" && !strings.HasPrefix(r.Error.Detail, tt.en) {
				t.Errorf("%s, zh-CN: detail %q, want the English", tt.name, r.Error.Detail)
			}
		}
	}
}
