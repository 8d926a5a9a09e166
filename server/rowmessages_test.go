package server

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/gridmap/gridmap/model"
)

// TestImportRowCatalogueIsComplete walks the catalogue of row problems: every
// code has a sentence in both languages, Chinese in zh-CN and none in en,
// naming only parameters some row error gives; and it holds no code that
// model.AllRowCodes does not list.
func TestImportRowCatalogueIsComplete(t *testing.T) {
	known := map[string]bool{"n": true, "max": true, "value": true, "choices": true, "values": true, "row": true,
		"a": true, "b": true, "headers": true, "line": true}
	codes := map[model.RowCode]bool{}
	for _, c := range model.AllRowCodes() {
		if codes[c] {
			t.Errorf("row code %q listed twice", c)
		}
		codes[c] = true
	}
	for _, lang := range []string{langZH, langEN} {
		cat := rowMessages[lang]
		for c := range codes {
			s := cat[c]
			switch {
			case s == "":
				t.Errorf("%s: no sentence for row code %q", lang, c)
			case hasHan(s) != (lang == langZH):
				t.Errorf("%s: %q is in the wrong language: %q", lang, c, s)
			case lang == langZH && regexp.MustCompile(`[A-Za-z]{2,}`).MatchString(placeholder.ReplaceAllString(s, "")):
				t.Errorf("zh-CN: %q has English words: %q", c, s)
			}
			for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
				if !known[m[1]] {
					t.Errorf("%s: %q names {%s}, which no row error gives", lang, c, m[1])
				}
			}
		}
		for c := range cat {
			if !codes[c] {
				t.Errorf("%s: %q is not in model.AllRowCodes", lang, c)
			}
		}
	}
	if len(rowMessages) != 2 {
		t.Errorf("%d languages in the row catalogue, want zh-CN and en", len(rowMessages))
	}
}

// TestImportLocalRows: in zh-CN a row says its code's sentence with its params
// and keeps its English in detail; in English it is unchanged; a row
// without a sentence of its own gets the catalogue's English; the rows
// given are not changed.
func TestImportLocalRows(t *testing.T) {
	rows := []model.RowError{
		{Row: 3, Column: "备注", Code: model.RowTooLong, Params: map[string]any{"n": 501, "max": 500},
			Error: "too long: 501 characters, want at most 500"},
		{Row: 4, Column: "楼栋", Code: model.RowUnknownBuilding, Error: "no building of this name in the grid"},
		{Row: 5, Column: "x", Code: "no_such_code", Error: "something else"},
	}
	before := append([]model.RowError(nil), rows...)
	zh := localRows(langZH, rows)
	want := []model.RowError{
		{Row: 3, Column: "备注", Code: model.RowTooLong, Params: map[string]any{"n": 501, "max": 500},
			Error: "内容太长：501 个字，最多 500 个字", Detail: "too long: 501 characters, want at most 500"},
		{Row: 4, Column: "楼栋", Code: model.RowUnknownBuilding, Error: "网格中没有这个楼栋", Detail: "no building of this name in the grid"},
		{Row: 5, Column: "x", Code: "no_such_code", Error: "something else"},
	}
	if !reflect.DeepEqual(zh, want) {
		t.Errorf("zh-CN:\n got  %+v\n want %+v", zh, want)
	}
	if en := localRows(langEN, rows); !reflect.DeepEqual(en, before) {
		t.Errorf("en: %+v, want the rows unchanged", en)
	}
	if !reflect.DeepEqual(rows, before) {
		t.Errorf("the rows given changed: %+v", rows)
	}
	if en := localRows(langEN, []model.RowError{{Row: 2, Code: model.RowRequired}}); en[0].Error != "empty; required" {
		t.Errorf("a row without English says %q", en[0].Error)
	}
}
