package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	alertmanagerConfig = "alertmanager/alertmanager.yml"
	rulesFile          = "prometheus/rules.yml"
	amPackage          = "prometheus-alertmanager"
)

// receiverFor is where the example routes each severity the rules set.
var receiverFor = map[string]string{"critical": "runway-pager", "warning": "runway-chat"}

func amtool(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, err := run(t, tool(t, amPackage, "amtool"), args...)
	if err != nil {
		t.Fatalf("amtool %s: %v\n%s%s", strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout
}

func TestAlertmanagerCheckConfig(t *testing.T) {
	out := amtool(t, "check-config", alertmanagerConfig)
	if !strings.Contains(out, "SUCCESS") || !strings.Contains(out, "1 inhibit rules") {
		t.Errorf("amtool check-config: want SUCCESS with the inhibit rule, got\n%s", out)
	}
}

// TestAlertmanagerRoutes routes every alert of rules.yml, with the labels
// it carries, and wants critical ones paged and warning ones in chat.
func TestAlertmanagerRoutes(t *testing.T) {
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert  string            `yaml:"alert"`
				Labels map[string]string `yaml:"labels"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	readYAML(t, rulesFile, &rules)
	severities := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			sev := r.Labels["severity"]
			want, ok := receiverFor[sev]
			if !ok {
				t.Errorf("%s: severity %q is routed nowhere on purpose (want one of critical, warning)", r.Alert, sev)
				continue
			}
			severities[sev] = true
			args := []string{"config", "routes", "test", "--config.file=" + alertmanagerConfig,
				"alertname=" + r.Alert, "source=acme-jira", "project=checkout", "milestone=Beta"}
			for k, v := range r.Labels {
				args = append(args, k+"="+v)
			}
			if got := strings.TrimSpace(amtool(t, args...)); got != want {
				t.Errorf("%s (severity %s) is routed to %q, want %q", r.Alert, sev, got, want)
			}
		}
	}
	for sev := range receiverFor {
		if !severities[sev] {
			t.Errorf("no rule in %s has severity %s: the route is dead", rulesFile, sev)
		}
	}
}

// amAlert is an alert as Alertmanager's API v2 takes and returns it.
type amAlert struct {
	Labels map[string]string `json:"labels"`
	Status *struct {
		State       string   `json:"state"`
		InhibitedBy []string `json:"inhibitedBy"`
	} `json:"status,omitempty"`
}

// TestAlertmanagerInhibition runs Debian's Alertmanager with the example
// and posts alerts to it: a warning about a milestone that also has a
// critical alert is inhibited; warnings about another milestone, or naming
// no milestone beside a critical that names none, are not.
func TestAlertmanagerInhibition(t *testing.T) {
	bin := tool(t, amPackage, "prometheus-alertmanager", "alertmanager")
	cfg, err := filepath.Abs(alertmanagerConfig)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var log bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--config.file="+cfg, "--storage.path="+t.TempDir(),
		"--web.listen-address="+addr, "--cluster.listen-address=")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("alertmanager log:\n%s", log.String())
		}
	})
	base := "http://" + addr
	waitFor(t, 30*time.Second, func() error {
		resp, err := http.Get(base + "/-/ready")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/-/ready: %s", resp.Status)
		}
		return nil
	})

	milestone := func(alert, sev, m string) amAlert {
		return amAlert{Labels: map[string]string{"alertname": alert, "severity": sev,
			"source": "acme-jira", "project": "checkout", "milestone": m}}
	}
	posted := []amAlert{
		milestone("RunwayMilestoneOverdue", "critical", "Beta"),
		milestone("RunwayMilestoneSlipping", "warning", "Beta"),
		milestone("RunwayMilestoneSlipping", "warning", "GA"),
		{Labels: map[string]string{"alertname": "RunwayCollectorStale", "severity": "critical", "source": "acme-jira"}},
		{Labels: map[string]string{"alertname": "RunwaySprintScopeChurn", "severity": "warning", "source": "acme-jira",
			"board": "12", "sprint": "7"}},
	}
	body, err := json.Marshal(posted)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/api/v2/alerts", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v2/alerts: %s", resp.Status)
	}

	key := func(l map[string]string) string { return l["alertname"] + "/" + l["milestone"] }
	want := map[string]string{"RunwayMilestoneOverdue/Beta": "active", "RunwayMilestoneSlipping/Beta": "suppressed",
		"RunwayMilestoneSlipping/GA": "active", "RunwayCollectorStale/": "active", "RunwaySprintScopeChurn/": "active"}
	// The inhibitor sees a new alert shortly after it is posted.
	waitFor(t, 20*time.Second, func() error {
		resp, err := http.Get(base + "/api/v2/alerts")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var got []amAlert
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
			return err
		}
		states := map[string]string{}
		for _, a := range got {
			if a.Status == nil {
				return fmt.Errorf("alert %v has no status", a.Labels)
			}
			states[key(a.Labels)] = a.Status.State
			if a.Status.State == "suppressed" && len(a.Status.InhibitedBy) == 0 {
				return fmt.Errorf("alert %v is suppressed but not by an inhibition", a.Labels)
			}
		}
		for k, w := range want {
			if states[k] != w {
				return fmt.Errorf("alert %s is %q, want %q (all: %v)", k, states[k], w, states)
			}
		}
		return nil
	})
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitFor retries check until it succeeds, failing the test with its last
// error after d.
func waitFor(t *testing.T, d time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", d, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
