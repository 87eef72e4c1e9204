package collector_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

func TestMain(m *testing.M) { os.Exit(whtest.Main(m)) }

// stepSource is a source defined by the test: each run calls the next step.
type stepSource struct {
	name  string
	mu    sync.Mutex
	steps []func(ctx context.Context, s collector.Sink) error
	seen  []string // cursor value each run started from
}

func (s *stepSource) Name() string { return s.name }
func (s *stepSource) Type() string { return "test" }
func (s *stepSource) Collect(ctx context.Context, sink collector.Sink) error {
	s.mu.Lock()
	step := s.steps[0]
	s.steps = s.steps[1:]
	v, _ := sink.Cursor("page")
	s.seen = append(s.seen, v)
	s.mu.Unlock()
	return step(ctx, sink)
}

func boards(ids ...string) []warehouse.Row {
	var out []warehouse.Row
	for _, id := range ids {
		out = append(out, warehouse.BoardRow{Source: "src", BoardID: id, Name: "Board " + id, Type: "scrum", Version: 1})
	}
	return out
}

// TestRunnerCheckpoints: a run that checkpoints and then fails keeps what
// the checkpoint committed (rows, then the cursor they justify) and drops
// the rest; the next run starts from the checkpointed cursor.
func TestRunnerCheckpoints(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		src := &stepSource{name: "src", steps: []func(context.Context, collector.Sink) error{
			func(ctx context.Context, s collector.Sink) error { // run 1: checkpoint, then fail
				s.Write(boards("1", "2")...)
				s.SetCursor("page", "1")
				if err := s.Checkpoint(ctx); err != nil {
					return err
				}
				if v, _ := s.Cursor("page"); v != "1" {
					return fmt.Errorf("cursor after the checkpoint = %q", v)
				}
				s.Write(boards("3")...)
				s.SetCursor("page", "2")
				return errors.New("upstream said no")
			},
			func(ctx context.Context, s collector.Sink) error { // run 2: resumes
				s.Write(boards("3", "4")...)
				s.SetCursor("page", "3")
				return nil
			},
		}}
		// AfterRun follows successful runs only, once their rows are in.
		var after []string
		r := collector.NewRunner(db, nil, collector.NewMetrics(prometheus.NewRegistry()), collector.RunnerOptions{
			AfterRun: func(ctx context.Context, source string) {
				after = append(after, fmt.Sprintf("%s:%d", source, whtest.Count(t, db, "boards")))
			}})
		if err := r.AddSource(src, ""); err != nil {
			t.Fatal(err)
		}
		res, err := r.RunOnce(ctx, "src", nil)
		if err == nil || !strings.Contains(err.Error(), "kept 1 checkpoint") || res.Rows["boards"] != 2 {
			t.Fatalf("run 1: rows %v, %v", res.Rows, err)
		}
		cur, _ := collector.LoadCursors(ctx, db, "src")
		if n := whtest.Count(t, db, "boards"); n != 2 || cur["page"] != "1" {
			t.Fatalf("after the failed run: %d boards, cursors %v; want the checkpoint's 2 and page=1", n, cur)
		}
		last, _ := collector.LastRuns(ctx, db)
		if lr := last["src"]; lr.Status != collector.StatusFailed || lr.Rows != 2 {
			t.Errorf("run record: %+v, want failed with the 2 checkpointed rows", lr)
		}
		if _, err := r.RunOnce(ctx, "src", nil); err != nil {
			t.Fatal(err)
		}
		cur, _ = collector.LoadCursors(ctx, db, "src")
		if n := whtest.Count(t, db, "boards"); n != 4 || cur["page"] != "3" || strings.Join(src.seen, ",") != ",1" {
			t.Fatalf("after resuming: %d boards, cursors %v, runs started from %v", n, cur, src.seen)
		}
		if got := strings.Join(after, ","); got != "src:4" {
			t.Errorf("AfterRun calls %q, want one after the successful run, with its 4 boards in", got)
		}
	})
}

// TestRunnerStoresOutOfRangeTimes: a sprint dated year 0202 or 2202 (typed
// wrong upstream) is stored with NULL dates and a warning naming it; the
// run succeeds and its cursor moves, instead of the batch failing forever.
func TestRunnerStoresOutOfRangeTimes(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		bad := time.Date(202, 3, 1, 0, 0, 0, 0, time.UTC)
		late := time.Date(2202, 3, 1, 0, 0, 0, 0, time.UTC)
		ok := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
		src := &stepSource{name: "src", steps: []func(context.Context, collector.Sink) error{
			func(_ context.Context, s collector.Sink) error {
				s.Write(warehouse.SprintRow{Source: "src", SprintID: "5", BoardID: "1", Name: "typo", State: "closed",
					Start: &bad, End: &late, Complete: &ok, Version: 1})
				s.SetCursor("page", "1")
				return nil
			},
		}}
		var logs collectortest.LogBuffer
		r := collector.NewRunner(db, slog.New(slog.NewTextHandler(&logs, nil)), collector.NewMetrics(prometheus.NewRegistry()), collector.RunnerOptions{})
		if err := r.AddSource(src, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := r.RunOnce(ctx, "src", nil); err != nil {
			t.Fatalf("run with out-of-range times: %v", err)
		}
		cur, _ := collector.LoadCursors(ctx, db, "src")
		if cur["page"] != "1" {
			t.Errorf("cursor = %v, want page=1", cur)
		}
		rows, err := db.Query(ctx, "SELECT start_date, end_date, complete_date FROM {db}.sprints FINAL WHERE sprint_id = '5'")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var start, end, complete *time.Time
		for rows.Next() {
			if err := rows.Scan(&start, &end, &complete); err != nil {
				t.Fatal(err)
			}
		}
		if start != nil || end != nil || complete == nil || !complete.Equal(ok) {
			t.Errorf("stored start %v end %v complete %v; want NULL, NULL, %v", start, end, complete, ok)
		}
		for _, want := range []string{"sprint_id=5", "0202-03-01", "2202-03-01"} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("no warning naming %q in the log:\n%s", want, logs.String())
			}
		}
	})
}

func TestRunnerCursorsAndCommit(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		src := &stepSource{name: "src", steps: []func(context.Context, collector.Sink) error{
			func(_ context.Context, s collector.Sink) error { // run 1: two boards, cursor 1
				s.Write(boards("1", "2")...)
				s.SetCursor("page", "1")
				return nil
			},
			func(_ context.Context, s collector.Sink) error { // run 2: fails half-way
				s.Write(boards("3")...)
				s.SetCursor("page", "2")
				return errors.New("upstream said no")
			},
			func(_ context.Context, s collector.Sink) error { // run 3: re-collects board 2, adds 4
				s.Write(boards("2", "4")...)
				s.SetCursor("page", "3")
				return nil
			},
		}}
		reg := prometheus.NewRegistry()
		r := collector.NewRunner(db, nil, collector.NewMetrics(reg), collector.RunnerOptions{})
		if err := r.AddSource(src, ""); err != nil {
			t.Fatal(err)
		}
		// A source's series exist from the start: no retries yet is a 0
		// for each reason (labels in name order: reason, source).
		for _, reason := range []string{"429", "5xx", "rate_limit", "transport"} {
			if got := metricValue(t, reg, "runway_collector_retries_total", reason, "src"); got != 0 {
				t.Errorf("retries %s before any run = %v, want 0", reason, got)
			}
		}

		res, err := r.RunOnce(ctx, "src", nil)
		if err != nil || res.Status != collector.StatusSuccess || res.Rows["boards"] != 2 {
			t.Fatalf("run 1: %+v %v", res, err)
		}
		if n := whtest.Count(t, db, "boards"); n != 2 {
			t.Fatalf("after run 1: %d boards, want 2", n)
		}

		_, err = r.RunOnce(ctx, "src", nil)
		if err == nil || !strings.Contains(err.Error(), "upstream said no") {
			t.Fatalf("run 2 error = %v", err)
		}
		if n := whtest.Count(t, db, "boards"); n != 2 {
			t.Fatalf("failed run committed rows: %d boards, want 2", n)
		}
		cur, err := collector.LoadCursors(ctx, db, "src")
		if err != nil || cur["page"] != "1" {
			t.Fatalf("cursor after failed run = %v %v, want 1", cur, err)
		}
		last, err := collector.LastRuns(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if lr := last["src"]; lr.Status != collector.StatusFailed || lr.Error != "upstream said no" || lr.Finished == nil {
			t.Fatalf("last run = %+v", lr)
		}

		if _, err := r.RunOnce(ctx, "src", nil); err != nil {
			t.Fatal(err)
		}
		// Board 2 was written twice; FINAL still counts it once.
		if n := whtest.Count(t, db, "boards"); n != 3 {
			t.Fatalf("after run 3: %d boards, want 3", n)
		}
		cur, _ = collector.LoadCursors(ctx, db, "src")
		if cur["page"] != "3" {
			t.Fatalf("cursor = %v, want 3", cur)
		}
		// Each run started from the cursor of the last successful one.
		if got := strings.Join(src.seen, ","); got != ",1,1" {
			t.Fatalf("runs started from cursors %q, want \",1,1\"", got)
		}
		if got := metricValue(t, reg, "runway_collector_runs_total", "success", "src"); got != 2 {
			t.Errorf("success runs = %v", got)
		}
		if got := metricValue(t, reg, "runway_collector_runs_total", "failure", "src"); got != 1 {
			t.Errorf("failed runs = %v", got)
		}
		if got := metricValue(t, reg, "runway_collector_rows_written_total", "src", "boards"); got != 4 {
			t.Errorf("rows written = %v, want 4 (2 + 2)", got)
		}
	})
}

// metricValue reads one counter or gauge series from reg; label values are
// given in label-name order, as the registry sorts them.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for i, l := range m.GetLabel() {
				if i < len(labels) && l.GetValue() != labels[i] {
					continue series
				}
			}
			if m.Counter != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s%v not found", name, labels)
	return 0
}

func TestRunnerBusyAndShutdown(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{})
		src := &stepSource{name: "slow", steps: []func(context.Context, collector.Sink) error{
			func(ctx context.Context, s collector.Sink) error {
				close(started)
				<-ctx.Done() // runs until shutdown cancels it
				return ctx.Err()
			},
		}}
		r := collector.NewRunner(db, nil, collector.NewMetrics(prometheus.NewRegistry()), collector.RunnerOptions{})
		if err := r.AddSource(src, "@every 1h"); err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if next := r.NextRun("slow"); next.Before(time.Now().Add(59 * time.Minute)) {
			t.Errorf("next run = %v", next)
		}
		if _, err := r.Trigger("nope"); !errors.Is(err, collector.ErrUnknownSource) {
			t.Errorf("unknown source: %v", err)
		}
		runID, err := r.Trigger("slow")
		if err != nil || runID == "" {
			t.Fatal(err)
		}
		<-started
		if _, err := r.Trigger("slow"); !errors.Is(err, collector.ErrRunning) {
			t.Fatalf("second trigger: %v, want ErrRunning", err)
		}
		stopCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if err := r.Stop(stopCtx); err == nil {
			t.Fatal("Stop returned nil although it had to cancel a run")
		}
		last, err := collector.LastRuns(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if lr := last["slow"]; lr.RunID != runID || lr.Status != collector.StatusFailed || !strings.Contains(lr.Error, "context canceled") {
			t.Fatalf("cancelled run recorded as %+v", lr)
		}
		if _, err := r.Trigger("slow"); !errors.Is(err, collector.ErrStopped) {
			t.Errorf("trigger after stop: %v", err)
		}
	})
}

// TestRunTimeouts: the default bound applies to scheduled and API-started
// runs, not to a manual backfill (runway collect).
func TestRunTimeouts(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		slow := func(ctx context.Context, s collector.Sink) error {
			select {
			case <-time.After(300 * time.Millisecond):
				s.Write(boards("1")...)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		src := &stepSource{name: "slow", steps: []func(context.Context, collector.Sink) error{slow, slow}}
		r := collector.NewRunner(db, nil, collector.NewMetrics(prometheus.NewRegistry()),
			collector.RunnerOptions{DefaultTimeout: 100 * time.Millisecond})
		if err := r.AddSource(src, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := r.RunOnce(ctx, "slow", nil); err != nil {
			t.Fatalf("manual run hit the default timeout: %v", err)
		}
		if _, err := r.Trigger("slow"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			last, err := collector.LastRuns(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if lr := last["slow"]; lr.Trigger == "api" && lr.Status != collector.StatusRunning {
				if lr.Status != collector.StatusFailed || !strings.Contains(lr.Error, "deadline exceeded") {
					t.Fatalf("API run: %+v, want failed by the default timeout", lr)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("API-started run never finished")
			}
			time.Sleep(20 * time.Millisecond)
		}
		_ = r.Stop(ctx)
	})
}
