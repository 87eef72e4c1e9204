// Package sources is the list of source types this build collects. It sits
// above collector and the vendor packages (which import collector), so that
// neither the runner nor the config loader knows any vendor: adding a
// source type is its package plus one line here.
package sources

import (
	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/github"
	"github.com/runway-analytics/runway/collector/gitlab"
	"github.com/runway-analytics/runway/collector/jira"
	"github.com/runway-analytics/runway/collector/zendesk"
)

// Registry returns the source types of this build, in the order messages
// list them.
func Registry() collector.Registry {
	return collector.Registry{
		jira.SourceType,
		github.SourceType,
		gitlab.SourceType,
		zendesk.SourceType,
	}
}
