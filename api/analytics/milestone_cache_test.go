package analytics

import (
	"context"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// countingDB counts the statements run through it.
type countingDB struct {
	warehouse.DB
	calls atomic.Int64
}

func (c *countingDB) Query(ctx context.Context, q string, args ...any) (warehouse.Rows, error) {
	c.calls.Add(1)
	return c.DB.Query(ctx, q, args...)
}

// TestMilestoneReadingCache: a second report over unchanged data costs
// one statement (the parts fingerprint) and equals a fresh reading, also
// at a later clock; an insert, an earlier clock or a clock past
// maxReadingAge reads again.
func TestMilestoneReadingCache(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seedMilestones(t, db)
		ctx := context.Background()
		cdb := &countingDB{DB: db}
		kinds := testKinds(t)
		list := func(now time.Time) []MilestoneReport {
			t.Helper()
			got, err := Milestones(ctx, cdb, MilestoneFilter{Kinds: kinds, Now: now, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		fresh := func(now time.Time) []MilestoneReport {
			t.Helper()
			c, err := collectMilestones(ctx, db, milestoneSel{}, now)
			if err != nil {
				t.Fatal(err)
			}
			out := c.reports(kinds, now)
			return sortedReports(out)
		}
		cost := func(now time.Time) ([]MilestoneReport, int64) {
			before := cdb.calls.Load()
			got := list(now)
			return got, cdb.calls.Load() - before
		}

		first, n := cost(msNow)
		if n < 5 {
			t.Fatalf("first report: %d statements, want the fingerprint and the reading", n)
		}
		for _, c := range []struct {
			what  string
			now   time.Time
			reads bool
		}{
			{"same clock", msNow, false},
			{"a minute later", msNow.Add(time.Minute), false},
			{"an earlier clock", msNow.Add(-time.Minute), true},
			{"past the reading's age", msNow.Add(maxReadingAge), true},
			{"within the new reading's age", msNow.Add(2 * maxReadingAge), false},
		} {
			got, n := cost(c.now)
			if (n > 1) != c.reads {
				t.Errorf("%s: %d statements, want a new reading: %v", c.what, n, c.reads)
			}
			if want := fresh(c.now); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: cached reports differ from a fresh reading", c.what)
			}
		}
		if len(first) != 5 {
			t.Fatalf("%d milestones, want the fixture's 5", len(first))
		}
		// A milestone's detail comes from the reading when one serves (the
		// fingerprint and its events: two statements) and equals the one
		// read on its own (db has no reading: cdb holds it).
		at := msNow.Add(2 * maxReadingAge)
		for _, m := range first {
			before := cdb.calls.Load()
			got, err := Milestone(ctx, cdb, m.Source, m.ID, kinds, at)
			if err != nil {
				t.Fatal(err)
			}
			if n := cdb.calls.Load() - before; n != 2 {
				t.Errorf("detail of %s from the reading: %d statements, want 2", m.ID, n)
			}
			want, err := Milestone(ctx, db, m.Source, m.ID, kinds, at)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("detail of %s from the reading:\n%+v\nread on its own:\n%+v", m.ID, got, want)
			}
		}

		// Forecast accuracy is kept on the reading per filter: at a later
		// clock it equals one computed afresh (db has no reading).
		for _, f := range []AccuracyFilter{{GroupBy: GroupByKind, Kinds: kinds}, {GroupBy: GroupByProject}} {
			f.Now = at
			kept, err := ForecastAccuracy(ctx, cdb, f)
			if err != nil {
				t.Fatal(err)
			}
			f.Now = at.Add(time.Minute)
			again, err := ForecastAccuracy(ctx, cdb, f)
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := ForecastAccuracy(ctx, db, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(kept) == 0 || !reflect.DeepEqual(kept, fresh) || !reflect.DeepEqual(again, fresh) {
				t.Errorf("forecast accuracy by %s: kept %v, again %v, fresh %v", f.GroupBy, kept, again, fresh)
			}
		}

		// A milestone written after the reading is listed by the next one.
		if err := warehouse.InsertMixed(ctx, db, []warehouse.Row{warehouse.MilestoneRow{Source: "jira", MilestoneID: "M7",
			Project: "PLAT", Title: "Late addition", State: "open", Created: msNow, Version: 1}}); err != nil {
			t.Fatal(err)
		}
		got, n := cost(at)
		if n < 2 || len(got) != 6 {
			t.Errorf("after an insert: %d statements, %d milestones; want a new reading listing 6", n, len(got))
		}
	})
}

func sortedReports(rs []MilestoneReport) []MilestoneReport {
	out := slices.Clone(rs)
	slices.SortFunc(out, compareMilestones)
	return out
}
