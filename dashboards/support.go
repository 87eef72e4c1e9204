package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// byTicket selects the tickets of the chosen sources and priorities.
const byTicket = `source=~"$source", priority=~"$priority"`

// quantile is a ticket time gauge at quantile q with its label dropped, so
// that tables of several quantiles merge on source and priority.
func quantile(metric, q string) string {
	return `max without (quantile) (` + metric + `{` + byTicket + `, quantile="` + q + `"})`
}

// support is the support dashboard: open tickets by priority, first reply
// and resolution times at p50/p90 and the SLA breach ratio, over the
// tickets created in the last 30 days.
func support() *dashboard.DashboardBuilder {
	const prio = "{{source}} {{priority}}"
	return newDashboard("runway-support", "Runway / Support",
		"Open tickets by priority; first reply and resolution times (p50, p90) and SLA breach ratio of the tickets created in the last 30 days.",
		sourceVar("runway_tickets_open"), priorityVar()).
		WithRow(row("Now")).
		WithPanel(barGauge("Open tickets by priority", "Tickets open now (new, open, pending, on hold), deleted ones left out.", "short", 8, 9,
			latest("A", `sum by (priority) (runway_tickets_open{`+byTicket+`})`, "{{priority}}")).
			Min(0).
			Thresholds(thresholds("blue"))).
		WithPanel(tablePanel("By priority", "Per source and priority: open now, and over the last 30 days' tickets first reply and resolution hours at p50 and p90, and the share that breached an SLA.", 16, 9,
			rows("A", `runway_tickets_open{`+byTicket+`}`),
			rows("B", quantile("runway_ticket_first_reply_hours", "0.5")),
			rows("C", quantile("runway_ticket_first_reply_hours", "0.9")),
			rows("D", quantile("runway_ticket_resolution_hours", "0.5")),
			rows("E", quantile("runway_ticket_resolution_hours", "0.9")),
			rows("F", `runway_ticket_sla_breach_ratio{`+byTicket+`}`)).
			WithTransformation(merge()).
			WithTransformation(organize([]string{"Time", "__name__"},
				map[string]string{"source": "Source", "priority": "Priority", "Value #A": "Open",
					"Value #B": "First reply p50", "Value #C": "First reply p90",
					"Value #D": "Resolution p50", "Value #E": "Resolution p90", "Value #F": "SLA breached"},
				"source", "priority", "Value #A", "Value #B", "Value #C", "Value #D", "Value #E", "Value #F")).
			OverrideByName("First reply p50", unitOverride("h")).
			OverrideByName("First reply p90", unitOverride("h")).
			OverrideByName("Resolution p50", unitOverride("h")).
			OverrideByName("Resolution p90", unitOverride("h")).
			OverrideByName("SLA breached", unitOverride("percentunit"))).
		WithRow(row("Trends")).
		WithPanel(timeSeries("Open tickets", "Tickets open, by source and priority.", "short", 12, 8,
			series("A", `runway_tickets_open{`+byTicket+`}`, prio)).
			Min(0)).
		WithPanel(timeSeries("SLA breach ratio", "Share of the last 30 days' tickets with an SLA that breached it (RunwayTicketSLABreaches fires above 10%).", "percentunit", 12, 8,
			series("A", `runway_ticket_sla_breach_ratio{`+byTicket+`}`, prio)).
			Min(0).
			Thresholds(thresholds("green", step{0.1, "red"})).
			ThresholdsStyle(dashedThresholds())).
		WithPanel(timeSeries("First reply time", "First public agent reply − created, hours, of the last 30 days' tickets, at p50 and p90.", "h", 12, 8,
			series("A", `runway_ticket_first_reply_hours{`+byTicket+`, quantile="0.5"}`, prio+" p50"),
			series("B", `runway_ticket_first_reply_hours{`+byTicket+`, quantile="0.9"}`, prio+" p90")).
			Min(0)).
		WithPanel(timeSeries("Resolution time", "Solved − created, hours, of the last 30 days' tickets that are solved (merged ones left out), at p50 and p90.", "h", 12, 8,
			series("A", `runway_ticket_resolution_hours{`+byTicket+`, quantile="0.5"}`, prio+" p50"),
			series("B", `runway_ticket_resolution_hours{`+byTicket+`, quantile="0.9"}`, prio+" p90")).
			Min(0))
}
