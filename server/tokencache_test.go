package server

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/store"
)

// TestTokenCacheSweep: a token revoked behind the cache's back (as on
// another instance) is forgotten at the next sweep, a live one is renewed
// and its use recorded, and an idle one past its TTL is dropped.
func TestTokenCacheSweep(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	st := db.Store
	conn, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	acc, err := st.CreateAccount(ctx, store.Actor{Name: "test"}, store.NewAccount{Username: "api-client", Role: auth.Viewer})
	if err != nil {
		t.Fatal(err)
	}
	var hashes [3][]byte
	var ids [3]int64
	for i := range hashes {
		_, hashes[i] = auth.NewToken("gmt_")
		tok, err := st.CreateToken(ctx, store.Actor{Name: "test"}, acc.ID, "test", hashes[i], time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = tok.ID
	}
	var c tokenCache
	now := time.Now()
	for _, h := range hashes {
		p, err := st.TokenPrincipal(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		c.put(h, p, now)
	}
	if err := c.sweep(ctx, st, now); err != nil { // records the three uses
		t.Fatal(err)
	}
	// Token 0 stays in use, token 1 is revoked elsewhere, token 2 idles.
	if _, err := conn.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, ids[1]); err != nil {
		t.Fatal(err)
	}
	later := now.Add(tokenSweep)
	for _, h := range hashes[:2] {
		if _, ok := c.get(h, later); !ok {
			t.Fatal("a cached token missed before its TTL")
		}
	}
	if err := c.sweep(ctx, st, later); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.get(hashes[1], later); ok {
		t.Error("a revoked token is still trusted after the sweep")
	}
	// Past the first TTL: token 0 was renewed by the sweep, token 2 was not used.
	past := now.Add(tokenTTL + time.Second)
	if p, ok := c.get(hashes[0], past); !ok || p.AccountID != acc.ID {
		t.Errorf("the token in use was not renewed: %v %+v", ok, p)
	}
	if err := c.sweep(ctx, st, past); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.m[string(hashes[2])]; ok {
		t.Error("an idle token past its TTL is still cached")
	}
	var used int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM api_tokens WHERE last_used_at > created_at AND id = $1`, ids[0]).Scan(&used); err != nil || used != 1 {
		t.Errorf("the sweep did not record the token's use: %d %v", used, err)
	}
}
