package analytics

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api/gauges/gaugestest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestSupportLoad, worked out by hand over February 2025 (now 03-05;
// config target urgent 4 h). Project ops matches Jira project OPS (board
// 12 of the sprint fixture) and the Zendesk group Support.
//
//	ticket  prio    created  solved  notes
//	A       urgent  02-03    02-04   answered in 30 min: SLA, kept
//	B       urgent  02-10    -       unanswered for weeks: breached (config)
//	C       high    02-12    02-13   merged: created, not solved work; no target
//	D       urgent  02-14    -       group Other: no project
//	E       urgent  01-20    02-02   created before the range, solved in it
//
// Tickets: created 3 (A, B, C), solved 2 (A, E), open at 02-28 1 (B),
// breach rate 1/2. Board 12's sprints completed in February: 103 (C4 A1
// R0 D2), 105 (C2 A2 R0 D2), 104 (C5 A0 R1 D1): completion 5 / 13. No
// milestone: slip null.
func TestSupportLoad(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		if err := gaugestest.Seed(ctx, db); err != nil {
			t.Fatal(err)
		}
		day := func(m, d int) time.Time { return time.Date(2025, time.Month(m), d, 10, 0, 0, 0, time.UTC) }
		fr := 30.0
		ticket := func(id, prio, status, group string, created time.Time, solved *time.Time, tags ...string) warehouse.Row {
			if tags == nil {
				tags = []string{}
			}
			r := warehouse.TicketRow{Source: "zd", TicketID: id, Priority: prio, Status: status, Group: group, Tags: tags,
				Created: created, Updated: created, Solved: solved, Version: 1}
			if id == "A" {
				r.FirstReplyMinutes = &fr
			}
			return r
		}
		for _, rows := range [][]warehouse.Row{
			{ticket("A", "urgent", "solved", "Support", day(2, 3), ptrTime(day(2, 4))),
				ticket("B", "urgent", "open", "Support", day(2, 10), nil),
				ticket("C", "high", "closed", "Support", day(2, 12), ptrTime(day(2, 13)), "closed_by_merge"),
				ticket("D", "urgent", "open", "Other", day(2, 14), nil),
				ticket("E", "urgent", "solved", "Support", day(1, 20), ptrTime(day(2, 2)))},
			{warehouse.BoardRow{Source: gaugestest.Source, BoardID: "12", Name: "Ops", Type: "scrum", Project: "OPS", Version: 1}},
			{warehouse.ProjectRow{Key: "ops", Name: "Operations", Type: "ongoing_support", JiraProjects: []string{"OPS"},
				GitHubRepos: []string{}, GitLabProjects: []string{}, ZendeskGroups: []string{"Support"}, Version: 1}},
		} {
			if err := warehouse.InsertMixed(ctx, db, rows); err != nil {
				t.Fatal(err)
			}
		}
		from, to := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 28, 23, 59, 59, 0, time.UTC)
		show := func(gs []SupportLoadGroup) string {
			var out []string
			for _, g := range gs {
				out = append(out, fmt.Sprintf("%s %q created=%d solved=%d open=%d breach=%s sprints=%s slip=%s", g.Group, g.Name,
					g.TicketsCreated, g.TicketsSolved, g.TicketsOpen, r4(g.SLABreachRate), r4(g.SprintCompletionRate),
					r4(g.MilestoneSlipDays)))
			}
			return fmt.Sprint(out)
		}
		sla := map[string]time.Duration{"urgent": 4 * time.Hour}
		for _, c := range []struct{ by, want string }{
			{SupportByProject, `[ops "Operations" created=3 solved=2 open=1 breach=0.5 sprints=0.3846 slip=null]`},
			{SupportByMonth, `[2025-02 "" created=3 solved=2 open=1 breach=0.5 sprints=0.3846 slip=null]`},
		} {
			got, err := SupportLoad(ctx, db, SupportLoadFilter{GroupBy: c.by, From: &from, To: &to, SLA: sla, Now: gaugestest.Now})
			if err != nil {
				t.Fatal(err)
			}
			if show(got) != c.want {
				t.Errorf("by %s:\n got %s\nwant %s", c.by, show(got), c.want)
			}
		}
		// Per month, for the projects API: E was open at January's end
		// (created 01-20, solved 02-02); February as above; B is still
		// open at now (03-05), March's end so far.
		months, err := ProjectSupport(ctx, db, sla, gaugestest.Now)
		if err != nil {
			t.Fatal(err)
		}
		ops := months["ops"]
		if len(ops) != 3 || ops[0].Group != "2025-01" || ops[0].TicketsCreated != 1 || ops[0].TicketsOpen != 1 ||
			show(ops[1:2]) != `[2025-02 "" created=3 solved=2 open=1 breach=0.5 sprints=0.3846 slip=null]` ||
			ops[2].Group != "2025-03" || ops[2].TicketsOpen != 1 || ops[2].TicketsCreated != 0 {
			t.Errorf("ops per month: %s", show(ops))
		}
	})
}
