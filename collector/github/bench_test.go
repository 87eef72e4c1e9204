package github_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/github"
	"github.com/runway-analytics/runway/collector/simulate"
)

// BenchmarkCollect50Repos collects a simulated GitHub of 50 repositories
// (one team each, three months of work, every milestone scenario in the
// first) into memory, over loopback HTTP, and reports per run:
//
//   - full-requests, full-ms: the first run (every issue and its events);
//   - incr-requests, incr-ms: a run an hour later, after 20 issues changed;
//   - unchanged-requests: a run a minute after that, nothing changed
//     (target: one per repository plus one per milestone page, the 304s
//     included).
func BenchmarkCollect50Repos(b *testing.B) { benchRepos(b, 50, 0) }

// BenchmarkCollect10ReposDistant is BenchmarkCollect50Repos over 10
// repositories with every request answered after 50 ms, as a distant
// site would: the run's wall time is its sequential round trips.
func BenchmarkCollect10ReposDistant(b *testing.B) { benchRepos(b, 10, 50*time.Millisecond) }

func benchRepos(b *testing.B, n int, latency time.Duration) {
	var projects []string
	for i := range n {
		projects = append(projects, fmt.Sprintf("R%02d", i))
	}
	now := simNow
	for b.Loop() {
		org := simulate.Generate(simulate.Options{Seed: 3, Now: now, Teams: n, Months: 3, IssuesPerSprint: 8,
			Projects: projects, Vendor: simulate.VendorGitHub})
		clock := collectortest.NewClock(now)
		site := simulate.NewGitHub(org, simulate.GitHubOptions{Token: simToken, Now: clock.Now})
		var repos []string
		for _, p := range org.Projects {
			repos = append(repos, site.FullName(p.Key))
		}
		h := collectortest.NewHarness(b, github.SourceType, config.Source{Name: "gh", Token: simToken,
			Settings: &github.Config{Repos: repos}, Since: config.Span(400 * 24 * time.Hour)}, collectortest.Distant(site, latency),
			collectortest.HarnessOptions{Now: now})
		run := func(at time.Time, sink *collectortest.MemSink) (requests int64, d time.Duration) {
			clock.Set(at)
			h.Clock.Set(at)
			start := time.Now() // elapsed time only: the run's wall time
			st, err := h.Run(context.Background(), sink)
			if err != nil {
				b.Fatal(err)
			}
			return st.Requests, time.Since(start)
		}
		full := collectortest.NewMemSink(nil)
		n, d := run(now, full)
		b.ReportMetric(float64(n), "full-requests")
		b.ReportMetric(float64(d.Milliseconds()), "full-ms")
		b.ReportMetric(float64(len(full.CommittedRows())), "full-rows")

		org.Touch(now.Add(30*time.Minute), 20)
		incr := collectortest.NewMemSink(full.Committed())
		n, d = run(now.Add(time.Hour), incr)
		b.ReportMetric(float64(n), "incr-requests")
		b.ReportMetric(float64(d.Milliseconds()), "incr-ms")

		same := collectortest.NewMemSink(incr.Committed())
		n, _ = run(now.Add(time.Hour+time.Minute), same)
		b.ReportMetric(float64(n), "unchanged-requests")
		if n != int64(2*len(repos)) || len(same.CommittedRows()) != 0 {
			b.Errorf("an unchanged site: %d requests, %d rows; want %d and none", n, len(same.CommittedRows()), 2*len(repos))
		}
	}
}
