package jira

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/simulate"
)

// BenchmarkCollectTruncatedChangelogs: a full Jira Cloud collection of a
// generated org whose embedded changelogs are mostly truncated (3 embedded),
// every request answered after 50 ms, as a distant site would. Reports the
// requests of a run, those that fetched changelogs, and the issues whose
// changelog was truncated.
func BenchmarkCollectTruncatedChangelogs(b *testing.B) {
	const latency, embed = 50 * time.Millisecond, 3
	org := simulate.Generate(simulate.Options{Seed: 1, Now: simNow, Teams: 3, Months: 4, IssuesPerSprint: 15})
	truncated := 0
	for _, is := range org.Issues {
		if len(is.Histories) > embed {
			truncated++
		}
	}
	site := simulate.NewJira(org, simulate.JiraOptions{Email: fakeUser, Token: fakeToken,
		PageSize: 100, ChangelogEmbedLimit: embed})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		site.ServeHTTP(w, r)
	})
	for range b.N {
		site.ResetRequests()
		h := newHarness(b, slow, config.Source{}, simNow)
		if err := h.src.Collect(context.Background(), collectortest.NewMemSink(nil)); err != nil {
			b.Fatal(err)
		}
		all, changelogs := 0, 0
		for p, n := range site.Requests() {
			all += n
			if p == simulate.PathBulkFetch || strings.HasSuffix(p, "/changelog") {
				changelogs += n
			}
		}
		b.ReportMetric(float64(len(org.Issues)), "issues")
		b.ReportMetric(float64(truncated), "truncated")
		b.ReportMetric(float64(all), "requests")
		b.ReportMetric(float64(changelogs), "changelog-requests")
	}
}

// BenchmarkCollect40BoardsDistant: a full Jira Cloud collection of 40
// boards (a month of work each), every request answered after 50 ms.
// Each board's sprint list and each project's versions are a request of
// their own, fetched a few at a time (fanout).
func BenchmarkCollect40BoardsDistant(b *testing.B) {
	org := simulate.Generate(simulate.Options{Seed: 1, Now: simNow, Teams: 40, Months: 1, IssuesPerSprint: 3})
	site := simulate.NewJira(org, simulate.JiraOptions{Email: fakeUser, Token: fakeToken, PageSize: 100})
	for range b.N {
		site.ResetRequests()
		h := newHarness(b, collectortest.Distant(site, 50*time.Millisecond), config.Source{}, simNow)
		start := time.Now() // elapsed time only: the run's wall time
		if err := h.src.Collect(context.Background(), collectortest.NewMemSink(nil)); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "full-ms")
		all := 0
		for _, n := range site.Requests() {
			all += n
		}
		b.ReportMetric(float64(all), "requests")
		b.ReportMetric(float64(len(org.Boards)), "boards")
	}
}
