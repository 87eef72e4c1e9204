package analytics

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// tombstone writes the tombstones of the fixture's issue I4 (OPS-2, added
// to S1 twice, removed once, done at t1) and sprint S3 (board B2), plus a
// tombstone of I9 and of S2 that a newer collection made live again: they
// count as before.
func tombstone(t *testing.T, db warehouse.DB) {
	t.Helper()
	ctx := context.Background()
	at := ts(2, 5, 9, 0, 0)
	var rows []warehouse.Row
	for _, tomb := range []struct {
		kind      warehouse.EntityKind
		id, scope string
	}{{warehouse.KindIssue, "I4", "OPS"}, {warehouse.KindSprint, "S3", "B2"},
		{warehouse.KindIssue, "I9", "OPS"}, {warehouse.KindSprint, "S2", "B1"}} {
		row, err := warehouse.Tombstone(tomb.kind, "jira", warehouse.StoredEntity{ID: tomb.id, Scope: tomb.scope}, at, 3)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	for _, r := range rows {
		if err := warehouse.InsertMixed(ctx, db, []warehouse.Row{r}); err != nil {
			t.Fatal(err)
		}
	}
	live := []warehouse.Row{
		warehouse.IssueRow{Source: "jira", IssueID: "I9", Key: "OPS-4", Project: "OPS", Created: dec(20), Updated: at,
			SprintIDs: []string{}, MilestoneIDs: []string{}, Labels: []string{}, Version: 4},
		warehouse.SprintRow{Source: "jira", SprintID: "S2", BoardID: "B1", Name: "Sprint S2", State: "closed",
			Start: tp(ts(1, 16, 9, 0, 0)), End: tp(ts(1, 30, 9, 0, 0)), Complete: tp(ts(1, 30, 9, 0, 0)), CarryOverGrace: 60, Version: 4},
	}
	for _, r := range live {
		if err := warehouse.InsertMixed(ctx, db, []warehouse.Row{r}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReportsLeaveTombstonesOut: with issue I4 and sprint S3 tombstoned
// (deleted upstream), every sprint report path leaves S3 out and counts I4
// nowhere; the hand-worked numbers below are the fixture's without them.
func TestReportsLeaveTombstonesOut(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seed(t, db)
		tombstone(t, db)
		ctx := context.Background()

		// S1 without I4 (its two entries, its removal, its completion):
		// committed I1, I3, I5, I6, I7, I8, I9 = 7 (unchanged); added I2 = 1;
		// removed I3 = 1; at t1 done I1 = 1; carried over I2, I5, I6, I8, I9
		// = 5 (unchanged: I4 was done). Committed and done: I1.
		// scope (1+1)/7, added 1/7, net 0, accuracy 1/7, completion 1/(7+1-1).
		// Points: committed 22, added 2 (I2), removed 5 (I3), completed 3 (I1).
		want := wantReports()
		s1 := want["S1"]
		s1.Added, s1.Removed, s1.Completed = 1, 1, 1
		s1.ScopeChangeRate, s1.AddedRate, s1.NetChangeRate = fp(2.0/7), fp(1.0/7), fp(0)
		s1.PlanningAccuracy, s1.CompletionRate = fp(1.0/7), fp(1.0/7)
		s1.AddedPoints, s1.RemovedPoints, s1.CompletedPoints = 2, 5, 3
		want["S1"] = s1
		delete(want, "S3")

		got, err := Sprints(ctx, db, SprintFilter{Now: fixtureNow})
		if err != nil {
			t.Fatal(err)
		}
		if order := []string{"S6", "S5", "S2", "S4", "S1", "S7"}; !reflect.DeepEqual(ids(got), order) {
			t.Fatalf("order = %v, want %v (S3 left out)", ids(got), order)
		}
		for _, r := range got {
			checkReport(t, r, want[r.ID])
		}
		if got, err := Sprints(ctx, db, SprintFilter{Now: fixtureNow, Board: "B2"}); err != nil || !reflect.DeepEqual(ids(got), []string{"S4", "S7"}) {
			t.Errorf("board B2 = %v, %v; want [S4 S7]", ids(got), err)
		}

		// The detail of S1 lists no event of I4; S3's is not found.
		d, err := Sprint(ctx, db, "jira", "S1", fixtureNow)
		if err != nil {
			t.Fatal(err)
		}
		checkReport(t, d.SprintReport, want["S1"])
		t1 := ts(1, 15, 17, 0, 0)
		ev := func(id, key string, at time.Time, kind string, done bool, points float64) SprintEvent {
			return SprintEvent{IssueID: id, IssueKey: key, At: at, Kind: kind, DoneAtLeaving: done, Points: fp(points)}
		}
		wantEvents := []SprintEvent{
			ev("I2", "PLAT-2", ts(1, 3, 12, 0, 0), "added", false, 2),
			ev("I3", "OPS-1", ts(1, 5, 12, 0, 0), "removed", false, 5),
			ev("I7", "OPS-3", ts(1, 11, 9, 0, 0), "removed", true, 2),
			ev("I6", "PLAT-4", ts(1, 15, 16, 59, 50), "carried_over", false, 1),
			ev("I9", "OPS-4", t1, "carried_over", false, 3),
			ev("I2", "PLAT-2", t1, "carried_over", false, 2),
			ev("I5", "PLAT-3", t1, "carried_over", false, 8),
			{IssueID: "I8", IssueKey: "PLAT-5", At: t1, Kind: "carried_over"},
		}
		if !reflect.DeepEqual(d.Events, wantEvents) {
			t.Errorf("S1 events:\n got %+v\nwant %+v", d.Events, wantEvents)
		}
		if _, err := Sprint(ctx, db, "jira", "S3", fixtureNow); !errors.Is(err, ErrNotFound) {
			t.Errorf("tombstoned S3: err = %v, want ErrNotFound", err)
		}

		// Scope change. B1: S1 (7, 1, 1) + S2 (10, 3, 1) + S5 (2, 1, 1) =
		// (19, 5, 3): 8/19. B2: S4 alone (0, 1, 0): null.
		// 2024-01: S1 + S2 + S4 = (17, 5, 2): 7/17; 2024-02: S5 (2, 1, 1).
		for _, tc := range []struct {
			name string
			f    ScopeChangeFilter
			want []ScopeChangeGroup
		}{
			{"board", ScopeChangeFilter{GroupBy: "board"}, []ScopeChangeGroup{
				{Group: "B1", Source: "jira", Sprints: 3, Committed: 19, Added: 5, Removed: 3, ScopeChangeRate: fp(8.0 / 19)},
				{Group: "B2", Source: "jira", Sprints: 1, Committed: 0, Added: 1, Removed: 0},
			}},
			{"month", ScopeChangeFilter{GroupBy: "month"}, []ScopeChangeGroup{
				{Group: "2024-01", Sprints: 3, Committed: 17, Added: 5, Removed: 2, ScopeChangeRate: fp(7.0 / 17)},
				{Group: "2024-02", Sprints: 1, Committed: 2, Added: 1, Removed: 1, ScopeChangeRate: fp(1)},
			}},
			// Narrowed by source: the intervals are read through IN.
			{"board of a source", ScopeChangeFilter{GroupBy: "board", Source: "jira"}, []ScopeChangeGroup{
				{Group: "B1", Source: "jira", Sprints: 3, Committed: 19, Added: 5, Removed: 3, ScopeChangeRate: fp(8.0 / 19)},
				{Group: "B2", Source: "jira", Sprints: 1, Committed: 0, Added: 1, Removed: 0},
			}},
		} {
			tc.f.Now = fixtureNow
			got, err := ScopeChange(ctx, db, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("scope change %s:\n got %s\nwant %s", tc.name, show(got), show(tc.want))
			}
		}

		// Durations without S3's 10 days: [5 11 14 s1]: p50 at 1.5 = 12.5,
		// p90 at 2.7 = 14 + 0.7*(s1-14). B2: S4's 11 alone.
		s1d := days(ts(1, 1, 10, 0, 0), ts(1, 15, 17, 0, 0))
		for _, tc := range []struct {
			name string
			f    DurationFilter
			want []DurationGroup
		}{
			{"all", DurationFilter{}, []DurationGroup{
				{Group: "all", Count: 4, MeanDays: (5 + 11 + 14 + s1d) / 4, P50Days: 12.5, P90Days: 14 + 0.7*(s1d-14), MaxDays: s1d},
			}},
			{"board", DurationFilter{GroupBy: "board"}, []DurationGroup{
				{Group: "B1", Source: "jira", Count: 3, MeanDays: (5 + 14 + s1d) / 3, P50Days: 14, P90Days: 14 + 0.8*(s1d-14), MaxDays: s1d},
				{Group: "B2", Source: "jira", Count: 1, MeanDays: 11, P50Days: 11, P90Days: 11, MaxDays: 11},
			}},
		} {
			tc.f.Now = fixtureNow
			got, err := Durations(ctx, db, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !durationsClose(got, tc.want) {
				t.Errorf("durations %s:\n got %s\nwant %s", tc.name, show(got), show(tc.want))
			}
		}
	})
}
