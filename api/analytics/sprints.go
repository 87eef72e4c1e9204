package analytics

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// DefaultLimit is the page size of Sprints when the filter leaves it unset.
const DefaultLimit = 100

// Sprint states, in the stored vocabulary every source maps onto;
// SprintFilter.State takes one of these.
const (
	StateFuture = warehouse.SprintFuture
	StateActive = warehouse.SprintActive
	StateClosed = warehouse.SprintClosed
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
	// Now is t1 for sprints that are not closed. Required.
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
	// recent > 0 selects the active sprints and each board's recent most
	// recently completed closed ones (the gauges' set).
	recent int
	// chunk {i, n} with n > 1 selects the boards whose hash is i modulo n
	// (a reading counts the org in n statements).
	chunk [2]int
}

// epoch is the sort position of sprints without any date.
var epoch = time.Unix(0, 0).UTC()

// sprintSet renders the selected sprints with their window:
// t0 = activatedDate, else startDate (NULL for future sprints); t1 =
// completeDate for closed sprints, else now; sort_at orders them.
func sprintSet(s sprintSel) frag {
	var q query
	q.add("SELECT source, sprint_id, board_id, name, state, start_date, end_date, complete_date, carry_over_grace,\n" +
		"    " + exprT0 + " AS t0,\n")
	q.add("    "+exprT1+" AS t1,\n", s.now, s.now)
	q.add("    " + exprSortAt + " AS sort_at\n" +
		"FROM {db}.sprints FINAL")
	sprintWhere(&q, s)
	return q.frag()
}

// The window and sort position of a sprint, over a sprints row (exprT1
// binds now twice).
const (
	exprT0     = "if(state = '" + StateFuture + "', NULL, ifNull(activated_date, start_date))"
	exprT1     = "if(state = '" + StateClosed + "', ifNull(complete_date, ?), ?)"
	exprSortAt = "ifNull(t0, ifNull(start_date, toDateTime(0, 'UTC')))"
	// A closed sprint with a completeDate: its t1 is that date, and its
	// completion move-out is carry-over (see exprExit).
	exprClosing = "state = '" + StateClosed + "' AND isNotNull(complete_date)"
)

// liveIssue keeps the rows (membership intervals) of issues that are not
// tombstoned: an issue deleted upstream counts in no sprint. The rows with
// deleted = 1 are few: found first (a pass over one byte a row), then
// their keys' newest versions decide (primary-key lookups), where a FINAL
// over every issue cost ~100 ms at 2M issues.
const liveIssue = "(source, issue_id) NOT IN (SELECT source, issue_id FROM {db}.issues" +
	" WHERE (source, issue_id) IN (SELECT source, issue_id FROM {db}.issues WHERE deleted = 1)" +
	" GROUP BY source, issue_id HAVING argMax(deleted, version) = 1)"

// sprintWhere appends the WHERE, ORDER BY and LIMIT clauses of a sprint
// selection to a select over {db}.sprints defining t0 and sort_at.
// Tombstoned sprints (deleted upstream) are never selected.
func sprintWhere(q *query, s sprintSel) {
	conds := []string{"deleted = 0"}
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
	if s.chunk[1] > 1 {
		cond("cityHash64(source, board_id) % ? = ?", uint64(s.chunk[1]), uint64(s.chunk[0]))
	}
	if s.recent > 0 {
		cond("(state = '" + StateActive + "' OR (source, sprint_id) IN (\n" +
			"        SELECT source, sprint_id FROM (\n" +
			"            SELECT source, sprint_id, board_id, complete_date FROM {db}.sprints FINAL\n" +
			"            WHERE state = '" + StateClosed + "' AND deleted = 0\n" +
			"        ) AS c\n" +
			"        ORDER BY source, board_id, ifNull(complete_date, toDateTime(0, 'UTC')) DESC, sprint_id DESC\n" +
			"        LIMIT " + strconv.Itoa(s.recent) + " BY source, board_id))")
	}
	if a := s.after; a != nil {
		at := a.Start.UTC()
		if at.Before(epoch) {
			at = epoch
		}
		cond("(sort_at < ? OR (sort_at = ? AND (source > ? OR (source = ? AND sprint_id > ?))))",
			at, at, a.Source, a.Source, a.ID)
	}
	q.add("\nWHERE "+strings.Join(conds, "\n    AND "), args...)
	if s.limit > 0 {
		q.add("\nORDER BY sort_at DESC, source, sprint_id\nLIMIT " + strconv.Itoa(s.limit))
	}
}

// everySprint reports whether s selects every sprint (no condition, no
// limit).
func (s sprintSel) everySprint() bool {
	return s.source == "" && s.id == "" && s.board == "" && s.state == "" &&
		s.from == nil && s.to == nil && s.after == nil && s.limit == 0 && s.recent == 0 && s.chunk[1] <= 1
}

// windowedIntervals renders every sprint membership interval of the
// started sprints selected by s, next to its sprint's window (start_at =
// t0, end_at = t1, closing), leaving out tombstoned issues. When s narrows
// the sprints, only their intervals are read (IN on the leading columns of
// the table's key); when it selects every sprint, that filter would keep
// every row and is left out: the join alone drops the intervals of sprints
// that have not started (or are tombstoned).
func windowedIntervals(s sprintSel) frag {
	set := sprintSet(s)
	var q query
	q.add("SELECT source, container_id, issue_id, entered, exited, done_at_leaving, points,\n" +
		"    start_at, end_at, closing, grace\n" +
		"FROM (\n" +
		"    SELECT source, container_id, issue_id, entered, exited, done_at_leaving, points\n" +
		"    FROM {db}.membership_intervals FINAL\n")
	if s.everySprint() {
		q.add("    WHERE kind = 'sprint'\n")
	} else {
		q.add("    WHERE kind = 'sprint' AND (source, container_id) IN (\n" +
			"        SELECT source, sprint_id FROM (\n")
		q.nest(indent2(indent2(set)))
		q.add("\n        ) AS p\n" +
			"    )\n")
	}
	q.add("        AND " + liveIssue + "\n")
	q.add(") AS i\n" +
		"ALL INNER JOIN (\n" +
		"    SELECT source, sprint_id AS container_id, assumeNotNull(t0) AS start_at, t1 AS end_at,\n" +
		"        " + exprClosing + " AS closing, carry_over_grace AS grace\n" +
		"    FROM (\n")
	q.nest(indent2(set))
	q.add("\n    ) AS p\n" +
		"    WHERE isNotNull(t0)\n" +
		") AS w USING (source, container_id)")
	return q.frag()
}

// indent2 indents a fragment by one extra level (so that nest puts it two
// levels deep).
func indent2(f frag) frag { return frag{sql: indent(f.sql), args: f.args} }

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
	now, err := reportNow(f.Now)
	if err != nil {
		return sprintSel{}, err
	}
	return sprintSel{source: f.Source, board: f.Board, state: f.State, from: f.From, to: f.To,
		now: now, after: f.After, limit: limit}, nil
}

func checkRange(from, to *time.Time) error {
	if from != nil && to != nil && to.Before(*from) {
		return fmt.Errorf("%w: to (%s) is before from (%s)", ErrInvalidArgument,
			to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339))
	}
	return nil
}

// errNoClock: a report's "now" is t1 of every open sprint, so it is always
// the caller's (the API's clock, a test's pinned one), never a default.
var errNoClock = errors.New("analytics: the report clock (Now) is not set")

// reportNow is the report clock in whole seconds, as the warehouse keeps
// time: the statements bind it so, and the arithmetic in Go uses the same
// instant.
func reportNow(now time.Time) (time.Time, error) {
	if now.IsZero() {
		return time.Time{}, errNoClock
	}
	return now.UTC().Truncate(time.Second), nil
}

// A sprint report is read in two statements: the page of sprints with
// their windows (sprintSet), then the scope metrics of the started ones
// (buildSprintMetrics), with those windows bound as values, so that no
// statement reads the sprints more than once. The report's derived values
// (start, planned and actual days, rates) are computed here from what the
// two return, in Float64 as ClickHouse would compute them.

// sprintWindow is the window [t0, t1] of a started sprint; closing says the
// sprint is closed and t1 is its completeDate; grace is its carry-over
// grace in seconds (see exprExit).
type sprintWindow struct {
	source, id string
	t0, t1     time.Time
	closing    bool
	grace      uint64
}

// buildSprintMetrics renders the scope metrics of the started sprints ws
// (at least one), in one pass over their membership intervals (those of
// tombstoned issues left out), each next
// to its sprint's window (start_at = t0, end_at = t1, closing). The
// windows are bound as arrays, one element per sprint, and expanded into
// rows with ARRAY JOIN. Columns: source, sprint_id, committed, added,
// removed, completed, carried_over, committed_done, committed_points,
// added_points, removed_points, completed_points; one row per sprint that
// has intervals.
func buildSprintMetrics(ws []sprintWindow) (string, []any) {
	sources := make([]string, len(ws))
	ids := make([]string, len(ws))
	t0s := make([]int64, len(ws))
	t1s := make([]int64, len(ws))
	closing := make([]int64, len(ws))
	graces := make([]int64, len(ws))
	for i, w := range ws {
		sources[i], ids[i] = w.source, w.id
		t0s[i], t1s[i] = w.t0.Unix(), w.t1.Unix()
		if w.closing {
			closing[i] = 1
		}
		graces[i] = int64(w.grace)
	}
	// The (source, container_id) pairs of ws, for IN: the primary key of
	// membership_intervals starts with them, so only their rows are read.
	keys := frag{sql: "SELECT source, container_id FROM system.one ARRAY JOIN ? AS source, ? AS container_id",
		args: []any{sources, ids}}
	windows := frag{sql: "SELECT source, container_id, toDateTime(t0, 'UTC') AS start_at, toDateTime(t1, 'UTC') AS end_at, closing, grace\n" +
		"FROM system.one ARRAY JOIN ? AS source, ? AS container_id, ? AS t0, ? AS t1, ? AS closing, ? AS grace",
		args: []any{sources, ids, t0s, t1s, closing, graces}}
	return sprintMetricsOver(keys, windows)
}

// buildRecentSprintMetrics renders the metrics of buildSprintMetrics for
// the started sprints of a selection without a limit (a chunk of the
// org's boards, for the sprint reading; the gauges' recent sprints), their
// windows computed from the sprints table inside the statement: however
// many boards there are, one statement of a fixed size, where binding the
// windows would take one statement per ~1,200 sprints (max_query_size)
// and pay for parsing them.
func buildRecentSprintMetrics(s sprintSel) (string, []any) {
	var sel query
	sel.add("SELECT source, sprint_id, carry_over_grace, " + exprT0 + " AS t0,\n")
	sel.add("    "+exprT1+" AS t1, "+exprClosing+" AS closing_now\n", s.now, s.now)
	sel.add("FROM {db}.sprints FINAL")
	sprintWhere(&sel, s)
	var w, k query
	w.add("SELECT source, sprint_id AS container_id, assumeNotNull(t0) AS start_at, t1 AS end_at,\n" +
		"    toInt64(closing_now) AS closing, toInt64(carry_over_grace) AS grace\n" +
		"FROM (\n")
	w.nest(sel.frag())
	w.add("\n) AS s\nWHERE isNotNull(t0)")
	k.add("SELECT source, sprint_id\nFROM (\n")
	k.nest(sel.frag())
	k.add("\n) AS s\nWHERE isNotNull(t0)")
	return sprintMetricsOver(k.frag(), w.frag())
}

// sprintMetricsOver renders the metrics statement over the sprints whose
// (source, container_id) keys selects and whose windows (source,
// container_id, start_at, end_at, closing, grace) windows renders.
func sprintMetricsOver(keys, windows frag) (string, []any) {
	// in indents the lines after the first of f for a place at pad.
	in := func(f frag, pad string) string { return strings.ReplaceAll(f.sql, "\n", "\n"+pad) }
	// The issues of those sprints, for the history lookups.
	issueKeys := func(q *query, pad string) {
		q.add(pad+"WHERE (source, issue_id) IN (\n"+
			pad+"    SELECT source, issue_id\n"+
			pad+"    FROM {db}.membership_intervals FINAL\n"+
			pad+"    WHERE kind = 'sprint' AND (source, container_id) IN (\n"+
			pad+"        "+in(keys, pad+"        ")+"\n"+
			pad+"    )\n"+
			pad+")\n", keys.args...)
	}
	var q query
	q.add("SELECT source, container_id AS sprint_id,\n" +
		"    toInt64(uniqExactIf(issue_id, in_t0)) AS committed,\n" +
		"    toInt64(countIf(is_added)) AS added,\n" +
		"    toInt64(countIf(is_removed)) AS removed,\n" +
		"    toInt64(uniqExactIf(issue_id, in_t1 AND (" + exprDoneT1 + " AS done_t1))) AS completed,\n" +
		"    toInt64(uniqExactIf(issue_id, in_t1 AND NOT done_t1)) AS carried_over,\n" +
		"    toInt64(length(arrayIntersect(groupUniqArrayIf(issue_id, in_t0),\n" +
		"        groupUniqArrayIf(issue_id, in_t1 AND done_t1)))) AS committed_done,\n" +
		"    toFloat64(sumIf(" + pointsAt("start_at") + ", in_t0)) AS committed_points,\n" +
		"    toFloat64(sumIf(pts, is_added)) AS added_points,\n" +
		"    toFloat64(sumIf(pts, is_removed)) AS removed_points,\n" +
		"    toFloat64(sumIf(" + pointsAt("end_at") + ", in_t1 AND done_t1)) AS completed_points\n" +
		"FROM (\n" +
		"    SELECT source, container_id, issue_id, ifNull(points, 0) AS pts, start_at, end_at,\n" +
		"        " + exprInT0 + " AS in_t0,\n" +
		"        " + exprAdded + " AS is_added,\n" +
		"        " + indentCont(exprRemoved) + " AS is_removed,\n" +
		"        " + indentCont(exprInT1) + " AS in_t1\n" +
		"    FROM (\n" +
		"        SELECT source, container_id, issue_id, entered, exited, done_at_leaving, points\n" +
		"        FROM {db}.membership_intervals FINAL\n" +
		"        WHERE kind = 'sprint' AND (source, container_id) IN (\n")
	q.add("            "+in(keys, "            ")+"\n", keys.args...)
	q.add("        )\n" +
		"            AND " + liveIssue + "\n" +
		"    ) AS i\n" +
		"    ALL INNER JOIN (\n" +
		"        " + in(windows, "        ") + "\n")
	q.args = append(q.args, windows.args...)
	q.add("    ) AS w USING (source, container_id)\n" +
		") AS a\n" +
		"ANY LEFT JOIN (\n" +
		"    SELECT source, issue_id, st, pt\n" +
		"    FROM (\n" +
		"        SELECT source, issue_id, " + exprStatusHistory + " AS st\n" +
		"        FROM {db}.issue_status_changes FINAL\n")
	issueKeys(&q, "        ")
	q.add("        GROUP BY source, issue_id\n" +
		"    ) AS s\n" +
		"    ANY LEFT JOIN (\n" +
		"        SELECT source, issue_id, " + exprPointsHistory + " AS pt\n" +
		"        FROM {db}.issue_points_changes FINAL\n")
	issueKeys(&q, "        ")
	// start_at and end_at are one per sprint, so grouping by them changes
	// nothing; naming them outside the lambdas makes ClickHouse 18.16 read
	// them from the subquery (it misses columns used only inside a lambda).
	q.add("        GROUP BY source, issue_id\n" +
		"    ) AS p USING (source, issue_id)\n" +
		") AS h USING (source, issue_id)\n" +
		"GROUP BY source, container_id, start_at, end_at")
	return q.sb.String(), q.args
}

// exprStatusHistory aggregates an issue's status changes into st =
// [(at, seq, is_done)] sorted by time, then changelog order (seq, decided
// by the source at ingest). Arrays stand in for the "latest change at or
// before t1" lookup (exprDoneT1), which would need a window function or a
// non-equi join that ClickHouse 18.16 lacks.
const exprStatusHistory = "arraySort(groupArray((at, seq, to_category = 'done')))"

// exprPointsHistory aggregates an issue's story-point estimates into pt =
// [(at, seq, points)], sorted the same way; no estimate reads 0.
const exprPointsHistory = "arraySort(groupArray((at, seq, ifNull(points, 0))))"

// pointsAt is the issue's estimate at the instant t (a column): the last
// entry of pt at or before it. An issue without a points history (rows
// collected before there was one) reads its interval's points. Added and
// removed points are the interval's: the estimate when the issue entered.
func pointsAt(t string) string {
	return "if(empty(pt), pts, tupleElement(arrayElement(pt, arrayCount(x -> tupleElement(x, 1) <= " + t + ", pt)), 3))"
}

// sprintMetrics are the counts of one sprint, as buildSprintMetrics returns
// them.
type sprintMetrics struct {
	committed, added, removed, completed, carriedOver, committedDone int64
	committedPoints, addedPoints, removedPoints, completedPoints     float64
}

// apply sets the counts of m and the rates derived from them (DESIGN.md
// §5; null when committed is 0, completion rate also when committed +
// added - removed <= 0), in Float64 as ClickHouse would compute them.
func (m sprintMetrics) apply(r *SprintReport) {
	r.Committed, r.Added, r.Removed = m.committed, m.added, m.removed
	r.Completed, r.CarriedOver = m.completed, m.carriedOver
	r.CommittedPoints, r.AddedPoints = m.committedPoints, m.addedPoints
	r.RemovedPoints, r.CompletedPoints = m.removedPoints, m.completedPoints
	r.ScopeChangeRate, r.AddedRate, r.NetChangeRate, r.PlanningAccuracy, r.CompletionRate = nil, nil, nil, nil, nil
	if m.committed == 0 {
		return
	}
	c := float64(m.committed)
	rate := func(f float64) *float64 { return &f }
	r.ScopeChangeRate = rate(float64(m.added+m.removed) / c)
	r.AddedRate = rate(float64(m.added) / c)
	r.NetChangeRate = rate(float64(m.added-m.removed) / c)
	r.PlanningAccuracy = rate(float64(m.committedDone) / c)
	if scope := m.committed + m.added - m.removed; scope > 0 {
		r.CompletionRate = rate(float64(m.completed) / float64(scope))
	}
}

// Sprints returns one page of sprint reports.
func Sprints(ctx context.Context, db warehouse.DB, f SprintFilter) ([]SprintReport, error) {
	sel, err := f.sel()
	if err != nil {
		return nil, err
	}
	reports, _, err := querySprints(ctx, db, sel)
	return reports, err
}

// RecentSprints reports every active sprint and each board's closedPerBoard
// most recently completed closed sprints (a closed sprint without a
// completeDate sorts as the oldest), in no particular order, with the
// definitions of Sprints. It runs a fixed number of set-based queries
// whatever the number of boards: the business gauges' set (DESIGN §8).
func RecentSprints(ctx context.Context, db warehouse.DB, closedPerBoard int, now time.Time) ([]SprintReport, error) {
	if closedPerBoard < 1 {
		return nil, fmt.Errorf("%w: closed sprints per board %d (want at least 1)", ErrInvalidArgument, closedPerBoard)
	}
	if now.IsZero() {
		return nil, fmt.Errorf("%w: now is required", ErrInvalidArgument)
	}
	reports, _, err := querySprints(ctx, db, sprintSel{now: now.UTC(), recent: closedPerBoard})
	return reports, err
}

// querySprints returns the selected sprint reports and the windows of those
// that have started, in the same order.
func querySprints(ctx context.Context, db warehouse.DB, sel sprintSel) ([]SprintReport, []sprintWindow, error) {
	reports, ws, err := querySprintPage(ctx, db, sel)
	if err != nil || len(ws) == 0 {
		return reports, ws, err
	}
	whole := sel.limit == 0 || sel.limit > wholeOrgLimit
	metrics, ok, err := cachedSprintMetrics(ctx, db, sel.now, whole)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		metrics, err = querySprintMetrics(ctx, db, ws, maxBoundBytes)
		if err != nil {
			return nil, nil, err
		}
	}
	for i := range reports {
		r := &reports[i]
		if m, ok := metrics[[2]string{r.Source, r.ID}]; ok {
			m.apply(r)
		}
	}
	return reports, ws, nil
}

// querySprintPage returns the selected sprints, without metrics, and the
// windows of those that have started (t0 not null).
func querySprintPage(ctx context.Context, db warehouse.DB, sel sprintSel) ([]SprintReport, []sprintWindow, error) {
	set := sprintSet(sel)
	rows, err := db.Query(ctx, set.sql, set.args...)
	if err != nil {
		return nil, nil, fmt.Errorf("sprint reports: %w", err)
	}
	defer rows.Close()
	out := []SprintReport{}
	var ws []sprintWindow
	for rows.Next() {
		var (
			r             SprintReport
			startDate, t0 *time.Time
			t1, sortAt    time.Time
			grace         uint64
		)
		if err := rows.Scan(&r.Source, &r.ID, &r.Board, &r.Name, &r.State, &startDate, &r.End, &r.Complete,
			&grace, &t0, &t1, &sortAt); err != nil {
			return nil, nil, fmt.Errorf("sprint reports: %w", err)
		}
		r.Start = startDate
		r.PlannedDays = spanDays(startDate, r.End)
		if t0 != nil {
			r.Start = t0
			r.ActualDays = spanDays(t0, &t1)
			ws = append(ws, sprintWindow{source: r.Source, id: r.ID, t0: *t0, t1: t1,
				closing: r.State == StateClosed && r.Complete != nil, grace: grace})
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("sprint reports: %w", err)
	}
	return out, ws, nil
}

// spanDays is b - a in days, as daysBetween computes it; nil when either is
// nil.
func spanDays(a, b *time.Time) *float64 {
	if a == nil || b == nil {
		return nil
	}
	d := (float64(b.Unix()) - float64(a.Unix())) / 86400
	return &d
}

// querySprintMetrics returns the metrics of the sprints ws by (source, id);
// a sprint without intervals has none (all zero, rates null). The windows
// are counted in as many statements as it takes to keep the text each one
// binds within budget bytes.
func querySprintMetrics(ctx context.Context, db warehouse.DB, ws []sprintWindow, budget int) (map[[2]string]sprintMetrics, error) {
	out := make(map[[2]string]sprintMetrics, len(ws))
	for _, chunk := range windowChunks(ws, budget) {
		sql, args := buildSprintMetrics(chunk)
		if err := readSprintMetrics(ctx, db, sql, args, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maxBoundBytes bounds the text the windows of one metrics statement bind:
// ClickHouse refuses a statement longer than max_query_size (256 KiB by
// default on both versions), so a page with more windows than fit is
// counted in several statements.
const maxBoundBytes = 192 << 10

// windowChunks splits ws into runs whose bound text (four copies of the
// keys, one of the times) stays within budget bytes; a run holds at least
// one window.
func windowChunks(ws []sprintWindow, budget int) [][]sprintWindow {
	var out [][]sprintWindow
	start, size := 0, 0
	for i, w := range ws {
		n := 4*(quotedLen(w.source)+quotedLen(w.id)+4) + 3*(20+2)
		if i > start && size+n > budget {
			out = append(out, ws[start:i])
			start, size = i, 0
		}
		size += n
	}
	return append(out, ws[start:])
}

// quotedLen bounds the length of s as a bound string literal: the quotes,
// and at most four bytes for each byte Bind escapes.
func quotedLen(s string) int {
	n := len(s) + 2
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' || c == '\'' {
			n += 3
		}
	}
	return n
}

// readSprintMetrics runs a metrics statement and adds its sprints to out.
func readSprintMetrics(ctx context.Context, db warehouse.DB, sql string, args []any, out map[[2]string]sprintMetrics) error {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("sprint metrics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			source, id string
			m          sprintMetrics
		)
		if err := rows.Scan(&source, &id, &m.committed, &m.added, &m.removed, &m.completed, &m.carriedOver,
			&m.committedDone, &m.committedPoints, &m.addedPoints, &m.removedPoints, &m.completedPoints); err != nil {
			return fmt.Errorf("sprint metrics: %w", err)
		}
		out[[2]string{source, id}] = m
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sprint metrics: %w", err)
	}
	return nil
}

// buildSprintEvents renders the interval classification of one started
// sprint whose window is [t0, t1] (closing: the sprint is closed and t1 is
// its completeDate). Columns: issue_id, issue_key, entered, exited,
// done_at_leaving, points, is_added, is_exit, in_t1, done_t1, carried_at;
// only intervals behind at least one event are returned, and none of a
// tombstoned issue.
func buildSprintEvents(w sprintWindow) (string, []any) {
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
	q.add("            ? AS start_at, ? AS end_at, ? AS closing, ? AS grace\n", w.t0, w.t1, w.closing, w.grace)
	q.add("        FROM {db}.membership_intervals FINAL\n"+
		"        WHERE source = ? AND kind = 'sprint' AND container_id = ?\n",
		w.source, w.id)
	q.add("    ) AS i\n" +
		"    ANY LEFT JOIN (\n" +
		"        SELECT source, issue_id, " + exprStatusHistory + " AS st\n" +
		"        FROM {db}.issue_status_changes FINAL\n")
	q.add("        WHERE source = ? AND issue_id IN (\n"+
		"            SELECT issue_id FROM {db}.membership_intervals FINAL\n"+
		"            WHERE source = ? AND kind = 'sprint' AND container_id = ?\n"+
		"        )\n", w.source, w.source, w.id)
	q.add("        GROUP BY source, issue_id\n" +
		"    ) AS h USING (source, issue_id)\n" +
		") AS e\n" +
		"ANY LEFT JOIN (\n" +
		"    SELECT source, issue_id, issue_key, deleted\n" +
		"    FROM {db}.issues FINAL\n")
	q.add("    WHERE source = ? AND issue_id IN (\n"+
		"        SELECT issue_id FROM {db}.membership_intervals FINAL\n"+
		"        WHERE source = ? AND kind = 'sprint' AND container_id = ?\n"+
		"    )\n", w.source, w.source, w.id)
	// A tombstoned issue has no event (one without an issue row is live).
	q.add(") AS k USING (source, issue_id)\n" +
		"WHERE deleted = 0 AND (is_added OR is_exit OR (in_t1 AND NOT done_t1))\n" +
		"ORDER BY issue_id, entered")
	return q.sb.String(), q.args
}

// Sprint returns one sprint's report and its issue-level events, or
// ErrNotFound. now is t1 when the sprint is not closed (required).
func Sprint(ctx context.Context, db warehouse.DB, source, id string, now time.Time) (SprintDetail, error) {
	now, err := reportNow(now)
	if err != nil {
		return SprintDetail{}, err
	}
	reports, ws, err := querySprints(ctx, db, sprintSel{source: source, id: id, now: now, limit: 1})
	if err != nil {
		return SprintDetail{}, err
	}
	if len(reports) == 0 {
		return SprintDetail{}, fmt.Errorf("%w: sprint %q of source %q", ErrNotFound, id, source)
	}
	d := SprintDetail{SprintReport: reports[0], Events: []SprintEvent{}}
	if len(ws) == 0 {
		return d, nil // not started: no window, no events
	}
	d.Events, err = sprintEvents(ctx, db, ws[0])
	return d, err
}

func sprintEvents(ctx context.Context, db warehouse.DB, w sprintWindow) ([]SprintEvent, error) {
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
