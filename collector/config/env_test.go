package config

import (
	"strings"
	"testing"
)

// TestUnknownEnv: a RUNWAY_* variable that names no setting is an error
// naming it (a typo in RUNWAY_STORAGE_DSN must not silently run against the
// default store); the few that are not settings, and those a token_env
// names, are allowed.
func TestUnknownEnv(t *testing.T) {
	const secret = "do-not-print-me"
	twoSources := "sources:\n" +
		"  - {name: a, type: jira, base_url: \"https://a.atlassian.net\", token_env: T, schedule: \"@hourly\"}\n" +
		"  - {name: b, type: jira, base_url: \"https://b.atlassian.net\", token_env: T, schedule: \"@hourly\"}\n"
	tokenFromEnv := "api:\n  tokens: [{name: ops, token_env: RUNWAY_OPS_TOKEN, scope: admin}]\n"
	for _, tc := range []struct {
		name, body string
		env        map[string]string
		want       []string // nil: loads
	}{
		{"typo", "", map[string]string{"RUNWAY_STORAGE_DSNN": secret}, []string{
			"RUNWAY_STORAGE_DSNN: no such setting (did you mean RUNWAY_STORAGE_DSN?)"}},
		{"unknown section", "", map[string]string{"RUNWAY_STORAGEDSN": secret}, []string{"RUNWAY_STORAGEDSN: no such setting"}},
		{"unknown field", "", map[string]string{"RUNWAY_API_PORT": secret}, []string{"RUNWAY_API_PORT: no such setting (api has: listen, "}},
		{"section, not a setting", "", map[string]string{"RUNWAY_API": secret}, []string{"RUNWAY_API: no such setting (api is not a single setting: name one in it, e.g. RUNWAY_API_LISTEN)"}},
		{"bare prefix", "", map[string]string{"RUNWAY_": secret}, []string{"RUNWAY_: no such setting"}},
		{"past the end of an empty list", "", map[string]string{"RUNWAY_SOURCES_3_NAME": secret}, []string{
			"RUNWAY_SOURCES_3_NAME: no such setting (sources has 0 entries from the file and environment, so the next is RUNWAY_SOURCES_0_*; indexes count from 0 without gaps)"}},
		{"past the end of a list", twoSources, map[string]string{"T": "t", "RUNWAY_SOURCES_3_NAME": secret}, []string{
			"RUNWAY_SOURCES_3_NAME: no such setting (sources has 2 entries from the file and environment, so the next is RUNWAY_SOURCES_2_*;"}},
		{"huge index", "", map[string]string{"RUNWAY_SOURCES_99999999999_NAME": secret}, []string{
			"RUNWAY_SOURCES_99999999999_NAME: no such setting (sources has 0 entries from the file and environment, so the next is RUNWAY_SOURCES_0_*;"}},
		{"index overflowing int", "", map[string]string{"RUNWAY_API_TOKENS_999999999999999999999999_NAME": secret}, []string{
			"RUNWAY_API_TOKENS_999999999999999999999999_NAME: no such setting (api.tokens has 0 entries from the file and environment, so the next is RUNWAY_API_TOKENS_0_*;"}},
		{"leading zero", twoSources, map[string]string{"T": "t", "RUNWAY_SOURCES_01_NAME": secret}, []string{
			"RUNWAY_SOURCES_01_NAME: no such setting (list indexes have no leading zeros: RUNWAY_SOURCES_1_NAME)"}},
		{"not an index", "", map[string]string{"RUNWAY_SOURCES_NAME": secret}, []string{
			"RUNWAY_SOURCES_NAME: no such setting (sources is a list: RUNWAY_SOURCES_<index>_<FIELD>, e.g. RUNWAY_SOURCES_0_NAME)"}},
		{"entry without a field", twoSources, map[string]string{"T": "t", "RUNWAY_SOURCES_1": secret}, []string{
			"RUNWAY_SOURCES_1: no such setting (sources[1] is not a single setting: name one in it, e.g. RUNWAY_SOURCES_1_NAME)"}},
		{"unknown field of an entry", twoSources, map[string]string{"T": "t", "RUNWAY_SOURCES_1_SCHEDUL": secret}, []string{
			"RUNWAY_SOURCES_1_SCHEDUL: no such setting (did you mean RUNWAY_SOURCES_1_SCHEDULE?)"}},
		{"unknown priority", "", map[string]string{"RUNWAY_SLA_CRITICAL": secret}, []string{
			"RUNWAY_SLA_CRITICAL: no such setting (sla has: urgent, high, normal, low)"}},
		{"below a scalar", "", map[string]string{"RUNWAY_API_LISTEN_PORT": secret}, []string{"RUNWAY_API_LISTEN_PORT: no such setting (did you mean RUNWAY_API_LISTEN?)"}},
		{"singular for plural", "", map[string]string{"RUNWAY_SOURCE_0_NAME": secret}, []string{
			"RUNWAY_SOURCE_0_NAME: no such setting (did you mean RUNWAY_SOURCES_0_NAME?)"}},
		{"scalar list with an index", twoSources, map[string]string{"T": "t", "RUNWAY_SOURCES_0_PROJECTS_0": secret}, []string{
			"RUNWAY_SOURCES_0_PROJECTS_0: no such setting (did you mean RUNWAY_SOURCES_0_PROJECTS? it takes a comma-separated list)"}},
		{"gap in an environment-only list", "", map[string]string{
			"RUNWAY_API_LISTEN": "127.0.0.1:1", "RUNWAY_API_TOKENS_0_NAME": "a", "RUNWAY_API_TOKENS_0_SCOPE": "read",
			"RUNWAY_API_TOKENS_0_TOKEN_ENV": "A", "A": "a", "RUNWAY_API_TOKENS_2_NAME": secret,
		}, []string{"RUNWAY_API_TOKENS_2_NAME: no such setting (api.tokens has 1 entry from the file and environment, so the next is RUNWAY_API_TOKENS_1_*;"}},
		{"huge name", "", map[string]string{"RUNWAY_" + strings.Repeat("X", 1<<20): secret}, []string{
			"RUNWAY_XXXXXXXX", "…: no such setting (the config has: storage, api, "}},
		{"several, sorted", "", map[string]string{"RUNWAY_B": secret, "RUNWAY_A": secret}, []string{"RUNWAY_A: no such setting", "; RUNWAY_B: no such setting"}},

		{"allowed: not settings", "", map[string]string{
			"RUNWAY_CONFIG": "/etc/runway.yaml", "RUNWAY_TEST_NOW": "2028-02-29T23:59:59Z",
			"RUNWAY_CACHE_DIR": "/cache", "RUNWAY_DEMO_JIRA_TOKEN": secret,
		}, nil},
		{"allowed: named by a token_env in the file", tokenFromEnv, map[string]string{"RUNWAY_OPS_TOKEN": secret}, nil},
		{"allowed: named by a token_env from the environment", "", map[string]string{
			"RUNWAY_API_TOKENS_0_NAME": "ops", "RUNWAY_API_TOKENS_0_SCOPE": "admin",
			"RUNWAY_API_TOKENS_0_TOKEN_ENV": "RUNWAY_OPS_TOKEN", "RUNWAY_OPS_TOKEN": secret,
		}, nil},
		{"allowed: other prefixes", "", map[string]string{"RUNWAYS_X": "1", "runway_storage_dsnn": "1", "JIRA_TOKEN": secret}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tc.body), envOf(tc.env), testTypes)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("error = %v", err)
				}
				return
			}
			checkErr(t, err, tc.want, secret)
		})
	}
}

// TestApplyEnvUnknown: runway demo builds its config in code and applies
// the environment with ApplyEnv, which reports unknown variables too.
func TestApplyEnvUnknown(t *testing.T) {
	cfg := Default()
	err := ApplyEnv(&cfg, envOf(map[string]string{"RUNWAY_STORAGE_DSNN": "chdb:///x", "RUNWAY_DEMO_JIRA_TOKEN": "t"}), testTypes)
	checkErr(t, err, []string{"RUNWAY_STORAGE_DSNN: no such setting"}, "chdb:///x")
	cfg = Default()
	if err := ApplyEnv(&cfg, envOf(map[string]string{"RUNWAY_STORAGE_DSN": "chdb:///x", "RUNWAY_DEMO_JIRA_TOKEN": "t"}), testTypes); err != nil || cfg.Storage.DSN != "chdb:///x" {
		t.Errorf("ApplyEnv = %v, dsn %q", err, cfg.Storage.DSN)
	}
	if !strings.HasPrefix(EnvPrefix, "RUNWAY") {
		t.Fatal(EnvPrefix)
	}
}
