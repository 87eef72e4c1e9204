// Package gauges computes Runway's business gauges (DESIGN.md §8) from the
// warehouse at scrape time, as a prometheus.Collector.
//
// There is no package-level state: New returns a Collector that the caller
// registers on its own registry. The gauges come in families (sprints.go;
// milestones.go with projects.go), each computed by a fixed number of
// set-based warehouse statements, never one per board, project or
// milestone. Each family is refreshed, cached and reported on its own, so
// one failing or slow family does not blank the others:
//
//   - Caching. A family's snapshot is reused for CacheTTL (15 s) after it
//     was computed, so several Prometheus servers scraping the same Runway
//     (HA pairs, a federation, someone curling /metrics) cost ClickHouse
//     one refresh per TTL, not one per scrape. Concurrent scrapes that find
//     it stale share one refresh (single flight). 15 s is below every
//     sensible scrape interval; the numbers move on collection schedules
//     (minutes to hours), so 15 s of staleness changes nothing dashboards
//     or alerts can see.
//   - Failures. A refresh that fails or panics is logged and yields
//     runway_gauges_scrape_success{family} 0 with none of that family's
//     series (node_exporter style: an absent series is "unknown", never a
//     stale or made-up value). A failed refresh is cached for the TTL too,
//     so a broken ClickHouse is not hammered by every scrape.
//   - Timeouts. The families refresh in parallel under a context with the
//     Collector's timeout, and Collect never waits longer than that: the
//     embedded backend cannot interrupt a running query, so each refresh
//     runs in its own goroutine and a scrape that gives up on it reports
//     that family's success as 0. The refresh is left to end on its own (its
//     context is done, so it stops at its next query); no other refresh of
//     that family starts meanwhile, and its outcome is cached like any
//     other.
//
// Self-monitoring, per family (sprints, milestones):
//
//	runway_gauges_scrape_success{family}            1 if the family's series were computed, 0 if its refresh failed or timed out
//	runway_gauges_scrape_duration_seconds{family}   how long the refresh behind them took
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

	"github.com/runway-analytics/runway/collector/warehouse"
)

const (
	// DefaultTimeout bounds one refresh when New is given no timeout. Keep
	// it under Prometheus's scrape_timeout (10 s by default).
	DefaultTimeout = 5 * time.Second
	// CacheTTL is how long a snapshot (successful or not) answers scrapes.
	CacheTTL = 15 * time.Second
)

// family is one metric family group: its descriptors and how to compute
// its samples from the warehouse.
type family interface {
	// name is the value of the family label of the self-monitoring gauges.
	name() string
	describe(ch chan<- *prometheus.Desc)
	// load computes the family's samples as of now.
	load(ctx context.Context, db warehouse.DB, now time.Time, out *samples) error
}

// Families are the gauge families, in the order they are reported.
var Families = []string{familySprints, familyMilestones, familyTickets}

// Collector is a prometheus.Collector computing the business gauges from the
// warehouse at scrape time. It is safe for concurrent use.
type Collector struct {
	db      warehouse.DB
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
	ttl     time.Duration
	cells   []*cell

	scrapeSuccess  *prometheus.Desc
	scrapeDuration *prometheus.Desc
}

// cell caches one family's snapshot and its refresh in flight.
type cell struct {
	fam      family
	mu       sync.Mutex
	cached   *snapshot // last finished refresh; nil before the first
	inflight *flight   // the refresh running now, if any
}

// snapshot is the outcome of one refresh of one family.
type snapshot struct {
	at       time.Time // when it finished, by the Collector's clock
	duration time.Duration
	err      error
	metrics  []prometheus.Metric
}

// flight is one refresh in progress; done is closed once snap is set.
type flight struct {
	done chan struct{}
	snap *snapshot
}

// Option configures a Collector.
type Option func(*options)

type options struct{ sla map[string]time.Duration }

// WithSLA gives the first-reply targets by ticket priority (config sla:)
// for the tickets no SLA policy of their source applied to.
func WithSLA(sla map[string]time.Duration) Option { return func(o *options) { o.sla = sla } }

// New returns a Collector reading db. now is the clock (nil: time.Now): it
// is t1 of active sprints, the as-of date of forecasts and the cache's
// clock, so a fixed clock gives deterministic values (and a cache that
// never expires). timeout bounds one refresh and how long a scrape waits
// for it (<= 0: DefaultTimeout). log receives refresh failures (nil:
// discarded).
func New(db warehouse.DB, log *slog.Logger, now func() time.Time, timeout time.Duration, opts ...Option) *Collector {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := &Collector{
		db: db, log: log, now: now, timeout: timeout, ttl: CacheTTL,
		scrapeSuccess: prometheus.NewDesc("runway_gauges_scrape_success",
			"1 if the family's business gauges served were computed from the warehouse, 0 if their refresh failed or timed out.",
			[]string{"family"}, nil),
		scrapeDuration: prometheus.NewDesc("runway_gauges_scrape_duration_seconds",
			"Seconds the warehouse refresh behind the family's business gauges took (refreshes are cached for 15s).",
			[]string{"family"}, nil),
	}
	for _, f := range []family{newSprints(), newMilestones(), newTickets(o.sla)} {
		c.cells = append(c.cells, &cell{fam: f})
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.scrapeSuccess
	ch <- c.scrapeDuration
	for _, cl := range c.cells {
		cl.fam.describe(ch)
	}
}

// Collect implements prometheus.Collector. It never panics and never waits
// longer than the Collector's timeout.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	// Start (or join) every stale family's refresh first, then wait for
	// them under one deadline: the families refresh in parallel.
	flights := make([]*flight, len(c.cells))
	cached := make([]*snapshot, len(c.cells))
	for i, cl := range c.cells {
		cached[i], flights[i] = c.start(cl)
	}
	deadline := time.NewTimer(c.timeout)
	defer deadline.Stop()
	expired := false
	for i, cl := range c.cells {
		s := cached[i]
		if s == nil {
			s, expired = c.wait(cl, flights[i], deadline.C, expired)
		}
		success := 0.0
		if s.err == nil {
			success = 1
			for _, m := range s.metrics {
				ch <- m
			}
		}
		name := cl.fam.name()
		ch <- prometheus.MustNewConstMetric(c.scrapeSuccess, prometheus.GaugeValue, success, name)
		ch <- prometheus.MustNewConstMetric(c.scrapeDuration, prometheus.GaugeValue, s.duration.Seconds(), name)
	}
}

// start returns cl's cached snapshot when it is younger than the TTL, else
// the refresh to wait for, starting one unless one is running.
func (c *Collector) start(cl *cell) (*snapshot, *flight) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if s := cl.cached; s != nil {
		if age := c.now().Sub(s.at); age >= 0 && age < c.ttl {
			return s, nil
		}
	}
	if cl.inflight == nil {
		cl.inflight = &flight{done: make(chan struct{})}
		go c.refresh(cl, cl.inflight)
	}
	return nil, cl.inflight
}

// wait returns f's snapshot, or a failed one once the deadline has passed
// (expired says it already has: the timer fires only once) and f is still
// running.
func (c *Collector) wait(cl *cell, f *flight, deadline <-chan time.Time, expired bool) (*snapshot, bool) {
	if !expired {
		select {
		case <-f.done:
			return f.snap, false
		case <-deadline:
		}
	}
	select {
	case <-f.done: // finished just as the deadline passed
		return f.snap, true
	default:
	}
	err := fmt.Errorf("business gauges %s: warehouse refresh still running after %s", cl.fam.name(), c.timeout)
	c.log.Warn("serving business gauges as failed", "family", cl.fam.name(), "err", err)
	return &snapshot{duration: c.timeout, err: err}, true
}

// refresh computes a snapshot of cl in the background, caches it and
// completes f.
func (c *Collector) refresh(cl *cell, f *flight) {
	start := time.Now()
	out := &samples{log: c.log}
	err := c.load(cl.fam, out)
	s := &snapshot{at: c.now(), duration: time.Since(start), err: err}
	if err == nil {
		s.metrics = out.metrics
	} else {
		c.log.Error("computing business gauges from the warehouse", "family", cl.fam.name(), "err", err,
			"duration", s.duration, "backend", c.db.Backend())
	}
	cl.mu.Lock()
	cl.cached, cl.inflight = s, nil
	cl.mu.Unlock()
	f.snap = s
	close(f.done)
}

// load runs a family's queries under the timeout. A panic in them is
// turned into an error: it must not take the process down from a scrape.
func (c *Collector) load(fam family, out *samples) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("business gauges %s: panic: %v\n%s", fam.name(), r, debug.Stack())
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	return fam.load(ctx, c.db, c.now().UTC(), out)
}

// samples collects a refresh's gauge samples.
type samples struct {
	log     *slog.Logger
	metrics []prometheus.Metric
}

// add records one gauge sample. Label values come from upstream data, so
// they are made valid UTF-8 first; a sample that still cannot be built is
// logged and left out rather than failing the whole /metrics answer.
func (s *samples) add(d *prometheus.Desc, v float64, labels ...string) {
	for i, l := range labels {
		labels[i] = strings.ToValidUTF8(l, "\uFFFD")
	}
	m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, v, labels...)
	if err != nil {
		s.log.Warn("dropping business gauge sample", "metric", d.String(), "labels", labels, "err", err)
		return
	}
	s.metrics = append(s.metrics, m)
}

// unixSeconds is t as a timestamp gauge value.
func unixSeconds(t time.Time) float64 { return float64(t.Unix()) }
