package gitlab_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/gitlab"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/simulate/truthcheck"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestUpstreamFaults proves the upstream fault table (collectortest) on
// the GitLab source: the group's projects (listed by keyset, 1 a page),
// collected in path order, MOB then PLAT, with iterations and a
// checkpoint after each project; the faults hit a later page of PLAT's
// issues, or the keyset continuation of the group's projects. The
// milestone and iteration reports are compared with the truth on both
// backends.
func TestUpstreamFaults(t *testing.T) {
	store := &collectortest.WarehouseRuns{}
	for _, b := range whtest.Backends(t) {
		if _, err := warehouse.Migrate(context.Background(), b.DB, nil); err != nil {
			t.Fatal(err)
		}
		store.DBs = append(store.DBs, b.DB)
	}
	// The org and site of each source name, for Check.
	orgs, sites := map[string]*simulate.Org{}, map[string]*simulate.GitLab{}
	plat := strconv.Itoa(simulate.GitLabProjectIDBase) // the org's first project
	results := collectortest.RunFaultTable(t, collectortest.FaultSource{
		Name: "GitLab",
		New: func(t *testing.T, name string, opts collectortest.HarnessOptions) collectortest.FaultSite {
			org := simulate.Generate(simulate.Options{Seed: 8, Now: simNow, Teams: 2, Months: 2, IssuesPerSprint: 2,
				Projects: []string{"PLAT", "MOB"}, Vendor: simulate.VendorGitLab})
			site := simulate.NewGitLab(org, simulate.GitLabOptions{Token: simToken, MaxPerPage: 20})
			orgs[name], sites[name] = org, site
			opts.Now, opts.BasePath = simNow, simulate.PathGitLabAPI
			h := collectortest.NewHarness(t, gitlab.SourceType, config.Source{Name: name, Token: simToken,
				Since: config.Span(400 * 24 * time.Hour), Settings: &gitlab.Config{Groups: []string{simulate.DefaultGitLabGroup},
					TokenType: gitlab.TokenPrivate, Iterations: true}}, site, opts)
			return collectortest.FaultSite{Faults: site.Faults(), Harness: h}
		},
		Targets: map[string]collectortest.FaultTarget{
			collectortest.TargetPage: {Path: simulate.PathGitLabProjects + plat + "/issues$", Nth: 2},
			// Resolving the projects comes before any checkpoint.
			collectortest.TargetCursor: {Path: simulate.PathGitLabGroups + strconv.Itoa(simulate.GitLabGroupID) + "/projects$",
				Nth: 2, NoCheckpoint: true},
		},
		Check: func(t *testing.T, name string, runs [][]warehouse.Row) {
			t.Helper()
			store.Write(t, name, runs)
			org, site := orgs[name], sites[name]
			owner := func(key string) string {
				if key == org.Projects[0].Key {
					return simulate.DefaultGitLabGroup
				}
				return site.FullPath(key)
			}
			for _, db := range store.DBs {
				truthcheck.Milestones(t, truthcheck.Site{DB: db, Source: name, Org: org, Rules: simulate.GitLabMilestones,
					Project: owner}, []time.Time{simNow})
				if n := truthcheck.Sprints(t, truthcheck.Site{DB: db, Source: name, Org: org}, simNow); n < 8 {
					t.Errorf("%d iterations compared", n)
				}
			}
		},
		Expect: map[string]collectortest.FaultExpect{
			"cursor refused as expired": {Outcome: collectortest.Fails, ErrHas: []string{"400 Bad Request", "id_after is invalid"}},
		},
	})
	t.Log("\n" + collectortest.FaultReport(results))
}
