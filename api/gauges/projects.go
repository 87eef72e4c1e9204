package gauges

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/api/analytics"
)

// The project gauges, part of the milestone family (they come from the same
// reading of the milestones): every configured project, with the values
// the projects API reports (analytics.Projects; DESIGN.md §5):
//
//	runway_project_duration_days{project,type}        first start to last close, or to now while open
//	runway_project_expected_min_days{project,type}    its type's expected range (none for ongoing_support)
//	runway_project_expected_max_days{project,type}
//
// A project with nothing matched yet has no duration series.

type projectGauges struct {
	duration, expectedMin, expectedMax *prometheus.Desc
}

func newProjects() *projectGauges {
	labels := []string{"project", "type"}
	return &projectGauges{
		duration: prometheus.NewDesc("runway_project_duration_days",
			"Project duration in days: from its first sprint or milestone start to its last milestone closed, or to now while any is open.",
			labels, nil),
		expectedMin: prometheus.NewDesc("runway_project_expected_min_days",
			"Shortest expected duration of the project's type in days (short_term 90, long_term 365; none for ongoing_support).",
			labels, nil),
		expectedMax: prometheus.NewDesc("runway_project_expected_max_days",
			"Longest expected duration of the project's type in days (short_term 183, long_term 730; none for ongoing_support).",
			labels, nil),
	}
}

func (g *projectGauges) describe(ch chan<- *prometheus.Desc) {
	ch <- g.duration
	ch <- g.expectedMin
	ch <- g.expectedMax
}

func (g *projectGauges) add(reports []analytics.ProjectReport, out *samples) {
	for _, p := range reports {
		if p.DurationDays != nil {
			out.add(g.duration, *p.DurationDays, p.Key, p.Type)
		}
		if p.ExpectedMinDays != nil {
			out.add(g.expectedMin, *p.ExpectedMinDays, p.Key, p.Type)
		}
		if p.ExpectedMaxDays != nil {
			out.add(g.expectedMax, *p.ExpectedMaxDays, p.Key, p.Type)
		}
	}
}
