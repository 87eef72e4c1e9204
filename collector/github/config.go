package github

import (
	"fmt"
	"strings"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
)

// DefaultBaseURL is GitHub.com's REST API. GitHub Enterprise Server serves
// it at https://HOST/api/v3.
const DefaultBaseURL = "https://api.github.com"

// Config is a GitHub source's own keys (a sources entry with type: github,
// beside the common name, base_url, token_env, schedule, ...).
type Config struct {
	// Repos are the repositories to collect, as owner/name.
	Repos []string `yaml:"repos"`
}

// NewConfig returns the default settings: no repository (Validate asks for
// one).
func NewConfig() *Config { return &Config{} }

// DefaultBaseURL is the base_url a GitHub source takes when it gives none.
func (c *Config) DefaultBaseURL() string { return DefaultBaseURL }

// SourceType registers GitHub with a build (collector/sources).
var SourceType = collector.SourceType{
	Name:     Type,
	Settings: func() config.Settings { return NewConfig() },
	New:      New,
}

// Validate reports a missing repository list and names that are not
// owner/name, each naming its key.
func (c *Config) Validate() []string {
	var probs []string
	if len(c.Repos) == 0 {
		probs = append(probs, "repos: required (owner/name of each repository to collect)")
	}
	seen := map[string]bool{}
	for i, r := range c.Repos {
		owner, name, ok := splitRepo(r)
		switch {
		case !ok:
			probs = append(probs, fmt.Sprintf("repos[%d]: %q: want owner/name", i, r))
		case seen[strings.ToLower(owner+"/"+name)]:
			probs = append(probs, fmt.Sprintf("repos[%d]: %q: listed twice", i, r))
		}
		seen[strings.ToLower(owner+"/"+name)] = true
	}
	return probs
}

// splitRepo reads owner/name: two non-empty parts without spaces or
// further slashes.
func splitRepo(r string) (owner, name string, ok bool) {
	owner, name, ok = strings.Cut(r, "/")
	if !ok || owner == "" || name == "" || strings.ContainsAny(owner+name, "/ \t\n?#%") {
		return "", "", false
	}
	return owner, name, true
}
