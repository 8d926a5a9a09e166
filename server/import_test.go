package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
)

// householdRow names a household as a grid office's sheet does.
func householdRow(t *testing.T, e *env, household int64) []string {
	t.Helper()
	var grid, building, unit, room string
	if err := e.conn.QueryRow(context.Background(), `
		SELECT g.name, b.name, h.unit, h.room FROM households h JOIN buildings b ON b.id = h.building_id
		JOIN grids g ON g.id = b.grid_id WHERE h.id = $1`, household).Scan(&grid, &building, &unit, &room); err != nil {
		t.Fatal(err)
	}
	return []string{grid, building, unit, room}
}

// importCSV is a one-row screening sheet for household.
func importCSV(t *testing.T, e *env, household int64) string {
	return "网格,楼栋,单元,房号,排查结果,体温\n" + strings.Join(householdRow(t, e, household), ",") + ",正常,36.5\n"
}

// unscreened lists occupied households of grid with no report at all.
func unscreened(t *testing.T, e *env, grid int64, n int) []int64 {
	t.Helper()
	out := sqlList(t, e, `SELECT h.id FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = $1 AND h.status = 'occupied' AND NOT EXISTS (SELECT 1 FROM screenings s WHERE s.household_id = h.id)
		ORDER BY h.id LIMIT $2`, grid, n)
	if len(out) < n {
		t.Fatalf("grid %d has %d unscreened households, want %d", grid, len(out), n)
	}
	return out
}

// TestImportScreeningsCSV: a sheet of good rows is stored whole, the
// coverage figures take it in, and a retried upload counts once.
func TestImportScreeningsCSV(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Now())
	e := newEnv(t, server.Config{Clock: clk.now})
	leader := e.client(t, "imp-leader", auth.GridLeader, 9)
	hs := unscreened(t, e, 9, 3)
	var b strings.Builder
	b.WriteString("网格,楼栋,单元,房号,排查结果,体温,备注\n")
	for i, h := range hs {
		outcome := []string{"正常", "发热", "不在家"}[i]
		fmt.Fprintf(&b, "%s,%s,%s\n", strings.Join(householdRow(t, e, h), ","), outcome, []string{"36.6", "38.1", ""}[i]+",导入")
	}
	v, _, err := dial(t, e, leader, "")
	if err != nil {
		t.Fatal(err)
	}
	v.send(map[string]any{"type": "subscribe", "grid": 9, "topics": []string{"screening"}})
	v.next(15*time.Second, func(m message) bool { return m.Type == "snapshot" })
	id := cid()
	r := leader.do("POST", "/api/import/screenings?client_id="+id, upload{"text/csv; charset=utf-8", []byte(b.String())})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"imported":3`) {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	v.next(15*time.Second, func(m message) bool {
		return m.Type == "event" && m.Grid == 9 && strings.Contains(string(m.Data), `"kind":"import"`)
	})
	if n := scalar[int64](t, e, `SELECT count(*) FROM screenings WHERE household_id = ANY($1)`, hs); n != 3 {
		t.Errorf("%d screenings stored, want 3", n)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM alerts WHERE household_id = $1 AND kind = 'fever' AND resolved_at IS NULL`, hs[1]); n != 1 {
		t.Errorf("the fever row raised %d alerts, want 1", n)
	}
	checkCoverage(t, e, e.client(t, "imp-admin", auth.Admin, 0), clk, "after the import")
	again := leader.do("POST", "/api/import/screenings?client_id="+id, upload{"text/csv", []byte(b.String())})
	if again.Status != 200 || again.Header.Get("Idempotent-Replay") != "true" {
		t.Errorf("retried upload: %d %s", again.Status, again.Body)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM screenings WHERE household_id = ANY($1)`, hs); n != 3 {
		t.Errorf("after a retried upload %d screenings, want 3", n)
	}
}

// TestImportRefusesWholeFile: one bad row refuses the file with a report
// of every bad row, and nothing of it is stored.
func TestImportRefusesWholeFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "ref-leader", auth.GridLeader, 9)
	hs := unscreened(t, e, 9, 2)
	other := scalar[int64](t, e, `SELECT min(h.id) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.grid_id <> 9`)
	good := strings.Join(householdRow(t, e, hs[0]), ",")
	rows := []string{
		good + ",正常", // row 2: fine
		strings.Join(householdRow(t, e, hs[1]), ",") + ",很好", // row 3: unknown outcome (the sheet check)
	}
	body := "网格,楼栋,单元,房号,排查结果\n" + strings.Join(rows, "\n") + "\n"
	r := leader.do("POST", "/api/import/screenings?client_id="+cid(), upload{"text/csv", []byte(body)})
	if r.Status != 422 || !strings.Contains(string(r.Body), `"row":3`) {
		t.Errorf("a bad outcome: %d %s, want 422 naming row 3", r.Status, r.Body)
	}
	rows = []string{
		good + ",正常", // row 2: fine
		householdRow(t, e, hs[1])[0] + ",不存在的楼,1,101,正常",                         // row 3: no such building
		strings.Join(householdRow(t, e, other), ",") + ",正常",                     // row 4: another grid
		strings.Join(append(householdRow(t, e, hs[1])[:3], "9999"), ",") + ",正常", // row 5: no such room
	}
	body = "网格,楼栋,单元,房号,排查结果\n" + strings.Join(rows, "\n") + "\n"
	r = leader.do("POST", "/api/import/screenings?client_id="+cid(), upload{"text/csv", []byte(body)})
	var refused struct {
		Field string
		Rows  []struct {
			Row    int
			Column string
		}
	}
	json.Unmarshal(r.Body, &refused)
	got := map[int]string{}
	for _, x := range refused.Rows {
		got[x.Row] = x.Column
	}
	if r.Status != 422 || got[3] != "楼栋" || got[4] != "网格" || got[5] != "房号" || len(got) != 3 {
		t.Errorf("three bad rows: %d %s, want 422 naming rows 3 (楼栋), 4 (网格), 5 (房号), as the file's headers", r.Status, r.Body)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM screenings WHERE household_id = $1`, hs[0]); n != 0 {
		t.Errorf("the good row of a refused file was stored")
	}
	if r := leader.do("POST", "/api/import/screenings?client_id="+cid(), upload{"application/pdf", []byte("%PDF")}); r.Status != 415 {
		t.Errorf("a PDF: %d %s, want 415", r.Status, r.Body)
	}
	if r := leader.do("POST", "/api/import/screenings?client_id="+cid(), upload{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []byte("not a zip")}); r.Status != 400 {
		t.Errorf("a broken xlsx: %d %s, want 400", r.Status, r.Body)
	}
	if r := leader.do("POST", "/api/import/parcels?client_id="+cid(), upload{"text/csv", []byte(body)}); r.Status != 404 || r.Error.Field != "kind" {
		t.Errorf("an unknown kind: %d %s, want 404 naming kind", r.Status, r.Body)
	}
}

// TestImportContactsXLSX: an .xlsx of household-to-party-member links
// with Chinese headers sets the contacts and the contact coverage.
func TestImportContactsXLSX(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Now())
	e := newEnv(t, server.Config{Clock: clk.now})
	staff := e.client(t, "xlsx-staff", auth.Staff, 9)
	rows, err := e.conn.Query(context.Background(), `SELECT h.id FROM households h JOIN buildings b ON b.id = h.building_id
		WHERE b.grid_id = 9 AND h.contact_id IS NULL AND h.status = 'occupied' ORDER BY h.id LIMIT 2`)
	if err != nil {
		t.Fatal(err)
	}
	var hs []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		hs = append(hs, id)
	}
	if len(hs) < 2 {
		t.Skip("grid 9 has no household without a contact")
	}
	var member int64
	var name, phone string
	if err := e.conn.QueryRow(context.Background(), `SELECT p.id, p.name, p.phone FROM party_members m JOIN people p ON p.id = m.person_id
		WHERE m.grid_id = 9 AND p.phone IS NOT NULL AND NOT EXISTS (SELECT 1 FROM people q WHERE q.name = p.name AND q.id <> p.id) ORDER BY p.id LIMIT 1`).Scan(&member, &name, &phone); err != nil {
		t.Fatal(err)
	}
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	f.SetSheetRow(sheet, "A1", &[]any{"网格", "楼栋", "单元", "房号", "联系党员", "党员电话"})
	for i, h := range hs {
		row := householdRow(t, e, h)
		f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+2), &[]any{row[0], row[1], row[2], row[3], name, phone})
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	r := staff.do("POST", "/api/import/contacts?client_id="+cid(), upload{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes()})
	if r.Status != 200 {
		t.Fatalf("xlsx import: %d %s", r.Status, r.Body)
	}
	if n := scalar[int64](t, e, `SELECT count(*) FROM households WHERE id = ANY($1) AND contact_id = $2`, hs, member); n != 2 {
		t.Errorf("%d households linked, want 2", n)
	}
	checkCoverage(t, e, e.client(t, "xlsx-admin", auth.Admin, 0), clk, "after the contacts import")
}

// TestImportErrorReportCapped: a file of 3,000 rows naming no household
// is refused with a report of at most 500 rows, saying how many there
// were (the sheet's own checks stop at 200).
func TestImportErrorReportCapped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "cap-leader", auth.GridLeader, 9)
	row := strings.Join(append(householdRow(t, e, unscreened(t, e, 9, 1)[0])[:3], "9999"), ",") + ",正常\n" // no such room
	body := "网格,楼栋,单元,房号,排查结果\n" + strings.Repeat(row, 3000)
	r := leader.do("POST", "/api/import/screenings?client_id="+cid(), upload{"text/csv", []byte(body)})
	var rep struct {
		Rows      []json.RawMessage
		RowsTotal int  `json:"rows_total"`
		Truncated bool `json:"truncated"`
	}
	json.Unmarshal(r.Body, &rep)
	if r.Status != 422 || len(rep.Rows) != 500 || rep.RowsTotal != 3000 || !rep.Truncated || len(r.Body) > 200_000 {
		t.Errorf("3,000 bad rows: %d, %d rows listed of %d (truncated %v), %d bytes; want 422, 500 of 3000, truncated, under 200 kB",
			r.Status, len(rep.Rows), rep.RowsTotal, rep.Truncated, len(r.Body))
	}
}

// TestImportHeadsCSV: a sheet of building heads, named by name and phone
// (the phone written with spaces), makes the person the building's head.
// (Every heads import once failed with an SQL syntax error.)
func TestImportHeadsCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	leader := e.client(t, "heads-leader", auth.GridLeader, 9)
	var building int64
	var grid, name string
	if err := e.conn.QueryRow(context.Background(), `SELECT b.id, g.name, b.name FROM buildings b JOIN grids g ON g.id = b.grid_id
		WHERE b.grid_id = 9 ORDER BY b.id LIMIT 1`).Scan(&building, &grid, &name); err != nil {
		t.Fatal(err)
	}
	var person int64
	var pname, phone string
	if err := e.conn.QueryRow(context.Background(), `SELECT p.id, p.name, p.phone FROM people p WHERE p.phone ~ '^[0-9]{11}$'
		AND NOT EXISTS (SELECT 1 FROM people q WHERE q.name = p.name AND q.id <> p.id) ORDER BY p.id LIMIT 1`).Scan(&person, &pname, &phone); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("网格,楼栋,楼栋长,电话\n%s,%s,%s,%s %s\n", grid, name, pname, phone[:3], phone[3:])
	r := leader.do("POST", "/api/import/heads?client_id="+cid(), upload{"text/csv", []byte(body)})
	if r.Status != 200 {
		t.Fatalf("heads import: %d %s", r.Status, r.Body)
	}
	if got := scalar[int64](t, e, `SELECT COALESCE(head_id, 0) FROM buildings WHERE id = $1`, building); got != person {
		t.Errorf("building %d has head %d, want %d", building, got, person)
	}
}
