package analytics

import (
	"context"
	"reflect"
	"testing"

	"github.com/runway-analytics/runway/api/gauges/gaugestest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestRecentSprintMetricsAgree: the recent sprints' metrics computed with
// their windows in the statement equal those computed with the windows
// bound, sprint by sprint (the hand-worked numbers are the gauges'
// golden test's).
func TestRecentSprintMetricsAgree(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		if err := gaugestest.Seed(ctx, db); err != nil {
			t.Fatal(err)
		}
		if err := gaugestest.SeedScale(ctx, db, 6, 0); err != nil {
			t.Fatal(err)
		}
		sel := sprintSel{now: gaugestest.Now, recent: 3}
		_, ws, err := querySprintPage(ctx, db, sel)
		if err != nil {
			t.Fatal(err)
		}
		bound, err := querySprintMetrics(ctx, db, ws, maxBoundBytes)
		if err != nil {
			t.Fatal(err)
		}
		inStatement := map[[2]string]sprintMetrics{}
		sql, args := buildRecentSprintMetrics(sel)
		if err := readSprintMetrics(ctx, db, sql, args, inStatement); err != nil {
			t.Fatal(err)
		}
		if len(bound) < 6*4 || !reflect.DeepEqual(bound, inStatement) {
			t.Errorf("%d sprints with bound windows, %d computed in the statement; equal: %v",
				len(bound), len(inStatement), reflect.DeepEqual(bound, inStatement))
		}
	})
}
