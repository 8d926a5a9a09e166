package sheet

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// xlsxFile builds a workbook whose first sheet holds rows; nil leaves a cell empty.
func xlsxFile(t testing.TB, rows ...[]any) []byte {
	t.Helper()
	return xlsxWith(t, nil, rows...)
}

// xlsxWith is xlsxFile with workbook properties, such as the 1904 date system.
func xlsxWith(t testing.TB, props *excelize.WorkbookPropsOptions, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if props != nil {
		if err := f.SetWorkbookProps(props); err != nil {
			t.Fatal(err)
		}
	}
	for r, cells := range rows {
		for c, v := range cells {
			if v == nil {
				continue
			}
			name, err := excelize.CoordinatesToCellName(c+1, r+1)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellValue("Sheet1", name, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gbk(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func celsius(v float64) *float64 { return &v }

func mustParse(t *testing.T, kind Kind, format Format, data []byte) *File {
	t.Helper()
	f, errs, err := Parse(kind, format, data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(errs) > 0 {
		t.Fatalf("Parse: row errors %+v", errs)
	}
	return f
}

var (
	tongbai  = HouseholdRef{Grid: "桐柏路61号院", Building: "3号楼", Unit: "1", Room: "101"}
	tongbai2 = HouseholdRef{Grid: "桐柏路61号院", Building: "3号楼", Unit: "一单元", Room: "202"}
)

func TestParseKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		kind   Kind
		format Format
		data   []byte
		want   *File
	}{
		{"screenings/chinese/csv", Screenings, CSV, []byte(
			"序号,网格名称,楼栋,单元,门牌号,排查结果,体温,排查日期,备注\n" +
				"1,桐柏路61号院,3号楼,1单元,101,正常,36.5℃,2026-11-28,\n" +
				"2, 桐柏路61号院 ,3号楼,一单元,202,发热,38.2°C,,已上报社区\n"),
			&File{Kind: Screenings, Screenings: []Screening{
				{Row: 2, Household: tongbai, Outcome: "normal", Temperature: celsius(36.5), Day: "2026-11-28"},
				{Row: 3, Household: tongbai2, Outcome: "fever", Temperature: celsius(38.2), Note: "已上报社区"},
			}}},
		{"screenings/english/xlsx", Screenings, XLSX, xlsxFile(t,
			[]any{"Grid", "Building", "Unit", "Room", "Outcome", "Temperature", "Day", "Note", "Checked by"},
			[]any{"桐柏路61号院", "3号楼", 1, 101, "not_home", nil, nil, nil, "张三"},
			[]any{"桐柏路61号院", "3号楼", "一单元", "202", "home_quarantine", 36.8, "2026/11/27", "door sealed"},
		), &File{Kind: Screenings, Screenings: []Screening{
			{Row: 2, Household: tongbai, Outcome: "not_home"},
			{Row: 3, Household: tongbai2, Outcome: "home_quarantine", Temperature: celsius(36.8), Day: "2026-11-27", Note: "door sealed"},
		}}},
		{"contacts/chinese/xlsx", Contacts, XLSX, xlsxFile(t,
			[]any{"小区", "楼号", "单元", "户号", "联系党员", "党员电话"},
			[]any{"桐柏路61号院", "3号楼", "1单元", 101, "李红", 13800138000},
		), &File{Kind: Contacts, Contacts: []Contact{
			{Row: 2, Household: tongbai, Name: "李红", Phone: "13800138000"},
		}}},
		{"contacts/english/csv", Contacts, CSV, []byte(
			"grid,building,unit,room,party_member,phone\n" +
				"桐柏路61号院,3号楼,1,101,Li Hong,+86 138-0013-8000\n"),
			&File{Kind: Contacts, Contacts: []Contact{
				{Row: 2, Household: tongbai, Name: "Li Hong", Phone: "+86 138-0013-8000"},
			}}},
		{"heads/chinese/csv", Heads, CSV, []byte(
			"网格,楼栋名称,楼栋长,联系电话\n桐柏路61号院,3号楼,王强,0371-6688 1234\n"),
			&File{Kind: Heads, Heads: []Head{
				{Row: 2, Grid: "桐柏路61号院", Building: "3号楼", Name: "王强", Phone: "0371-6688 1234"},
			}}},
		{"heads/english/xlsx", Heads, XLSX, xlsxFile(t,
			[]any{"GRID", "BUILDING", "Head", "Phone"},
			[]any{"桐柏路61号院", "3号楼", "王强", "13900139000"},
			[]any{"桐柏路61号院", "4号楼", "赵敏", "13900139001"},
		), &File{Kind: Heads, Heads: []Head{
			{Row: 2, Grid: "桐柏路61号院", Building: "3号楼", Name: "王强", Phone: "13900139000"},
			{Row: 3, Grid: "桐柏路61号院", Building: "4号楼", Name: "赵敏", Phone: "13900139001"},
		}}},
		{"vulnerable/chinese/xlsx", Vulnerable, XLSX, xlsxFile(t,
			[]any{"网格", "楼栋", "单元", "房号", "姓名", "电话", "类别", "走访间隔（天）"},
			[]any{"桐柏路61号院", "3号楼", 1, 101, "陈大爷", nil, "独居老人", 7},
			[]any{"桐柏路61号院", "3号楼", "一单元", 202, "刘阿姨", "13700137000", "慢性病", "14天"},
		), &File{Kind: Vulnerable, Vulnerable: []Resident{
			{Row: 2, Household: tongbai, Name: "陈大爷", Category: "elderly_alone", VisitEveryDays: 7},
			{Row: 3, Household: tongbai2, Name: "刘阿姨", Phone: "13700137000", Category: "chronic_illness", VisitEveryDays: 14},
		}}},
		{"vulnerable/english/csv", Vulnerable, CSV, []byte(
			"grid,building,unit,room,name,category,visit_every_days\n" +
				"桐柏路61号院,3号楼,1,101,Chen,Disabled,30\n"),
			&File{Kind: Vulnerable, Vulnerable: []Resident{
				{Row: 2, Household: tongbai, Name: "Chen", Category: "disabled", VisitEveryDays: 30},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, tt.kind, tt.format, tt.data)
			got.Headers = nil // the headers the file wrote: checked by the row-error tests
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if got.Len() != tt.want.Len() {
				t.Errorf("Len() = %d, want %d", got.Len(), tt.want.Len())
			}
		})
	}
}

func TestParseSynonyms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind  Kind
		value string
		want  string
	}{
		{Screenings, "正常", "normal"},
		{Screenings, "已排查正常", "normal"},
		{Screenings, "NORMAL", "normal"},
		{Screenings, "不在家", "not_home"},
		{Screenings, "未见面", "not_home"},
		{Screenings, "not home", "not_home"},
		{Screenings, "发热", "fever"},
		{Screenings, "居家隔离", "home_quarantine"},
		{Screenings, "home-quarantine", "home_quarantine"},
		{Screenings, "中高风险地区返回", "risk_area_return"},
		{Screenings, "中高风险返回", "risk_area_return"},
		{Screenings, "外地返回(中高风险)", "risk_area_return"},
		{Screenings, "外地返回（中高风险）", "risk_area_return"},
		{Screenings, "拒绝", "refused"},
		{Screenings, "拒绝配合", "refused"},
		{Vulnerable, "独居老人", "elderly_alone"},
		{Vulnerable, "空巢老人", "elderly_alone"},
		{Vulnerable, "elderly_alone", "elderly_alone"},
		{Vulnerable, "残疾人", "disabled"},
		{Vulnerable, "残障", "disabled"},
		{Vulnerable, "慢性病", "chronic_illness"},
		{Vulnerable, "重病", "chronic_illness"},
		{Vulnerable, "Chronic Illness", "chronic_illness"},
		{Vulnerable, "其他", "other"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.value, func(t *testing.T) {
			var csv string
			if tt.kind == Screenings {
				csv = "网格,楼栋,单元,房号,结果\n桐柏路61号院,3号楼,1,101," + tt.value + "\n"
			} else {
				csv = "网格,楼栋,单元,房号,姓名,类型,走访周期\n桐柏路61号院,3号楼,1,101,陈大爷," + tt.value + ",7\n"
			}
			f := mustParse(t, tt.kind, CSV, []byte(csv))
			var got string
			if tt.kind == Screenings {
				got = f.Screenings[0].Outcome
			} else {
				got = f.Vulnerable[0].Category
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseHeaderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		kind Kind
		csv  string
		want []RowError
	}{
		{"missing outcome", Screenings, "网格,楼栋,单元,房号,体温\n桐柏路61号院,3号楼,1,101,36.5\n", []RowError{
			{Row: 1, Column: "outcome", Code: model.RowMissingColumn, Params: map[string]any{"headers": "排查结果、结果、outcome"}, Error: "missing column (accepted headers: 排查结果, 结果, outcome)"},
		}},
		{"missing unit and room", Contacts, "网格,楼栋,党员,电话\n", []RowError{
			{Row: 1, Column: "unit", Code: model.RowMissingColumn, Params: map[string]any{"headers": "单元、unit"}, Error: "missing column (accepted headers: 单元, unit)"},
			{Row: 1, Column: "room", Code: model.RowMissingColumn, Params: map[string]any{"headers": "房号、门牌号、户号、room"}, Error: "missing column (accepted headers: 房号, 门牌号, 户号, room)"},
		}},
		{"duplicate header", Heads, "网格,楼栋,楼长,电话,联系电话\n", []RowError{
			{Row: 1, Column: "联系电话", Code: model.RowDuplicateColumn, Params: map[string]any{"a": "电话", "b": "联系电话"}, Error: `duplicate column: "电话" and "联系电话" both mean phone`},
		}},
		{"empty file", Heads, "", []RowError{
			{Row: 1, Column: "grid", Code: model.RowMissingColumn, Params: map[string]any{"headers": "网格、网格名称、小区、grid"}, Error: "missing column (accepted headers: 网格, 网格名称, 小区, grid)"},
			{Row: 1, Column: "building", Code: model.RowMissingColumn, Params: map[string]any{"headers": "楼栋、楼号、楼栋名称、building"}, Error: "missing column (accepted headers: 楼栋, 楼号, 楼栋名称, building)"},
			{Row: 1, Column: "name", Code: model.RowMissingColumn, Params: map[string]any{"headers": "楼栋长、楼长、姓名、head、name"}, Error: "missing column (accepted headers: 楼栋长, 楼长, 姓名, head, name)"},
			{Row: 1, Column: "phone", Code: model.RowMissingColumn, Params: map[string]any{"headers": "楼栋长电话、楼长电话、电话、联系电话、phone"}, Error: "missing column (accepted headers: 楼栋长电话, 楼长电话, 电话, 联系电话, phone)"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, errs, err := Parse(tt.kind, CSV, []byte(tt.csv))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(errs, tt.want) {
				t.Errorf("got  %+v\nwant %+v", errs, tt.want)
			}
			if f.Len() != 0 {
				t.Errorf("Len() = %d, want 0", f.Len())
			}
		})
	}
}

// badRow is a row error expected: Error is a substring of its English message.
type badRow struct {
	Row    int
	Column string
	Code   model.RowCode
	Error  string
}

func TestParseBadRows(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("长", 101)
	tests := []struct {
		name     string
		kind     Kind
		csv      string
		want     []badRow // Error is a substring of the message
		wantRows []int    // rows of the records that passed
	}{
		{"screenings", Screenings,
			"网格,楼栋,单元,房号,排查结果,体温,日期,备注\n" +
				"桐柏路61号院,3号楼,1,101,正常,,,\n" + // 2: fine
				"桐柏路61号院,3号楼,1,102,发烧,,,\n" + // 3: unknown outcome
				"桐柏路61号院,3号楼,1,103,正常,50,11/28/2026,\n" + // 4: temperature and day
				"桐柏路61号院,3号楼,1,104,fever,39,2026年2月28日,\n" + // 5: fine
				",3号楼,1,105,正常,,,\n" + // 6: no grid
				"桐柏路61号院,3号楼," + strings.Repeat("单", 21) + ",106,正常,,2026-02-30," + strings.Repeat("x", 501) + "\n", // 7
			[]badRow{
				{3, "排查结果", model.RowBadChoice, `got "发烧", want one of normal, not_home, fever, home_quarantine, risk_area_return, refused (or 正常, 已排查正常, 不在家`},
				{4, "体温", model.RowBadTemperature, `got "50", want degrees Celsius from 30 to 45`},
				{4, "日期", model.RowBadDate, `got "11/28/2026", want a date`},
				{6, "网格", model.RowRequired, "empty; required"},
				{7, "单元", model.RowTooLong, "too long: 21 characters, want at most 20"},
				{7, "日期", model.RowBadDate, `got "2026-02-30"`},
				{7, "备注", model.RowTooLong, "too long: 501 characters, want at most 500"},
			}, []int{2, 5}},
		{"contacts", Contacts,
			"网格,楼栋,单元,房号,党员姓名,联系电话\n" +
				"桐柏路61号院,3号楼,1,101,李红,13800138000\n" +
				"桐柏路61号院,3号楼,1,101,李红,13800138000\n" + // 3: same again, fine
				"桐柏路61号院,3号楼,1,101,张伟,13800138001\n" + // 4: another contact
				"桐柏路61号院,3号楼,1,102," + long + ",phone\n", // 5
			[]badRow{
				{4, "党员姓名", model.RowDuplicateHousehold, "household already in row 2 with another party member"},
				{5, "党员姓名", model.RowTooLong, "too long: 101 characters"},
				{5, "联系电话", model.RowBadPhone, `got "phone", want a phone number`},
			}, []int{2, 3}},
		{"heads", Heads,
			"网格,楼栋,楼长,电话\n" +
				"桐柏路61号院,3号楼,王强,13900139000\n" +
				"桐柏路61号院,3号楼,赵敏,13900139001\n" +
				"桐柏路61号院,4号楼,,1234\n",
			[]badRow{
				{3, "楼长", model.RowDuplicateBuilding, "building already in row 2 with another head"},
				{4, "楼长", model.RowRequired, "empty; required"},
				{4, "电话", model.RowBadPhone, `got "1234"`},
			}, []int{2}},
		{"vulnerable", Vulnerable,
			"网格,楼栋,单元,房号,姓名,电话,类别,走访间隔\n" +
				"桐柏路61号院,3号楼,1,101,陈大爷,,独居,7\n" +
				"桐柏路61号院,3号楼,1,102,刘阿姨,,其他,0\n" +
				"桐柏路61号院,3号楼,1,103,孙奶奶,,其他,7.5\n" +
				"桐柏路61号院,3号楼,1,104,周爷爷,,其他,90\n",
			[]badRow{
				{2, "类别", model.RowBadChoice, `got "独居", want one of elderly_alone, disabled, chronic_illness, other (or 独居老人`},
				{3, "走访间隔", model.RowBadDays, `got "0", want a whole number of days from 1 to 90`},
				{4, "走访间隔", model.RowBadDays, `got "7.5"`},
			}, []int{5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, errs, err := Parse(tt.kind, CSV, []byte(tt.csv))
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors %+v, want %d", len(errs), errs, len(tt.want))
			}
			for i, e := range errs {
				w := tt.want[i]
				if e.Row != w.Row || e.Column != w.Column || e.Code != w.Code || !strings.Contains(e.Error, w.Error) {
					t.Errorf("error %d = %+v, want %+v", i, e, w)
				}
			}
			if got := recordRows(f); !reflect.DeepEqual(got, tt.wantRows) {
				t.Errorf("records from rows %v, want %v", got, tt.wantRows)
			}
		})
	}
}

// recordRows lists the spreadsheet rows of f's records.
func recordRows(f *File) []int {
	var rows []int
	for _, s := range f.Screenings {
		rows = append(rows, s.Row)
	}
	for _, c := range f.Contacts {
		rows = append(rows, c.Row)
	}
	for _, h := range f.Heads {
		rows = append(rows, h.Row)
	}
	for _, v := range f.Vulnerable {
		rows = append(rows, v.Row)
	}
	return rows
}

func TestParseRowNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format Format
		data   []byte
		want   []int
	}{
		{"csv blank lines and rows", CSV, []byte(
			"序号,网格,楼栋,楼长,电话\n" +
				"1,桐柏路61号院,1号楼,王强,13900139000\n" +
				"\n" + // 3: blank line
				",,,,\n" + // 4: empty cells
				"5,,,,\n" + // 5: numbered in advance, nothing else
				"6,桐柏路61号院,2号楼,王强,13900139000\n"),
			[]int{2, 6}},
		{"csv quoted line breaks", CSV, []byte(
			"网格,楼栋,楼长,电话,备注\r\n" +
				"桐柏路61号院,1号楼,王强,13900139000,\"two\r\nlines\"\r\n" +
				"\"桐柏路\n61号院\",\"2\n号楼\",王强,13900139000,\r\n" +
				"桐柏路61号院,3号楼,王强,13900139000,\r\n"),
			[]int{2, 3, 4}},
		{"xlsx gaps", XLSX, xlsxFile(t,
			[]any{"网格", "楼栋", "楼长", "电话"},
			[]any{"桐柏路61号院", "1号楼", "王强", "13900139000"},
			nil,
			[]any{"  ", nil, "", nil},
			[]any{"桐柏路61号院", "2号楼", "王强", "13900139000"},
		), []int{2, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, Heads, tt.format, tt.data)
			if got := recordRows(f); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("records from rows %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseDays(t *testing.T) {
	t.Parallel()
	header := []any{"网格", "楼栋", "单元", "房号", "结果", "日期"}
	day := func(v any) [][]any {
		return [][]any{header, {"桐柏路61号院", "3号楼", 1, 101, "正常", v}}
	}
	date1904 := true
	tests := []struct {
		name   string
		data   []byte
		format Format
		want   string // "" for a row error
	}{
		{"csv dashes", []byte("日期,网格,楼栋,单元,房号,结果\n2026-11-28,桐柏路61号院,3号楼,1,101,正常\n"), CSV, "2026-11-28"},
		{"csv slashes", []byte("日期,网格,楼栋,单元,房号,结果\n2026/11/28,桐柏路61号院,3号楼,1,101,正常\n"), CSV, "2026-11-28"},
		{"csv one digit", []byte("日期,网格,楼栋,单元,房号,结果\n2026/1/5,桐柏路61号院,3号楼,1,101,正常\n"), CSV, "2026-01-05"},
		{"csv chinese", []byte("日期,网格,楼栋,单元,房号,结果\n2026年11月28日,桐柏路61号院,3号楼,1,101,正常\n"), CSV, "2026-11-28"},
		{"csv serial is no date", []byte("日期,网格,楼栋,单元,房号,结果\n46354,桐柏路61号院,3号楼,1,101,正常\n"), CSV, ""},
		{"csv 1999", []byte("日期,网格,楼栋,单元,房号,结果\n1999-12-31,桐柏路61号院,3号楼,1,101,正常\n"), CSV, ""},
		{"xlsx date cell", xlsxFile(t, day(time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC))...), XLSX, "2026-11-28"},
		{"xlsx date-time cell", xlsxFile(t, day(time.Date(2026, 11, 28, 18, 30, 0, 0, time.UTC))...), XLSX, "2026-11-28"},
		{"xlsx 1904 date cell", xlsxWith(t, &excelize.WorkbookPropsOptions{Date1904: &date1904},
			day(time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC))...), XLSX, "2026-11-28"},
		{"xlsx serial number", xlsxFile(t, day(46354)...), XLSX, "2026-11-28"},
		{"xlsx text", xlsxFile(t, day("2026年11月28日")...), XLSX, "2026-11-28"},
		{"xlsx number not a day", xlsxFile(t, day(2026.11)...), XLSX, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, errs, err := Parse(Screenings, tt.format, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(errs) != 1 || errs[0].Column != "日期" {
					t.Errorf("errors %+v, want one on 日期", errs)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("row errors %+v", errs)
			}
			if got := f.Screenings[0].Day; got != tt.want {
				t.Errorf("day %q, want %q", got, tt.want)
			}
		})
	}
}

// headsCSV is a heads file of n data rows, the last bad of them without a phone.
func headsCSV(n, bad int) []byte {
	var b strings.Builder
	b.WriteString("网格,楼栋,楼长,电话\n")
	for i := range n {
		phone := "13900139000"
		if i >= n-bad {
			phone = ""
		}
		fmt.Fprintf(&b, "桐柏路61号院,%d号楼,王强,%s\n", i+1, phone)
	}
	return []byte(b.String())
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	tooMany := RowError{Row: MaxRows + 2, Code: model.RowTooManyRows, Params: map[string]any{"max": MaxRows}, Error: "too many rows; split the file"}
	tests := []struct {
		name      string
		data      []byte
		wantLen   int
		wantErrs  int
		wantFinal *RowError // the last error
	}{
		{"at the limit", headsCSV(MaxRows, 0), MaxRows, 0, nil},
		{"blank rows after the limit", append(headsCSV(MaxRows, 0), ",,,\n\n,,,,20003\n"...), MaxRows, 0, nil},
		{"one row too many", headsCSV(MaxRows+1, 0), MaxRows, 1, &tooMany},
		{"errors capped", headsCSV(500, 300), 200, MaxErrors, nil},
		{"errors capped, too many rows kept", headsCSV(MaxRows+1, 300), MaxRows + 1 - 300, MaxErrors, &tooMany},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, errs, err := Parse(Heads, CSV, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if f.Len() != tt.wantLen || len(errs) != tt.wantErrs {
				t.Fatalf("Len() = %d with %d errors, want %d with %d", f.Len(), len(errs), tt.wantLen, tt.wantErrs)
			}
			if tt.wantFinal != nil && !reflect.DeepEqual(errs[len(errs)-1], *tt.wantFinal) {
				t.Errorf("last error %+v, want %+v", errs[len(errs)-1], *tt.wantFinal)
			}
		})
	}
}

func TestParseUnreadable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		kind   Kind
		format Format
		data   []byte
	}{
		{"csv body as xlsx", Heads, XLSX, []byte("网格,楼栋,楼长,电话\n")},
		{"truncated xlsx", Heads, XLSX, xlsxFile(t, []any{"网格"})[:100]},
		{"empty xlsx body", Heads, XLSX, nil},
		{"xlsx body as csv", Heads, CSV, xlsxFile(t, []any{"网格"})},
		{"utf-16 csv", Heads, CSV, []byte{0xFF, 0xFE, 'a', 0}},
		{"binary csv", Heads, CSV, []byte{0x81, 0xFF, 0xFF, 0x20}},
		{"bad utf-8 after bom", Heads, CSV, append([]byte{0xEF, 0xBB, 0xBF}, 0xB9, 0xFA)},
		{"too big", Heads, CSV, make([]byte, MaxBytes+1)},
		{"unknown kind", "quarantines", CSV, []byte("网格\n")},
		{"unknown format", Heads, "xls", []byte("网格\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, errs, err := Parse(tt.kind, tt.format, tt.data)
			if err == nil {
				t.Fatalf("no error; got %+v, %+v", f, errs)
			}
			if !strings.HasPrefix(err.Error(), "sheet: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestParseEncodings(t *testing.T) {
	t.Parallel()
	const text = "网格,楼栋,单元,房号,排查结果,备注\n桐柏路61号院,3号楼,1单元,101,正常,老人在家\n"
	want := []Screening{{Row: 2, Household: tongbai, Outcome: "normal", Note: "老人在家"}}
	tests := []struct {
		name string
		data []byte
	}{
		{"utf-8", []byte(text)},
		{"utf-8 with bom", append([]byte{0xEF, 0xBB, 0xBF}, text...)},
		{"gbk", gbk(t, text)},
		{"gbk crlf", gbk(t, strings.ReplaceAll(text, "\n", "\r\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, Screenings, CSV, tt.data)
			if !reflect.DeepEqual(f.Screenings, want) {
				t.Errorf("got %+v, want %+v", f.Screenings, want)
			}
		})
	}
}

func TestFormatOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		contentType string
		want        Format
		ok          bool
	}{
		{"text/csv", CSV, true},
		{"text/csv; charset=utf-8", CSV, true},
		{"Text/CSV;charset=GBK", CSV, true},
		{"application/csv", CSV, true},
		{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", XLSX, true},
		{" application/vnd.openxmlformats-officedocument.spreadsheetml.sheet ; name=a.xlsx", XLSX, true},
		{"application/vnd.ms-excel", "", false},
		{"application/json", "", false},
		{"text/plain", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			got, ok := FormatOf(tt.contentType)
			if got != tt.want || ok != tt.ok {
				t.Errorf("FormatOf(%q) = %q, %v; want %q, %v", tt.contentType, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestKindValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind Kind
		want bool
	}{
		{Screenings, true}, {Contacts, true}, {Heads, true}, {Vulnerable, true},
		{"", false}, {"Screenings", false}, {"quarantines", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			if got := tt.kind.Valid(); got != tt.want {
				t.Errorf("Valid() = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("网格,楼栋,单元,房号,排查结果,体温,日期,备注\n桐柏路61号院,3号楼,1单元,101,正常,36.5℃,2026年11月28日,\n"))
	f.Add([]byte("grid,building,unit,room,name,phone,category,visit_every_days\n\"a\nb\",\"x\"\"y\",1,2,n,123456,other,7天\n"))
	f.Add([]byte("网格,楼栋,楼长,电话,电话\n\n,,\n"))
	f.Add(gbk(f, "网格,楼栋,单元,房号,联系党员,党员电话\n小区,1号楼,1,101,李红,13800138000\n"))
	f.Add([]byte{0xEF, 0xBB, 0xBF, '"', 'a', '\r', '\n'})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, kind := range []Kind{Screenings, Contacts, Heads, Vulnerable} {
			file, errs, err := Parse(kind, CSV, data)
			if err != nil {
				continue
			}
			if len(errs) > MaxErrors {
				t.Fatalf("%d errors, more than %d", len(errs), MaxErrors)
			}
			for _, e := range errs {
				if e.Row < 1 || e.Error == "" {
					t.Fatalf("bad row error %+v", e)
				}
			}
			for _, n := range recordRows(file) {
				if n < 2 {
					t.Fatalf("record on row %d", n)
				}
			}
		}
	})
}

// TestCSVStrayQuoteRefused: one stray quote no longer swallows the rest of the file into a cell
// (1 of 200 rows imported and success reported); the line is named and the file refused.
func TestCSVStrayQuoteRefused(t *testing.T) {
	t.Parallel()
	lines := strings.Split(strings.TrimSuffix(string(headsCSV(200, 0)), "\n"), "\n")
	tests := []struct {
		name    string
		line    int // 1-based line with the stray quote
		bad     string
		wantRow int
	}{
		{"quote opening a cell", 3, `桐柏路61号院,"2号楼,王强,13900139000`, 3},
		{"quote inside a cell", 50, `桐柏路61号院,49号"楼,王强,13900139000`, 50},
		{"text after a closing quote", 200, `桐柏路61号院,"199号楼"x,王强,13900139000`, 200},
		{"after a quoted line break", 4, `桐柏路61号院,3号楼,王"强,13900139000`, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls := append([]string(nil), lines...)
			ls[tt.line-1] = tt.bad
			fileLine := tt.line // the line of the file, which a quoted line break moves on
			if tt.name == "after a quoted line break" {
				ls[1] = `桐柏路61号院,"1` + "\n" + `号楼",王强,13900139000`
				fileLine++
			}
			f, errs, err := Parse(Heads, CSV, []byte(strings.Join(ls, "\n")+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) == 0 {
				t.Fatalf("no row errors; %d of 200 rows read", f.Len())
			}
			last := errs[len(errs)-1]
			if last.Row != tt.wantRow || last.Code != model.RowMalformedCSV || last.Params["line"] != fileLine || !strings.Contains(last.Error, "malformed CSV in the row starting at line") {
				t.Errorf("last error %+v, want malformed CSV on row %d", last, tt.wantRow)
			}
		})
	}
}
