package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// limiter rate-limits API clients: per token name when authenticated, per
// client address otherwise (the peer, or what a trusted proxy says). Report queries cost real ClickHouse time, so one
// dashboard stuck in a refresh loop must not starve everyone else.
type limiter struct {
	rps   rate.Limit
	burst int

	mu      sync.Mutex
	clients map[string]*clientLimit
}

type clientLimit struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxClients bounds the table; idle clients are dropped past it.
const maxClients = 10000

func newLimiter(rps float64, burst int) *limiter {
	if rps <= 0 {
		return nil
	}
	if burst < 1 {
		burst = max(1, int(math.Ceil(rps)))
	}
	return &limiter{rps: rate.Limit(rps), burst: burst, clients: map[string]*clientLimit{}}
}

// Failed authentications are allowed at a fixed, lower rate per address.
const (
	failRate  = rate.Limit(1)
	failBurst = 10
)

func (l *limiter) reserve(key string, now time.Time) time.Duration {
	return l.reserveAt(key, now, l.rps, l.burst)
}

func (l *limiter) reserveAt(key string, now time.Time, rps rate.Limit, burst int) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.clients[key]
	if !ok {
		if len(l.clients) >= maxClients {
			for k, v := range l.clients {
				if now.Sub(v.seen) > 10*time.Minute {
					delete(l.clients, k)
				}
			}
		}
		c = &clientLimit{lim: rate.NewLimiter(rps, burst)}
		l.clients[key] = c
	}
	c.seen = now
	if c.lim.AllowN(now, 1) {
		return 0
	}
	r := c.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now) // only asking how long; the request is refused
	return d
}

// middleware answers 429 with Retry-After once a client exceeds its rate.
func (l *limiter) middleware(c *gin.Context) {
	if l == nil {
		c.Next()
		return
	}
	key := "ip:" + c.ClientIP()
	if tok := c.GetString("token"); tok != "" {
		key = "token:" + tok
	}
	if wait := l.reserve(key, time.Now()); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(secs))
		abort(c, http.StatusTooManyRequests, CodeRateLimited,
			fmt.Sprintf("rate limit of %g requests/s exceeded; retry in %ds", float64(l.rps), secs))
		return
	}
	c.Next()
}

// tooManyFailures answers 429 when the client's address has spent its
// budget on requests that failed authentication; it does not spend any.
// Spending happens in failedAuth.
func (l *limiter) tooManyFailures(c *gin.Context) bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	cl, ok := l.clients["fail:"+c.ClientIP()]
	l.mu.Unlock()
	if !ok {
		return false
	}
	now := time.Now()
	if cl.lim.TokensAt(now) >= 1 {
		return false
	}
	r := cl.lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Header("Retry-After", strconv.Itoa(secs))
	abort(c, http.StatusTooManyRequests, CodeRateLimited,
		fmt.Sprintf("too many failed authentications from this address; retry in %ds", secs))
	return true
}

// failedAuth spends one unit of the address's failure budget.
func (l *limiter) failedAuth(c *gin.Context) {
	if l != nil {
		l.reserveAt("fail:"+c.ClientIP(), time.Now(), failRate, failBurst)
	}
}
