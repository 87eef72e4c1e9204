package api_test

// The API over a database that goes away and comes back (DESIGN.md guide:
// "Bad input gets a clear error and loses nothing: ... a database that went
// away mid-run"): liveness stays up, readiness and data endpoints answer
// JSON errors without internal detail, and once the server is back the same
// API (not restarted) answers again, its connection pool reconnecting.

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/api/gauges"
	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// idleSource collects nothing.
type idleSource struct{}

func (idleSource) Name() string                                  { return "idle" }
func (idleSource) Type() string                                  { return "test" }
func (idleSource) Collect(context.Context, collector.Sink) error { return nil }

func TestAPIWhileDatabaseGone(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// A private server: this test kills it, which the shared one must
	// never be.
	srv, err := whtest.StartServer(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	db, err := warehouse.Open(ctx, srv.PasswordDSN("runway_api_gone"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(gauges.New(db, nil, nil, 5*time.Second))
	runner := collector.NewRunner(db, nil, collector.NewMetrics(reg), collector.RunnerOptions{})
	if err := runner.AddSource(idleSource{}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := runner.RunOnce(ctx, "idle", nil); err != nil {
		t.Fatal(err)
	}
	logs := &collectortest.LogBuffer{}
	s := api.New(api.Options{DB: db, Runner: runner, Gatherer: reg,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	client := &http.Client{Timeout: 30 * time.Second}

	get := func(path string) (int, string) {
		t.Helper()
		start := time.Now()
		resp, err := client.Get(hs.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("GET %s took %s", path, d)
		}
		if !json.Valid(b) {
			t.Errorf("GET %s: %d, body is not JSON: %s", path, resp.StatusCode, b)
		}
		return resp.StatusCode, strings.TrimSpace(string(b))
	}

	dataPaths := []string{
		"/api/v1/sprints",
		"/api/v1/sprints/acme-jira/1",
		"/api/v1/collectors",
		"/api/v1/scope-change?entity=sprint",
		"/api/v1/durations?entity=sprint",
	}
	// wantUp is what each path answers with the database up: an empty
	// warehouse has no sprint 1.
	wantUp := func(path string) int {
		if strings.HasPrefix(path, "/api/v1/sprints/") {
			return http.StatusNotFound
		}
		return http.StatusOK
	}
	checkUp := func(when string) {
		t.Helper()
		if status, body := get("/readyz"); status != 200 || body != `{"backend":"clickhouse","status":"ready"}` {
			t.Errorf("%s: /readyz %d %s", when, status, body)
		}
		for _, p := range dataPaths {
			if status, body := get(p); status != wantUp(p) {
				t.Errorf("%s: GET %s: %d %s, want %d", when, p, status, body, wantUp(p))
			}
		}
		status, body := get("/api/v1/collectors")
		if status != 200 || !strings.Contains(body, `"source":"idle"`) {
			t.Errorf("%s: /api/v1/collectors %d %s", when, status, body)
		}
	}
	checkUp("before the database goes away")

	srv.Kill()
	logs0 := len(logs.String())

	if status, body := get("/healthz"); status != 200 || body != `{"status":"ok"}` {
		t.Errorf("database gone: /healthz %d %s, want 200: the process itself is alive", status, body)
	}
	if status, body := get("/readyz"); status != 503 || body != `{"error":{"code":"unavailable","message":"storage unreachable"}}` {
		t.Errorf("database gone: /readyz %d %s, want 503 unavailable", status, body)
	}
	const unavailable = `{"error":{"code":"unavailable","message":"storage unreachable"}}`
	for _, p := range dataPaths {
		status, body := get(p)
		if status != 503 || body != unavailable {
			t.Errorf("database gone: GET %s: %d %s, want 503 %s", p, status, body, unavailable)
		}
		for _, leak := range []string{"127.0.0.1", strconv.Itoa(srv.Port()), "clickhouse", "dial", "runway_api_gone", whtest.UserPassword} {
			if strings.Contains(strings.ToLower(body), strings.ToLower(leak)) {
				t.Errorf("database gone: GET %s leaks %q: %s", p, leak, body)
			}
		}
	}
	// A run fails for want of storage; /metrics (served without it) counts
	// it, and says the business gauges could not be computed.
	runCtx, runCancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = runner.RunOnce(runCtx, "idle", nil)
	runCancel()
	if err == nil || !strings.Contains(err.Error(), "cannot reach ClickHouse server") {
		t.Errorf("database gone: run error %v", err)
	}
	resp, err := client.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`runway_collector_runs_total{result="failure",source="idle"} 1`,
		`runway_collector_runs_total{result="success",source="idle"} 1`,
		`runway_gauges_scrape_success{family="sprints"} 0`,
		`runway_gauges_scrape_success{family="milestones"} 0`,
	} {
		if resp.StatusCode != 200 || !strings.Contains(string(metrics), want+"\n") {
			t.Errorf("database gone: /metrics %d lacks %q:\n%s", resp.StatusCode, want, metrics)
		}
	}

	// The detail goes to the server log, which names the cause and not
	// the password.
	gone := logs.String()[logs0:]
	if !strings.Contains(gone, "cannot reach ClickHouse server") || !strings.Contains(gone, "readiness check failed") {
		t.Errorf("the log does not say why requests failed:\n%s", gone)
	}
	if strings.Contains(logs.String(), whtest.UserPassword) {
		t.Errorf("the log shows the password:\n%s", logs.String())
	}
	if strings.Contains(gone, "panic") {
		t.Errorf("a request panicked:\n%s", gone)
	}

	// The same API, with the same DB handle, answers again once the
	// server is back: no restart of Runway needed.
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	checkUp("after the database came back")

	// A restart no request saw: every connection in the pool is to the
	// old process. Fill the pool with several first (concurrent requests),
	// then bounce the server; the pool must drop the dead connections
	// rather than hand them out.
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			resp, err := client.Get(hs.URL + "/api/v1/sprints")
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	checkUp("after an unseen restart")
}
