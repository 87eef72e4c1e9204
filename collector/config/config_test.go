package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) Env { return MapEnv(m) }

func TestLoadFull(t *testing.T) {
	cfg, err := Load("testdata/full.yaml", envOf(map[string]string{
		"RUNWAY_READ_TOKEN": "read-token", "JIRA_TOKEN": "jira-token",
	}), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.Listen != "0.0.0.0:9090" || len(cfg.API.Tokens) != 2 {
		t.Fatalf("api = %+v", cfg.API)
	}
	if got := cfg.API.Tokens[1].Value.Reveal(); got != "admin-secret-token" {
		t.Errorf("token_file value = %q", got)
	}
	if got := cfg.API.Tokens[0].Value.Reveal(); got != "read-token" {
		t.Errorf("token_env value = %q", got)
	}
	s := cfg.Sources[0]
	if s.Token.Reveal() != "jira-token" || s.Since.D() != 90*24*time.Hour || len(jiraOf(s).Boards) != 2 || jiraOf(s).Boards[1] != 14 {
		t.Errorf("source = %+v", s)
	}
	if cfg.SLA["urgent"].D() != 4*time.Hour || cfg.SLA["low"].D() != 168*time.Hour {
		t.Errorf("sla = %v", cfg.SLA)
	}
	// Secrets never print.
	for _, out := range []string{fmt.Sprint(s.Token), fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg)} {
		if strings.Contains(out, "jira-token") || strings.Contains(out, "admin-secret-token") || strings.Contains(out, "read-token") {
			t.Errorf("secret printed: %s", out)
		}
	}
}

func TestEnvOverrides(t *testing.T) {
	cfg, err := Load("testdata/full.yaml", envOf(map[string]string{
		"RUNWAY_READ_TOKEN": "r", "JIRA_TOKEN": "j",
		"RUNWAY_STORAGE_DSN":          "chdb:///var/lib/runway",
		"RUNWAY_API_LISTEN":           "127.0.0.1:9999",
		"RUNWAY_SOURCES_0_SCHEDULE":   "@hourly",
		"RUNWAY_SOURCES_0_PROJECTS":   "A, B,C",
		"RUNWAY_SOURCES_0_BOARDS":     "1,2",
		"RUNWAY_SLA_URGENT":           "2h",
		"RUNWAY_API_SHUTDOWN_TIMEOUT": "5s",
	}), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Sources[0]
	if cfg.Storage.DSN != "chdb:///var/lib/runway" || cfg.API.Listen != "127.0.0.1:9999" || s.Schedule != "@hourly" ||
		strings.Join(jiraOf(s).Projects, "|") != "A|B|C" || len(jiraOf(s).Boards) != 2 || jiraOf(s).Boards[0] != 1 ||
		cfg.SLA["urgent"].D() != 2*time.Hour || cfg.API.ShutdownTimeout.D() != 5*time.Second {
		t.Errorf("overrides not applied: %+v", cfg)
	}
	_, err = Load("testdata/full.yaml", envOf(map[string]string{"RUNWAY_READ_TOKEN": "r", "JIRA_TOKEN": "j", "RUNWAY_SOURCES_0_BOARDS": "x"}), testTypes)
	if err == nil || !strings.Contains(err.Error(), "RUNWAY_SOURCES_0_BOARDS") {
		t.Errorf("bad override error = %v", err)
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := Load("", envOf(nil), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.DSN != "chdb://./data" || cfg.API.Listen != DefaultListen {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestInvalid(t *testing.T) {
	env := envOf(map[string]string{"JIRA_TOKEN": "j"})
	for _, tc := range []struct{ file, want string }{
		{"unknown_key.yaml", "line 5: field listn not found"},
		{"bad_cron.yaml", `sources[0].schedule: bad cron spec "every 5 minutes"`},
		{"bad_type.yaml", `sources[0].type: unknown source type "trello"`},
		{"duplicate_source.yaml", `sources[1].name: duplicate source name "acme"`},
		{"bad_dsn.yaml", `storage.dsn: invalid storage DSN "postgres://localhost/runway": unknown scheme "postgres" (want clickhouse or chdb)`},
		{"open_listener.yaml", `api.listen: "0.0.0.0:8080" is not a loopback address and api.tokens is empty`},
		{"wrong_type.yaml", "cannot unmarshal !!str `twelve` into int64"},
		{"cluster_embedded.yaml", "storage.cluster: invalid storage DSN: a cluster needs a clickhouse:// server DSN, not chdb://"},
		{"cluster_bad_name.yaml", `storage.cluster: invalid storage DSN: cluster name "runway; DROP TABLE x": want letters, digits and underscores`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, err := Load("testdata/"+tc.file, env, testTypes)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestMissingSecret(t *testing.T) {
	_, err := Load("testdata/full.yaml", envOf(map[string]string{"JIRA_TOKEN": "j"}), testTypes)
	if err == nil || !strings.Contains(err.Error(), "environment variable RUNWAY_READ_TOKEN is not set") {
		t.Errorf("error = %v", err)
	}
}

// The documented example is loaded with the build's real source types by
// collector/sources (TestExampleConfig): its GitHub and GitLab sources
// have types this package's tests do not know.

func TestWithoutSecrets(t *testing.T) {
	// No token variable is set: a normal load fails, a storage-only one
	// (runway migrate) does not, and reads no secret.
	if _, err := Load("testdata/full.yaml", envOf(nil), testTypes); err == nil {
		t.Fatal("load without token variables succeeded")
	}
	cfg, err := Load("testdata/full.yaml", envOf(nil), testTypes, WithoutSecrets())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sources[0].Token != "" || cfg.API.Tokens[1].Value != "" {
		t.Errorf("secrets read although skipped")
	}
}

func TestEmptyTokenFile(t *testing.T) {
	dir := t.TempDir()
	empty := dir + "/empty.token"
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := dir + "/c.yaml"
	body := "api:\n  listen: \"0.0.0.0:8080\"\n  tokens:\n    - {name: ops, token_file: " + empty + ", scope: admin}\n"
	if err := os.WriteFile(cfgFile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(cfgFile, envOf(nil), testTypes)
	if err == nil || !strings.Contains(err.Error(), "token_file "+empty+" is empty") {
		t.Errorf("error = %v", err)
	}
}

// TestEnvOnly: a deployment configured from the environment alone can add
// list entries and SLA priorities the (absent) file lacks.
func TestEnvOnly(t *testing.T) {
	cfg, err := Load("", envOf(map[string]string{
		"RUNWAY_API_LISTEN":             "0.0.0.0:8080",
		"RUNWAY_API_TOKENS_0_NAME":      "ops",
		"RUNWAY_API_TOKENS_0_TOKEN_ENV": "OPS_TOKEN",
		"RUNWAY_API_TOKENS_0_SCOPE":     "admin",
		"OPS_TOKEN":                     "s3cret",
		"RUNWAY_SOURCES_0_NAME":         "acme-jira",
		"RUNWAY_SOURCES_0_TYPE":         "jira",
		"RUNWAY_SOURCES_0_BASE_URL":     "https://acme.atlassian.net",
		"RUNWAY_SOURCES_0_TOKEN_ENV":    "JIRA_TOKEN",
		"RUNWAY_SOURCES_0_SCHEDULE":     "@hourly",
		"RUNWAY_SOURCES_0_BOARDS":       "12,14",
		"JIRA_TOKEN":                    "j",
		"RUNWAY_SLA_URGENT":             "2h",
	}), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.API.Tokens) != 1 || cfg.API.Tokens[0].Value.Reveal() != "s3cret" || cfg.API.Tokens[0].Scope != "admin" {
		t.Errorf("tokens = %+v", cfg.API.Tokens)
	}
	if len(cfg.Sources) != 1 || cfg.Sources[0].Name != "acme-jira" || len(jiraOf(cfg.Sources[0]).Boards) != 2 {
		t.Errorf("sources = %+v", cfg.Sources)
	}
	if len(cfg.SLA) != 1 || cfg.SLA["urgent"].D() != 2*time.Hour {
		t.Errorf("sla = %v", cfg.SLA)
	}
}
