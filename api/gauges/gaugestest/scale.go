package gaugestest

import (
	"context"
	"fmt"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// ScaleSource is the source of SeedScale's rows: apart from the fixtures'.
const ScaleSource = "scale-jira"

// SeedScale writes a large org under ScaleSource, for tests that check a
// cost does not grow with the number of boards or milestones, and for
// benchmarks. Laid out relative to Now (the sprint fixture's clock), the
// same for every call with the same sizes:
//
//   - boards boards, one per upstream project "S<b>", each with 4 closed
//     two-week sprints and an active one, 10 issues committed to each, 2 of
//     them done by the sprint's end;
//   - milestones open milestones spread over the boards' projects, each
//     with 20 issues in it from its start 12 weeks before Now, one done a
//     week for the last 8 weeks, and a snapshot of its due date 4 and 2
//     weeks ago (moved once);
//   - a Runway project per 10 upstream projects.
func SeedScale(ctx context.Context, db warehouse.DB, boards, milestones int) error {
	const week = 7 * 24 * time.Hour
	var (
		boardRows     []warehouse.BoardRow
		sprintRows    []warehouse.SprintRow
		issueRows     []warehouse.IssueRow
		intervalRows  []warehouse.MembershipIntervalRow
		msRows        []warehouse.MilestoneRow
		snapshotRows  []warehouse.MilestoneSnapshotRow
		projectRows   []warehouse.ProjectRow
		statusChanges []warehouse.StatusChangeRow
	)
	issue := func(project, id string, created time.Time, resolved *time.Time, sprints, ms []string) {
		cat, updated := "indeterminate", created
		if resolved != nil {
			cat, updated = "done", *resolved
			statusChanges = append(statusChanges, warehouse.StatusChangeRow{Source: ScaleSource, IssueID: id,
				EventID: "done-" + id, At: *resolved, ToStatus: "Done", ToCategory: "done", Version: 1})
		}
		issueRows = append(issueRows, warehouse.IssueRow{Source: ScaleSource, IssueID: id, Key: project + "-" + id,
			Project: project, Type: "Story", StatusCategory: cat, Created: created, Updated: updated, Resolved: resolved,
			SprintIDs: sprints, MilestoneIDs: ms, Labels: []string{}, Version: 1})
	}
	for b := range boards {
		project, board := fmt.Sprintf("S%d", b), fmt.Sprintf("%d", 1000+b)
		boardRows = append(boardRows, warehouse.BoardRow{Source: ScaleSource, BoardID: board, Name: "Team " + board,
			Type: "scrum", Project: project, Version: 1})
		for s := range 5 {
			start := Now.Add(time.Duration(s-4) * 2 * week)
			end := start.Add(2 * week)
			id := fmt.Sprintf("%s-%d", board, s)
			row := warehouse.SprintRow{Source: ScaleSource, SprintID: id, BoardID: board, Name: "Sprint " + id,
				State: "closed", Start: tp(start), End: tp(end), Complete: tp(end), CarryOverGrace: 60, Version: 1}
			if s == 4 {
				row.State, row.Complete = "active", nil
			}
			sprintRows = append(sprintRows, row)
			for i := range 10 {
				iid := fmt.Sprintf("%s-i%d", id, i)
				var resolved *time.Time
				if i < 2 {
					resolved = tp(start.Add(time.Duration(i+1) * 24 * time.Hour))
				}
				issue(project, iid, start.Add(-time.Hour), resolved, []string{id}, []string{})
				intervalRows = append(intervalRows, warehouse.MembershipIntervalRow{Source: ScaleSource, Kind: "sprint",
					ContainerID: id, IssueID: iid, Entered: start.Add(-time.Hour), Version: 1})
			}
		}
		if b%10 == 0 {
			var matches []string
			for p := b; p < min(b+10, boards); p++ {
				matches = append(matches, fmt.Sprintf("S%d", p))
			}
			projectRows = append(projectRows, warehouse.ProjectRow{Key: fmt.Sprintf("scale-%d", b/10),
				Name: fmt.Sprintf("Scale %d", b/10), Type: []string{"short_term", "long_term", "ongoing_support"}[b/10%3],
				JiraProjects: matches, GitHubRepos: []string{}, GitLabProjects: []string{}, ZendeskGroups: []string{}, Version: 1})
		}
	}
	for m := range milestones {
		project := fmt.Sprintf("S%d", m%max(boards, 1))
		id := fmt.Sprintf("%d", 100000+m)
		start := Now.Add(-12 * week)
		due := Now.Add(time.Duration(m%10) * week)
		msRows = append(msRows, warehouse.MilestoneRow{Source: ScaleSource, MilestoneID: id, Project: project,
			Title: fmt.Sprintf("Release %d", m), State: "open", Created: time.Unix(0, 0).UTC(), Start: tp(start),
			Due: tp(due), Version: 1})
		snapshotRows = append(snapshotRows,
			warehouse.MilestoneSnapshotRow{Source: ScaleSource, MilestoneID: id, Observed: Now.Add(-4 * week),
				RunID: "r1", State: "open", Due: tp(due.Add(-week)), Version: 1},
			warehouse.MilestoneSnapshotRow{Source: ScaleSource, MilestoneID: id, Observed: Now.Add(-2 * week),
				RunID: "r2", State: "open", Due: tp(due), Version: 1})
		for i := range 20 {
			iid := fmt.Sprintf("m%s-%d", id, i)
			var resolved *time.Time
			if i < 8 {
				resolved = tp(Now.Add(-time.Duration(i)*week - 24*time.Hour))
			}
			issue(project, iid, start.Add(-time.Hour), resolved, []string{}, []string{id})
			intervalRows = append(intervalRows, warehouse.MembershipIntervalRow{Source: ScaleSource, Kind: "milestone",
				ContainerID: id, IssueID: iid, Entered: start.Add(-time.Hour), Version: 1})
		}
	}
	for _, insert := range []func() error{
		func() error { return insertBatches(ctx, db, boardRows) },
		func() error { return insertBatches(ctx, db, sprintRows) },
		func() error { return insertBatches(ctx, db, issueRows) },
		func() error { return insertBatches(ctx, db, statusChanges) },
		func() error { return insertBatches(ctx, db, intervalRows) },
		func() error { return insertBatches(ctx, db, msRows) },
		func() error { return insertBatches(ctx, db, snapshotRows) },
		func() error { return insertBatches(ctx, db, projectRows) },
	} {
		if err := insert(); err != nil {
			return err
		}
	}
	return nil
}

// insertBatches writes rows in batches of 50,000.
func insertBatches[T warehouse.Row](ctx context.Context, db warehouse.DB, rows []T) error {
	const batch = 50_000
	for len(rows) > 0 {
		n := min(batch, len(rows))
		if err := warehouse.InsertRows(ctx, db, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}
