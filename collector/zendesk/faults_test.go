package zendesk_test

import (
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/zendesk"
)

// TestUpstreamFaults proves the upstream fault table (collectortest) on
// the Zendesk source: the ticket export pages 20 tickets a page with a
// checkpoint after each, and the faults hit its third page; every
// ticket collected is compared with the desk's truth.
func TestUpstreamFaults(t *testing.T) {
	at := deskNow.Add(2 * time.Minute) // the export leaves out the last minute
	desks := map[string]*simulate.SupportDesk{}
	results := collectortest.RunFaultTable(t, collectortest.FaultSource{
		Name: "Zendesk",
		New: func(t *testing.T, name string, opts collectortest.HarnessOptions) collectortest.FaultSite {
			desk := simulate.GenerateDesk(simulate.DeskOptions{Seed: 3, Now: deskNow})
			desks[name] = desk
			site := simulate.NewZendesk(desk, simulate.ZendeskOptions{Email: "bot@acme.com", Token: "zd-t0ken",
				Now: func() time.Time { return at }, PageSize: 20})
			opts.Now = at
			h := collectortest.NewHarness(t, zendesk.SourceType, config.Source{Name: name, Token: "zd-t0ken",
				Since:    config.Span(60 * 24 * time.Hour),
				Settings: &zendesk.Config{Email: "bot@acme.com", RequestsPerMinute: 6000}}, site, opts)
			return collectortest.FaultSite{Faults: site.Faults(), Harness: h}
		},
		Targets: map[string]collectortest.FaultTarget{
			collectortest.TargetPage:   {Path: simulate.PathZendeskTicketExport + "$", Nth: 3},
			collectortest.TargetCursor: {Path: simulate.PathZendeskTicketExport + "$", Nth: 3},
		},
		Check: func(t *testing.T, name string, runs [][]warehouse.Row) {
			t.Helper()
			var rows []warehouse.TicketRow
			for _, run := range runs {
				for _, r := range run {
					if tr, ok := r.(warehouse.TicketRow); ok {
						rows = append(rows, tr)
					}
				}
			}
			check(t, desks[name], rows, at)
		},
		Expect: map[string]collectortest.FaultExpect{
			// The export starts over from the newest update collected.
			"cursor refused as expired": {Outcome: collectortest.Completes},
		},
	})
	t.Log("\n" + collectortest.FaultReport(results))
}
