package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// The bench org: the rows a large Jira org and Zendesk desk leave in the
// warehouse, generated board by board (and ticket batch by ticket batch)
// so that memory stays bounded whatever the scale. Shapes follow what the
// collectors write (membership intervals and events, status changes,
// milestone snapshots, tickets with metric events); the numbers follow the
// issue's default scale at 1.0.

// Sources of the bench org's rows.
const (
	benchJira    = "bench-jira"
	benchZendesk = "bench-zendesk"
)

// benchSize is what a scale makes.
type benchSize struct {
	Boards, SprintsPerBoard, IssuesPerBoard, MilestonesPerBoard, Tickets int
}

// sizeAt scales the default org: 200 boards of 5 years of two-week
// sprints, 2,000,000 issues, 20,000 milestones, 1,000,000 tickets. Years
// stay five at every scale; boards, issues, milestones and tickets shrink
// (at least one board, 10 issues and 2 milestones each, 100 tickets).
func sizeAt(scale float64) benchSize {
	n := func(full, least int) int { return max(least, int(math.Round(float64(full)*scale))) }
	boards := n(200, 1)
	return benchSize{
		Boards:             boards,
		SprintsPerBoard:    130,
		IssuesPerBoard:     max(10, n(2_000_000, 10)/boards),
		MilestonesPerBoard: max(2, n(20_000, 2)/boards),
		Tickets:            n(1_000_000, 100),
	}
}

const day = 24 * time.Hour

// benchBoard returns board b's rows: the board, its sprints (the last one
// active), its issues spread over the sprints (80 % committed at the
// start, 20 % added during it, one in ten removed, 70 % done), their
// sprint and milestone intervals and events, status changes, the board's
// milestones over the five years (the last ones open, due ahead) with two
// due snapshots each, and every tenth board's Runway project.
func benchBoard(b int, size benchSize, now time.Time, seed int64) []warehouse.Row {
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(b)))
	project, board := fmt.Sprintf("P%d", b), strconv.Itoa(b+1)
	var out []warehouse.Row
	out = append(out, warehouse.BoardRow{Source: benchJira, BoardID: board, Name: "Team " + project, Type: "scrum",
		Project: project, Version: 1})
	if b%10 == 0 {
		var jira []string
		for p := b; p < min(b+10, size.Boards); p++ {
			jira = append(jira, fmt.Sprintf("P%d", p))
		}
		out = append(out, warehouse.ProjectRow{Key: fmt.Sprintf("bench-%d", b/10), Name: fmt.Sprintf("Bench %d", b/10),
			Type: []string{"short_term", "long_term", "ongoing_support"}[b/10%3], JiraProjects: jira,
			GitHubRepos: []string{}, GitLabProjects: []string{}, ZendeskGroups: []string{benchGroups[b/10%len(benchGroups)]},
			Version: 1})
	}
	sprints, milestones := size.SprintsPerBoard, size.MilestonesPerBoard
	first := now.Add(-time.Duration(sprints-1)*14*day - 7*day).Truncate(time.Hour) // the active sprint is half done
	sprintStart := func(s int) time.Time { return first.Add(time.Duration(s) * 14 * day) }
	// Milestone m covers the sprints [m·S/M, (m+1)·S/M); due at its last
	// sprint's end.
	msOf := func(s int) int { return s * milestones / sprints }
	for m := range milestones {
		lo, hi := m*sprints/milestones, (m+1)*sprints/milestones-1
		start, due := sprintStart(lo), sprintStart(hi).Add(14*day)
		id := fmt.Sprintf("%d%04d", b+1, m)
		row := warehouse.MilestoneRow{Source: benchJira, MilestoneID: id, Project: project,
			Title: fmt.Sprintf("%s %s %d", project, []string{"Prototype", "Beta", "Release"}[m%3], m),
			State: "open", Created: start, Start: &start, Due: &due, Version: 1}
		if due.Before(now) {
			closed := due.Add(time.Duration(rng.IntN(15)-7) * day)
			row.State, row.Closed = "closed", &closed
		}
		early := due.Add(-7 * day)
		out = append(out, row,
			warehouse.MilestoneSnapshotRow{Source: benchJira, MilestoneID: id, Observed: start, RunID: "bench-1",
				State: "open", Due: &early, Version: 1},
			warehouse.MilestoneSnapshotRow{Source: benchJira, MilestoneID: id, Observed: start.Add(14 * day),
				RunID: "bench-2", State: "open", Due: &due, Version: 1})
	}
	per := size.IssuesPerBoard / sprints
	extra := size.IssuesPerBoard % sprints
	seq := 0
	for s := range sprints {
		start := sprintStart(s)
		end := start.Add(14 * day)
		sid := fmt.Sprintf("%d%04d", b+1, s)
		row := warehouse.SprintRow{Source: benchJira, SprintID: sid, BoardID: board, Name: fmt.Sprintf("%s Sprint %d", project, s+1),
			State: "closed", Start: &start, End: &end, Activated: &start, Complete: &end, CarryOverGrace: 60, Version: 1}
		if s == sprints-1 {
			row.State, row.Complete = "active", nil
		}
		out = append(out, row)
		mid := fmt.Sprintf("%d%04d", b+1, msOf(s))
		n := per
		if s < extra {
			n++
		}
		for range n {
			seq++
			out = append(out, benchIssue(rng, project, sid, mid, seq, start, end, now)...)
		}
	}
	return out
}

// benchIssue returns one issue of sprint sid (from start to end) and
// milestone mid with its intervals, membership events and status changes.
func benchIssue(rng *rand.Rand, project, sid, mid string, seq int, start, end, now time.Time) []warehouse.Row {
	id := fmt.Sprintf("%s-%d", project, seq)
	created := start.Add(-time.Duration(rng.IntN(14*24)) * time.Hour)
	entered := start.Add(-time.Hour)
	if rng.IntN(5) == 0 { // added during the sprint
		entered = start.Add(time.Duration(1+rng.IntN(12*24)) * time.Hour)
	}
	if entered.After(now) {
		entered = now.Add(-time.Hour)
	}
	created = minTime(created, entered)
	var exited, resolved *time.Time
	cat := "indeterminate"
	switch r := rng.IntN(10); {
	case r == 0: // removed before the end
		t := entered.Add(time.Duration(1+rng.IntN(24)) * time.Hour)
		if t.Before(end) && t.Before(now) {
			exited = &t
		}
	case r < 8: // done during the sprint
		t := entered.Add(time.Duration(1+rng.IntN(int(end.Sub(entered)/time.Hour))) * time.Hour)
		if t.Before(now) {
			resolved, cat = &t, "done"
		}
	}
	updated := entered
	if resolved != nil {
		updated = *resolved
	}
	var pts = float64(1 + rng.IntN(8))
	out := []warehouse.Row{
		warehouse.IssueRow{Source: benchJira, IssueID: id, Key: id, Project: project, Type: "Story", Summary: "Bench issue " + id,
			Status: map[string]string{"done": "Done", "indeterminate": "In Progress"}[cat], StatusCategory: cat,
			Points: &pts, Created: created, Updated: updated, Resolved: resolved, SprintIDs: []string{sid},
			MilestoneIDs: []string{mid}, Labels: []string{}, Version: 1},
		warehouse.MembershipIntervalRow{Source: benchJira, Kind: warehouse.ContainerSprint, ContainerID: sid, IssueID: id, Entered: entered,
			Exited: exited, Points: &pts, Version: 1},
		warehouse.MembershipIntervalRow{Source: benchJira, Kind: warehouse.ContainerMilestone, ContainerID: mid, IssueID: id,
			Entered: created, Version: 1},
		warehouse.MembershipEventRow{Source: benchJira, Kind: warehouse.ContainerSprint, ContainerID: sid, IssueID: id, EventID: id + "-s+",
			At: entered, Action: "added", Version: 1},
		warehouse.StatusChangeRow{Source: benchJira, IssueID: id, EventID: id + "-ip", At: created.Add(time.Minute),
			FromStatus: "To Do", ToStatus: "In Progress", FromCategory: "new", ToCategory: "indeterminate", Version: 1},
	}
	if exited != nil {
		out = append(out, warehouse.MembershipEventRow{Source: benchJira, Kind: warehouse.ContainerSprint, ContainerID: sid, IssueID: id,
			EventID: id + "-s-", At: *exited, Action: "removed", Version: 1})
	}
	if resolved != nil {
		out = append(out, warehouse.StatusChangeRow{Source: benchJira, IssueID: id, EventID: id + "-d", At: *resolved,
			FromStatus: "In Progress", ToStatus: "Done", FromCategory: "indeterminate", ToCategory: "done", Version: 1})
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

var benchGroups = []string{"Support", "Billing", "Technical", "Escalations"}

// benchTickets returns tickets [from, to) of the desk, created over the
// five years (the newest last), with their SLA events: apply_sla, then
// fulfill or (one in five) breach of the first reply target.
func benchTickets(from, to, total int, now time.Time, seed int64) []warehouse.Row {
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(from)^0x7469636b))
	span := 5 * 365 * day
	out := make([]warehouse.Row, 0, 3*(to-from))
	for i := from; i < to; i++ {
		id := strconv.Itoa(i + 1)
		created := now.Add(-span + time.Duration(float64(span)*float64(i)/float64(total))).Truncate(time.Second)
		prio := []string{"low", "normal", "normal", "high", "urgent"}[rng.IntN(5)]
		fr := float64(5 + rng.IntN(600))
		frb := fr * 0.7
		t := warehouse.TicketRow{Source: benchZendesk, TicketID: id, Subject: "Bench ticket " + id, Status: "closed",
			Priority: prio, Group: benchGroups[rng.IntN(len(benchGroups))], Tags: []string{}, Created: created,
			FirstReplyMinutes: &fr, FirstReplyBusinessMinutes: &frb, Version: 1}
		res := fr + float64(rng.IntN(5*24*60))
		if solved := created.Add(time.Duration(res) * time.Minute); solved.Before(now) {
			resb := res * 0.6
			t.Solved, t.ResolutionMinutes, t.ResolutionBusinessMinutes, t.Updated = &solved, &res, &resb, solved
		} else {
			t.Status, t.Updated = "open", created
		}
		target := 240.0
		typ := "fulfill"
		if rng.IntN(5) == 0 {
			typ = "breach"
		}
		out = append(out, t,
			warehouse.TicketMetricEventRow{Source: benchZendesk, TicketID: id, EventID: id + "-a", Metric: "reply_time",
				Type: "apply_sla", At: created, SLAPolicy: "Bench", TargetMinutes: &target, Version: 1},
			warehouse.TicketMetricEventRow{Source: benchZendesk, TicketID: id, EventID: id + "-f", Metric: "reply_time",
				Type: typ, At: created.Add(time.Duration(fr) * time.Minute), Version: 1})
	}
	return out
}
