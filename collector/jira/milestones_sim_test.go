package jira_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/jira"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/simulate/truthcheck"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// These tests collect the generated org's fix versions through the
// simulated Jira (Cloud and Data Center) into both backends, at several
// site clocks, and compare the milestone reports with the generator's own
// milestone truth for the runs made so far.

// milestoneSlice is a simulated Jira whose versions page 2 at a time, a
// runner collecting it into db, and the site's clock.
type milestoneSlice struct {
	org    *simulate.Org
	site   *simulate.Jira
	runner *collector.Runner
	db     warehouse.DB
	clock  time.Time
	runs   []time.Time // the clocks of the runs made
}

func newMilestoneSlice(t *testing.T, db warehouse.DB, org *simulate.Org, fl flavour, clock time.Time) *milestoneSlice {
	t.Helper()
	if _, err := warehouse.Migrate(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
	s := &milestoneSlice{org: org, db: db, clock: clock}
	s.site = simulate.NewJira(org, simulate.JiraOptions{Email: simEmail, Token: simToken, BearerToken: simPAT,
		PageSize: 50, VersionPageSize: 2, Now: func() time.Time { return s.clock }})
	srv := httptest.NewServer(s.site)
	t.Cleanup(srv.Close)
	s.runner = collector.NewRunner(db, nil, collector.NewMetrics(prometheus.NewRegistry()),
		collector.RunnerOptions{Now: func() time.Time { return s.clock }})
	err := s.runner.Add(config.Source{Name: "sim", Type: "jira", BaseURL: srv.URL, Settings: &jira.Config{Email: fl.email},
		Token: config.Secret(fl.token), Since: config.Span(400 * 24 * time.Hour)}, jira.SourceType.New)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run collects at clock, as a scheduled run would.
func (s *milestoneSlice) run(t *testing.T, clock time.Time) {
	t.Helper()
	s.clock = clock
	if _, err := s.runner.RunOnce(context.Background(), "sim", nil); err != nil {
		t.Fatalf("run at %v: %v", clock, err)
	}
	s.runs = append(s.runs, clock)
}

// checkMilestones compares every milestone report at the last run's clock
// with the truth of the runs made so far, and returns the reports by id.
func (s *milestoneSlice) checkMilestones(t *testing.T) map[string]analytics.MilestoneReport {
	t.Helper()
	return truthcheck.Milestones(t, truthcheck.Site{DB: s.db, Source: "sim", Org: s.org, Rules: simulate.JiraMilestones}, s.runs)
}

// TestMilestoneReportsEqualGeneratorTruth: a backfill two weeks before the
// org's now, runs a week later and at its now, then (after a due date
// moved, a version released late, an issue added to one version and
// removed from another, a version renamed) a run an hour later: after every run, every
// milestone report equals the truth of the runs so far, on Cloud and Data
// Center, into both backends.
func TestMilestoneReportsEqualGeneratorTruth(t *testing.T) {
	for _, fl := range []flavour{cloud, dataCenter} {
		t.Run(fl.name, func(t *testing.T) {
			whtest.ForEach(t, func(t *testing.T, db warehouse.DB) { testMilestoneReports(t, db, fl) })
		})
	}
}

func testMilestoneReports(t *testing.T, db warehouse.DB, fl flavour) {
	now := simNow
	org := simulate.Generate(simulate.Options{Seed: 21, Now: now, Teams: 2, Months: 2, IssuesPerSprint: 6,
		Projects: []string{"PLAT", "MOB"}})
	s := newMilestoneSlice(t, db, org, fl, now)
	first := func(scenario string) *simulate.Milestone {
		t.Helper()
		ms := org.MilestonesByScenario(scenario)
		if len(ms) == 0 {
			t.Fatalf("no %s milestone", scenario)
		}
		return ms[0]
	}
	for _, at := range []time.Time{now.AddDate(0, 0, -14), now.AddDate(0, 0, -7), now} {
		s.site.ResetRequests()
		s.run(t, at)
		if fl == cloud {
			// PLAT's 8 versions, 2 a page: 4 pages; MOB's 3: 2.
			if n := s.site.Requests()["/rest/api/3/project/PLAT/version"]; n < 3 {
				t.Errorf("PLAT's versions in %d pages, want ≥ 3", n)
			}
		} else if n := s.site.Requests()["/rest/api/2/project/PLAT/versions"]; n != 1 {
			t.Errorf("Data Center: %d version listings of PLAT, want 1", n)
		}
		s.checkMilestones(t)
	}

	// Live changes half an hour after now, collected an hour after now.
	at := now.Add(30 * time.Minute)
	track, over := first(simulate.ScenarioOnTrack), first(simulate.ScenarioOverdue)
	slip, moved := first(simulate.ScenarioSlipping), first(simulate.ScenarioDueMovedTwice)
	if err := org.SetMilestoneDue(track.ID, ptr(simulate.EndOfDay(now.AddDate(0, 0, 150))), at); err != nil {
		t.Fatal(err)
	}
	if err := org.ReleaseMilestone(over.ID, at); err != nil { // late: its due moves to today
		t.Fatal(err)
	}
	var open []*simulate.Issue // open issues in Release 2.0 only
	for _, is := range org.IssuesInMilestoneEver(moved.ID) {
		if vs := is.CurrentVersions(); slices.Equal(vs, []string{moved.ID}) && is.CurrentStatus() != simulate.StatusDone {
			open = append(open, is)
		}
	}
	if len(open) < 2 {
		t.Fatalf("%d open issues in %s only", len(open), moved.Name)
	}
	if err := org.AddToMilestone(open[0].Key, slip.ID, at); err != nil {
		t.Fatal(err)
	}
	if err := org.RemoveFromMilestone(open[1].Key, moved.ID, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// A version renamed keeps its id, so its history: the reports compare
	// with the truth (title included) below, and its kind follows the name.
	if err := org.RenameMilestone(slip.ID, "PLAT Beta refresh", at); err != nil {
		t.Fatal(err)
	}
	before := org.AllMilestoneTruths(s.runs)
	s.run(t, now.Add(time.Hour))
	got := s.checkMilestones(t)
	after := org.AllMilestoneTruths(s.runs)
	// The changes show: one more due change on two, one more added on one,
	// one more removed on another.
	for _, c := range []struct {
		id, what  string
		was, is   int
		wantDelta int
	}{
		{track.ID, "due changes", before[track.ID].DueChanges, after[track.ID].DueChanges, 1},
		{over.ID, "due changes", before[over.ID].DueChanges, after[over.ID].DueChanges, 1},
		{slip.ID, "added", before[slip.ID].Added, after[slip.ID].Added, 1},
		{moved.ID, "removed", before[moved.ID].Removed, after[moved.ID].Removed, 1},
	} {
		if c.is-c.was != c.wantDelta {
			t.Errorf("milestone %s: %s %d → %d, want +%d", c.id, c.what, c.was, c.is, c.wantDelta)
		}
	}
	// The statuses the scenarios are built for.
	for id, want := range map[string]string{
		first(simulate.ScenarioOnTime).ID:  "done",
		first(simulate.ScenarioLate).ID:    "done_late",
		over.ID:                            "done_late",
		slip.ID:                            "slipping",
		track.ID:                           "on_track",
		first(simulate.ScenarioNoDates).ID: "no_due_date",
		first(simulate.ScenarioAtRisk).ID:  "at_risk",
	} {
		if r := got[id]; r.Status != want {
			t.Errorf("milestone %s (%s): status %s, want %s", id, r.Title, r.Status, want)
		}
	}
	if r := got[first(simulate.ScenarioArchived).ID]; r.State != analytics.MilestoneArchived {
		t.Errorf("archived milestone: state %s", r.State)
	}
	if r := got[slip.ID]; r.Title != "PLAT Beta refresh" || r.Kind != analytics.KindBeta || before[slip.ID].DueChanges != after[slip.ID].DueChanges || got[first(simulate.ScenarioOnTime).ID].Kind != analytics.KindPrototype ||
		got[first(simulate.ScenarioLate).ID].Kind != analytics.KindBeta {
		t.Errorf("renamed version %q (kind %s, due changes %d → %d); kinds of the others: %s %s", r.Title, r.Kind,
			before[slip.ID].DueChanges, after[slip.ID].DueChanges,
			got[first(simulate.ScenarioOnTime).ID].Kind, got[first(simulate.ScenarioLate).ID].Kind)
	}
}

func ptr[T any](v T) *T { return &v }

// TestMilestonesWithoutDatesAndFarDue: a hand-built site with a version
// without any date and one due on 2099-12-31 is collected without error
// (Cloud and Data Center, both backends), and reported as worked out by
// hand: the first has no due date and its baseline is the first entry;
// the second is due at the end of 2099-12-31.
func TestMilestonesWithoutDatesAndFarDue(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2025, 1, d, h, 0, 0, 0, time.UTC) }
	far := time.Date(2099, 12, 31, 23, 59, 59, 0, time.UTC)
	for _, fl := range []flavour{cloud, dataCenter} {
		t.Run(fl.name, func(t *testing.T) {
			whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
				user := "712020:0123456789abcdef01234567"
				org := &simulate.Org{Now: day(10, 0), Projects: []simulate.Project{{ID: "10000", Key: "P", Name: "P"}},
					Boards: []simulate.Board{{ID: 1, Name: "P board", Type: "scrum", ProjectKey: "P"}},
					Users:  []simulate.User{{AccountID: user, DisplayName: "Ada Okafor"}},
					Milestones: []*simulate.Milestone{
						{ID: "10", Project: "P", Name: "P MVP", Created: day(1, 0)},
						{ID: "11", Project: "P", Name: "P GA", Created: day(1, 0), Dues: []simulate.DueChange{{At: day(1, 0), Due: &far}}},
					},
					Issues: []*simulate.Issue{
						{ID: "1", Key: "P-1", Project: "P", Type: "Story", Summary: "a", Created: day(2, 9), AssigneeID: user,
							InitialStatus: simulate.StatusToDo,
							Histories: []simulate.History{{At: day(3, 10), AuthorID: user,
								Items: []simulate.Item{{Field: simulate.FieldFixVersion, To: "10"}}}}},
						{ID: "2", Key: "P-2", Project: "P", Type: "Task", Summary: "b", Created: day(2, 11), AssigneeID: user,
							InitialStatus: simulate.StatusToDo, InitialVersions: []string{"11"},
							Histories: []simulate.History{{At: day(5, 12), AuthorID: user,
								Items: []simulate.Item{{Field: simulate.FieldStatus, FromStatus: simulate.StatusToDo, ToStatus: simulate.StatusDone}}}}},
					}}
				if err := org.Index(); err != nil {
					t.Fatal(err)
				}
				s := newMilestoneSlice(t, db, org, fl, day(10, 0))
				s.run(t, day(10, 0))
				got := s.checkMilestones(t)
				check := func(id, have, want string) {
					t.Helper()
					if have != want {
						t.Errorf("milestone %s:\n got %s\nwant %s", id, have, want)
					}
				}
				line := func(r analytics.MilestoneReport) string {
					return fmt.Sprintf("%s due=%s original=%s changes=%d start=%s initial=%d added=%d removed=%d open=%d closed=%d",
						r.State, truthcheck.Day(r.Due), truthcheck.Day(r.OriginalDue), r.DueChanges, truthcheck.Day(r.Start),
						r.InitialScope, r.Added, r.Removed, r.OpenIssues, r.ClosedIssues)
				}
				check("10", line(got["10"]), "open due=none original=none changes=0 start=2025-01-03T10:00:00Z initial=1 added=0 removed=0 open=1 closed=0")
				check("11", line(got["11"]), "open due=2099-12-31T23:59:59Z original=2099-12-31T23:59:59Z changes=0 start=2025-01-02T11:00:00Z initial=1 added=0 removed=0 open=0 closed=1")
				if r := got["10"]; r.Status != "no_due_date" || r.Kind != analytics.KindPrototype {
					t.Errorf("milestone 10: status %s kind %s", r.Status, r.Kind)
				}
			})
		})
	}
}
