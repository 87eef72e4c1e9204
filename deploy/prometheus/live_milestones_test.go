package prometheus_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/runway-analytics/runway/api/gauges"
	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/jira"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestLiveMilestoneAlerts collects a demo org (the simulator's fix-version
// scenarios) from the simulated Jira with the real Jira source into the
// embedded warehouse, serves the gauges over it to Debian's Prometheus with
// rules.yml loaded, and waits until RunwayMilestoneSlipping fires for the
// org's slipping milestone ("PLAT Production launch") and not for its
// on-track one ("PLAT GA"), and RunwayMilestoneOverdue fires for its
// overdue one ("PLAT Pilot").
//
// Prometheus evaluates rules against its own wall clock (time()), so the
// org is laid out relative to the wall clock here, not a pinned one: the
// scenarios are relative to their Now, so the outcome is the same on any
// day. The rules' `for` durations (6 h, 30 min) are cut to 1 s in the copy
// Prometheus loads — the expressions are rules.yml's own; promtool's tests
// (rules_test.yml) cover the `for` semantics.
func TestLiveMilestoneAlerts(t *testing.T) {
	bin := tool(t, "prometheus")
	db := whtest.EmbeddedDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}

	// The wall clock, not a pinned one: Prometheus's time() is the wall
	// clock (see above); RUNWAY_TEST_NOW cannot move it.
	now := time.Now().UTC().Truncate(time.Second)
	org := simulate.Generate(simulate.Options{Seed: 42, Now: now})
	const email, token = "demo@runway.local", "demo-token"
	site := httptest.NewServer(simulate.NewJira(org, simulate.JiraOptions{Email: email, Token: token,
		Now: func() time.Time { return now }}))
	t.Cleanup(site.Close)
	runner := collector.NewRunner(db, nil, collector.NewMetrics(prometheus.NewRegistry()),
		collector.RunnerOptions{Now: func() time.Time { return now }})
	err := runner.Add(config.Source{Name: "demo-jira", Type: jira.Type, BaseURL: site.URL,
		Settings: &jira.Config{Email: email}, Token: config.Secret(token), Since: config.Span(400 * 24 * time.Hour)},
		jira.SourceType.New)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Projects: []config.Project{
		{Key: "platform", Name: "Platform rebuild", Type: "long_term", Match: config.ProjectMatch{JiraProjects: []string{"PLAT"}}},
	}}
	if err := collector.SyncConfig(ctx, db, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := runner.RunOnce(ctx, "demo-jira", nil); err != nil {
		t.Fatal(err)
	}

	title := func(scenario string) string {
		ms := org.MilestonesByScenario(scenario)
		for _, m := range ms {
			if m.Project == "PLAT" {
				return m.Name
			}
		}
		t.Fatalf("no PLAT milestone of scenario %s", scenario)
		return ""
	}
	slipping, onTrack, overdue := title(simulate.ScenarioSlipping), title(simulate.ScenarioOnTrack), title(simulate.ScenarioOverdue)

	reg := prometheus.NewRegistry()
	reg.MustRegister(gauges.New(db, nil, func() time.Time { return now }, 30*time.Second))
	target := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(target.Close)

	p := startPrometheus(t, bin, liveConfig(shortFor(t), target.URL))
	deadline := time.Now().Add(liveBudget)

	firing := func(alert string) (map[string]bool, error) {
		res, err := p.query(`ALERTS{alertname="` + alert + `",alertstate="firing",project="platform"}`)
		if err != nil {
			return nil, err
		}
		out := map[string]bool{}
		for _, s := range res {
			out[s.Metric["milestone"]] = true
		}
		return out, nil
	}
	p.eventually(t, deadline, func() error {
		got, err := firing("RunwayMilestoneSlipping")
		if err != nil {
			return err
		}
		if !got[slipping] {
			return fmt.Errorf("RunwayMilestoneSlipping firing for %v, want %q among them", got, slipping)
		}
		return nil
	})
	p.eventually(t, deadline, func() error {
		got, err := firing("RunwayMilestoneOverdue")
		if err != nil {
			return err
		}
		if !got[overdue] {
			return fmt.Errorf("RunwayMilestoneOverdue firing for %v, want %q among them", got, overdue)
		}
		return nil
	})
	// Both alerts have been evaluated many times by now: the on-track
	// milestone fires neither.
	for _, alert := range []string{"RunwayMilestoneSlipping", "RunwayMilestoneOverdue"} {
		got, err := firing(alert)
		if err != nil {
			t.Fatal(err)
		}
		if got[onTrack] {
			t.Errorf("%s fires for the on-track milestone %q", alert, onTrack)
		}
	}
	res, err := p.query(`runway_milestone_slip_days{milestone="` + onTrack + `"}`)
	if err != nil || len(res) != 1 {
		t.Fatalf("slip days of %q = %v (%v), want one sample", onTrack, res, err)
	}
	if v, err := strconv.ParseFloat(res[0].value(), 64); err != nil || v > 0 {
		t.Errorf("slip days of %q = %s, want ≤ 0", onTrack, res[0].value())
	}
}

// shortFor writes a copy of rules.yml whose `for` durations are 1s and
// returns its path.
func shortFor(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	short := regexp.MustCompile(`(?m)^(\s+for:) \S+$`).ReplaceAll(b, []byte("$1 1s"))
	if strings.Count(string(short), "for: 1s") != strings.Count(string(b), "for: ") {
		t.Fatal("rules.yml: not every `for:` was rewritten")
	}
	path := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(path, short, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
