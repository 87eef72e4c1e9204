package jira

import (
	"fmt"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
)

// DefaultReconcile is how often a run reconciles deletions unless the
// configuration says otherwise.
const DefaultReconcile = 24 * time.Hour

// Config is a Jira source's own keys (a sources entry with type: jira,
// beside the common name, base_url, token_env, schedule, ...). NewConfig
// returns the defaults: every visible board and project, the points field
// discovered, Data Center auth, deletions reconciled daily. The zero value
// is the same with reconciling off.
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
	// Reconcile is how often a run also lists the ids of the issues and
	// sprints that still exist upstream and tombstones the stored ones
	// that are gone (DefaultReconcile; 0 disables).
	Reconcile config.Span `yaml:"reconcile"`
}

// NewConfig returns the default settings.
func NewConfig() *Config { return &Config{Reconcile: config.Span(DefaultReconcile)} }

// SourceType registers Jira with a build (collector/sources).
var SourceType = collector.SourceType{
	Name:     Type,
	Settings: func() config.Settings { return NewConfig() },
	New:      New,
}

// Validate reports bad board ids, empty project keys and a negative
// reconcile interval, each naming its key.
func (c *Config) Validate() []string {
	var probs []string
	if c.Reconcile < 0 {
		probs = append(probs, fmt.Sprintf("reconcile: negative interval %s (0 disables reconciling)", c.Reconcile.D()))
	}
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
