package jira

import (
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// TestUpstreamFaults proves the upstream fault table (collectortest) on
// the Jira source, Cloud and Data Center: the issue search pages 10
// issues a page with a checkpoint after each, and the faults hit its
// third page (Cloud's refused nextPageToken: the first page stepped on by
// token, in the minute 25 issues were touched). Every sprint report
// replayed from the rows equals the truth, and every issue is collected.
func TestUpstreamFaults(t *testing.T) {
	for _, fl := range []simFlavour{simCloud, simDC} {
		t.Run(fl.name, func(t *testing.T) {
			orgs := map[string]*simulate.Org{}
			targets := map[string]collectortest.FaultTarget{
				collectortest.TargetPage: {Path: fl.search + "$", Nth: 3},
			}
			if !fl.dc() { // Data Center pages by startAt: no token to refuse
				targets[collectortest.TargetCursor] = collectortest.FaultTarget{Path: fl.search + "$", Nth: 1}
			}
			results := collectortest.RunFaultTable(t, collectortest.FaultSource{
				Name: "Jira " + fl.name,
				New: func(t *testing.T, name string, opts collectortest.HarnessOptions) collectortest.FaultSite {
					org := simulate.Generate(simulate.Options{Seed: 3, Now: simNow, Teams: 3, Months: 2, IssuesPerSprint: 6,
						Projects: []string{"PLAT", "MOB"}})
					// More issues in one minute than a page holds: Cloud
					// pages through them by nextPageToken.
					org.Touch(simNow.Add(-time.Hour), 25)
					orgs[name] = org
					site := simulate.NewJira(org, simulate.JiraOptions{Email: fakeUser, Token: fakeToken, BearerToken: simPAT,
						PageSize: 10, Now: func() time.Time { return simNow }})
					cfg := fl.cfg
					cfg.Name = name
					opts.Now = simNow
					h := newHarnessWith(t, site, cfg, opts)
					h.src.checkpointPages = 1
					return collectortest.FaultSite{Faults: site.Faults(), Harness: h.Harness}
				},
				Targets: targets,
				Check: func(t *testing.T, name string, runs [][]warehouse.Row) {
					t.Helper()
					org := orgs[name]
					var st *simState
					for _, rows := range runs {
						s := collectortest.NewMemSink(nil)
						s.Write(rows...)
						if st == nil {
							st = collectState(s)
						} else {
							st.overlay(collectState(s))
						}
					}
					if len(st.issues) != len(org.Issues) {
						t.Errorf("%d issues collected, the org has %d", len(st.issues), len(org.Issues))
					}
					compareTruth(t, org, st, simNow)
				},
				Expect: map[string]collectortest.FaultExpect{
					"cursor refused as expired": {Outcome: collectortest.Fails,
						ErrHas: []string{"400 Bad Request", "The provided next page token is invalid or expired."}},
				},
			})
			t.Log("\n" + collectortest.FaultReport(results))
		})
	}
}
