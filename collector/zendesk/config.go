package zendesk

import (
	"fmt"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
)

// DefaultRequestsPerMinute is the incremental exports' limit (Zendesk:
// 10 requests a minute), which a run paces itself to.
const DefaultRequestsPerMinute = 10

// Config is a Zendesk source's own keys (a sources entry with type:
// zendesk, beside the common name, base_url (https://SUBDOMAIN.zendesk.com),
// token_env, schedule, ...).
type Config struct {
	// Email picks the auth: set, an API token sent as {email}/token:{token}
	// (basic auth); empty, the token is an OAuth access token (bearer).
	Email string `yaml:"email"`
	// RequestsPerMinute paces the incremental exports (default 10, the
	// limit Zendesk enforces on them).
	RequestsPerMinute int `yaml:"requests_per_minute"`
}

// NewConfig returns the defaults: OAuth, paced to 10 requests a minute.
func NewConfig() *Config { return &Config{RequestsPerMinute: DefaultRequestsPerMinute} }

// SourceType registers Zendesk with a build (collector/sources).
var SourceType = collector.SourceType{
	Name:     Type,
	Settings: func() config.Settings { return NewConfig() },
	New:      New,
}

// Validate reports a pace that is not a positive number of requests.
func (c *Config) Validate() []string {
	if c.RequestsPerMinute <= 0 {
		return []string{fmt.Sprintf("requests_per_minute: %d: want a positive number", c.RequestsPerMinute)}
	}
	return nil
}
