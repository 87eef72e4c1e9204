package analytics

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// directSprints computes a page the way a request does with no reading:
// the page, then its own windows' metrics.
func directSprints(t *testing.T, db warehouse.DB, f SprintFilter) []SprintReport {
	t.Helper()
	sel, err := f.sel()
	if err != nil {
		t.Fatal(err)
	}
	reports, ws, err := querySprintPage(context.Background(), db, sel)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) > 0 {
		m, err := querySprintMetrics(context.Background(), db, ws, maxBoundBytes)
		if err != nil {
			t.Fatal(err)
		}
		for i := range reports {
			if mm, ok := m[[2]string{reports[i].Source, reports[i].ID}]; ok {
				mm.apply(&reports[i])
			}
		}
	}
	return reports
}

// TestSprintReading: a page is counted on its own until a reading exists,
// then looked up in it (the fingerprint and the page: two statements) at
// the reading's clock, and at later clocks only when no event is newer
// than that clock; every answer equals the direct one. An insert makes a
// new reading; a reading in chunks of boards equals one in a single
// statement.
func TestSprintReading(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seed(t, db)
		ctx := context.Background()
		cdb := &countingDB{DB: db}
		page := func(now time.Time) ([]SprintReport, int64) {
			t.Helper()
			before := cdb.calls.Load()
			got, err := Sprints(ctx, cdb, SprintFilter{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			return got, cdb.calls.Load() - before
		}
		check := func(what string, now time.Time, wantCalls int64) {
			t.Helper()
			got, n := page(now)
			if n != wantCalls {
				t.Errorf("%s: %d statements, want %d", what, n, wantCalls)
			}
			if want := directSprints(t, db, SprintFilter{Now: now}); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: reports differ from the direct count:\n got %s\nwant %s", what, show(got), show(want))
			}
		}
		read := func(now time.Time) *sprintReading {
			t.Helper()
			if _, ok, err := cachedSprintMetrics(ctx, cdb, now, true); err != nil || !ok {
				t.Fatalf("reading at %s: ok %v, %v", now, ok, err)
			}
			return sprintReadings.cell(cdb, "").last.data
		}

		// No reading yet: fingerprint, page, metrics.
		check("before a reading", fixtureNow, 3)
		// The fixture's newest event is M4 entering S5 on 7 February, after
		// fixtureNow (6 February 10:00): the reading serves that clock only.
		r := read(fixtureNow)
		if want := ts(2, 7, 9, 0, 0); !r.lastEvent.Equal(want) {
			t.Fatalf("last event %s, want %s", r.lastEvent, want)
		}
		check("the reading's clock", fixtureNow, 2)
		check("later, events after the reading's clock", fixtureNow.Add(30*time.Minute), 3)
		check("earlier", fixtureNow.Add(-time.Hour), 3)

		// Made after every event, a reading serves every later clock.
		late := ts(2, 7, 12, 0, 0)
		read(late)
		check("a day after a reading made after every event", late.Add(24*time.Hour), 2)
		check("before that reading", late.Add(-time.Minute), 3)

		// An insert (S5's issue done after the reading) needs a new one.
		if err := warehouse.InsertRows(ctx, db, []warehouse.StatusChangeRow{{Source: "jira", IssueID: "M1",
			EventID: "late", At: late.Add(time.Hour), ToCategory: "indeterminate", Version: 1}}); err != nil {
			t.Fatal(err)
		}
		check("after an insert", late.Add(24*time.Hour), 3)

		// Scope-change rollups from the reading (the sprints' groups: one
		// statement, then kept; a fingerprint for each) equal the statement's.
		read(late)
		for _, f := range []ScopeChangeFilter{
			{GroupBy: GroupByBoard}, {GroupBy: GroupByMonth}, {GroupBy: GroupByBoard, Source: "other"},
			{GroupBy: GroupByBoard, From: tp(ts(1, 10, 0, 0, 0)), To: tp(ts(1, 31, 0, 0, 0))},
		} {
			f.Now = late
			want, err := ScopeChange(ctx, db, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, statements := range []int64{3, 2} {
				before := cdb.calls.Load()
				got, err := ScopeChange(ctx, cdb, f)
				if err != nil {
					t.Fatal(err)
				}
				if n := cdb.calls.Load() - before; n != statements {
					t.Errorf("scope change %+v from the reading: %d statements, want %d", f, n, statements)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("scope change %+v from the reading:\n got %s\nwant %s", f, show(got), show(want))
				}
			}
		}
		// A new sprint (an insert) is grouped by a new statement.
		if err := warehouse.InsertRows(ctx, db, []warehouse.SprintRow{{Source: "jira", SprintID: "S9", BoardID: "B3",
			Name: "Sprint S9", State: "closed", Start: tp(ts(1, 20, 9, 0, 0)), End: tp(ts(1, 27, 9, 0, 0)),
			Complete: tp(ts(1, 27, 9, 0, 0)), Version: 1}}); err != nil {
			t.Fatal(err)
		}
		read(late)
		f := ScopeChangeFilter{GroupBy: GroupByBoard, Now: late}
		got, err := ScopeChange(ctx, cdb, f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ScopeChange(ctx, db, f)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || len(got) != 3 {
			t.Errorf("scope change after a new board's sprint:\n got %s\nwant %s (3 boards)", show(got), show(want))
		}

		// Chunks of boards add up to the whole.
		whole, chunked := map[[2]string]sprintMetrics{}, map[[2]string]sprintMetrics{}
		sql, args := buildRecentSprintMetrics(sprintSel{now: late})
		if err := readSprintMetrics(ctx, db, sql, args, whole); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			sql, args := buildRecentSprintMetrics(sprintSel{now: late, chunk: [2]int{i, 3}})
			if err := readSprintMetrics(ctx, db, sql, args, chunked); err != nil {
				t.Fatal(err)
			}
		}
		if len(whole) != 5 || !reflect.DeepEqual(whole, chunked) {
			t.Errorf("chunked reading %v, want the whole %v (5 started sprints)", chunked, whole)
		}
	})
}

// TestPartsFingerprint: an insert changes the fingerprint, a merge of the
// same rows does not.
func TestPartsFingerprint(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seed(t, db)
		ctx := context.Background()
		fp := func() string {
			t.Helper()
			s, err := partsFingerprint(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		before := fp()
		if err := db.Exec(ctx, "OPTIMIZE TABLE {db}.issue_status_changes FINAL"); err != nil {
			t.Fatal(err)
		}
		if got := fp(); got != before {
			t.Errorf("a merge changed the fingerprint: %s → %s", before, got)
		}
		if err := warehouse.InsertRows(ctx, db, []warehouse.StatusChangeRow{{Source: "jira", IssueID: "M1",
			EventID: "x", At: fixtureNow, ToCategory: "done", Version: 1}}); err != nil {
			t.Fatal(err)
		}
		if got := fp(); got == before {
			t.Error("an insert left the fingerprint unchanged")
		}
	})
}
