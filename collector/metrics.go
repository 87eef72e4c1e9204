package collector

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/collector/httpx"
)

// Metrics are the collector health metrics of DESIGN.md §8. They are
// registered on an injected Registerer: no package-level state.
type Metrics struct {
	lastSuccess *prometheus.GaugeVec
	duration    *prometheus.GaugeVec
	runs        *prometheus.CounterVec
	rows        *prometheus.CounterVec
	running     *prometheus.GaugeVec
	HTTP        *httpx.Metrics
}

// NewMetrics registers the collector metrics (and the HTTP client metrics
// every source shares) on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "runway_collector_last_success_timestamp_seconds",
			Help: "Unix time the source's last successful run finished.",
		}, []string{"source"}),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "runway_collector_run_duration_seconds",
			Help: "Wall time of the source's last run, successful or not.",
		}, []string{"source"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "runway_collector_runs_total",
			Help: "Collector runs by result (success, failure).",
		}, []string{"source", "result"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "runway_collector_rows_written_total",
			Help: "Rows committed to the warehouse by successful runs, per table.",
		}, []string{"source", "table"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "runway_collector_running",
			Help: "1 while a run of the source is in progress.",
		}, []string{"source"}),
		HTTP: httpx.NewMetrics(reg),
	}
	reg.MustRegister(m.lastSuccess, m.duration, m.runs, m.rows, m.running)
	return m
}

// initSource makes every per-source series exist from start-up, so a source
// that never succeeded shows up (and can alert) instead of being absent.
func (m *Metrics) initSource(name string) {
	m.runs.WithLabelValues(name, "success")
	m.runs.WithLabelValues(name, "failure")
	m.running.WithLabelValues(name).Set(0)
	m.HTTP.InitSource(name)
}
