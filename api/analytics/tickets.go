package analytics

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// Ticket groupings of TicketFilter.GroupBy.
const (
	TicketsByPriority = "priority"
	TicketsByStatus   = "status"
	TicketsByGroup    = "group"
)

// TicketFilter selects a ticket summary (DESIGN §5, §7).
type TicketFilter struct {
	Source  string // "" for all
	GroupBy string // priority (default), status or group
	// From and To bound the tickets' creation (inclusive).
	From, To *time.Time
	// SLA are the first-reply targets by priority (config sla:), for the
	// tickets no SLA policy of the source applied to.
	SLA map[string]time.Duration
	Now time.Time // for open tickets past their target; required
}

// TicketGroup summarises the tickets of one group. Deleted tickets count
// nowhere; merged ones (closed_by_merge) are created but never solved
// work. Times are hours; quantiles are ClickHouse's quantile() (exact up
// to 8192 tickets a group), null without values. A ticket breached its
// SLA when a breach event came for it, or, when no policy applied to it,
// when its first reply (or, still unanswered, its age) passed its
// priority's configured target; the rate is over the tickets with an SLA.
type TicketGroup struct {
	Group              string   `json:"group"`
	Created            int64    `json:"created"`
	Solved             int64    `json:"solved"`
	Open               int64    `json:"open"`
	FirstReplyP50Hours *float64 `json:"first_reply_p50_hours"`
	FirstReplyP90Hours *float64 `json:"first_reply_p90_hours"`
	ResolutionP50Hours *float64 `json:"resolution_p50_hours"`
	ResolutionP90Hours *float64 `json:"resolution_p90_hours"`
	// The same in business hours, over the tickets whose source gave
	// them (Zendesk counts them on the schedule of the ticket's SLA).
	FirstReplyBusinessP50Hours *float64 `json:"first_reply_business_p50_hours"`
	FirstReplyBusinessP90Hours *float64 `json:"first_reply_business_p90_hours"`
	ResolutionBusinessP50Hours *float64 `json:"resolution_business_p50_hours"`
	ResolutionBusinessP90Hours *float64 `json:"resolution_business_p90_hours"`
	SLABreaches                int64    `json:"sla_breaches"`
	SLABreachRate              *float64 `json:"sla_breach_rate"`
}

// ticketOpen are the statuses of unsolved tickets.
var ticketOpen = []string{"new", "open", "pending", "hold"}

// buildTicketSummary renders the summary. Columns: grp, created, solved,
// open, fr50, fr90, res50, res90, the same four in business hours,
// breaches, with_sla; ordered by grp.
func buildTicketSummary(f TicketFilter) frag { return buildTicketGroups(f, false) }

// buildTicketGroups is buildTicketSummary, per source and group when
// bySource (a first column src).
func buildTicketGroups(f TicketFilter, bySource bool) frag {
	grp := map[string]string{TicketsByPriority: "priority", TicketsByStatus: "status", TicketsByGroup: "group_name"}[f.GroupBy]
	if grp == "" {
		grp = "priority"
	}
	src, by := "", "grp"
	if bySource {
		src, by = "source AS src, ", "src, grp"
	}
	var q query
	q.add("SELECT " + src + "grp, toInt64(count()) AS created,\n" +
		"    toInt64(countIf(status IN ('solved', 'closed') AND NOT merged)) AS solved,\n")
	q.add("    toInt64(countIf(has(?, status))) AS open,\n", ticketOpen)
	q.add("    toFloat64(quantileIf(0.5)(fr, has_fr)) AS fr50, toFloat64(quantileIf(0.9)(fr, has_fr)) AS fr90,\n" +
		"    toFloat64(quantileIf(0.5)(res, solved_work)) AS res50, toFloat64(quantileIf(0.9)(res, solved_work)) AS res90,\n" +
		"    toFloat64(quantileIf(0.5)(frb, has_frb)) AS frb50, toFloat64(quantileIf(0.9)(frb, has_frb)) AS frb90,\n" +
		"    toFloat64(quantileIf(0.5)(resb, solved_work_b)) AS resb50, toFloat64(quantileIf(0.9)(resb, solved_work_b)) AS resb90,\n" +
		"    toInt64(countIf(" + exprBreached + ")) AS breaches,\n" +
		"    toInt64(countIf(" + exprWithSLA + ")) AS with_sla,\n" +
		"    toInt64(min(sla_change_at)) AS next_change\n" +
		"FROM (\n" +
		"    SELECT source, " + grp + " AS grp, status, merged, breaches, applied,\n" +
		"        isNotNull(first_reply_minutes) AS has_fr, ifNull(first_reply_minutes, 0) / 60 AS fr,\n" +
		"        ifNull(resolution_minutes, 0) / 60 AS res,\n" +
		"        status IN ('solved', 'closed') AND NOT merged AND isNotNull(resolution_minutes) AS solved_work,\n" +
		"        isNotNull(first_reply_business_minutes) AS has_frb, ifNull(first_reply_business_minutes, 0) / 60 AS frb,\n" +
		"        ifNull(resolution_business_minutes, 0) / 60 AS resb,\n" +
		"        status IN ('solved', 'closed') AND NOT merged AND isNotNull(resolution_business_minutes) AS solved_work_b,\n")
	addSLAColumns(&q, f.SLA, f.Now, "has_fr")
	q.add("    FROM (\n" +
		"        SELECT source, ticket_id, priority, status, group_name, created, first_reply_minutes, resolution_minutes,\n" +
		"            first_reply_business_minutes, resolution_business_minutes, has(tags, 'closed_by_merge') AS merged\n" +
		"        FROM {db}.tickets FINAL\n" +
		"        WHERE status != 'deleted'")
	if f.Source != "" {
		q.add(" AND source = ?", f.Source)
	}
	if f.From != nil {
		q.add(" AND created >= ?", f.From.UTC())
	}
	if f.To != nil {
		q.add(" AND created <= ?", f.To.UTC())
	}
	q.add("\n    ) AS t\n" +
		ticketEventsJoin +
		") AS s\n" +
		"GROUP BY " + by + "\n" +
		"ORDER BY " + by)
	return q.frag()
}

// The SLA rules the summary and the support load share (DESIGN §5): a
// ticket breached when a breach event came for it, or, when no policy
// applied to it, when its first reply (or, still unanswered, its age)
// passed its priority's configured target.
const (
	exprBreached = "breaches > 0 OR (applied = 0 AND target > 0 AND waited > target)"
	exprWithSLA  = "applied > 0 OR target > 0"
	// ticketEventsJoin adds each ticket's breach and apply_sla event
	// counts (breaches, applied) to the tickets selected as t.
	ticketEventsJoin = "    ANY LEFT JOIN (\n" +
		"        SELECT source, ticket_id, toInt64(countIf(type = 'breach')) AS breaches,\n" +
		"            toInt64(countIf(type = 'apply_sla')) AS applied\n" +
		"        FROM {db}.ticket_metric_events FINAL\n" +
		"        GROUP BY source, ticket_id\n" +
		"    ) AS e USING (source, ticket_id)\n"
)

// addSLAColumns adds the columns exprBreached reads: target, the
// configured first-reply target of the ticket's priority in whole minutes
// (0 without one), and waited, its first reply in minutes, or while open
// and unanswered its age at now. answered is the expression saying the
// ticket has a first reply.
func addSLAColumns(q *query, sla map[string]time.Duration, now time.Time, answered string) {
	prios := slices.Sorted(maps.Keys(sla))
	targets := make([]int64, len(prios))
	for i, p := range prios {
		targets[i] = int64(sla[p] / time.Minute)
	}
	if len(prios) > 0 {
		q.add("        toFloat64(transform(priority, ?, ?, 0)) AS target,\n", prios, targets)
	} else {
		q.add("        toFloat64(0) AS target,\n")
	}
	q.add("        if("+answered+", ifNull(first_reply_minutes, 0),\n"+
		"            if(has(?, status), (toInt64(toUInt32(?)) - toInt64(toUInt32(created))) / 60, 0)) AS waited,\n", ticketOpen, now)
	// The first instant the ticket's breach could change with the clock:
	// open, unanswered, no policy applied and a target not yet passed, it
	// breaches one second after created + target.
	q.add("        if(NOT ("+answered+") AND has(?, status) AND applied = 0 AND target > 0 AND waited <= target,\n"+
		"            toInt64(toUInt32(created)) + toInt64(target * 60) + 1, "+noChange+") AS sla_change_at\n", ticketOpen)
}

// noChange is the change time of what no clock changes (the last
// DateTime).
const noChange = "4294967295"

// TicketSourceGroup is a TicketGroup of one source.
type TicketSourceGroup struct {
	Source string
	TicketGroup
}

// TicketsBySource is TicketSummary per source and group (the gauges').
func TicketsBySource(ctx context.Context, db warehouse.DB, f TicketFilter) ([]TicketSourceGroup, error) {
	f, err := f.check()
	if err != nil {
		return nil, err
	}
	groups, err := ticketGroups(ctx, db, f, true)
	return slices.Clone(groups), err
}

// A ticket summary is a pass over every ticket and its SLA events (~1 s
// at 200,000 tickets on 2 cores), while its answer changes only with the
// data or when an open, unanswered ticket passes its target: the answer
// is kept per filter while the warehouse's data is unchanged, for clocks
// from the one it was computed at until the first such passing (the
// statement says when).
type ticketAnswer struct {
	groups []TicketSourceGroup
	until  int64 // the answer holds for clocks before this (Unix seconds)
}

var ticketReadings readingCache[ticketAnswer]

// ticketGroups runs buildTicketGroups through the cache.
func ticketGroups(ctx context.Context, db warehouse.DB, f TicketFilter, bySource bool) ([]TicketSourceGroup, error) {
	a, _, err := ticketReadings.get(ctx, db, f.key(bySource), f.Now, false, answerServes,
		func(ctx context.Context) (ticketAnswer, error) {
			a := ticketAnswer{groups: []TicketSourceGroup{}, until: math.MaxInt64}
			err := each(ctx, db, "ticket summary", buildTicketGroups(f, bySource), func(r warehouse.Rows) error {
				var g TicketSourceGroup
				var next int64
				src := &g.Source
				if !bySource {
					src = nil
				}
				if err := scanTicketGroup(r, &g.TicketGroup, src, &next); err != nil {
					return err
				}
				a.until = min(a.until, next)
				a.groups = append(a.groups, g)
				return nil
			})
			return a, err
		})
	return a.groups, err
}

// answerServes: an answer computed at clock t holds for the clocks from t
// (in whole seconds, as the statement binds them) up to its until.
func answerServes(r *cachedReading[ticketAnswer], now time.Time) bool {
	return now.Unix() >= r.now.Unix() && now.Unix() < r.data.until
}

// key identifies the filter, its clock left out.
func (f TicketFilter) key(bySource bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%t|%q|%q", bySource, f.Source, cmp.Or(f.GroupBy, TicketsByPriority)) // "" is priority
	for _, t := range []*time.Time{f.From, f.To} {
		if t == nil {
			b.WriteString("|-")
		} else {
			fmt.Fprintf(&b, "|%d", t.Unix())
		}
	}
	for _, p := range slices.Sorted(maps.Keys(f.SLA)) {
		fmt.Fprintf(&b, "|%q=%d", p, f.SLA[p])
	}
	return b.String()
}

func (f TicketFilter) check() (TicketFilter, error) {
	switch f.GroupBy {
	case "", TicketsByPriority, TicketsByStatus, TicketsByGroup:
	default:
		return f, fmt.Errorf("%w: group_by %q (want priority, status or group)", ErrInvalidArgument, f.GroupBy)
	}
	if err := checkRange(f.From, f.To); err != nil {
		return f, err
	}
	now, err := reportNow(f.Now)
	f.Now = now
	return f, err
}

// scanTicketGroup reads a row of buildTicketGroups (src first when given).
func scanTicketGroup(r warehouse.Rows, g *TicketGroup, src *string, nextChange *int64) error {
	var fr50, fr90, res50, res90, frb50, frb90, resb50, resb90 float64
	var withSLA int64
	dest := []any{&g.Group, &g.Created, &g.Solved, &g.Open, &fr50, &fr90, &res50, &res90,
		&frb50, &frb90, &resb50, &resb90, &g.SLABreaches, &withSLA, nextChange}
	if src != nil {
		dest = append([]any{src}, dest...)
	}
	if err := r.Scan(dest...); err != nil {
		return err
	}
	g.FirstReplyP50Hours, g.FirstReplyP90Hours = finite(fr50), finite(fr90)
	g.ResolutionP50Hours, g.ResolutionP90Hours = finite(res50), finite(res90)
	g.FirstReplyBusinessP50Hours, g.FirstReplyBusinessP90Hours = finite(frb50), finite(frb90)
	g.ResolutionBusinessP50Hours, g.ResolutionBusinessP90Hours = finite(resb50), finite(resb90)
	if withSLA > 0 {
		g.SLABreachRate = ptrF(float64(g.SLABreaches) / float64(withSLA))
	}
	return nil
}

// TicketSummary summarises tickets per group (DESIGN §7).
func TicketSummary(ctx context.Context, db warehouse.DB, f TicketFilter) ([]TicketGroup, error) {
	f, err := f.check()
	if err != nil {
		return nil, err
	}
	groups, err := ticketGroups(ctx, db, f, false)
	if err != nil {
		return nil, err
	}
	out := make([]TicketGroup, len(groups))
	for i, g := range groups {
		out[i] = g.TicketGroup
	}
	return out, nil
}

// finite is f, or nil for the NaN a quantile of no value is.
func finite(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

// buildTicketDurations renders the resolution times, in days, of the
// solved tickets (merged and deleted ones left out) created within the
// range, per priority, support group or not at all (groupBy ""). Columns:
// src, grp, n, mean_days, p50_days, p90_days, max_days; ordered by src,
// grp.
func buildTicketDurations(groupBy string, from, to *time.Time) frag {
	grp := map[string]string{GroupByNone: "'all'", TicketsByPriority: "priority", TicketsByGroup: "group_name"}[groupBy]
	var q query
	// Minutes are whole (Zendesk's metrics), so their sum is exact in any
	// order: the mean does not depend on the order rows arrive in.
	q.add("SELECT source AS src, " + grp + " AS grp, toInt64(count()) AS n, toFloat64(sum(minutes)) / count() / 1440 AS mean_days,\n" +
		"    toFloat64(quantile(0.5)(days)) AS p50_days, toFloat64(quantile(0.9)(days)) AS p90_days,\n" +
		"    toFloat64(max(days)) AS max_days\n" +
		"FROM (\n" +
		"    SELECT source, priority, group_name, assumeNotNull(resolution_minutes) AS minutes, minutes / 1440 AS days\n" +
		"    FROM {db}.tickets FINAL\n" +
		"    WHERE status IN ('solved', 'closed') AND NOT has(tags, 'closed_by_merge') AND isNotNull(resolution_minutes)")
	if from != nil {
		q.add(" AND created >= ?", from.UTC())
	}
	if to != nil {
		q.add(" AND created <= ?", to.UTC())
	}
	q.add("\n) AS t\n" +
		"GROUP BY src, grp\n" +
		"ORDER BY src, grp")
	return q.frag()
}

// ticketDurations summarises ticket resolution times (DurationFilter
// with Entity ticket; GroupBy "", priority or group).
func ticketDurations(ctx context.Context, db warehouse.DB, f DurationFilter) ([]DurationGroup, error) {
	if err := checkGroupBy(EntityTicket, f.GroupBy, GroupByNone, TicketsByPriority, TicketsByGroup); err != nil {
		return nil, err
	}
	if err := checkRange(f.From, f.To); err != nil {
		return nil, err
	}
	// No clock in it: kept while the data is unchanged.
	key := TicketFilter{GroupBy: f.GroupBy, From: f.From, To: f.To}.key(false)
	out, _, err := ticketDurationReadings.get(ctx, db, key, time.Time{}, false,
		func(*cachedReading[[]DurationGroup], time.Time) bool { return true },
		func(ctx context.Context) ([]DurationGroup, error) {
			out := []DurationGroup{}
			err := each(ctx, db, "ticket durations", buildTicketDurations(f.GroupBy, f.From, f.To), func(r warehouse.Rows) error {
				var g DurationGroup
				if err := r.Scan(&g.Source, &g.Group, &g.Count, &g.MeanDays, &g.P50Days, &g.P90Days, &g.MaxDays); err != nil {
					return err
				}
				out = append(out, g)
				return nil
			})
			return out, err
		})
	return slices.Clone(out), err
}

var ticketDurationReadings readingCache[[]DurationGroup]
