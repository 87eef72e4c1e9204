package analytics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/runway-analytics/runway/api/analytics/forecast"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// AccuracyFilter selects the forecast backtest: milestones closed within
// [From, To], grouped by project or kind.
type AccuracyFilter struct {
	GroupBy  string // "project" (default) or "kind"
	From, To *time.Time
	Kinds    KindRules
	Now      time.Time // required
}

// AccuracyGroup is how often the forecasts of one group's milestones,
// made 2, 4 and 8 weeks before each closed from the history known then,
// held (DESIGN §7 /api/v1/forecast-accuracy).
type AccuracyGroup struct {
	Group string `json:"group"`
	Name  string `json:"name,omitempty"` // the project's name for group_by=project
	forecast.Accuracy
}

// stay is one issue's stay in a milestone with its resolution.
type stay struct {
	entered  time.Time
	exited   *time.Time
	resolved *time.Time // nil: not done now
}

// buildMilestoneStays renders the membership stays of the selection with
// when each issue was resolved (0: not done now). Columns: source,
// milestone_id, entered, exited, resolved_at.
func buildMilestoneStays(s milestoneSel) frag {
	k := s.keys()
	var q query
	q.add("SELECT source, container_id AS milestone_id, entered, exited, if(done = 1, resolved_at, 0) AS resolved_at\n" +
		"FROM (\n" +
		"    SELECT source, container_id, issue_id, entered, exited\n" +
		"    FROM {db}.membership_intervals FINAL\n")
	q.add("    WHERE kind = '"+warehouse.ContainerMilestone+"' AND (source, container_id) IN ("+k.sql+")\n", k.args...)
	q.add("        AND " + liveIssue + "\n" +
		") AS i\n" +
		"ANY LEFT JOIN (\n" +
		"    SELECT source, issue_id, toUInt8(status_category = '" + warehouse.CategoryDone + "') AS done,\n" +
		"        toInt64(toUInt32(ifNull(resolved, updated))) AS resolved_at\n" +
		"    FROM {db}.issues FINAL\n" +
		"    WHERE deleted = 0\n" +
		") AS st USING (source, issue_id)\n" +
		"ORDER BY source, milestone_id, entered")
	return q.frag()
}

// openAt counts the stays open at t: in the milestone and not resolved.
func openAt(stays []stay, t time.Time) int {
	n := 0
	for _, s := range stays {
		if s.entered.After(t) || (s.exited != nil && !s.exited.After(t)) || (s.resolved != nil && !s.resolved.After(t)) {
			continue
		}
		n++
	}
	return n
}

// ForecastAccuracy backtests the closed milestones: each forecast is
// recomputed as of 2, 4 and 8 weeks before the close from the closures
// and membership known then (forecast.Backtest), with the milestone's own
// seed, so it is the forecast the live report would have served.
func ForecastAccuracy(ctx context.Context, db warehouse.DB, f AccuracyFilter) ([]AccuracyGroup, error) {
	if err := checkGroupBy(EntityMilestone, f.GroupBy, GroupByNone, GroupByProject, GroupByKind); err != nil {
		return nil, err
	}
	if err := checkRange(f.From, f.To); err != nil {
		return nil, err
	}
	now, err := reportNow(f.Now)
	if err != nil {
		return nil, err
	}
	c, err := allMilestoneData(ctx, db, now)
	if err != nil {
		return nil, err
	}
	// The answer depends on the reading and the filter only (a closed
	// milestone's report does not move with the clock): kept per filter
	// on the reading.
	var first *KindRule
	if len(f.Kinds) > 0 {
		first = &f.Kinds[0]
	}
	key := fmt.Sprintf("%s|%v|%v|%d|%p", f.GroupBy, f.From, f.To, len(f.Kinds), first)
	c.accMu.Lock()
	defer c.accMu.Unlock()
	if out, ok := c.acc[key]; ok {
		return out, nil
	}
	backtests, err := c.backtests(ctx, db, now)
	if err != nil {
		return nil, err
	}
	// Grouped in two passes: an Outcome is large, so each group's slice
	// is allocated once at its size rather than grown.
	type picked struct {
		group [2]string
		o     *forecast.Outcome
	}
	var picks []picked
	sizes := map[[2]string]int{}
	for _, m := range c.reports(f.Kinds, now) {
		o, ok := backtests[[2]string{m.Source, m.ID}]
		if !ok || !inRange(m.Closed, f.From, f.To) {
			continue
		}
		g, name := milestoneGroup(m, cmp.Or(f.GroupBy, GroupByProject), nil)
		picks = append(picks, picked{[2]string{g, name}, o})
		sizes[[2]string{g, name}]++
	}
	outcomes := make(map[[2]string][]forecast.Outcome, len(sizes))
	for k, n := range sizes {
		outcomes[k] = make([]forecast.Outcome, 0, n)
	}
	for _, p := range picks {
		outcomes[p.group] = append(outcomes[p.group], *p.o)
	}
	out := []AccuracyGroup{}
	for _, k := range slices.SortedFunc(maps.Keys(outcomes), func(a, b [2]string) int { return cmp.Compare(a[0], b[0]) }) {
		out = append(out, AccuracyGroup{Group: k[0], Name: k[1], Accuracy: forecast.Aggregate(outcomes[k])})
	}
	if c.acc == nil {
		c.acc = map[string][]AccuracyGroup{}
	}
	c.acc[key] = out
	return out, nil
}

// backtests returns the backtest of every closed milestone of the
// reading, computed once per reading (on every core): a backtest depends
// only on history before the milestone closed, which the reading holds.
func (c *milestoneData) backtests(ctx context.Context, db warehouse.DB, now time.Time) (map[[2]string]*forecast.Outcome, error) {
	c.btMu.Lock()
	defer c.btMu.Unlock()
	if c.bt != nil {
		return c.bt, nil
	}
	stays := map[[2]string][]stay{}
	err := each(ctx, db, "milestone stays", buildMilestoneStays(milestoneSel{}), func(r warehouse.Rows) error {
		var src, id string
		var s stay
		var res int64
		if err := r.Scan(&src, &id, &s.entered, &s.exited, &res); err != nil {
			return err
		}
		if res > 0 {
			s.resolved = ptrTime(time.Unix(res, 0).UTC())
		}
		stays[[2]string{src, id}] = append(stays[[2]string{src, id}], s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The project fallback throughput, from the earliest baseline on.
	var closed []MilestoneReport
	since := now
	need := map[[2]string]bool{}
	for _, m := range c.reports(nil, now) {
		if m.State != MilestoneClosed || m.Closed == nil {
			continue
		}
		closed = append(closed, m)
		need[[2]string{m.Source, m.Project}] = true
		start := m.Closed.Add(-2 * forecast.SampleWeeks * 7 * 24 * time.Hour)
		if m.Start != nil && m.Start.Before(start) {
			start = *m.Start
		}
		if start.Before(since) {
			since = start
		}
	}
	projClosures, err := loadProjectClosures(ctx, db, need, since)
	if err != nil {
		return nil, err
	}
	out := make([]forecast.Outcome, len(closed))
	errs := make([]error, len(closed))
	onEveryCore(len(closed), func(i int) {
		m := closed[i]
		ss := stays[[2]string{m.Source, m.ID}]
		var closures []time.Time
		for _, s := range ss {
			if s.resolved != nil && s.exited == nil {
				closures = append(closures, *s.resolved)
			}
		}
		slices.SortFunc(closures, time.Time.Compare)
		h := forecast.History{Closed: *m.Closed, Closures: closures, ProjectClosures: projClosures[[2]string{m.Source, m.Project}],
			OpenAt: func(t time.Time) int { return openAt(ss, t) }, Seed: forecast.Seed(m.Source, m.ID), Forecast: memoForecast}
		if m.Start != nil {
			h.Baseline = *m.Start
		}
		out[i], errs[i] = forecast.Backtest(h, forecast.DefaultTrials)
		if errs[i] != nil {
			errs[i] = fmt.Errorf("backtest of milestone %s/%s: %w", m.Source, m.ID, errs[i])
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	c.bt = make(map[[2]string]*forecast.Outcome, len(closed))
	for i, m := range closed {
		c.bt[[2]string{m.Source, m.ID}] = &out[i]
	}
	return c.bt, nil
}
