package github_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/github"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/simulate/truthcheck"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestUpstreamFaults proves the upstream fault table (collectortest) on
// the GitHub source: two repositories, MOB then PLAT, a checkpoint after
// the first, and every fault hitting a later page of PLAT's listings (its
// 8 milestones take 3 pages); the milestone reports are compared with
// the truth on both backends.
func TestUpstreamFaults(t *testing.T) {
	store := &collectortest.WarehouseRuns{}
	for _, b := range whtest.Backends(t) {
		if _, err := warehouse.Migrate(context.Background(), b.DB, nil); err != nil {
			t.Fatal(err)
		}
		store.DBs = append(store.DBs, b.DB)
	}
	newOrg := func() *simulate.Org {
		return simulate.Generate(simulate.Options{Seed: 21, Now: simNow, Teams: 2, Months: 2, IssuesPerSprint: 4,
			Projects: []string{"PLAT", "MOB"}, Vendor: simulate.VendorGitHub})
	}
	// The org and site of each source name, for Check.
	orgs, sites := map[string]*simulate.Org{}, map[string]*simulate.GitHub{}
	results := collectortest.RunFaultTable(t, collectortest.FaultSource{
		Name: "GitHub",
		New: func(t *testing.T, name string, opts collectortest.HarnessOptions) collectortest.FaultSite {
			org := newOrg()
			site := simulate.NewGitHub(org, simulate.GitHubOptions{Token: simToken, MaxPerPage: 3})
			orgs[name], sites[name] = org, site
			opts.Now = simNow
			h := collectortest.NewHarness(t, github.SourceType, config.Source{Name: name, Token: simToken,
				Settings: &github.Config{Repos: []string{site.FullName("MOB"), site.FullName("PLAT")}},
				Since:    config.Span(400 * 24 * time.Hour)}, site, opts)
			return collectortest.FaultSite{Faults: site.Faults(), Harness: h, Change: func() {
				// The first milestone of PLAT's first page goes, so that
				// one of page 2 moves up to page 1.
				if err := org.DeleteMilestone(firstListed(org, "PLAT").ID); err != nil {
					t.Error(err)
				}
			}}
		},
		Targets: map[string]collectortest.FaultTarget{
			collectortest.TargetPage:   {Path: simulate.PathGitHubRepos + simulate.DefaultGitHubOwner + "/plat/issues$", Nth: 2},
			collectortest.TargetCursor: {Path: simulate.PathGitHubRepos + simulate.DefaultGitHubOwner + "/plat/milestones$", Nth: 2},
			collectortest.TargetChange: {Path: simulate.PathGitHubRepos + simulate.DefaultGitHubOwner + "/plat/milestones$", Nth: 2},
		},
		Check: func(t *testing.T, name string, runs [][]warehouse.Row) {
			t.Helper()
			store.Write(t, name, runs)
			for _, db := range store.DBs {
				truthcheck.Milestones(t, truthcheck.Site{DB: db, Source: name, Org: orgs[name], Rules: simulate.GitHubMilestones,
					Project: sites[name].FullName}, []time.Time{simNow})
			}
		},
		Expect: map[string]collectortest.FaultExpect{
			"cursor refused as expired": {Outcome: collectortest.Fails, ErrHas: []string{"422"}},
		},
	})
	t.Log("\n" + collectortest.FaultReport(results))
}

// firstListed is the first milestone of project's listing (due date
// ascending, those without one last, ties by id).
func firstListed(org *simulate.Org, project string) *simulate.Milestone {
	var ms []*simulate.Milestone
	for _, m := range org.Milestones {
		if m.Project == project && m.ExistsAt(simNow) {
			ms = append(ms, m)
		}
	}
	slices.SortStableFunc(ms, func(a, b *simulate.Milestone) int {
		da, db := a.DueAt(simNow), b.DueAt(simNow)
		switch {
		case da == nil && db == nil:
			return 0
		case da == nil:
			return 1
		case db == nil:
			return -1
		}
		return simulate.StartOfDay(*da).Compare(simulate.StartOfDay(*db))
	})
	return ms[0]
}
