package analytics

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api/analytics/forecast"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// The milestone fixture, worked out by hand. Now is 2024-06-01 00:00 UTC;
// every milestone belongs to Jira project PLAT, which the Runway project
// "platform" matches. Due dates are ends of days (23:59:59), as the Jira
// source stores them.
var msNow = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

const week = 7 * 24 * time.Hour

func msDay(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, time.UTC) }
func eod(m time.Month, d int) time.Time   { return msDay(m, d).Add(24*time.Hour - time.Second) }

// msFixture writes milestones, snapshots, issues and their stays.
type msFixture struct {
	rows []warehouse.Row
	n    int
}

// issue adds an issue in milestone ms from entered (to exited, nil: still
// in it), done (resolved at) when resolved is not nil.
func (f *msFixture) issue(ms string, entered time.Time, exited, resolved *time.Time) string {
	f.n++
	id := fmt.Sprintf("I%03d", f.n)
	cat := "indeterminate"
	if resolved != nil {
		cat = "done"
	}
	f.rows = append(f.rows,
		warehouse.IssueRow{Source: "jira", IssueID: id, Key: "PLAT-" + id, Project: "PLAT", StatusCategory: cat,
			Created: entered.Add(-time.Hour), Updated: msNow.Add(-time.Hour), Resolved: resolved,
			SprintIDs: []string{}, MilestoneIDs: []string{ms}, Labels: []string{}, Version: 1},
		warehouse.MembershipIntervalRow{Source: "jira", Kind: "milestone", ContainerID: ms, IssueID: id,
			Entered: entered, Exited: exited, Version: 1},
		warehouse.MembershipEventRow{Source: "jira", Kind: "milestone", ContainerID: ms, IssueID: id,
			EventID: "e" + id, At: entered, Action: "added", Version: 1})
	if exited != nil {
		f.rows = append(f.rows, warehouse.MembershipEventRow{Source: "jira", Kind: "milestone", ContainerID: ms,
			IssueID: id, EventID: "x" + id, At: *exited, Action: "removed", Version: 1})
	}
	return id
}

// also puts an existing issue in a second milestone.
func (f *msFixture) also(ms, id string, entered time.Time) {
	f.rows = append(f.rows, warehouse.MembershipIntervalRow{Source: "jira", Kind: "milestone", ContainerID: ms,
		IssueID: id, Entered: entered, Version: 1})
}

func (f *msFixture) milestone(id, title, state string, start, due, closed *time.Time) {
	f.rows = append(f.rows, warehouse.MilestoneRow{Source: "jira", MilestoneID: id, Project: "PLAT", Title: title,
		State: state, Created: time.Unix(0, 0).UTC(), Start: start, Due: due, Closed: closed, Version: 1})
}

func (f *msFixture) snapshot(id, state string, observed time.Time, due *time.Time) {
	f.rows = append(f.rows, warehouse.MilestoneSnapshotRow{Source: "jira", MilestoneID: id, Observed: observed,
		State: state, Due: due, Version: 1})
}

// weekly adds closures per trailing week window: counts[i] issues of ms
// resolved in window i = (now-(i+1)w, now-iw], a day inside it.
func (f *msFixture) weekly(ms string, entered time.Time, counts ...int) {
	for i, c := range counts {
		at := msNow.Add(-time.Duration(i)*week - 24*time.Hour)
		for range c {
			f.issue(ms, entered, nil, &at)
		}
	}
}

func seedMilestones(t *testing.T, db warehouse.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	var f msFixture

	// M1 "Beta 1": baseline (start) 02-10, 16 weeks before now. 20 issues
	// in it at b; 3 added after b; 1 of the 20 removed (not done) after b.
	// 16 resolved, one a week at b+3d+7k (k = 0..15): 8 in the first half
	// (b, b+8w] and one in each of the 8 trailing windows, so T1 = T2 = 1
	// a week. In it now: 20 − 1 + 3 = 22, done 16, open 6: every trial
	// takes 6 weeks: p50 = p85 = now + 42d = 07-13 00:00. Due moved twice:
	// 06-15 → 06-30 → 07-10 (end of day): p50 after due → slipping.
	b := msDay(2, 10)
	f.milestone("M1", "Beta 1", "open", tp(b), tp(eod(7, 10)), nil)
	f.snapshot("M1", "open", msDay(2, 11), tp(eod(6, 15)))
	f.snapshot("M1", "open", msDay(3, 1), tp(eod(6, 15)))
	f.snapshot("M1", "open", msDay(4, 1), tp(eod(6, 30)))
	f.snapshot("M1", "open", msDay(5, 1), tp(eod(7, 10)))
	f.snapshot("M1", "open", msDay(5, 31), tp(eod(7, 10)))
	for k := range 16 {
		f.issue("M1", b.Add(-24*time.Hour), nil, tp(b.Add(3*24*time.Hour+time.Duration(k)*week)))
	}
	for range 3 {
		f.issue("M1", b.Add(-24*time.Hour), nil, nil)
	}
	f.issue("M1", b.Add(-24*time.Hour), tp(msDay(3, 20)), nil) // removed
	for range 3 {
		f.issue("M1", msDay(3, 5), nil, nil) // added
	}

	// M2 "Prototype": released 04-10 (its release date, moved there from
	// 03-31): closed after its original due → done_late, slip 10 days.
	f.milestone("M2", "Prototype", "closed", tp(msDay(3, 1)), tp(eod(4, 10)), tp(eod(4, 10)))
	f.snapshot("M2", "open", msDay(3, 2), tp(eod(3, 31)))
	f.snapshot("M2", "closed", msDay(4, 11), tp(eod(4, 10)))
	f.issue("M2", msDay(3, 2), nil, tp(msDay(4, 1)))
	f.issue("M2", msDay(3, 2), nil, tp(msDay(4, 9)))
	// Tagged with the version after its release, fixed 04-25: in it
	// (closed issues 3), but not added: added stays 2 (the two above,
	// entered the day after the start), so nothing was in it at b.
	f.issue("M2", msDay(4, 20), nil, tp(msDay(4, 25)))

	// M3 "GA launch": open, due 05-15, no start date and no creation time
	// (a Jira version): baseline = first membership event, 05-01. Past due
	// → overdue; slip = now − 05-15 23:59:59 = 16 days + 1 s. Its due was
	// moved to 05-20 and back: two moves, though only two values.
	f.milestone("M3", "GA launch", "open", nil, tp(eod(5, 15)), nil)
	f.snapshot("M3", "open", msDay(5, 1), tp(eod(5, 15)))
	f.snapshot("M3", "open", msDay(5, 8), tp(eod(5, 20)))
	f.snapshot("M3", "open", msDay(5, 9), tp(eod(5, 20)))
	f.snapshot("M3", "open", msDay(5, 16), tp(eod(5, 15)))
	f.snapshot("M3", "open", msDay(5, 31), tp(eod(5, 15)))
	f.issue("M3", msDay(5, 1), nil, nil)

	// 10042 "Beta 2": 60 open, weekly samples [2 .. 9] (window 0 the most
	// recent): with its seed the Monte Carlo gives p50 = 11 and p85 = 13
	// weeks (pinned in forecast.TestForecastSeeded). Due now + 12w (end
	// of day): p50 on time, p85 late → at_risk.
	f.milestone("10042", "Beta 2", "open", tp(msDay(1, 1)), tp(msNow.Add(12*week-time.Second+24*time.Hour)), nil)
	f.snapshot("10042", "open", msDay(5, 31), tp(msNow.Add(12*week-time.Second+24*time.Hour)))
	f.weekly("10042", msDay(1, 2), 2, 3, 4, 5, 6, 7, 8, 9)
	var shared string
	for i := range 60 {
		id := f.issue("10042", msDay(1, 2), nil, nil)
		if i == 0 {
			shared = id
		}
	}

	// M5 "Production rollout": 2 closures a week, 4 open (one of them also
	// in 10042: an issue in two versions at once) → 2 weeks, due in 30
	// days → on_track.
	f.milestone("M5", "Production rollout", "open", tp(msDay(1, 1)), tp(eod(6, 30)), nil)
	f.snapshot("M5", "open", msDay(5, 31), tp(eod(6, 30)))
	f.weekly("M5", msDay(1, 2), 2, 2, 2, 2, 2, 2, 2, 2)
	for range 3 {
		f.issue("M5", msDay(1, 2), nil, nil)
	}
	f.also("M5", shared, msDay(1, 2))

	f.rows = append(f.rows, warehouse.ProjectRow{Key: "platform", Name: "Platform rebuild", Type: "long_term",
		JiraProjects: []string{"PLAT"}, GitHubRepos: []string{}, GitLabProjects: []string{}, ZendeskGroups: []string{}, Version: 1},
		// Mobile has no milestone, only a sprint on a MOB board from 01-15;
		// ops is ongoing support (no expected range).
		warehouse.ProjectRow{Key: "mobile", Name: "Mobile app", Type: "short_term",
			JiraProjects: []string{"MOB"}, GitHubRepos: []string{}, GitLabProjects: []string{}, ZendeskGroups: []string{}, Version: 1},
		warehouse.ProjectRow{Key: "ops", Name: "Operations", Type: "ongoing_support",
			JiraProjects: []string{"OPS"}, GitHubRepos: []string{}, GitLabProjects: []string{}, ZendeskGroups: []string{}, Version: 1},
		warehouse.BoardRow{Source: "jira", BoardID: "B9", Name: "Mobile", Type: "scrum", Project: "MOB", Version: 1},
		warehouse.SprintRow{Source: "jira", SprintID: "S9", BoardID: "B9", Name: "Mobile 1", State: "closed",
			Start: tp(msDay(1, 15)), End: tp(msDay(1, 29)), Complete: tp(msDay(1, 29)), CarryOverGrace: 60, Version: 1})
	byTable := map[string][]warehouse.Row{}
	var tables []string
	for _, r := range f.rows {
		if byTable[r.Table()] == nil {
			tables = append(tables, r.Table())
		}
		byTable[r.Table()] = append(byTable[r.Table()], r)
	}
	for _, tb := range tables {
		if err := warehouse.InsertMixed(ctx, db, byTable[tb]); err != nil {
			t.Fatal(err)
		}
	}
}

func testKinds(t *testing.T) KindRules {
	k, err := NewKindRules([]string{KindPrototype, KindBeta, KindProduction},
		[][]string{{"(?i)proto|poc|mvp"}, {"(?i)beta|pilot"}, {"(?i)prod|ga|launch|release"}})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestMilestoneReports(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seedMilestones(t, db)
		ctx := context.Background()
		got, err := Milestones(ctx, db, MilestoneFilter{Kinds: testKinds(t), Now: msNow})
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]MilestoneReport{}
		var order []string
		for _, r := range got {
			by[r.ID] = r
			order = append(order, r.ID)
		}
		// Due ascending: M2 04-10, M3 05-15, M5 06-30, M1 07-10, 10042 08-24.
		check(t, "order", fmt.Sprint(order), "[M2 M3 M5 M1 10042]")

		m1 := by["M1"]
		check(t, "M1 status", m1.Status, "slipping")
		check(t, "M1 kind, project", m1.Kind+" "+m1.ProjectKey+" "+m1.ProjectName, "beta platform Platform rebuild")
		check(t, "M1 original due", show(m1.OriginalDue), show(eod(6, 15)))
		check(t, "M1 due changes", m1.DueChanges, 2)
		check(t, "M1 scope", fmt.Sprint(m1.InitialScope, m1.Added, m1.Removed, m1.OpenIssues, m1.ClosedIssues), "20 3 1 6 16")
		check(t, "M1 scope change rate", show(m1.ScopeChangeRate), show(0.2))
		check(t, "M1 progress", show(m1.Progress), show(16.0/22))
		check(t, "M1 duration", show(m1.DurationDays), show(112.0))
		check(t, "M1 throughput", show(m1.ThroughputPerWeek), show(1.0))
		check(t, "M1 p50/p85", show(m1.ForecastP50)+" "+show(m1.ForecastP85), show(msDay(7, 13))+" "+show(msDay(7, 13)))
		// p85 − due = 2 days + 1 s; one second is one 1/65536-day unit.
		unit := 1.0 / 65536
		check(t, "M1 forecast slip", show(m1.ForecastSlipDays), show(2+unit))
		// p85 − original due = 27 days + 1 s = scope 7·2/1 = 14 + throughput
		// 7·(6/1 − 6/1) = 0 + plan 13 days + 1 s; the due absorbed 25.
		check(t, "M1 attribution", show(m1.SlipFromScope)+" "+show(m1.SlipFromThrough)+" "+show(m1.SlipFromPlan)+" "+show(m1.DueMovedDays),
			show(14.0)+" "+show(0.0)+" "+show(13+unit)+" "+show(25.0))
		check(t, "M1 slip days (open, not overdue)", m1.SlipDays == nil, true)

		m2 := by["M2"]
		check(t, "M2", m2.Status+" "+m2.Kind+" "+show(m2.Closed)+" "+show(m2.SlipDays), "done_late prototype "+show(eod(4, 10))+" "+show(10.0))
		check(t, "M2 due changes, forecast", fmt.Sprint(m2.DueChanges, m2.ForecastP85 == nil), "1 true")
		check(t, "M2 scope (an entry after the release is no scope change)",
			fmt.Sprint(m2.InitialScope, m2.Added, m2.Removed, m2.ClosedIssues)+" "+show(m2.ScopeChangeRate), "0 2 0 3 null")

		m3 := by["M3"]
		check(t, "M3", m3.Status+" "+m3.Kind+" "+show(m3.Start)+" "+show(m3.SlipDays)+" "+show(m3.DurationDays),
			"overdue production "+show(msDay(5, 1))+" "+show(16+unit)+" "+show(31.0))
		check(t, "M3 due changes, original due", fmt.Sprint(m3.DueChanges)+" "+show(m3.OriginalDue), "2 "+show(eod(5, 15)))

		b2 := by["10042"]
		check(t, "10042", b2.Status+" "+show(b2.ForecastP50)+" "+show(b2.ForecastP85),
			"at_risk "+show(msNow.Add(11*week))+" "+show(msNow.Add(13*week)))
		check(t, "10042 open", b2.OpenIssues, int64(60))

		m5 := by["M5"]
		check(t, "M5", m5.Status+" "+show(m5.ForecastP85)+" "+fmt.Sprint(m5.OpenIssues), "on_track "+show(msNow.Add(2*week))+" 4")

		// Filters: status, kind, state, project (upstream or Runway key).
		for _, tc := range []struct {
			f    MilestoneFilter
			want string
		}{
			{MilestoneFilter{Status: "slipping"}, "[M1]"},
			{MilestoneFilter{Kind: "beta"}, "[M1 10042]"},
			{MilestoneFilter{State: "closed"}, "[M2]"},
			{MilestoneFilter{Project: "platform", Limit: 2}, "[M2 M3]"},
			{MilestoneFilter{Project: "PLAT", After: &MilestoneKey{Due: tp(eod(5, 15)), Source: "jira", ID: "M3"}, Limit: 2}, "[M5 M1]"},
			{MilestoneFilter{Project: "OTHER"}, "[]"},
		} {
			tc.f.Kinds, tc.f.Now = testKinds(t), msNow
			rs, err := Milestones(ctx, db, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{}
			for _, r := range rs {
				ids = append(ids, r.ID)
			}
			check(t, fmt.Sprintf("filter %+v", tc.f), fmt.Sprint(ids), tc.want)
		}

		d, err := Milestone(ctx, db, "jira", "M1", testKinds(t), msNow)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "M1 due history", fmt.Sprint(len(d.DueHistory)), "3")
		check(t, "M1 due history", show(d.DueHistory), show([]DueChange{
			{Due: tp(eod(6, 15)), FirstSeen: msDay(2, 11)}, {Due: tp(eod(6, 30)), FirstSeen: msDay(4, 1)},
			{Due: tp(eod(7, 10)), FirstSeen: msDay(5, 1)}}))
		d3, err := Milestone(ctx, db, "jira", "M3", testKinds(t), msNow)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "M3 due history (there and back)", show(d3.DueHistory), show([]DueChange{
			{Due: tp(eod(5, 15)), FirstSeen: msDay(5, 1)}, {Due: tp(eod(5, 20)), FirstSeen: msDay(5, 8)},
			{Due: tp(eod(5, 15)), FirstSeen: msDay(5, 16)}}))
		// 23 issues entered, one left.
		check(t, "M1 events", len(d.Events), 24)
		check(t, "M1 last event", d.Events[len(d.Events)-1].Action+" "+show(d.Events[len(d.Events)-1].At), "removed "+show(msDay(3, 20)))
		if _, err := Milestone(ctx, db, "jira", "nope", testKinds(t), msNow); err == nil {
			t.Error("want ErrNotFound")
		}
		// An issue deleted upstream (tombstoned) has no event any more.
		gone, of := d.Events[0].IssueID, 0
		for _, e := range d.Events {
			if e.IssueID == gone {
				of++
			}
		}
		if err := warehouse.InsertMixed(ctx, db, []warehouse.Row{warehouse.IssueRow{Source: "jira", IssueID: gone,
			Created: msNow, Updated: msNow, SprintIDs: []string{}, MilestoneIDs: []string{}, Labels: []string{},
			Version: 1 << 40, Deleted: 1}}); err != nil {
			t.Fatal(err)
		}
		d, err = Milestone(ctx, db, "jira", "M1", testKinds(t), msNow)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "M1 events without the tombstoned issue", len(d.Events), 24-of)
		for _, e := range d.Events {
			if e.IssueID == gone {
				t.Errorf("tombstoned issue %s still has event %+v", gone, e)
			}
		}
	})
}

func check[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// TestProjectReports: platform (long term) starts with its earliest
// milestone baseline, 01-01; it has open milestones, so it ends with its
// latest forecast, 10042's p85 = now + 13 weeks = 08-31: 243 days, outside
// 365–730. Mobile (short term) spans its only sprint's start 01-15 to now,
// 138 days, inside 90–183. Ops has no range.
func TestProjectReports(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seedMilestones(t, db)
		got, err := Projects(context.Background(), db, testKinds(t), msNow)
		if err != nil {
			t.Fatal(err)
		}
		want := []ProjectReport{
			{Key: "mobile", Name: "Mobile app", Type: "short_term", Start: tp(msDay(1, 15)), DurationDays: ptrF(138),
				ExpectedMinDays: ptrF(90), ExpectedMaxDays: ptrF(183), WithinExpected: new(true), Milestones: map[string]int{}},
			{Key: "ops", Name: "Operations", Type: "ongoing_support", Milestones: map[string]int{}},
			{Key: "platform", Name: "Platform rebuild", Type: "long_term", Start: tp(msDay(1, 1)),
				ForecastEnd: tp(msNow.Add(13 * week)), DurationDays: ptrF(152), ExpectedMinDays: ptrF(365),
				ExpectedMaxDays: ptrF(730), WithinExpected: new(false),
				Milestones: map[string]int{"slipping": 1, "done_late": 1, "overdue": 1, "at_risk": 1, "on_track": 1}},
		}
		check(t, "projects", show(got), show(want))
	})
}

// TestMilestoneRollups, on the fixture: durations are closed (or now)
// minus the baseline; by kind, beta holds M1 (112 days) and 10042 (152),
// production M3 (31) and M5 (152). Scope change by project sums the
// initial scopes at baseline (M1 20, M3 1, the others 0: their issues came
// after their start dates), the additions (M1 3, M2 2, 10042 104, M5 20)
// and the removals (M1 1).
func TestMilestoneRollups(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seedMilestones(t, db)
		ctx := context.Background()
		got, err := Durations(ctx, db, DurationFilter{Entity: EntityMilestone, GroupBy: GroupByKind, Kinds: testKinds(t), Now: msNow})
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]DurationGroup{}
		for _, g := range got {
			by[g.Group] = g
		}
		check(t, "beta", show(by["beta"]), show(DurationGroup{Group: "beta", Count: 2, MeanDays: 132, P50Days: 132, P90Days: 148, MaxDays: 152}))
		check(t, "production", show(by["production"]), show(DurationGroup{Group: "production", Count: 2, MeanDays: 91.5, P50Days: 91.5, P90Days: 31 + 121*0.9, MaxDays: 152}))
		check(t, "groups", len(got), 3) // beta, production, prototype

		ps, err := Durations(ctx, db, DurationFilter{Entity: EntityProject, GroupBy: GroupByType, Kinds: testKinds(t), Now: msNow})
		if err != nil {
			t.Fatal(err)
		}
		check(t, "project durations", show(ps), show([]DurationGroup{
			{Group: "long_term", Count: 1, MeanDays: 152, P50Days: 152, P90Days: 152, MaxDays: 152},
			{Group: "short_term", Count: 1, MeanDays: 138, P50Days: 138, P90Days: 138, MaxDays: 138},
		}))

		sc, err := ScopeChange(ctx, db, ScopeChangeFilter{Entity: EntityMilestone, Kinds: testKinds(t), Now: msNow})
		if err != nil {
			t.Fatal(err)
		}
		check(t, "scope change", show(sc), show([]ScopeChangeGroup{{Group: "platform", Name: "Platform rebuild",
			Milestones: 5, Committed: 21, Added: 129, Removed: 1, ScopeChangeRate: ptrF(130.0 / 21)}}))
		if _, err := ScopeChange(ctx, db, ScopeChangeFilter{Entity: EntityMilestone, GroupBy: GroupByBoard, Now: msNow}); err == nil {
			t.Error("group_by board for milestones: want an error")
		}
	})
}

// TestForecastAccuracy backtests a hand-written closed milestone, M6
// "Pilot rollout" (kind beta; start 03-01, closed 04-24 23:59:59). Its 12
// issues were resolved at 03-26 23:59:59 − 7k days (k = 0..7) and at 12:00
// on 04-03, 04-10, 04-17 and 04-24. As of 4 weeks before the close
// (03-27 23:59:59) its own 8 weekly samples are all 1 and 4 issues are
// open: 4 weeks, p50 = p85 = 04-24 23:59:59, exactly the close: held, error
// 0. As of 2 weeks before (04-10 23:59:59) the samples are all 1 again and
// 2 are open: 2 weeks, the close again: held. 8 weeks before (02-28) is
// before its start: no forecast, left out. The beta group's other
// milestones are open, so it backtests M6 alone.
func TestForecastAccuracy(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seedMilestones(t, db)
		ctx := context.Background()
		var f msFixture
		f.n = 900
		f.milestone("M6", "Pilot rollout", "closed", tp(msDay(3, 1)), tp(eod(4, 24)), tp(eod(4, 24)))
		f.snapshot("M6", "closed", msDay(4, 25), tp(eod(4, 24)))
		for k := range 8 {
			f.issue("M6", msDay(1, 2), nil, tp(eod(3, 26).Add(-time.Duration(k)*7*24*time.Hour)))
		}
		for _, d := range []int{3, 10, 17, 24} {
			f.issue("M6", msDay(1, 2), nil, tp(msDay(4, d).Add(12*time.Hour)))
		}
		for _, r := range f.rows {
			if err := warehouse.InsertMixed(ctx, db, []warehouse.Row{r}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := ForecastAccuracy(ctx, db, AccuracyFilter{GroupBy: GroupByKind, Kinds: testKinds(t), Now: msNow})
		if err != nil {
			t.Fatal(err)
		}
		var beta *AccuracyGroup
		for i := range got {
			if got[i].Group == "beta" {
				beta = &got[i]
			}
		}
		if beta == nil {
			t.Fatalf("no beta group in %s", show(got))
		}
		one := ptrF(1)
		check(t, "beta accuracy", show(beta), show(AccuracyGroup{Group: "beta", Accuracy: forecastAccuracy(1,
			one, one, one, one, nil, nil, ptrF(0))}))
		// The window is on the close date: M6 closed before May.
		got, err = ForecastAccuracy(ctx, db, AccuracyFilter{GroupBy: GroupByKind, From: tp(msDay(5, 1)), Kinds: testKinds(t), Now: msNow})
		if err != nil {
			t.Fatal(err)
		}
		check(t, "from May", show(got), "[]")
	})
}

// forecastAccuracy builds the expected shares: held at 2, 4 and 8 weeks
// (p50, p85 each) and the mean 4-week error.
func forecastAccuracy(milestones int, p50At2, p85At2, p50At4, p85At4, p50At8, p85At8, meanErr4 *float64) forecast.Accuracy {
	return forecast.Accuracy{Milestones: milestones,
		HeldP50At2Week: p50At2, HeldP85At2Week: p85At2,
		HeldP50At4Week: p50At4, HeldP85At4Week: p85At4,
		HeldP50At8Week: p50At8, HeldP85At8Week: p85At8,
		MeanErrorDaysAt4Week: meanErr4}
}
