package prometheus_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
	"github.com/runway-analytics/runway/dashboards"
)

// TestLiveStack runs the stack a user deploys, every part real: `runway
// demo` (the simulated Jira, GitHub, GitLab and Zendesk collected into the
// shared ClickHouse server), Debian's Prometheus scraping it with the
// project's prometheus.yml and rules (intervals and `for:` cut to 1 s; see
// stackConfig) and sending alerts to Debian's Alertmanager with the
// project's example config, whose webhook receivers are this test. It
// waits until RunwayMilestoneSlipping fires for the demo's slipping
// milestone ("PLAT Production launch") and not for its on-track one ("PLAT
// GA"), and the alert reaches the chat receiver (a warning) through
// Alertmanager; and until every
// dashboard panel's query answers with data (stackDashboards).
//
// The demo lays its org out relative to the wall clock, as Prometheus's
// time() is the wall clock, so the outcome is the same on any day.
func TestLiveStack(t *testing.T) {
	promBin := tool(t, "prometheus")
	amBin := alertmanagerBin(t)
	runway := buildRunway(t)

	hook := newWebhook(t)
	am := startAlertmanager(t, amBin, hook.URL)
	demo := startDemo(t, runway)
	prom := startPrometheus(t, promBin, stackConfig(t, shortFor(t), demo, am))

	deadline := time.Now().Add(liveBudget)
	const slipping, onTrack = "PLAT Production launch", "PLAT GA"
	prom.eventually(t, deadline, func() error {
		res, err := prom.query(`ALERTS{alertname="RunwayMilestoneSlipping",alertstate="firing",source="demo-jira"}`)
		if err != nil {
			return err
		}
		var firing []string
		for _, s := range res {
			firing = append(firing, s.Metric["milestone"])
		}
		if !slices.Contains(firing, slipping) {
			return fmt.Errorf("RunwayMilestoneSlipping firing for %q, want %q among them", firing, slipping)
		}
		if slices.Contains(firing, onTrack) {
			return fmt.Errorf("RunwayMilestoneSlipping fires for the on-track %q", onTrack)
		}
		return nil
	})
	// A warning: the example routes it to the chat receiver, not the pager.
	prom.eventually(t, deadline, func() error {
		if to := hook.received("RunwayMilestoneSlipping", slipping); !slices.Equal(to, []string{"runway-chat"}) {
			return fmt.Errorf("alertmanager posted RunwayMilestoneSlipping for %q to %v, want [runway-chat]; posts: %s",
				slipping, to, hook.summary())
		}
		return nil
	})
	if to := hook.received("RunwayMilestoneSlipping", onTrack); len(to) > 0 {
		t.Errorf("alertmanager posted RunwayMilestoneSlipping for the on-track %q to %v", onTrack, to)
	}
	stackDashboards(t, prom, deadline)
	// What Prometheus measured of its scrapes of the demo (the note and
	// README report it).
	for _, q := range []string{`scrape_duration_seconds{job="runway"}`, `scrape_samples_scraped{job="runway"}`,
		`max_over_time(scrape_duration_seconds{job="runway"}[1m])`} {
		if res, err := prom.query(q); err == nil && len(res) == 1 {
			t.Logf("%s = %s", q, res[0].value())
		}
	}
}

// stackConfig is the project's prometheus.yml as a test runs it: every
// interval 1 s, the rules at rules, its scrape target the demo at
// runwayAddr and its Alertmanager the one at am. The rest is the file's
// own (job name, metrics path).
func stackConfig(t *testing.T, rules, runwayAddr, am string) string {
	t.Helper()
	var cfg map[string]any
	readYAML(t, "prometheus.yml", &cfg)
	global, _ := cfg["global"].(map[string]any)
	if global == nil {
		t.Fatal("prometheus.yml: no global section")
	}
	global["scrape_interval"], global["scrape_timeout"], global["evaluation_interval"] = "1s", "1s", "1s"
	if rf, _ := cfg["rule_files"].([]any); !slices.Equal(rf, []any{"rules.yml"}) {
		t.Fatalf("prometheus.yml: rule_files %v, want [rules.yml]", rf)
	}
	cfg["rule_files"] = []any{rules}
	cfg["alerting"] = map[string]any{"alertmanagers": []any{map[string]any{
		"static_configs": []any{map[string]any{"targets": []any{am}}}}}}
	jobs, _ := cfg["scrape_configs"].([]any)
	if len(jobs) != 1 {
		t.Fatalf("prometheus.yml: %d scrape configs, want the one of runway", len(jobs))
	}
	job, _ := jobs[0].(map[string]any)
	if job == nil || job["job_name"] != "runway" {
		t.Fatalf("prometheus.yml: scrape config %v, want job runway", jobs[0])
	}
	job["static_configs"] = []any{map[string]any{"targets": []any{runwayAddr}}}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// buildRunway builds the runway binary into a temporary folder.
func buildRunway(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "runway")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/runway")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/runway: %v\n%s", err, out)
	}
	return bin
}

// startDemo starts `runway demo` on a free loopback port, storing into a
// database of the shared ClickHouse server, and waits until its first live
// collection of every source has finished. It returns the listen address;
// the demo is stopped with SIGTERM in t.Cleanup.
func startDemo(t *testing.T, bin string) string {
	t.Helper()
	port, err := whtest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	home := t.TempDir()
	cmd := exec.Command(bin, "demo", "--seed", "7")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TZ=UTC",
		"RUNWAY_STORAGE_DSN=" + whtest.SharedServer().DSN(whtest.DatabaseName(t)), "RUNWAY_API_LISTEN=" + addr}
	pr, pw := io.Pipe()
	log := &collectortest.LogBuffer{}
	cmd.Stdout, cmd.Stderr = pw, log
	child, err := whtest.StartChild(cmd)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		<-child.Done()
		pw.Close()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-child.Done():
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-child.Done()
		}
		if t.Failed() {
			t.Logf("runway demo log:\n%s", log.String())
		}
	})
	banner := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Press Ctrl-C") {
				close(banner)
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case <-banner:
	case <-child.Done():
		t.Fatalf("runway demo exited early:\n%s", log.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("runway demo: no banner within 2 minutes:\n%s", log.String())
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !liveRunsDone(addr) {
		if time.Now().After(deadline) {
			t.Fatalf("runway demo: the live collection did not finish within 2 minutes:\n%s", log.String())
		}
		time.Sleep(250 * time.Millisecond)
	}
	return addr
}

// liveRunsDone reports whether every demo source has finished the run the
// banner starts (trigger api).
func liveRunsDone(addr string) bool {
	resp, err := http.Get("http://" + addr + "/api/v1/collectors")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var c struct {
		Items []struct {
			Trigger string
			Running bool
		}
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&c) != nil || len(c.Items) != 4 {
		return false
	}
	for _, it := range c.Items {
		if it.Running || it.Trigger != "api" {
			return false
		}
	}
	return true
}

// alertmanagerBin returns Debian's Alertmanager binary.
func alertmanagerBin(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("prometheus-alertmanager not found in PATH: it comes with Debian's prometheus-alertmanager package " +
		"(`make test` installs it through `make deps`; by hand: apt-get install prometheus-alertmanager)")
	return ""
}

// startAlertmanager starts Alertmanager on a free loopback port with the
// project's example config (deploy/alertmanager), its receivers' webhooks
// pointed at hookURL + "/" + the receiver's name and its waits cut to 1 s;
// it returns host:port. Clustering is off (it would bind 0.0.0.0:9094).
func startAlertmanager(t *testing.T, bin, hookURL string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alertmanager.yml")
	var config map[string]any
	readYAML(t, filepath.Join("..", "alertmanager", "alertmanager.yml"), &config)
	route, _ := config["route"].(map[string]any)
	if route == nil {
		t.Fatal("alertmanager.yml: no route")
	}
	route["group_wait"], route["group_interval"] = "1s", "1s"
	receivers, _ := config["receivers"].([]any)
	for _, r := range receivers {
		rec, _ := r.(map[string]any)
		hooks, _ := rec["webhook_configs"].([]any)
		if len(hooks) == 0 {
			t.Fatalf("alertmanager.yml: receiver %v has no webhook to point at the test", rec["name"])
		}
		for _, h := range hooks {
			h.(map[string]any)["url"] = hookURL + "/" + rec["name"].(string)
		}
	}
	out, err := yaml.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, out, 0o644); err != nil {
		t.Fatal(err)
	}
	port, err := whtest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	log := &collectortest.LogBuffer{}
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=warn")
	cmd.Stdout, cmd.Stderr = log, log
	child, err := whtest.StartChild(cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-child.Done():
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-child.Done()
		}
		if t.Failed() {
			t.Logf("alertmanager log:\n%s", log.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		select {
		case <-child.Done():
			t.Fatalf("alertmanager exited during start-up:\n%s", log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("alertmanager not ready on %s within 30s:\n%s", addr, log.String())
		}
	}
}

// webhook is an Alertmanager webhook receiver recording what it is sent.
type webhook struct {
	*httptest.Server
	mu     sync.Mutex
	alerts []map[string]string // labels of every firing alert posted, and "receiver": the path
}

func newWebhook(t *testing.T) *webhook {
	h := &webhook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The webhook payload (Alertmanager's "webhook_config").
		var msg struct {
			Alerts []struct {
				Status string            `json:"status"`
				Labels map[string]string `json:"labels"`
			} `json:"alerts"`
		}
		if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, a := range msg.Alerts {
			if a.Status == "firing" {
				a.Labels["receiver"] = strings.TrimPrefix(r.URL.Path, "/")
				h.alerts = append(h.alerts, a.Labels)
			}
		}
	}))
	t.Cleanup(h.Close)
	return h
}

// received returns the receivers a firing alert with the name and
// milestone label was posted to.
func (h *webhook) received(alertname, milestone string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var to []string
	for _, l := range h.alerts {
		if l["alertname"] == alertname && l["milestone"] == milestone && !slices.Contains(to, l["receiver"]) {
			to = append(to, l["receiver"])
		}
	}
	return to
}

func (h *webhook) summary() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, l := range h.alerts {
		out = append(out, l["receiver"]+": "+l["alertname"]+"/"+l["milestone"])
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// stackDashboards checks that every panel query of the committed
// dashboards, with every variable at All, answers with at least one
// series from the demo's Prometheus. Rates and ranges need a few scrapes:
// each query is retried until the deadline.
func stackDashboards(t *testing.T, prom *promProcess, deadline time.Time) {
	t.Helper()
	queries, err := dashboards.Queries()
	if err != nil {
		t.Fatal(err)
	}
	if len(queries) < 20 {
		t.Fatalf("%d dashboard queries: want every panel's", len(queries))
	}
	prom.eventually(t, deadline, func() error {
		var empty []string
		for _, q := range queries {
			expr := dashboards.Expand(q.Expr, nil)
			res, err := prom.query(expr)
			if err != nil {
				return fmt.Errorf("%s / %s %s: %w", q.Dashboard, q.Panel, q.RefID, err)
			}
			if len(res) == 0 {
				empty = append(empty, fmt.Sprintf("%s / %s %s: %s", q.Dashboard, q.Panel, q.RefID, expr))
			}
		}
		if len(empty) > 0 {
			return fmt.Errorf("%d of %d panel queries answer no series:\n%s", len(empty), len(queries), strings.Join(empty, "\n"))
		}
		return nil
	})
	t.Logf("all %d dashboard panel queries answer with series", len(queries))
}
