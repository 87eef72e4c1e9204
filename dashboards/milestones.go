package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// milestones is the per-milestone dashboard: due date against forecast,
// how the due date moved, why it slips, progress, open issues and scope
// change, for open milestones and those closed in the last 30 days.
func milestones() *dashboard.DashboardBuilder {
	const date = "time:YYYY-MM-DD"
	const named = "{{project}} · {{milestone}}"
	return newDashboard("runway-milestones", "Runway / Milestones",
		"Open milestones and those closed in the last 30 days: due date against the p50/p85 forecast, due-date moves, slip by cause, progress, open issues, scope change.",
		sourceVar("runway_milestone_status"), projectVar()).
		WithRow(row("Schedule")).
		WithPanel(tablePanel("Due date against forecast", "Due date, Monte Carlo completion forecast at p50 and p85 (open milestones with throughput), slip (p85 − due, days; > 0 is late), close date of closed ones.", 24, 9,
			rows("A", `runway_milestone_due_timestamp_seconds{`+byMilestone+`} * 1000`),
			rows("B", `max without (quantile) (runway_milestone_forecast_timestamp_seconds{`+byMilestone+`, quantile="0.5"}) * 1000`),
			rows("C", `max without (quantile) (runway_milestone_forecast_timestamp_seconds{`+byMilestone+`, quantile="0.85"}) * 1000`),
			rows("D", `runway_milestone_slip_days{`+byMilestone+`}`),
			rows("E", `runway_milestone_closed_timestamp_seconds{`+byMilestone+`} * 1000`)).
			WithTransformation(merge()).
			WithTransformation(organize([]string{"Time", "__name__"},
				map[string]string{"source": "Source", "project": "Project", "milestone": "Milestone", "Value #A": "Due",
					"Value #B": "Forecast p50", "Value #C": "Forecast p85", "Value #D": "Slip (days)", "Value #E": "Closed"},
				"source", "project", "milestone", "Value #A", "Value #B", "Value #C", "Value #D", "Value #E")).
			OverrideByName("Due", unitOverride(date)).
			OverrideByName("Forecast p50", unitOverride(date)).
			OverrideByName("Forecast p85", unitOverride(date)).
			OverrideByName("Closed", unitOverride(date))).
		WithPanel(timeSeries("Forecast slip", "p85 forecast minus due date, in days: above 0 the milestone is forecast late (RunwayMilestoneSlipping).", "d", 12, 8,
			series("A", `runway_milestone_slip_days{`+byMilestone+`}`, named)).
			Thresholds(thresholds("green", step{0, "red"})).
			ThresholdsStyle(dashedThresholds())).
		WithPanel(barGauge("Most due-date moves in range", "The ten milestones whose due date changed most often within the dashboard's time range (0: none moved).", "short", 12, 8,
			latest("A", `topk(10, changes(runway_milestone_due_timestamp_seconds{`+byMilestone+`}[$__range]))`, named)).
			Thresholds(thresholds("green", step{1, "yellow"}, step{2, "orange"}, step{4, "red"}))).
		WithPanel(tablePanel("Slip by cause", "Lateness of open milestones against their original due date (p85 − original due, days), split by cause: scope (net added work at the current pace), throughput (change of pace on the open work), plan (the rest). The causes add up to the total.", 12, 8,
			rows("A", `label_join(runway_milestone_slip_attribution_days{`+byMilestone+`}, "name", " · ", "project", "milestone")`)).
			WithTransformation(matrix("name", "cause")).
			WithTransformation(organize(nil, map[string]string{`name\cause`: "Milestone"}, `name\cause`, "scope", "throughput", "plan")).
			Unit("d")).
		WithPanel(tablePanel("Status", "Each milestone's status: done, done_late, overdue, slipping (p50 after due), at_risk (p85 after due), on_track, no_due_date, no_forecast.", 12, 8,
			rows("A", `runway_milestone_status{`+byMilestone+`}`)).
			WithTransformation(organize([]string{"Time", "__name__", "Value"},
				map[string]string{"source": "Source", "project": "Project", "milestone": "Milestone", "status": "Status"},
				"source", "project", "milestone", "status"))).
		WithRow(row("Progress and scope")).
		WithPanel(barGauge("Progress", "Done issues over the issues in the milestone.", "percentunit", 8, 9,
			latest("A", `runway_milestone_progress_ratio{`+byMilestone+`}`, named)).
			Min(0).Max(1).
			Thresholds(thresholds("blue"))).
		WithPanel(timeSeries("Open issues", "Issues in the milestone not done.", "short", 8, 9,
			series("A", `runway_milestone_open_issues{`+byMilestone+`}`, named)).
			Min(0)).
		WithPanel(timeSeries("Scope change", "(added + removed) / initial scope since the milestone's baseline.", "percentunit", 8, 9,
			series("A", `runway_milestone_scope_change_ratio{`+byMilestone+`}`, named)).
			Min(0))
}
