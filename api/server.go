// Package api is Runway's HTTP API: a Gin engine with explicit middleware
// (recovery, request log, body limit, bearer-token auth, JSON errors), the
// /api/v1 endpoints of DESIGN.md §7, health endpoints and /metrics, all
// from one route table (routes.go).
package api

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// Options are what the server is built from.
type Options struct {
	DB       warehouse.DB
	Runner   *collector.Runner
	Tokens   []config.Token
	Logger   *slog.Logger
	Gatherer prometheus.Gatherer
	// Now is the clock used for "now" in reports (tests pin it).
	Now func() time.Time
	// RateLimit is the request rate allowed per token (or client address
	// without tokens), with bursts up to RateBurst; 0 disables limiting.
	RateLimit float64
	RateBurst int
	// TrustedProxies are the addresses (IPs or CIDRs) of reverse proxies
	// whose X-Forwarded-For names the client. Default none: the client is
	// the connection's peer, whatever headers it sends.
	TrustedProxies []string
	// Limits bound connections and requests; zero fields take
	// DefaultLimits' values.
	Limits Limits
	// Kinds classify milestones by title (config milestone_kinds).
	Kinds analytics.KindRules
	// SLA are the first-reply targets by ticket priority (config sla:),
	// for tickets no SLA policy of their source applied to.
	SLA map[string]time.Duration
}

// Limits bound what one client can hold open or send (HTTPServer applies
// the timeouts; the handler the body limit).
type Limits struct {
	ReadHeaderTimeout time.Duration // request line and headers
	ReadTimeout       time.Duration // the whole request, body included
	WriteTimeout      time.Duration // from the end of the headers to the last byte of the answer
	IdleTimeout       time.Duration // a keep-alive connection between requests
	MaxBodyBytes      int64         // request body; no endpoint needs one
}

// DefaultLimits are the limits config.Default() sets too.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      2 * time.Minute,
	IdleTimeout:       2 * time.Minute,
	MaxBodyBytes:      1 << 20,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = d.ReadTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = d.WriteTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	return l
}

// Server holds the API's dependencies.
type Server struct {
	db      warehouse.DB
	runner  *collector.Runner
	tokens  []config.Token
	log     *slog.Logger
	now     func() time.Time
	limit   *limiter
	proxies []string
	limits  Limits
	prom    http.Handler // /metrics
	kinds   analytics.KindRules
	sla     map[string]time.Duration
}

// New builds a server.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		// Whole seconds: the warehouse stores seconds, and "now" shows in
		// answers (an open milestone's forecast counts from it).
		o.Now = func() time.Time { return time.Now().UTC().Truncate(time.Second) }
	}
	if o.Gatherer == nil {
		o.Gatherer = prometheus.NewRegistry()
	}
	return &Server{db: o.DB, runner: o.Runner, tokens: o.Tokens, log: o.Logger, now: o.Now,
		limit: newLimiter(o.RateLimit, o.RateBurst), proxies: o.TrustedProxies, limits: o.Limits.withDefaults(),
		prom: promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{}), kinds: o.Kinds, sla: o.SLA}
}

// HTTPServer returns an http.Server for the handler with the server's
// timeouts, so that idle, slow and never-reading clients are cut off.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.limits.ReadHeaderTimeout,
		ReadTimeout:       s.limits.ReadTimeout,
		WriteTimeout:      s.limits.WriteTimeout,
		IdleTimeout:       s.limits.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// Handler returns the HTTP handler with every route.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// X-Forwarded-For counts only from configured proxies: a client must
	// not choose the address that request logs and rate limits see.
	if err := r.SetTrustedProxies(s.proxies); err != nil {
		// config validated them; fail closed if something slipped through
		s.log.Error("api.trusted_proxies: trusting none", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.HandleMethodNotAllowed = true
	r.Use(s.recovery, s.requestLog, s.bodyLimit)
	r.NoRoute(func(c *gin.Context) {
		abort(c, http.StatusNotFound, CodeNotFound, "no such endpoint: "+clip(c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		abort(c, http.StatusMethodNotAllowed, CodeInvalidArgument, c.Request.Method+" is not allowed on "+clip(c.Request.URL.Path))
	})
	s.register(r)
	return r
}

// auth requires a bearer token with at least the given scope. With no
// tokens configured (loopback only: config refuses otherwise) it lets
// everything through.
//
// A valid token is never throttled by failures: the failed-authentication
// budget of a client address is looked at only once the presented token
// has turned out wrong, so an attacker (or everyone behind one proxy)
// cannot lock out the holders of valid tokens. Tokens are long random
// secrets; the budget bounds the cost and log volume of guessing.
func (s *Server) auth(scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if len(s.tokens) == 0 {
			c.Next()
			return
		}
		presented, ok := bearer(c.GetHeader("Authorization"))
		var found *config.Token
		if ok {
			found = s.token(presented)
		}
		if found == nil {
			if s.limit.tooManyFailures(c) {
				return
			}
			s.limit.failedAuth(c)
			if !ok {
				c.Header("WWW-Authenticate", `Bearer realm="runway"`)
				abort(c, http.StatusUnauthorized, CodeUnauthenticated, "missing bearer token")
				return
			}
			c.Header("WWW-Authenticate", `Bearer realm="runway", error="invalid_token"`)
			abort(c, http.StatusUnauthorized, CodeUnauthenticated, "invalid bearer token")
			return
		}
		if scope == scopeAdmin && found.Scope != scopeAdmin {
			abort(c, http.StatusForbidden, CodePermissionDenied, fmt.Sprintf("token %q has scope %q; this endpoint needs admin", found.Name, found.Scope))
			return
		}
		c.Set("token", found.Name)
		c.Next()
	}
}

// bearer returns the credentials of an "Authorization: Bearer x" header;
// the scheme is case-insensitive (RFC 9110 §11.1).
func bearer(h string) (string, bool) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(h), " ")
	cred = strings.TrimSpace(cred)
	return cred, ok && strings.EqualFold(scheme, "Bearer") && cred != ""
}

// token returns the configured token with the presented value, comparing
// against every one in constant time: timing must not leak how much of a
// token matched. Config refuses two tokens with one value.
func (s *Server) token(presented string) *config.Token {
	var found *config.Token
	for i := range s.tokens {
		t := &s.tokens[i]
		if subtle.ConstantTimeCompare([]byte(presented), []byte(t.Value.Reveal())) == 1 {
			found = t
		}
	}
	return found
}

func (s *Server) recovery(c *gin.Context) {
	defer func() {
		if rec := recover(); rec != nil {
			s.log.ErrorContext(c.Request.Context(), "panic serving request", "path", clip(c.Request.URL.Path),
				"panic", rec, "stack", string(debug.Stack()))
			abort(c, http.StatusInternalServerError, CodeInternal, "internal error; see the server log")
		}
	}()
	c.Next()
}

// requestLog writes one line per request, with client-sent values clipped
// so that a flood of 1 MiB paths cannot become gigabytes of log.
func (s *Server) requestLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	lvl := slog.LevelInfo
	if p := c.Request.URL.Path; p == "/metrics" || p == "/healthz" || p == "/readyz" {
		lvl = slog.LevelDebug
	}
	s.log.Log(c.Request.Context(), lvl, "http request", "method", clip(c.Request.Method), "path", clip(c.Request.URL.Path),
		"status", c.Writer.Status(), "duration", time.Since(start).Round(time.Microsecond),
		"token", c.GetString("token"), "remote", c.ClientIP())
}

// bodyLimit refuses request bodies larger than the limit: a declared
// length at once, a chunked one when a read passes the limit.
func (s *Server) bodyLimit(c *gin.Context) {
	if c.Request.ContentLength > s.limits.MaxBodyBytes {
		c.Header("Connection", "close")
		abort(c, http.StatusRequestEntityTooLarge, CodeInvalidArgument,
			fmt.Sprintf("request body of %d bytes; at most %d", c.Request.ContentLength, s.limits.MaxBodyBytes))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.limits.MaxBodyBytes)
	c.Next()
}

func (s *Server) healthz(c *gin.Context, _ query) error {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
	return nil
}

func (s *Server) readyz(c *gin.Context, _ query) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		return &apiError{http.StatusServiceUnavailable, CodeUnavailable, "storage unreachable"}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "backend": s.db.Backend()})
	return nil
}

func (s *Server) metrics(c *gin.Context, _ query) error {
	s.prom.ServeHTTP(c.Writer, c.Request)
	return nil
}
