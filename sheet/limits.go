package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/gridmap/gridmap/model"
	"github.com/xuri/excelize/v2"
)

// Limits on what a file may hold besides MaxRows and MaxBytes. An xlsx is a zip of XML parts,
// so its 10 MiB may unzip to gigabytes, and excelize reads the shared strings, styles and
// other parts whole: the sizes are checked in the zip's directory before excelize sees the
// file, and the shared strings are counted in a stream. The first sheet is read row by row
// and never as a whole, so its declared dimension (up to A1:XFD1048576) costs nothing.
// Together they keep the heap of the worst file well under 256 MB.
const (
	// MaxUnzipped is the most all parts of an xlsx may unzip to. A sheet of MaxRows rows of
	// thirty columns unzips to about 30 MiB.
	MaxUnzipped = 48 << 20
	// MaxPartBytes is the most a worksheet or a picture may unzip to. Worksheets are read as a
	// stream, pictures not at all, but excelize keeps their bytes.
	MaxPartBytes = 32 << 20
	// MaxXMLPartBytes is the most any other part may unzip to: excelize decodes the shared
	// strings, styles, theme and workbook whole, into several times their size. 4 MiB holds
	// 150,000 shared strings of a name's length, or Excel's 64,000 cell formats.
	MaxXMLPartBytes = 4 << 20
	// MaxParts is the most files an xlsx may hold.
	MaxParts = 1000
	// MaxSharedStrings is the most strings the shared-strings table may hold: ten distinct
	// texts on each of MaxRows rows.
	MaxSharedStrings = 10 * MaxRows
	// MaxColumns is the most columns a sheet may use (A to IV, as .xls allowed).
	MaxColumns = 256
	// MaxCellChars is the longest cell, in characters: Excel's own limit.
	MaxCellChars = 32767
)

// LimitError is a file refused for going beyond one of the limits on what a file may hold.
type LimitError struct {
	Limit    string // the limit's name: "unzipped size", "part size", "parts", "shared strings", "columns", "cell length" or "file size"
	Max      int64  // its value
	Detail   string // what the file holds, e.g. "row 3 has a value in column XFD"
	TooLarge bool   // a limit on size (HTTP 413), not on the sheet's shape (422)
}

// As makes the error a model.Error for errors.As, so one mapper answers
// it: too large (413) for a size, unprocessable (422) for the sheet's
// shape, on the field "body", with the limit and its value as details.
func (e *LimitError) As(target any) bool {
	t, ok := target.(**model.Error)
	if ok {
		kind := model.Unprocessable
		if e.TooLarge {
			kind = model.TooLarge
		}
		*t = &model.Error{Kind: kind, Field: "body", Msg: strings.TrimPrefix(e.Error(), "sheet: "),
			Code: model.LimitCode(e.Limit), Params: map[string]any{"max": e.Max},
			Details: map[string]any{"limit": e.Limit, "max": e.Max}}
	}
	return ok
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("sheet: %s; the limit on %s is %d", e.Detail, e.Limit, e.Max)
}

// checkZip refuses an xlsx whose parts unzip to too much, or whose shared-strings table holds
// too many strings or too long a one, before excelize reads any of it.
func checkZip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("sheet: open xlsx: %w", err)
	}
	if len(zr.File) > MaxParts {
		return &LimitError{"parts", MaxParts, fmt.Sprintf("the xlsx holds %d files", len(zr.File)), true}
	}
	// The directory's sizes are binding: archive/zip fails a part that unzips to more.
	var total uint64
	for _, f := range zr.File {
		if max := partLimit(f.Name); f.UncompressedSize64 > max {
			return &LimitError{"part size", int64(max),
				fmt.Sprintf("%s unzips to %d bytes", f.Name, f.UncompressedSize64), true}
		}
		if total += f.UncompressedSize64; total > MaxUnzipped {
			return &LimitError{"unzipped size", MaxUnzipped,
				fmt.Sprintf("the xlsx unzips to more than %d bytes", total), true}
		}
	}
	for _, f := range zr.File {
		// excelize reads the table from this name, in any case and with either slash.
		if strings.EqualFold(strings.ReplaceAll(f.Name, `\`, "/"), "xl/sharedStrings.xml") {
			return checkSharedStrings(f)
		}
	}
	return nil
}

// partLimit is the most the part called name may unzip to.
func partLimit(name string) uint64 {
	name = strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
	if strings.HasPrefix(name, "xl/worksheets/") || strings.HasPrefix(name, "xl/media/") {
		return MaxPartBytes
	}
	return MaxXMLPartBytes
}

// checkSharedStrings counts the strings of the shared-strings table f and their characters,
// token by token.
func checkSharedStrings(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("sheet: open xlsx: shared strings: %w", err)
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	n, chars, in := 0, 0, false
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sheet: open xlsx: shared strings: %w", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "si" {
				if n++; n > MaxSharedStrings {
					return &LimitError{"shared strings", MaxSharedStrings,
						fmt.Sprintf("the shared-strings table holds more than %d strings", MaxSharedStrings), true}
				}
				chars, in = 0, true
			}
		case xml.EndElement:
			in = in && tok.Name.Local != "si"
		case xml.CharData:
			if chars += utf8.RuneCount(tok); in && chars > MaxCellChars {
				return &LimitError{"cell length", MaxCellChars,
					fmt.Sprintf("shared string %d is over %d characters long", n, MaxCellChars), false}
			}
		}
	}
}

// checkCells refuses row n when it has a value beyond column MaxColumns or a cell longer than
// MaxCellChars characters.
func checkCells(n int, cells []string) error {
	last := len(cells)
	for last > MaxColumns && cells[last-1] == "" {
		last--
	}
	if last > MaxColumns {
		col, _ := excelize.ColumnNumberToName(last)
		return &LimitError{"columns", MaxColumns, fmt.Sprintf("row %d has a value in column %s", n, col), false}
	}
	for i, s := range cells[:last] {
		if len(s) > MaxCellChars && utf8.RuneCountInString(s) > MaxCellChars {
			col, _ := excelize.ColumnNumberToName(i + 1)
			return &LimitError{"cell length", MaxCellChars,
				fmt.Sprintf("cell %s%d is %d characters long", col, n, utf8.RuneCountInString(s)), false}
		}
	}
	return nil
}
