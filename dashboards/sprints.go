package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// bySprint selects the sprints of the chosen sources and boards.
const bySprint = `source=~"$source", board=~"$board"`

// sprintSum is runway_sprint_issues of the kinds (a regex) summed per
// board over its sprints of state. Summing before dividing weighs sprints
// by their size, as the sprint API's totals do.
func sprintSum(state, kinds string) string {
	return `sum by (source, board) (runway_sprint_issues{` + bySprint + `, state="` + state + `", kind=~"` + kinds + `"})`
}

// ratio divides per board, with no series where the denominator is 0 (the
// API's null) instead of an infinite or NaN one.
func ratio(numerator, denominator string) string {
	return numerator + ` / (` + denominator + ` > 0)`
}

// sprints is the sprint dashboard: each board's active sprint and last 3
// closed ones by kind, scope-change ratio and planning accuracy per board.
// Board and sprint labels are ids (sprint names live in the API).
func sprints() *dashboard.DashboardBuilder {
	const board = "{{source}} board {{board}}"
	return newDashboard("runway-sprints", "Runway / Sprints",
		"Each board's active sprint and last 3 closed sprints: committed, added, removed and completed issues; scope-change ratio and planning accuracy per board.",
		sourceVar("runway_sprint_issues"), boardVar()).
		WithRow(row("Sprints")).
		WithPanel(barChart("Issues per sprint", "Per board and sprint (ids): issues committed at the start, added and removed during it, completed at its end (now for the active sprint).", 24, 9,
			rows("A", `label_join(sum by (source, board, sprint, kind) (runway_sprint_issues{`+bySprint+`}), "name", " / ", "board", "sprint")`)).
			WithTransformation(matrix("name", "kind")).
			WithTransformation(organize(nil, map[string]string{`name\kind`: "Board / sprint"},
				`name\kind`, "committed", "added", "removed", "completed")).
			WithTransformation(sortBy("Board / sprint"))).
		WithPanel(tablePanel("Scope change per sprint", "(added + removed) / committed of each sprint; sprints with nothing committed have none.", 12, 8,
			rows("A", `runway_sprint_scope_change_ratio{`+bySprint+`}`)).
			WithTransformation(organize([]string{"Time", "__name__"},
				map[string]string{"source": "Source", "board": "Board", "sprint": "Sprint", "state": "State", "Value": "Scope change"},
				"source", "board", "sprint", "state", "Value")).
			OverrideByName("Scope change", unitOverride("percentunit"))).
		WithPanel(timeSeries("Active sprint by kind", "Issues of the active sprints of the chosen boards, by kind: scope added or removed while it runs shows here first.", "short", 12, 8,
			series("A", `sum by (kind) (runway_sprint_issues{`+bySprint+`, state="active"})`, "{{kind}}")).
			Min(0)).
		WithRow(row("Trends per board")).
		WithPanel(timeSeries("Scope change, active sprint", "(added + removed) / committed of each board's active sprint (RunwaySprintScopeChurn fires above 30%).", "percentunit", 12, 8,
			series("A", `max by (source, board) (runway_sprint_scope_change_ratio{`+bySprint+`, state="active"})`, board)).
			Min(0).
			Thresholds(thresholds("green", step{0.3, "red"})).
			ThresholdsStyle(dashedThresholds())).
		WithPanel(timeSeries("Scope change, last 3 closed sprints", "(added + removed) / committed over each board's last 3 closed sprints together: how much planned scope churns.", "percentunit", 12, 8,
			series("A", ratio(sprintSum("closed", "added|removed"), sprintSum("closed", "committed")), board)).
			Min(0).
			Thresholds(thresholds("green", step{0.3, "red"})).
			ThresholdsStyle(dashedThresholds())).
		WithPanel(timeSeries("Planning accuracy, last 3 closed sprints", "Completed / committed issues over each board's last 3 closed sprints together. Completed issues include those added during a sprint, so this reads at or above the sprint API's planning_accuracy (committed issues done).", "percentunit", 8, 8,
			series("A", ratio(sprintSum("closed", "completed"), sprintSum("closed", "committed")), board)).
			Min(0)).
		WithPanel(timeSeries("Completion rate, last 3 closed sprints", "Completed / (committed + added − removed) issues over each board's last 3 closed sprints together, as the sprint API's completion_rate.", "percentunit", 8, 8,
			series("A", ratio(sprintSum("closed", "completed"), "("+sprintSum("closed", "committed|added")+" - "+sprintSum("closed", "removed")+")"), board)).
			Min(0)).
		WithPanel(timeSeries("Completion so far, active sprint", "Completed / committed issues of each board's active sprint until now.", "percentunit", 8, 8,
			series("A", ratio(sprintSum("active", "completed"), sprintSum("active", "committed")), board)).
			Min(0))
}
