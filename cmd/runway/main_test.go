package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// These tests run the real binary as a user would: built once, started as
// a subprocess with a controlled environment, talking to a real ClickHouse.

var binary string

// latest is the schema version migrate reports once every migration ran.
var latest = warehouse.Migrations[len(warehouse.Migrations)-1].Version

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "runway-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "runway")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building runway: %v\n%s", err, out)
		os.Exit(1)
	}
	code := whtest.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// cleanEnv is a minimal environment: no CHDB_LIB_PATH and an empty home, so
// no libchdb can be found unless the test adds it.
func cleanEnv(t *testing.T, extra ...string) []string {
	home := t.TempDir()
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "TZ=UTC"}, extra...)
}

func runway(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), o.String(), e.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, o.String(), e.String()
}

func serverDSN(t *testing.T) string {
	return whtest.SharedServer().DSN(whtest.DatabaseName(t))
}

func TestMigrateBothBackends(t *testing.T) {
	for _, tc := range []struct {
		name string
		dsn  string
		env  []string
	}{
		{"clickhouse", serverDSN(t), nil},
		{"chdb", "chdb://" + filepath.Join(t.TempDir(), "data"), []string{"CHDB_LIB_PATH=" + os.Getenv("CHDB_LIB_PATH")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := cleanEnv(t, append(tc.env, "RUNWAY_STORAGE_DSN="+tc.dsn)...)
			code, out, errOut := runway(t, env, "migrate")
			if code != 0 || !strings.Contains(out, fmt.Sprintf("schema at version %d on %s", latest, tc.name)) || !strings.Contains(out, fmt.Sprintf("applied %d migration(s) now", len(warehouse.Migrations))) {
				t.Fatalf("first migrate: exit %d\n%s%s", code, out, errOut)
			}
			code, out, errOut = runway(t, env, "migrate")
			if code != 0 || !strings.Contains(out, fmt.Sprintf("schema at version %d", latest)) || !strings.Contains(out, "applied 0 migration(s) now") {
				t.Fatalf("second migrate: exit %d\n%s%s", code, out, errOut)
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeServerBackendWithoutLibchdb: a clickhouse:// deployment must run
// where no libchdb exists.
func TestServeServerBackendWithoutLibchdb(t *testing.T) {
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "runway.yaml")
	cfg := fmt.Sprintf(`storage: {dsn: %q}
api:
  listen: %q
  shutdown_timeout: 10s
  read_header_timeout: 1s
  tokens:
    - {name: managers, token_env: READ_TOKEN, scope: read}
    - {name: ops, token_env: ADMIN_TOKEN, scope: admin}
sources:
  - {name: acme-jira, type: jira, base_url: "http://127.0.0.1:9", email: bot@acme.com, token_env: JIRA_TOKEN,
     schedule: "0 0 1 1 *"}
`, serverDSN(t), addr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "--config", cfgPath)
	cmd.Env = cleanEnv(t, "READ_TOKEN=r-token", "ADMIN_TOKEN=a-token", "JIRA_TOKEN=j")
	var out, errOut collectortest.LogBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()

	base := "http://" + addr
	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	healthy := eventually(30*time.Second, 100*time.Millisecond, func() bool {
		select {
		case err := <-exited:
			t.Fatalf("serve exited early: %v\n%s", err, errOut.String())
		default:
		}
		code, _ := get("/healthz", "")
		return code == 200
	})
	if !healthy {
		t.Fatalf("serve never answered /healthz\n%s", errOut.String())
	}
	// Once listening, serve prints where the overview page is, first.
	eventually(5*time.Second, 20*time.Millisecond, func() bool { return strings.Contains(out.String(), "\n") })
	if got := out.String(); !strings.HasPrefix(got, "Runway overview: http://"+addr+"/\n") {
		t.Errorf("stdout %q, want the overview URL first", got)
	}
	if code, body := get("/readyz", ""); code != 200 || !strings.Contains(body, `"backend":"clickhouse"`) {
		t.Errorf("readyz: %d %s", code, body)
	}
	// api.read_header_timeout reaches the listener: a silent client is cut off.
	if conn, err := net.Dial("tcp", addr); err != nil {
		t.Error(err)
	} else {
		start := time.Now() // elapsed time only: the listener's timeout runs on the real clock
		_ = conn.SetReadDeadline(start.Add(10 * time.Second))
		_, rerr := conn.Read(make([]byte, 1))
		conn.Close()
		if d := time.Since(start); rerr == nil || d > 5*time.Second {
			t.Errorf("a silent connection was closed after %v (%v), want about 1s", d, rerr)
		}
	}
	if code, body := get("/metrics", ""); code != 200 ||
		!strings.Contains(body, `runway_collector_runs_total{result="failure",source="acme-jira"} 0`) ||
		!strings.Contains(body, `runway_build_info{`) || !strings.Contains(body, `runway_gauges_scrape_success{family="sprints"} 1`) {
		t.Errorf("metrics: %d\n%s", code, body)
	}
	if code, _ := get("/api/v1/collectors", ""); code != 401 {
		t.Errorf("collectors without token: %d, want 401", code)
	}
	if code, body := get("/api/v1/collectors", "r-token"); code != 200 || !strings.Contains(body, `"source":"acme-jira"`) || !strings.Contains(body, `"status":"never_run"`) {
		t.Errorf("collectors: %d %s", code, body)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/collectors/acme-jira/run", nil)
	req.Header.Set("Authorization", "Bearer r-token")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("POST with read token: %v %v, want 403", resp, err)
	} else {
		resp.Body.Close()
	}

	// Graceful shutdown on SIGTERM.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve exit after SIGTERM: %v\n%s", err, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20s of SIGTERM")
	}
	if !strings.Contains(errOut.String(), "msg=stopped") {
		t.Errorf("no clean stop logged:\n%s", errOut.String())
	}
}

func TestBadInputOneLine(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	closed := freeAddr(t) // nothing listens there any more
	for _, tc := range []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"unknown key", []string{"migrate", "--config", write("a.yaml", "storage: {dsn: \"chdb://./x\", dns: 1}\n")}, nil,
			"line 1: field dns not found"},
		{"bad cron", []string{"serve", "--config", write("b.yaml", "sources:\n  - {name: j, type: jira, base_url: \"https://x.atlassian.net\", token_env: T, schedule: \"61 * * * *\"}\n")},
			[]string{"T=t"}, `sources[0].schedule: bad cron spec "61 * * * *"`},
		{"unreachable clickhouse", []string{"migrate"}, []string{"RUNWAY_STORAGE_DSN=clickhouse://runway:hunter2@" + closed + "/runway?dial_timeout=2s"},
			"opening storage"},
		{"chdb without library", []string{"migrate"}, []string{"RUNWAY_STORAGE_DSN=chdb://" + filepath.Join(dir, "data")},
			"CHDB_LIB_PATH"},
		{"unknown command", []string{"frobnicate"}, nil, `unknown command "frobnicate"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runway(t, cleanEnv(t, tc.env...), tc.args...)
			if code == 0 {
				t.Fatalf("exit 0, want failure\n%s%s", out, errOut)
			}
			first := strings.SplitN(strings.TrimSpace(errOut), "\n", 2)[0]
			if !strings.Contains(first, tc.want) {
				t.Errorf("stderr %q does not contain %q", errOut, tc.want)
			}
			if tc.name != "unknown command" && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("want one line, got:\n%s", errOut)
			}
			for _, bad := range []string{"panic", "goroutine ", "hunter2"} {
				if strings.Contains(errOut, bad) {
					t.Errorf("stderr contains %q:\n%s", bad, errOut)
				}
			}
		})
	}
}

// TestCollectOnce: `runway collect` against a simulated Jira prints one
// summary line per source and exits non-zero when any source failed.
func TestCollectOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := collectortest.Now(time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC))
	org := simulate.Generate(simulate.Options{Seed: 3, Now: now, Teams: 2, Months: 2, IssuesPerSprint: 6})
	jiraURL, stop := simulate.Serve(ctx, org, simulate.JiraOptions{Email: "bot@acme.test", Token: "sim"})
	defer stop()
	// The binary runs on the wall clock: its first run must reach back
	// from today to the pinned org (or forward, when RUNWAY_TEST_NOW is
	// later: the search has no upper bound).
	since := int(time.Since(now).Hours()/24) + 90
	since = max(since, 90)
	cfgPath := filepath.Join(t.TempDir(), "runway.yaml")
	cfg := fmt.Sprintf(`storage: {dsn: %q}
sources:
  - {name: good, type: jira, base_url: %q, email: bot@acme.test, token_env: JIRA_TOKEN, schedule: "@hourly", since: %dd}
  - {name: down, type: jira, base_url: "http://%s", email: bot@acme.test, token_env: JIRA_TOKEN, schedule: "@hourly"}
`, serverDSN(t), jiraURL, since, freeAddr(t))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := cleanEnv(t, "JIRA_TOKEN=sim")

	code, out, errOut := runway(t, env, "collect", "--config", cfgPath, "good")
	if code != 0 || !regexp.MustCompile(`^good: ok in \S+, \d+ requests \(0 retries\), [1-9]\d* rows\n$`).MatchString(out) {
		t.Fatalf("collect good: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runway(t, env, "collect", "--config", cfgPath)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 2 || !strings.HasPrefix(lines[0], "good: ok in ") ||
		!strings.HasPrefix(lines[1], "down: FAILED after ") || !strings.Contains(errOut, "1 of 2 source(s) failed") {
		t.Fatalf("collect all: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runway(t, env, "collect", "--config", cfgPath, "nope"); code != 2 || !strings.Contains(errOut, `no source named "nope"`) {
		t.Fatalf("collect unknown source: exit %d %s", code, errOut)
	}
}

// TestMigrateNeedsNoUpstreamSecrets: an init container that only migrates
// has no Jira or API tokens; migrate must not ask for them.
func TestMigrateNeedsNoUpstreamSecrets(t *testing.T) {
	cfgPath := filepath.Join(t.TempDir(), "runway.yaml")
	cfg := fmt.Sprintf(`storage: {dsn: %q}
api:
  tokens: [{name: ops, token_env: ADMIN_TOKEN, scope: admin}]
sources:
  - {name: acme-jira, type: jira, base_url: "https://acme.atlassian.net", email: bot@acme.com, token_env: JIRA_TOKEN, schedule: "@hourly"}
`, serverDSN(t))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runway(t, cleanEnv(t), "migrate", "--config", cfgPath); code != 0 || !strings.Contains(out, fmt.Sprintf("schema at version %d", latest)) {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runway(t, cleanEnv(t), "serve", "--config", cfgPath); code != 1 || !strings.Contains(errOut, "environment variable JIRA_TOKEN is not set") {
		t.Fatalf("serve without secrets: exit %d %s", code, errOut)
	}
}
