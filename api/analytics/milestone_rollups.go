package analytics

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// Milestone and project rollups (durations, scope change) are computed from
// the milestone reports, which are read set-based (five statements); the
// groups are few, so grouping in Go costs nothing.

// Group-by values of milestone and project rollups.
const (
	GroupByKind = "kind"
	GroupByType = "type" // the project's type
)

// milestoneGroup names a milestone's group: its Runway project (else its
// upstream project), kind, or project type; with the project's name.
func milestoneGroup(m MilestoneReport, by string, types map[string]string) (group, name string) {
	switch by {
	case GroupByKind:
		return m.Kind, ""
	case GroupByType:
		if t := types[m.ProjectKey]; t != "" {
			return t, ""
		}
		return "none", ""
	case GroupByProject:
		if m.ProjectKey != "" {
			return m.ProjectKey, m.ProjectName
		}
		return m.Project, ""
	}
	return AllGroup, ""
}

// inRange: t within [from, to], both optional.
func inRange(t *time.Time, from, to *time.Time) bool {
	if from == nil && to == nil {
		return true
	}
	return t != nil && (from == nil || !t.Before(*from)) && (to == nil || !t.After(*to))
}

// summarise fills a DurationGroup from days, with ClickHouse's quantile()
// rule for small sets (linear interpolation between neighbours), so the
// sprint rollup and these agree.
func summarise(g DurationGroup, days []float64) DurationGroup {
	slices.Sort(days)
	g.Count = int64(len(days))
	var sum float64
	for _, d := range days {
		sum += d
	}
	g.MeanDays = sum / float64(len(days))
	q := func(p float64) float64 {
		pos := p * float64(len(days)-1)
		lo := int(math.Floor(pos))
		hi := min(lo+1, len(days)-1)
		return days[lo] + (days[hi]-days[lo])*(pos-float64(lo))
	}
	g.P50Days, g.P90Days, g.MaxDays = q(0.5), q(0.9), days[len(days)-1]
	return g
}

// milestoneDurations: the durations of milestones (closed or now, minus
// the baseline) whose baseline is within [From, To], or of projects.
func milestoneDurations(ctx context.Context, db warehouse.DB, f DurationFilter, now time.Time) ([]DurationGroup, error) {
	days := map[[2]string][]float64{}
	if f.Entity == EntityProject {
		ps, err := Projects(ctx, db, f.Kinds, now)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p.DurationDays == nil || !inRange(p.Start, f.From, f.To) {
				continue
			}
			g := AllGroup
			if f.GroupBy == GroupByType {
				g = p.Type
			}
			days[[2]string{g}] = append(days[[2]string{g}], *p.DurationDays)
		}
	} else {
		ms, types, err := allMilestones(ctx, db, f.Kinds, now)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.DurationDays == nil || !inRange(m.Start, f.From, f.To) {
				continue
			}
			g, name := milestoneGroup(m, f.GroupBy, types)
			days[[2]string{g, name}] = append(days[[2]string{g, name}], *m.DurationDays)
		}
	}
	out := []DurationGroup{}
	for _, k := range slices.SortedFunc(maps.Keys(days), func(a, b [2]string) int { return cmp.Compare(a[0], b[0]) }) {
		out = append(out, summarise(DurationGroup{Group: k[0], Name: k[1]}, days[k]))
	}
	return out, nil
}

// milestoneScopeChange sums the milestones' scope against their baselines
// per group: committed is the initial scope.
func milestoneScopeChange(ctx context.Context, db warehouse.DB, f ScopeChangeFilter, now time.Time) ([]ScopeChangeGroup, error) {
	ms, types, err := allMilestones(ctx, db, f.Kinds, now)
	if err != nil {
		return nil, err
	}
	groups := map[[2]string]*ScopeChangeGroup{}
	for _, m := range ms {
		if (f.Source != "" && m.Source != f.Source) || !inRange(m.Start, f.From, f.To) || m.Start == nil {
			continue
		}
		g, name := milestoneGroup(m, f.GroupBy, types)
		k := [2]string{g, name}
		if groups[k] == nil {
			groups[k] = &ScopeChangeGroup{Group: g, Name: name}
		}
		sg := groups[k]
		sg.Milestones++
		sg.Committed += m.InitialScope
		sg.Added += m.Added
		sg.Removed += m.Removed
	}
	out := []ScopeChangeGroup{}
	for _, k := range slices.SortedFunc(maps.Keys(groups), func(a, b [2]string) int { return cmp.Compare(a[0], b[0]) }) {
		g := *groups[k]
		if g.Committed > 0 {
			g.ScopeChangeRate = ptrF(float64(g.Added+g.Removed) / float64(g.Committed))
		}
		out = append(out, g)
	}
	return out, nil
}

// allMilestones returns every milestone's report and the project types.
func allMilestones(ctx context.Context, db warehouse.DB, kinds KindRules, now time.Time) ([]MilestoneReport, map[string]string, error) {
	c, err := allMilestoneData(ctx, db, now)
	if err != nil {
		return nil, nil, fmt.Errorf("milestones: %w", err)
	}
	types := map[string]string{}
	for _, p := range c.projects {
		types[p.key] = p.typ
	}
	return c.reports(kinds, now), types, nil
}
