package gitlab_test

import (
	"context"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/gitlab"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/simulate/truthcheck"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestMain starts the shared warehouse backends the tests run on.
func TestMain(m *testing.M) { os.Exit(whtest.Main(m)) }

const simToken = "glpat-simulated"

var simNow = time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)

// glSlice is a simulated GitLab serving org and a runner collecting its
// group into db on the site's clock.
type glSlice struct {
	org    *simulate.Org
	site   *simulate.GitLab
	runner *collector.Runner
	db     warehouse.DB
	clock  time.Time
	runs   []time.Time
}

func newGLSlice(t *testing.T, db warehouse.DB, org *simulate.Org, opts simulate.GitLabOptions, clock time.Time) *glSlice {
	return newGLSliceWith(t, db, org, opts, clock, false)
}

// newGLSliceWith is newGLSlice collecting iterations too when iterations.
func newGLSliceWith(t *testing.T, db warehouse.DB, org *simulate.Org, opts simulate.GitLabOptions, clock time.Time,
	iterations bool) *glSlice {
	t.Helper()
	if _, err := warehouse.Migrate(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
	s := &glSlice{org: org, db: db, clock: clock}
	opts.Token, opts.Now = simToken, func() time.Time { return s.clock }
	s.site = simulate.NewGitLab(org, opts)
	srv := httptest.NewServer(s.site)
	t.Cleanup(srv.Close)
	s.runner = collector.NewRunner(db, nil, collector.NewMetrics(prometheus.NewRegistry()),
		collector.RunnerOptions{Now: func() time.Time { return s.clock }})
	err := s.runner.Add(config.Source{Name: "gl", Type: gitlab.Type, BaseURL: srv.URL + simulate.PathGitLabAPI,
		Settings: &gitlab.Config{Groups: []string{simulate.DefaultGitLabGroup}, TokenType: gitlab.TokenPrivate,
			Iterations: iterations},
		Token: config.Secret(simToken), Since: config.Span(400 * 24 * time.Hour)}, gitlab.SourceType.New)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *glSlice) run(t *testing.T, clock time.Time) {
	t.Helper()
	s.clock = clock
	if _, err := s.runner.RunOnce(context.Background(), "gl", nil); err != nil {
		t.Fatalf("run at %v: %v", clock, err)
	}
	s.runs = append(s.runs, clock)
}

// check compares the reports with the truth: the first project's
// milestones are the group's (they belong to its path), the others' their
// project's.
func (s *glSlice) check(t *testing.T) map[string]string {
	t.Helper()
	owner := func(key string) string {
		if key == s.org.Projects[0].Key {
			return simulate.DefaultGitLabGroup
		}
		return s.site.FullPath(key)
	}
	got := truthcheck.Milestones(t, truthcheck.Site{DB: s.db, Source: "gl", Org: s.org, Rules: simulate.GitLabMilestones,
		Project: owner}, s.runs)
	out := map[string]string{}
	for id, r := range got {
		out[id] = r.Status
	}
	return out
}

// TestMilestoneReportsEqualGitLabTruth: the group's projects collected
// two weeks and one week before the org's now and at it, 3 items a page,
// then after a due date moved, a release and an issue moved between
// milestones, an hour later: after each run every milestone report equals
// the truth, on both backends.
func TestMilestoneReportsEqualGitLabTruth(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		org := simulate.Generate(simulate.Options{Seed: 21, Now: simNow, Teams: 2, Months: 2, IssuesPerSprint: 6,
			Vendor: simulate.VendorGitLab})
		s := newGLSlice(t, db, org, simulate.GitLabOptions{MaxPerPage: 3}, simNow.AddDate(0, 0, -14))
		for _, at := range []time.Time{simNow.AddDate(0, 0, -14), simNow.AddDate(0, 0, -7), simNow} {
			s.run(t, at)
			s.check(t)
		}
		first := func(scenario string) *simulate.Milestone { return org.MilestonesByScenario(scenario)[0] }
		at := simNow.Add(30 * time.Minute)
		track, over, slip := first(simulate.ScenarioOnTrack), first(simulate.ScenarioOverdue), first(simulate.ScenarioSlipping)
		moved := first(simulate.ScenarioDueMovedTwice)
		if err := org.SetMilestoneDue(track.ID, ptr(simulate.EndOfDay(simNow.AddDate(0, 0, 150))), at); err != nil {
			t.Fatal(err)
		}
		if err := org.ReleaseMilestone(over.ID, at); err != nil {
			t.Fatal(err)
		}
		var open []*simulate.Issue
		for _, is := range org.IssuesInMilestoneEver(moved.ID) {
			if slices.Equal(is.CurrentVersions(), []string{moved.ID}) && is.CurrentStatus() != simulate.StatusDone {
				open = append(open, is)
			}
		}
		if len(open) == 0 {
			t.Fatalf("no open issue in %s", moved.Name)
		}
		if err := org.AddToMilestone(open[0].Key, slip.ID, at.Add(time.Minute)); err != nil { // a move
			t.Fatal(err)
		}
		s.run(t, simNow.Add(time.Hour))
		got := s.check(t)
		for id, want := range map[string]string{over.ID: "done_late", track.ID: "on_track", slip.ID: "slipping",
			first(simulate.ScenarioOnTime).ID: "done", first(simulate.ScenarioNoDates).ID: "no_due_date"} {
			if got[id] != want {
				t.Errorf("milestone %s: status %s, want %s", id, got[id], want)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestTwelveThousandIssues: a project listing 12,000 more issues than the
// org's, past the 10,000 where GitLab stops sending totals, is read to
// its end: every issue is written once.
func TestTwelveThousandIssues(t *testing.T) {
	org := simulate.Generate(simulate.Options{Seed: 4, Now: simNow, Teams: 1, Months: 1, IssuesPerSprint: 4,
		Projects: []string{"BIG"}, Vendor: simulate.VendorGitLab})
	site := simulate.NewGitLab(org, simulate.GitLabOptions{Token: simToken, ExtraIssues: map[string]int{"BIG": 12_000}})
	h := collectortest.NewHarness(t, gitlab.SourceType, config.Source{Name: "gl", Token: simToken,
		Since: config.Span(10 * 365 * 24 * time.Hour), Settings: &gitlab.Config{Projects: []string{site.FullPath("BIG")},
			TokenType: gitlab.TokenPrivate}}, site, collectortest.HarnessOptions{Now: simNow, BasePath: simulate.PathGitLabAPI})
	sink := collectortest.NewMemSink(nil)
	st, err := h.Run(context.Background(), sink)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d requests", st.Requests)
	issues := collectortest.RowsOf[warehouse.IssueRow](sink)
	ids := map[string]bool{}
	for _, is := range issues {
		ids[is.IssueID] = true
	}
	if want := len(org.Issues) + 12_000; len(ids) != want {
		t.Errorf("%d distinct issues written (%d rows), want %d", len(ids), len(issues), want)
	}
}

// TestIterationReportsEqualSprintTruth: a GitLab org planned in
// iterations, collected with iterations two weeks before its now, 3 items
// a page, then at it (incrementally): every iteration's report
// (committed, added, removed, completed, carried over) equals the sprint
// truth, on both backends, in both state encodings.
func TestIterationReportsEqualSprintTruth(t *testing.T) {
	for _, c := range []struct {
		name string
		opts simulate.GitLabOptions
	}{
		{"numeric states", simulate.GitLabOptions{MaxPerPage: 3}},
		{"named states", simulate.GitLabOptions{MaxPerPage: 3, IterationStateNames: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
				org := simulate.Generate(simulate.Options{Seed: 8, Now: simNow, Teams: 2, Months: 2, IssuesPerSprint: 6,
					Vendor: simulate.VendorGitLab})
				s := newGLSliceWith(t, db, org, c.opts, simNow.AddDate(0, 0, -14), true)
				site := truthcheck.Site{DB: db, Source: "gl", Org: org}
				for _, at := range []time.Time{simNow.AddDate(0, 0, -14).Add(time.Hour), simNow} {
					s.run(t, at)
					if n := truthcheck.Sprints(t, site, at); n < 8 {
						t.Errorf("at %v: %d sprints compared", at, n)
					}
				}
			})
		})
	}
}
