package github_test

import (
	"context"
	"maps"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/github"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/simulate/truthcheck"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// These tests collect a generated GitHub-shaped org through the simulated
// GitHub into both backends, at several site clocks, and compare the
// milestone reports with the generator's truth under GitHub's rules.

// TestMain starts the shared warehouse backends the tests run on.
func TestMain(m *testing.M) { os.Exit(whtest.Main(m)) }

const simToken = "ghp_simulated"

var simNow = time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)

// ghSlice is a simulated GitHub serving org, pages capped at maxPerPage
// items, and a runner collecting every repository into db on the site's
// clock.
type ghSlice struct {
	org    *simulate.Org
	site   *simulate.GitHub
	runner *collector.Runner
	db     warehouse.DB
	clock  time.Time
	runs   []time.Time
}

func newGHSlice(t *testing.T, db warehouse.DB, org *simulate.Org, maxPerPage int, clock time.Time) *ghSlice {
	t.Helper()
	if _, err := warehouse.Migrate(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
	s := &ghSlice{org: org, db: db, clock: clock}
	s.site = simulate.NewGitHub(org, simulate.GitHubOptions{Token: simToken, MaxPerPage: maxPerPage,
		RepositoryIDLinks: true, Now: func() time.Time { return s.clock }})
	srv := httptest.NewServer(s.site)
	t.Cleanup(srv.Close)
	var repos []string
	for _, p := range org.Projects {
		repos = append(repos, s.site.FullName(p.Key))
	}
	s.runner = collector.NewRunner(db, nil, collector.NewMetrics(prometheus.NewRegistry()),
		collector.RunnerOptions{Now: func() time.Time { return s.clock }})
	err := s.runner.Add(config.Source{Name: "gh", Type: github.Type, BaseURL: srv.URL, Settings: &github.Config{Repos: repos},
		Token: config.Secret(simToken), Since: config.Span(400 * 24 * time.Hour)}, github.SourceType.New)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *ghSlice) run(t *testing.T, clock time.Time) {
	t.Helper()
	s.clock = clock
	if _, err := s.runner.RunOnce(context.Background(), "gh", nil); err != nil {
		t.Fatalf("run at %v: %v", clock, err)
	}
	s.runs = append(s.runs, clock)
}

func (s *ghSlice) check(t *testing.T) map[string]struct{ Title, Status string } {
	t.Helper()
	got := truthcheck.Milestones(t, truthcheck.Site{DB: s.db, Source: "gh", Org: s.org, Rules: simulate.GitHubMilestones,
		Project: s.site.FullName}, s.runs)
	out := map[string]struct{ Title, Status string }{}
	for id, r := range got {
		out[id] = struct{ Title, Status string }{r.Title, r.Status}
	}
	return out
}

// TestMilestoneReportsEqualGitHubTruth: runs two weeks and one week
// before the org's now and at it, paged 3 items a page (PLAT's 8
// milestones span 3 pages, its issues dozens), then, after a rename, a
// due date moved, a release, and issues moved between milestones, a run
// an hour later: after each, every milestone report equals the truth, on
// both backends. A run of an unchanged site then costs one request per
// milestone page (each a 304) and one issue list per repository, and
// writes no milestone row.
func TestMilestoneReportsEqualGitHubTruth(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		org := simulate.Generate(simulate.Options{Seed: 21, Now: simNow, Teams: 2, Months: 2, IssuesPerSprint: 6,
			Vendor: simulate.VendorGitHub})
		const perPage = 3
		s := newGHSlice(t, db, org, perPage, simNow.AddDate(0, 0, -14))
		for i, at := range []time.Time{simNow.AddDate(0, 0, -14), simNow.AddDate(0, 0, -7), simNow} {
			s.site.ResetRequests()
			s.run(t, at)
			s.check(t)
			if i > 0 {
				continue
			}
			// The first run paged PLAT's milestones (3 pages, then pages 1
			// and 2 again, answering 304: the listing held while paged)
			// and its issues.
			reqs, plat := s.site.Requests(), s.site.RepoPath("PLAT")
			if reqs[plat+"/milestones"] != 5 || s.site.NotModified()[plat+"/milestones"] != 2 || reqs[plat+"/issues"] < 3 {
				t.Errorf("PLAT: %d milestone requests (%d not modified), %d issue listings; want 5 (2) and at least 3",
					reqs[plat+"/milestones"], s.site.NotModified()[plat+"/milestones"], reqs[plat+"/issues"])
			}
		}

		first := func(scenario string) *simulate.Milestone { return org.MilestonesByScenario(scenario)[0] }
		at := simNow.Add(30 * time.Minute)
		slip, track, over := first(simulate.ScenarioSlipping), first(simulate.ScenarioOnTrack), first(simulate.ScenarioOverdue)
		moved := first(simulate.ScenarioDueMovedTwice)
		if err := org.RenameMilestone(slip.ID, "PLAT Launch (renamed)", at); err != nil {
			t.Fatal(err)
		}
		if err := org.SetMilestoneDue(track.ID, ptr(simulate.EndOfDay(simNow.AddDate(0, 0, 150))), at); err != nil {
			t.Fatal(err)
		}
		if err := org.ReleaseMilestone(over.ID, at); err != nil {
			t.Fatal(err)
		}
		var open []*simulate.Issue // open issues in the due-moved-twice milestone
		for _, is := range org.IssuesInMilestoneEver(moved.ID) {
			if slices.Equal(is.CurrentVersions(), []string{moved.ID}) && is.CurrentStatus() != simulate.StatusDone {
				open = append(open, is)
			}
		}
		if len(open) < 2 {
			t.Fatalf("%d open issues in %s", len(open), moved.Name)
		}
		// Moved to the renamed milestone after the rename: the event names
		// the new title; and back out of it.
		if err := org.AddToMilestone(open[0].Key, slip.ID, at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := org.RemoveFromMilestone(open[1].Key, moved.ID, at.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		s.run(t, simNow.Add(time.Hour))
		got := s.check(t)
		if r := got[slip.ID]; r.Title != "PLAT Launch (renamed)" || r.Status != "slipping" {
			t.Errorf("renamed milestone: %+v", r)
		}
		for id, want := range map[string]string{over.ID: "done_late", track.ID: "on_track",
			first(simulate.ScenarioLate).ID: "done_late", first(simulate.ScenarioOnTime).ID: "done",
			first(simulate.ScenarioNoDates).ID: "no_due_date"} {
			if got[id].Status != want {
				t.Errorf("milestone %s (%s): status %s, want %s", id, got[id].Title, got[id].Status, want)
			}
		}

		// Nothing changed since: 304s and empty issue lists.
		s.site.ResetRequests()
		before := countRows(t, db, "milestone_snapshots")
		s.run(t, simNow.Add(time.Hour+time.Minute))
		reqs, notModified := s.site.Requests(), s.site.NotModified()
		total := 0
		for _, n := range reqs {
			total += n
		}
		want := 0
		for _, p := range org.Projects {
			path := s.site.RepoPath(p.Key)
			n := 0
			for _, m := range org.Milestones {
				if m.Project == p.Key {
					n++
				}
			}
			pages := (n + perPage - 1) / perPage
			if reqs[path+"/milestones"] != pages || notModified[path+"/milestones"] != pages || reqs[path+"/issues"] != 1 {
				t.Errorf("%s: %d milestone pages (%d not modified), %d issue listings; want %d (304s) and 1",
					p.Key, reqs[path+"/milestones"], notModified[path+"/milestones"], reqs[path+"/issues"], pages)
			}
			want += pages + 1
		}
		if total != want {
			t.Errorf("an unchanged site cost %d requests, want %d: %v", total, want, reqs)
		}
		if after := countRows(t, db, "milestone_snapshots"); after != before {
			t.Errorf("an unchanged listing wrote snapshots: %d → %d", before, after)
		}
		s.check(t)
	})
}

func ptr[T any](v T) *T { return &v }

func countRows(t *testing.T, db warehouse.DB, table string) int64 {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT toInt64(count()) FROM {db}."+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// TestPullRequestsNeverCount: the org's pull requests, some of them in
// milestones, are in the issue listing but in no report.
func TestPullRequestsNeverCount(t *testing.T) {
	db := whtest.EmbeddedDB(t)
	org := simulate.Generate(simulate.Options{Seed: 5, Now: simNow, Teams: 2, Months: 2, IssuesPerSprint: 6,
		Vendor: simulate.VendorGitHub})
	s := newGHSlice(t, db, org, 100, simNow)
	s.run(t, simNow)
	inMilestones := 0
	for _, p := range org.Projects {
		for _, pr := range s.site.PullRequests(p.Key) {
			if pr.MilestoneID != "" {
				inMilestones++
			}
		}
	}
	if inMilestones == 0 {
		t.Fatal("no pull request in a milestone: the test proves nothing")
	}
	rows, err := db.Query(context.Background(), "SELECT issue_key FROM {db}.issues FINAL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			t.Fatal(err)
		}
		n++
		if org.Issue(strings.ToUpper(strings.Replace(key[strings.Index(key, "/")+1:], "#", "-", 1))) == nil {
			t.Errorf("stored %s, which is no org issue", key)
		}
	}
	if n == 0 {
		t.Fatal("no issue stored")
	}
	s.check(t)
}

// TestSimulatedLimitsAndBadPages: against the simulated GitHub, secondary
// rate limits (a 403 and a 429, each with retry-after) are waited out as
// long as they ask, never retried hot, and the run succeeds; a truncated
// issue page fails the next run, which commits nothing for that repository
// and leaves its cursor where it was.
func TestSimulatedLimitsAndBadPages(t *testing.T) {
	org := simulate.Generate(simulate.Options{Seed: 9, Now: simNow, Teams: 1, Months: 1, IssuesPerSprint: 4,
		Projects: []string{"PLAT"}, Vendor: simulate.VendorGitHub})
	site := simulate.NewGitHub(org, simulate.GitHubOptions{Token: simToken})
	h := collectortest.NewHarness(t, github.SourceType, config.Source{Name: "gh", Token: simToken,
		Settings: &github.Config{Repos: []string{site.FullName("PLAT")}}, Since: config.Span(400 * 24 * time.Hour)},
		site, collectortest.HarnessOptions{Now: simNow})
	plat := site.RepoPath("PLAT")
	site.SecondaryLimitNext(plat+"/milestones", 1, 7)
	site.TooManyRequestsNext(plat+"/issues", 1, 3)
	sink := collectortest.NewMemSink(nil)
	if _, err := h.Run(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if got := h.Sleeps(); !slices.Equal(got, []time.Duration{7 * time.Second, 3 * time.Second}) {
		t.Errorf("waits %v, want 7s then 3s (the retry-afters)", got)
	}
	cursors := sink.Committed()
	if len(cursors) == 0 {
		t.Fatal("no cursor after a successful run")
	}

	org.Touch(simNow.Add(time.Hour), 3)
	h.Clock.Set(simNow.Add(2 * time.Hour))
	site.CorruptNext(plat+"/issues", simulate.CorruptTruncate)
	next := collectortest.NewMemSink(cursors)
	if _, err := h.Run(context.Background(), next); err == nil || !strings.Contains(err.Error(), "runway-sim/plat") {
		t.Fatalf("a truncated page: err = %v, want a failure naming the repository", err)
	}
	if len(next.CommittedRows()) != 0 || !maps.Equal(next.Committed(), cursors) {
		t.Errorf("after the failed run: %d rows committed, cursors %v (were %v)", len(next.CommittedRows()), next.Committed(), cursors)
	}
}
