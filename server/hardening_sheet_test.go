package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/sheet/sheettest"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// TestHardeningSheetBombRefused: each crafted workbook is answered 413 (size) or 422 (shape)
// with a JSON body naming the limit, and nothing is imported.
func TestHardeningSheetBombRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "bomb-leader", auth.GridLeader, 9)
	leader.lang = "en" // the English message names the limit as the code does
	bombs, err := sheettest.Bombs()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bombs {
		t.Run(b.Name, func(t *testing.T) {
			r := leader.do("POST", "/api/import/heads?client_id="+cid(), upload{xlsxType, b.Data})
			want := 422
			if b.TooLarge {
				want = 413
			}
			var body struct{ Code, Error, Field, Limit string }
			if err := json.Unmarshal(r.Body, &body); err != nil || r.Status != want {
				t.Fatalf("%d %s, want %d (%v)", r.Status, r.Body, want, err)
			}
			wantCode := "limit_" + strings.ReplaceAll(b.Limit, " ", "_") // one code for each limit
			if body.Field != "body" || body.Code != wantCode || body.Limit != b.Limit || !strings.Contains(body.Error, b.Limit) {
				t.Errorf("body %s, want field body naming the limit on %s", r.Body, b.Limit)
			}
		})
	}
}

// TestHardeningCSVStrayQuoteRefused: a CSV of 200 rows with one stray quote is answered 422
// naming the line, and not one row is stored.
func TestHardeningCSVStrayQuoteRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "quote-leader", auth.GridLeader, 9)
	hs := unscreened(t, e, 9, 3)
	var b strings.Builder
	b.WriteString("网格,楼栋,单元,房号,排查结果\n")
	for i, h := range hs {
		row := householdRow(t, e, h)
		if i == 1 {
			row[1] = `"` + row[1] // the stray quote, on line 3
		}
		b.WriteString(strings.Join(row, ",") + ",正常\n")
	}
	r := leader.do("POST", "/api/import/screenings?client_id="+cid(), upload{"text/csv", []byte(b.String())})
	if r.Status != 422 || !strings.Contains(string(r.Body), `"row":3`) || !strings.Contains(string(r.Body), "starting at line 3") {
		t.Fatalf("%d %s, want 422 naming line 3", r.Status, r.Body)
	}
	var n int
	if err := e.conn.QueryRow(context.Background(), `SELECT count(*) FROM screenings WHERE household_id = ANY($1)`, hs).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d screenings stored, want none", n)
	}
}
