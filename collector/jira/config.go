package jira

import (
	"fmt"
	"strings"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
)

// Config is a Jira source's own keys (a sources entry with type: jira,
// beside the common name, base_url, token_env, schedule, ...). The zero
// value is the default: every visible board and project, the points field
// discovered, Data Center auth.
type Config struct {
	// Email picks the flavour and its auth: set, Jira Cloud with Basic
	// e-mail:API token (REST v3); empty, Jira Data Center or Server with
	// the token as a Bearer personal access token (REST v2).
	Email string `yaml:"email"`
	// Projects are the project keys to collect (empty: those of the
	// boards, or every project).
	Projects []string `yaml:"projects"`
	// Boards are the board ids to collect (empty: the boards of Projects,
	// else every visible board).
	Boards []int64 `yaml:"boards"`
	// PointsField is the story points field id (customfield_10016, say);
	// discovered from /field when empty.
	PointsField string `yaml:"points_field"`
}

// SourceType registers Jira with a build (collector/sources).
var SourceType = collector.SourceType{
	Name:     Type,
	Settings: func() config.Settings { return &Config{} },
	New:      New,
}

// Validate reports bad board ids and empty project keys, each naming its
// key.
func (c *Config) Validate() []string {
	var probs []string
	for i, b := range c.Boards {
		if b <= 0 {
			probs = append(probs, fmt.Sprintf("boards[%d]: bad board id %d", i, b))
		}
	}
	for i, p := range c.Projects {
		if strings.TrimSpace(p) == "" {
			probs = append(probs, fmt.Sprintf("projects[%d]: empty project key", i))
		}
	}
	return probs
}

// cloud reports whether the settings select Jira Cloud (an e-mail is set).
func (c *Config) cloud() bool { return c.Email != "" }
