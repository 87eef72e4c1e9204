package github

import (
	"os"
	"strings"
	"testing"

	"github.com/runway-analytics/runway/collector/config"
)

// TestConfig: repos are required and must be owner/name, each once; a
// source without base_url takes GitHub.com's API.
func TestConfig(t *testing.T) {
	for _, c := range []struct {
		repos []string
		want  string
	}{
		{nil, "repos: required (owner/name of each repository to collect)"},
		{[]string{"octocat"}, `repos[0]: "octocat": want owner/name`},
		{[]string{"octocat/hello/world"}, `repos[0]: "octocat/hello/world": want owner/name`},
		{[]string{"octocat/Hello-World", "OctoCat/hello-world"}, `repos[1]: "OctoCat/hello-world": listed twice`},
		{[]string{"octocat/Hello-World", "runway/runway"}, ""},
	} {
		got := strings.Join((&Config{Repos: c.repos}).Validate(), "; ")
		if got != c.want {
			t.Errorf("repos %q: %q, want %q", c.repos, got, c.want)
		}
	}

	types := config.SourceTypes{Type: SourceType.Settings}
	yaml := `
sources:
  - name: gh
    type: github
    token_env: GH_TOKEN
    schedule: "@hourly"
    repos: [octocat/hello-world]
`
	cfg, err := loadYAML(t, yaml, types)
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Sources[0]; s.BaseURL != DefaultBaseURL || len(s.Settings.(*Config).Repos) != 1 {
		t.Errorf("source: %+v", s)
	}
	if _, err := loadYAML(t, strings.Replace(yaml, "repos: [octocat/hello-world]", "repos: []", 1), types); err == nil ||
		!strings.Contains(err.Error(), "sources[0].repos: required") {
		t.Errorf("no repos: %v", err)
	}
}

func loadYAML(t *testing.T, yaml string, types config.SourceTypes) (config.Config, error) {
	t.Helper()
	path := t.TempDir() + "/runway.yaml"
	if err := writeFile(path, yaml); err != nil {
		t.Fatal(err)
	}
	return config.Load(path, config.MapEnv{"GH_TOKEN": "t0ken"}, types)
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }
