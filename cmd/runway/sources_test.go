package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSourceTypesOfTheBuild: the binary loads sources with the types of
// collector/sources, each owning its keys: an unregistered type and a key
// another type would own are errors naming them, before storage is touched.
func TestSourceTypesOfTheBuild(t *testing.T) {
	for _, tc := range []struct{ name, source, want string }{
		{"unregistered type", `{name: ln, type: linear, base_url: "https://api.linear.app", token_env: T, schedule: "@hourly"}`,
			`sources[0].type: unknown source type "linear" (want one of github, gitlab, jira, zendesk)`},
		{"checked by github", `{name: gh, type: github, token_env: T, schedule: "@hourly", repos: [acme]}`,
			`sources[0].repos[0]: "acme": want owner/name`},
		{"not a jira key", `{name: j, type: jira, base_url: "https://acme.atlassian.net", token_env: T, schedule: "@hourly", repos: [acme/web]}`,
			"line 2: field repos not found in type jira (jira has: email, projects, boards, points_field, reconcile;"},
		{"checked by jira", `{name: j, type: jira, base_url: "https://acme.atlassian.net", token_env: T, schedule: "@hourly", boards: [0]}`,
			"sources[0].boards[0]: bad board id 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "runway.yaml")
			if err := os.WriteFile(path, []byte("sources:\n  - "+tc.source+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, errOut := runway(t, cleanEnv(t), "migrate", "--config", path)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, tc.want)
			}
		})
	}
}
