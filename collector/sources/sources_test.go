package sources_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/github"
	"github.com/runway-analytics/runway/collector/gitlab"
	"github.com/runway-analytics/runway/collector/jira"
	"github.com/runway-analytics/runway/collector/sources"
)

// TestRegistry: every type has a unique name, settings and a factory.
func TestRegistry(t *testing.T) {
	reg := sources.Registry()
	seen := map[string]bool{}
	for _, st := range reg {
		if st.Name == "" || st.Settings == nil || st.New == nil || seen[st.Name] {
			t.Errorf("bad or duplicate type %+v", st)
		}
		seen[st.Name] = true
		set := st.Settings()
		if set == st.Settings() {
			t.Errorf("%s: Settings returns a shared value", st.Name)
		}
		v := reflect.ValueOf(set)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			t.Fatalf("%s: settings are a %T, want a pointer to a struct", st.Name, set)
		}
		for i := range v.Elem().NumField() {
			key, _, _ := strings.Cut(v.Elem().Type().Field(i).Tag.Get("yaml"), ",")
			if slices.Contains(config.CommonKeys(), key) {
				t.Errorf("%s: key %s is common to every source", st.Name, key)
			}
		}
		// The defaults are valid but for keys a source must give (GitHub's
		// repos).
		for _, p := range set.Validate() {
			if !strings.Contains(p, ": required") {
				t.Errorf("%s: the defaults are invalid: %s", st.Name, p)
			}
		}
	}
	if got := strings.Join(reg.Names(), ","); got != "jira,github,gitlab,zendesk" {
		t.Errorf("names = %s", got)
	}
}

// TestExampleConfig: the documented example loads with the real types.
func TestExampleConfig(t *testing.T) {
	cfg, err := config.Load("../../deploy/runway.example.yaml", config.MapEnv{
		"RUNWAY_READ_TOKEN": "r", "RUNWAY_ADMIN_TOKEN": "a", "JIRA_TOKEN": "j", "GITHUB_TOKEN": "g", "GITLAB_TOKEN": "l"},
		sources.Registry().ConfigTypes())
	if err != nil {
		t.Fatal(err)
	}
	j, ok := cfg.Sources[0].Settings.(*jira.Config)
	if !ok || j.Email != "bot@acme.com" || len(j.Projects) != 1 || len(j.Boards) != 1 {
		t.Errorf("jira settings = %#v", cfg.Sources[0].Settings)
	}
	gh, ok := cfg.Sources[1].Settings.(*github.Config)
	if !ok || len(gh.Repos) != 2 || cfg.Sources[1].BaseURL != github.DefaultBaseURL {
		t.Errorf("github source = %+v, settings %#v", cfg.Sources[1], cfg.Sources[1].Settings)
	}
	gl, ok := cfg.Sources[2].Settings.(*gitlab.Config)
	if !ok || len(gl.Groups) != 1 || !gl.Iterations || gl.TokenType != gitlab.TokenPrivate {
		t.Errorf("gitlab settings = %#v", cfg.Sources[2].Settings)
	}
}
