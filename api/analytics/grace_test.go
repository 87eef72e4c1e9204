package analytics

import (
	"context"
	"testing"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestCarryOverGraceIsTheSprints: the completion move-out window is read
// from the sprint row (the source's rule, stored at ingest), not from the
// SQL. In the fixture, PLAT-4 (I6, 1 point, not done) leaves S1 ten seconds
// before S1's completeDate: with Jira's 60 s grace that is carry-over (see
// wantReports); with a grace of 0, as a source whose completion moves
// nothing would store, it is a removal: removed 2 → 3, carried over 5 → 4,
// removed points 6 → 7, scope change (3+3)/7, net (3−3)/7 = 0, completion
// 2/(7+3−3).
func TestCarryOverGraceIsTheSprints(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seed(t, db)
		ctx := context.Background()
		s1 := warehouse.SprintRow{Source: "jira", SprintID: "S1", BoardID: "B1", Name: "Sprint S1", State: "closed",
			Start: tp(ts(1, 1, 9, 0, 0)), End: tp(ts(1, 15, 9, 0, 0)), Activated: tp(ts(1, 1, 10, 0, 0)),
			Complete: tp(ts(1, 15, 17, 0, 0)), CarryOverGrace: 0, Version: 3}
		if err := warehouse.InsertRows(ctx, db, []warehouse.SprintRow{s1}); err != nil {
			t.Fatal(err)
		}
		want := wantReports()["S1"]
		want.Removed, want.CarriedOver, want.RemovedPoints = 3, 4, 7
		want.ScopeChangeRate, want.NetChangeRate, want.CompletionRate = fp(6.0/7), fp(0), fp(2.0/7)

		got, err := Sprints(ctx, db, SprintFilter{Source: "jira", Board: "B1", State: "closed", Now: fixtureNow})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range got {
			if r.ID == "S1" {
				found = true
				checkReport(t, r, want)
			}
		}
		if !found {
			t.Fatalf("S1 missing from %v", ids(got))
		}
		d, err := Sprint(ctx, db, "jira", "S1", fixtureNow)
		if err != nil {
			t.Fatal(err)
		}
		checkReport(t, d.SprintReport, want)
		for _, e := range d.Events {
			if e.IssueID == "I6" && e.Kind != EventRemoved {
				t.Errorf("I6 event %s, want %s", e.Kind, EventRemoved)
			}
		}
		groups, err := ScopeChange(ctx, db, ScopeChangeFilter{GroupBy: GroupByBoard, Now: fixtureNow})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range groups {
			if g.Group == "B1" && g.Removed != 5 {
				t.Errorf("board B1 removed %d, want 5 (4 with Jira's grace, plus I6)", g.Removed)
			}
		}
	})
}
