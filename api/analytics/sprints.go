package analytics

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// DefaultLimit is the page size of Sprints when the filter leaves it unset.
const DefaultLimit = 100

// Sprint states as Jira names them; SprintFilter.State takes one of these.
const (
	StateFuture = "future"
	StateActive = "active"
	StateClosed = "closed"
)

// SprintFilter selects sprint reports.
//
// Order is stable for keyset pagination: newest start first, then source
// and sprint id ascending. The start of a sprint is its t0 (activatedDate,
// else startDate); a future sprint sorts by its planned startDate, and a
// sprint with no date at all sorts last.
type SprintFilter struct {
	Source string // exact source name; "" for all
	Board  string // exact board id; "" for all
	State  string // "", "future", "active" or "closed"
	// From and To bound t0 (inclusive). With either set, sprints that have
	// not started (future sprints, no t0) are left out.
	From, To *time.Time
	// Now is t1 for sprints that are not closed; zero means time.Now().
	Now time.Time
	// Limit is the page size; 0 means DefaultLimit. The HTTP layer bounds it
	// (and may ask for one extra row to know whether a next page exists).
	Limit int
	// After continues after the last report of the previous page
	// (SprintReport.Key()).
	After *SprintKey
}

// SprintKey is a position in the Sprints order.
type SprintKey struct {
	Start  time.Time // the report's Start; zero for a sprint without dates
	Source string
	ID     string
}

// SprintReport is one sprint with its scope metrics (DESIGN.md §5, §7).
//
// Times are UTC. Start is t0 (activatedDate, else startDate) for a sprint
// that has started and the planned startDate for a future one. A future
// sprint has no t0: its counts are 0 and its actual_days and rates are
// null (nothing has been committed yet), while planned_days still comes
// from its planned dates.
type SprintReport struct {
	Source   string     `json:"source"`
	Board    string     `json:"board"`
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	State    string     `json:"state"`
	Start    *time.Time `json:"start"`
	End      *time.Time `json:"end"`
	Complete *time.Time `json:"complete"`

	PlannedDays *float64 `json:"planned_days"` // endDate - startDate
	ActualDays  *float64 `json:"actual_days"`  // t1 - t0

	Committed   int64 `json:"committed"`
	Added       int64 `json:"added"`
	Removed     int64 `json:"removed"`
	Completed   int64 `json:"completed"`
	CarriedOver int64 `json:"carried_over"`

	// Null when committed is 0 (and completion_rate also when
	// committed + added - removed <= 0).
	ScopeChangeRate  *float64 `json:"scope_change_rate"`
	AddedRate        *float64 `json:"added_rate"`
	NetChangeRate    *float64 `json:"net_change_rate"`
	PlanningAccuracy *float64 `json:"planning_accuracy"`
	CompletionRate   *float64 `json:"completion_rate"`

	// Story points of the same sets (from the membership intervals; issues
	// without an estimate count 0).
	CommittedPoints float64 `json:"committed_points"`
	AddedPoints     float64 `json:"added_points"`
	RemovedPoints   float64 `json:"removed_points"`
	CompletedPoints float64 `json:"completed_points"`
}

// Key is the report's position, for SprintFilter.After.
func (r SprintReport) Key() SprintKey {
	k := SprintKey{Source: r.Source, ID: r.ID}
	if r.Start != nil {
		k.Start = *r.Start
	}
	return k
}

// SprintEvent is one issue-level change of a sprint's scope.
//
// Kind is "added" (entered in (t0, t1]), "removed" (left in (t0, t1]) or
// "carried_over" (in the sprint at t1 and not done; At is t1, or the
// completion move-out time). Removed events list every exit, including
// those of issues already done (DoneAtLeaving true), which are not counted
// in SprintReport.Removed. For an active sprint t1 is now, so carried_over
// lists what is still open.
type SprintEvent struct {
	IssueID       string    `json:"issue_id"`
	IssueKey      string    `json:"issue_key"`
	At            time.Time `json:"at"`
	Kind          string    `json:"kind"`
	DoneAtLeaving bool      `json:"done_at_leaving"`
	Points        *float64  `json:"points"`
}

// Event kinds.
const (
	EventAdded       = "added"
	EventRemoved     = "removed"
	EventCarriedOver = "carried_over"
)

// SprintDetail is a sprint report with its issue-level events.
type SprintDetail struct {
	SprintReport
	Events []SprintEvent `json:"events"`
}

// sprintSel selects the sprints a builder works on.
type sprintSel struct {
	source, board, state, id string
	from, to                 *time.Time
	now                      time.Time
	after                    *SprintKey
	limit                    int // 0: no ORDER BY / LIMIT
}

// epoch is the sort position of sprints without any date.
var epoch = time.Unix(0, 0).UTC()

// sprintSet renders the selected sprints with their window:
// t0 = activatedDate, else startDate (NULL for future sprints); t1 =
// completeDate for closed sprints, else now; sort_at orders them.
func sprintSet(s sprintSel) frag {
	var q query
	q.add("SELECT source, sprint_id, board_id, name, state, start_date, end_date, complete_date,\n" +
		"    if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,\n")
	q.add("    if(state = 'closed', ifNull(complete_date, ?), ?) AS t1,\n", s.now, s.now)
	q.add("    ifNull(t0, ifNull(start_date, toDateTime(0, 'UTC'))) AS sort_at\n" +
		"FROM {db}.sprints FINAL")
	var conds []string
	var args []any
	cond := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if s.source != "" {
		cond("source = ?", s.source)
	}
	if s.id != "" {
		cond("sprint_id = ?", s.id)
	}
	if s.board != "" {
		cond("board_id = ?", s.board)
	}
	if s.state != "" {
		cond("state = ?", s.state)
	}
	if s.from != nil {
		cond("t0 >= ?", s.from.UTC())
	}
	if s.to != nil {
		cond("t0 <= ?", s.to.UTC())
	}
	if a := s.after; a != nil {
		at := a.Start.UTC()
		if at.Before(epoch) {
			at = epoch
		}
		cond("(sort_at < ? OR (sort_at = ? AND (source > ? OR (source = ? AND sprint_id > ?))))",
			at, at, a.Source, a.Source, a.ID)
	}
	if len(conds) > 0 {
		q.add("\nWHERE "+strings.Join(conds, "\n    AND "), args...)
	}
	if s.limit > 0 {
		q.add("\nORDER BY sort_at DESC, source, sprint_id\nLIMIT " + strconv.Itoa(s.limit))
	}
	return q.frag()
}

// sprintKeys renders the (source, sprint_id) pairs of a sprint set, for IN.
func sprintKeys(set frag) frag {
	var q query
	q.add("SELECT source, sprint_id FROM (\n")
	q.nest(set)
	q.add("\n) AS p")
	return q.frag()
}

// windowedIntervals renders every sprint membership interval of the
// started sprints in set, next to its sprint's window (start_at = t0,
// end_at = t1, closing).
func windowedIntervals(set frag) frag {
	var q query
	q.add("SELECT source, container_id, issue_id, entered, exited, done_at_leaving, points,\n" +
		"    start_at, end_at, closing\n" +
		"FROM (\n" +
		"    SELECT source, container_id, issue_id, entered, exited, done_at_leaving, points\n" +
		"    FROM {db}.membership_intervals FINAL\n" +
		"    WHERE kind = 'sprint' AND (source, container_id) IN (\n")
	q.nest(indent2(sprintKeys(set)))
	q.add("\n    )\n" +
		") AS i\n" +
		"ALL INNER JOIN (\n" +
		"    SELECT source, sprint_id AS container_id, assumeNotNull(t0) AS start_at, t1 AS end_at,\n" +
		"        state = 'closed' AND isNotNull(complete_date) AS closing\n" +
		"    FROM (\n")
	q.nest(indent2(set))
	q.add("\n    ) AS p\n" +
		"    WHERE isNotNull(t0)\n" +
		") AS w USING (source, container_id)")
	return q.frag()
}

// statusHistory renders, per issue of the sprints in set, its status
// history as st = [(at, seq, is_done)] sorted by time, then changelog order. Arrays stand in for the
// "latest change at or before t1" lookup, which would need a window
// function or a non-equi join that ClickHouse 18.16 lacks.
func statusHistory(set frag) frag {
	var q query
	q.add("SELECT source, issue_id, arraySort(groupArray((at, toUInt64OrZero(splitByChar(':', event_id)[1]), to_category = 'done'))) AS st\n" +
		"FROM {db}.issue_status_changes FINAL\n" +
		"WHERE (source, issue_id) IN (\n" +
		"    SELECT source, issue_id\n" +
		"    FROM {db}.membership_intervals FINAL\n" +
		"    WHERE kind = 'sprint' AND (source, container_id) IN (\n")
	q.nest(indent2(sprintKeys(set)))
	q.add("\n    )\n" +
		")\n" +
		"GROUP BY source, issue_id")
	return q.frag()
}

// indent2 indents a fragment by one extra level (so that nest puts it two
// levels deep).
func indent2(f frag) frag { return frag{sql: indent(f.sql), args: f.args} }

// sprintMetrics renders the per-sprint counts of the started sprints in
// set, in one pass over their intervals.
func sprintMetrics(set frag) frag {
	var q query
	q.add("SELECT source, container_id AS sprint_id,\n" +
		"    toInt64(uniqExactIf(issue_id, in_t0)) AS committed,\n" +
		"    toInt64(countIf(is_added)) AS added,\n" +
		"    toInt64(countIf(is_removed)) AS removed,\n" +
		"    toInt64(uniqExactIf(issue_id, in_t1 AND done_t1)) AS completed,\n" +
		"    toInt64(uniqExactIf(issue_id, in_t1 AND NOT done_t1)) AS carried_over,\n" +
		"    toInt64(length(arrayIntersect(groupUniqArrayIf(issue_id, in_t0),\n" +
		"        groupUniqArrayIf(issue_id, in_t1 AND done_t1)))) AS committed_done,\n" +
		"    toFloat64(sumIf(pts, in_t0)) AS committed_points,\n" +
		"    toFloat64(sumIf(pts, is_added)) AS added_points,\n" +
		"    toFloat64(sumIf(pts, is_removed)) AS removed_points,\n" +
		"    toFloat64(sumIf(pts, in_t1 AND done_t1)) AS completed_points\n" +
		"FROM (\n" +
		"    SELECT source, container_id, issue_id, ifNull(points, 0) AS pts,\n" +
		"        " + exprInT0 + " AS in_t0,\n" +
		"        " + exprAdded + " AS is_added,\n" +
		"        " + indentCont(exprRemoved) + " AS is_removed,\n" +
		"        " + indentCont(exprInT1) + " AS in_t1,\n" +
		"        " + exprDoneT1 + " AS done_t1\n" +
		"    FROM (\n")
	q.nest(indent2(windowedIntervals(set)))
	q.add("\n    ) AS a\n" +
		"    ANY LEFT JOIN (\n")
	q.nest(indent2(statusHistory(set)))
	q.add("\n    ) AS h USING (source, issue_id)\n" +
		") AS b\n" +
		"GROUP BY source, container_id")
	return q.frag()
}

// indentCont indents the continuation lines of a multi-line expression to
// sit under a select list two levels deep.
func indentCont(expr string) string {
	return strings.ReplaceAll(expr, "\n", "\n        ")
}

func (f SprintFilter) sel() (sprintSel, error) {
	switch f.State {
	case "", StateFuture, StateActive, StateClosed:
	default:
		return sprintSel{}, fmt.Errorf("%w: state %q (want future, active or closed)", ErrInvalidArgument, f.State)
	}
	if err := checkRange(f.From, f.To); err != nil {
		return sprintSel{}, err
	}
	if f.Limit < 0 {
		return sprintSel{}, fmt.Errorf("%w: limit %d is negative", ErrInvalidArgument, f.Limit)
	}
	limit := f.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	return sprintSel{source: f.Source, board: f.Board, state: f.State, from: f.From, to: f.To,
		now: nowOr(f.Now), after: f.After, limit: limit}, nil
}

func checkRange(from, to *time.Time) error {
	if from != nil && to != nil && to.Before(*from) {
		return fmt.Errorf("%w: to (%s) is before from (%s)", ErrInvalidArgument,
			to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339))
	}
	return nil
}

func nowOr(now time.Time) time.Time {
	if now.IsZero() {
		return time.Now().UTC()
	}
	return now.UTC()
}

// buildSprints renders the sprint report query. Columns, in order: source,
// sprint_id, board_id, name, state, start_time, end_date, complete_date,
// planned_days, actual_days, committed, added, removed, completed,
// carried_over, scope_change_rate, added_rate, net_change_rate,
// planning_accuracy, completion_rate, committed_points, added_points,
// removed_points, completed_points.
func buildSprints(s sprintSel) (string, []any) {
	set := sprintSet(s)
	var q query
	q.add("SELECT source, sprint_id, board_id, name, state, ifNull(t0, start_date) AS start_time,\n" +
		"    end_date, complete_date,\n" +
		"    " + daysBetween("start_date", "end_date") + " AS planned_days,\n" +
		"    " + daysBetween("t0", "t1") + " AS actual_days,\n" +
		"    committed, added, removed, completed, carried_over,\n" +
		"    if(committed = 0, NULL, toFloat64(added + removed) / committed) AS scope_change_rate,\n" +
		"    if(committed = 0, NULL, toFloat64(added) / committed) AS added_rate,\n" +
		"    if(committed = 0, NULL, toFloat64(added - removed) / committed) AS net_change_rate,\n" +
		"    if(committed = 0, NULL, toFloat64(committed_done) / committed) AS planning_accuracy,\n" +
		"    if(committed = 0 OR committed + added - removed <= 0, NULL,\n" +
		"        toFloat64(completed) / (committed + added - removed)) AS completion_rate,\n" +
		"    committed_points, added_points, removed_points, completed_points\n" +
		"FROM (\n")
	q.nest(set)
	q.add("\n) AS s\n" +
		"ANY LEFT JOIN (\n")
	q.nest(sprintMetrics(set))
	q.add("\n) AS m USING (source, sprint_id)\n" +
		"ORDER BY sort_at DESC, source, sprint_id")
	return q.sb.String(), q.args
}

// Sprints returns one page of sprint reports.
func Sprints(ctx context.Context, db warehouse.DB, f SprintFilter) ([]SprintReport, error) {
	sel, err := f.sel()
	if err != nil {
		return nil, err
	}
	return querySprints(ctx, db, sel)
}

func querySprints(ctx context.Context, db warehouse.DB, sel sprintSel) ([]SprintReport, error) {
	sql, args := buildSprints(sel)
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("sprint reports: %w", err)
	}
	defer rows.Close()
	out := []SprintReport{}
	for rows.Next() {
		var r SprintReport
		if err := rows.Scan(&r.Source, &r.ID, &r.Board, &r.Name, &r.State, &r.Start, &r.End, &r.Complete,
			&r.PlannedDays, &r.ActualDays,
			&r.Committed, &r.Added, &r.Removed, &r.Completed, &r.CarriedOver,
			&r.ScopeChangeRate, &r.AddedRate, &r.NetChangeRate, &r.PlanningAccuracy, &r.CompletionRate,
			&r.CommittedPoints, &r.AddedPoints, &r.RemovedPoints, &r.CompletedPoints); err != nil {
			return nil, fmt.Errorf("sprint reports: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sprint reports: %w", err)
	}
	return out, nil
}

// eventWindow is the window the issue-level events of one sprint are
// classified against.
type eventWindow struct {
	source, id string
	t0, t1     time.Time
	closing    bool
}

// buildSprintEvents renders the interval classification of one started
// sprint whose window is [t0, t1] (closing: the sprint is closed and t1 is
// its completeDate). Columns: issue_id, issue_key, entered, exited,
// done_at_leaving, points, is_added, is_exit, in_t1, done_t1, carried_at;
// only intervals behind at least one event are returned.
func buildSprintEvents(w eventWindow) (string, []any) {
	var q query
	q.add("SELECT issue_id, issue_key, entered, exited, done_at_leaving, points,\n" +
		"    is_added, is_exit, in_t1, done_t1, carried_at\n" +
		"FROM (\n" +
		"    SELECT source, issue_id, entered, exited, done_at_leaving, points,\n" +
		"        " + exprAdded + " AS is_added,\n" +
		"        " + indentCont(exprExit) + " AS is_exit,\n" +
		"        " + indentCont(exprInT1) + " AS in_t1,\n" +
		"        " + exprDoneT1 + " AS done_t1,\n" +
		"        if(isNotNull(exited) AND assumeNotNull(exited) <= end_at, assumeNotNull(exited), end_at) AS carried_at\n" +
		"    FROM (\n" +
		"        SELECT source, issue_id, entered, exited, done_at_leaving, points,\n")
	q.add("            ? AS start_at, ? AS end_at, ? AS closing\n", w.t0, w.t1, w.closing)
	q.add("        FROM {db}.membership_intervals FINAL\n"+
		"        WHERE source = ? AND kind = 'sprint' AND container_id = ?\n", w.source, w.id)
	q.add("    ) AS i\n" +
		"    ANY LEFT JOIN (\n" +
		"        SELECT source, issue_id, arraySort(groupArray((at, toUInt64OrZero(splitByChar(':', event_id)[1]), to_category = 'done'))) AS st\n" +
		"        FROM {db}.issue_status_changes FINAL\n")
	q.add("        WHERE source = ? AND issue_id IN (\n"+
		"            SELECT issue_id FROM {db}.membership_intervals FINAL\n"+
		"            WHERE source = ? AND kind = 'sprint' AND container_id = ?\n"+
		"        )\n", w.source, w.source, w.id)
	q.add("        GROUP BY source, issue_id\n" +
		"    ) AS h USING (source, issue_id)\n" +
		") AS e\n" +
		"ANY LEFT JOIN (\n" +
		"    SELECT source, issue_id, issue_key\n" +
		"    FROM {db}.issues FINAL\n")
	q.add("    WHERE source = ? AND issue_id IN (\n"+
		"        SELECT issue_id FROM {db}.membership_intervals FINAL\n"+
		"        WHERE source = ? AND kind = 'sprint' AND container_id = ?\n"+
		"    )\n", w.source, w.source, w.id)
	q.add(") AS k USING (source, issue_id)\n" +
		"WHERE is_added OR is_exit OR (in_t1 AND NOT done_t1)\n" +
		"ORDER BY issue_id, entered")
	return q.sb.String(), q.args
}

// Sprint returns one sprint's report and its issue-level events, or
// ErrNotFound. now is t1 when the sprint is not closed (zero: time.Now()).
func Sprint(ctx context.Context, db warehouse.DB, source, id string, now time.Time) (SprintDetail, error) {
	now = nowOr(now)
	reports, err := querySprints(ctx, db, sprintSel{source: source, id: id, now: now, limit: 1})
	if err != nil {
		return SprintDetail{}, err
	}
	if len(reports) == 0 {
		return SprintDetail{}, fmt.Errorf("%w: sprint %q of source %q", ErrNotFound, id, source)
	}
	d := SprintDetail{SprintReport: reports[0], Events: []SprintEvent{}}
	r := d.SprintReport
	if r.State == StateFuture || r.Start == nil {
		return d, nil // not started: no window, no events
	}
	w := eventWindow{source: source, id: id, t0: *r.Start, t1: now}
	if r.State == StateClosed && r.Complete != nil {
		w.t1, w.closing = *r.Complete, true
	}
	d.Events, err = sprintEvents(ctx, db, w)
	return d, err
}

func sprintEvents(ctx context.Context, db warehouse.DB, w eventWindow) ([]SprintEvent, error) {
	sql, args := buildSprintEvents(w)
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("sprint events: %w", err)
	}
	defer rows.Close()
	events := []SprintEvent{}
	for rows.Next() {
		var (
			issueID, key                   string
			entered, carriedAt             time.Time
			exited                         *time.Time
			doneAtLeaving                  bool
			points                         *float64
			isAdded, isExit, inT1, doneAt1 bool
		)
		if err := rows.Scan(&issueID, &key, &entered, &exited, &doneAtLeaving, &points,
			&isAdded, &isExit, &inT1, &doneAt1, &carriedAt); err != nil {
			return nil, fmt.Errorf("sprint events: %w", err)
		}
		ev := SprintEvent{IssueID: issueID, IssueKey: key, Points: points}
		if isAdded {
			e := ev
			e.At, e.Kind = entered, EventAdded
			events = append(events, e)
		}
		if isExit && exited != nil {
			e := ev
			e.At, e.Kind, e.DoneAtLeaving = *exited, EventRemoved, doneAtLeaving
			events = append(events, e)
		}
		if inT1 && !doneAt1 {
			e := ev
			e.At, e.Kind = carriedAt, EventCarriedOver
			events = append(events, e)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sprint events: %w", err)
	}
	sort.SliceStable(events, func(i, j int) bool {
		a, b := events[i], events[j]
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		if a.Kind != b.Kind {
			return kindOrder[a.Kind] < kindOrder[b.Kind]
		}
		if a.IssueKey != b.IssueKey {
			return a.IssueKey < b.IssueKey
		}
		return a.IssueID < b.IssueID
	})
	return events, nil
}

var kindOrder = map[string]int{EventAdded: 0, EventRemoved: 1, EventCarriedOver: 2}
