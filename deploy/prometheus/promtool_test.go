// Package prometheus_test checks Runway's Prometheus files with the real
// tools: promtool validates the rules and the example config and runs the
// rule unit tests, and a live Prometheus scrapes the business gauges over
// real warehouse data and evaluates the rules (live_test.go).
//
// promtool and prometheus come from Debian's prometheus package, which
// `make test` installs (make deps). A missing tool fails the tests, never
// skips them.
package prometheus_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestMain starts the warehouse backends the live test reads (whtest).
func TestMain(m *testing.M) { os.Exit(whtest.Main(m)) }

// requiredAlerts are the alert rules DESIGN.md §8 names.
var requiredAlerts = []string{
	"RunwayMilestoneSlipping",
	"RunwayMilestoneOverdue",
	"RunwaySprintScopeChurn",
	"RunwayCollectorStale",
	"RunwayTicketSLABreaches",
}

// tool returns the path of a Prometheus binary, failing the test with what
// to install when it is missing.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found in PATH: it comes with Debian's prometheus package "+
			"(`make test` installs it through `make deps`; by hand: apt-get install prometheus): %v", name, err)
	}
	return p
}

func promtool(t *testing.T, args ...string) string {
	t.Helper()
	bin := tool(t, "promtool")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestCheckRules(t *testing.T) {
	out := promtool(t, "check", "rules", "rules.yml")
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool check rules: no SUCCESS in\n%s", out)
	}
}

func TestRuleUnitTests(t *testing.T) {
	out := promtool(t, "test", "rules", "rules_test.yml")
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules: no SUCCESS in\n%s", out)
	}
}

// TestCheckConfig checks every prometheus*.yml here: the bare-metal
// example and the compose one must both stay valid, rules included.
func TestCheckConfig(t *testing.T) {
	files, err := filepath.Glob("prometheus*.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"prometheus.yml", "prometheus.compose.yml"} {
		if !slices.Contains(files, want) {
			t.Errorf("no %s in deploy/prometheus (found %v)", want, files)
		}
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			out := promtool(t, "check", "config", f)
			if !strings.Contains(out, f+" is valid prometheus config file") {
				t.Errorf("promtool check config %s: not reported valid\n%s", f, out)
			}
			if !strings.Contains(out, "SUCCESS: 1 rule files found") {
				t.Errorf("promtool check config %s: rules.yml not loaded\n%s", f, out)
			}
		})
	}
}

// ruleFile is the part of a Prometheus rule file these checks read.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// unitTestFile is the part of a promtool unit-test file these checks read.
type unitTestFile struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		AlertRuleTests []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []struct {
				ExpLabels      map[string]string `yaml:"exp_labels"`
				ExpAnnotations map[string]string `yaml:"exp_annotations"`
			} `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestRuleConventions: every alert DESIGN.md §8 names exists; every alert has
// a severity of warning or critical, a summary and a description; and the
// unit tests cover each alert both firing (with exact labels and
// annotations) and not firing.
func TestRuleConventions(t *testing.T) {
	var rules ruleFile
	readYAML(t, "rules.yml", &rules)
	seen := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			seen[r.Alert] = true
			if !slices.Contains(requiredAlerts, r.Alert) {
				t.Errorf("alert %s is not one DESIGN.md §8 names; add it to requiredAlerts if intended", r.Alert)
			}
			if s := r.Labels["severity"]; s != "warning" && s != "critical" {
				t.Errorf("alert %s: severity %q, want warning or critical", r.Alert, s)
			}
			for _, a := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("alert %s: no %s annotation", r.Alert, a)
				}
			}
			if !strings.Contains(r.Annotations["summary"]+r.Annotations["description"], "$labels.source") {
				t.Errorf("alert %s: annotations do not name the source", r.Alert)
			}
		}
	}
	for _, a := range requiredAlerts {
		if !seen[a] {
			t.Errorf("rules.yml has no alert %s", a)
		}
	}

	var tests unitTestFile
	readYAML(t, "rules_test.yml", &tests)
	if !slices.Contains(tests.RuleFiles, "rules.yml") {
		t.Errorf("rules_test.yml does not load rules.yml (rule_files: %v)", tests.RuleFiles)
	}
	firing, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, at := range tc.AlertRuleTests {
			if len(at.ExpAlerts) == 0 {
				quiet[at.Alertname] = true
				continue
			}
			firing[at.Alertname] = true
			for _, e := range at.ExpAlerts {
				if e.ExpLabels["severity"] == "" || e.ExpAnnotations["summary"] == "" || e.ExpAnnotations["description"] == "" {
					t.Errorf("%s: an expected alert without exact severity, summary and description", at.Alertname)
				}
			}
		}
	}
	for _, a := range requiredAlerts {
		if !firing[a] {
			t.Errorf("rules_test.yml: no case where %s fires", a)
		}
		if !quiet[a] {
			t.Errorf("rules_test.yml: no case where %s does not fire", a)
		}
	}
}
