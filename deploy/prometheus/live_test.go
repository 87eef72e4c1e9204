package prometheus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/runway-analytics/runway/api/gauges"
	"github.com/runway-analytics/runway/api/gauges/gaugestest"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// liveBudget bounds the whole live test once Prometheus is started.
const liveBudget = 60 * time.Second

// TestLivePrometheus runs Debian's prometheus against an httptest server
// exposing the gauges Collector over the gaugestest fixture in the embedded
// warehouse, with rules.yml loaded, scraping and evaluating every second. It
// waits (at most liveBudget) until Prometheus's HTTP API shows the expected
// scope-change ratios, every rule loaded and healthy, and
// RunwaySprintScopeChurn pending for the one active sprint above 30% (202;
// its `for: 1h` keeps it pending here, promtool's tests cover the firing).
func TestLivePrometheus(t *testing.T) {
	bin := tool(t, "prometheus")
	db := whtest.EmbeddedDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	if err := gaugestest.Seed(ctx, db); err != nil {
		t.Fatal(err)
	}

	reg := prometheus.NewRegistry()
	// The gauges' log goes to a buffer, shown if the test fails (a refresh
	// may still log after the test has returned).
	gaugeLog := &collectortest.LogBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gauges log:\n%s", gaugeLog.String())
		}
	})
	log := slog.New(slog.NewTextHandler(gaugeLog, &slog.HandlerOptions{Level: slog.LevelWarn}))
	reg.MustRegister(gauges.New(db, log, func() time.Time { return gaugestest.Now }, 10*time.Second))
	target := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(target.Close)

	rules, err := filepath.Abs("rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	p := startPrometheus(t, bin, liveConfig(rules, target.URL))
	deadline := time.Now().Add(liveBudget)

	t.Run("ScopeChangeRatios", func(t *testing.T) {
		want := map[string]string{}
		for id, v := range gaugestest.Ratio {
			want[id] = strconv.FormatFloat(v, 'f', -1, 64)
		}
		p.eventually(t, deadline, func() error {
			res, err := p.query("runway_sprint_scope_change_ratio")
			if err != nil {
				return err
			}
			got := map[string]string{}
			for _, s := range res {
				if s.Metric["job"] != "runway" || s.Metric["source"] != gaugestest.Source || s.Metric["state"] == "" || s.Metric["board"] == "" {
					return fmt.Errorf("unexpected labels %v", s.Metric)
				}
				got[s.Metric["sprint"]] = s.value()
			}
			if !reflect.DeepEqual(got, want) {
				return fmt.Errorf("ratios by sprint = %v, want %v", got, want)
			}
			return nil
		})
		p.eventually(t, deadline, func() error {
			res, err := p.query(`runway_gauges_scrape_success{job="runway"}`)
			if err != nil {
				return err
			}
			if len(res) != len(gauges.Families) {
				return fmt.Errorf("runway_gauges_scrape_success = %v, want one per family", res)
			}
			for _, r := range res {
				if r.value() != "1" {
					return fmt.Errorf("runway_gauges_scrape_success = %v, want 1 for every family", res)
				}
			}
			return nil
		})
	})

	t.Run("RulesHealthy", func(t *testing.T) {
		p.eventually(t, deadline, func() error {
			var data struct {
				Groups []struct {
					File  string `json:"file"`
					Rules []struct {
						Name      string `json:"name"`
						Type      string `json:"type"`
						Health    string `json:"health"`
						LastError string `json:"lastError"`
					} `json:"rules"`
				} `json:"groups"`
			}
			if err := p.get("/api/v1/rules", nil, &data); err != nil {
				return err
			}
			alerts := map[string]bool{}
			n := 0
			for _, g := range data.Groups {
				if g.File != rules {
					return fmt.Errorf("group from %s, want %s", g.File, rules)
				}
				for _, r := range g.Rules {
					n++
					if r.Type != "alerting" || r.Health != "ok" {
						return fmt.Errorf("rule %s: type %s, health %q (%s)", r.Name, r.Type, r.Health, r.LastError)
					}
					alerts[r.Name] = true
				}
			}
			var names []string
			for a := range alerts {
				names = append(names, a)
			}
			sort.Strings(names)
			want := append([]string(nil), requiredAlerts...)
			sort.Strings(want)
			if !reflect.DeepEqual(names, want) || n != 6 {
				return fmt.Errorf("%d rules loaded for alerts %v, want 6 rules for %v", n, names, want)
			}
			return nil
		})
	})

	t.Run("ScopeChurnPending", func(t *testing.T) {
		p.eventually(t, deadline, func() error {
			res, err := p.query(`ALERTS{alertname="RunwaySprintScopeChurn"}`)
			if err != nil {
				return err
			}
			if len(res) != 1 {
				return fmt.Errorf("%d RunwaySprintScopeChurn series, want 1 (sprint 202): %v", len(res), res)
			}
			m := res[0].Metric
			want := map[string]string{"__name__": "ALERTS", "alertname": "RunwaySprintScopeChurn", "alertstate": "pending",
				"severity": "warning", "job": "runway", "instance": m["instance"],
				"source": gaugestest.Source, "board": "34", "sprint": "202", "state": "active"}
			if !reflect.DeepEqual(m, want) {
				return fmt.Errorf("ALERTS labels = %v, want %v", m, want)
			}
			return nil
		})
	})
}

// liveConfig is a Prometheus config that loads the rules file at rules and
// scrapes the Runway at targetURL, scraping and evaluating every second.
func liveConfig(rules, targetURL string) string {
	return fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: runway
    static_configs:
      - targets: [%q]
`, rules, strings.TrimPrefix(targetURL, "http://"))
}

// promProcess is a running prometheus.
type promProcess struct {
	base   string // http://127.0.0.1:port
	client *http.Client
	log    *collectortest.LogBuffer
	done   <-chan struct{} // closed when the process has exited
}

// startPrometheus writes config to a temporary folder and starts prometheus
// on a free loopback port with its TSDB there, waiting (bounded) until it
// is ready. It is stopped in t.Cleanup: SIGTERM, then SIGKILL after 10 s.
func startPrometheus(t *testing.T, bin, config string) *promProcess {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	// The free port can be taken between probing and binding: retry then.
	for attempt := range 3 {
		port, err := whtest.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		p, err := launch(t, bin, cfg, filepath.Join(dir, "data"+strconv.Itoa(attempt)), port)
		if err == nil {
			return p
		}
		lastErr = err
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	t.Fatal(lastErr)
	return nil
}

func launch(t *testing.T, bin, cfg, data string, port int) (*promProcess, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p := &promProcess{base: "http://" + addr, client: &http.Client{Timeout: 5 * time.Second},
		log: &collectortest.LogBuffer{}}
	cmd := exec.Command(bin,
		"--config.file="+cfg,
		"--storage.tsdb.path="+data,
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	cmd.Stdout, cmd.Stderr = p.log, p.log
	child, err := whtest.StartChild(cmd)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	p.done = child.Done()
	stop := func() {
		select {
		case <-p.done:
			return
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
	}

	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := p.client.Get(p.base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("prometheus exited during start-up:\n%s", p.log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("prometheus not ready on %s within 30s:\n%s", addr, p.log.String())
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", p.log.String())
		}
	})
	return p, nil
}

// eventually retries check every 250 ms until it passes or deadline passes.
func (p *promProcess) eventually(t *testing.T, deadline time.Time, check func() error) {
	t.Helper()
	for {
		err := check()
		if err == nil {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("prometheus exited; last check: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not reached within %s: %v", liveBudget, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// sample is one element of an instant-vector query result.
type sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"` // [unix time, "value"]
}

func (s sample) value() string {
	v, _ := s.Value[1].(string)
	return v
}

func (p *promProcess) query(q string) ([]sample, error) {
	var data struct {
		ResultType string   `json:"resultType"`
		Result     []sample `json:"result"`
	}
	if err := p.get("/api/v1/query", url.Values{"query": {q}}, &data); err != nil {
		return nil, err
	}
	if data.ResultType != "vector" {
		return nil, fmt.Errorf("query %s: result type %s, want vector", q, data.ResultType)
	}
	return data.Result, nil
}

// get calls a Prometheus HTTP API endpoint and decodes its data.
func (p *promProcess) get(path string, params url.Values, data any) error {
	u := p.base + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	resp, err := p.client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, bytes.TrimSpace(body))
	}
	if env.Status != "success" {
		return fmt.Errorf("GET %s: %s: %s", path, env.Status, env.Error)
	}
	return json.Unmarshal(env.Data, data)
}
