package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// A bearer token's principal is trusted from memory for tokenTTL after it
// was last checked against the database. Devices post every second or
// two; without the cache each post would be a database round trip. Every
// tokenSweep the cache rechecks all its tokens in one query (and records
// their use), so a token revoked on another instance stops working here
// within tokenSweep, and 20,000 devices never fall out of the cache at
// once into 20,000 queries. One revoked here stops at once.
const (
	tokenTTL   = 30 * time.Second
	tokenSweep = 10 * time.Second
)

// tokenCache remembers the principals of recently used bearer tokens,
// keyed by the token's hash.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]*cachedPrincipal
}

type cachedPrincipal struct {
	p       auth.Principal
	checked time.Time // last confirmed live in the database
	used    bool      // used since the last sweep
}

func (c *tokenCache) get(hash []byte, now time.Time) (auth.Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[string(hash)]
	if !ok || now.Sub(e.checked) > tokenTTL {
		return auth.Principal{}, false
	}
	e.used = true
	return e.p, true
}

func (c *tokenCache) put(hash []byte, p auth.Principal, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 200_000 {
		c.m = map[string]*cachedPrincipal{} // bounded: start over rather than grow
	}
	c.m[string(hash)] = &cachedPrincipal{p: p, checked: now, used: true} // put follows a use
}

// clear forgets every token, after a revocation or an account change.
func (c *tokenCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// sweep rechecks every cached token in one query: revoked ones are
// forgotten, those used since the last sweep renewed (and their use
// recorded), and idle ones left to lapse after their TTL.
func (c *tokenCache) sweep(ctx context.Context, st *store.Store, now time.Time) error {
	c.mu.Lock()
	var all, used [][]byte
	for h, e := range c.m {
		if !e.used && now.Sub(e.checked) > tokenTTL {
			delete(c.m, h)
			continue
		}
		all = append(all, []byte(h))
		if e.used {
			used = append(used, []byte(h))
		}
	}
	c.mu.Unlock()
	if len(all) == 0 {
		return nil
	}
	live, err := st.TokenPrincipals(ctx, all, used)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, h := range all {
		e, ok := c.m[string(h)]
		if !ok || e.checked.After(now) {
			continue // cleared or put again meanwhile
		}
		if p, ok := live[string(h)]; !ok {
			delete(c.m, string(h))
		} else if e.used { // an idle token is not renewed
			e.p, e.checked, e.used = p, now, false
		}
	}
	return nil
}

// runSweeps sweeps the cache every tokenSweep until ctx ends.
func (c *tokenCache) runSweeps(ctx context.Context, st *store.Store, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(tokenSweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.sweep(ctx, st, now()); err != nil && ctx.Err() == nil {
				log.Warn("token cache sweep", "error", err)
			}
		}
	}
}
