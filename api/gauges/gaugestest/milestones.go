package gaugestest

import (
	"context"
	"fmt"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// The milestone fixture, worked out by hand, shared by the milestone API
// tests, the gauges' golden test and the live Prometheus test. The clock
// is pinned at MilestonesNow = 2024-06-01 00:00 UTC and every time is a 2024 midnight, so every
// day value is whole. Two sources: "jira" (upstream projects PLAT and OPS)
// and "gitlab" (mobile/app and tools/cli). Runway projects: platform
// (long_term, PLAT), ops (ongoing_support, OPS), mobile (short_term,
// mobile/app) and data (long_term, matching nothing); tools/cli belongs to
// none.
//
//	milestone  title               state     start  due    status       kind
//	jira/M4    Old pilot           archived  -      03-15  no_forecast  beta
//	jira/M2    Prototype           closed    03-01  04-10  done_late    prototype
//	gitlab/5   v1.0                closed    01-15  05-15  done         other
//	jira/M3    GA launch           open      05-01  05-15  overdue      production
//	jira/M1    Beta 1              open      02-10  06-22  slipping     beta
//	jira/M5    Production rollout  open      01-01  06-30  on_track     production
//	gitlab/10  Ideas               open      -      -      no_due_date  other
//	gitlab/9   Backlog             open      -      -      no_due_date  other
//
// in list order: due ascending, no due date last, then source and id
// compared as strings (gitlab/5 before jira/M3 on 05-15, "10" before "9").
// jira/M9 is tombstoned: never listed, a 404.
//
// M1 (baseline b = 02-10, 16 weeks before now): 20 issues in it at b, of
// which 16 are resolved one a week at b+3d+7k (k = 0..15) and 2 leave on
// 03-20 not done; 2 more are added on 03-05. In it now 16 done and 4 open:
// initial 20, added 2, removed 2, rate 4/20 = 0.2, progress 16/20 = 0.8,
// duration 112. Eight of the closures fall one in each of the trailing 8
// weeks (current throughput 1/week) and eight in the first half (b, b+8w]
// (first-half throughput 1/week too), so every Monte Carlo trial takes 4
// weeks: p50 = p85 = 06-29. Due moved 06-08 → 06-22 (two due values seen:
// one change): p50 after the due → slipping, forecast slip 7 days. Slip
// against the original due, 21 days = scope 7·(2−2)/1 = 0 + throughput
// 7·(4/1 − 4/1) = 0 + plan 21; the due absorbed 14.
//
// M5 (b = 01-01): 20 issues in it at b, 16 resolved two a week in the
// trailing 8 weeks, 4 open: 2 weeks, p50 = p85 = 06-15, due 06-30 →
// on_track, forecast slip −15; no closure in its first half (b, 03-17], so
// the throughput part is 0 and plan takes all of −15.
//
// M2 (b = 03-01, closed 04-10, its release date, moved there from 03-31):
// J1 and J2 in it at b, done 04-01 and 04-09; J3 added 03-05 and removed
// 03-20; J4 was deleted upstream and counts nowhere. Closed after the
// original due → done_late, slip 10 days; duration 40; rate (1+1)/2 = 1.
//
// M3 has no start date and no creation time (a Jira version): b is its
// first membership event, 05-01; one open issue, and neither it nor its
// project OPS closed anything: throughput 0, no forecast. Past its due →
// overdue, slip = now − 05-15 = 17 days; duration 31.
//
// gitlab/5 (b = 01-15): two issues in it at b, done; closed 05-10, before
// its due 05-15 → done, slip −5, duration 116. gitlab/10 and gitlab/9 hold
// no issue: nothing remains, so the forecast is now, and without a due
// date both are no_due_date; gitlab/10 was seen due 06-30, then with its
// due date removed (one change, original due 06-30).
// MilestonesNow is the milestone fixture's clock.
var MilestonesNow = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

var msNow = MilestonesNow

func md(month, day int) time.Time {
	return time.Date(2024, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

const msWeek = 7 * 24 * time.Hour

// msSeed collects the fixture's rows.
type msSeed struct{ rows []warehouse.Row }

// issue adds an issue of src/project to milestone ms, entered at entered
// (until exited, nil: still in it), done at resolved (nil: open).
func (f *msSeed) issue(src, project, ms, id, key string, entered time.Time, exited, resolved *time.Time, deleted bool) {
	cat, updated := "indeterminate", msNow.Add(-time.Hour)
	if resolved != nil {
		cat, updated = "done", *resolved
	}
	var del uint8
	if deleted {
		del = 1
	}
	f.rows = append(f.rows,
		warehouse.IssueRow{Source: src, IssueID: id, Key: key, Project: project, Type: "Story", StatusCategory: cat,
			Created: entered.Add(-time.Hour), Updated: updated, Resolved: resolved, SprintIDs: []string{},
			MilestoneIDs: []string{ms}, Labels: []string{}, Version: 1, Deleted: del},
		warehouse.MembershipIntervalRow{Source: src, Kind: "milestone", ContainerID: ms, IssueID: id,
			Entered: entered, Exited: exited, Version: 1},
		warehouse.MembershipEventRow{Source: src, Kind: "milestone", ContainerID: ms, IssueID: id,
			EventID: "add-" + id, At: entered, Action: "added", Version: 1})
	if exited != nil {
		f.rows = append(f.rows, warehouse.MembershipEventRow{Source: src, Kind: "milestone", ContainerID: ms,
			IssueID: id, EventID: "rm-" + id, At: *exited, Action: "removed", Version: 1})
	}
}

// many adds n issues of jira/PLAT named prefix1..prefixn.
func (f *msSeed) many(ms, prefix string, n int, entered time.Time, exited *time.Time, resolved func(i int) *time.Time) {
	for i := range n {
		id := fmt.Sprintf("%s%d", prefix, i+1)
		f.issue("jira", "PLAT", ms, id, "PLAT-"+id, entered, exited, resolved(i), false)
	}
}

func (f *msSeed) milestone(src, id, project, title, state string, start, due, closed *time.Time) *warehouse.MilestoneRow {
	r := &warehouse.MilestoneRow{Source: src, MilestoneID: id, Project: project, Title: title, State: state,
		Created: time.Unix(0, 0).UTC(), Start: start, Due: due, Closed: closed, Version: 1}
	f.rows = append(f.rows, r)
	return r
}

func (f *msSeed) snapshot(src, id, state string, observed time.Time, due *time.Time) {
	f.rows = append(f.rows, warehouse.MilestoneSnapshotRow{Source: src, MilestoneID: id, Observed: observed,
		RunID: "run-" + observed.Format("0102"), State: state, Due: due, Version: 1})
}

// notDone is the resolved time of an open issue.
func notDone(int) *time.Time { return nil }

// SeedMilestones writes the milestone fixture into db, whose schema must be
// migrated.
func SeedMilestones(ctx context.Context, db warehouse.DB) error {
	var f msSeed

	b1 := md(2, 10)
	f.milestone("jira", "M1", "PLAT", "Beta 1", "open", tp(b1), tp(md(6, 22)), nil).URL =
		"https://jira.example/projects/PLAT/versions/M1"
	f.snapshot("jira", "M1", "open", md(2, 11), tp(md(6, 8)))
	f.snapshot("jira", "M1", "open", md(4, 1), tp(md(6, 22)))
	f.snapshot("jira", "M1", "open", md(5, 31), tp(md(6, 22)))
	f.many("M1", "A", 16, b1.Add(-24*time.Hour), nil, func(k int) *time.Time {
		return tp(b1.Add(3*24*time.Hour + time.Duration(k)*msWeek))
	})
	f.many("M1", "B", 2, b1.Add(-24*time.Hour), nil, notDone)
	f.many("M1", "C", 2, md(3, 5), nil, notDone)                        // added
	f.many("M1", "D", 2, b1.Add(-24*time.Hour), tp(md(3, 20)), notDone) // removed

	f.milestone("jira", "M5", "PLAT", "Production rollout", "open", tp(md(1, 1)), tp(md(6, 30)), nil)
	f.snapshot("jira", "M5", "open", md(5, 31), tp(md(6, 30)))
	f.many("M5", "E", 16, time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC), nil, func(i int) *time.Time {
		return tp(msNow.Add(-24*time.Hour - time.Duration(i/2)*msWeek))
	})
	f.many("M5", "F", 4, time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC), nil, notDone)

	f.milestone("jira", "M2", "PLAT", "Prototype", "closed", tp(md(3, 1)), tp(md(4, 10)), tp(md(4, 10)))
	f.snapshot("jira", "M2", "open", md(3, 2), tp(md(3, 31)))
	f.snapshot("jira", "M2", "closed", md(4, 11), tp(md(4, 10)))
	f.issue("jira", "PLAT", "M2", "J1", "PLAT-201", md(2, 28), nil, tp(md(4, 1)), false)
	f.issue("jira", "PLAT", "M2", "J2", "PLAT-202", md(2, 28), nil, tp(md(4, 9)), false)
	f.issue("jira", "PLAT", "M2", "J3", "PLAT-203", md(3, 5), tp(md(3, 20)), nil, false)
	f.issue("jira", "PLAT", "M2", "J4", "PLAT-204", md(2, 28), nil, nil, true) // deleted upstream

	f.milestone("jira", "M3", "OPS", "GA launch", "open", nil, tp(md(5, 15)), nil)
	f.snapshot("jira", "M3", "open", md(5, 1), tp(md(5, 15)))
	f.issue("jira", "OPS", "M3", "K1", "OPS-1", md(5, 1), nil, nil, false)

	f.milestone("jira", "M4", "PLAT", "Old pilot", "open", nil, tp(md(3, 15)), nil).Archived = 1
	f.milestone("jira", "M9", "PLAT", "Gone", "open", nil, tp(md(3, 1)), nil).Deleted = 1

	f.milestone("gitlab", "5", "mobile/app", "v1.0", "closed", tp(md(1, 15)), tp(md(5, 15)), tp(md(5, 10)))
	f.snapshot("gitlab", "5", "open", md(1, 16), tp(md(5, 15)))
	f.issue("gitlab", "mobile/app", "5", "101", "mobile/app#1", md(1, 14), nil, tp(md(5, 1)), false)
	f.issue("gitlab", "mobile/app", "5", "102", "mobile/app#2", md(1, 14), nil, tp(md(5, 9)), false)

	f.milestone("gitlab", "10", "tools/cli", "Ideas", "open", nil, nil, nil)
	f.snapshot("gitlab", "10", "open", md(5, 1), tp(md(6, 30)))
	f.snapshot("gitlab", "10", "open", md(5, 20), nil) // due date removed
	f.milestone("gitlab", "9", "tools/cli", "Backlog", "open", nil, nil, nil)

	project := func(key, name, typ string, jira, gitlab []string) warehouse.ProjectRow {
		return warehouse.ProjectRow{Key: key, Name: name, Type: typ, JiraProjects: jira, GitHubRepos: []string{},
			GitLabProjects: gitlab, ZendeskGroups: []string{}, Version: 1}
	}
	f.rows = append(f.rows,
		project("platform", "Platform rebuild", "long_term", []string{"PLAT"}, []string{}),
		project("ops", "Operations", "ongoing_support", []string{"OPS"}, []string{}),
		project("mobile", "Mobile app", "short_term", []string{}, []string{"mobile/app"}),
		project("data", "Data platform", "long_term", []string{}, []string{}),
		// mobile's first sprint started 01-08, before its milestone's baseline.
		warehouse.BoardRow{Source: "gitlab", BoardID: "G1", Name: "Mobile", Type: "scrum", Project: "mobile/app", Version: 1},
		warehouse.SprintRow{Source: "gitlab", SprintID: "G1-1", BoardID: "G1", Name: "Mobile 1", State: "closed",
			Start: tp(md(1, 8)), End: tp(md(1, 22)), Complete: tp(md(1, 22)), CarryOverGrace: 60, Version: 1})

	byTable := map[string][]warehouse.Row{}
	var tables []string
	for _, r := range f.rows {
		if m, ok := r.(*warehouse.MilestoneRow); ok {
			r = *m
		}
		if byTable[r.Table()] == nil {
			tables = append(tables, r.Table())
		}
		byTable[r.Table()] = append(byTable[r.Table()], r)
	}
	for _, tb := range tables {
		if err := warehouse.InsertMixed(ctx, db, byTable[tb]); err != nil {
			return err
		}
	}
	return nil
}
