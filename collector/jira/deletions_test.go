package jira_test

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/jira"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// deletionOpts is the org of the deletion slice tests.
var deletionOpts = simulate.Options{Seed: 11, Now: simNow, Teams: 3, Months: 6, IssuesPerSprint: 10}

// pickDeletions returns a closed sprint to delete, with committed issues,
// and an issue that counts in another closed sprint (deleting it changes
// that sprint's truth).
func pickDeletions(t *testing.T, o *simulate.Org, now time.Time) (sprint *simulate.Sprint, issue *simulate.Issue) {
	t.Helper()
	truths := o.AllSprintTruths(now)
	for _, sp := range o.Sprints {
		if tr := truths[strconv.Itoa(sp.ID)]; tr.State == simulate.SprintClosed && tr.Committed > 0 && tr.Added > 0 {
			if sprint == nil {
				sprint = sp
				continue
			}
			// An issue added to this other closed sprint.
			issue = o.Issue(tr.Events[0].IssueID)
			return sprint, issue
		}
	}
	t.Fatal("no two closed sprints with committed and added issues")
	return nil, nil
}

// deleted lists the ids a table holds tombstones of.
func deleted(t *testing.T, db warehouse.DB, table, idColumn string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(),
		"SELECT "+idColumn+" FROM {db}."+table+" FINAL WHERE source = 'sim' AND deleted = 1 ORDER BY "+idColumn)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// listingRequests counts the id listings among the run's searches, the GET
// issue requests by id (Data Center fetches changelogs by key, Cloud in
// bulk) and the GET sprint requests.
func listingRequests(s *slice, fl flavour) (listings, issueGets, sprintGets int) {
	for _, q := range s.site.SearchJQLs() {
		if strings.Contains(q, "ORDER BY id ASC") {
			listings++
		}
	}
	issuePath := simulate.PathIssue
	if fl == dataCenter {
		issuePath = simulate.PathIssueDC
	}
	for p, n := range s.site.Requests() {
		if id, ok := strings.CutPrefix(p, issuePath); ok {
			if _, err := strconv.ParseUint(id, 10, 64); err == nil {
				issueGets += n
			}
		}
		if strings.HasPrefix(p, simulate.PathSprint) {
			sprintGets += n
		}
	}
	return listings, issueGets, sprintGets
}

// TestDeletionsReconciled: an issue and a sprint deleted in Jira keep
// counting until the reconcile is due (a run before it lists no ids); the
// run that reconciles tombstones exactly them, and from then on the
// reports equal the truth without them, on both flavours and backends.
func TestDeletionsReconciled(t *testing.T) {
	for _, fl := range []flavour{cloud, dataCenter} {
		t.Run(fl.name, func(t *testing.T) {
			whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
				ctx := context.Background()
				s := newSliceReconciling(t, db, deletionOpts, 40, fl, time.Hour)
				now := simNow
				if _, err := s.runner.RunOnce(ctx, "sim", nil); err != nil {
					t.Fatal(err)
				}
				if l, _, _ := listingRequests(s, fl); l != 0 {
					t.Errorf("the first run listed ids %d times: it has nothing older to reconcile", l)
				}
				s.checkTruth(t, now)

				sprint, issue := pickDeletions(t, s.org, now)
				sprintID := strconv.Itoa(sprint.ID)
				if err := s.org.DeleteSprint(sprint.ID); err != nil {
					t.Fatal(err)
				}
				if err := s.org.DeleteIssue(issue.ID); err != nil {
					t.Fatal(err)
				}

				// Half an hour later: not due. The deleted ones still count.
				s.clock = now.Add(30 * time.Minute)
				s.site.ResetRequests()
				if _, err := s.runner.RunOnce(ctx, "sim", nil); err != nil {
					t.Fatal(err)
				}
				if l, ig, sg := listingRequests(s, fl); l+ig+sg != 0 {
					t.Errorf("a run before the reconcile is due: %d listings, %d GET issue, %d GET sprint; want none", l, ig, sg)
				}
				reports, err := analytics.Sprints(ctx, db, analytics.SprintFilter{Now: s.clock, Limit: 10000})
				if err != nil {
					t.Fatal(err)
				}
				if len(reports) != len(s.org.Sprints)+1 {
					t.Errorf("%d reports before the reconcile, want the %d sprints and the deleted one", len(reports), len(s.org.Sprints))
				}

				// An hour after the first run: due.
				later := now.Add(time.Hour)
				s.clock = later
				s.site.ResetRequests()
				if _, err := s.runner.RunOnce(ctx, "sim", nil); err != nil {
					t.Fatal(err)
				}
				l, ig, sg := listingRequests(s, fl)
				if l < len(s.org.Projects) {
					t.Errorf("%d listings, want at least one per project (%d)", l, len(s.org.Projects))
				}
				if ig != 1 || sg != 1 {
					t.Errorf("%d GET issue, %d GET sprint: want the one of each the listing missed confirmed", ig, sg)
				}
				if got := deleted(t, db, "issues", "issue_id"); !reflect.DeepEqual(got, []string{issue.ID}) {
					t.Errorf("issue tombstones %v, want %s's", got, issue.Key)
				}
				if got := deleted(t, db, "sprints", "sprint_id"); !reflect.DeepEqual(got, []string{sprintID}) {
					t.Errorf("sprint tombstones %v, want %s", got, sprintID)
				}
				cur, err := collector.LoadCursors(ctx, db, "sim")
				if err != nil {
					t.Fatal(err)
				}
				if got := cur[jira.CursorReconciled]; got != later.Format(time.RFC3339) {
					t.Errorf("reconcile cursor %q, want %s", got, later.Format(time.RFC3339))
				}
				s.checkTruth(t, later)
				if _, err := analytics.Sprint(ctx, db, "sim", sprintID, later); err == nil {
					t.Errorf("the deleted sprint %s still has a report", sprintID)
				}

				// The next run is not due again: nothing is listed.
				s.clock = later.Add(10 * time.Minute)
				s.site.ResetRequests()
				if _, err := s.runner.RunOnce(ctx, "sim", nil); err != nil {
					t.Fatal(err)
				}
				if l, ig, sg := listingRequests(s, fl); l+ig+sg != 0 {
					t.Errorf("the run after a reconcile: %d listings, %d GET issue, %d GET sprint", l, ig, sg)
				}
				s.checkTruth(t, s.clock)
			})
		})
	}
}

// TestDeletionListingFailsMidway: a reconcile whose listing fails after
// its first page tombstones nothing and leaves the reconcile cursor where
// it was, while the run's collection is committed; the next run reconciles.
func TestDeletionListingFailsMidway(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		s := newSliceReconciling(t, db, deletionOpts, 40, cloud, time.Hour)
		now := simNow
		if _, err := s.runner.RunOnce(ctx, "sim", nil); err != nil {
			t.Fatal(err)
		}
		sprint, issue := pickDeletions(t, s.org, now)
		if err := s.org.DeleteSprint(sprint.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.org.DeleteIssue(issue.ID); err != nil {
			t.Fatal(err)
		}
		before, err := collector.LoadCursors(ctx, db, "sim")
		if err != nil {
			t.Fatal(err)
		}

		// Due; the second listing request fails (the hooks run before a
		// search is answered, and see the searches before it).
		later := now.Add(time.Hour)
		s.clock = later
		touched := s.org.Touch(later.Add(-time.Minute), 3)
		s.site.ResetRequests()
		var once sync.Once
		for n := 1; n <= 500; n++ {
			s.site.OnSearch(n, func() {
				listed := 0
				for _, q := range s.site.SearchJQLs() {
					if strings.Contains(q, "ORDER BY id ASC") {
						listed++
					}
				}
				if listed == 1 {
					once.Do(func() { s.site.FailNext(cloud.search, http.StatusBadRequest, 1, "") })
				}
			})
		}
		if _, err := s.runner.RunOnce(ctx, "sim", nil); err != nil {
			t.Fatalf("a failed listing failed the run: %v", err)
		}
		if l, _, _ := listingRequests(s, cloud); l != 2 {
			t.Errorf("%d listing requests, want 2 (the second failed)", l)
		}
		if got := deleted(t, db, "issues", "issue_id"); len(got) != 0 {
			t.Errorf("issue tombstones %v after a failed listing", got)
		}
		if got := deleted(t, db, "sprints", "sprint_id"); len(got) != 0 {
			t.Errorf("sprint tombstones %v after a failed listing", got)
		}
		after, err := collector.LoadCursors(ctx, db, "sim")
		if err != nil {
			t.Fatal(err)
		}
		if after[jira.CursorReconciled] != before[jira.CursorReconciled] || after[jira.CursorReconciled] == "" {
			t.Errorf("reconcile cursor %q → %q, want it unmoved", before[jira.CursorReconciled], after[jira.CursorReconciled])
		}
		if after[jira.CursorIssues] == before[jira.CursorIssues] {
			t.Errorf("the run's collection (%d touched issues) was not committed: issue cursor still %s", len(touched), after[jira.CursorIssues])
		}

		// The next run is still due, and reconciles.
		s.clock = later.Add(time.Minute)
		if _, err := s.runner.RunOnce(ctx, "sim", nil); err != nil {
			t.Fatal(err)
		}
		if got := deleted(t, db, "issues", "issue_id"); !reflect.DeepEqual(got, []string{issue.ID}) {
			t.Errorf("issue tombstones %v, want %s's", got, issue.Key)
		}
		s.checkTruth(t, s.clock)
	})
}
