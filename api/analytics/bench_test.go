package analytics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// year is a generated year of sprint data: boards × sprints two-week
// sprints from 2024-01-01, each with about issues issues (most committed,
// some added, a few removed, unfinished ones carried into the next sprint,
// either by staying in ("3" -> "3, 4") or by the completion move-out), with
// status histories. The last sprint of each board is future, the one
// before it active at yearNow.
type year struct {
	sprints   []warehouse.SprintRow
	intervals []warehouse.MembershipIntervalRow
	changes   []warehouse.StatusChangeRow
	issues    []warehouse.IssueRow
}

const sprintLen = 14 * 24 * time.Hour

var yearStart = time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)

// yearNow is 5 days into each board's second-to-last sprint.
func yearNow(sprints int) time.Time {
	return yearStart.Add(time.Duration(sprints-2)*sprintLen + 5*24*time.Hour)
}

func genYear(boards, sprints, issues int) year {
	rng := rand.New(rand.NewPCG(1, 2))
	minutes := func(lo, hi int) time.Duration { return time.Duration(lo+rng.IntN(hi-lo+1)) * time.Minute }
	var y year
	for b := range boards {
		board := fmt.Sprintf("B%d", b+1)
		var carry []string // unfinished issues of the previous sprint
		for k := range sprints {
			id := fmt.Sprintf("%s-S%02d", board, k+1)
			start := yearStart.Add(time.Duration(k) * sprintLen)
			end := start.Add(sprintLen)
			row := warehouse.SprintRow{Source: "jira", SprintID: id, BoardID: board, Name: "Sprint " + id,
				Start: tp(start), End: tp(end), CarryOverGrace: 60, Version: 1}
			var complete time.Time
			switch {
			case k == sprints-1:
				row.State = StateFuture
			case k == sprints-2:
				row.State = StateActive
				row.Activated = tp(start.Add(minutes(0, 90)))
			default:
				row.State = StateClosed
				row.Activated = tp(start.Add(minutes(0, 90)))
				complete = end.Add(minutes(0, 600))
				row.Complete = tp(complete)
			}
			y.sprints = append(y.sprints, row)
			if row.State == StateFuture {
				continue
			}
			t0 := *row.Activated
			interval := func(issue string, entered time.Time, exited *time.Time, doneAtLeaving uint8) {
				pts := float64(1 + rng.IntN(8))
				y.intervals = append(y.intervals, warehouse.MembershipIntervalRow{Source: "jira", Kind: "sprint",
					ContainerID: id, IssueID: issue, Entered: entered, Exited: exited, DoneAtLeaving: doneAtLeaving,
					Points: &pts, Version: 1})
			}
			var next []string
			finish := func(issue string, from time.Time) {
				// Done somewhere in the sprint or after it; otherwise carried.
				doneAt := from.Add(minutes(60, 16*24*60))
				y.changes = append(y.changes,
					warehouse.StatusChangeRow{Source: "jira", IssueID: issue, EventID: id + "-wip", At: from.Add(minutes(10, 600)),
						ToStatus: "In Progress", ToCategory: "indeterminate", Version: 1},
					warehouse.StatusChangeRow{Source: "jira", IssueID: issue, EventID: id + "-done", At: doneAt,
						ToStatus: "Done", ToCategory: "done", Version: 1})
				if row.State == StateClosed && doneAt.After(complete) {
					if rng.IntN(2) == 0 {
						interval(issue, from, nil, 0) // stays in: "3" -> "3, 4"
					} else {
						interval(issue, from, tp(complete.Add(-5*time.Second)), 0) // moved out at completion
					}
					next = append(next, issue)
					return
				}
				interval(issue, from, nil, 0)
			}
			for _, issue := range carry {
				finish(issue, start.Add(-time.Hour))
			}
			for i := range issues - len(carry) {
				issue := fmt.Sprintf("%s-I%02d", id, i+1)
				created := start.Add(-minutes(24*60, 20*24*60))
				key := fmt.Sprintf("P%d-%d", b+1, k*issues+i+1)
				y.issues = append(y.issues, warehouse.IssueRow{Source: "jira", IssueID: issue, Key: key, Project: fmt.Sprintf("P%d", b+1),
					Created: created, Updated: created, SprintIDs: []string{id}, MilestoneIDs: []string{}, Labels: []string{}, Version: 1})
				y.changes = append(y.changes, warehouse.StatusChangeRow{Source: "jira", IssueID: issue, EventID: "initial",
					At: created, ToStatus: "To Do", ToCategory: "new", Version: 1})
				switch r := rng.IntN(100); {
				case r < 10: // added mid-sprint
					finish(issue, t0.Add(minutes(60, 9*24*60)))
				case r < 15: // committed, then removed unfinished
					interval(issue, start.Add(-minutes(60, 3*24*60)), tp(t0.Add(minutes(60, 10*24*60))), 0)
				default: // committed
					finish(issue, start.Add(-minutes(60, 3*24*60)))
				}
			}
			carry = next
		}
	}
	return y
}

func seedYear(t testing.TB, db warehouse.DB, y year) {
	t.Helper()
	ctx := context.Background()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		warehouse.InsertRows(ctx, db, y.sprints),
		warehouse.InsertRows(ctx, db, y.intervals),
		warehouse.InsertRows(ctx, db, y.changes),
		warehouse.InsertRows(ctx, db, y.issues),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestYearBackendsAgree runs every report over a generated year on both
// backends and requires identical answers.
func TestYearBackendsAgree(t *testing.T) {
	y := genYear(2, 26, 40)
	now := yearNow(26)
	ctx := context.Background()
	type answers struct {
		Sprints   []SprintReport
		Detail    SprintDetail
		Scope     []ScopeChangeGroup
		Durations []DurationGroup
	}
	var got []answers
	for _, be := range whtest.Backends(t) {
		seedYear(t, be.DB, y)
		var a answers
		var err error
		if a.Sprints, err = Sprints(ctx, be.DB, SprintFilter{Now: now, Limit: 1000}); err != nil {
			t.Fatalf("%s: %v", be.Name, err)
		}
		if a.Detail, err = Sprint(ctx, be.DB, "jira", "B1-S10", now); err != nil {
			t.Fatalf("%s: %v", be.Name, err)
		}
		if a.Scope, err = ScopeChange(ctx, be.DB, ScopeChangeFilter{GroupBy: "month", Now: now}); err != nil {
			t.Fatalf("%s: %v", be.Name, err)
		}
		if a.Durations, err = Durations(ctx, be.DB, DurationFilter{GroupBy: "board", Now: now}); err != nil {
			t.Fatalf("%s: %v", be.Name, err)
		}
		got = append(got, a)
	}
	a := got[0]
	if len(a.Sprints) != 52 {
		t.Fatalf("%d sprint reports, want 52", len(a.Sprints))
	}
	for _, r := range a.Sprints {
		if r.State == StateFuture {
			continue
		}
		// Every issue in the sprint at t1 is either completed or carried
		// over, and the sprint's scope at t1 can be no larger than what was
		// committed or added.
		if r.Completed+r.CarriedOver > r.Committed+r.Added || r.Committed == 0 {
			t.Errorf("%s: implausible report %s", r.ID, show(r))
		}
	}
	if !reflect.DeepEqual(got[0].Sprints, got[1].Sprints) || !reflect.DeepEqual(got[0].Detail, got[1].Detail) ||
		!reflect.DeepEqual(got[0].Scope, got[1].Scope) {
		t.Errorf("backends disagree:\nchdb       %s\nclickhouse %s", show(got[0]), show(got[1]))
	}
	if !durationsClose(got[0].Durations, got[1].Durations) {
		t.Errorf("durations disagree:\nchdb       %s\nclickhouse %s", show(got[0].Durations), show(got[1].Durations))
	}
}

// TestYearMetricsInChunks: metrics counted in many small statements are
// those of one statement.
func TestYearMetricsInChunks(t *testing.T) {
	y := genYear(2, 26, 40)
	ctx := context.Background()
	for _, be := range whtest.Backends(t) {
		seedYear(t, be.DB, y)
		_, ws, err := querySprintPage(ctx, be.DB, sprintSel{now: yearNow(26), limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(windowChunks(ws, 1000)); n < 5 {
			t.Fatalf("%d chunks, want several", n)
		}
		one, err := querySprintMetrics(ctx, be.DB, ws, maxBoundBytes)
		if err != nil {
			t.Fatal(err)
		}
		many, err := querySprintMetrics(ctx, be.DB, ws, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(one) != 50 || !reflect.DeepEqual(one, many) {
			t.Errorf("%s: %d metrics in one statement, %d in chunks, or they differ", be.Name, len(one), len(many))
		}
	}
}

// BenchmarkSprintsYear measures Sprints over a year of data (4 boards × 26
// two-week sprints × ~40 issues) on both backends: all 104 reports in one
// page, and one board's 26.
func BenchmarkSprintsYear(b *testing.B) {
	y := genYear(4, 26, 40)
	now := yearNow(26)
	ctx := context.Background()
	for _, be := range whtest.Backends(b) {
		seedYear(b, be.DB, y)
		for _, c := range []struct {
			name string
			f    SprintFilter
			n    int
		}{
			{"all-boards", SprintFilter{Now: now, Limit: 1000}, 104},
			{"one-board", SprintFilter{Board: "B2", Now: now, Limit: 1000}, 26},
		} {
			b.Run(be.Name+"/"+c.name, func(b *testing.B) {
				for b.Loop() {
					got, err := Sprints(ctx, be.DB, c.f)
					if err != nil {
						b.Fatal(err)
					}
					if len(got) != c.n {
						b.Fatalf("%d reports, want %d", len(got), c.n)
					}
				}
			})
		}
	}
}
