package collector_test

// A database that goes away mid-run (DESIGN.md guide: "Bad input gets a clear
// error and loses nothing"): these tests run a private clickhouse-server,
// kill it between and during runs, bring it back on the same data and port
// and check that failed runs fail with one clear error, commit nothing, move
// no cursor, still count in the metrics, and that the next run after the
// restart carries on from the last good cursor.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// goneSource is a test source: run n calls runs[n], after noting the cursor
// the run started from.
type goneSource struct {
	mu   sync.Mutex
	runs []func(ctx context.Context, s collector.Sink) error
	seen []string // "page" cursor each Collect started from ("" for none)
}

func (s *goneSource) Name() string { return "gone" }
func (s *goneSource) Type() string { return "test" }
func (s *goneSource) Collect(ctx context.Context, sink collector.Sink) error {
	s.mu.Lock()
	if len(s.runs) == 0 {
		s.mu.Unlock()
		return errors.New("goneSource: no more runs scripted")
	}
	run := s.runs[0]
	s.runs = s.runs[1:]
	v, _ := sink.Cursor("page")
	s.seen = append(s.seen, v)
	s.mu.Unlock()
	return run(ctx, sink)
}

func (s *goneSource) started() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen)
}

// writeBoards is a run writing boards with the given ids and setting the
// page cursor.
func writeBoards(cursor string, ids ...string) func(context.Context, collector.Sink) error {
	return func(_ context.Context, s collector.Sink) error {
		for _, id := range ids {
			s.Write(warehouse.BoardRow{Source: "gone", BoardID: id, Name: "Board " + id, Type: "scrum", Version: 1})
		}
		s.SetCursor("page", cursor)
		return nil
	}
}

// goneFixture is a private server (never the shared one: it gets killed),
// a DB on it as a user with a password, and a runner with one goneSource.
type goneFixture struct {
	srv    *whtest.Server
	db     warehouse.DB
	src    *goneSource
	runner *collector.Runner
	reg    *prometheus.Registry
	logs   *collectortest.LogBuffer
}

func newGoneFixture(t *testing.T, runs ...func(context.Context, collector.Sink) error) *goneFixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := whtest.StartServer(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	db, err := warehouse.Open(ctx, srv.PasswordDSN("runway_gone"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	f := &goneFixture{srv: srv, db: db, src: &goneSource{runs: runs}, reg: prometheus.NewRegistry(), logs: &collectortest.LogBuffer{}}
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.runner = collector.NewRunner(db, log, collector.NewMetrics(f.reg), collector.RunnerOptions{})
	if err := f.runner.AddSource(f.src, ""); err != nil {
		t.Fatal(err)
	}
	return f
}

// run runs the source once, bounded so that a hang fails the test instead
// of the whole binary.
func (f *goneFixture) run(t *testing.T) (collector.RunResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	res, err := f.runner.RunOnce(ctx, "gone", nil)
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("run took %s: a dead database must fail fast", d)
	}
	return res, err
}

func (f *goneFixture) restart(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := f.srv.Start(ctx); err != nil {
		t.Fatalf("bringing the server back: %v", err)
	}
}

// boardIDs reads the ids of the boards in the warehouse, through FINAL.
func (f *goneFixture) boardIDs(t *testing.T) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := f.db.Query(ctx, "SELECT board_id FROM {db}.boards FINAL WHERE source = ? ORDER BY board_id", "gone")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

func (f *goneFixture) cursor(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cur, err := collector.LoadCursors(ctx, f.db, "gone")
	if err != nil {
		t.Fatal(err)
	}
	return cur["page"]
}

// scrape answers a /metrics request from the runner's registry and returns
// the runs_total series of the source, as exposed.
func (f *goneFixture) scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(f.reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	var out []string
	for line := range strings.SplitSeq(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, "runway_collector_runs_total{") && strings.Contains(line, `source="gone"`) {
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

func wantRuns(success, failure int) string {
	return fmt.Sprintf("runway_collector_runs_total{result=\"failure\",source=\"gone\"} %d\n"+
		"runway_collector_runs_total{result=\"success\",source=\"gone\"} %d", failure, success)
}

// checkStorageError checks a run error caused by the database being gone:
// one line, saying ClickHouse cannot be reached, without the password.
func checkStorageError(t *testing.T, err error, wantParts ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("run succeeded although the database is gone")
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	if strings.Contains(msg, whtest.UserPassword) {
		t.Errorf("error shows the password: %q", msg)
	}
	if !strings.Contains(msg, "cannot reach ClickHouse server 127.0.0.1:") {
		t.Errorf("error does not say that ClickHouse is unreachable: %q", msg)
	}
	for _, w := range append([]string{"source gone: "}, wantParts...) {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
	if strings.Contains(strings.ToLower(msg), "panic") {
		t.Errorf("error mentions a panic: %q", msg)
	}
}

// runRecords reads collector_runs: run id → status and error.
func (f *goneFixture) runRecords(t *testing.T) map[string]warehouse.RunRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := f.db.Query(ctx, "SELECT run_id, status, error, finished FROM {db}.collector_runs FINAL WHERE source = ?", "gone")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]warehouse.RunRow{}
	for rows.Next() {
		var r warehouse.RunRow
		if err := rows.Scan(&r.RunID, &r.Status, &r.Error, &r.Finished); err != nil {
			t.Fatal(err)
		}
		out[r.RunID] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRunWhileDatabaseDown: the database is gone for a whole run.
func TestRunWhileDatabaseDown(t *testing.T) {
	f := newGoneFixture(t,
		writeBoards("1", "b1", "b2"),
		// No script for run 2: without its cursors it never calls the source.
		writeBoards("3", "b3", "b4"),
	)

	res1, err := f.run(t)
	if err != nil || res1.Status != collector.StatusSuccess {
		t.Fatalf("run 1: %+v %v", res1, err)
	}
	if got := f.scrape(t); got != wantRuns(1, 0) {
		t.Fatalf("metrics after run 1:\n%s", got)
	}

	// The server dies under a query in flight: the broken connection is
	// reported as such, not as a bare EOF.
	qerr := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		qerr <- f.db.Exec(ctx, "SELECT sleep(3)")
	}()
	time.Sleep(500 * time.Millisecond)
	f.srv.Kill()
	select {
	case err := <-qerr:
		t.Logf("query cut by the kill: %v", err)
		if err == nil || !strings.Contains(err.Error(), "cannot reach ClickHouse server") || strings.ContainsAny(err.Error(), "\r\n") {
			t.Errorf("query cut by the kill: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a query cut by the kill never returned")
	}

	res2, err := f.run(t)
	t.Logf("run 2 (database down): %v", err)
	checkStorageError(t, err, "loading cursors")
	if res2.Status != collector.StatusFailed {
		t.Errorf("run 2 status %q", res2.Status)
	}
	// Without its cursors a run cannot know where to start: the source is
	// not called at all.
	if got := f.src.started(); len(got) != 1 {
		t.Errorf("the source ran without its cursors: started from %q", got)
	}
	// collector_runs could not be written, but /metrics counts the failure.
	if got := f.scrape(t); got != wantRuns(1, 1) {
		t.Errorf("metrics after run 2:\n%s\nwant\n%s", got, wantRuns(1, 1))
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "could not record run result") ||
		!strings.Contains(logs, "run_id="+res2.RunID) {
		t.Errorf("the runner did not log that it could not record run 2:\n%s", logs)
	}
	if strings.Contains(logs, whtest.UserPassword) {
		t.Errorf("the logs show the password:\n%s", logs)
	}

	f.restart(t)
	res3, err := f.run(t)
	if err != nil || res3.Status != collector.StatusSuccess {
		t.Fatalf("run 3 after the restart: %+v %v", res3, err)
	}
	if got := f.src.started(); !slices.Equal(got, []string{"", "1"}) {
		t.Errorf("runs started from cursors %q, want [\"\" 1]: run 3 must start where run 1 ended", got)
	}
	if got := f.boardIDs(t); !slices.Equal(got, []string{"b1", "b2", "b3", "b4"}) {
		t.Errorf("boards = %q, want run 1's and run 3's: b1 b2 b3 b4", got)
	}
	if got := f.cursor(t); got != "3" {
		t.Errorf("cursor = %q, want 3", got)
	}
	if got := f.scrape(t); got != wantRuns(2, 1) {
		t.Errorf("metrics after run 3:\n%s", got)
	}
	// The failed run's result, kept while the database was gone, is
	// recorded once it is back.
	recs := f.runRecords(t)
	if r := recs[res1.RunID]; r.Status != collector.StatusSuccess {
		t.Errorf("run 1 recorded as %+v", r)
	}
	if r := recs[res3.RunID]; r.Status != collector.StatusSuccess {
		t.Errorf("run 3 recorded as %+v", r)
	}
	if r := recs[res2.RunID]; r.Status != collector.StatusFailed || r.Finished == nil || !strings.Contains(r.Error, "cannot reach ClickHouse server") {
		t.Errorf("run 2 recorded as %+v, want failed with its error", r)
	}
	if len(recs) != 3 {
		t.Errorf("collector_runs holds %d runs, want 3: %+v", len(recs), recs)
	}
}

// TestDatabaseDiesDuringCollect: the database dies while the source is
// collecting, so the commit is what fails.
func TestDatabaseDiesDuringCollect(t *testing.T) {
	var f *goneFixture
	f = newGoneFixture(t,
		writeBoards("1", "b1", "b2"),
		func(ctx context.Context, s collector.Sink) error {
			s.Write(warehouse.BoardRow{Source: "gone", BoardID: "x1", Name: "lost", Type: "scrum", Version: 1})
			f.srv.Kill() // the database goes away mid-collect
			s.Write(warehouse.BoardRow{Source: "gone", BoardID: "x2", Name: "lost", Type: "scrum", Version: 1})
			s.SetCursor("page", "2")
			return nil
		},
		writeBoards("3", "b3", "b4"),
	)

	res1, err := f.run(t)
	if err != nil {
		t.Fatalf("run 1: %v", err)
	}
	res2, err := f.run(t)
	t.Logf("run 2 (database died mid-collect): %v", err)
	checkStorageError(t, err, "committing rows")
	if res2.Status != collector.StatusFailed || res2.TotalRows() != 0 {
		t.Errorf("run 2: status %q, %d rows; want failed with nothing written", res2.Status, res2.TotalRows())
	}
	if got := f.scrape(t); got != wantRuns(1, 1) {
		t.Errorf("metrics after run 2:\n%s\nwant\n%s", got, wantRuns(1, 1))
	}
	if logs := f.logs.String(); !strings.Contains(logs, "could not record run result") || strings.Contains(logs, whtest.UserPassword) {
		t.Errorf("logs after run 2:\n%s", logs)
	}

	f.restart(t)
	// Nothing of run 2 reached the warehouse.
	if got := f.boardIDs(t); !slices.Equal(got, []string{"b1", "b2"}) {
		t.Errorf("boards after the restart = %q, want run 1's only", got)
	}
	if got := f.cursor(t); got != "1" {
		t.Errorf("cursor after the failed commit = %q, want run 1's", got)
	}
	res3, err := f.run(t)
	if err != nil {
		t.Fatalf("run 3 after the restart: %v", err)
	}
	if got := f.src.started(); !slices.Equal(got, []string{"", "1", "1"}) {
		t.Errorf("runs started from cursors %q, want [\"\" 1 1]", got)
	}
	if got := f.boardIDs(t); !slices.Equal(got, []string{"b1", "b2", "b3", "b4"}) {
		t.Errorf("boards = %q, want b1 b2 b3 b4", got)
	}
	if got := f.cursor(t); got != "3" {
		t.Errorf("cursor = %q, want 3", got)
	}
	recs := f.runRecords(t)
	if r := recs[res2.RunID]; r.Status != collector.StatusFailed || !strings.Contains(r.Error, "committing rows") {
		t.Errorf("run 2 recorded as %+v, want failed (its start was recorded, its end only after the restart)", r)
	}
	if recs[res1.RunID].Status != collector.StatusSuccess || recs[res3.RunID].Status != collector.StatusSuccess || len(recs) != 3 {
		t.Errorf("collector_runs: %+v", recs)
	}
}
