package sheet

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridmap/gridmap/sheet/sheettest"
)

// heapCap is the most heap parsing any file may take (issue 11, point 2).
const heapCap = 256 << 20

// peakHeap runs f and returns the most heap memory its objects took meanwhile, sampled every
// half millisecond (live and not yet swept, so an overestimate). Past 1 GiB it panics: a
// regression fails the test without taking the machine down with it.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var (
		peak uint64
		wg   sync.WaitGroup
	)
	done := make(chan struct{})
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > peak {
			peak = v
		}
		if peak > 1<<30 {
			panic(fmt.Sprintf("heap reached %d MiB while parsing", peak>>20))
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(500 * time.Microsecond)
		defer tick.Stop()
		for {
			read()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	read()
	return peak
}

// TestSheetBombRefused: each crafted workbook (the whole sheet declared with values in its far
// corner, a million shared strings, a 30-million-character cell, a 1 GiB zip bomb, a sheet of
// white space) is refused with the limit it breaks, and parsing it never takes 256 MB.
func TestSheetBombRefused(t *testing.T) {
	bombs, err := sheettest.Bombs()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bombs {
		t.Run(b.Name, func(t *testing.T) {
			var err error
			peak := peakHeap(func() { _, _, err = Parse(Heads, XLSX, b.Data) })
			t.Logf("%d KB file: peak heap %.1f MiB, error %v", len(b.Data)>>10, float64(peak)/(1<<20), err)
			var lim *LimitError
			if !errors.As(err, &lim) {
				t.Fatalf("error %v, want a LimitError on %s", err, b.Limit)
			}
			if lim.Limit != b.Limit || lim.TooLarge != b.TooLarge {
				t.Errorf("limit %q (too large: %v), want %q (%v)", lim.Limit, lim.TooLarge, b.Limit, b.TooLarge)
			}
			if peak > heapCap {
				t.Errorf("peak heap %d MiB, want under %d MiB", peak>>20, heapCap>>20)
			}
		})
	}
}

// TestSheetAtLimitsFitsHeap: the worst file the limits let through (shared strings and sheet
// just under their sizes, 20,000 rows, values out to column IV) is read whole under 256 MB.
func TestSheetAtLimitsFitsHeap(t *testing.T) {
	data, err := sheettest.AtLimits()
	if err != nil {
		t.Fatal(err)
	}
	var (
		f    *File
		errs []RowError
	)
	peak := peakHeap(func() { f, errs, err = Parse(Heads, XLSX, data) })
	t.Logf("%d KB file: peak heap %.1f MiB", len(data)>>10, float64(peak)/(1<<20))
	if err != nil || len(errs) > 0 {
		t.Fatalf("error %v, row errors %+v", err, errs)
	}
	if f.Len() != 20000 {
		t.Errorf("%d records, want 20000", f.Len())
	}
	if peak > heapCap {
		t.Errorf("peak heap %d MiB, want under %d MiB", peak>>20, heapCap>>20)
	}
}

// FuzzParseXLSX: no workbook makes Parse panic, take the limits' way round, or report a
// record or error on a row that cannot be.
func FuzzParseXLSX(f *testing.F) {
	heads, err := sheettest.Heads(3)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(heads)
	f.Add(xlsxFile(f, []any{"网格", "楼栋", "单元", "房号", "排查结果", "体温", "日期"},
		[]any{"桐柏路61号院", "3号楼", "1单元", 101, "正常", 36.5, 46354}))
	f.Add(xlsxFile(f, []any{"网格", "楼栋", "楼长", "电话", "电话"}, nil, []any{"=1", "@x"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, kind := range []Kind{Screenings, Heads} {
			file, errs, err := Parse(kind, XLSX, data)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "sheet: ") {
					t.Fatalf("error %q lacks the package prefix", err)
				}
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
				if n < 2 || n > MaxRows+1 {
					t.Fatalf("record on row %d", n)
				}
			}
		}
	})
}
