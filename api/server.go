// Package api is Runway's HTTP API: a Gin engine with explicit middleware
// (recovery, request log, bearer-token auth, JSON errors), the /api/v1
// endpoints of DESIGN.md §7, health endpoints and /metrics.
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
	// RateLimit is the request rate allowed per token (or client IP without
	// tokens), with bursts up to RateBurst; 0 disables limiting.
	RateLimit float64
	RateBurst int
}

// Server holds the API's dependencies.
type Server struct {
	db     warehouse.DB
	runner *collector.Runner
	tokens []config.Token
	log    *slog.Logger
	gather prometheus.Gatherer
	now    func() time.Time
	limit  *limiter
}

// New builds a server.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
	if o.Gatherer == nil {
		o.Gatherer = prometheus.NewRegistry()
	}
	return &Server{db: o.DB, runner: o.Runner, tokens: o.Tokens, log: o.Logger, gather: o.Gatherer, now: o.Now,
		limit: newLimiter(o.RateLimit, o.RateBurst)}
}

// Handler returns the HTTP handler with every route.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// Behind no proxy by default: X-Forwarded-For from a client must not
	// choose the address that request logs and rate limits see.
	_ = r.SetTrustedProxies(nil) // nil never fails
	r.HandleMethodNotAllowed = true
	r.Use(s.recovery, s.requestLog)
	r.NoRoute(func(c *gin.Context) {
		abort(c, http.StatusNotFound, CodeNotFound, "no such endpoint: "+c.Request.URL.Path)
	})
	r.NoMethod(func(c *gin.Context) {
		abort(c, http.StatusMethodNotAllowed, CodeInvalidArgument, c.Request.Method+" is not allowed on "+c.Request.URL.Path)
	})

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.gather, promhttp.HandlerOpts{})))

	v1 := r.Group("/api/v1")
	v1.GET("/openapi.json", s.openapi)
	read := v1.Group("", s.auth("read"), s.limit.middleware)
	admin := v1.Group("", s.auth("admin"), s.limit.middleware)
	read.GET("/collectors", s.handle(s.listCollectors))
	admin.POST("/collectors/:source/run", s.handle(s.runCollector))
	s.analyticsRoutes(read)
	return r
}

// auth requires a bearer token with at least the given scope. With no
// tokens configured (loopback only: config refuses otherwise) it lets
// everything through.
func (s *Server) auth(scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if len(s.tokens) == 0 {
			c.Next()
			return
		}
		// Failed attempts count against the client's address, so tokens
		// cannot be guessed at full speed.
		if s.limit != nil && s.limit.tooManyFailures(c) {
			return
		}
		h := c.GetHeader("Authorization")
		presented, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || presented == "" {
			c.Header("WWW-Authenticate", `Bearer realm="runway"`)
			s.limit.failedAuth(c)
			abort(c, http.StatusUnauthorized, CodeUnauthenticated, "missing bearer token")
			return
		}
		var found *config.Token
		for i := range s.tokens {
			t := &s.tokens[i]
			// Constant-time comparison: token checks must not leak length
			// of matching prefixes through timing.
			if subtle.ConstantTimeCompare([]byte(presented), []byte(t.Value.Reveal())) == 1 {
				found = t
			}
		}
		if found == nil {
			c.Header("WWW-Authenticate", `Bearer realm="runway", error="invalid_token"`)
			s.limit.failedAuth(c)
			abort(c, http.StatusUnauthorized, CodeUnauthenticated, "invalid bearer token")
			return
		}
		if scope == "admin" && found.Scope != "admin" {
			abort(c, http.StatusForbidden, CodePermissionDenied, fmt.Sprintf("token %q has scope %q; this endpoint needs admin", found.Name, found.Scope))
			return
		}
		c.Set("token", found.Name)
		c.Next()
	}
}

func (s *Server) recovery(c *gin.Context) {
	defer func() {
		if rec := recover(); rec != nil {
			s.log.ErrorContext(c.Request.Context(), "panic serving request", "path", c.Request.URL.Path,
				"panic", rec, "stack", string(debug.Stack()))
			abort(c, http.StatusInternalServerError, CodeInternal, "internal error; see the server log")
		}
	}()
	c.Next()
}

func (s *Server) requestLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	lvl := slog.LevelInfo
	if c.Request.URL.Path == "/metrics" || c.Request.URL.Path == "/healthz" || c.Request.URL.Path == "/readyz" {
		lvl = slog.LevelDebug
	}
	s.log.Log(c.Request.Context(), lvl, "http request", "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", c.Writer.Status(), "duration", time.Since(start).Round(time.Microsecond),
		"token", c.GetString("token"), "remote", c.ClientIP())
}

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		abort(c, http.StatusServiceUnavailable, CodeUnavailable, "storage unreachable")
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "backend": s.db.Backend()})
}
