package gitlab

import (
	"strings"
	"testing"
)

// TestConfig: projects or groups are required, each a full path given
// once; the token type is private or bearer.
func TestConfig(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{TokenType: TokenPrivate}, "projects: required (or groups): the full paths to collect"},
		{Config{Projects: []string{"gitlab-org"}, TokenType: TokenPrivate}, `projects[0]: "gitlab-org": want a project path (group/name)`},
		{Config{Projects: []string{"a/b", "A/B"}, TokenType: TokenPrivate}, `projects[1]: "A/B": listed twice`},
		{Config{Groups: []string{"a//b"}, TokenType: TokenPrivate}, `groups[0]: "a//b": want a group path (group or group/subgroup)`},
		{Config{Groups: []string{"gitlab-org/gitlab-data"}, TokenType: "oauth"}, `token_type: "oauth": want private or bearer`},
		{Config{Projects: []string{"gitlab-org/gitlab"}, Groups: []string{"gitlab-data"}, TokenType: TokenBearer}, ""},
	} {
		if got := strings.Join(c.cfg.Validate(), "; "); got != c.want {
			t.Errorf("%+v: %q, want %q", c.cfg, got, c.want)
		}
	}
	if NewConfig().TokenType != TokenPrivate || NewConfig().DefaultBaseURL() != "https://gitlab.com/api/v4" {
		t.Error("defaults")
	}
}
