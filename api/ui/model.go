package ui

import (
	"cmp"
	"slices"
	"time"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/api/analytics/forecast"
)

// What the page shows, arranged from the reports the API serves.

// Page bounds: the page stays small whatever the org's size; the API has
// the rest.
const (
	maxMilestones  = 500 // milestone rows
	closedPerBoard = 8   // sprints in a board's chart
)

// Overview is everything the page shows.
type Overview struct {
	AsOf     time.Time
	Projects []Project
	Hidden   int // milestones past maxMilestones, not shown
	Boards   []Board
	Support  Support
}

// HasProjects says whether any project is configured.
func (o *Overview) HasProjects() bool {
	return slices.ContainsFunc(o.Projects, func(p Project) bool { return p.Report != nil })
}

// HasMilestones says whether any milestone is shown.
func (o *Overview) HasMilestones() bool {
	return slices.ContainsFunc(o.Projects, func(p Project) bool { return len(p.Milestones) > 0 })
}

// Project is a configured project with its milestones, or (Report nil)
// the milestones that match no project.
type Project struct {
	Report     *analytics.ProjectReport
	Support    *analytics.SupportLoadGroup // nil: the project answers no desk group
	Counts     []StatusCount               // the report's milestone counts, in status order
	Milestones []analytics.MilestoneReport
}

// StatusCount is how many of a project's milestones have a status.
type StatusCount struct {
	Status string
	N      int
}

// Board is a board's sprint scope change: its rollup over every started
// sprint, a chart of its last closed sprints, and its active ones.
type Board struct {
	Source, ID string
	Name       string // "" when the warehouse has none
	Total      *analytics.ScopeChangeGroup
	Chart      Chart
	Active     []analytics.SprintReport
}

// Support is the ticket summary by priority, with totals.
type Support struct {
	Priorities              []analytics.TicketGroup
	Created, Open, Breaches int64
}

// reports are the analytics answers the page is made of.
type reports struct {
	projects   []analytics.ProjectReport
	milestones []analytics.MilestoneReport // in list order
	sprints    []analytics.SprintReport    // RecentSprints: active and last closed per board
	boards     []analytics.ScopeChangeGroup
	tickets    []analytics.TicketGroup
	load       []analytics.SupportLoadGroup // by project
	boardNames map[[2]string]string         // by source and board id
}

// arrange builds the overview. Archived milestones are left out (upstream
// hid them); the others keep the list's order within their project.
func arrange(now time.Time, r reports) *Overview {
	o := &Overview{AsOf: now.UTC()}
	load := map[string]*analytics.SupportLoadGroup{}
	for i := range r.load {
		load[r.load[i].Group] = &r.load[i]
	}
	byKey := map[string]int{}
	for i := range r.projects {
		p := &r.projects[i]
		byKey[p.Key] = len(o.Projects)
		o.Projects = append(o.Projects, Project{Report: p, Support: load[p.Key], Counts: counts(p.Milestones)})
	}
	var loose []analytics.MilestoneReport
	shown := 0
	for _, m := range r.milestones {
		if m.State == analytics.MilestoneArchived {
			continue
		}
		if shown == maxMilestones {
			o.Hidden++
			continue
		}
		shown++
		if i, ok := byKey[m.ProjectKey]; ok && m.ProjectKey != "" {
			o.Projects[i].Milestones = append(o.Projects[i].Milestones, m)
		} else {
			loose = append(loose, m)
		}
	}
	if len(loose) > 0 {
		o.Projects = append(o.Projects, Project{Milestones: loose})
	}
	o.Boards = arrangeBoards(r.sprints, r.boards)
	for i := range o.Boards {
		o.Boards[i].Name = r.boardNames[[2]string{o.Boards[i].Source, o.Boards[i].ID}]
	}
	o.Support = Support{Priorities: slices.Clone(r.tickets)}
	slices.SortStableFunc(o.Support.Priorities, func(x, y analytics.TicketGroup) int {
		return cmp.Compare(priorityRank(x.Group), priorityRank(y.Group))
	})
	for _, g := range r.tickets {
		o.Support.Created += g.Created
		o.Support.Open += g.Open
		o.Support.Breaches += g.SLABreaches
	}
	return o
}

// priorityRank orders ticket priorities most urgent first; others (and
// none) after them, in the summary's order.
func priorityRank(p string) int {
	if i := slices.Index([]string{"urgent", "high", "normal", "low"}, p); i >= 0 {
		return i
	}
	return 4
}

// counts lists the non-zero counts in forecast.Statuses order.
func counts(by map[string]int) []StatusCount {
	var out []StatusCount
	for _, s := range forecast.Statuses() {
		if n := by[string(s)]; n > 0 {
			out = append(out, StatusCount{string(s), n})
		}
	}
	return out
}

// arrangeBoards groups the recent sprints by board, boards ordered by
// source and id as the scope-change rollup orders them.
func arrangeBoards(sprints []analytics.SprintReport, totals []analytics.ScopeChangeGroup) []Board {
	type boardKey struct{ source, id string }
	byBoard := map[boardKey]*Board{}
	closed := map[boardKey][]analytics.SprintReport{}
	board := func(k boardKey) *Board {
		if byBoard[k] == nil {
			byBoard[k] = &Board{Source: k.source, ID: k.id}
		}
		return byBoard[k]
	}
	for i := range totals {
		board(boardKey{totals[i].Source, totals[i].Group}).Total = &totals[i]
	}
	for _, s := range sprints {
		k := boardKey{s.Source, s.Board}
		b := board(k)
		switch s.State {
		case analytics.StateClosed:
			closed[k] = append(closed[k], s)
		case analytics.StateActive:
			b.Active = append(b.Active, s)
		}
	}
	out := make([]Board, 0, len(byBoard))
	for k, b := range byBoard {
		cs := closed[k]
		slices.SortFunc(cs, byCompletion)
		cs = cs[max(0, len(cs)-closedPerBoard):]
		pts := make([]ChartPoint, len(cs))
		for i, s := range cs {
			pts[i] = ChartPoint{Key: key(s.Source, s.ID), Name: s.Name, Rate: s.ScopeChangeRate}
		}
		b.Chart = scopeChart("Scope-change rate of the last closed sprints of board "+k.id+" ("+k.source+")", pts)
		slices.SortFunc(b.Active, func(x, y analytics.SprintReport) int {
			return cmp.Or(compareTimes(x.Start, y.Start), cmp.Compare(x.ID, y.ID))
		})
		out = append(out, *b)
	}
	slices.SortFunc(out, func(x, y Board) int { return cmp.Or(cmp.Compare(x.Source, y.Source), cmp.Compare(x.ID, y.ID)) })
	return out
}

// byCompletion orders closed sprints oldest first: by completion (none
// counts as oldest, as RecentSprints has it), then start, then id.
func byCompletion(x, y analytics.SprintReport) int {
	return cmp.Or(compareTimes(x.Complete, y.Complete), compareTimes(x.Start, y.Start), cmp.Compare(x.ID, y.ID))
}

// compareTimes orders times with nil first.
func compareTimes(x, y *time.Time) int {
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return -1
	case y == nil:
		return 1
	}
	return x.Compare(*y)
}
