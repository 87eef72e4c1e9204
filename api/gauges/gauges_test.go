package gauges_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/runway-analytics/runway/api/gauges"
	"github.com/runway-analytics/runway/api/gauges/gaugestest"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

func TestMain(m *testing.M) { os.Exit(whtest.Main(m)) }

// businessMetrics are the series the golden file pins down (the duration
// varies from run to run).
var businessMetrics = []string{"runway_gauges_scrape_success", "runway_sprint_issues", "runway_sprint_scope_change_ratio"}

func seeded(t *testing.T, db warehouse.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := gaugestest.Seed(ctx, db); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

func fixedNow() time.Time { return gaugestest.Now }

// TestGolden compares /metrics with testdata/sprints.prom, whose values are
// worked out by hand in gaugestest's package comment.
func TestGolden(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seeded(t, db)
		reg := prometheus.NewRegistry()
		reg.MustRegister(gauges.New(db, nil, fixedNow, 30*time.Second))
		golden, err := os.Open("testdata/sprints.prom")
		if err != nil {
			t.Fatal(err)
		}
		defer golden.Close()
		if err := testutil.GatherAndCompare(reg, golden, businessMetrics...); err != nil {
			t.Error(err)
		}
		d := gather(t, reg)["runway_gauges_scrape_duration_seconds"]
		if len(d) != 1 || d[0].GetGauge().GetValue() <= 0 {
			t.Errorf("runway_gauges_scrape_duration_seconds = %v, want one positive sample", d)
		}
	})
}

// TestLint runs promlint over the Collector's output (names, units, help).
func TestLint(t *testing.T) {
	db := whtest.EmbeddedDB(t)
	seeded(t, db)
	problems, err := testutil.CollectAndLint(gauges.New(db, nil, fixedNow, 30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

// TestFailure: a warehouse that cannot answer (here: no schema) gives
// runway_gauges_scrape_success 0, no business series, a logged error and a
// /metrics answer that still succeeds.
func TestFailure(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		var logs collectortest.LogBuffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		reg := prometheus.NewRegistry()
		reg.MustRegister(gauges.New(db, log, fixedNow, 30*time.Second))
		want := `# HELP runway_gauges_scrape_success 1 if the business gauges served were computed from the warehouse, 0 if their refresh failed or timed out.
# TYPE runway_gauges_scrape_success gauge
runway_gauges_scrape_success 0
`
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want), businessMetrics...); err != nil {
			t.Error(err)
		}
		if got := logs.String(); !strings.Contains(got, "level=ERROR") || !strings.Contains(got, "computing business gauges") {
			t.Errorf("log = %q, want the refresh error", got)
		}
	})
}

// TestTimeout: a warehouse call that hangs and ignores its context (as the
// embedded backend's C call does) makes the scrape give up after the
// timeout with scrape_success 0. The refresh goes on in the background and
// a scrape meanwhile joins it instead of starting another; once the TTL has
// passed after it ended, the next scrape refreshes again and succeeds.
func TestTimeout(t *testing.T) {
	db := whtest.EmbeddedDB(t)
	seeded(t, db)
	stall := &stallDB{DB: db, release: make(chan struct{})}
	var once sync.Once
	release := func() { once.Do(func() { close(stall.release) }) }
	t.Cleanup(release)

	var clock atomic.Int64
	clock.Store(gaugestest.Now.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	const timeout = 300 * time.Millisecond
	reg := prometheus.NewRegistry()
	reg.MustRegister(gauges.New(stall, nil, now, timeout))
	for i := range 2 {
		start := time.Now()
		if got := success(t, reg); got != 0 {
			t.Fatalf("scrape %d while the warehouse hangs: success = %v, want 0", i, got)
		}
		if took := time.Since(start); took > timeout+2*time.Second {
			t.Fatalf("scrape %d took %s with a %s timeout", i, took, timeout)
		}
	}
	if n := stall.calls.Load(); n != 1 {
		t.Fatalf("%d warehouse queries started while the first hung, want 1 (one refresh in flight)", n)
	}
	release()
	// The hung refresh ends with its context's deadline exceeded, and that
	// failure is cached for the TTL from when it ended: move the clock on
	// until a new refresh runs.
	deadline := time.Now().Add(30 * time.Second)
	for success(t, reg) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("no successful refresh after the warehouse was released")
		}
		clock.Add(int64(gauges.CacheTTL))
		time.Sleep(50 * time.Millisecond)
	}
	// The gauges are now computed a few TTLs (15 s each) after the
	// fixture's Now, which changes none of its counts.
	golden, err := os.Open("testdata/sprints.prom")
	if err != nil {
		t.Fatal(err)
	}
	defer golden.Close()
	if err := testutil.GatherAndCompare(reg, golden, businessMetrics...); err != nil {
		t.Error(err)
	}
}

// TestCache: scrapes within CacheTTL of a refresh reuse it, concurrent
// scrapes of a stale cache share one refresh, and the TTL runs on the
// Collector's clock.
func TestCache(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seeded(t, db)
		counting := &countingDB{DB: db}
		var clock atomic.Int64
		clock.Store(gaugestest.Now.UnixNano())
		now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
		reg := prometheus.NewRegistry()
		reg.MustRegister(gauges.New(counting, nil, now, 30*time.Second))

		concurrently := func() {
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					if _, err := reg.Gather(); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}
		concurrently()
		perRefresh := counting.calls.Load()
		if perRefresh == 0 {
			t.Fatal("no warehouse query")
		}
		clock.Add(int64(gauges.CacheTTL - time.Second))
		concurrently()
		if n := counting.calls.Load(); n != perRefresh {
			t.Errorf("within the TTL: %d queries, want %d (cached)", n, perRefresh)
		}
		clock.Add(int64(time.Second))
		concurrently()
		if n := counting.calls.Load(); n != 2*perRefresh {
			t.Errorf("after the TTL: %d queries, want %d (one shared refresh)", n, 2*perRefresh)
		}
		if got := success(t, reg); got != 1 {
			t.Errorf("success = %v, want 1", got)
		}
	})
}

// TestDescribe: the Collector registers on a pedantic registry (Describe
// matches Collect) and twice on one registry is a duplicate.
func TestDescribe(t *testing.T) {
	db := whtest.EmbeddedDB(t)
	seeded(t, db)
	reg := prometheus.NewPedanticRegistry()
	c := gauges.New(db, nil, fixedNow, 30*time.Second)
	reg.MustRegister(c)
	if _, err := reg.Gather(); err != nil {
		t.Fatalf("pedantic gather: %v", err)
	}
	if err := reg.Register(gauges.New(db, nil, fixedNow, time.Second)); err == nil {
		t.Error("registering a second Collector on the same registry succeeded, want a duplicate error")
	}
	if n := testutil.CollectAndCount(c, "runway_sprint_issues"); n != 7*4 {
		t.Errorf("runway_sprint_issues has %d series, want 28 (7 sprints x 4 kinds)", n)
	}
}

func gather(t *testing.T, g prometheus.Gatherer) map[string][]*dto.Metric {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string][]*dto.Metric{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf.GetMetric()
	}
	return out
}

func success(t *testing.T, g prometheus.Gatherer) float64 {
	t.Helper()
	m := gather(t, g)["runway_gauges_scrape_success"]
	if len(m) != 1 {
		t.Fatalf("runway_gauges_scrape_success has %d samples, want 1", len(m))
	}
	return m[0].GetGauge().GetValue()
}

// stallDB is a real warehouse whose queries hang until release is closed,
// ignoring their context like an uninterruptible backend call, and then run
// for real.
type stallDB struct {
	warehouse.DB
	release chan struct{}
	calls   atomic.Int64
}

func (s *stallDB) Query(ctx context.Context, q string, args ...any) (warehouse.Rows, error) {
	s.calls.Add(1)
	<-s.release
	return s.DB.Query(context.WithoutCancel(ctx), q, args...)
}

// countingDB is a real warehouse that counts its queries.
type countingDB struct {
	warehouse.DB
	calls atomic.Int64
}

func (c *countingDB) Query(ctx context.Context, q string, args ...any) (warehouse.Rows, error) {
	c.calls.Add(1)
	return c.DB.Query(ctx, q, args...)
}
