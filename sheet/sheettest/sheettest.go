// Package sheettest builds spreadsheets for tests in code: small valid workbooks written part by
// part, and the hostile files (bombs) the sheet package must refuse, so that nothing big is
// committed. It imports nothing of ours, so sheet's own tests can use it.
package sheettest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Part is one file inside an xlsx (a zip of XML parts).
type Part struct {
	Name  string
	Write func(w io.Writer) error // writes the part's content; may be large, it is streamed
}

// Text is a part whose content is s.
func Text(name, s string) Part {
	return Part{name, func(w io.Writer) error { _, err := io.WriteString(w, s); return err }}
}

// Zip compresses parts into one zip file, in order.
func Zip(parts ...Part) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.Name)
		if err != nil {
			return nil, err
		}
		if err := p.Write(w); err != nil {
			return nil, fmt.Errorf("sheettest: write %s: %w", p.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// The parts every workbook here has besides its first sheet and shared strings.
const (
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`
	rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	workbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	sstHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
)

// Workbook is an xlsx of one sheet: sheetXML goes inside <worksheet> (a <dimension> and
// <sheetData>), sst writes the <si> items of the shared-strings table, and extra parts follow.
func Workbook(sheetXML func(w io.Writer) error, sst func(w io.Writer) error, extra ...Part) ([]byte, error) {
	parts := []Part{
		Text("[Content_Types].xml", contentTypes),
		Text("_rels/.rels", rootRels),
		Text("xl/workbook.xml", workbook),
		Text("xl/_rels/workbook.xml.rels", workbookRels),
		{"xl/worksheets/sheet1.xml", func(w io.Writer) error {
			io.WriteString(w, sheetHead)
			if err := sheetXML(w); err != nil {
				return err
			}
			_, err := io.WriteString(w, `</worksheet>`)
			return err
		}},
		{"xl/sharedStrings.xml", func(w io.Writer) error {
			io.WriteString(w, sstHead)
			if err := sst(w); err != nil {
				return err
			}
			_, err := io.WriteString(w, `</sst>`)
			return err
		}},
	}
	return Zip(append(parts, extra...)...)
}

// Strings writes the shared strings ss.
func Strings(ss ...string) func(w io.Writer) error {
	return func(w io.Writer) error {
		for _, s := range ss {
			if _, err := fmt.Fprintf(w, "<si><t>%s</t></si>", s); err != nil {
				return err
			}
		}
		return nil
	}
}

// Heads is a valid heads file (网格, 楼栋, 楼长, 电话) of n data rows, all text in shared
// strings, written part by part. FuzzParseXLSX starts from it.
func Heads(n int) ([]byte, error) {
	ss := []string{"网格", "楼栋", "楼长", "电话", "桐柏路61号院", "王强"}
	sheet := func(w io.Writer) error {
		fmt.Fprintf(w, `<dimension ref="A1:D%d"/><sheetData>`, n+1)
		io.WriteString(w, `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>`)
		for r := 2; r <= n+1; r++ {
			fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="s"><v>4</v></c><c r="B%d" t="inlineStr"><is><t>%d号楼</t></is></c><c r="C%d" t="s"><v>5</v></c><c r="D%d"><v>13900139000</v></c></row>`,
				r, r, r, r-1, r, r)
		}
		_, err := io.WriteString(w, `</sheetData>`)
		return err
	}
	return Workbook(sheet, Strings(ss...))
}

// Bomb is a crafted file that must be refused, and the limit that refuses it.
type Bomb struct {
	Name     string
	Data     []byte // an xlsx
	Limit    string // the name of the limit, as sheet.LimitError gives it
	TooLarge bool   // refused for its size (HTTP 413), not for its shape (422)
}

// Bombs returns the hostile workbooks: each is at most a few MB compressed and would take
// gigabytes if a reader allocated for what it declares or unzips.
func Bombs() ([]Bomb, error) {
	var bombs []Bomb
	add := func(name, limit string, tooLarge bool, data []byte, err error) error {
		if err != nil {
			return fmt.Errorf("sheettest: %s: %w", name, err)
		}
		bombs = append(bombs, Bomb{name, data, limit, tooLarge})
		return nil
	}
	// The reported file: the whole sheet declared, and a valid row with a value in the last
	// column on every row, so a reader keeping rows as slices to the last column holds
	// 20,000 × 16,384 cells.
	far, err := Workbook(farCells(20000), Strings("网格", "楼栋", "楼长", "电话", "桐柏路61号院", "王强", "x"))
	if err := add("far cells, dimension XFD1048576", "columns", false, far, err); err != nil {
		return nil, err
	}
	// A large shared-strings table: 300,000 strings in 2 MB unzipped.
	sst, err := Workbook(farCells(1), manyStrings(300_000))
	if err := add("large shared strings", "shared strings", true, sst, err); err != nil {
		return nil, err
	}
	// One shared string of a million characters: one cell, far over any cell's length.
	long, err := Workbook(farCells(1), Strings("网格", "楼栋", "楼长", "电话", "桐柏路61号院", "王强", "x",
		strings.Repeat("=", 1<<20)))
	if err := add("one long shared string", "cell length", false, long, err); err != nil {
		return nil, err
	}
	// A zip bomb: 40 parts of 30 MiB of spaces each (1.2 GB in all, each part under its
	// limit), about 1 MB compressed.
	var media []Part
	for i := range 40 {
		media = append(media, Part{fmt.Sprintf("xl/media/image%d.png", i+1), spaces(30 << 20)})
	}
	zb, err := Workbook(farCells(1), Strings("x"), media...)
	if err := add("zip bomb", "unzipped size", true, zb, err); err != nil {
		return nil, err
	}
	// A zip bomb inside the sheet itself: 90 MB of white space, under a 100 MB unzip limit.
	ws, err := Workbook(func(w io.Writer) error {
		if err := spaces(90 << 20)(w); err != nil {
			return err
		}
		return farCells(1)(w)
	}, Strings("x"))
	if err := add("white-space sheet", "part size", true, ws, err); err != nil {
		return nil, err
	}
	return bombs, nil
}

// farCells writes a sheet declaring A1:XFD1048576 whose rows 2..n+1 are valid heads rows that
// also hold a value in column XFD; a value sits in the very last cell, XFD1048576.
func farCells(n int) func(w io.Writer) error {
	return func(w io.Writer) error {
		io.WriteString(w, `<dimension ref="A1:XFD1048576"/><sheetData>`)
		io.WriteString(w, `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>`)
		for r := 2; r <= n+1; r++ {
			fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="s"><v>4</v></c><c r="B%d"><v>%d</v></c><c r="C%d" t="s"><v>5</v></c><c r="D%d"><v>13900139000</v></c><c r="XFD%d" t="s"><v>6</v></c></row>`,
				r, r, r, r, r, r, r)
		}
		_, err := io.WriteString(w, `<row r="1048576"><c r="XFD1048576" t="s"><v>6</v></c></row></sheetData>`)
		return err
	}
}

// manyStrings writes the header strings and then n empty ones.
func manyStrings(n int) func(w io.Writer) error {
	return func(w io.Writer) error {
		if err := Strings("网格", "楼栋", "楼长", "电话", "桐柏路61号院", "王强", "x")(w); err != nil {
			return err
		}
		for range n {
			if _, err := io.WriteString(w, "<si/>"); err != nil {
				return err
			}
		}
		return nil
	}
}

// spaces writes n spaces (white space, so valid between XML elements).
func spaces(n int) func(w io.Writer) error {
	return func(w io.Writer) error {
		chunk := bytes.Repeat([]byte{' '}, 1<<20)
		for ; n > 0; n -= len(chunk) {
			if _, err := w.Write(chunk[:min(n, len(chunk))]); err != nil {
				return err
			}
		}
		return nil
	}
}

// AtLimits is the worst file that is accepted: a valid heads file of 20,000 rows whose first
// sheet (31 MB, values out to column IV, the last allowed, on every row), shared-strings table
// (100,000 distinct strings, 4 MB), styles (64,000 cell formats, 4 MB) and an 8 MB picture
// unzip to just under their limits.
func AtLimits() ([]byte, error) {
	const rows, extra = 20000, 40
	strs := func(w io.Writer) error {
		if err := Strings("网格", "楼栋", "楼长", "电话", "桐柏路61号院", "王强", "x")(w); err != nil {
			return err
		}
		for i := range 100_000 {
			if _, err := fmt.Fprintf(w, "<si><t>%07d%s</t></si>", i, strings.Repeat("x", 18)); err != nil {
				return err
			}
		}
		return nil
	}
	sheet := func(w io.Writer) error {
		io.WriteString(w, `<dimension ref="A1:IV20001"/><sheetData>`)
		io.WriteString(w, `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>`)
		for r := 2; r <= rows+1; r++ {
			fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="s"><v>4</v></c><c r="B%d"><v>%d</v></c><c r="C%d" t="s"><v>5</v></c><c r="D%d"><v>13900139000</v></c>`,
				r, r, r, r, r, r)
			for i := range extra {
				fmt.Fprintf(w, `<c r="%s%d" t="s"><v>%d</v></c>`, column(5+i), r, 7+((r-2)*extra+i)%100_000)
			}
			fmt.Fprintf(w, `<c r="IV%d" t="s"><v>6</v></c></row>`, r)
		}
		_, err := io.WriteString(w, `</sheetData>`)
		return err
	}
	styles := Part{"xl/styles.xml", func(w io.Writer) error {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="64000">`)
		for range 64_000 {
			io.WriteString(w, `<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`)
		}
		_, err := io.WriteString(w, `</cellXfs></styleSheet>`)
		return err
	}}
	return Workbook(sheet, strs, styles, Part{"xl/media/image1.png", spaces(8 << 20)})
}

// column is the name of column n (1 is A), for n up to 702 (ZZ).
func column(n int) string {
	if n <= 26 {
		return string(rune('A' + n - 1))
	}
	return string(rune('A'+(n-1)/26-1)) + string(rune('A'+(n-1)%26))
}
