package whtest_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestFitDateTimesStored: rows with dates typed as year 0202 and 2202
// upstream, refused by InsertMixed as they are, are written once fitted:
// the nullable columns as NULL, the others clamped to DateTime's range.
func TestFitDateTimesStored(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := testContext(t)
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		year202 := time.Date(202, 3, 1, 0, 0, 0, 0, time.UTC)
		year2202 := time.Date(2202, 3, 1, 0, 0, 0, 0, time.UTC)
		ok := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
		first, last := time.Unix(0, 0).UTC(), time.Unix(math.MaxUint32, 0).UTC()

		sprints := []warehouse.Row{
			warehouse.SprintRow{Source: "acme", SprintID: "5", Start: &year2202, End: &year202, Activated: &ok, Version: 1},
			warehouse.SprintRow{Source: "acme", SprintID: "6", Start: &ok, Version: 1},
		}
		issues := []warehouse.Row{
			warehouse.IssueRow{Source: "acme", IssueID: "1", Key: "ACME-1", Created: year202, Updated: year2202, Resolved: &year202, Version: 1},
		}
		for _, rows := range [][]warehouse.Row{sprints, issues} {
			if err := warehouse.InsertMixed(ctx, db, rows); !errors.Is(err, warehouse.ErrBind) {
				t.Fatalf("unfitted %s: err = %v, want ErrBind", rows[0].Table(), err)
			}
			fitted, warnings := warehouse.FitDateTimes(rows)
			t.Logf("%s: %q", rows[0].Table(), warnings)
			if err := warehouse.InsertMixed(ctx, db, fitted); err != nil {
				t.Fatalf("fitted %s: %v", rows[0].Table(), err)
			}
		}

		var start, end, activated *time.Time
		queryOne(t, ctx, db, "SELECT start_date, end_date, activated_date FROM {db}.sprints FINAL WHERE source = ? AND sprint_id = ?",
			[]any{"acme", "5"}, &start, &end, &activated)
		if start != nil || end != nil || activated == nil || !activated.Equal(ok) {
			t.Errorf("sprint 5 start, end, activated = %v, %v, %v; want NULL, NULL, %v", start, end, activated, ok)
		}
		if n := count(t, ctx, db, "SELECT count() FROM {db}.sprints FINAL WHERE start_date = ?", ok); n != 1 {
			t.Errorf("sprint 6: %d rows with its start, want 1", n)
		}
		var created, updated time.Time
		var resolved *time.Time
		queryOne(t, ctx, db, "SELECT created, updated, resolved FROM {db}.issues FINAL WHERE source = ? AND issue_id = ?",
			[]any{"acme", "1"}, &created, &updated, &resolved)
		if !created.Equal(first) || !updated.Equal(last) || resolved != nil {
			t.Errorf("issue created, updated, resolved = %v, %v, %v; want %v, %v, NULL", created, updated, resolved, first, last)
		}
	})
}
