package gauges

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The sprint family: for every board, its active sprints and its last
// ClosedSprintsPerBoard (3) closed sprints by completion date, so
// cardinality is bounded by boards × (active + 3), whatever the history:
//
//	runway_sprint_issues{source,board,sprint,state,kind}   kind: committed|added|removed|completed
//	runway_sprint_scope_change_ratio{source,board,sprint,state}
//
// with the counts and the rate exactly as the sprint API reports them
// (analytics.RecentSprints shares the definitions of analytics.Sprints;
// DESIGN.md §5), read in a fixed number of statements whatever the number
// of boards. A sprint with nothing committed has no scope_change_ratio
// series (the rate is null: a NaN sample would make every comparison in an
// alert false and break aggregations), but it does have its issues series.
//
// Label values: board is the board id and sprint the sprint id, never the
// sprint name. Ids are stable and unique within a source, so a series keeps
// its identity when a sprint is renamed, and two boards' "Sprint 12" never
// collide. Dashboards that need names join the sprint API.

const familySprints = "sprints"

// ClosedSprintsPerBoard is how many closed sprints of each board, the most
// recently completed, have series.
const ClosedSprintsPerBoard = 3

// Sprint issue kinds, the values of the kind label of runway_sprint_issues.
const (
	KindCommitted = "committed"
	KindAdded     = "added"
	KindRemoved   = "removed"
	KindCompleted = "completed"
)

type sprintGauges struct {
	issues, scope *prometheus.Desc
}

func newSprints() *sprintGauges {
	labels := []string{"source", "board", "sprint", "state"}
	return &sprintGauges{
		issues: prometheus.NewDesc("runway_sprint_issues",
			"Issues of a sprint by kind: committed at its start, added and removed during it, completed at its end "+
				"(now for active sprints). Active sprints and each board's last 3 closed sprints.",
			append(labels, "kind"), nil),
		scope: prometheus.NewDesc("runway_sprint_scope_change_ratio",
			"Sprint scope change rate, (added + removed) / committed; absent when nothing was committed. "+
				"Active sprints and each board's last 3 closed sprints.",
			labels, nil),
	}
}

func (g *sprintGauges) name() string { return familySprints }

func (g *sprintGauges) describe(ch chan<- *prometheus.Desc) {
	ch <- g.issues
	ch <- g.scope
}

func (g *sprintGauges) load(ctx context.Context, db warehouse.DB, now time.Time, out *samples) error {
	reports, err := analytics.RecentSprints(ctx, db, ClosedSprintsPerBoard, now)
	if err != nil {
		return fmt.Errorf("sprints: %w", err)
	}
	for _, r := range reports {
		labels := []string{r.Source, r.Board, r.ID, r.State}
		for _, k := range []struct {
			kind string
			n    int64
		}{{KindCommitted, r.Committed}, {KindAdded, r.Added}, {KindRemoved, r.Removed}, {KindCompleted, r.Completed}} {
			out.add(g.issues, float64(k.n), append(labels[:4:4], k.kind)...)
		}
		if r.ScopeChangeRate != nil {
			out.add(g.scope, *r.ScopeChangeRate, labels...)
		}
	}
	return nil
}
