package analytics

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestTicketAnswerCache: a ticket summary and the support load's classes
// are kept per filter for later clocks until the first instant a clock
// changes them, and no further. In the fixture T3 (urgent, open,
// unanswered, no policy, config target 4 h) was created 29 February 00:00
// and breaches at 04:00:01; every answer equals one computed afresh (a new
// handle has no cache).
func TestTicketAnswerCache(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seedTickets(t, db)
		ctx := context.Background()
		sla := map[string]time.Duration{"urgent": 4 * time.Hour, "high": 24 * time.Hour}
		cdb := &countingDB{DB: db}
		at := func(h, m, s int) time.Time { return time.Date(2024, 2, 29, h, m, s, 0, time.UTC) }
		urgentBreaches := func(gs []TicketGroup) int64 {
			for _, g := range gs {
				if g.Group == "urgent" {
					return g.SLABreaches
				}
			}
			return -1
		}
		summary := func(what string, now time.Time, wantStatements, wantBreaches int64) {
			t.Helper()
			before := cdb.calls.Load()
			got, err := TicketSummary(ctx, cdb, TicketFilter{SLA: sla, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if n := cdb.calls.Load() - before; n != wantStatements {
				t.Errorf("%s: %d statements, want %d", what, n, wantStatements)
			}
			fresh, err := TicketSummary(ctx, &countingDB{DB: db}, TicketFilter{SLA: sla, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, fresh) {
				t.Errorf("%s: kept answer %s, fresh %s", what, show(got), show(fresh))
			}
			if b := urgentBreaches(got); b != wantBreaches {
				t.Errorf("%s: %d urgent breaches, want %d", what, b, wantBreaches)
			}
		}
		summary("first", at(2, 0, 0), 2, 1) // fingerprint, statement; T1's breach event
		summary("same clock", at(2, 0, 0), 1, 1)
		summary("T3 at its target", at(4, 0, 0), 1, 1)
		summary("T3 a second past it", at(4, 0, 1), 2, 2)
		summary("earlier than the answer", at(3, 0, 0), 2, 1)

		// The support load's classes: at 28 February 12:00 T3 is created
		// after the clock, so they hold until its creation.
		classes := func(what string, now time.Time, wantStatements int64) {
			t.Helper()
			before := cdb.calls.Load()
			got, err := ticketClasses(ctx, cdb, sla, now, now, nil)
			if err != nil {
				t.Fatal(err)
			}
			if n := cdb.calls.Load() - before; n != wantStatements {
				t.Errorf("%s: %d statements, want %d", what, n, wantStatements)
			}
			fresh, err := ticketClasses(ctx, &countingDB{DB: db}, sla, now, now, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, fresh) {
				t.Errorf("%s: kept classes %v, fresh %v", what, got, fresh)
			}
		}
		noon := time.Date(2024, 2, 28, 12, 0, 0, 0, time.UTC)
		classes("first", noon, 2)
		classes("a second before T3 is created", at(0, 0, 0).Add(-time.Second), 1)
		classes("when T3 is created", at(0, 0, 0), 2)

		// New data makes a new answer.
		if err := warehouse.InsertMixed(ctx, db, []warehouse.Row{warehouse.TicketMetricEventRow{Source: "zd",
			TicketID: "T2", EventID: "9", Metric: "reply_time", Type: "breach", At: at(0, 0, 0), Version: 1}}); err != nil {
			t.Fatal(err)
		}
		summary("after an insert", at(4, 0, 1), 2, 3)

		// Ticket durations have no clock: kept until the data changes.
		durations := func(wantStatements int64) int64 {
			t.Helper()
			before := cdb.calls.Load()
			got, err := Durations(ctx, cdb, DurationFilter{Entity: EntityTicket, Now: at(5, 0, 0)})
			if err != nil {
				t.Fatal(err)
			}
			if n := cdb.calls.Load() - before; n != wantStatements || len(got) != 1 {
				t.Fatalf("ticket durations: %d statements, %d groups; want %d and 1", n, len(got), wantStatements)
			}
			return got[0].Count
		}
		// Solved work: T1, T2 (closed) and T4; T5 was merged, T6 deleted.
		if n := durations(2); n != 3 {
			t.Errorf("ticket durations count %d tickets, want 3", n)
		}
		first := durations(1)
		solvedAt := 60.0
		if err := warehouse.InsertMixed(ctx, db, []warehouse.Row{warehouse.TicketRow{Source: "zd", TicketID: "T8",
			Priority: "low", Status: "solved", Group: "Billing", Tags: []string{}, Created: at(1, 0, 0), Updated: at(2, 0, 0),
			ResolutionMinutes: &solvedAt, Version: 1}}); err != nil {
			t.Fatal(err)
		}
		if n := durations(2); n != first+1 {
			t.Errorf("after a solved ticket: %d counted, want %d", n, first+1)
		}
	})
}
