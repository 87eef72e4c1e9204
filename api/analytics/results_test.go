package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

func TestMain(m *testing.M) { os.Exit(whtest.Main(m)) }

// The fixture: one Jira source, boards B1 and B2, issues from two Jira
// projects (PLAT and OPS), and hand-worked expectations. All times UTC.
//
//	sprint board state   start_date  activated   end_date    complete    t0          t1
//	S1     B1    closed  01-01 09:00 01-01 10:00 01-15 09:00 01-15 17:00 01-01 10:00 01-15 17:00
//	S2     B1    closed  01-16 09:00 -           01-30 09:00 01-30 09:00 01-16 09:00 01-30 09:00
//	S3     B2    closed  01-02 09:00 -           01-12 09:00 01-12 09:00 01-02 09:00 01-12 09:00
//	S4     B2    closed  01-15 09:00 -           01-29 09:00 01-26 09:00 01-15 09:00 01-26 09:00
//	S5     B1    active  01-31 09:00 02-01 10:00 02-14 09:00 -           02-01 10:00 now
//	S6     B1    future  02-15 09:00 -           02-29 09:00 -           -           -
//	S7     B2    future  -           -           -           -           -           -
//
// with now = 2024-02-06 10:00 (year 2024 throughout).
var fixtureNow = ts(2, 6, 10, 0, 0)

// ts is a 2024 UTC time.
func ts(month, day, hour, min, sec int) time.Time {
	return time.Date(2024, time.Month(month), day, hour, min, sec, 0, time.UTC)
}

func tp(t time.Time) *time.Time { return &t }
func fp(f float64) *float64     { return &f }

// dec is 2023-12-day at 09:00.
func dec(day int) time.Time { return time.Date(2023, 12, day, 9, 0, 0, 0, time.UTC) }

func seed(t testing.TB, db warehouse.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	sprint := func(id, board, state string, start, end, activated, complete *time.Time) warehouse.SprintRow {
		return warehouse.SprintRow{Source: "jira", SprintID: id, BoardID: board, Name: "Sprint " + id, State: state,
			Start: start, End: end, Activated: activated, Complete: complete, CarryOverGrace: 60, Version: 2}
	}
	sprints := []warehouse.SprintRow{
		sprint("S1", "B1", "closed", tp(ts(1, 1, 9, 0, 0)), tp(ts(1, 15, 9, 0, 0)), tp(ts(1, 1, 10, 0, 0)), tp(ts(1, 15, 17, 0, 0))),
		sprint("S2", "B1", "closed", tp(ts(1, 16, 9, 0, 0)), tp(ts(1, 30, 9, 0, 0)), nil, tp(ts(1, 30, 9, 0, 0))),
		sprint("S3", "B2", "closed", tp(ts(1, 2, 9, 0, 0)), tp(ts(1, 12, 9, 0, 0)), nil, tp(ts(1, 12, 9, 0, 0))),
		sprint("S4", "B2", "closed", tp(ts(1, 15, 9, 0, 0)), tp(ts(1, 29, 9, 0, 0)), nil, tp(ts(1, 26, 9, 0, 0))),
		sprint("S5", "B1", "active", tp(ts(1, 31, 9, 0, 0)), tp(ts(2, 14, 9, 0, 0)), tp(ts(2, 1, 10, 0, 0)), nil),
		sprint("S6", "B1", "future", tp(ts(2, 15, 9, 0, 0)), tp(ts(2, 29, 9, 0, 0)), nil, nil),
		sprint("S7", "B2", "future", nil, nil, nil, nil),
	}
	// An older collection of S1 (still active, old name): FINAL must hide it.
	stale := sprint("S1", "B1", "active", tp(ts(1, 1, 9, 0, 0)), tp(ts(1, 15, 9, 0, 0)), tp(ts(1, 1, 10, 0, 0)), nil)
	stale.Name, stale.Version = "stale", 1
	for _, batch := range [][]warehouse.SprintRow{{stale}, sprints} {
		if err := warehouse.InsertRows(ctx, db, batch); err != nil {
			t.Fatal(err)
		}
	}

	type iv struct {
		sprint, issue string
		entered       time.Time
		exited        *time.Time
		doneAtLeaving uint8
		points        *float64
	}
	ivs := []iv{
		// S1 (t0 01-01 10:00, t1 01-15 17:00).
		{"S1", "I1", ts(1, 1, 9, 57, 0), nil, 0, fp(3)},                  // 3 min before t0: committed
		{"S1", "I2", ts(1, 3, 12, 0, 0), nil, 0, fp(2)},                  // added
		{"S1", "I3", dec(30), tp(ts(1, 5, 12, 0, 0)), 0, fp(5)},          // committed, removed
		{"S1", "I4", ts(1, 2, 9, 0, 0), tp(ts(1, 4, 9, 0, 0)), 0, fp(1)}, // added, removed ...
		{"S1", "I4", ts(1, 6, 9, 0, 0), nil, 0, fp(1)},                   // ... added again
		{"S1", "I5", dec(28), nil, 0, fp(8)},                             // committed; "3" -> "3, 4": carried over
		{"S1", "I6", dec(28), tp(ts(1, 15, 16, 59, 50)), 0, fp(1)},       // moved out at completion - 10s
		{"S1", "I7", dec(28), tp(ts(1, 11, 9, 0, 0)), 1, fp(2)},          // left while done: not removed
		{"S1", "I8", dec(28), nil, 0, nil},                               // done, then reopened before t1
		{"S1", "I9", dec(28), nil, 0, fp(3)},                             // done only after t1
		// S2 (t0 01-16 09:00, t1 01-30 09:00): 10 committed, 3 added, 1 removed.
		{"S2", "I5", ts(1, 15, 17, 0, 0), nil, 0, fp(8)},
		{"S2", "J1", ts(1, 15, 12, 0, 0), tp(ts(1, 20, 9, 0, 0)), 0, nil},
		{"S2", "J2", ts(1, 15, 12, 0, 0), nil, 0, nil},
		{"S2", "J3", ts(1, 15, 12, 0, 0), nil, 0, nil},
		{"S2", "J4", ts(1, 15, 12, 0, 0), nil, 0, nil},
		{"S2", "J5", ts(1, 15, 12, 0, 0), nil, 0, nil},
		{"S2", "J6", ts(1, 15, 12, 0, 0), nil, 0, nil},
		{"S2", "J7", ts(1, 15, 12, 0, 0), nil, 0, nil},
		{"S2", "J8", ts(1, 15, 12, 0, 0), nil, 0, nil},
		{"S2", "J9", ts(1, 15, 12, 0, 0), nil, 0, nil},
		{"S2", "J11", ts(1, 17, 9, 0, 0), nil, 0, nil},
		{"S2", "J12", ts(1, 17, 9, 0, 0), nil, 0, nil},
		{"S2", "J13", ts(1, 17, 9, 0, 0), nil, 0, nil},
		// S3 on board B2 (t0 01-02 09:00, t1 01-12 09:00): I9 is in S1 too.
		{"S3", "I9", dec(29), nil, 0, fp(3)},
		{"S3", "K1", dec(29), nil, 0, nil},
		{"S3", "K2", ts(1, 5, 9, 0, 0), nil, 0, nil},
		// S4 (t0 01-15 09:00): nothing committed, one issue added.
		{"S4", "L1", ts(1, 16, 9, 0, 0), nil, 0, nil},
		// S5, active (t0 02-01 10:00, t1 = now 02-06 10:00).
		{"S5", "M1", ts(1, 31, 9, 0, 0), nil, 0, nil},
		{"S5", "M2", ts(1, 31, 9, 0, 0), tp(ts(2, 6, 9, 59, 40)), 0, nil}, // removed 20 s before now: no grace for active sprints
		{"S5", "M3", ts(2, 3, 9, 0, 0), nil, 0, nil},
		{"S5", "M4", ts(2, 7, 9, 0, 0), nil, 0, nil}, // enters after now: not counted
		// S6, future: planned scope only.
		{"S6", "N1", ts(2, 1, 9, 0, 0), nil, 0, nil},
	}
	var rows []warehouse.MembershipIntervalRow
	for _, v := range ivs {
		rows = append(rows, warehouse.MembershipIntervalRow{Source: "jira", Kind: "sprint", ContainerID: v.sprint,
			IssueID: v.issue, Entered: v.entered, Exited: v.exited, DoneAtLeaving: v.doneAtLeaving, Points: v.points, Version: 2})
	}
	// A milestone interval with the same container id must not leak into S1.
	rows = append(rows, warehouse.MembershipIntervalRow{Source: "jira", Kind: "milestone", ContainerID: "S1",
		IssueID: "X1", Entered: dec(28), Version: 2})
	// An older version of I3's interval, before its exit was seen: FINAL
	// keeps the newer one (same key: source, kind, container, issue, entered).
	old := []warehouse.MembershipIntervalRow{{Source: "jira", Kind: "sprint", ContainerID: "S1", IssueID: "I3",
		Entered: dec(30), Version: 1, Points: fp(5)}}
	for _, batch := range [][]warehouse.MembershipIntervalRow{old, rows} {
		if err := warehouse.InsertRows(ctx, db, batch); err != nil {
			t.Fatal(err)
		}
	}

	// Status history: an 'initial' row at creation plus one per change.
	var changes []warehouse.StatusChangeRow
	status := func(issue string, at time.Time, category string) {
		changes = append(changes, warehouse.StatusChangeRow{Source: "jira", IssueID: issue,
			EventID: at.Format("0102150405"), At: at, ToCategory: category, Version: 1})
	}
	initial := func(issue string) {
		changes = append(changes, warehouse.StatusChangeRow{Source: "jira", IssueID: issue,
			EventID: "initial", At: dec(20), ToStatus: "To Do", ToCategory: "new", Version: 1})
	}
	for _, id := range []string{"I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "J1", "J2", "J3", "K1", "K2", "L1", "M1", "M2", "M3"} {
		initial(id)
	}
	status("I1", ts(1, 8, 9, 0, 0), "indeterminate")
	status("I1", ts(1, 10, 9, 0, 0), "done")
	status("I4", ts(1, 12, 9, 0, 0), "done")
	status("I7", ts(1, 9, 9, 0, 0), "done")
	status("I8", ts(1, 5, 9, 0, 0), "done")
	status("I8", ts(1, 13, 9, 0, 0), "indeterminate") // reopened before t1
	status("I9", ts(1, 16, 9, 0, 0), "done")          // after S1's and S3's t1
	status("J2", ts(1, 25, 9, 0, 0), "done")
	status("K1", ts(1, 10, 9, 0, 0), "done")
	status("M1", ts(2, 5, 9, 0, 0), "done")
	status("M3", ts(2, 6, 11, 0, 0), "done") // after now
	if err := warehouse.InsertRows(ctx, db, changes); err != nil {
		t.Fatal(err)
	}

	keys := map[string]string{"I1": "PLAT-1", "I2": "PLAT-2", "I3": "OPS-1", "I4": "OPS-2", "I5": "PLAT-3",
		"I6": "PLAT-4", "I7": "OPS-3", "I8": "PLAT-5", "I9": "OPS-4", "M1": "PLAT-11", "M2": "PLAT-12",
		"M3": "PLAT-13", "M4": "PLAT-14"}
	var issues []warehouse.IssueRow
	for id, key := range keys {
		project := key[:len(key)-len(key[indexDash(key):])]
		issues = append(issues, warehouse.IssueRow{Source: "jira", IssueID: id, Key: key, Project: project,
			Created: dec(20), Updated: dec(20), SprintIDs: []string{}, MilestoneIDs: []string{}, Labels: []string{}, Version: 1})
	}
	if err := warehouse.InsertRows(ctx, db, issues); err != nil {
		t.Fatal(err)
	}
}

func indexDash(s string) int {
	for i := range s {
		if s[i] == '-' {
			return i
		}
	}
	return len(s)
}

// days is the span from a to b in days, computed as the SQL does.
func days(a, b time.Time) float64 { return (float64(b.Unix()) - float64(a.Unix())) / 86400 }

// wantReports are the hand-worked reports, in Sprints order (newest start
// first; S7, with no dates, last).
func wantReports() map[string]SprintReport {
	ratio := func(a, b float64) *float64 { return fp(a / b) }
	return map[string]SprintReport{
		// S1: committed I1 (entered 3 min before t0), I3, I5, I6, I7, I8, I9 = 7;
		// added I2, I4 (twice) = 3; removed I3, I4 (first entry) = 2 (I7 left
		// done, I6 left 10 s before completion: neither is a removal). At t1
		// the sprint holds I1, I2, I4, I5, I6, I8, I9; done: I1, I4 = 2;
		// carried over: I2, I5, I6, I8 (reopened), I9 (done after t1) = 5.
		// Committed and done at t1: I1 only.
		// scope (3+2)/7, added 3/7, net (3-2)/7, accuracy 1/7, completion 2/(7+3-2).
		// Points: committed 3+5+8+1+2+0+3 = 22, added 2+1+1 = 4, removed 5+1 = 6,
		// completed 3+1 = 4.
		"S1": {Source: "jira", Board: "B1", ID: "S1", Name: "Sprint S1", State: "closed",
			Start: tp(ts(1, 1, 10, 0, 0)), End: tp(ts(1, 15, 9, 0, 0)), Complete: tp(ts(1, 15, 17, 0, 0)),
			PlannedDays: fp(14), ActualDays: fp(days(ts(1, 1, 10, 0, 0), ts(1, 15, 17, 0, 0))), // 14 + 7/24
			Committed: 7, Added: 3, Removed: 2, Completed: 2, CarriedOver: 5,
			ScopeChangeRate: ratio(5, 7), AddedRate: ratio(3, 7), NetChangeRate: ratio(1, 7),
			PlanningAccuracy: ratio(1, 7), CompletionRate: ratio(2, 8),
			CommittedPoints: 22, AddedPoints: 4, RemovedPoints: 6, CompletedPoints: 4},
		// S2 (t0 = startDate, no activatedDate): committed J1..J9 + I5 = 10,
		// added J11..J13 = 3, removed J1 = 1: scope (3+1)/10 = 0.4. At t1:
		// J2..J9, I5, J11..J13 = 12, done J2 = 1, carried 11.
		// accuracy 1/10, completion 1/(10+3-1). Points: I5's 8 committed.
		"S2": {Source: "jira", Board: "B1", ID: "S2", Name: "Sprint S2", State: "closed",
			Start: tp(ts(1, 16, 9, 0, 0)), End: tp(ts(1, 30, 9, 0, 0)), Complete: tp(ts(1, 30, 9, 0, 0)),
			PlannedDays: fp(14), ActualDays: fp(14),
			Committed: 10, Added: 3, Removed: 1, Completed: 1, CarriedOver: 11,
			ScopeChangeRate: fp(0.4), AddedRate: fp(0.3), NetChangeRate: fp(0.2),
			PlanningAccuracy: fp(0.1), CompletionRate: ratio(1, 12),
			CommittedPoints: 8},
		// S3 on B2: committed I9, K1 = 2; added K2 = 1. Done at t1: K1. Carried
		// I9 (done only on 01-16), K2.
		"S3": {Source: "jira", Board: "B2", ID: "S3", Name: "Sprint S3", State: "closed",
			Start: tp(ts(1, 2, 9, 0, 0)), End: tp(ts(1, 12, 9, 0, 0)), Complete: tp(ts(1, 12, 9, 0, 0)),
			PlannedDays: fp(10), ActualDays: fp(10),
			Committed: 2, Added: 1, Completed: 1, CarriedOver: 2,
			ScopeChangeRate: fp(0.5), AddedRate: fp(0.5), NetChangeRate: fp(0.5),
			PlanningAccuracy: fp(0.5), CompletionRate: ratio(1, 3),
			CommittedPoints: 3},
		// S4: nothing committed (C = 0: every rate null), L1 added and carried.
		// Completed early: planned 14 days, actual 11.
		"S4": {Source: "jira", Board: "B2", ID: "S4", Name: "Sprint S4", State: "closed",
			Start: tp(ts(1, 15, 9, 0, 0)), End: tp(ts(1, 29, 9, 0, 0)), Complete: tp(ts(1, 26, 9, 0, 0)),
			PlannedDays: fp(14), ActualDays: fp(11),
			Added: 1, CarriedOver: 1},
		// S5, active, t1 = now: committed M1, M2; added M3 (M4 enters after
		// now); removed M2 20 s before now. At now: M1 (done), M3 (done only
		// after now). scope 2/2, added 1/2, net 0, accuracy 1/2, completion 1/2.
		"S5": {Source: "jira", Board: "B1", ID: "S5", Name: "Sprint S5", State: "active",
			Start: tp(ts(2, 1, 10, 0, 0)), End: tp(ts(2, 14, 9, 0, 0)),
			PlannedDays: fp(days(ts(1, 31, 9, 0, 0), ts(2, 14, 9, 0, 0))), ActualDays: fp(5),
			Committed: 2, Added: 1, Removed: 1, Completed: 1, CarriedOver: 1,
			ScopeChangeRate: fp(1), AddedRate: fp(0.5), NetChangeRate: fp(0),
			PlanningAccuracy: fp(0.5), CompletionRate: fp(0.5)},
		// S6, future: no t0, so no counts, rates or actual days; Start is the
		// planned startDate.
		"S6": {Source: "jira", Board: "B1", ID: "S6", Name: "Sprint S6", State: "future",
			Start: tp(ts(2, 15, 9, 0, 0)), End: tp(ts(2, 29, 9, 0, 0)), PlannedDays: fp(14)},
		"S7": {Source: "jira", Board: "B2", ID: "S7", Name: "Sprint S7", State: "future"},
	}
}

func ids(rs []SprintReport) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestSprintReports(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seed(t, db)
		ctx := context.Background()
		got, err := Sprints(ctx, db, SprintFilter{Now: fixtureNow})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"S6", "S5", "S2", "S4", "S3", "S1", "S7"}; !reflect.DeepEqual(ids(got), want) {
			t.Fatalf("order = %v, want %v", ids(got), want)
		}
		want := wantReports()
		for _, r := range got {
			checkReport(t, r, want[r.ID])
		}

		for _, tc := range []struct {
			name string
			f    SprintFilter
			want []string
		}{
			{"board", SprintFilter{Board: "B2"}, []string{"S4", "S3", "S7"}},
			{"state", SprintFilter{State: "closed"}, []string{"S2", "S4", "S3", "S1"}},
			{"source", SprintFilter{Source: "other"}, []string{}},
			{"hostile value", SprintFilter{Source: "jira' OR '1'='1"}, []string{}},
			// A time filter drops the sprints without t0 (S6, S7).
			{"from", SprintFilter{From: tp(ts(1, 10, 0, 0, 0))}, []string{"S5", "S2", "S4"}},
			{"from-to", SprintFilter{From: tp(ts(1, 2, 9, 0, 0)), To: tp(ts(1, 16, 9, 0, 0))}, []string{"S2", "S4", "S3"}},
			{"limit", SprintFilter{Limit: 2}, []string{"S6", "S5"}},
		} {
			tc.f.Now = fixtureNow
			got, err := Sprints(ctx, db, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !reflect.DeepEqual(ids(got), tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, ids(got), tc.want)
			}
			for _, r := range got {
				checkReport(t, r, want[r.ID]) // filters change which sprints, never their numbers
			}
		}

		// Keyset pagination walks the full order in pages of 2.
		var walked []string
		f := SprintFilter{Now: fixtureNow, Limit: 2}
		for range 10 {
			page, err := Sprints(ctx, db, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			walked = append(walked, ids(page)...)
			k := page[len(page)-1].Key()
			f.After = &k
		}
		if want := []string{"S6", "S5", "S2", "S4", "S3", "S1", "S7"}; !reflect.DeepEqual(walked, want) {
			t.Errorf("pages = %v, want %v", walked, want)
		}

		if _, err := Sprints(ctx, db, SprintFilter{State: "open"}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("state=open: err = %v, want ErrInvalidArgument", err)
		}
	})
}

func checkReport(t *testing.T, got, want SprintReport) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sprint %s:\n got %s\nwant %s", want.ID, show(got), show(want))
	}
}

// show renders a value as JSON (pointers dereferenced), for failure messages.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func TestSprintDetail(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seed(t, db)
		ctx := context.Background()

		d, err := Sprint(ctx, db, "jira", "S1", fixtureNow)
		if err != nil {
			t.Fatal(err)
		}
		checkReport(t, d.SprintReport, wantReports()["S1"])
		t1 := ts(1, 15, 17, 0, 0)
		ev := func(id, key string, at time.Time, kind string, done bool, points float64) SprintEvent {
			return SprintEvent{IssueID: id, IssueKey: key, At: at, Kind: kind, DoneAtLeaving: done, Points: fp(points)}
		}
		want := []SprintEvent{
			ev("I4", "OPS-2", ts(1, 2, 9, 0, 0), "added", false, 1),
			ev("I2", "PLAT-2", ts(1, 3, 12, 0, 0), "added", false, 2),
			ev("I4", "OPS-2", ts(1, 4, 9, 0, 0), "removed", false, 1),
			ev("I3", "OPS-1", ts(1, 5, 12, 0, 0), "removed", false, 5),
			ev("I4", "OPS-2", ts(1, 6, 9, 0, 0), "added", false, 1),
			ev("I7", "OPS-3", ts(1, 11, 9, 0, 0), "removed", true, 2), // listed, not counted: done at leaving
			ev("I6", "PLAT-4", ts(1, 15, 16, 59, 50), "carried_over", false, 1),
			ev("I9", "OPS-4", t1, "carried_over", false, 3),
			ev("I2", "PLAT-2", t1, "carried_over", false, 2),
			ev("I5", "PLAT-3", t1, "carried_over", false, 8),
			{IssueID: "I8", IssueKey: "PLAT-5", At: t1, Kind: "carried_over"}, // no estimate
		}
		if !reflect.DeepEqual(d.Events, want) {
			t.Errorf("S1 events:\n got %+v\nwant %+v", d.Events, want)
		}

		// Active: t1 is now. M4 enters after now and has no event.
		d, err = Sprint(ctx, db, "jira", "S5", fixtureNow)
		if err != nil {
			t.Fatal(err)
		}
		checkReport(t, d.SprintReport, wantReports()["S5"])
		want = []SprintEvent{
			{IssueID: "M3", IssueKey: "PLAT-13", At: ts(2, 3, 9, 0, 0), Kind: "added"},
			{IssueID: "M2", IssueKey: "PLAT-12", At: ts(2, 6, 9, 59, 40), Kind: "removed"},
			{IssueID: "M3", IssueKey: "PLAT-13", At: fixtureNow, Kind: "carried_over"},
		}
		if !reflect.DeepEqual(d.Events, want) {
			t.Errorf("S5 events:\n got %+v\nwant %+v", d.Events, want)
		}

		// Issues without an issues row still list, with an empty key.
		d, err = Sprint(ctx, db, "jira", "S4", fixtureNow)
		if err != nil {
			t.Fatal(err)
		}
		want = []SprintEvent{
			{IssueID: "L1", At: ts(1, 16, 9, 0, 0), Kind: "added"},
			{IssueID: "L1", At: ts(1, 26, 9, 0, 0), Kind: "carried_over"},
		}
		if !reflect.DeepEqual(d.Events, want) {
			t.Errorf("S4 events:\n got %+v\nwant %+v", d.Events, want)
		}

		// Future: the report, no events.
		d, err = Sprint(ctx, db, "jira", "S6", fixtureNow)
		if err != nil {
			t.Fatal(err)
		}
		checkReport(t, d.SprintReport, wantReports()["S6"])
		if len(d.Events) != 0 || d.Events == nil {
			t.Errorf("S6 events = %#v, want empty", d.Events)
		}

		for _, key := range [][2]string{{"jira", "S99"}, {"other", "S1"}} {
			if _, err := Sprint(ctx, db, key[0], key[1], fixtureNow); !errors.Is(err, ErrNotFound) {
				t.Errorf("Sprint(%s, %s): err = %v, want ErrNotFound", key[0], key[1], err)
			}
		}
	})
}

func TestScopeChange(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seed(t, db)
		ctx := context.Background()
		for _, tc := range []struct {
			name string
			f    ScopeChangeFilter
			want []ScopeChangeGroup
		}{
			// B1: S1 (7, 3, 2) + S2 (10, 3, 1) + S5 (2, 1, 1) = (19, 7, 4): 11/19.
			// B2: S3 (2, 1, 0) + S4 (0, 1, 0) = (2, 2, 0): 2/2. I9 is in S1 and
			// S3: once in each board. Future S6, S7 are left out.
			{"board", ScopeChangeFilter{GroupBy: "board"}, []ScopeChangeGroup{
				{Group: "B1", Source: "jira", Sprints: 3, Committed: 19, Added: 7, Removed: 4, ScopeChangeRate: fp(11.0 / 19)},
				{Group: "B2", Source: "jira", Sprints: 2, Committed: 2, Added: 2, Removed: 0, ScopeChangeRate: fp(1)},
			}},
			// 2024-01: S1 + S2 + S3 + S4 = (19, 8, 3): 11/19; 2024-02: S5 (2, 1, 1).
			{"month", ScopeChangeFilter{Entity: "sprint", GroupBy: "month"}, []ScopeChangeGroup{
				{Group: "2024-01", Sprints: 4, Committed: 19, Added: 8, Removed: 3, ScopeChangeRate: fp(11.0 / 19)},
				{Group: "2024-02", Sprints: 1, Committed: 2, Added: 1, Removed: 1, ScopeChangeRate: fp(1)},
			}},
			// t0 from 01-10: S2, S4, S5. B1: S2 + S5 = (12, 4, 2): 0.5. B2: S4
			// alone, C = 0: null.
			{"from", ScopeChangeFilter{GroupBy: "board", From: tp(ts(1, 10, 0, 0, 0))}, []ScopeChangeGroup{
				{Group: "B1", Source: "jira", Sprints: 2, Committed: 12, Added: 4, Removed: 2, ScopeChangeRate: fp(0.5)},
				{Group: "B2", Source: "jira", Sprints: 1, Committed: 0, Added: 1, Removed: 0},
			}},
			{"to", ScopeChangeFilter{GroupBy: "board", To: tp(ts(1, 1, 10, 0, 0))}, []ScopeChangeGroup{
				{Group: "B1", Source: "jira", Sprints: 1, Committed: 7, Added: 3, Removed: 2, ScopeChangeRate: fp(5.0 / 7)},
			}},
			{"source", ScopeChangeFilter{GroupBy: "board", Source: "other"}, []ScopeChangeGroup{}},
		} {
			tc.f.Now = fixtureNow
			got, err := ScopeChange(ctx, db, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s:\n got %s\nwant %s", tc.name, show(got), show(tc.want))
			}
		}
	})
}

func TestDurations(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seed(t, db)
		ctx := context.Background()
		s1 := days(ts(1, 1, 10, 0, 0), ts(1, 15, 17, 0, 0)) // 14 + 7/24 = 14.2916…
		// Actual days: S1 14.2917, S2 14, S3 10, S4 11, S5 5 (active, to now).
		// quantile() interpolates linearly between sorted neighbours: p at
		// position q*(n-1).
		for _, tc := range []struct {
			name string
			f    DurationFilter
			want []DurationGroup
		}{
			// [5 10 11 14 s1]: p50 = 11; p90 at 3.6 = 14 + 0.6*(s1-14).
			{"all", DurationFilter{}, []DurationGroup{
				{Group: "all", Count: 5, MeanDays: (s1 + 14 + 10 + 11 + 5) / 5, P50Days: 11, P90Days: 14 + 0.6*(s1-14), MaxDays: s1},
			}},
			// B1 [5 14 s1]: p50 14, p90 at 1.8 = 14 + 0.8*(s1-14). B2 [10 11].
			{"board", DurationFilter{Entity: "sprint", GroupBy: "board"}, []DurationGroup{
				{Group: "B1", Source: "jira", Count: 3, MeanDays: (5 + 14 + s1) / 3, P50Days: 14, P90Days: 14 + 0.8*(s1-14), MaxDays: s1},
				{Group: "B2", Source: "jira", Count: 2, MeanDays: 10.5, P50Days: 10.5, P90Days: 10.9, MaxDays: 11},
			}},
			// closed [10 11 14 s1]: p50 at 1.5 = 12.5, p90 at 2.7 = 14 + 0.7*(s1-14).
			{"state", DurationFilter{GroupBy: "state"}, []DurationGroup{
				{Group: "active", Count: 1, MeanDays: 5, P50Days: 5, P90Days: 5, MaxDays: 5},
				{Group: "closed", Count: 4, MeanDays: (10 + 11 + 14 + s1) / 4, P50Days: 12.5, P90Days: 14 + 0.7*(s1-14), MaxDays: s1},
			}},
			{"month", DurationFilter{GroupBy: "month", From: tp(ts(1, 2, 0, 0, 0))}, []DurationGroup{
				{Group: "2024-01", Count: 3, MeanDays: (14 + 10 + 11.0) / 3, P50Days: 11, P90Days: 13.4, MaxDays: 14},
				{Group: "2024-02", Count: 1, MeanDays: 5, P50Days: 5, P90Days: 5, MaxDays: 5},
			}},
		} {
			tc.f.Now = fixtureNow
			got, err := Durations(ctx, db, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !durationsClose(got, tc.want) {
				t.Errorf("%s:\n got %s\nwant %s", tc.name, show(got), show(tc.want))
			}
		}
	})
}

// durationsClose compares groups, floats to 1e-9 days: sums and
// interpolation may round differently from the Go arithmetic above.
func durationsClose(got, want []DurationGroup) bool {
	if len(got) != len(want) {
		return false
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9 }
	for i := range got {
		g, w := got[i], want[i]
		if g.Group != w.Group || g.Source != w.Source || g.Count != w.Count || !near(g.MeanDays, w.MeanDays) ||
			!near(g.P50Days, w.P50Days) || !near(g.P90Days, w.P90Days) || !near(g.MaxDays, w.MaxDays) {
			return false
		}
	}
	return true
}

func TestRollupArguments(t *testing.T) {
	ctx := context.Background()
	var db warehouse.DB // never reached: arguments are checked first
	for _, tc := range []struct {
		name string
		err  error
		run  func() error
	}{
		{"scope group_by", ErrInvalidArgument, func() error {
			_, err := ScopeChange(ctx, db, ScopeChangeFilter{GroupBy: "team"})
			return err
		}},
		{"scope no group_by", ErrInvalidArgument, func() error { _, err := ScopeChange(ctx, db, ScopeChangeFilter{}); return err }},
		{"scope project", ErrUnsupported, func() error {
			_, err := ScopeChange(ctx, db, ScopeChangeFilter{GroupBy: "project"})
			return err
		}},
		{"scope milestone by board", ErrInvalidArgument, func() error {
			_, err := ScopeChange(ctx, db, ScopeChangeFilter{Entity: "milestone", GroupBy: "board"})
			return err
		}},
		{"durations project by kind", ErrInvalidArgument, func() error {
			_, err := Durations(ctx, db, DurationFilter{Entity: "project", GroupBy: "kind"})
			return err
		}},
		{"durations ticket by board", ErrInvalidArgument, func() error {
			_, err := Durations(ctx, db, DurationFilter{Entity: "ticket", GroupBy: "board"})
			return err
		}},
		{"durations entity", ErrInvalidArgument, func() error { _, err := Durations(ctx, db, DurationFilter{Entity: "epic"}); return err }},
		{"durations group_by", ErrInvalidArgument, func() error {
			_, err := Durations(ctx, db, DurationFilter{GroupBy: "board_id; DROP TABLE x"})
			return err
		}},
		{"range", ErrInvalidArgument, func() error {
			_, err := Durations(ctx, db, DurationFilter{From: tp(ts(2, 1, 0, 0, 0)), To: tp(ts(1, 1, 0, 0, 0))})
			return err
		}},
		{"limit", ErrInvalidArgument, func() error { _, err := Sprints(ctx, db, SprintFilter{Limit: -1}); return err }},
	} {
		if err := tc.run(); !errors.Is(err, tc.err) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
		}
	}
}
