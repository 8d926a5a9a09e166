package server

import (
	"sync"
	"time"

	"github.com/gridmap/gridmap/auth"
)

// tokenTTL is how long a bearer token's principal is trusted from memory.
// Devices post every second or two; without the cache each post would be
// a database round trip. A token revoked on another instance stops
// working here within tokenTTL; one revoked here stops at once.
const tokenTTL = 30 * time.Second

// tokenCache remembers the principals of recently used bearer tokens,
// keyed by the token's hash.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p       auth.Principal
	expires time.Time
}

func (c *tokenCache) get(hash []byte, now time.Time) (auth.Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[string(hash)]
	if !ok || now.After(e.expires) {
		return auth.Principal{}, false
	}
	return e.p, true
}

func (c *tokenCache) put(hash []byte, p auth.Principal, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 200_000 {
		c.m = map[string]cachedPrincipal{} // bounded: start over rather than grow
	}
	c.m[string(hash)] = cachedPrincipal{p: p, expires: now.Add(tokenTTL)}
}

// clear forgets every token, after a revocation or an account change.
func (c *tokenCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
