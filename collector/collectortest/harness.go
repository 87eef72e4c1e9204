package collectortest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/httpx"
)

// HarnessMaxRetries is how many times a harness's clients retry a request
// when neither the source nor HarnessOptions say: enough for the faults a
// test injects, few enough that an endless one fails the test at once.
const HarnessMaxRetries = 3

// HarnessOptions tune NewHarness.
type HarnessOptions struct {
	// Now is where the source's clock (Harness.Clock) stands until the test
	// moves it. Required: a source under test never reads the wall clock.
	Now time.Time
	// MaxRetries is the runner's retry bound for the source's clients,
	// which apply it where the source leaves theirs unset (see
	// collector.HTTPBuilder): 0 means HarnessMaxRetries, negative never.
	MaxRetries int
	// BasePath is appended to the test server's URL to make the source's
	// base URL, for an API served under a prefix (GitLab's /api/v4).
	BasePath string
	// ClientTimeout, when > 0, bounds each HTTP request of the source's
	// clients (http.Client.Timeout), as the runner's default client does;
	// 0: no bound.
	ClientTimeout time.Duration
	// Logger is the source's logger (Deps.Logger) and its clients'.
	// Unlike the runner, the harness adds no source attribute to it: a test
	// reads exactly what the source logs itself. Default: discard.
	Logger *slog.Logger
}

// Harness is a source under test, built the way the runner builds it
// (collector.Runner.Add): by its type's factory, from a config.Source
// whose Settings are the type's own, with Deps whose NewHTTP is
// collector.HTTPBuilder holding the runner's part (the source's name and
// base URL, the transport, HTTP metrics, per-run stats, the logger). What
// a test must control differs, and only that: the base URL and transport
// are an httptest server in front of the test's handler, every request is
// logged, retry waits are recorded instead of slept, and Deps.Now is a
// Clock. It knows no vendor.
type Harness struct {
	// Source is the source the type's factory built.
	Source collector.Source
	// Stats count the source's requests, retries and response bytes, as
	// the runner's per-source Stats do.
	Stats *httpx.Stats
	// Metrics are the source's HTTP metrics (registered nowhere).
	Metrics *httpx.Metrics
	// Requests logs every request the source made, in arrival order.
	Requests *RequestLog
	// Clock is the source's clock.
	Clock *Clock
	// URL is the test server's; the source's base URL is URL plus
	// HarnessOptions.BasePath.
	URL string

	timeout time.Duration // the source's configured run timeout
	mu      sync.Mutex
	sleeps  []time.Duration
}

// NewHarness builds a source of type st from cfg, served by site. cfg is
// completed as the config loader and the runner complete it: Type is
// st.Name, BaseURL the test server's, and Settings, when nil, the type's
// defaults (st.Settings()). A factory error fails the test.
func NewHarness(t testing.TB, st collector.SourceType, cfg config.Source, site http.Handler, opts HarnessOptions) *Harness {
	t.Helper()
	if opts.Now.IsZero() {
		t.Fatal("collectortest.NewHarness: HarnessOptions.Now is required")
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = HarnessMaxRetries
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Harness{Stats: &httpx.Stats{}, Metrics: httpx.NewMetrics(nil), Requests: LogRequests(site),
		Clock: NewClock(opts.Now), timeout: cfg.Timeout.D()}
	srv := httptest.NewServer(h.Requests)
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	cfg.Type, cfg.BaseURL = st.Name, srv.URL+opts.BasePath
	if cfg.Settings == nil && st.Settings != nil {
		cfg.Settings = st.Settings()
	}
	hc := srv.Client()
	if opts.ClientTimeout > 0 {
		c := *hc
		c.Timeout = opts.ClientTimeout
		hc = &c
	}
	newHTTP := collector.HTTPBuilder(httpx.Options{Source: cfg.Name, BaseURL: cfg.BaseURL, HTTPClient: hc,
		Metrics: h.Metrics, Stats: h.Stats, Logger: log, MaxRetries: opts.MaxRetries, Sleep: h.sleep})
	src, err := st.New(cfg, collector.Deps{NewHTTP: newHTTP, Logger: log, Now: h.Clock.Now})
	if err != nil {
		t.Fatalf("building the %s source %q: %v", st.Name, cfg.Name, err)
	}
	h.Source = src
	return h
}

// sleep is the clients' wait between attempts: recorded, not slept.
func (h *Harness) sleep(ctx context.Context, d time.Duration) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sleeps = append(h.sleeps, d)
	return ctx.Err()
}

// Sleeps returns every wait between attempts the source's clients asked
// for so far, in order.
func (h *Harness) Sleeps() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.sleeps)
}

// Run is one run of the source into sink as the runner makes it
// (collector.Runner.RunOnce): bounded by the source's timeout when it has
// one, failed when its context ends before Collect returns success, and,
// when it succeeds, committing what its last checkpoint left, so that
// sink's Committed and CommittedRows are what the warehouse would hold
// and the next run starts from NewMemSink(sink.Committed()). A failed run
// keeps only its checkpoints. Run returns the run's share of Stats: what
// the runner records as its requests, retries and bytes.
func (h *Harness) Run(ctx context.Context, sink *MemSink) (httpx.StatsSnapshot, error) {
	if h.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.timeout)
		defer cancel()
	}
	before := h.Stats.Snapshot()
	err := h.Source.Collect(ctx, sink)
	if err == nil {
		if cerr := ctx.Err(); cerr != nil {
			err = fmt.Errorf("collection interrupted: %w", cerr)
		}
	}
	if err == nil {
		sink.finish()
	}
	return h.Stats.Snapshot().Sub(before), err
}
