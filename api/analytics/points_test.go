package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestPointsFollowTheEstimateHistory: committed points are the estimates
// at t0, added and removed points the estimates at entry, completed points
// the estimates at t1, so a re-estimate after the sprint changes nothing.
// Sprint P runs 2024-03-01 09:00 → completed 03-15 09:00.
//
//	X  in since 02-28, 3 pts; done 03-10; re-estimated 8 on 03-20 (after)
//	Y  in since 02-27 at 2 pts; re-estimated 5 on 02-29 (before t0); open
//	Z  added 03-05 at 1 pt; re-estimated 2 on 03-06; done 03-12
//	W  in since 02-28, 4 pts; removed 03-08 (not done); 6 pts on 03-09
//
// committed X Y W = 3 + 5 + 4 = 12 points; added Z = 1; removed W = 4;
// completed X Z = 3 + 2 = 5 (at t1); carried over Y.
func TestPointsFollowTheEstimateHistory(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		at := func(m, d int) time.Time { return time.Date(2024, time.Month(m), d, 9, 0, 0, 0, time.UTC) }
		pt := func(v float64) *float64 { return &v }
		start, end := at(3, 1), at(3, 15)
		if err := warehouse.InsertRows(ctx, db, []warehouse.SprintRow{{Source: "jira", SprintID: "P", BoardID: "B",
			Name: "P", State: "closed", Start: &start, End: &end, Complete: &end, Version: 1}}); err != nil {
			t.Fatal(err)
		}
		removed := at(3, 8)
		ivs := []warehouse.MembershipIntervalRow{
			{IssueID: "X", Entered: at(2, 28), Points: pt(3)},
			{IssueID: "Y", Entered: at(2, 27), Points: pt(2)},
			{IssueID: "Z", Entered: at(3, 5), Points: pt(1)},
			{IssueID: "W", Entered: at(2, 28), Exited: &removed, Points: pt(4)},
		}
		for i := range ivs {
			ivs[i].Source, ivs[i].Kind, ivs[i].ContainerID, ivs[i].Version = "jira", "sprint", "P", 1
		}
		status := func(issue, ev string, when time.Time, seq uint64, cat string) warehouse.StatusChangeRow {
			return warehouse.StatusChangeRow{Source: "jira", IssueID: issue, EventID: ev, At: when, ToCategory: cat, Seq: seq, Version: 1}
		}
		changes := []warehouse.StatusChangeRow{
			status("X", "initial", at(2, 20), 0, "new"), status("X", "1", at(3, 10), 1, "done"),
			status("Y", "initial", at(2, 25), 0, "new"), status("Y", "1", at(3, 2), 1, "indeterminate"),
			status("Z", "initial", at(3, 4), 0, "new"), status("Z", "1", at(3, 12), 1, "done"),
			status("W", "initial", at(2, 20), 0, "new"),
		}
		points := func(issue, ev string, when time.Time, seq uint64, v float64) warehouse.PointsChangeRow {
			return warehouse.PointsChangeRow{Source: "jira", IssueID: issue, EventID: ev, At: when, Seq: seq, Points: pt(v), Version: 1}
		}
		estimates := []warehouse.PointsChangeRow{
			points("X", "initial", at(2, 20), 0, 3), points("X", "2", at(3, 20), 2, 8),
			points("Y", "initial", at(2, 25), 0, 2), points("Y", "2", at(2, 29), 2, 5),
			points("Z", "initial", at(3, 4), 0, 1), points("Z", "2", at(3, 6), 2, 2),
			points("W", "initial", at(2, 20), 0, 4), points("W", "2", at(3, 9), 2, 6),
		}
		if err := warehouse.InsertRows(ctx, db, ivs); err != nil {
			t.Fatal(err)
		}
		if err := warehouse.InsertRows(ctx, db, changes); err != nil {
			t.Fatal(err)
		}
		if err := warehouse.InsertRows(ctx, db, estimates); err != nil {
			t.Fatal(err)
		}
		d, err := Sprint(ctx, db, "jira", "P", at(4, 1))
		if err != nil {
			t.Fatal(err)
		}
		got := [...]float64{float64(d.Committed), float64(d.Added), float64(d.Removed), float64(d.Completed), float64(d.CarriedOver),
			d.CommittedPoints, d.AddedPoints, d.RemovedPoints, d.CompletedPoints}
		if want := [...]float64{3, 1, 1, 2, 1, 12, 1, 4, 5}; got != want {
			t.Errorf("C A R D carried, points C A R D = %v, want %v", got, want)
		}
	})
}
