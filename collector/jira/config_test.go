package jira

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/config"
)

var jiraTypes = config.SourceTypes{Type: SourceType.Settings}

func loadJira(t *testing.T, body string, env config.MapEnv) (*Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runway.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if env == nil {
		env = config.MapEnv{}
	}
	env["JIRA_TOKEN"] = "j"
	cfg, err := config.Load(path, env, jiraTypes)
	if err != nil {
		return nil, err
	}
	return cfg.Sources[0].Settings.(*Config), nil
}

const jiraYAML = `sources:
  - name: acme-jira
    type: jira
    base_url: "https://acme.atlassian.net"
    token_env: JIRA_TOKEN
    schedule: "@hourly"
`

// TestConfig: Jira's keys (email, projects, boards, points_field,
// reconcile) are its own: decoded and validated by this package,
// overridable from the environment; GitHub's and GitLab's (repos, groups)
// are not Jira's.
func TestConfig(t *testing.T) {
	c, err := loadJira(t, jiraYAML+"    email: bot@acme.com\n    projects: [PLAT, MOB]\n    boards: [12, 14]\n    points_field: customfield_10016\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.cloud() || strings.Join(c.Projects, ",") != "PLAT,MOB" || len(c.Boards) != 2 || c.PointsField != "customfield_10016" {
		t.Errorf("config = %+v", c)
	}
	if c, err := loadJira(t, jiraYAML, nil); err != nil || c.cloud() || len(c.Projects)+len(c.Boards) != 0 || c.PointsField != "" ||
		c.Reconcile.D() != 24*time.Hour {
		t.Errorf("defaults = %+v, %v (want Data Center, everything visible, reconciled daily)", c, err)
	}
	for body, want := range map[string]time.Duration{"    reconcile: 6h\n": 6 * time.Hour, "    reconcile: 7d\n": 7 * 24 * time.Hour, "    reconcile: 0\n": 0} {
		if c, err := loadJira(t, jiraYAML+body, nil); err != nil || c.Reconcile.D() != want {
			t.Errorf("%q: reconcile = %v, %v; want %v", body, c, err, want)
		}
	}
	if c, err := loadJira(t, jiraYAML, config.MapEnv{"RUNWAY_SOURCES_0_RECONCILE": "12h"}); err != nil || c.Reconcile.D() != 12*time.Hour {
		t.Errorf("reconcile from the environment = %v, %v", c, err)
	}
	if probs := (&Config{Reconcile: config.Span(-time.Hour)}).Validate(); len(probs) != 1 || !strings.HasPrefix(probs[0], "reconcile: negative") {
		t.Errorf("negative reconcile: %v", probs)
	}

	c, err = loadJira(t, jiraYAML+"    projects: [PLAT]\n", config.MapEnv{
		"RUNWAY_SOURCES_0_PROJECTS": "A, B", "RUNWAY_SOURCES_0_EMAIL": "bot@acme.com", "RUNWAY_SOURCES_0_BOARDS": "3"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Projects, ",") != "A,B" || c.Email != "bot@acme.com" || len(c.Boards) != 1 || c.Boards[0] != 3 {
		t.Errorf("from the environment = %+v", c)
	}
	c, err = loadJira(t, "", config.MapEnv{
		"RUNWAY_SOURCES_0_NAME": "acme-jira", "RUNWAY_SOURCES_0_TYPE": "jira", "RUNWAY_SOURCES_0_BASE_URL": "https://acme.atlassian.net",
		"RUNWAY_SOURCES_0_TOKEN_ENV": "JIRA_TOKEN", "RUNWAY_SOURCES_0_SCHEDULE": "@hourly", "RUNWAY_SOURCES_0_PROJECTS": "PLAT"})
	if err != nil || strings.Join(c.Projects, ",") != "PLAT" {
		t.Errorf("environment only = %+v, %v", c, err)
	}

	for _, tc := range []struct {
		name, body string
		env        config.MapEnv
		want       string
	}{
		{"repos", jiraYAML + "    repos: [acme/web]\n", nil,
			"line 7: field repos not found in type jira (jira has: email, projects, boards, points_field, reconcile; every source has:"},
		{"groups", jiraYAML + "    groups: [platform]\n", nil, "line 7: field groups not found in type jira"},
		{"repos from the environment", jiraYAML, config.MapEnv{"RUNWAY_SOURCES_0_REPOS": "acme/web"},
			"RUNWAY_SOURCES_0_REPOS: no such setting (sources[0] (type jira) has:"},
		{"bad board", jiraYAML + "    boards: [12, 0]\n", nil, "sources[0].boards[1]: bad board id 0"},
		{"empty project", jiraYAML + "    projects: [PLAT, \" \"]\n", nil, "sources[0].projects[1]: empty project key"},
		{"board not a number", jiraYAML + "    boards: [twelve]\n", nil, "line 7: cannot unmarshal !!str `twelve` into int64"},
		{"reconcile without a unit", jiraYAML + "    reconcile: 24\n", nil, `line 7: bad duration "24"`},
		{"negative reconcile", jiraYAML + "    reconcile: -1h\n", nil, `line 7: bad duration "-1h"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadJira(t, tc.body, tc.env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
