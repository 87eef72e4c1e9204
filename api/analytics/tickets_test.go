package analytics

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// The ticket fixture, worked out by hand (now 2024-03-01 00:00 UTC; config
// first-reply targets: urgent 4 h, high 24 h, none for low):
//
//	ticket prio    status   group     first reply  resolution  SLA
//	T1     urgent  solved   Checkout  30 min       120 min     applied, breached (events)
//	T2     urgent  closed   Checkout  90 min       600 min     applied, fulfilled
//	T3     urgent  open     Checkout  none         -           no policy: 24 h waiting > 4 h → breached (config)
//	T4     high    solved   Billing   120 min      300 min     no policy: 2 h < 24 h
//	T5     high    closed   Billing   10 min       20 min      merged: created, never solved work
//	T6     normal  deleted  Checkout  -            -           counts nowhere
//	T7     low     pending  Billing   2000 min     -           no target
//
// By priority: high: created 2, solved 1, first reply p50 of {1/6 h, 2 h}
// = 13/12 h, p90 = 1/6 + 0.9·(2 − 1/6) = 1.8167 h, resolution 5 h, no
// breach of 2 with an SLA; low: 1 created, open, first reply 100/3 h, no
// resolution, no SLA (rate null); urgent: created 3, solved 2, open 1,
// first reply p50 1 h, p90 1.4 h, resolution p50 6 h, p90 9.2 h, 2
// breaches of 3 with an SLA.
//
// Business minutes, where the source gave them: T1 30 and 120 (all in
// hours), T2 90 and 420 (created Friday 10:00, solved 20:00: three of its
// ten hours after 17:00), T5 10 and 20; T4 and T7 none. So urgent: first
// reply p50 1 h, p90 1.4 h (as calendar), resolution p50 (2 + 7)/2 =
// 4.5 h, p90 2 + 0.9·5 = 6.5 h; high: first reply T5's 1/6 h (merged
// tickets are answered too), resolution null (T4 gave none, T5 is not
// solved work); low: null.
func seedTickets(t *testing.T, db warehouse.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	f := func(v float64) *float64 { return &v }
	day := func(d, h int) time.Time { return time.Date(2024, 2, d, h, 0, 0, 0, time.UTC) }
	ticket := func(id, prio, status, group string, created time.Time, fr, res *float64, tags ...string) warehouse.Row {
		if tags == nil {
			tags = []string{}
		}
		return warehouse.TicketRow{Source: "zd", TicketID: id, Priority: prio, Status: status, Group: group, Tags: tags,
			Created: created, Updated: created, FirstReplyMinutes: fr, ResolutionMinutes: res, Version: 1}
	}
	business := func(r warehouse.Row, fr, res float64) warehouse.Row {
		t := r.(warehouse.TicketRow)
		t.FirstReplyBusinessMinutes, t.ResolutionBusinessMinutes = &fr, &res
		return t
	}
	tickets := []warehouse.Row{
		business(ticket("T1", "urgent", "solved", "Checkout", day(1, 10), f(30), f(120)), 30, 120),
		business(ticket("T2", "urgent", "closed", "Checkout", day(2, 10), f(90), f(600)), 90, 420),
		ticket("T3", "urgent", "open", "Checkout", day(29, 0), nil, nil),
		ticket("T4", "high", "solved", "Billing", day(3, 10), f(120), f(300)),
		business(ticket("T5", "high", "closed", "Billing", day(4, 10), f(10), f(20), "closed_by_merge"), 10, 20),
		ticket("T6", "normal", "deleted", "Checkout", day(5, 10), f(5), f(5)),
		ticket("T7", "low", "pending", "Billing", day(6, 10), f(2000), nil),
	}
	event := func(ticket, id, typ string, at time.Time) warehouse.Row {
		return warehouse.TicketMetricEventRow{Source: "zd", TicketID: ticket, EventID: id, Metric: "reply_time", Type: typ,
			At: at, Version: 1}
	}
	events := []warehouse.Row{
		event("T1", "1", "apply_sla", day(1, 10)), event("T1", "2", "breach", day(1, 10).Add(10*time.Minute)),
		event("T2", "3", "apply_sla", day(2, 10)), event("T2", "4", "fulfill", day(2, 11)),
	}
	for _, rows := range [][]warehouse.Row{tickets, events} {
		if err := warehouse.InsertMixed(ctx, db, rows); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTicketSummary(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seedTickets(t, db)
		sla := map[string]time.Duration{"urgent": 4 * time.Hour, "high": 24 * time.Hour}
		now := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
		show := func(gs []TicketGroup) []string {
			var out []string
			for _, g := range gs {
				out = append(out, fmt.Sprintf("%s c%d s%d o%d fr=%s/%s res=%s/%s business fr=%s/%s res=%s/%s b%d rate=%s",
					g.Group, g.Created, g.Solved, g.Open,
					r4(g.FirstReplyP50Hours), r4(g.FirstReplyP90Hours), r4(g.ResolutionP50Hours), r4(g.ResolutionP90Hours),
					r4(g.FirstReplyBusinessP50Hours), r4(g.FirstReplyBusinessP90Hours),
					r4(g.ResolutionBusinessP50Hours), r4(g.ResolutionBusinessP90Hours),
					g.SLABreaches, r4(g.SLABreachRate)))
			}
			return out
		}
		got, err := TicketSummary(context.Background(), db, TicketFilter{SLA: sla, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		want := "[high c2 s1 o0 fr=1.0833/1.8167 res=5/5 business fr=0.1667/0.1667 res=null/null b0 rate=0" +
			" low c1 s0 o1 fr=33.3333/33.3333 res=null/null business fr=null/null res=null/null b0 rate=null" +
			" urgent c3 s2 o1 fr=1/1.4 res=6/9.2 business fr=1/1.4 res=4.5/6.5 b2 rate=0.6667]"
		if fmt.Sprint(show(got)) != want {
			t.Errorf("by priority:\n got %v\nwant %s", show(got), want)
		}
		got, err = TicketSummary(context.Background(), db, TicketFilter{GroupBy: TicketsByGroup, SLA: sla, Now: now,
			From: ptrTime(time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC))})
		if err != nil {
			t.Fatal(err)
		}
		// From 02-02: T1 is out. Billing: T4, T5, T7 (first replies 1/6, 2
		// and 100/3 h: p50 2, p90 2 + 0.8·(100/3 − 2) = 27.0667); Checkout:
		// T2, T3 (T3 breached by the config target). Business: Billing T5
		// only (1/6 h, no solved work), Checkout T2 (1.5 h, 7 h).
		want = "[Billing c3 s1 o1 fr=2/27.0667 res=5/5 business fr=0.1667/0.1667 res=null/null b0 rate=0" +
			" Checkout c2 s1 o1 fr=1.5/1.5 res=10/10 business fr=1.5/1.5 res=7/7 b1 rate=0.5]"
		if fmt.Sprint(show(got)) != want {
			t.Errorf("by group from 02-02:\n got %v\nwant %s", show(got), want)
		}
		if _, err := TicketSummary(context.Background(), db, TicketFilter{GroupBy: "assignee", Now: now}); err == nil {
			t.Error("group_by assignee: want an error")
		}
	})
}

func r4(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(math.Round(*p*10000)/10000, 'f', -1, 64)
}

// TestTicketDurations: resolution days of the solved tickets, merged and
// deleted ones left out: by priority, high {300 min} and urgent {120,
// 600 min}: urgent p50 = (1/12 + 5/12)/2 = 0.25 days, mean 0.25, max 5/12.
func TestTicketDurations(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seedTickets(t, db)
		got, err := Durations(context.Background(), db, DurationFilter{Entity: EntityTicket, GroupBy: TicketsByPriority,
			Now: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range got {
			out = append(out, fmt.Sprintf("%s/%s n%d mean=%s p50=%s max=%s", g.Source, g.Group, g.Count, r4(&g.MeanDays),
				r4(&g.P50Days), r4(&g.MaxDays)))
		}
		if want := "[zd/high n1 mean=0.2083 p50=0.2083 max=0.2083 zd/urgent n2 mean=0.25 p50=0.25 max=0.4167]"; fmt.Sprint(out) != want {
			t.Errorf("ticket durations:\n got %v\nwant %s", out, want)
		}
	})
}
