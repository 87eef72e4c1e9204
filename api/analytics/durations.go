package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// DurationFilter selects a duration rollup.
type DurationFilter struct {
	// Entity is "sprint" (or ""), "milestone", "project" or "ticket"
	// (resolution times); anything else ErrInvalidArgument.
	Entity string
	// GroupBy: sprints "", "board", "state" or "month" (month of t0,
	// YYYY-MM); milestones "", "project", "kind" or "type" (the project's);
	// projects "" or "type"; tickets "", "priority" or "group".
	GroupBy string
	// From and To bound t0 of sprints, the baseline of milestones, the
	// start of projects and the creation of tickets (inclusive).
	From, To *time.Time
	Now      time.Time // t1 of active sprints, end of open milestones; required
	Kinds    KindRules // milestone kinds, for group_by=kind
}

// DurationGroup summarises the actual durations (t1 - t0, in days) of the
// started sprints of one group. Active sprints count with their duration
// so far; group by state to tell them apart.
//
// Quantiles are ClickHouse's quantile(), a reservoir sample of 8192 values
// with linear interpolation between neighbours: exact for groups of up to
// 8192 sprints (p50 of 10, 11, 12, 13 days is 11.5), an estimate beyond.
type DurationGroup struct {
	Group string `json:"group"`
	// Name is the project's name for group_by=project ("" otherwise).
	Name string `json:"name,omitempty"`
	// Source is the board's source for group_by=board ("" otherwise).
	Source   string  `json:"source,omitempty"`
	Count    int64   `json:"count"`
	MeanDays float64 `json:"mean_days"`
	P50Days  float64 `json:"p50_days"`
	P90Days  float64 `json:"p90_days"`
	MaxDays  float64 `json:"max_days"`
}

func (f DurationFilter) check() (grouping, error) {
	if err := checkEntity(f.Entity); err != nil {
		return grouping{}, err
	}
	g, err := pickGrouping(f.GroupBy, GroupByNone, GroupByBoard, GroupByState, GroupByMonth)
	if err != nil {
		return grouping{}, err
	}
	return g, checkRange(f.From, f.To)
}

// buildDurations renders the rollup. Columns: src, grp, n, mean_days,
// p50_days, p90_days, max_days; ordered by src, grp.
func buildDurations(g grouping, s sprintSel) (string, []any) {
	var q query
	// The mean sums whole seconds, exactly, so it does not depend on the
	// order rows arrive in (threads, a cluster's shards).
	q.add("SELECT src, grp, toInt64(count()) AS n, toFloat64(sum(secs)) / count() / 86400 AS mean_days,\n" +
		"    toFloat64(quantile(0.5)(days)) AS p50_days, toFloat64(quantile(0.9)(days)) AS p90_days,\n" +
		"    toFloat64(max(days)) AS max_days\n" +
		"FROM (\n" +
		"    SELECT " + g.src + " AS src, " + g.grp + " AS grp,\n" +
		"        toInt64(toUInt32(t1)) - toInt64(toUInt32(assumeNotNull(t0))) AS secs,\n" +
		"        " + daysBetween("assumeNotNull(t0)", "t1") + " AS days\n" +
		"    FROM (\n")
	q.nest(indent2(sprintSet(s)))
	q.add("\n    ) AS p\n" +
		"    WHERE isNotNull(t0)\n" +
		") AS d\n" +
		"GROUP BY src, grp\n" +
		"ORDER BY src, grp")
	return q.sb.String(), q.args
}

// Durations summarises sprint durations per group over the started sprints
// whose t0 is within [From, To].
func Durations(ctx context.Context, db warehouse.DB, f DurationFilter) ([]DurationGroup, error) {
	switch f.Entity {
	case EntityTicket:
		return ticketDurations(ctx, db, f)
	case EntityMilestone, EntityProject:
		allowed := []string{GroupByNone, GroupByProject, GroupByKind, GroupByType}
		if f.Entity == EntityProject {
			allowed = []string{GroupByNone, GroupByType}
		}
		if err := checkGroupBy(f.Entity, f.GroupBy, allowed...); err != nil {
			return nil, err
		}
		if err := checkRange(f.From, f.To); err != nil {
			return nil, err
		}
		now, err := reportNow(f.Now)
		if err != nil {
			return nil, err
		}
		return milestoneDurations(ctx, db, f, now)
	}
	g, err := f.check()
	if err != nil {
		return nil, err
	}
	now, err := reportNow(f.Now)
	if err != nil {
		return nil, err
	}
	sql, args := buildDurations(g, sprintSel{from: f.From, to: f.To, now: now})
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("durations: %w", err)
	}
	defer rows.Close()
	out := []DurationGroup{}
	for rows.Next() {
		var r DurationGroup
		if err := rows.Scan(&r.Source, &r.Group, &r.Count, &r.MeanDays, &r.P50Days, &r.P90Days, &r.MaxDays); err != nil {
			return nil, fmt.Errorf("durations: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("durations: %w", err)
	}
	return out, nil
}
