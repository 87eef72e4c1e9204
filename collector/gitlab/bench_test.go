package gitlab_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/gitlab"
	"github.com/runway-analytics/runway/collector/simulate"
)

// BenchmarkCollect50Projects collects a simulated GitLab group of 50
// projects (one team each, three months of work, every milestone scenario
// in the first, whose milestones are the group's) into memory, over
// loopback HTTP, and reports per run: the first (full-requests, full-ms),
// one an hour later after 20 issues changed (incr-requests, incr-ms), and
// one a minute after that with nothing changed (unchanged-requests: the
// group, its project list, and per project its milestones and an empty
// issue list).
func BenchmarkCollect50Projects(b *testing.B) { benchProjects(b, 50, 0) }

// BenchmarkCollect10ProjectsDistant is BenchmarkCollect50Projects over 10
// projects with every request answered after 50 ms, as a distant site
// would: the run's wall time is its sequential round trips.
func BenchmarkCollect10ProjectsDistant(b *testing.B) { benchProjects(b, 10, 50*time.Millisecond) }

func benchProjects(b *testing.B, n int, latency time.Duration) {
	var projects []string
	for i := range n {
		projects = append(projects, fmt.Sprintf("R%02d", i))
	}
	now := simNow
	for b.Loop() {
		org := simulate.Generate(simulate.Options{Seed: 3, Now: now, Teams: n, Months: 3, IssuesPerSprint: 8,
			Projects: projects, Vendor: simulate.VendorGitLab})
		clock := collectortest.NewClock(now)
		site := simulate.NewGitLab(org, simulate.GitLabOptions{Token: simToken, Now: clock.Now})
		h := collectortest.NewHarness(b, gitlab.SourceType, config.Source{Name: "gl", Token: simToken,
			Settings: &gitlab.Config{Groups: []string{simulate.DefaultGitLabGroup}, TokenType: gitlab.TokenPrivate},
			Since:    config.Span(400 * 24 * time.Hour)}, collectortest.Distant(site, latency), collectortest.HarnessOptions{Now: now, BasePath: simulate.PathGitLabAPI})
		run := func(at time.Time, sink *collectortest.MemSink) (int64, time.Duration) {
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
		org.Touch(now.Add(30*time.Minute), 20)
		incr := collectortest.NewMemSink(full.Committed())
		n, d = run(now.Add(time.Hour), incr)
		b.ReportMetric(float64(n), "incr-requests")
		b.ReportMetric(float64(d.Milliseconds()), "incr-ms")
		same := collectortest.NewMemSink(incr.Committed())
		n, _ = run(now.Add(time.Hour+time.Minute), same)
		b.ReportMetric(float64(n), "unchanged-requests")
	}
}
