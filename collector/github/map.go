package github

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/membership"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// mapper turns GitHub payloads into warehouse rows for one run.
type mapper struct {
	source  string
	now     time.Time
	version uint64
}

func newMapper(source string, now time.Time) *mapper {
	return &mapper{source: source, now: now, version: uint64(now.UnixNano())}
}

// dueDay reads due_on as the day it names: GitHub keeps a day and returns
// it at 07:00 or 08:00 UTC (midnight Pacific), so its UTC date is the day,
// and the due date is the end of that day (anything closed on it is on
// time), as for Jira.
func dueDay(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := time.Date(t.UTC().Year(), t.UTC().Month(), t.UTC().Day(), 23, 59, 59, 0, time.UTC)
	return &d
}

// milestoneRows maps a milestone of repo into its row and this run's
// snapshot. GitHub milestones have no start date: the baseline is their
// creation (DESIGN §5). The issue counts are left at 0: GitHub's count
// pull requests too, and reports count issues from the membership.
func (m *mapper) milestoneRows(ms milestone, repo string) (warehouse.MilestoneRow, warehouse.MilestoneSnapshotRow) {
	state := warehouse.MilestoneOpen
	var closed *time.Time
	if ms.State == "closed" {
		state = warehouse.MilestoneClosed
		if ms.ClosedAt != nil {
			c := ms.ClosedAt.UTC()
			closed = &c
		}
	}
	due := dueDay(ms.DueOn)
	id := strconv.FormatInt(ms.ID, 10)
	row := warehouse.MilestoneRow{Source: m.source, MilestoneID: id, Project: repo, Title: ms.Title, State: state,
		URL: ms.HTMLURL, Created: ms.CreatedAt.UTC(), Due: due, Closed: closed, Version: m.version}
	snap := warehouse.MilestoneSnapshotRow{Source: m.source, MilestoneID: id, Observed: m.now.Truncate(time.Second),
		RunID: m.now.Format(time.RFC3339Nano), State: state, Due: due, Version: m.version}
	return row, snap
}

// issueRows are the rows of one issue.
type issueRows struct {
	issue     warehouse.IssueRow
	events    []warehouse.MembershipEventRow
	intervals []warehouse.MembershipIntervalRow
	// unresolved counts milestone events whose title matched no milestone
	// the runs have seen (renamed before Runway first looked).
	unresolved int
}

func (r issueRows) all() []warehouse.Row {
	out := make([]warehouse.Row, 0, 1+len(r.events)+len(r.intervals))
	out = append(out, r.issue)
	for _, e := range r.events {
		out = append(out, e)
	}
	for _, iv := range r.intervals {
		out = append(out, iv)
	}
	return out
}

// issue maps an issue of repo and its events. Membership in milestones is
// replayed from the milestoned/demilestoned events (resolved to ids by
// titles); the milestone an issue was created in leaves no event, so its
// initial membership is the current one with every change undone, as for
// Jira (membership.Before). Closed is done: reopened and closed events
// give when, for done-at-leaving.
func (m *mapper) issue(is issue, repo string, evs []event, titles titleLog) issueRows {
	id := strconv.FormatInt(is.ID, 10)
	var current []string
	if is.Milestone != nil && is.Milestone.ID != 0 {
		current = []string{strconv.FormatInt(is.Milestone.ID, 10)}
	}
	evs = slices.Clone(evs)
	slices.SortStableFunc(evs, func(a, b event) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	var out issueRows
	var changes []membership.Change
	var closes []stateChange
	for _, e := range evs {
		at := e.CreatedAt.UTC()
		switch e.Event {
		case "milestoned", "demilestoned":
			if e.Milestone == nil {
				continue
			}
			ms, ok := titles.resolve(e.Milestone.Title, at)
			if !ok {
				out.unresolved++
				continue
			}
			ch := membership.Change{At: at, EventID: strconv.FormatInt(e.ID, 10), Actor: e.Actor.login()}
			if e.Event == "milestoned" {
				ch.Added = []string{ms}
			} else {
				ch.Removed = []string{ms}
			}
			changes = append(changes, ch)
		case "closed", "reopened":
			closes = append(closes, stateChange{at: at, closed: e.Event == "closed"})
		}
	}
	closedNow := is.State == "closed"
	doneAt := func(t time.Time) bool {
		done := false
		if len(closes) > 0 {
			done = !closes[0].closed // the state before the first change
		} else {
			done = closedNow && is.ClosedAt != nil && !t.Before(*is.ClosedAt)
		}
		for _, c := range closes {
			if !c.at.After(t) {
				done = c.closed
			}
		}
		return done
	}
	initial := membership.Before(current, changes)
	events, stays := membership.Replay(membership.History{Created: is.CreatedAt.UTC(), Initial: initial,
		Changes: changes, DoneAt: doneAt})
	out.events, out.intervals = membership.Rows(m.source, warehouse.ContainerMilestone, id, m.version, events, stays, nil)

	category, status := warehouse.CategoryNew, "open"
	var resolved *time.Time
	if closedNow {
		category, status = warehouse.CategoryDone, "closed"
		if is.ClosedAt != nil {
			r := is.ClosedAt.UTC()
			resolved = &r
		}
	}
	labels := make([]string, 0, len(is.Labels))
	for _, l := range is.Labels {
		labels = append(labels, l.Name)
	}
	if current == nil {
		current = []string{}
	}
	out.issue = warehouse.IssueRow{Source: m.source, IssueID: id, Key: repo + "#" + strconv.FormatInt(is.Number, 10),
		Project: repo, Type: "issue", Summary: is.Title, Status: status, StatusCategory: category,
		Assignee: is.Assignee.login(), Created: is.CreatedAt.UTC(), Updated: is.UpdatedAt.UTC(), Resolved: resolved,
		SprintIDs: []string{}, MilestoneIDs: current, Labels: labels, Version: m.version}
	return out
}

type stateChange struct {
	at     time.Time
	closed bool
}

func (u *user) login() string {
	if u == nil {
		return ""
	}
	return strings.TrimSpace(u.Login)
}
