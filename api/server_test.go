package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

func TestMain(m *testing.M) { os.Exit(whtest.Main(m)) }

// quickSource finishes at once, writing nothing.
type quickSource struct{ name string }

func (s quickSource) Name() string                                  { return s.name }
func (s quickSource) Type() string                                  { return "test" }
func (s quickSource) Collect(context.Context, collector.Sink) error { return nil }

type fixture struct {
	srv    *httptest.Server
	runner *collector.Runner
}

func newFixture(t *testing.T, db warehouse.DB, tokens []config.Token) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	r := collector.NewRunner(db, nil, collector.NewMetrics(reg), collector.RunnerOptions{})
	if err := r.AddSource(quickSource{"acme-jira"}, "@every 1h"); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	s := api.New(api.Options{DB: db, Runner: r, Tokens: tokens, Gatherer: reg})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, runner: r}
}

func (f *fixture) do(t *testing.T, method, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var testTokens = []config.Token{
	{Name: "managers", Scope: "read", Value: "read-token"},
	{Name: "ops", Scope: "admin", Value: "admin-token"},
}

func TestAuthAndCollectors(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		f := newFixture(t, db, testTokens)

		for _, tc := range []struct {
			method, path, token string
			status              int
			body                string
		}{
			{"GET", "/healthz", "", 200, `{"status":"ok"}`},
			{"GET", "/api/v1/collectors", "", 401, `{"error":{"code":"unauthenticated","message":"missing bearer token"}}`},
			{"GET", "/api/v1/collectors", "wrong", 401, `{"error":{"code":"unauthenticated","message":"invalid bearer token"}}`},
			{"POST", "/api/v1/collectors/acme-jira/run", "read-token", 403, `{"error":{"code":"permission_denied","message":"token \"managers\" has scope \"read\"; this endpoint needs admin"}}`},
			{"POST", "/api/v1/collectors/nope/run", "admin-token", 404, `{"error":{"code":"not_found","message":"unknown source nope"}}`},
			{"GET", "/api/v1/collectors?soruce=x", "read-token", 400, `{"error":{"code":"invalid_argument","message":"unknown parameter(s): soruce (allowed: limit, cursor)"}}`},
			{"GET", "/api/v1/nothing", "read-token", 404, `{"error":{"code":"not_found","message":"no such endpoint: /api/v1/nothing"}}`},
		} {
			status, body := f.do(t, tc.method, tc.path, tc.token)
			if status != tc.status || strings.TrimSpace(body) != tc.body {
				t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, status, body, tc.status, tc.body)
			}
		}

		status, body := f.do(t, "GET", "/readyz", "")
		if status != 200 || !strings.Contains(body, `"backend":"`+db.Backend()+`"`) {
			t.Errorf("readyz: %d %s", status, body)
		}

		// Before any run the source is listed as never run.
		status, body = f.do(t, "GET", "/api/v1/collectors", "read-token")
		var got struct {
			Items      []api.CollectorStatus `json:"items"`
			NextCursor string                `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil || status != 200 {
			t.Fatalf("collectors: %d %s %v", status, body, err)
		}
		if len(got.Items) != 1 || got.Items[0].Source != "acme-jira" || got.Items[0].Status != "never_run" || got.Items[0].NextRun == nil {
			t.Fatalf("collectors before run: %s", body)
		}

		status, body = f.do(t, "POST", "/api/v1/collectors/acme-jira/run", "admin-token")
		if status != 202 || !strings.Contains(body, `"status":"running"`) {
			t.Fatalf("run: %d %s", status, body)
		}
		// The run finishes quickly; wait for it to be recorded.
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, body = f.do(t, "GET", "/api/v1/collectors", "read-token")
			if strings.Contains(body, `"status":"success"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("run never recorded: %s", body)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		if it := got.Items[0]; it.Type != "test" || it.Trigger != "api" || it.Started == nil || it.Finished == nil || it.Running {
			t.Errorf("collector after run: %s", body)
		}

		// Two more sources page through /collectors two at a time, in
		// configuration order; the cursor is base64url of {"o":2}.
		for _, name := range []string{"b-src", "c-src"} {
			if err := f.runner.AddSource(quickSource{name}, ""); err != nil {
				t.Fatal(err)
			}
		}
		status, body = f.do(t, "GET", "/api/v1/collectors?limit=2", "read-token")
		if err := json.Unmarshal([]byte(body), &got); err != nil || status != 200 || len(got.Items) != 2 ||
			got.Items[1].Source != "b-src" || got.NextCursor != "eyJvIjoyfQ" {
			t.Fatalf("collectors page 1: %d %s", status, body)
		}
		status, body = f.do(t, "GET", "/api/v1/collectors?limit=2&cursor="+got.NextCursor, "read-token")
		if err := json.Unmarshal([]byte(body), &got); err != nil || status != 200 || len(got.Items) != 1 ||
			got.Items[0].Source != "c-src" || got.NextCursor != "" {
			t.Fatalf("collectors page 2: %d %s", status, body)
		}
		if status, body := f.do(t, "GET", "/api/v1/collectors?cursor=garbage", "read-token"); status != 400 {
			t.Errorf("garbage cursor: %d %s", status, body)
		}

		status, body = f.do(t, "GET", "/metrics", "")
		for _, want := range []string{
			`runway_collector_runs_total{result="success",source="acme-jira"} 1`,
			`runway_collector_last_success_timestamp_seconds{source="acme-jira"}`,
			`runway_collector_run_duration_seconds{source="acme-jira"}`,
		} {
			if status != 200 || !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
}

func TestRunAfterShutdownIsUnavailable(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		f := newFixture(t, db, nil)
		if err := f.runner.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		status, body := f.do(t, "POST", "/api/v1/collectors/acme-jira/run", "")
		if status != 503 || strings.TrimSpace(body) != `{"error":{"code":"unavailable","message":"shutting down; not starting new runs"}}` {
			t.Errorf("run after stop: %d %s", status, body)
		}
	})
}

func TestNoTokensMeansOpen(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		f := newFixture(t, db, nil)
		if status, body := f.do(t, "GET", "/api/v1/collectors", ""); status != 200 {
			t.Errorf("collectors without tokens: %d %s", status, body)
		}
	})
}

func TestRateLimitPerToken(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		if _, err := warehouse.Migrate(context.Background(), db, nil); err != nil {
			t.Fatal(err)
		}
		// One request a second with bursts of two: the third request in a
		// row is refused, for that token only.
		s := api.New(api.Options{DB: db, Tokens: testTokens, RateLimit: 1, RateBurst: 2})
		srv := httptest.NewServer(s.Handler())
		defer srv.Close()
		f := &fixture{srv: srv}
		for i := range 2 {
			if status, body := f.do(t, "GET", "/api/v1/collectors", "read-token"); status != 200 {
				t.Fatalf("request %d: %d %s", i+1, status, body)
			}
		}
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/collectors", nil)
		req.Header.Set("Authorization", "Bearer read-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" ||
			strings.TrimSpace(string(body)) != `{"error":{"code":"rate_limited","message":"rate limit of 1 requests/s exceeded; retry in 1s"}}` {
			t.Errorf("third request: %d Retry-After=%q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		if status, body := f.do(t, "GET", "/api/v1/collectors", "admin-token"); status != 200 {
			t.Errorf("another token is limited separately: %d %s", status, body)
		}
		// Health and metrics are never limited.
		for range 5 {
			if status, _ := f.do(t, "GET", "/healthz", ""); status != 200 {
				t.Fatalf("healthz limited: %d", status)
			}
		}
	})
}

// TestFailedAuthThrottled: ten wrong guesses in a row are answered 401,
// the next wrong ones 429 (forged X-Forwarded-For buys no fresh budget),
// and a valid token from the same address is never refused for them.
func TestFailedAuthThrottled(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		if _, err := warehouse.Migrate(context.Background(), db, nil); err != nil {
			t.Fatal(err)
		}
		s := api.New(api.Options{DB: db, Tokens: testTokens, RateLimit: 100, RateBurst: 100})
		srv := httptest.NewServer(s.Handler())
		defer srv.Close()
		f := &fixture{srv: srv}
		for i := range 10 {
			if status, body := f.do(t, "GET", "/api/v1/collectors", "guess"); status != 401 {
				t.Fatalf("guess %d: %d %s", i+1, status, body)
			}
		}
		status, body := f.do(t, "GET", "/api/v1/collectors", "guess")
		if status != 429 || !strings.Contains(body, "too many failed authentications") {
			t.Errorf("11th guess: %d %s", status, body)
		}
		if status, body := f.do(t, "GET", "/api/v1/collectors", "read-token"); status != 200 {
			t.Errorf("valid token after 11 failures from its address: %d %s", status, body)
		}
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/collectors", nil)
		req.Header.Set("Authorization", "Bearer guess")
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 429 {
			t.Errorf("guess with a forged X-Forwarded-For: %d, want 429", resp.StatusCode)
		}
	})
}
