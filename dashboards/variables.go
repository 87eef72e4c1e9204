package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// datasourceVar names the datasource variable every dashboard starts with.
const datasourceVar = "datasource"

// ds is the data source of every panel, target and query variable: the
// datasource variable, never a fixed uid, so that the files import into
// any Grafana and one can switch between Prometheus servers.
var ds = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${" + datasourceVar + "}")}

// allValue is what a variable set to All expands to. ".*" (rather than
// Grafana's default, every listed value joined) keeps queries short and
// still matches series whose value was not listed when the variable was
// last refreshed.
const allValue = ".*"

// labelVar is a multi-value variable listing the values of label on the
// series of selector, used in PromQL as label=~"$name".
func labelVar(name, title, label, selector string) *dashboard.QueryVariableBuilder {
	q := "label_values(" + selector + ", " + label + ")"
	return dashboard.NewQueryVariableBuilder(name).
		Label(title).
		Datasource(ds).
		Query(dashboard.StringOrMap{String: &q}).
		Definition(q).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalCaseInsensitiveAsc).
		Multi(true).
		IncludeAll(true).
		AllValue(allValue).
		Current(dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value: dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}}})
}

// sourceVar lists the sources that have series of metric.
func sourceVar(metric string) *dashboard.QueryVariableBuilder {
	return labelVar("source", "Source", "source", metric)
}

// projectVar lists the milestones' projects of the chosen sources.
func projectVar() *dashboard.QueryVariableBuilder {
	return labelVar("project", "Project", "project", `runway_milestone_status{source=~"$source"}`)
}

// boardVar lists the boards with sprints of the chosen sources.
func boardVar() *dashboard.QueryVariableBuilder {
	return labelVar("board", "Board", "board", `runway_sprint_issues{source=~"$source"}`)
}

// priorityVar lists the ticket priorities of the chosen sources.
func priorityVar() *dashboard.QueryVariableBuilder {
	return labelVar("priority", "Priority", "priority", `runway_tickets_open{source=~"$source"}`)
}
