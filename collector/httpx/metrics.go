package httpx

import (
	"errors"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the HTTP-level collector metrics, shared by every source's
// Client (the source label tells them apart). Create one with NewMetrics and
// pass it to each Client through Options.Metrics.
type Metrics struct {
	// Requests: runway_collector_requests_total{source,code}, one per HTTP
	// attempt; code is the status ("200", "429", ...) or "error" for a
	// transport failure.
	Requests *prometheus.CounterVec
	// Retries: runway_collector_retries_total{source,reason}; reason is one
	// of 429, 5xx, transport, rate_limit.
	Retries *prometheus.CounterVec
	// ResponseBytes: runway_collector_response_bytes_total{source}, body
	// bytes read.
	ResponseBytes *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them with reg (nil: not
// registered). Registering again with the same registry reuses the
// collectors already there instead of panicking, so two callers may share a
// registry.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "runway_collector_requests_total",
			Help: "HTTP requests made to upstream sources, by source and HTTP status code (\"error\" for transport failures).",
		}, []string{"source", "code"}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "runway_collector_retries_total",
			Help: "HTTP requests to upstream sources that were retried, by source and reason (429, 5xx, transport, rate_limit).",
		}, []string{"source", "reason"}),
		ResponseBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "runway_collector_response_bytes_total",
			Help: "Response body bytes read from upstream sources.",
		}, []string{"source"}),
	}
	if reg != nil {
		m.Requests = register(reg, m.Requests)
		m.Retries = register(reg, m.Retries)
		m.ResponseBytes = register(reg, m.ResponseBytes)
	}
	return m
}

func register(reg prometheus.Registerer, c *prometheus.CounterVec) *prometheus.CounterVec {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

// InitSource makes the source's retry series exist at 0 for every reason,
// so "no retries" is a zero on a dashboard, not a missing series.
func (m *Metrics) InitSource(source string) {
	if m != nil {
		for _, r := range []string{reason429, reason5xx, reasonTransport, reasonRateLimit} {
			m.Retries.WithLabelValues(source, r)
		}
	}
}

func (m *Metrics) request(source, code string) {
	if m != nil {
		m.Requests.WithLabelValues(source, code).Inc()
	}
}

func (m *Metrics) retry(source, reason string) {
	if m != nil {
		m.Retries.WithLabelValues(source, reason).Inc()
	}
}

func (m *Metrics) bytes(source string, n int) {
	if m != nil && n > 0 {
		m.ResponseBytes.WithLabelValues(source).Add(float64(n))
	}
}

// Stats counts requests, retries and response bytes for whoever holds it,
// typically one collection run: the runner takes a Snapshot before and after
// and logs or stores the difference. Safe for concurrent use; may be shared
// by several Clients.
type Stats struct {
	Requests atomic.Int64 // HTTP attempts, retries included
	Retries  atomic.Int64 // attempts that were followed by a retry
	Bytes    atomic.Int64 // response body bytes read
}

// StatsSnapshot is a point-in-time copy of Stats.
type StatsSnapshot struct {
	Requests int64
	Retries  int64
	Bytes    int64
}

// Snapshot reads the counters. A nil *Stats gives a zero snapshot.
func (s *Stats) Snapshot() StatsSnapshot {
	if s == nil {
		return StatsSnapshot{}
	}
	return StatsSnapshot{
		Requests: s.Requests.Load(),
		Retries:  s.Retries.Load(),
		Bytes:    s.Bytes.Load(),
	}
}

// Sub returns s − prev: the activity between two snapshots.
func (s StatsSnapshot) Sub(prev StatsSnapshot) StatsSnapshot {
	return StatsSnapshot{
		Requests: s.Requests - prev.Requests,
		Retries:  s.Retries - prev.Retries,
		Bytes:    s.Bytes - prev.Bytes,
	}
}
