package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// collectors is the on-call dashboard: is every source collected, how long
// runs take, how the upstream APIs answer, what lands in the warehouse, and
// whether the business gauges are computed.
func collectors() *dashboard.DashboardBuilder {
	const src = "{{source}}"
	return newDashboard("runway-collectors", "Runway / Collector health",
		"Per source: time since the last successful run, run durations and results, upstream requests by code, retries, rows written; the business gauges' refresh; the build.",
		sourceVar("runway_collector_runs_total")).
		WithRow(row("Freshness")).
		WithPanel(statPanel("Since last success", "Time since each source's last successful run (RunwayCollectorStale fires past 3 h). A source that never succeeded has no value here: see failed runs.", "s", 12, 5,
			latest("A", `time() - runway_collector_last_success_timestamp_seconds{`+bySource+`}`, src)).
			Thresholds(thresholds("green", step{3600, "orange"}, step{3 * 3600, "red"}))).
		WithPanel(statPanel("Failed runs in range", "Runs that failed within the dashboard's time range.", "short", 6, 5,
			latest("A", `sum by (source) (increase(runway_collector_runs_total{`+bySource+`, result="failure"}[$__range]))`, src)).
			Decimals(0).
			Thresholds(thresholds("green", step{1, "red"}))).
		WithPanel(statPanel("Running now", "1 while a run of the source is in progress.", "short", 6, 5,
			latest("A", `runway_collector_running{`+bySource+`}`, src)).
			Thresholds(thresholds("text", step{1, "blue"}))).
		WithRow(row("Runs")).
		WithPanel(timeSeries("Run duration", "Wall time of each source's last run, successful or not.", "s", 12, 8,
			series("A", `runway_collector_run_duration_seconds{`+bySource+`}`, src)).
			Min(0)).
		WithPanel(timeSeries("Runs per hour by result", "Runs finished in the hour before each point, by result.", "short", 12, 8,
			series("A", `sum by (source, result) (increase(runway_collector_runs_total{`+bySource+`}[1h]))`, "{{source}} {{result}}")).
			Min(0)).
		WithRow(row("Upstream APIs")).
		WithPanel(timeSeries("Requests by code", "HTTP requests (attempts) to the source's API per second, by status code; \"error\" is a transport failure.", "reqps", 12, 8,
			series("A", `sum by (source, code) (rate(runway_collector_requests_total{`+bySource+`}[$__rate_interval]))`, "{{source}} {{code}}")).
			Min(0)).
		WithPanel(timeSeries("Retries by reason", "Retried requests per second, by reason: 429, rate_limit (a 403 rate limit), 5xx, transport.", "reqps", 12, 8,
			series("A", `sum by (source, reason) (rate(runway_collector_retries_total{`+bySource+`}[$__rate_interval]))`, "{{source}} {{reason}}")).
			Min(0)).
		WithPanel(timeSeries("Response bytes", "Response body bytes read from the source's API per second.", "Bps", 12, 8,
			series("A", `sum by (source) (rate(runway_collector_response_bytes_total{`+bySource+`}[$__rate_interval]))`, src)).
			Min(0)).
		WithPanel(timeSeries("Rows written per hour", "Rows committed to the warehouse by successful runs in the hour before each point, by table.", "short", 12, 8,
			series("A", `sum by (source, table) (increase(runway_collector_rows_written_total{`+bySource+`}[1h]))`, "{{source}} {{table}}")).
			Min(0)).
		WithRow(row("Runway")).
		WithPanel(statPanel("Business gauges", "1 when the family's gauges were computed from the warehouse at the last scrape; 0 when its refresh failed or timed out (its series are then absent).", "short", 8, 6,
			latest("A", `min by (family) (runway_gauges_scrape_success)`, "{{family}}")).
			Thresholds(thresholds("red", step{1, "green"}))).
		WithPanel(timeSeries("Business gauges refresh", "How long each family's warehouse refresh took (refreshes are cached for 15 s).", "s", 8, 6,
			series("A", `max by (family) (runway_gauges_scrape_duration_seconds)`, "{{family}}")).
			Min(0)).
		WithPanel(tablePanel("Build", "Version, VCS revision and Go version of each Runway instance.", 8, 6,
			rows("A", `runway_build_info`)).
			WithTransformation(organize([]string{"Time", "__name__", "Value"},
				map[string]string{"instance": "Instance", "version": "Version", "revision": "Revision", "goversion": "Go"},
				"instance", "version", "revision", "goversion")))
}
