package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/gridmap/gridmap/model"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// table is the first sheet of a file as read for one kind of import: where its columns are,
// and its data rows.
type table struct {
	layout     []field
	cols       map[string]position // nil until the header row is read; indexes into row.cells
	picks      []int               // the file's column of each cell a row keeps
	headerErrs []RowError
	rows       []row     // rows with a value in a known column, up to row MaxRows+1
	stop       *RowError // why reading stopped early: too many rows, or a malformed CSV line
	dates      dates
}

// row is one data row and its 1-based spreadsheet row number.
type row struct {
	n     int
	cells []string // the cells of the known columns, in the order of table.picks
}

// add takes row n of the sheet, the first one being the header. A row whose known columns
// are all empty is skipped, so a 序号 column numbered in advance makes no rows. add reports
// false once a row lies beyond the limit: reading can stop there. A row beyond the column or
// cell-length limits is an error. A row keeps only the cells of known columns, so columns
// nobody reads hold no memory.
func (t *table) add(n int, cells []string) (bool, error) {
	if err := checkCells(n, cells); err != nil {
		return false, err
	}
	if t.cols == nil {
		t.header(cells)
		return true, nil
	}
	kept := make([]string, len(t.picks))
	for i, c := range t.picks {
		if c < len(cells) {
			kept[i] = cells[c]
		}
	}
	switch {
	case blank(kept):
	case n > MaxRows+1:
		t.stop = &RowError{Row: MaxRows + 2, Code: model.RowTooManyRows, Params: map[string]any{"max": MaxRows},
			Error: "too many rows; split the file"}
		return false, nil
	default:
		t.rows = append(t.rows, row{n: n, cells: kept})
	}
	return true, nil
}

// header maps the header row to the known columns, and numbers them as rows keep them.
func (t *table) header(cells []string) {
	t.cols, t.headerErrs = mapHeader(t.layout, cells)
	for name, p := range t.cols {
		t.picks = append(t.picks, p.index)
		p.index = len(t.picks) - 1
		t.cols[name] = p
	}
}

// blank reports whether every cell is empty or white space.
func blank(cells []string) bool {
	for _, s := range cells {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// readCSV reads a CSV file into t. Row numbers are those Excel shows for the file: a blank
// line is a row, and a line break inside a quoted cell is not a new row. Quotes are strict: a
// stray quote would otherwise swallow the lines after it into one cell, so a malformed line
// stops reading with a row error that names it, and the file is refused.
func readCSV(data []byte, t *table) error {
	text, err := decodeText(data)
	if err != nil {
		return err
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1 // rows may be shorter or longer than the header, as Excel writes them
	inCell := 0            // lines so far that continue a quoted cell
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			t.stop = &RowError{Row: perr.StartLine - inCell, Code: model.RowMalformedCSV,
				Params: map[string]any{"line": perr.StartLine}, Error: fmt.Sprintf(
					"malformed CSV in the row starting at line %d of the file: %v; a cell holding a quote must be in quotes, with the quote doubled",
					perr.StartLine, perr.Err)}
			return nil
		}
		if err != nil {
			return fmt.Errorf("sheet: read csv: %w", err)
		}
		first, _ := r.FieldPos(0)
		last, _ := r.FieldPos(len(rec) - 1)
		if more, err := t.add(first-inCell, rec); !more || err != nil {
			return err
		}
		inCell += last + strings.Count(rec[len(rec)-1], "\n") - first
	}
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeText returns CSV bytes as UTF-8 text. Excel saves "CSV UTF-8" with a byte order mark
// and plain "CSV" on Chinese Windows in GBK, which GB18030 decodes.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "", errors.New("sheet: read csv: this is an xlsx file, not CSV")
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return "", errors.New("sheet: read csv: UTF-16 text; save the file as CSV UTF-8")
	case bytes.IndexByte(data, 0) >= 0:
		return "", errors.New("sheet: read csv: not a text file")
	}
	if rest, ok := bytes.CutPrefix(data, utf8BOM); ok {
		if !utf8.Valid(rest) {
			return "", errors.New("sheet: read csv: not valid UTF-8 after the byte order mark")
		}
		return string(rest), nil
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	text, err := simplifiedchinese.GB18030.NewDecoder().String(string(data))
	if err != nil {
		return "", fmt.Errorf("sheet: read csv: decode GB18030: %w", err)
	}
	if strings.ContainsRune(text, utf8.RuneError) {
		return "", errors.New("sheet: read csv: neither UTF-8 nor GBK/GB18030 text")
	}
	return text, nil
}

// readXLSX reads the first sheet of a workbook into t, row by row, after checkZip has passed
// it. Cells are read raw, without their number
// formats: a phone number stays all digits, and a date cell gives its serial number, which
// dates.parse converts.
func readXLSX(data []byte, t *table) error {
	if err := checkZip(data); err != nil {
		return err
	}
	// A worksheet over MaxXMLPartBytes is unzipped to a temporary file, which Close removes,
	// and read from there rather than held in memory; the parts read whole stay in memory.
	f, err := excelize.OpenReader(bytes.NewReader(data),
		excelize.Options{UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: MaxXMLPartBytes + 1})
	if err != nil {
		return fmt.Errorf("sheet: open xlsx: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return errors.New("sheet: open xlsx: the workbook has no sheets")
	}
	props, err := f.GetWorkbookProps()
	if err != nil {
		return fmt.Errorf("sheet: open xlsx: workbook properties: %w", err)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return fmt.Errorf("sheet: read xlsx sheet %q: %w", sheets[0], err)
	}
	defer rows.Close()
	t.dates = dates{serial: true, date1904: props.Date1904 != nil && *props.Date1904}
	// Next steps through every row number, giving gaps in the sheet as empty rows.
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return fmt.Errorf("sheet: read xlsx sheet %q row %d: %w", sheets[0], n, err)
		}
		if more, err := t.add(n, cells); !more || err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return fmt.Errorf("sheet: read xlsx sheet %q: %w", sheets[0], err)
	}
	return nil
}
