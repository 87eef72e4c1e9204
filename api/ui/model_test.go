package ui

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api/analytics"
)

func at(day int) *time.Time { t := time.Date(2025, 3, day, 0, 0, 0, 0, time.UTC); return &t }

func sprint(src, board, id, state string, complete *time.Time, rate *float64) analytics.SprintReport {
	return analytics.SprintReport{Source: src, Board: board, ID: id, Name: "S" + id, State: state,
		Start: at(1), Complete: complete, ScopeChangeRate: rate}
}

// TestArrange: milestones go to their project in list order, archived
// ones nowhere, unmatched ones to a last group; a board charts its last
// closedPerBoard closed sprints by completion (none completed counts as
// oldest) and lists its active ones; boards follow source and id;
// priorities run most urgent first with totals.
func TestArrange(t *testing.T) {
	now := time.Date(2025, 3, 5, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	ms := func(id, project, state string) analytics.MilestoneReport {
		return analytics.MilestoneReport{Source: "jira", ID: id, ProjectKey: project, State: state}
	}
	var sprints []analytics.SprintReport
	for i := range 10 { // board 12: closed sprints c0..c9 completed on day 10-i, c9 (day 1) oldest
		sprints = append(sprints, sprint("jira", "12", fmt.Sprint("c", i), analytics.StateClosed, at(10-i), f(float64(i)/10)))
	}
	sprints = append(sprints,
		sprint("jira", "12", "nodate", analytics.StateClosed, nil, nil),
		sprint("jira", "12", "a2", analytics.StateActive, nil, f(0.5)),
		sprint("gitlab", "1000", "g1", analytics.StateClosed, at(3), f(1)))
	sprints[len(sprints)-2].Start = at(4)
	sprints = append(sprints, sprint("jira", "12", "a1", analytics.StateActive, nil, nil))
	o := arrange(now, reports{
		projects: []analytics.ProjectReport{{Key: "mobile", Milestones: map[string]int{"done": 1, "overdue": 2, "at_risk": 0}}, {Key: "ops"}},
		milestones: []analytics.MilestoneReport{ms("1", "ops", "open"), ms("2", "", "open"), ms("3", "mobile", "closed"),
			ms("4", "ops", analytics.MilestoneArchived), ms("5", "ops", "closed"), ms("6", "gone", "open")},
		sprints: sprints,
		boards:  []analytics.ScopeChangeGroup{{Source: "jira", Group: "12"}, {Source: "jira", Group: "9"}},
		tickets: []analytics.TicketGroup{{Group: "", Open: 1}, {Group: "high", Open: 2, SLABreaches: 1, Created: 5},
			{Group: "low", Open: 3}, {Group: "urgent", Open: 4, SLABreaches: 2, Created: 6}},
		load: []analytics.SupportLoadGroup{{Group: "ops", TicketsOpen: 7}},
	})
	if !o.AsOf.Equal(now) || o.AsOf.Location() != time.UTC {
		t.Errorf("as of %v, want %v in UTC", o.AsOf, now)
	}
	ids := func(p Project) (out []string) {
		for _, m := range p.Milestones {
			out = append(out, m.ID)
		}
		return out
	}
	if len(o.Projects) != 3 || o.Projects[0].Report.Key != "mobile" || o.Projects[1].Report.Key != "ops" || o.Projects[2].Report != nil ||
		!slices.Equal(ids(o.Projects[0]), []string{"3"}) || !slices.Equal(ids(o.Projects[1]), []string{"1", "5"}) ||
		!slices.Equal(ids(o.Projects[2]), []string{"2", "6"}) || o.Hidden != 0 {
		t.Errorf("projects %+v", o.Projects)
	}
	if o.Projects[0].Support != nil || o.Projects[1].Support == nil || o.Projects[1].Support.TicketsOpen != 7 {
		t.Errorf("support of projects: %+v, %+v", o.Projects[0].Support, o.Projects[1].Support)
	}
	if !slices.Equal(o.Projects[0].Counts, []StatusCount{{"done", 1}, {"overdue", 2}}) || o.Projects[1].Counts != nil {
		t.Errorf("counts %+v %+v", o.Projects[0].Counts, o.Projects[1].Counts)
	}
	if !o.HasProjects() || !o.HasMilestones() {
		t.Error("has projects and milestones")
	}

	var boards []string
	for _, b := range o.Boards {
		boards = append(boards, key(b.Source, b.ID))
	}
	if !slices.Equal(boards, []string{"gitlab/1000", "jira/12", "jira/9"}) {
		t.Fatalf("boards %v", boards)
	}
	var bars, texts []string
	for _, b := range o.Boards[1].Chart.Bars {
		bars, texts = append(bars, b.Key), append(texts, b.Text)
	}
	if !slices.Equal(bars, []string{"jira/c7", "jira/c6", "jira/c5", "jira/c4", "jira/c3", "jira/c2", "jira/c1", "jira/c0"}) ||
		!slices.Equal(texts, []string{"70%", "60%", "50%", "40%", "30%", "20%", "10%", "0%"}) {
		t.Errorf("board 12 charts %v %v", bars, texts)
	}
	if a := o.Boards[1].Active; len(a) != 2 || a[0].ID != "a1" || a[1].ID != "a2" || o.Boards[1].Total == nil {
		t.Errorf("board 12 active %+v, total %v", a, o.Boards[1].Total)
	}
	if len(o.Boards[0].Chart.Bars) != 1 || o.Boards[0].Total != nil || len(o.Boards[2].Chart.Bars) != 0 || o.Boards[2].Total == nil {
		t.Errorf("boards %+v", o.Boards)
	}

	var prios []string
	for _, g := range o.Support.Priorities {
		prios = append(prios, g.Group)
	}
	if !slices.Equal(prios, []string{"urgent", "high", "low", ""}) || o.Support.Open != 10 || o.Support.Breaches != 3 || o.Support.Created != 11 {
		t.Errorf("support %v %+v", prios, o.Support)
	}
}

// TestArrangeBoundsMilestones: past maxMilestones rows are counted, not
// shown.
func TestArrangeBoundsMilestones(t *testing.T) {
	var all []analytics.MilestoneReport
	for i := range maxMilestones + 7 {
		all = append(all, analytics.MilestoneReport{Source: "gh", ID: fmt.Sprint(i), State: "open"})
	}
	o := arrange(time.Unix(0, 0), reports{milestones: all})
	if len(o.Projects) != 1 || len(o.Projects[0].Milestones) != maxMilestones || o.Hidden != 7 || o.HasProjects() {
		t.Errorf("%d groups, %d shown, %d hidden", len(o.Projects), len(o.Projects[0].Milestones), o.Hidden)
	}
}
