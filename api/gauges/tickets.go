package gauges

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The ticket family (DESIGN.md §8), per source and priority — never per
// ticket — from two set-based statements (analytics.TicketsBySource):
//
//	runway_tickets_open{source,priority}                       open now (new, open, pending, on hold)
//	runway_ticket_first_reply_hours{source,priority,quantile}  0.5 and 0.9, tickets created in the last 30 days
//	runway_ticket_resolution_hours{source,priority,quantile}   the same, solved ones
//	runway_ticket_sla_breach_ratio{source,priority}            of the last 30 days' tickets with an SLA
//
// A quantile without values, or a ratio without a ticket with an SLA, has
// no series.

const familyTickets = "tickets"

// TicketWindow is how far back the ticket time and breach gauges look.
const TicketWindow = 30 * 24 * time.Hour

type ticketGauges struct {
	open, firstReply, resolution, breach *prometheus.Desc
	sla                                  map[string]time.Duration
}

func newTickets(sla map[string]time.Duration) *ticketGauges {
	labels, q := []string{"source", "priority"}, []string{"source", "priority", "quantile"}
	return &ticketGauges{sla: sla,
		open: prometheus.NewDesc("runway_tickets_open",
			"Support tickets open now (new, open, pending or on hold), deleted ones left out.", labels, nil),
		firstReply: prometheus.NewDesc("runway_ticket_first_reply_hours",
			"First reply time of the tickets created in the last 30 days, hours, at the quantile.", q, nil),
		resolution: prometheus.NewDesc("runway_ticket_resolution_hours",
			"Full resolution time of the tickets created in the last 30 days and solved (merged ones left out), hours, at the quantile.", q, nil),
		breach: prometheus.NewDesc("runway_ticket_sla_breach_ratio",
			"Share of the tickets created in the last 30 days with an SLA that breached it (breach events, else the configured first-reply target).",
			labels, nil),
	}
}

func (g *ticketGauges) name() string { return familyTickets }

func (g *ticketGauges) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{g.open, g.firstReply, g.resolution, g.breach} {
		ch <- d
	}
}

func (g *ticketGauges) load(ctx context.Context, db warehouse.DB, now time.Time, out *samples) error {
	all, err := analytics.TicketsBySource(ctx, db, analytics.TicketFilter{GroupBy: analytics.TicketsByPriority, SLA: g.sla, Now: now})
	if err != nil {
		return fmt.Errorf("tickets: %w", err)
	}
	for _, t := range all {
		out.add(g.open, float64(t.Open), t.Source, t.Group)
	}
	from := now.Add(-TicketWindow)
	recent, err := analytics.TicketsBySource(ctx, db, analytics.TicketFilter{GroupBy: analytics.TicketsByPriority, SLA: g.sla,
		From: &from, Now: now})
	if err != nil {
		return fmt.Errorf("tickets: %w", err)
	}
	quantile := func(d *prometheus.Desc, v *float64, src, prio, q string) {
		if v != nil {
			out.add(d, *v, src, prio, q)
		}
	}
	for _, t := range recent {
		quantile(g.firstReply, t.FirstReplyP50Hours, t.Source, t.Group, "0.5")
		quantile(g.firstReply, t.FirstReplyP90Hours, t.Source, t.Group, "0.9")
		quantile(g.resolution, t.ResolutionP50Hours, t.Source, t.Group, "0.5")
		quantile(g.resolution, t.ResolutionP90Hours, t.Source, t.Group, "0.9")
		if t.SLABreachRate != nil {
			out.add(g.breach, *t.SLABreachRate, t.Source, t.Group)
		}
	}
	return nil
}
