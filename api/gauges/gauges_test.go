package gauges_test

import (
	"context"
	"fmt"
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

// businessMetrics are the series the sprint golden file pins down (the
// duration varies from run to run).
var businessMetrics = []string{"runway_gauges_scrape_success", "runway_sprint_issues", "runway_sprint_scope_change_ratio"}

// milestoneMetrics are the series the milestone golden file pins down.
var milestoneMetrics = []string{
	"runway_milestone_due_timestamp_seconds", "runway_milestone_forecast_timestamp_seconds",
	"runway_milestone_slip_days", "runway_milestone_progress_ratio", "runway_milestone_open_issues",
	"runway_milestone_scope_change_ratio", "runway_milestone_closed_timestamp_seconds", "runway_milestone_status",
	"runway_project_duration_days", "runway_project_expected_min_days", "runway_project_expected_max_days",
}

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
		if len(d) != len(gauges.Families) {
			t.Fatalf("runway_gauges_scrape_duration_seconds = %v, want one sample per family", d)
		}
		for _, m := range d {
			if m.GetGauge().GetValue() <= 0 {
				t.Errorf("runway_gauges_scrape_duration_seconds = %v, want positive samples", d)
			}
		}
	})
}

// TestMilestoneGolden compares the milestone and project families with
// testdata/milestones.prom over the milestone fixture, whose reports are
// worked out by hand in gaugestest.SeedMilestones' comment.
func TestMilestoneGolden(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seededMilestones(t, db)
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(gauges.New(db, nil, func() time.Time { return gaugestest.MilestonesNow }, 30*time.Second))
		golden, err := os.Open("testdata/milestones.prom")
		if err != nil {
			t.Fatal(err)
		}
		defer golden.Close()
		if err := testutil.GatherAndCompare(reg, golden, milestoneMetrics...); err != nil {
			t.Error(err)
		}
		for _, f := range gauges.Families {
			if got := familySuccess(t, reg, f); got != 1 {
				t.Errorf("family %s: success = %v, want 1", f, got)
			}
		}
	})
}

func seededMilestones(t *testing.T, db warehouse.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := gaugestest.SeedMilestones(ctx, db); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// TestFamilyFailsAlone: a family whose statements fail (here: its table is
// gone) reports success 0 and no series, and the other families are served
// as usual.
func TestFamilyFailsAlone(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seeded(t, db)
		var logs collectortest.LogBuffer
		failing := &failingDB{DB: db, table: "milestones"}
		reg := prometheus.NewRegistry()
		reg.MustRegister(gauges.New(failing, slog.New(slog.NewTextHandler(&logs, nil)), fixedNow, 30*time.Second))
		golden, err := os.Open("testdata/sprints.prom")
		if err != nil {
			t.Fatal(err)
		}
		defer golden.Close()
		if err := testutil.GatherAndCompare(reg, golden, "runway_sprint_issues", "runway_sprint_scope_change_ratio"); err != nil {
			t.Error(err)
		}
		want := map[string]float64{"sprints": 1, "milestones": 0}
		for f, w := range want {
			if got := familySuccess(t, reg, f); got != w {
				t.Errorf("family %s: success = %v, want %v", f, got, w)
			}
		}
		if got := logs.String(); !strings.Contains(got, "family=milestones") || strings.Contains(got, "family=sprints") {
			t.Errorf("log = %q, want the milestone family's error only", got)
		}
	})
}

// TestFixedStatements: a refresh issues the same number of statements
// however many boards and milestones there are (DESIGN §8: never one per
// board, project or milestone).
func TestFixedStatements(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seeded(t, db)
		if err := gaugestest.SeedMilestones(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		refresh := func() int64 {
			counting := &countingDB{DB: db}
			reg := prometheus.NewRegistry()
			reg.MustRegister(gauges.New(counting, nil, fixedNow, 30*time.Second))
			if _, err := reg.Gather(); err != nil {
				t.Fatal(err)
			}
			return counting.calls.Load()
		}
		before := refresh()
		if err := gaugestest.SeedScale(context.Background(), db, 40, 200); err != nil {
			t.Fatal(err)
		}
		if after := refresh(); after != before {
			t.Errorf("statements per refresh: %d with 2 boards and 8 milestones, %d with 42 boards and 208: want the same", before, after)
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
		want := `# HELP runway_gauges_scrape_success 1 if the family's business gauges served were computed from the warehouse, 0 if their refresh failed or timed out.
# TYPE runway_gauges_scrape_success gauge
runway_gauges_scrape_success{family="milestones"} 0
runway_gauges_scrape_success{family="sprints"} 0
runway_gauges_scrape_success{family="tickets"} 0
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
	if n := stall.calls.Load(); n != int64(len(gauges.Families)) {
		t.Fatalf("%d warehouse queries started while the first ones hung, want %d (one refresh per family in flight)", n, len(gauges.Families))
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
		// A refresh of unchanged data reuses analytics' reading of the
		// milestones, so it issues fewer statements than the first: one
		// shared refresh is more than none and at most perRefresh.
		clock.Add(int64(time.Second))
		concurrently()
		if n := counting.calls.Load() - perRefresh; n <= 0 || n > perRefresh {
			t.Errorf("after the TTL: %d more queries, want 1 to %d (one shared refresh)", n, perRefresh)
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

// success is the lowest runway_gauges_scrape_success of the families: 1
// when all succeeded.
func success(t *testing.T, g prometheus.Gatherer) float64 {
	t.Helper()
	m := gather(t, g)["runway_gauges_scrape_success"]
	if len(m) != len(gauges.Families) {
		t.Fatalf("runway_gauges_scrape_success has %d samples, want one per family", len(m))
	}
	low := 1.0
	for _, s := range m {
		low = min(low, s.GetGauge().GetValue())
	}
	return low
}

// familySuccess is runway_gauges_scrape_success of one family.
func familySuccess(t *testing.T, g prometheus.Gatherer, family string) float64 {
	t.Helper()
	for _, m := range gather(t, g)["runway_gauges_scrape_success"] {
		for _, l := range m.GetLabel() {
			if l.GetName() == "family" && l.GetValue() == family {
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("no runway_gauges_scrape_success for family %s", family)
	return 0
}

// failingDB is a real warehouse whose statements reading table fail.
type failingDB struct {
	warehouse.DB
	table string
}

func (f *failingDB) Query(ctx context.Context, q string, args ...any) (warehouse.Rows, error) {
	if strings.Contains(q, "{db}."+f.table+" ") {
		return nil, fmt.Errorf("table %s is gone", f.table)
	}
	return f.DB.Query(ctx, q, args...)
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

// TestTicketGauges: worked out by hand, at fixedNow with a 24 h target for
// high tickets. Urgent T1 (2 days old) was answered in 30 min and solved
// in 120, its SLA applied and breached; high T2 (10 days old) is open and
// unanswered: past its configured 24 h, breached; high T3 is open but 40
// days old: in the open count, not in the 30-day ones.
func TestTicketGauges(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		now := fixedNow()
		fr, res := 30.0, 120.0
		ticket := func(id, prio, status string, age time.Duration) warehouse.TicketRow {
			return warehouse.TicketRow{Source: "zd", TicketID: id, Priority: prio, Status: status, Group: "Support",
				Tags: []string{}, Created: now.Add(-age), Updated: now.Add(-age), Version: 1}
		}
		t1 := ticket("T1", "urgent", "solved", 48*time.Hour)
		t1.FirstReplyMinutes, t1.ResolutionMinutes = &fr, &res
		if err := warehouse.InsertMixed(ctx, db, []warehouse.Row{t1, ticket("T2", "high", "open", 240*time.Hour),
			ticket("T3", "high", "open", 960*time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := warehouse.InsertMixed(ctx, db, []warehouse.Row{
			warehouse.TicketMetricEventRow{Source: "zd", TicketID: "T1", EventID: "1", Metric: "reply_time", Type: "apply_sla", At: t1.Created, Version: 1},
			warehouse.TicketMetricEventRow{Source: "zd", TicketID: "T1", EventID: "2", Metric: "reply_time", Type: "breach", At: t1.Created.Add(10 * time.Minute), Version: 1},
		}); err != nil {
			t.Fatal(err)
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(gauges.New(db, nil, fixedNow, 30*time.Second, gauges.WithSLA(map[string]time.Duration{"high": 24 * time.Hour})))
		want := `# HELP runway_ticket_first_reply_hours First reply time of the tickets created in the last 30 days, hours, at the quantile.
# TYPE runway_ticket_first_reply_hours gauge
runway_ticket_first_reply_hours{priority="urgent",quantile="0.5",source="zd"} 0.5
runway_ticket_first_reply_hours{priority="urgent",quantile="0.9",source="zd"} 0.5
# HELP runway_ticket_resolution_hours Full resolution time of the tickets created in the last 30 days and solved (merged ones left out), hours, at the quantile.
# TYPE runway_ticket_resolution_hours gauge
runway_ticket_resolution_hours{priority="urgent",quantile="0.5",source="zd"} 2
runway_ticket_resolution_hours{priority="urgent",quantile="0.9",source="zd"} 2
# HELP runway_ticket_sla_breach_ratio Share of the tickets created in the last 30 days with an SLA that breached it (breach events, else the configured first-reply target).
# TYPE runway_ticket_sla_breach_ratio gauge
runway_ticket_sla_breach_ratio{priority="high",source="zd"} 1
runway_ticket_sla_breach_ratio{priority="urgent",source="zd"} 1
# HELP runway_tickets_open Support tickets open now (new, open, pending or on hold), deleted ones left out.
# TYPE runway_tickets_open gauge
runway_tickets_open{priority="high",source="zd"} 2
runway_tickets_open{priority="urgent",source="zd"} 0
`
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "runway_tickets_open", "runway_ticket_first_reply_hours",
			"runway_ticket_resolution_hours", "runway_ticket_sla_breach_ratio"); err != nil {
			t.Error(err)
		}
	})
}
