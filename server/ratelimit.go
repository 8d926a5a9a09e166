package server

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
)

// limiter is a token bucket per key (an account or an address). Idle
// buckets are dropped so the map stays small under a spray of keys.
type limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newLimiter allows burst events at once and perMinute on average.
func newLimiter(perMinute float64, burst int) *limiter {
	return &limiter{every: rate.Limit(perMinute / 60), burst: burst, buckets: map[string]*bucket{}}
}

// bucket returns key's bucket, made on first use and marked seen now,
// sweeping idle ones now and then. Called with mu held.
func (l *limiter) bucket(key string, now time.Time) *bucket {
	if now.Sub(l.swept) > time.Minute || len(l.buckets) > 100_000 {
		l.sweep(now)
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b
}

// allow takes one token for key; when none is left it returns false and
// how long until one is.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// allowN takes n tokens for key at once. A batch larger than the bucket
// is let through when the bucket is full and leaves a debt the key pays
// back before its next batch, so a device's backlog is not refused for
// ever while the average rate still holds. When too few tokens are left it
// returns false and how long until there are enough.
func (l *limiter) allowN(key string, n int, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	need := float64(min(n, l.burst))
	if have := b.lim.TokensAt(now); have < need {
		return false, time.Duration((need - have) / float64(l.every) * float64(time.Second))
	}
	for left := n; left > 0; left -= l.burst {
		b.lim.ReserveN(now, min(left, l.burst)) // kept: the tokens are spent (or owed)
	}
	return true, 0
}

// sweep drops buckets idle long enough to have refilled completely.
func (l *limiter) sweep(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.every) * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, k)
		}
	}
	l.swept = now
}

// retryAfter is a Retry-After header value: whole seconds, at least 1.
func retryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// positionBurst is how much of a device's allowance it may spend at once:
// two minutes' worth, so a phone that was offline can send its backlog.
const positionBurst = 2 * time.Minute

// dayCount counts positions per volunteer in the area's local day. It
// lives in memory on each instance: with several instances behind a
// balancer that spreads one device over them, the cap holds per instance
// (a device usually keeps to one; a shared counter in Redis or the
// database would make it exact).
type dayCount struct {
	mu  sync.Mutex
	day string
	n   map[int64]int
}

// take adds n to key's count of day when that stays within limit.
func (d *dayCount) take(key int64, n, limit int, day string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.day != day || d.n == nil {
		d.day, d.n = day, map[int64]int{} // a new day: every count starts again
	}
	if d.n[key]+n > limit {
		return false
	}
	d.n[key] += n
	return true
}

// give returns n taken by a batch that was refused afterwards.
func (d *dayCount) give(key int64, n int, day string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.day == day {
		d.n[key] = max(0, d.n[key]-n)
	}
}

// limitError is a refusal by one of the caps; the answer names the cap and
// its value (under key, e.g. limit_per_second) so a client can adapt.
type limitError struct {
	metric string // the rate-limited metric's label
	field  string
	msg    string
	key    string
	value  float64
	wait   time.Duration
}

// err is the refusal as an error: rate_limited, with the cap's value and
// the wait as members of the answer.
func (le *limitError) err() *model.Error {
	secs := retryAfter(le.wait)
	return &model.Error{Kind: model.TooMany, Field: le.field, Msg: le.msg, Code: model.CodeRateLimited,
		Params: map[string]any{"seconds": secs}, Details: map[string]any{le.key: le.value, "retry_after": secs}}
}

// refuseLimit answers 429 with Retry-After and the cap.
func (s *Server) refuseLimit(w http.ResponseWriter, r *http.Request, le *limitError) {
	s.metrics.rateLimited.WithLabelValues(le.metric).Inc()
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter(le.wait)))
	s.answer(w, r, http.StatusTooManyRequests, le.err())
}

// admitPositions applies the per-device limits to a batch of n positions
// before it goes to ingest: PositionsPerSecond per device account (a token
// bucket of positionBurst) and PositionsPerDay per volunteer, the owner of
// the trail, in the local day. Over either it returns the refusal. The
// daily count is of positions admitted to ingest (a batch ingest then
// refuses still counts), kept in memory per instance (see dayCount).
func (s *Server) admitPositions(p *auth.Principal, n int) *limitError {
	now := s.now()
	local := now.In(s.cfg.Location)
	day := local.Format(time.DateOnly)
	if !s.positionDay.take(p.PersonID, n, s.cfg.PositionsPerDay, day) {
		y, m, d := local.Date()
		midnight := time.Date(y, m, d+1, 0, 0, 0, 0, s.cfg.Location)
		return &limitError{metric: "positions_per_day", field: "positions", key: "limit_per_day", value: float64(s.cfg.PositionsPerDay),
			msg:  "positions: this device's trail reached its daily cap of " + strconv.Itoa(s.cfg.PositionsPerDay) + " positions; more are refused until local midnight",
			wait: midnight.Sub(local)}
	}
	if ok, wait := s.positionRate.allowN("device:"+strconv.FormatInt(p.AccountID, 10), n, now); !ok {
		s.positionDay.give(p.PersonID, n, day)
		return &limitError{metric: "positions_per_second", field: "positions", key: "limit_per_second", value: s.cfg.PositionsPerSecond,
			msg:  "positions: more than " + strconv.FormatFloat(s.cfg.PositionsPerSecond, 'f', -1, 64) + " per second from this device; send fewer, or batch them",
			wait: wait}
	}
	return nil
}
