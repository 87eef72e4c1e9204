package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestSameSecondStatusChanges: two status changes in the same second are
// ordered by the seq the source stored (its changelog order), not by value
// or event id. Sprint Q runs 03-01 → 03-15 with issues A and B committed.
// At 03-10 12:00:00, A goes Done (seq 1) then is reopened (seq 2); B is
// reopened (1) then goes Done (2). At t1, A is open and B is done:
// completed 1 (B), carried over 1 (A).
func TestSameSecondStatusChanges(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		day := func(d int) time.Time { return time.Date(2024, 3, d, 9, 0, 0, 0, time.UTC) }
		start, end, flip := day(1), day(15), time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
		if err := warehouse.InsertRows(ctx, db, []warehouse.SprintRow{{Source: "jira", SprintID: "Q", BoardID: "B",
			Name: "Q", State: "closed", Start: &start, End: &end, Complete: &end, Version: 1}}); err != nil {
			t.Fatal(err)
		}
		var ivs []warehouse.MembershipIntervalRow
		var changes []warehouse.StatusChangeRow
		for _, is := range []struct{ id, first, second string }{{"A", "done", "indeterminate"}, {"B", "indeterminate", "done"}} {
			ivs = append(ivs, warehouse.MembershipIntervalRow{Source: "jira", Kind: "sprint", ContainerID: "Q",
				IssueID: is.id, Entered: day(1).Add(-time.Hour), Version: 1})
			changes = append(changes,
				warehouse.StatusChangeRow{Source: "jira", IssueID: is.id, EventID: "initial", At: day(1).Add(-time.Hour), ToCategory: "new", Version: 1},
				// Written in reverse so insertion order cannot explain the result.
				// Event ids sort against seq, so they cannot explain it either.
				warehouse.StatusChangeRow{Source: "jira", IssueID: is.id, EventID: "a", At: flip, ToCategory: is.second, Seq: 2, Version: 1},
				warehouse.StatusChangeRow{Source: "jira", IssueID: is.id, EventID: "b", At: flip, ToCategory: is.first, Seq: 1, Version: 1},
			)
		}
		if err := warehouse.InsertRows(ctx, db, ivs); err != nil {
			t.Fatal(err)
		}
		if err := warehouse.InsertRows(ctx, db, changes); err != nil {
			t.Fatal(err)
		}
		d, err := Sprint(ctx, db, "jira", "Q", day(20))
		if err != nil {
			t.Fatal(err)
		}
		if d.Committed != 2 || d.Completed != 1 || d.CarriedOver != 1 {
			t.Fatalf("committed %d completed %d carried over %d, want 2, 1 (B), 1 (A)", d.Committed, d.Completed, d.CarriedOver)
		}
		for _, e := range d.Events {
			if e.Kind == EventCarriedOver && e.IssueID != "A" {
				t.Errorf("carried over %s, want A", e.IssueID)
			}
		}
	})
}
