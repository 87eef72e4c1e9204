package gitlab

import (
	"fmt"
	"strings"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
)

// DefaultBaseURL is GitLab.com's REST API; a self-managed instance serves
// it at https://HOST/api/v4.
const DefaultBaseURL = "https://gitlab.com/api/v4"

// Token types: how the token is sent.
const (
	TokenPrivate = "private" // PRIVATE-TOKEN header: personal, project or group access tokens
	TokenBearer  = "bearer"  // Authorization: Bearer: OAuth 2 tokens
)

// Config is a GitLab source's own keys (a sources entry with type: gitlab,
// beside the common name, base_url, token_env, schedule, ...).
type Config struct {
	// Projects are projects to collect, by full path (group/name).
	Projects []string `yaml:"projects"`
	// Groups are groups whose every project (subgroups included) is
	// collected, with the groups' own milestones.
	Groups []string `yaml:"groups"`
	// TokenType is how the token is sent: private (default) or bearer.
	TokenType string `yaml:"token_type"`
	// Iterations collects the iterations of the projects' groups as
	// sprints, with each issue's iteration and state history (GitLab
	// Premium; two more requests per issue). Default false.
	Iterations bool `yaml:"iterations"`
}

// NewConfig returns the defaults: nothing to collect (Validate asks for
// projects or groups), the token sent as PRIVATE-TOKEN.
func NewConfig() *Config { return &Config{TokenType: TokenPrivate} }

// DefaultBaseURL is the base_url a GitLab source takes when it gives none.
func (c *Config) DefaultBaseURL() string { return DefaultBaseURL }

// SourceType registers GitLab with a build (collector/sources).
var SourceType = collector.SourceType{
	Name:     Type,
	Settings: func() config.Settings { return NewConfig() },
	New:      New,
}

// Validate reports what is missing or malformed, each naming its key.
func (c *Config) Validate() []string {
	var probs []string
	if len(c.Projects) == 0 && len(c.Groups) == 0 {
		probs = append(probs, "projects: required (or groups): the full paths to collect")
	}
	check := func(key string, paths []string, project bool) {
		seen := map[string]bool{}
		for i, p := range paths {
			switch {
			case !validPath(p, project):
				want := "a group path (group or group/subgroup)"
				if project {
					want = "a project path (group/name)"
				}
				probs = append(probs, fmt.Sprintf("%s[%d]: %q: want %s", key, i, p, want))
			case seen[strings.ToLower(p)]:
				probs = append(probs, fmt.Sprintf("%s[%d]: %q: listed twice", key, i, p))
			}
			seen[strings.ToLower(p)] = true
		}
	}
	check("projects", c.Projects, true)
	check("groups", c.Groups, false)
	switch c.TokenType {
	case TokenPrivate, TokenBearer:
	default:
		probs = append(probs, fmt.Sprintf("token_type: %q: want %s or %s", c.TokenType, TokenPrivate, TokenBearer))
	}
	return probs
}

// validPath reads a full path: segments without spaces, at least two for
// a project.
func validPath(p string, project bool) bool {
	parts := strings.Split(p, "/")
	if project && len(parts) < 2 {
		return false
	}
	for _, s := range parts {
		if s == "" || strings.ContainsAny(s, " \t\n?#%") {
			return false
		}
	}
	return true
}
