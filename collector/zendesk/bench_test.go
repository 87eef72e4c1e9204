package zendesk_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
	"github.com/runway-analytics/runway/collector/zendesk"
)

// benchTickets is the desk's size (the README reports the run).
const benchTickets = 100_000

// BenchmarkCollectTickets collects a simulated desk of benchTickets
// tickets (the site's 10-a-minute limit and the source's pacing off, as a
// measurement: at Zendesk's pace a 1,000-ticket page costs 6 s) into
// memory over loopback HTTP, reporting requests, wall time and rows a
// second; then writes the rows into the embedded warehouse and reports
// /tickets/summary by priority and the support load per project (one
// project owning every group) over them: p50-ms, p99-ms of 20 calls.
func BenchmarkCollectTickets(b *testing.B) {
	for b.Loop() {
		desk := simulate.GenerateDesk(simulate.DeskOptions{Seed: 1, Now: deskNow, Tickets: benchTickets, Days: 365})
		site := simulate.NewZendesk(desk, simulate.ZendeskOptions{Email: "bot@acme.com", Token: "zd-t0ken",
			Now: func() time.Time { return deskNow.Add(2 * time.Minute) }})
		h := collectortest.NewHarness(b, zendesk.SourceType, config.Source{Name: "zd", Token: "zd-t0ken",
			Since:    config.Span(400 * 24 * time.Hour),
			Settings: &zendesk.Config{Email: "bot@acme.com", RequestsPerMinute: 1_000_000}}, site,
			collectortest.HarnessOptions{Now: deskNow.Add(2 * time.Minute)})
		sink := collectortest.NewMemSink(nil)
		start := time.Now() // elapsed time only: the run's wall time
		st, err := h.Run(context.Background(), sink)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		rows := sink.CommittedRows()
		b.ReportMetric(float64(st.Requests), "requests")
		b.ReportMetric(d.Seconds(), "collect-s")
		b.ReportMetric(float64(len(rows))/d.Seconds(), "rows/s")

		db := whtest.EmbeddedDB(b)
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			b.Fatal(err)
		}
		byTable := map[string][]warehouse.Row{}
		for _, r := range rows {
			byTable[r.Table()] = append(byTable[r.Table()], r)
		}
		var groups []string
		for _, g := range desk.Groups {
			groups = append(groups, g.Name)
		}
		byTable["projects"] = []warehouse.Row{warehouse.ProjectRow{Key: "support", Name: "Support", Type: "ongoing_support",
			JiraProjects: []string{}, GitHubRepos: []string{}, GitLabProjects: []string{}, ZendeskGroups: groups, Version: 1}}
		for _, rs := range byTable {
			if err := warehouse.InsertMixed(ctx, db, rs); err != nil {
				b.Fatal(err)
			}
		}
		sla := map[string]time.Duration{"urgent": 4 * time.Hour}
		reportLatency(b, "summary", func() error {
			gs, err := analytics.TicketSummary(ctx, db, analytics.TicketFilter{Now: deskNow, SLA: sla})
			if err == nil && len(gs) == 0 {
				err = errors.New("no groups")
			}
			return err
		})
		reportLatency(b, "support-load", func() error {
			gs, err := analytics.SupportLoad(ctx, db, analytics.SupportLoadFilter{Now: deskNow, SLA: sla})
			if err == nil && (len(gs) != 1 || gs[0].TicketsCreated == 0) {
				err = fmt.Errorf("support load: %+v", gs)
			}
			return err
		})
	}
}

// reportLatency calls f 20 times and reports its p50 and p99 (the
// slowest) in milliseconds as NAME-p50-ms and NAME-p99-ms.
func reportLatency(b *testing.B, name string, f func() error) {
	var lat []time.Duration
	for range 20 {
		start := time.Now() // elapsed time only
		if err := f(); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, name+"-p50-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, name+"-p99-ms")
}
