package server_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

// TestPartyBrowser: a grid leader on a 390×844 phone opens the 党建 tab of
// /grid/9: its branches and members as the API has them; 0.3 hours are
// refused on the page; 2 hours recorded through the form are held with
// their undo, then sent, and the member's hours this month and in all
// rise by 2 as the API has it; a second record is undone within its
// window and never stored; an in-service member registered through the
// form joins the list with their employer. Every control, with the forms
// open, is at least 44×44 px; zh-CN and English screenshots.
func TestPartyBrowser(t *testing.T) {
	e := newEnv(t, server.Config{TileURL: "", DefaultLang: "zh-CN"})
	_, password := e.account(t, "leader", auth.GridLeader, 9, 0)
	api := e.client(t, "leader-api", auth.GridLeader, 9)
	// The test database holds the demo without its field work: register
	// an in-service member of grid 9 and give them an hour of service.
	member := scalar[int64](t, e, `SELECT min(person_id) FROM party_members WHERE grid_id = 9 AND membership = 'in_service'`)
	fieldPost(t, api, fmt.Sprintf("/api/party-members/%d/registration", member), map[string]any{"employer": "郑州市自来水公司"}, 201)
	fieldPost(t, api, fmt.Sprintf("/api/party-members/%d/service", member), map[string]any{"hours": 1, "what": "防疫政策宣传"}, 201)
	var roster store.PartyRoster
	if st := api.get("/api/grids/9/party", &roster); st != 200 || len(roster.Branches) == 0 {
		t.Fatalf("roster of grid 9: %d %+v", st, roster)
	}
	var m store.PartyRosterMember
	for _, b := range roster.Branches {
		for _, x := range b.Members {
			if x.PersonID == member {
				m = x
			}
		}
	}
	if m.PersonID == 0 {
		t.Fatal("grid 9 has no registered in-service member")
	}

	ctx := openGridPageAs(t, e, "leader", password, 390, 844, true)
	openRecords(t, ctx, "branches")
	if n := eval[int](t, ctx, `document.querySelectorAll('#rec-branches .pb-branch').length`); n != len(roster.Branches) {
		t.Errorf("the page shows %d branches, the API %d", n, len(roster.Branches))
	}
	if s := eval[string](t, ctx, `document.querySelector('#rec-branches .pb-summary').dataset.members`); s != strconv.Itoa(roster.Totals.Members) {
		t.Errorf("the summary counts %s members, the API %d", s, roster.Totals.Members)
	}
	item := fmt.Sprintf(`#rec-branches .pb-member[data-person-id="%d"]`, m.PersonID)
	hours := func() (month, total float64) {
		v := eval[[]string](t, ctx, fmt.Sprintf(`(li => [li.dataset.hoursMonth, li.dataset.hoursTotal])(document.querySelector('%s'))`, item))
		month, _ = strconv.ParseFloat(v[0], 64)
		total, _ = strconv.ParseFloat(v[1], 64)
		return
	}
	month0, total0 := hours()
	if month0 != m.HoursMonth || total0 != m.HoursTotal {
		t.Errorf("member %d shown with %v/%v hours, the API %v/%v", m.PersonID, month0, total0, m.HoursMonth, m.HoursTotal)
	}
	if text := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s .rec-sub').textContent`, item)); !strings.Contains(text, *m.Employer) || !strings.Contains(text, "双报到") {
		t.Errorf("the member's line reads %q; want the employer %q and the registration", text, *m.Employer)
	}
	clickUntil(t, ctx, item+" .rec-head", "the member's form", visibleJS(item+" form.pb-service"))
	form := item + " form.pb-service"
	submitForm(t, ctx, form, map[string]string{"hours": "0.3", "what": "卡点值守"})
	if msg := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s .act-status').textContent`, form)); !strings.Contains(msg, "0.5 至 24") {
		t.Errorf("0.3 hours: the form says %q", msg)
	}
	submitForm(t, ctx, form, map[string]string{"hours": "2", "what": "卡点值守"})
	waitJS(t, ctx, "held with its undo", `[...document.querySelectorAll('.outbox-toast[data-state="held"] .outbox-undo')].some(b => !b.hidden)`, 5*time.Second)
	screenshot(t, ctx, "party-phone-held-zh")
	waitJS(t, ctx, "hours raised", fmt.Sprintf(`(li => !!li && Number(li.dataset.hoursTotal) === %v)(document.querySelector('%s'))`, total0+2, item), 20*time.Second)
	if month, _ := hours(); month != month0+2 {
		t.Errorf("hours this month shown %v after recording 2, were %v", month, month0)
	}
	if msg := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s .act-status').textContent`, form)); !strings.Contains(msg, "已记 2 小时") {
		t.Errorf("after saving the form says %q", msg)
	}
	api.get("/api/grids/9/party", &roster)
	for _, b := range roster.Branches {
		for _, x := range b.Members {
			if x.PersonID == m.PersonID && x.HoursTotal != total0+2 {
				t.Errorf("the API has %v hours in all, want %v", x.HoursTotal, total0+2)
			}
		}
	}
	// A second record, undone within its window: nothing stored.
	eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('%s').scrollIntoView({block: 'center'}), true`, form))
	submitForm(t, ctx, form, map[string]string{"hours": "3", "what": "入户排查"})
	waitJS(t, ctx, "the second held", `[...document.querySelectorAll('.outbox-toast[data-state="held"] .outbox-undo')].some(b => !b.hidden)`, 5*time.Second)
	clickSel(t, ctx, `.outbox-toast[data-state="held"] .outbox-undo`)
	waitJS(t, ctx, "undone", fmt.Sprintf(`document.querySelector('%s').dataset.state === 'undone'`, form), 5*time.Second)
	if n := scalar[int](t, e, `SELECT count(*) FROM party_service WHERE person_id = $1 AND what = '入户排查' AND created_at > now() - interval '1 minute'`, m.PersonID); n != 0 {
		t.Errorf("%d undone records stored", n)
	}

	// Register an in-service member with the community.
	clickSel(t, ctx, `#rec-branches .pb-register-open`)
	waitJS(t, ctx, "register form", `!!document.querySelector('#rec-branches form.pb-register-form')`, 5*time.Second)
	auditPage(t, ctx, "party-forms-open")
	eval[bool](t, ctx, `document.querySelector('#rec-branches form.pb-register-form').scrollIntoView({block: 'center'}), true`)
	submitForm(t, ctx, `#rec-branches form.pb-register-form`, map[string]string{"name": "钱驻区", "employer": "中原区税务局"})
	waitJS(t, ctx, "new member listed", `[...document.querySelectorAll('#rec-branches .pb-member')].some(li => li.textContent.includes('钱驻区') && li.textContent.includes('中原区税务局'))`, 20*time.Second)
	if n := scalar[int](t, e, `SELECT count(*) FROM party_registrations r JOIN people p ON p.id = r.person_id
		WHERE p.name = '钱驻区' AND r.employer = '中原区税务局' AND r.status = 'active'`); n != 1 {
		t.Errorf("%d active registrations of the new member", n)
	}
	eval[bool](t, ctx, `document.querySelector('#rec-branches .pb-register').scrollIntoView(), true`)
	screenshot(t, ctx, "party-phone-register-zh")

	// A second branch for the compound: set up, the member moved into
	// it, then made its secretary, all through the page.
	clickSel(t, ctx, `#rec-branches .pb-branch-add-open`)
	waitJS(t, ctx, "branch form", `!!document.querySelector('#rec-branches form.pb-branch-add')`, 5*time.Second)
	submitForm(t, ctx, `#rec-branches form.pb-branch-add`, map[string]string{"name": "桐柏路61号院第二党支部"})
	newBranch := `[...document.querySelectorAll('#rec-branches .pb-branch')].find(b => b.querySelector('.pb-branch-name').textContent === '桐柏路61号院第二党支部')`
	waitJS(t, ctx, "new branch listed", "!!"+newBranch, 20*time.Second)
	branchID := scalar[int64](t, e, `SELECT id FROM party_branches WHERE name = '桐柏路61号院第二党支部' AND grid_id = 9`)
	if !tryJS(ctx, fmt.Sprintf(`!!document.querySelector('%s form.pb-move')`, item), time.Second) {
		clickSel(t, ctx, item+" .rec-head")
	}
	waitJS(t, ctx, "move form", fmt.Sprintf(`!!document.querySelector('%s form.pb-move')`, item), 5*time.Second)
	eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('%s form.pb-move').scrollIntoView({block: 'center'}), true`, item))
	submitForm(t, ctx, item+" form.pb-move", map[string]string{"branch_id": strconv.FormatInt(branchID, 10)})
	inNew := fmt.Sprintf(`!!document.querySelector('#rec-branches .pb-branch[data-branch-id="%d"] .pb-member[data-person-id="%d"]')`, branchID, m.PersonID)
	waitJS(t, ctx, "member in the new branch", inNew, 20*time.Second)
	if got := scalar[int64](t, e, `SELECT branch_id FROM party_members WHERE person_id = $1`, m.PersonID); got != branchID {
		t.Errorf("member stored in branch %d, want %d", got, branchID)
	}
	head := fmt.Sprintf(`#rec-branches .pb-branch[data-branch-id="%d"]`, branchID)
	clickSel(t, ctx, head+" .pb-branch-edit-open")
	waitJS(t, ctx, "branch edit form", fmt.Sprintf(`!!document.querySelector('%s form.pb-branch-edit')`, head), 5*time.Second)
	auditPage(t, ctx, "party-branch-edit")
	submitForm(t, ctx, head+" form.pb-branch-edit", map[string]string{"secretary_id": strconv.FormatInt(m.PersonID, 10)})
	waitJS(t, ctx, "secretary shown", fmt.Sprintf(`document.querySelector('%s .pb-branch-head').textContent.includes('书记：%s')`, head, m.Name), 20*time.Second)
	if got := scalar[int64](t, e, `SELECT COALESCE(secretary_id, 0) FROM party_branches WHERE id = $1`, branchID); got != m.PersonID {
		t.Errorf("secretary stored %d, want %d", got, m.PersonID)
	}
	eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('%s').scrollIntoView(), true`, head))
	screenshot(t, ctx, "party-phone-branch-zh")
	eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('%s').scrollIntoView({block: 'center'}), true`, item))
	screenshot(t, ctx, "party-phone-zh")
	setLangEN(t, ctx)
	openRecords(t, ctx, "branches")
	screenshot(t, ctx, "party-phone-en")
	auditPage(t, ctx, "party-en")
}
