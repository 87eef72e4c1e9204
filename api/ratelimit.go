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
// client IP otherwise. Report queries cost real ClickHouse time, so one
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

func (l *limiter) reserve(key string, now time.Time) time.Duration {
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
		c = &clientLimit{lim: rate.NewLimiter(l.rps, l.burst)}
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
