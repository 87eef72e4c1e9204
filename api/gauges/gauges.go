// Package gauges computes Runway's business gauges (DESIGN.md §8) from the
// warehouse at scrape time, as a prometheus.Collector.
//
// There is no package-level state: New returns a Collector that the caller
// registers on its own registry. Each Collect answers from a snapshot of the
// warehouse that is at most CacheTTL old:
//
//   - Caching. A snapshot is reused for CacheTTL (15 s) after it was
//     computed, so several Prometheus servers scraping the same Runway (HA
//     pairs, a federation, someone curling /metrics) cost ClickHouse one
//     refresh per TTL, not one per scrape. Concurrent scrapes that find the
//     snapshot stale share one refresh (single flight). 15 s is below every
//     sensible scrape interval, so a single Prometheus still sees fresh data
//     on every scrape; the numbers move on collection schedules (minutes to
//     hours), so 15 s of staleness changes nothing that dashboards or alerts
//     can see.
//   - Failures. A refresh that fails or panics is logged and yields
//     runway_gauges_scrape_success 0 with no business series (node_exporter
//     style: an absent series is "unknown", never a stale or made-up value).
//     A failed refresh is cached for the TTL too, so a broken ClickHouse is
//     not hammered by every scrape.
//   - Timeouts. A refresh runs under a context with the Collector's timeout,
//     and Collect never waits longer than that for it: the embedded backend
//     cannot interrupt a running query, so the refresh runs in its own
//     goroutine and a scrape that gives up on it reports
//     runway_gauges_scrape_success 0. The refresh is left to end on its own
//     (its context is done, so it stops at its next query); no other refresh
//     starts meanwhile, and its outcome is cached like any other.
//
// # Series
//
// For every board: its active sprints and its last ClosedSprintsPerBoard
// (3) closed sprints by completion date, so cardinality is bounded by
// boards × (active + 3), whatever the history length:
//
//	runway_sprint_issues{source,board,sprint,state,kind}   kind: committed|added|removed|completed
//	runway_sprint_scope_change_ratio{source,board,sprint,state}
//
// with the counts and the rate exactly as the sprint API reports them
// (analytics.Sprints; DESIGN.md §5). A sprint with nothing committed has no
// scope_change_ratio series (the rate is null: a NaN sample would make every
// comparison in an alert false and break aggregations), but it does have its
// issues series.
//
// Label values: board is the board id and sprint the sprint id, never the
// sprint name. Ids are stable and unique within a source, so a series keeps
// its identity when a sprint is renamed, and two boards' "Sprint 12" never
// collide. The name is deliberately not a label either: it would only add
// series churn on every rename. Dashboards that need names join the sprint
// API (GET /api/v1/sprints/{source}/{id}).
//
// Self-monitoring:
//
//	runway_gauges_scrape_success            1 if the served snapshot was computed, 0 if its refresh failed or timed out
//	runway_gauges_scrape_duration_seconds   how long the refresh behind the served snapshot took
package gauges

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector/warehouse"
)

const (
	// DefaultTimeout bounds one refresh when New is given no timeout. Keep
	// it under Prometheus's scrape_timeout (10 s by default).
	DefaultTimeout = 5 * time.Second
	// CacheTTL is how long a snapshot (successful or not) answers scrapes.
	CacheTTL = 15 * time.Second
	// ClosedSprintsPerBoard is how many closed sprints of each board, the
	// most recently completed, have series.
	ClosedSprintsPerBoard = 3
)

// Sprint issue kinds, the values of the kind label of runway_sprint_issues.
const (
	KindCommitted = "committed"
	KindAdded     = "added"
	KindRemoved   = "removed"
	KindCompleted = "completed"
)

// Collector is a prometheus.Collector computing the business gauges from the
// warehouse at scrape time. It is safe for concurrent use.
type Collector struct {
	db      warehouse.DB
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
	ttl     time.Duration

	mu       sync.Mutex
	cached   *snapshot // last finished refresh; nil before the first
	inflight *flight   // the refresh running now, if any

	scrapeSuccess  *prometheus.Desc
	scrapeDuration *prometheus.Desc
	sprintIssues   *prometheus.Desc
	sprintScope    *prometheus.Desc
}

// snapshot is the outcome of one refresh.
type snapshot struct {
	at       time.Time // when it finished, by the Collector's clock
	duration time.Duration
	err      error
	sprints  []analytics.SprintReport
}

// flight is one refresh in progress; done is closed once snap is set.
type flight struct {
	done chan struct{}
	snap *snapshot
}

// New returns a Collector reading db. now is the clock (nil: time.Now): it
// is t1 of active sprints and also the cache's clock, so a fixed clock gives
// deterministic values (and a cache that never expires). timeout bounds one
// refresh and how long a scrape waits for it (<= 0: DefaultTimeout). log
// receives refresh failures (nil: discarded).
func New(db warehouse.DB, log *slog.Logger, now func() time.Time, timeout time.Duration) *Collector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	sprintLabels := []string{"source", "board", "sprint", "state"}
	return &Collector{
		db: db, log: log, now: now, timeout: timeout, ttl: CacheTTL,
		scrapeSuccess: prometheus.NewDesc("runway_gauges_scrape_success",
			"1 if the business gauges served were computed from the warehouse, 0 if their refresh failed or timed out.",
			nil, nil),
		scrapeDuration: prometheus.NewDesc("runway_gauges_scrape_duration_seconds",
			"Seconds the warehouse refresh behind the served business gauges took (refreshes are cached for 15s).",
			nil, nil),
		sprintIssues: prometheus.NewDesc("runway_sprint_issues",
			"Issues of a sprint by kind: committed at its start, added and removed during it, completed at its end "+
				"(now for active sprints). Active sprints and each board's last 3 closed sprints.",
			append(sprintLabels, "kind"), nil),
		sprintScope: prometheus.NewDesc("runway_sprint_scope_change_ratio",
			"Sprint scope change rate, (added + removed) / committed; absent when nothing was committed. "+
				"Active sprints and each board's last 3 closed sprints.",
			sprintLabels, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.scrapeSuccess
	ch <- c.scrapeDuration
	ch <- c.sprintIssues
	ch <- c.sprintScope
}

// Collect implements prometheus.Collector. It never panics and never waits
// longer than the Collector's timeout.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.snapshot()
	success := 0.0
	if s.err == nil {
		success = 1
		for _, r := range s.sprints {
			c.collectSprint(ch, r)
		}
	}
	c.emit(ch, c.scrapeSuccess, success)
	c.emit(ch, c.scrapeDuration, s.duration.Seconds())
}

func (c *Collector) collectSprint(ch chan<- prometheus.Metric, r analytics.SprintReport) {
	labels := []string{r.Source, r.Board, r.ID, r.State}
	for _, k := range []struct {
		kind string
		n    int64
	}{{KindCommitted, r.Committed}, {KindAdded, r.Added}, {KindRemoved, r.Removed}, {KindCompleted, r.Completed}} {
		c.emit(ch, c.sprintIssues, float64(k.n), append(labels[:4:4], k.kind)...)
	}
	if r.ScopeChangeRate != nil {
		c.emit(ch, c.sprintScope, *r.ScopeChangeRate, labels...)
	}
}

// emit sends one gauge sample. Label values come from upstream data, so they
// are made valid UTF-8 first; a metric that still cannot be built is logged
// and left out rather than failing the whole /metrics answer.
func (c *Collector) emit(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	for i, l := range labels {
		labels[i] = strings.ToValidUTF8(l, "\uFFFD")
	}
	m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, v, labels...)
	if err != nil {
		c.log.Warn("dropping business gauge sample", "metric", d.String(), "labels", labels, "err", err)
		return
	}
	ch <- m
}

// snapshot returns a fresh enough snapshot, starting a refresh (or joining
// the one running) when the cached one is older than the TTL, and waiting
// at most the timeout for it.
func (c *Collector) snapshot() *snapshot {
	c.mu.Lock()
	if s := c.cached; s != nil {
		if age := c.now().Sub(s.at); age >= 0 && age < c.ttl {
			c.mu.Unlock()
			return s
		}
	}
	f := c.inflight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		c.inflight = f
		go c.refresh(f)
	}
	c.mu.Unlock()

	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	select {
	case <-f.done:
		return f.snap
	case <-timer.C:
		err := fmt.Errorf("business gauges: warehouse refresh still running after %s", c.timeout)
		c.log.Warn("serving business gauges as failed", "err", err)
		return &snapshot{duration: c.timeout, err: err}
	}
}

// refresh computes a snapshot in the background, caches it and completes f.
func (c *Collector) refresh(f *flight) {
	start := time.Now()
	sprints, err := c.load()
	s := &snapshot{at: c.now(), duration: time.Since(start), err: err, sprints: sprints}
	if err != nil {
		c.log.Error("computing business gauges from the warehouse", "err", err,
			"duration", s.duration, "backend", c.db.Backend())
	}
	c.mu.Lock()
	c.cached, c.inflight = s, nil
	c.mu.Unlock()
	f.snap = s
	close(f.done)
}

// load runs the warehouse queries under the timeout. A panic in them is
// turned into an error: it must not take the process down from a scrape.
func (c *Collector) load() (sprints []analytics.SprintReport, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("business gauges: panic: %v\n%s", r, debug.Stack())
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	return loadSprints(ctx, c.db, c.now().UTC())
}
