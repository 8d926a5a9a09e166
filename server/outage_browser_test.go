package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/server"
	"github.com/gridmap/gridmap/store"
)

// TestFieldBrowserDatabaseOutage: PostgreSQL goes out of reach while a
// leader's page is open and a screening report is sent: the page says the
// server is unavailable, keeps the report, and sends it when the database
// is back; it is stored exactly once.
func TestFieldBrowserDatabaseOutage(t *testing.T) {
	var proxy *cutProxy
	e := newEnvWith(t, server.Config{TileURL: "", DefaultLang: "zh-CN"}, func(db *testdb.DB) *store.Store {
		host := strings.SplitN(strings.SplitN(db.URL, "@", 2)[1], "/", 2)[0]
		proxy = newCutProxy(t, host)
		st, err := store.Open(context.Background(), strings.Replace(db.URL, host, proxy.addr, 1))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		return st
	})
	api := e.client(t, "leader-api", auth.GridLeader, 9)
	var gaps gapsAnswer
	api.get("/api/grids/9/gaps", &gaps)
	ids := households(gaps.Unscreened)
	if len(ids) == 0 {
		t.Fatal("grid 9 has no unscreened household")
	}
	ctx := openGridPage(t, e, 1280, 860, false)
	mine := ids[0]
	item := fmt.Sprintf(`#gap-panel .gap-item[data-id="%d"]`, mine)
	clickUntil(t, ctx, item+" .gap-item-head", "the household's form", visibleJS(item+" form.act-screen"))
	eval[bool](t, ctx, fmt.Sprintf(`(f => (f.elements.outcome.value = 'normal', f.elements.temperature.value = '36.6', true))(document.querySelector('%s form.act-screen'))`, item))

	proxy.cut()
	clickSubmit(t, ctx, item+" form.act-screen")
	// The server answers 503 once its pool gives up on the database; on a
	// loaded machine the page's own timeout may come first, and the bar
	// then says the write waits for the connection. Either way it says so.
	waitJS(t, ctx, "the unavailable notice", `(b => b.n === 1 && ((b.reason === 'server' && b.text.includes('服务器暂时不可用')) || (b.reason === 'offline' && b.text.includes('离线'))))(`+outboxBarJS+`)`, 20*time.Second)
	screenshot(t, ctx, "grid-db-outage-zh")
	if n := scalar[int64](t, e, `SELECT count(*) FROM screenings WHERE household_id = $1`, mine); n != 0 {
		t.Fatalf("%d screenings stored while the database was out of reach", n)
	}
	if still := eval[bool](t, ctx, fmt.Sprintf(`!!document.querySelector('%s form.act-screen')`, item)); !still {
		t.Errorf("the report's form is gone while it is unsent")
	}

	proxy.restore(t)
	waitJS(t, ctx, "the report sent once the database is back", fmt.Sprintf(`!document.querySelector('.gap-item[data-id="%d"]')`, mine), 30*time.Second)
	waitJS(t, ctx, "the notice gone", `document.getElementById('outbox-bar').hidden`, 20*time.Second)
	if n := scalar[int64](t, e, `SELECT count(*) FROM screenings WHERE household_id = $1`, mine); n != 1 {
		t.Errorf("%d screenings stored for the household, want exactly 1", n)
	}
}
