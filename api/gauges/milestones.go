package gauges

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The milestone family: open milestones and those closed in the last
// MilestonesClosedWithin (30 days), with the values the milestone API
// reports, and the project gauges of projects.go, all from one reading of
// the milestones (analytics.Portfolio; DESIGN.md §5) in a fixed number of
// statements whatever the number of milestones:
//
//	runway_milestone_due_timestamp_seconds{source,project,milestone}
//	runway_milestone_forecast_timestamp_seconds{source,project,milestone,quantile}   0.5, 0.85
//	runway_milestone_slip_days{source,project,milestone}        forecast p85 − due (> 0 is late)
//	runway_milestone_slip_attribution_days{source,project,milestone,cause}   scope, throughput, plan
//	runway_milestone_progress_ratio{source,project,milestone}   closed / (open + closed) issues
//	runway_milestone_open_issues{source,project,milestone}
//	runway_milestone_scope_change_ratio{source,project,milestone}
//	runway_milestone_closed_timestamp_seconds{source,project,milestone}   closed ones only
//	runway_milestone_status{source,project,milestone,status}   1 for its status
//
// A value the report leaves null (no due date, no forecast, nothing in the
// milestone, no initial scope) has no series. Only open milestones have a
// forecast, so only they have slip_days; closed ones have
// closed_timestamp_seconds, which the overdue alert uses to leave them out.
// slip_attribution_days splits an open milestone's slip against its
// original due date (forecast p85 − original due, so slip_days plus how far
// the due date moved) into its causes, as the milestone API's
// slip_from_*_days do; the three causes sum to it exactly.
//
// Labels: project is the Runway project key when a configured project
// matches the milestone's upstream project, else the upstream project
// (Jira key, repository); milestone is the title, which alerts can show:
// titles are unique per upstream project (Jira, GitHub and GitLab enforce
// it). Two milestones of one source and label project with the same title
// (two Jira projects under one Runway project) get their ids appended, so
// no two series collide.

const familyMilestones = "milestones"

// Slip causes, the values of the cause label of
// runway_milestone_slip_attribution_days.
const (
	CauseScope      = "scope"
	CauseThroughput = "throughput"
	CausePlan       = "plan"
)

// MilestonesClosedWithin is how long a closed milestone keeps its series.
const MilestonesClosedWithin = 30 * 24 * time.Hour

type milestoneGauges struct {
	due, forecast, slip, attribution, progress, open, scope, closed, status *prometheus.Desc
	projects                                                                *projectGauges
}

func newMilestones() *milestoneGauges {
	labels := []string{"source", "project", "milestone"}
	const set = " Open milestones and those closed in the last 30 days."
	d := func(name, help string, extra ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help+set, append(labels[:3:3], extra...), nil)
	}
	return &milestoneGauges{
		due:      d("runway_milestone_due_timestamp_seconds", "Due date of the milestone (Unix seconds); absent without one."),
		forecast: d("runway_milestone_forecast_timestamp_seconds", "Monte Carlo completion forecast of an open milestone at the quantile (0.5, 0.85), Unix seconds; absent without throughput.", "quantile"),
		slip:     d("runway_milestone_slip_days", "Forecast slip of an open milestone: forecast p85 minus due date, in days (> 0 is late)."),
		attribution: d("runway_milestone_slip_attribution_days", "Slip of an open milestone against its original due date (forecast p85 minus original due), in days, "+
			"by cause: scope (net added work at the current pace), throughput (the change of pace on the open work), plan (the rest); the causes sum to it.", "cause"),
		progress: d("runway_milestone_progress_ratio", "Done issues of the milestone over the issues in it; absent when it holds none."),
		open:     d("runway_milestone_open_issues", "Issues in the milestone not done."),
		scope:    d("runway_milestone_scope_change_ratio", "Milestone scope change rate, (added + removed) / initial scope after its baseline; absent when the initial scope is empty."),
		closed:   d("runway_milestone_closed_timestamp_seconds", "When a closed milestone closed (Unix seconds); absent for open ones."),
		status:   d("runway_milestone_status", "1 for the milestone's status (done, done_late, overdue, slipping, at_risk, on_track, no_due_date, no_forecast).", "status"),
		projects: newProjects(),
	}
}

func (g *milestoneGauges) name() string { return familyMilestones }

func (g *milestoneGauges) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{g.due, g.forecast, g.slip, g.attribution, g.progress, g.open, g.scope, g.closed, g.status} {
		ch <- d
	}
	g.projects.describe(ch)
}

func (g *milestoneGauges) load(ctx context.Context, db warehouse.DB, now time.Time, out *samples) error {
	reports, projects, err := analytics.Portfolio(ctx, db, MilestonesClosedWithin, now)
	if err != nil {
		return fmt.Errorf("milestones: %w", err)
	}
	g.projects.add(projects, out)
	labels := milestoneLabels(reports)
	for i, r := range reports {
		l := labels[i]
		with := func(extra string) []string { return append(l[:3:3], extra) }
		if r.Due != nil {
			out.add(g.due, unixSeconds(*r.Due), l...)
		}
		if r.ForecastP50 != nil && r.ForecastP85 != nil {
			out.add(g.forecast, unixSeconds(*r.ForecastP50), with("0.5")...)
			out.add(g.forecast, unixSeconds(*r.ForecastP85), with("0.85")...)
		}
		if r.ForecastSlipDays != nil {
			out.add(g.slip, *r.ForecastSlipDays, l...)
		}
		if r.SlipFromScope != nil && r.SlipFromThrough != nil && r.SlipFromPlan != nil {
			out.add(g.attribution, *r.SlipFromScope, with(CauseScope)...)
			out.add(g.attribution, *r.SlipFromThrough, with(CauseThroughput)...)
			out.add(g.attribution, *r.SlipFromPlan, with(CausePlan)...)
		}
		if r.Progress != nil {
			out.add(g.progress, *r.Progress, l...)
		}
		out.add(g.open, float64(r.OpenIssues), l...)
		if r.ScopeChangeRate != nil {
			out.add(g.scope, *r.ScopeChangeRate, l...)
		}
		if r.Closed != nil {
			out.add(g.closed, unixSeconds(*r.Closed), l...)
		}
		out.add(g.status, 1, with(r.Status)...)
	}
	return nil
}

// milestoneLabels returns the source, project and milestone label values of
// each report, titles made unique within (source, project) by appending
// the id to every title shared there.
func milestoneLabels(reports []analytics.MilestoneReport) [][]string {
	out := make([][]string, len(reports))
	seen := map[[3]string]int{}
	for i, r := range reports {
		project := r.ProjectKey
		if project == "" {
			project = r.Project
		}
		out[i] = []string{r.Source, project, r.Title}
		seen[[3]string{r.Source, project, r.Title}]++
	}
	for i, r := range reports {
		if seen[[3]string(out[i])] > 1 {
			out[i][2] = r.Title + " (" + r.ID + ")"
		}
	}
	return out
}
