package zendesk_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
	"github.com/runway-analytics/runway/collector/zendesk"
)

// TestMain starts the shared warehouse backends (the benchmark's).
func TestMain(m *testing.M) { os.Exit(whtest.Main(m)) }

var deskNow = time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)

// truthLine and rowLine render a ticket as the truth and as collected, for
// comparison: status, priority, group, merged, first reply and full
// resolution (calendar/business minutes), solved time.
func truthLine(tr simulate.TicketTruth, groups map[int64]string) string {
	m := func(p *simulate.DeskMinutes) string {
		if p == nil {
			return "-/-"
		}
		return fmt.Sprintf("%d/%d", p.Calendar, p.Business)
	}
	solved := "-"
	if !tr.SolvedAt.IsZero() {
		solved = tr.SolvedAt.UTC().Format(time.RFC3339)
	}
	if tr.Status == simulate.TicketDeleted {
		return "deleted"
	}
	return fmt.Sprintf("%s %s %q merged=%v reply=%s resolution=%s solved=%s", tr.Status, tr.Priority, groups[tr.GroupID],
		tr.MergedInto != 0, m(tr.FirstReply), m(tr.FullResolution), solved)
}

func rowLine(r warehouse.TicketRow) string {
	m := func(c, b *float64) string {
		if c == nil {
			return "-/-"
		}
		return fmt.Sprintf("%d/%d", int(*c), int(*b))
	}
	solved := "-"
	if r.Solved != nil {
		solved = r.Solved.UTC().Format(time.RFC3339)
	}
	if r.Status == "deleted" {
		return "deleted"
	}
	return fmt.Sprintf("%s %s %q merged=%v reply=%s resolution=%s solved=%s", r.Status, r.Priority, r.Group,
		slices.Contains(r.Tags, "closed_by_merge"), m(r.FirstReplyMinutes, r.FirstReplyBusinessMinutes),
		m(r.ResolutionMinutes, r.ResolutionBusinessMinutes), solved)
}

// check compares every ticket collected so far (the newest row of each)
// with the desk's truth at the clock.
func check(t *testing.T, desk *simulate.SupportDesk, rows []warehouse.TicketRow, at time.Time) {
	t.Helper()
	groups := map[int64]string{}
	for _, g := range desk.Groups {
		groups[g.ID] = g.Name
	}
	latest := map[string]warehouse.TicketRow{}
	for _, r := range rows {
		if prev, ok := latest[r.TicketID]; !ok || r.Version >= prev.Version {
			latest[r.TicketID] = r
		}
	}
	truth := desk.TruthAt(at)
	if len(latest) != len(truth.Tickets) {
		t.Errorf("at %v: %d tickets collected, the truth has %d", at, len(latest), len(truth.Tickets))
	}
	for _, tr := range truth.Tickets {
		r, ok := latest[strconv.FormatInt(tr.ID, 10)]
		if !ok {
			t.Errorf("ticket %d not collected", tr.ID)
			continue
		}
		if got, want := rowLine(r), truthLine(tr, groups); got != want {
			t.Errorf("ticket %d:\n got %s\nwant %s", tr.ID, got, want)
		}
	}
}

// TestCollectEqualsDeskTruth: a generated desk, exported 5 tickets a page
// (so ≥ 3 pages) under Zendesk's 10 requests a minute: the 11th request is
// answered 429 and waited out for its Retry-After; every ticket collected
// equals the desk's truth. Then, after tickets are solved, reopened and
// merged, a second run starts from the stored cursor, reads only what
// changed, and the result equals the truth again.
func TestCollectEqualsDeskTruth(t *testing.T) {
	desk := simulate.GenerateDesk(simulate.DeskOptions{Seed: 3, Now: deskNow})
	clock := collectortest.NewClock(deskNow.Add(2 * time.Minute))
	// The rate window runs on the wall clock moved on by every wait the
	// source asked for (the harness records waits instead of sleeping).
	var h *collectortest.Harness
	waited := func() time.Time {
		var d time.Duration
		if h != nil {
			for _, s := range h.Sleeps() {
				d += s
			}
		}
		return time.Now().Add(d)
	}
	site := simulate.NewZendesk(desk, simulate.ZendeskOptions{Email: "bot@acme.com", Token: "zd-t0ken", Now: clock.Now,
		PageSize: 5, RateLimit: simulate.ZendeskIncrementalRateLimit, Clock: waited})
	h = collectortest.NewHarness(t, zendesk.SourceType, config.Source{Name: "zd", Token: "zd-t0ken",
		Since:    config.Span(60 * 24 * time.Hour),
		Settings: &zendesk.Config{Email: "bot@acme.com", RequestsPerMinute: 6000}}, site,
		collectortest.HarnessOptions{Now: clock.Now()})
	sink := collectortest.NewMemSink(nil)
	if _, err := h.Run(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	exports := site.Requests()["/api/v2/incremental/tickets/cursor.json"]
	if exports < 3 {
		t.Errorf("%d export pages, want at least 3", exports)
	}
	sleeps := h.Sleeps()
	if len(sleeps) == 0 || sleeps[0] < time.Second || sleeps[0] > 61*time.Second {
		t.Errorf("waits %v: want the 429's Retry-After (at most a minute) waited out", sleeps)
	}
	check(t, desk, collectortest.RowsOf[warehouse.TicketRow](sink), clock.Now())

	// Changes an hour later, collected two minutes after them.
	at := deskNow.Add(time.Hour)
	var open []int64
	for _, tr := range desk.Truth().Tickets {
		if tr.Status == simulate.TicketOpen {
			open = append(open, tr.ID)
		}
	}
	if len(open) < 2 {
		t.Fatalf("%d open tickets", len(open))
	}
	for _, e := range []struct {
		id int64
		ev simulate.TicketEvent
	}{
		{open[0], simulate.TicketEvent{At: at, Reply: true}},
		{open[0], simulate.TicketEvent{At: at.Add(time.Minute), Status: simulate.TicketSolved}},
		{open[1], simulate.TicketEvent{At: at, MergedInto: open[0]}},
	} {
		if err := desk.Update(e.id, e.ev); err != nil {
			t.Fatal(err)
		}
	}
	clock.Set(at.Add(4 * time.Minute))
	h.Clock.Set(clock.Now())
	site.Faults().ResetRequests()
	next := collectortest.NewMemSink(sink.Committed())
	if _, err := h.Run(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	if n := len(collectortest.RowsOf[warehouse.TicketRow](next)); n != 2 {
		t.Errorf("the incremental run wrote %d tickets, want the 2 that changed", n)
	}
	all := append(collectortest.RowsOf[warehouse.TicketRow](sink), collectortest.RowsOf[warehouse.TicketRow](next)...)
	check(t, desk, all, clock.Now())
}
