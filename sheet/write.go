package sheet

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Table is one sheet of an exported workbook: its name (at most 31
// characters, as Excel allows), a header row, the rows, and optionally
// each column's width in characters. A cell is a string, an integer, a
// float64 or a *float64 (nil: left empty).
type Table struct {
	Name   string
	Header []string
	Rows   [][]any
	Widths []float64
}

// WriteXLSX writes tables as the sheets of one .xlsx workbook to w: the
// header bold and frozen, every text cell through EscapeFormula (a name
// or note someone typed as "=cmd|..." must reach the grid office as
// text). Rows are streamed, so a city's 50,000 rows do not build a
// document in memory first.
func WriteXLSX(w io.Writer, tables []Table) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF8"}}})
	if err != nil {
		return fmt.Errorf("sheet: header style: %w", err)
	}
	for i, t := range tables {
		name := t.Name
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return fmt.Errorf("sheet: name %q: %w", name, err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("sheet: new sheet %q: %w", name, err)
		}
		if err := writeTable(f, t, bold); err != nil {
			return fmt.Errorf("sheet: %q: %w", name, err)
		}
	}
	return f.Write(w)
}

func writeTable(f *excelize.File, t Table, headerStyle int) error {
	sw, err := f.NewStreamWriter(t.Name)
	if err != nil {
		return err
	}
	for i, width := range t.Widths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := make([]any, len(t.Header))
	for i, h := range t.Header {
		header[i] = excelize.Cell{StyleID: headerStyle, Value: EscapeFormula(h)}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	cells := make([]any, 0, len(t.Header))
	for r, row := range t.Rows {
		cells = cells[:0]
		for _, v := range row {
			cells = append(cells, cellValue(v))
		}
		at, err := excelize.CoordinatesToCellName(1, r+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(at, cells); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// cellValue is what a cell holds: text escaped, numbers as numbers, a nil
// *float64 empty.
func cellValue(v any) any {
	switch x := v.(type) {
	case string:
		return EscapeFormula(x)
	case *float64:
		if x == nil {
			return nil
		}
		return *x
	default:
		return x
	}
}
