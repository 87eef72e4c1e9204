package analytics

import (
	"context"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// Support load beside delivery (DESIGN §5, §7): per Runway project and
// month, the support tickets of the project's Zendesk groups beside its
// sprints' completion and its milestones' slip in the same month. The
// tickets are counted by class in the statement (the month arithmetic is
// done here, on the classes), the sprints and milestones come from their
// reports.

// Support load groupings.
const (
	SupportByProject = "project"
	SupportByMonth   = "month"
)

// SupportLoadFilter selects a support-load rollup.
type SupportLoadFilter struct {
	GroupBy  string     // project (default) or month (YYYY-MM)
	From, To *time.Time // bound the months (a month counts when it overlaps)
	SLA      map[string]time.Duration
	Now      time.Time // required
}

// SupportLoadGroup is one project's (or month's) support load and
// delivery. Tickets count by the month they were created (created,
// breach rate) and solved (solved, merged ones left out); open is the
// tickets unsolved at the month's end, or for a project over several
// months, at the end of the range (or now). The sprint
// completion rate is completed / (committed + added − removed) over the
// sprints that completed in the months; the milestone slip the mean
// slip_days of the milestones closed in them. Null without any.
type SupportLoadGroup struct {
	Group                string   `json:"group"`
	Name                 string   `json:"name,omitempty"` // the project's name, for group_by=project
	TicketsCreated       int64    `json:"tickets_created"`
	TicketsSolved        int64    `json:"tickets_solved"`
	TicketsOpen          int64    `json:"tickets_open"`
	SLABreachRate        *float64 `json:"sla_breach_rate"`
	SprintCompletionRate *float64 `json:"sprint_completion_rate"`
	MilestoneSlipDays    *float64 `json:"milestone_slip_days"`
}

// supportProjectsSQL reads what each project matches.
const supportProjectsSQL = "SELECT project_key, name, jira_projects, gitlab_projects, zendesk_groups\n" +
	"FROM (SELECT project_key, name, jira_projects, gitlab_projects, zendesk_groups FROM {db}.projects FINAL) AS p\n" +
	"ORDER BY project_key"

// buildTicketLoad renders the tickets that are not deleted counted by
// class: group_name, cm and sm (the months they were created and solved
// as YYYYMM, sm 0 when unsolved), solved_work (solved and not merged),
// breached and with_sla (the summary's rules), whether they were created
// (c_end) or solved (s_end) after end, and after to (c_to, s_to; 0
// without to), and n, how many. That is all the months' sums need, so a
// desk of any size comes back in a few hundred rows.
func buildTicketLoad(sla map[string]time.Duration, now, end time.Time, to *time.Time) frag {
	var q query
	q.add("SELECT group_name, toInt64(toYYYYMM(created)) AS cm, toInt64(if(isNull(solved), 0, toYYYYMM(assumeNotNull(solved)))) AS sm,\n" +
		"    toUInt8(status IN ('solved', 'closed') AND NOT has(tags, 'closed_by_merge')) AS solved_work,\n" +
		"    toUInt8(" + exprBreached + ") AS breached,\n" +
		"    toUInt8(" + exprWithSLA + ") AS with_sla,\n")
	q.add("    toUInt8(created > ?) AS c_end, toUInt8(ifNull(solved > ?, 0)) AS s_end,\n", end, end)
	if to != nil {
		q.add("    toUInt8(created > ?) AS c_to, toUInt8(ifNull(solved > ?, 0)) AS s_to,\n", to.UTC(), to.UTC())
	} else {
		q.add("    toUInt8(0) AS c_to, toUInt8(0) AS s_to,\n")
	}
	q.add("    toInt64(count()) AS n,\n")
	// The first instant a later clock could move a ticket to another
	// class: a breach (sla_change_at), or a ticket created or solved after
	// now (counted open or created after the range end until then).
	q.add("    toInt64(min(least(sla_change_at, least(if(created > ?, toInt64(toUInt32(created)), "+noChange+"),\n"+
		"        if(ifNull(solved > ?, 0), toInt64(toUInt32(assumeNotNull(solved))), "+noChange+"))))) AS next_change\n", now, now)
	q.add("FROM (\n" +
		"    SELECT source, ticket_id, group_name, created, solved, status, tags, breaches, applied,\n")
	addSLAColumns(&q, sla, now, "isNotNull(first_reply_minutes)")
	q.add("    FROM (\n" +
		"        SELECT source, ticket_id, group_name, priority, created, solved, status, tags, first_reply_minutes\n" +
		"        FROM {db}.tickets FINAL\n" +
		"        WHERE status != 'deleted'\n" +
		"    ) AS t\n" +
		ticketEventsJoin +
		") AS x\n" +
		"GROUP BY group_name, cm, sm, solved_work, breached, with_sla, c_end, s_end, c_to, s_to")
	return q.frag()
}

// supportAnswer is what accumulateSupport returns; callers only read it.
type supportAnswer struct {
	groups    map[[2]string]*supportAcc
	names     map[string]string
	rangeOpen map[string]int64
}

// supportReadings keep the last answer per filter: the support load
// reads every closed sprint's report and every milestone's (~140 ms at
// 26,000 sprints and 20,000 milestones), and the requests of one second
// (report clocks are whole seconds) over unchanged data share it.
var supportReadings readingCache[supportAnswer]

// supportAccumulate is accumulateSupport through supportReadings.
func supportAccumulate(ctx context.Context, db warehouse.DB, f SupportLoadFilter) (
	groups map[[2]string]*supportAcc, names map[string]string, rangeOpen map[string]int64, err error) {
	if err := checkRange(f.From, f.To); err != nil {
		return nil, nil, nil, err
	}
	now, err := reportNow(f.Now)
	if err != nil {
		return nil, nil, nil, err
	}
	f.Now = now
	a, _, err := supportReadings.get(ctx, db, TicketFilter{SLA: f.SLA, From: f.From, To: f.To}.key(false), now, false,
		func(r *cachedReading[supportAnswer], now time.Time) bool { return now.Equal(r.now) },
		func(ctx context.Context) (a supportAnswer, err error) {
			a.groups, a.names, a.rangeOpen, err = accumulateSupport(ctx, db, f)
			return a, err
		})
	return a.groups, a.names, a.rangeOpen, err
}

// accumulateSupport reads tickets, sprints and milestones into their
// (project, month) sums, and the projects' names.
func accumulateSupport(ctx context.Context, db warehouse.DB, f SupportLoadFilter) (
	groups map[[2]string]*supportAcc, names map[string]string, rangeOpen map[string]int64, err error) {
	if err := checkRange(f.From, f.To); err != nil {
		return nil, nil, nil, err
	}
	now, err := reportNow(f.Now)
	if err != nil {
		return nil, nil, nil, err
	}
	type project struct {
		key, name             string
		jira, gitlab, zendesk []string
	}
	var projects []project
	err = each(ctx, db, "projects", frag{sql: supportProjectsSQL}, func(r warehouse.Rows) error {
		var p project
		if err := r.Scan(&p.key, &p.name, &p.jira, &p.gitlab, &p.zendesk); err != nil {
			return err
		}
		projects = append(projects, p)
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	month := func(t time.Time) string { return t.UTC().Format("2006-01") }
	inRange := func(t time.Time) bool {
		return (f.From == nil || !t.Before(time.Date(f.From.Year(), f.From.Month(), 1, 0, 0, 0, 0, time.UTC))) &&
			(f.To == nil || !t.After(*f.To))
	}
	end := now // open tickets are counted at the end of the range
	if f.To != nil && f.To.Before(now) {
		end = *f.To
	}
	groups = map[[2]string]*supportAcc{} // by (project, month)
	rangeOpen = map[string]int64{}       // by project: open at the end of the range
	key := func(p project, t time.Time) [2]string { return [2]string{p.key, month(t)} }
	get := func(k [2]string) *supportAcc {
		if groups[k] == nil {
			groups[k] = &supportAcc{}
		}
		return groups[k]
	}
	owner := func(match func(project) bool) (project, bool) {
		for _, p := range projects {
			if match(p) {
				return p, true
			}
		}
		return project{}, false
	}
	fromMonth := time.Time{}
	if f.From != nil {
		fromMonth = time.Date(f.From.Year(), f.From.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	endMonth := time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, time.UTC)
	yyyymm := func(v int64) time.Time { return time.Date(int(v/100), time.Month(v%100), 1, 0, 0, 0, 0, time.UTC) }
	classes, err := ticketClasses(ctx, db, f.SLA, now, end, f.To)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, tc := range classes {
		grp, cm, sm, n := tc.grp, tc.cm, tc.sm, tc.n
		solvedWork, breached, withSLA, cEnd, sEnd, cTo, sTo := tc.solvedWork, tc.breached, tc.withSLA, tc.cEnd, tc.sEnd, tc.cTo, tc.sTo
		p, ok := owner(func(p project) bool { return slices.Contains(p.zendesk, grp) })
		if !ok {
			continue
		}
		c := yyyymm(cm)
		if !c.Before(fromMonth) && cTo == 0 {
			a := get(key(p, c))
			a.created += n
			a.breached += n * int64(breached)
			a.withSLA += n * int64(withSLA)
		}
		if sm != 0 && solvedWork == 1 && !yyyymm(sm).Before(fromMonth) && sTo == 0 {
			get(key(p, yyyymm(sm))).solved += n
		}
		if cEnd == 1 {
			continue
		}
		// Open at the end of each month it stayed open through (the last
		// month ends at end), and at the end of the range.
		for m := c; !m.After(endMonth); m = m.AddDate(0, 1, 0) {
			if sm != 0 && (m.Before(endMonth) && !yyyymm(sm).After(m) || m.Equal(endMonth) && sEnd == 0) {
				break
			}
			if !m.Before(fromMonth) {
				get(key(p, m)).open += n
			}
		}
		if sm == 0 || sEnd == 1 {
			rangeOpen[p.key] += n
		}
	}
	boards := map[[2]string]string{} // (source, board) → upstream project
	err = each(ctx, db, "boards", frag{sql: "SELECT source, board_id, project FROM {db}.boards FINAL"}, func(r warehouse.Rows) error {
		var src, id, proj string
		if err := r.Scan(&src, &id, &proj); err != nil {
			return err
		}
		boards[[2]string{src, id}] = proj
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	sprints, err := Sprints(ctx, db, SprintFilter{State: StateClosed, Now: now, Limit: 1_000_000})
	if err != nil {
		return nil, nil, nil, err
	}
	for _, s := range sprints {
		if s.Complete == nil || !inRange(*s.Complete) {
			continue
		}
		up := boards[[2]string{s.Source, s.Board}]
		p, ok := owner(func(p project) bool { return slices.Contains(p.jira, up) || slices.Contains(p.gitlab, up) })
		if !ok {
			continue
		}
		if scope := s.Committed + s.Added - s.Removed; scope > 0 { // an empty sprint says nothing
			a := get(key(p, *s.Complete))
			a.done += s.Completed
			a.scope += scope
		}
	}
	data, err := allMilestoneData(ctx, db, now)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, m := range data.reports(nil, now) {
		if m.Closed == nil || m.SlipDays == nil || m.ProjectKey == "" || !inRange(*m.Closed) {
			continue
		}
		p, ok := owner(func(p project) bool { return p.key == m.ProjectKey })
		if !ok {
			continue
		}
		a := get(key(p, *m.Closed))
		a.slip = append(a.slip, *m.SlipDays)
	}
	names = map[string]string{}
	for _, p := range projects {
		names[p.key] = p.name
	}
	return groups, names, rangeOpen, nil
}

// supportAcc is what one project's month adds up to.
type supportAcc struct {
	created, solved, open, breached, withSLA int64
	done, scope                              int64
	slip                                     []float64
}

func (a *supportAcc) merge(b *supportAcc) {
	a.created, a.solved, a.open = a.created+b.created, a.solved+b.solved, a.open+b.open
	a.breached, a.withSLA, a.done, a.scope = a.breached+b.breached, a.withSLA+b.withSLA, a.done+b.done, a.scope+b.scope
	a.slip = append(a.slip, b.slip...)
}

func (a *supportAcc) group(name string) SupportLoadGroup {
	g := SupportLoadGroup{Group: name, TicketsCreated: a.created, TicketsSolved: a.solved, TicketsOpen: a.open}
	if a.withSLA > 0 {
		g.SLABreachRate = ptrF(float64(a.breached) / float64(a.withSLA))
	}
	if a.scope > 0 {
		g.SprintCompletionRate = ptrF(float64(a.done) / float64(a.scope))
	}
	if len(a.slip) > 0 {
		var sum float64
		for _, d := range a.slip {
			sum += d
		}
		g.MilestoneSlipDays = ptrF(sum / float64(len(a.slip)))
	}
	return g
}

// SupportLoad rolls support load and delivery up per project or month.
func SupportLoad(ctx context.Context, db warehouse.DB, f SupportLoadFilter) ([]SupportLoadGroup, error) {
	if err := checkGroupBy("support load", f.GroupBy, "", SupportByProject, SupportByMonth); err != nil {
		return nil, err
	}
	groups, names, rangeOpen, err := supportAccumulate(ctx, db, f)
	if err != nil {
		return nil, err
	}
	folded := map[string]*supportAcc{}
	for k, a := range groups {
		g := k[0]
		if f.GroupBy == SupportByMonth {
			g = k[1]
		}
		if folded[g] == nil {
			folded[g] = &supportAcc{}
		}
		folded[g].merge(a)
	}
	out := []SupportLoadGroup{}
	for _, k := range slices.Sorted(maps.Keys(folded)) {
		if f.GroupBy != SupportByMonth {
			folded[k].open = rangeOpen[k] // not a sum of month ends
		}
		g := folded[k].group(k)
		if f.GroupBy != SupportByMonth {
			g.Name = names[k]
		}
		out = append(out, g)
	}
	return out, nil
}

// ProjectSupport is each project's support load and delivery per month
// (groups named YYYY-MM, in order), for the projects API.
func ProjectSupport(ctx context.Context, db warehouse.DB, sla map[string]time.Duration, now time.Time) (map[string][]SupportLoadGroup, error) {
	groups, _, _, err := supportAccumulate(ctx, db, SupportLoadFilter{SLA: sla, Now: now})
	if err != nil {
		return nil, err
	}
	out := map[string][]SupportLoadGroup{}
	for _, k := range slices.SortedFunc(maps.Keys(groups), func(a, b [2]string) int {
		return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1])
	}) {
		out[k[0]] = append(out[k[0]], groups[k].group(k[1]))
	}
	return out, nil
}

// ticketClass is a row of buildTicketLoad.
type ticketClass struct {
	grp                                                 string
	cm, sm, n                                           int64
	solvedWork, breached, withSLA, cEnd, sEnd, cTo, sTo uint8
}

// ticketLoadAnswer is buildTicketLoad's classes, kept like a ticket
// summary (see ticketAnswer): per SLA targets and range end while the
// data is unchanged, from the clock they were counted at until the first
// instant a later clock could move a ticket to another class.
type ticketLoadAnswer struct {
	classes []ticketClass
	until   int64
}

var ticketLoadReadings readingCache[ticketLoadAnswer]

func ticketClasses(ctx context.Context, db warehouse.DB, sla map[string]time.Duration, now, end time.Time, to *time.Time) ([]ticketClass, error) {
	key := TicketFilter{SLA: sla, To: to}.key(false)
	a, _, err := ticketLoadReadings.get(ctx, db, key, now, false,
		func(r *cachedReading[ticketLoadAnswer], now time.Time) bool {
			return now.Unix() >= r.now.Unix() && now.Unix() < r.data.until
		},
		func(ctx context.Context) (ticketLoadAnswer, error) {
			a := ticketLoadAnswer{until: math.MaxInt64}
			err := each(ctx, db, "support tickets", buildTicketLoad(sla, now, end, to), func(r warehouse.Rows) error {
				var c ticketClass
				var next int64
				if err := r.Scan(&c.grp, &c.cm, &c.sm, &c.solvedWork, &c.breached, &c.withSLA, &c.cEnd, &c.sEnd,
					&c.cTo, &c.sTo, &c.n, &next); err != nil {
					return err
				}
				a.until = min(a.until, next)
				a.classes = append(a.classes, c)
				return nil
			})
			return a, err
		})
	return a.classes, err
}
