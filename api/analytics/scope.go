package analytics

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// ScopeChangeFilter selects a scope-change rollup.
type ScopeChangeFilter struct {
	Entity string // "sprint" (or "") or "milestone"
	// GroupBy: sprints "board" or "month" (month of t0, YYYY-MM);
	// milestones "project" (the default), "kind" or "type".
	GroupBy string
	Source  string // "" for all sources
	// From and To bound t0 (inclusive).
	From, To *time.Time
	Now      time.Time // t1 of active sprints; required
	Kinds    KindRules // milestone kinds, for group_by=kind
}

// ScopeChangeGroup sums the scope metrics of the started (active and
// closed) sprints of one group. Each sprint counts its own issues, so an
// issue in two sprints counts once in each, and a board total is the sum of
// its sprints. ScopeChangeRate is (added + removed) / committed over those
// sums, null when committed is 0.
type ScopeChangeGroup struct {
	Group string `json:"group"`
	// Source is the board's source for group_by=board ("" otherwise):
	// board ids are only unique within a source.
	Source string `json:"source,omitempty"`
	// Name is the project's name for milestones grouped by project.
	Name    string `json:"name,omitempty"`
	Sprints int64  `json:"sprints"`
	// Milestones counts the group's milestones (milestone rollups only;
	// their committed is the milestones' initial scope at baseline).
	Milestones      int64    `json:"milestones,omitempty"`
	Committed       int64    `json:"committed"`
	Added           int64    `json:"added"`
	Removed         int64    `json:"removed"`
	ScopeChangeRate *float64 `json:"scope_change_rate"`
}

func (f ScopeChangeFilter) check() (grouping, error) {
	if err := checkEntity(f.Entity); err != nil {
		return grouping{}, err
	}
	if f.GroupBy == GroupByProject {
		return grouping{}, fmt.Errorf("%w: group_by %q for sprints", ErrUnsupported, f.GroupBy)
	}
	g, err := pickGrouping(f.GroupBy, GroupByBoard, GroupByMonth)
	if err != nil {
		return grouping{}, err
	}
	return g, checkRange(f.From, f.To)
}

// buildScopeChange renders the rollup. Columns: src, grp, sprints,
// committed, added, removed, scope_change_rate; ordered by src, grp.
func buildScopeChange(g grouping, s sprintSel) (string, []any) {
	set := sprintSet(s)
	var q query
	q.add("SELECT src, grp, toInt64(count()) AS sprints,\n" +
		"    toInt64(sum(c_n)) AS committed, toInt64(sum(a_n)) AS added, toInt64(sum(r_n)) AS removed,\n" +
		"    if(committed = 0, NULL, toFloat64(added + removed) / committed) AS scope_change_rate\n" +
		"FROM (\n" +
		"    SELECT source, sprint_id, " + g.src + " AS src, " + g.grp + " AS grp\n" +
		"    FROM (\n")
	q.nest(indent2(set))
	q.add("\n    ) AS p\n" +
		"    WHERE isNotNull(t0)\n" +
		") AS g\n" +
		"ANY LEFT JOIN (\n" +
		"    SELECT source, container_id AS sprint_id,\n" +
		"        toInt64(uniqExactIf(issue_id, " + exprInT0 + ")) AS c_n,\n" +
		"        toInt64(countIf(" + exprAdded + ")) AS a_n,\n" +
		"        toInt64(countIf(" + indentCont(exprRemoved) + ")) AS r_n\n" +
		"    FROM (\n")
	q.nest(indent2(windowedIntervals(s)))
	q.add("\n    ) AS a\n" +
		"    GROUP BY source, container_id\n" +
		") AS m USING (source, sprint_id)\n" +
		"GROUP BY src, grp\n" +
		"ORDER BY src, grp")
	return q.sb.String(), q.args
}

// ScopeChange sums committed, added and removed per group over the started
// sprints whose t0 is within [From, To].
func ScopeChange(ctx context.Context, db warehouse.DB, f ScopeChangeFilter) ([]ScopeChangeGroup, error) {
	if f.Entity == EntityMilestone {
		if err := checkGroupBy(EntityMilestone, f.GroupBy, GroupByNone, GroupByProject, GroupByKind, GroupByType); err != nil {
			return nil, err
		}
		if f.GroupBy == "" {
			f.GroupBy = GroupByProject
		}
		if err := checkRange(f.From, f.To); err != nil {
			return nil, err
		}
		now, err := reportNow(f.Now)
		if err != nil {
			return nil, err
		}
		return milestoneScopeChange(ctx, db, f, now)
	}
	g, err := f.check()
	if err != nil {
		return nil, err
	}
	now, err := reportNow(f.Now)
	if err != nil {
		return nil, err
	}
	sel := sprintSel{source: f.Source, from: f.From, to: f.To, now: now}
	metrics, ok, err := cachedSprintMetrics(ctx, db, now, false)
	if err != nil {
		return nil, err
	}
	if ok {
		return scopeChangeOf(ctx, db, g, sel, metrics)
	}
	sql, args := buildScopeChange(g, sel)
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("scope change: %w", err)
	}
	defer rows.Close()
	out := []ScopeChangeGroup{}
	for rows.Next() {
		var r ScopeChangeGroup
		if err := rows.Scan(&r.Source, &r.Group, &r.Sprints, &r.Committed, &r.Added, &r.Removed, &r.ScopeChangeRate); err != nil {
			return nil, fmt.Errorf("scope change: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scope change: %w", err)
	}
	return out, nil
}

// buildSprintGroups renders the started sprints s selects with their
// group. Columns: source, sprint_id, src, grp.
func buildSprintGroups(g grouping, s sprintSel) frag {
	var q query
	q.add("SELECT source, sprint_id, " + g.src + " AS src, " + g.grp + " AS grp\n" +
		"FROM (\n")
	q.nest(sprintSet(s))
	q.add("\n) AS p\n" +
		"WHERE isNotNull(t0)")
	return q.frag()
}

// sprintGroup is a row of buildSprintGroups.
type sprintGroup struct{ source, id, src, grp string }

// sprintGroupReadings keep the started sprints' groups per grouping and
// filter while the data is unchanged: no clock is in them.
var sprintGroupReadings readingCache[[]sprintGroup]

// scopeChangeOf is buildScopeChange's rollup with the sprints' metrics
// taken from the reading and their groups from one statement (kept).
func scopeChangeOf(ctx context.Context, db warehouse.DB, g grouping, sel sprintSel, metrics map[[2]string]sprintMetrics) ([]ScopeChangeGroup, error) {
	key := g.src + "|" + g.grp + "|" + TicketFilter{Source: sel.source, From: sel.from, To: sel.to}.key(false)
	rows, _, err := sprintGroupReadings.get(ctx, db, key, sel.now, false,
		func(*cachedReading[[]sprintGroup], time.Time) bool { return true },
		func(ctx context.Context) ([]sprintGroup, error) {
			var out []sprintGroup
			err := each(ctx, db, "scope change", buildSprintGroups(g, sel), func(r warehouse.Rows) error {
				var sg sprintGroup
				if err := r.Scan(&sg.source, &sg.id, &sg.src, &sg.grp); err != nil {
					return err
				}
				out = append(out, sg)
				return nil
			})
			return out, err
		})
	if err != nil {
		return nil, err
	}
	groups := map[[2]string]*ScopeChangeGroup{}
	for _, r := range rows {
		source, id, src, grp := r.source, r.id, r.src, r.grp
		k := [2]string{src, grp}
		sg := groups[k]
		if sg == nil {
			sg = &ScopeChangeGroup{Source: src, Group: grp}
			groups[k] = sg
		}
		m := metrics[[2]string{source, id}]
		sg.Sprints++
		sg.Committed += m.committed
		sg.Added += m.added
		sg.Removed += m.removed
	}
	out := make([]ScopeChangeGroup, 0, len(groups))
	for _, k := range slices.SortedFunc(maps.Keys(groups), func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	}) {
		sg := groups[k]
		if sg.Committed != 0 {
			rate := float64(sg.Added+sg.Removed) / float64(sg.Committed)
			sg.ScopeChangeRate = &rate
		}
		out = append(out, *sg)
	}
	return out, nil
}
