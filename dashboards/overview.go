package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// Selectors shared by the dashboards' PromQL. A variable set to All is
// ".*", which matches every series.
const (
	bySource    = `source=~"$source"`
	byMilestone = `source=~"$source", project=~"$project"`
	byProject   = `project=~"$project"`
)

// overview is the leadership dashboard: are milestones on track and why
// not, how long projects take against their type, how stable sprint scope
// is, whether support keeps its SLAs, and support load beside delivery.
func overview() *dashboard.DashboardBuilder {
	return newDashboard("runway-overview", "Runway / Overview",
		"Milestones on track, slip and its causes, project durations against their type, sprint scope stability, support SLAs and load beside delivery.",
		sourceVar("runway_collector_runs_total"), projectVar()).
		WithRow(row("Milestones")).
		WithPanel(statPanel("Slipping", "Open milestones whose median (p50) forecast is after their due date.", "short", 6, 4,
			latest("A", `sum(runway_milestone_status{`+byMilestone+`, status="slipping"}) or vector(0)`, "")).
			Thresholds(thresholds("green", step{1, "orange"}))).
		WithPanel(statPanel("Overdue", "Open milestones past their due date with issues still open.", "short", 6, 4,
			latest("A", `sum(runway_milestone_status{`+byMilestone+`, status="overdue"}) or vector(0)`, "")).
			Thresholds(thresholds("green", step{1, "red"}))).
		WithPanel(statPanel("At risk", "Open milestones whose p50 forecast is on time but p85 is after their due date.", "short", 6, 4,
			latest("A", `sum(runway_milestone_status{`+byMilestone+`, status="at_risk"}) or vector(0)`, "")).
			Thresholds(thresholds("green", step{1, "yellow"}))).
		WithPanel(statPanel("Oldest data", "Time since the least recently successful collector last succeeded: every panel is at most this stale (RunwayCollectorStale fires at 3 h).", "s", 6, 4,
			latest("A", `max(time() - runway_collector_last_success_timestamp_seconds{`+bySource+`})`, "")).
			Thresholds(thresholds("green", step{3600, "orange"}, step{3 * 3600, "red"}))).
		WithPanel(pieChart("Milestones by status", "Open milestones and those closed in the last 30 days, by status.", 8, 9,
			latest("A", `sum by (status) (runway_milestone_status{`+byMilestone+`})`, "{{status}}"))).
		WithPanel(barGauge("Top slipping milestones", "The 10 open milestones forecast latest against their due date: p85 forecast minus due, in days (slipping and at-risk ones).", "d", 8, 9,
			latest("A", `topk(10, runway_milestone_slip_days{`+byMilestone+`} > 0)`, "{{project}} · {{milestone}}")).
			Thresholds(thresholds("orange", step{14, "red"})).
			NoValue("Nothing slipping")).
		WithPanel(barGauge("Where the slip comes from", "Milestones forecast late (p85 after due): their lateness against their original due date, summed by cause: scope (net added work at the current pace), throughput (change of pace on the open work), plan (the rest, already in the plan at its start).", "d", 8, 9,
			latest("A", `sum by (cause) (runway_milestone_slip_attribution_days{`+byMilestone+`} and on (source, project, milestone) runway_milestone_slip_days > 0)`, "{{cause}}")).
			Thresholds(thresholds("blue")).
			NoValue("Nothing slipping")).
		WithRow(row("Projects")).
		WithPanel(tablePanel("Project durations against their type", "Days from a project's first sprint or milestone start to its last milestone closed (or now while one is open), beside its type's expected range (none for ongoing support).", 12, 8,
			rows("A", `runway_project_duration_days{`+byProject+`}`),
			rows("B", `runway_project_expected_min_days{`+byProject+`}`),
			rows("C", `runway_project_expected_max_days{`+byProject+`}`)).
			WithTransformation(merge()).
			WithTransformation(organize([]string{"Time", "__name__"},
				map[string]string{"project": "Project", "type": "Type", "Value #A": "Duration (days)",
					"Value #B": "Expected min (days)", "Value #C": "Expected max (days)"},
				"project", "type", "Value #A", "Value #B", "Value #C"))).
		WithPanel(barGauge("Duration against the expected maximum", "Project duration over its type's longest expected duration: past 100% it is taking longer than projects of its type should.", "percentunit", 12, 8,
			latest("A", `runway_project_duration_days{`+byProject+`} / on (project, type) runway_project_expected_max_days`, "{{project}} ({{type}})")).
			Min(0).Max(1).
			Thresholds(thresholds("green", step{0.8, "orange"}, step{1, "red"}))).
		WithRow(row("Sprints and support")).
		WithPanel(timeSeries("Active sprint scope change", "(added + removed) / committed of each board's active sprint (RunwaySprintScopeChurn fires above 30%).", "percentunit", 12, 8,
			series("A", `max by (source, board) (runway_sprint_scope_change_ratio{`+bySource+`, state="active"})`, "{{source}} board {{board}}")).
			Thresholds(thresholds("green", step{0.3, "red"})).
			ThresholdsStyle(dashedThresholds())).
		WithPanel(timeSeries("Support SLA breach ratio", "Share of the last 30 days' tickets with an SLA that breached it, by priority (RunwayTicketSLABreaches fires above 10%).", "percentunit", 12, 8,
			series("A", `runway_ticket_sla_breach_ratio{`+bySource+`}`, "{{source}} {{priority}}")).
			Thresholds(thresholds("green", step{0.1, "red"})).
			ThresholdsStyle(dashedThresholds())).
		WithRow(row("Support load beside delivery")).
		WithPanel(timeSeries("Open support tickets", "Tickets open now (new, open, pending, on hold), by source.", "short", 8, 8,
			series("A", `sum by (source) (runway_tickets_open{`+bySource+`})`, "{{source}}"))).
		WithPanel(timeSeries("Open milestone issues", "Issues not done in open milestones, by project.", "short", 8, 8,
			series("A", `sum by (project) (runway_milestone_open_issues{`+byMilestone+`} unless on (source, project, milestone) runway_milestone_closed_timestamp_seconds)`, "{{project}}"))).
		WithPanel(timeSeries("Active sprint completion", "Completed over committed issues of each board's active sprint so far.", "percentunit", 8, 8,
			series("A", `sum by (source, board) (runway_sprint_issues{`+bySource+`, state="active", kind="completed"}) / (sum by (source, board) (runway_sprint_issues{`+bySource+`, state="active", kind="committed"}) > 0)`, "{{source}} board {{board}}")).
			Min(0))
}
