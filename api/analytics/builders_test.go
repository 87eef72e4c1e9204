package analytics

import (
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// Exact-text tests of the builders: the statements are the contract both
// ClickHouse versions were verified against (results_test.go runs them), so
// any change to the text must be deliberate.

var (
	bNow  = time.Date(2024, 2, 6, 10, 0, 0, 0, time.UTC)
	bFrom = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	bTo   = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
)

func checkSQL(t *testing.T, name, got, want string, gotArgs, wantArgs []any) {
	t.Helper()
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s: first difference at line %d:\n got %q\nwant %q\nfull text:\n%s", name, i+1, g, w, got)
				break
			}
		}
	}
	if !reflect.DeepEqual(gotArgs, wantArgs) {
		t.Errorf("%s: args\n got %#v\nwant %#v", name, gotArgs, wantArgs)
	}
	// Every placeholder has its value, and the statement binds.
	if _, err := warehouse.Bind(got, gotArgs...); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

func TestSprintSetSQL(t *testing.T) {
	f := sprintSet(sprintSel{source: "jira", board: "B1", state: "closed", from: &bFrom, to: &bTo, now: bNow,
		after: &SprintKey{Start: bFrom, Source: "jira", ID: "7"}, limit: 50})
	checkSQL(t, "sprint set", f.sql, `SELECT source, sprint_id, board_id, name, state, start_date, end_date, complete_date, carry_over_grace,
    if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
    if(state = 'closed', ifNull(complete_date, ?), ?) AS t1,
    ifNull(t0, ifNull(start_date, toDateTime(0, 'UTC'))) AS sort_at
FROM {db}.sprints FINAL
WHERE deleted = 0
    AND source = ?
    AND board_id = ?
    AND state = ?
    AND t0 >= ?
    AND t0 <= ?
    AND (sort_at < ? OR (sort_at = ? AND (source > ? OR (source = ? AND sprint_id > ?))))
ORDER BY sort_at DESC, source, sprint_id
LIMIT 50`, f.args,
		[]any{bNow, bNow, "jira", "B1", "closed", bFrom, bTo, bFrom, bFrom, "jira", "jira", "7"})

	// No filters: only tombstoned sprints are left out; no limit: no ORDER BY.
	f = sprintSet(sprintSel{now: bNow})
	checkSQL(t, "bare sprint set", f.sql, `SELECT source, sprint_id, board_id, name, state, start_date, end_date, complete_date, carry_over_grace,
    if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
    if(state = 'closed', ifNull(complete_date, ?), ?) AS t1,
    ifNull(t0, ifNull(start_date, toDateTime(0, 'UTC'))) AS sort_at
FROM {db}.sprints FINAL
WHERE deleted = 0`, f.args, []any{bNow, bNow})

	// The gauges' set: active sprints and each board's last 3 closed ones,
	// picked from the sprints table alone.
	f = sprintSet(sprintSel{now: bNow, recent: 3})
	checkSQL(t, "recent sprint set", f.sql, `SELECT source, sprint_id, board_id, name, state, start_date, end_date, complete_date, carry_over_grace,
    if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
    if(state = 'closed', ifNull(complete_date, ?), ?) AS t1,
    ifNull(t0, ifNull(start_date, toDateTime(0, 'UTC'))) AS sort_at
FROM {db}.sprints FINAL
WHERE deleted = 0
    AND (state = 'active' OR (source, sprint_id) IN (
        SELECT source, sprint_id FROM (
            SELECT source, sprint_id, board_id, complete_date FROM {db}.sprints FINAL
            WHERE state = 'closed' AND deleted = 0
        ) AS c
        ORDER BY source, board_id, ifNull(complete_date, toDateTime(0, 'UTC')) DESC, sprint_id DESC
        LIMIT 3 BY source, board_id))`, f.args, []any{bNow, bNow})

	// A key without a start (a sprint with no dates) continues at the epoch.
	f = sprintSet(sprintSel{now: bNow, after: &SprintKey{Source: "jira", ID: "9"}, limit: 10})
	epoch := time.Unix(0, 0).UTC()
	if want := []any{bNow, bNow, epoch, epoch, "jira", "jira", "9"}; !reflect.DeepEqual(f.args, want) {
		t.Errorf("after without start: args %#v, want %#v", f.args, want)
	}
}

// TestSprintMetricsSQL: the windows of the page are bound as arrays (one
// element per sprint, t0 and t1 in Unix seconds), never read back from the
// sprints table.
func TestSprintMetricsSQL(t *testing.T) {
	sql, args := buildSprintMetrics([]sprintWindow{
		{source: "jira", id: "7", t0: bFrom, t1: bNow, closing: true, grace: 60},
		{source: "jira", id: "8", t0: bNow, t1: bTo},
	})
	keys := []any{[]string{"jira", "jira"}, []string{"7", "8"}}
	want := append(append([]any{}, keys...), keys...)
	want = append(want, []int64{bFrom.Unix(), bNow.Unix()}, []int64{bNow.Unix(), bTo.Unix()}, []int64{1, 0}, []int64{60, 0})
	want = append(want, keys...)
	want = append(want, keys...)
	checkSQL(t, "sprint metrics", sql, `SELECT source, container_id AS sprint_id,
    toInt64(uniqExactIf(issue_id, in_t0)) AS committed,
    toInt64(countIf(is_added)) AS added,
    toInt64(countIf(is_removed)) AS removed,
    toInt64(uniqExactIf(issue_id, in_t1 AND (tupleElement(arrayElement(st, arrayCount(x -> tupleElement(x, 1) <= end_at, st)), 3) = 1 AS done_t1))) AS completed,
    toInt64(uniqExactIf(issue_id, in_t1 AND NOT done_t1)) AS carried_over,
    toInt64(length(arrayIntersect(groupUniqArrayIf(issue_id, in_t0),
        groupUniqArrayIf(issue_id, in_t1 AND done_t1)))) AS committed_done,
    toFloat64(sumIf(if(empty(pt), pts, tupleElement(arrayElement(pt, arrayCount(x -> tupleElement(x, 1) <= start_at, pt)), 3)), in_t0)) AS committed_points,
    toFloat64(sumIf(pts, is_added)) AS added_points,
    toFloat64(sumIf(pts, is_removed)) AS removed_points,
    toFloat64(sumIf(if(empty(pt), pts, tupleElement(arrayElement(pt, arrayCount(x -> tupleElement(x, 1) <= end_at, pt)), 3)), in_t1 AND done_t1)) AS completed_points
FROM (
    SELECT source, container_id, issue_id, ifNull(points, 0) AS pts, start_at, end_at,
        entered <= start_at AND (isNull(exited) OR assumeNotNull(exited) > start_at) AS in_t0,
        entered > start_at AND entered <= end_at AS is_added,
        isNotNull(exited) AND assumeNotNull(exited) > start_at AND assumeNotNull(exited) <= end_at
            AND NOT (closing AND assumeNotNull(exited) >= end_at - grace) AND done_at_leaving = 0 AS is_removed,
        entered <= end_at AND (isNull(exited) OR assumeNotNull(exited) > end_at
            OR (closing AND assumeNotNull(exited) >= end_at - grace)) AS in_t1
    FROM (
        SELECT source, container_id, issue_id, entered, exited, done_at_leaving, points
        FROM {db}.membership_intervals FINAL
        WHERE kind = 'sprint' AND (source, container_id) IN (
            SELECT source, container_id FROM system.one ARRAY JOIN ? AS source, ? AS container_id
        )
            AND (source, issue_id) NOT IN (SELECT source, issue_id FROM {db}.issues WHERE (source, issue_id) IN (SELECT source, issue_id FROM {db}.issues WHERE deleted = 1) GROUP BY source, issue_id HAVING argMax(deleted, version) = 1)
    ) AS i
    ALL INNER JOIN (
        SELECT source, container_id, toDateTime(t0, 'UTC') AS start_at, toDateTime(t1, 'UTC') AS end_at, closing, grace
        FROM system.one ARRAY JOIN ? AS source, ? AS container_id, ? AS t0, ? AS t1, ? AS closing, ? AS grace
    ) AS w USING (source, container_id)
) AS a
ANY LEFT JOIN (
    SELECT source, issue_id, st, pt
    FROM (
        SELECT source, issue_id, arraySort(groupArray((at, seq, to_category = 'done'))) AS st
        FROM {db}.issue_status_changes FINAL
        WHERE (source, issue_id) IN (
            SELECT source, issue_id
            FROM {db}.membership_intervals FINAL
            WHERE kind = 'sprint' AND (source, container_id) IN (
                SELECT source, container_id FROM system.one ARRAY JOIN ? AS source, ? AS container_id
            )
        )
        GROUP BY source, issue_id
    ) AS s
    ANY LEFT JOIN (
        SELECT source, issue_id, arraySort(groupArray((at, seq, ifNull(points, 0)))) AS pt
        FROM {db}.issue_points_changes FINAL
        WHERE (source, issue_id) IN (
            SELECT source, issue_id
            FROM {db}.membership_intervals FINAL
            WHERE kind = 'sprint' AND (source, container_id) IN (
                SELECT source, container_id FROM system.one ARRAY JOIN ? AS source, ? AS container_id
            )
        )
        GROUP BY source, issue_id
    ) AS p USING (source, issue_id)
) AS h USING (source, issue_id)
GROUP BY source, container_id, start_at, end_at`, args, want)
}

// TestSprintMetricsRates: the rates derived from the counts, with their
// null cases (DESIGN.md §5).
func TestSprintMetricsRates(t *testing.T) {
	for _, tc := range []struct {
		m    sprintMetrics
		want SprintReport
	}{
		{sprintMetrics{committed: 7, added: 3, removed: 2, completed: 2, carriedOver: 5, committedDone: 1, committedPoints: 22},
			SprintReport{Committed: 7, Added: 3, Removed: 2, Completed: 2, CarriedOver: 5, CommittedPoints: 22,
				ScopeChangeRate: fp(5.0 / 7), AddedRate: fp(3.0 / 7), NetChangeRate: fp(1.0 / 7),
				PlanningAccuracy: fp(1.0 / 7), CompletionRate: fp(2.0 / 8)}},
		// Nothing committed: every rate null.
		{sprintMetrics{added: 1, carriedOver: 1, addedPoints: 3},
			SprintReport{Added: 1, CarriedOver: 1, AddedPoints: 3}},
		// Committed, but everything removed: no completion rate.
		{sprintMetrics{committed: 2, removed: 2},
			SprintReport{Committed: 2, Removed: 2, ScopeChangeRate: fp(1), AddedRate: fp(0), NetChangeRate: fp(-1),
				PlanningAccuracy: fp(0)}},
	} {
		var got SprintReport
		tc.m.apply(&got)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v:\n got %s\nwant %s", tc.m, show(got), show(tc.want))
		}
	}
	if d := spanDays(&bFrom, &bNow); d == nil || *d != (float64(bNow.Unix())-float64(bFrom.Unix()))/86400 {
		t.Errorf("spanDays = %v", d)
	}
	if d := spanDays(nil, &bNow); d != nil {
		t.Errorf("spanDays(nil, t) = %v, want nil", *d)
	}
}

// TestWindowChunks: a page of windows is split so that no metrics
// statement outgrows ClickHouse's max_query_size (256 KiB), even when every
// byte of the keys needs escaping.
func TestWindowChunks(t *testing.T) {
	var ws []sprintWindow
	for i := range 3000 {
		ws = append(ws, sprintWindow{source: "jira'\\", id: strings.Repeat("\x01'", 20) + strconv.Itoa(i), t0: bFrom, t1: bNow})
	}
	chunks := windowChunks(ws, maxBoundBytes)
	if len(chunks) < 2 {
		t.Fatalf("%d chunks, want several", len(chunks))
	}
	var joined []sprintWindow
	for _, c := range chunks {
		joined = append(joined, c...)
		sql, args := buildSprintMetrics(c)
		bound, err := warehouse.Bind(sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		if len(bound) >= 256<<10 {
			t.Errorf("a chunk of %d windows binds to %d bytes, want < 256 KiB", len(c), len(bound))
		}
	}
	if !reflect.DeepEqual(joined, ws) {
		t.Errorf("chunks do not add up to the windows")
	}
	// A page of ordinary keys is one statement; a window larger than the
	// budget still gets one of its own.
	if n := len(windowChunks(ws[:1], 10)); n != 1 {
		t.Errorf("one window: %d chunks, want 1", n)
	}
	plain := make([]sprintWindow, 1001)
	for i := range plain {
		plain[i] = sprintWindow{source: "jira", id: strconv.Itoa(10000 + i)}
	}
	if n := len(windowChunks(plain, maxBoundBytes)); n != 1 {
		t.Errorf("1001 plain windows: %d chunks, want 1", n)
	}
}

func TestSprintEventsSQL(t *testing.T) {
	sql, args := buildSprintEvents(sprintWindow{source: "jira", id: "7", t0: bFrom, t1: bNow, closing: true, grace: 30})
	checkSQL(t, "sprint events", sql, `SELECT issue_id, issue_key, entered, exited, done_at_leaving, points,
    is_added, is_exit, in_t1, done_t1, carried_at
FROM (
    SELECT source, issue_id, entered, exited, done_at_leaving, points,
        entered > start_at AND entered <= end_at AS is_added,
        isNotNull(exited) AND assumeNotNull(exited) > start_at AND assumeNotNull(exited) <= end_at
            AND NOT (closing AND assumeNotNull(exited) >= end_at - grace) AS is_exit,
        entered <= end_at AND (isNull(exited) OR assumeNotNull(exited) > end_at
            OR (closing AND assumeNotNull(exited) >= end_at - grace)) AS in_t1,
        tupleElement(arrayElement(st, arrayCount(x -> tupleElement(x, 1) <= end_at, st)), 3) = 1 AS done_t1,
        if(isNotNull(exited) AND assumeNotNull(exited) <= end_at, assumeNotNull(exited), end_at) AS carried_at
    FROM (
        SELECT source, issue_id, entered, exited, done_at_leaving, points,
            ? AS start_at, ? AS end_at, ? AS closing, ? AS grace
        FROM {db}.membership_intervals FINAL
        WHERE source = ? AND kind = 'sprint' AND container_id = ?
    ) AS i
    ANY LEFT JOIN (
        SELECT source, issue_id, arraySort(groupArray((at, seq, to_category = 'done'))) AS st
        FROM {db}.issue_status_changes FINAL
        WHERE source = ? AND issue_id IN (
            SELECT issue_id FROM {db}.membership_intervals FINAL
            WHERE source = ? AND kind = 'sprint' AND container_id = ?
        )
        GROUP BY source, issue_id
    ) AS h USING (source, issue_id)
) AS e
ANY LEFT JOIN (
    SELECT source, issue_id, issue_key, deleted
    FROM {db}.issues FINAL
    WHERE source = ? AND issue_id IN (
        SELECT issue_id FROM {db}.membership_intervals FINAL
        WHERE source = ? AND kind = 'sprint' AND container_id = ?
    )
) AS k USING (source, issue_id)
WHERE deleted = 0 AND (is_added OR is_exit OR (in_t1 AND NOT done_t1))
ORDER BY issue_id, entered`, args,
		[]any{bFrom, bNow, true, uint64(30), "jira", "7", "jira", "jira", "7", "jira", "jira", "7"})
}

func TestScopeChangeSQL(t *testing.T) {
	g, err := ScopeChangeFilter{GroupBy: "board"}.check()
	if err != nil {
		t.Fatal(err)
	}
	sql, args := buildScopeChange(g, sprintSel{source: "jira", now: bNow})
	set := []any{bNow, bNow, "jira"}
	checkSQL(t, "scope change", sql, `SELECT src, grp, toInt64(count()) AS sprints,
    toInt64(sum(c_n)) AS committed, toInt64(sum(a_n)) AS added, toInt64(sum(r_n)) AS removed,
    if(committed = 0, NULL, toFloat64(added + removed) / committed) AS scope_change_rate
FROM (
    SELECT source, sprint_id, source AS src, board_id AS grp
    FROM (
        SELECT source, sprint_id, board_id, name, state, start_date, end_date, complete_date, carry_over_grace,
            if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
            if(state = 'closed', ifNull(complete_date, ?), ?) AS t1,
            ifNull(t0, ifNull(start_date, toDateTime(0, 'UTC'))) AS sort_at
        FROM {db}.sprints FINAL
        WHERE deleted = 0
            AND source = ?
    ) AS p
    WHERE isNotNull(t0)
) AS g
ANY LEFT JOIN (
    SELECT source, container_id AS sprint_id,
        toInt64(uniqExactIf(issue_id, entered <= start_at AND (isNull(exited) OR assumeNotNull(exited) > start_at))) AS c_n,
        toInt64(countIf(entered > start_at AND entered <= end_at)) AS a_n,
        toInt64(countIf(isNotNull(exited) AND assumeNotNull(exited) > start_at AND assumeNotNull(exited) <= end_at
            AND NOT (closing AND assumeNotNull(exited) >= end_at - grace) AND done_at_leaving = 0)) AS r_n
    FROM (
        SELECT source, container_id, issue_id, entered, exited, done_at_leaving, points,
            start_at, end_at, closing, grace
        FROM (
            SELECT source, container_id, issue_id, entered, exited, done_at_leaving, points
            FROM {db}.membership_intervals FINAL
            WHERE kind = 'sprint' AND (source, container_id) IN (
                SELECT source, sprint_id FROM (
                    SELECT source, sprint_id, board_id, name, state, start_date, end_date, complete_date, carry_over_grace,
                        if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
                        if(state = 'closed', ifNull(complete_date, ?), ?) AS t1,
                        ifNull(t0, ifNull(start_date, toDateTime(0, 'UTC'))) AS sort_at
                    FROM {db}.sprints FINAL
                    WHERE deleted = 0
                        AND source = ?
                ) AS p
            )
                AND (source, issue_id) NOT IN (SELECT source, issue_id FROM {db}.issues WHERE (source, issue_id) IN (SELECT source, issue_id FROM {db}.issues WHERE deleted = 1) GROUP BY source, issue_id HAVING argMax(deleted, version) = 1)
        ) AS i
        ALL INNER JOIN (
            SELECT source, sprint_id AS container_id, assumeNotNull(t0) AS start_at, t1 AS end_at,
                state = 'closed' AND isNotNull(complete_date) AS closing, carry_over_grace AS grace
            FROM (
                SELECT source, sprint_id, board_id, name, state, start_date, end_date, complete_date, carry_over_grace,
                    if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
                    if(state = 'closed', ifNull(complete_date, ?), ?) AS t1,
                    ifNull(t0, ifNull(start_date, toDateTime(0, 'UTC'))) AS sort_at
                FROM {db}.sprints FINAL
                WHERE deleted = 0
                    AND source = ?
            ) AS p
            WHERE isNotNull(t0)
        ) AS w USING (source, container_id)
    ) AS a
    GROUP BY source, container_id
) AS m USING (source, sprint_id)
GROUP BY src, grp
ORDER BY src, grp`, args, append(append(append([]any{}, set...), set...), set...))

	// Over every sprint, the intervals are read without the IN filter
	// (it would keep every row): the join alone picks the started sprints.
	g, err = ScopeChangeFilter{Entity: "sprint", GroupBy: "month"}.check()
	if err != nil {
		t.Fatal(err)
	}
	sql, args = buildScopeChange(g, sprintSel{now: bNow})
	checkSQL(t, "scope change over every sprint", sql, `SELECT src, grp, toInt64(count()) AS sprints,
    toInt64(sum(c_n)) AS committed, toInt64(sum(a_n)) AS added, toInt64(sum(r_n)) AS removed,
    if(committed = 0, NULL, toFloat64(added + removed) / committed) AS scope_change_rate
FROM (
    SELECT source, sprint_id, '' AS src, substring(toString(toStartOfMonth(assumeNotNull(t0))), 1, 7) AS grp
    FROM (
        SELECT source, sprint_id, board_id, name, state, start_date, end_date, complete_date, carry_over_grace,
            if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
            if(state = 'closed', ifNull(complete_date, ?), ?) AS t1,
            ifNull(t0, ifNull(start_date, toDateTime(0, 'UTC'))) AS sort_at
        FROM {db}.sprints FINAL
        WHERE deleted = 0
    ) AS p
    WHERE isNotNull(t0)
) AS g
ANY LEFT JOIN (
    SELECT source, container_id AS sprint_id,
        toInt64(uniqExactIf(issue_id, entered <= start_at AND (isNull(exited) OR assumeNotNull(exited) > start_at))) AS c_n,
        toInt64(countIf(entered > start_at AND entered <= end_at)) AS a_n,
        toInt64(countIf(isNotNull(exited) AND assumeNotNull(exited) > start_at AND assumeNotNull(exited) <= end_at
            AND NOT (closing AND assumeNotNull(exited) >= end_at - grace) AND done_at_leaving = 0)) AS r_n
    FROM (
        SELECT source, container_id, issue_id, entered, exited, done_at_leaving, points,
            start_at, end_at, closing, grace
        FROM (
            SELECT source, container_id, issue_id, entered, exited, done_at_leaving, points
            FROM {db}.membership_intervals FINAL
            WHERE kind = 'sprint'
                AND (source, issue_id) NOT IN (SELECT source, issue_id FROM {db}.issues WHERE (source, issue_id) IN (SELECT source, issue_id FROM {db}.issues WHERE deleted = 1) GROUP BY source, issue_id HAVING argMax(deleted, version) = 1)
        ) AS i
        ALL INNER JOIN (
            SELECT source, sprint_id AS container_id, assumeNotNull(t0) AS start_at, t1 AS end_at,
                state = 'closed' AND isNotNull(complete_date) AS closing, carry_over_grace AS grace
            FROM (
                SELECT source, sprint_id, board_id, name, state, start_date, end_date, complete_date, carry_over_grace,
                    if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
                    if(state = 'closed', ifNull(complete_date, ?), ?) AS t1,
                    ifNull(t0, ifNull(start_date, toDateTime(0, 'UTC'))) AS sort_at
                FROM {db}.sprints FINAL
                WHERE deleted = 0
            ) AS p
            WHERE isNotNull(t0)
        ) AS w USING (source, container_id)
    ) AS a
    GROUP BY source, container_id
) AS m USING (source, sprint_id)
GROUP BY src, grp
ORDER BY src, grp`, args, []any{bNow, bNow, bNow, bNow})
}

func TestDurationsSQL(t *testing.T) {
	g, err := DurationFilter{}.check()
	if err != nil {
		t.Fatal(err)
	}
	sql, args := buildDurations(g, sprintSel{from: &bFrom, now: bNow})
	checkSQL(t, "durations", sql, `SELECT src, grp, toInt64(count()) AS n, toFloat64(sum(secs)) / count() / 86400 AS mean_days,
    toFloat64(quantile(0.5)(days)) AS p50_days, toFloat64(quantile(0.9)(days)) AS p90_days,
    toFloat64(max(days)) AS max_days
FROM (
    SELECT '' AS src, 'all' AS grp,
        toInt64(toUInt32(t1)) - toInt64(toUInt32(assumeNotNull(t0))) AS secs,
        (toFloat64(toUInt32(t1)) - toFloat64(toUInt32(assumeNotNull(t0)))) / 86400 AS days
    FROM (
        SELECT source, sprint_id, board_id, name, state, start_date, end_date, complete_date, carry_over_grace,
            if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
            if(state = 'closed', ifNull(complete_date, ?), ?) AS t1,
            ifNull(t0, ifNull(start_date, toDateTime(0, 'UTC'))) AS sort_at
        FROM {db}.sprints FINAL
        WHERE deleted = 0
            AND t0 >= ?
    ) AS p
    WHERE isNotNull(t0)
) AS d
GROUP BY src, grp
ORDER BY src, grp`, args, []any{bNow, bNow, bFrom})

	for groupBy, line := range map[string]string{
		"board": "    SELECT source AS src, board_id AS grp,\n",
		"state": "    SELECT '' AS src, state AS grp,\n",
		"month": "    SELECT '' AS src, substring(toString(toStartOfMonth(assumeNotNull(t0))), 1, 7) AS grp,\n",
	} {
		g, err := DurationFilter{GroupBy: groupBy}.check()
		if err != nil {
			t.Fatal(err)
		}
		if sql, _ := buildDurations(g, sprintSel{now: bNow}); !strings.Contains(sql, line) {
			t.Errorf("group_by %s: want line %q in\n%s", groupBy, line, sql)
		}
	}
}

// Request values only ever reach the statement as bound args: a hostile
// filter value leaves the SQL text unchanged.
// TestRecentSprintMetricsSQL: the gauges' sprint metrics compute their
// windows in the statement; the text is in testdata (it is long).
func TestRecentSprintMetricsSQL(t *testing.T) {
	sql, args := buildRecentSprintMetrics(sprintSel{now: bNow, recent: 3})
	want, err := os.ReadFile("testdata/recent_sprint_metrics.sql")
	if err != nil {
		t.Fatal(err)
	}
	// now, twice, in each of the four copies of the selection.
	checkSQL(t, "recent sprint metrics", sql+"\n", string(want), args, []any{bNow, bNow, bNow, bNow, bNow, bNow, bNow, bNow})
}

func TestDueHistorySQL(t *testing.T) {
	f := buildDueHistory(milestoneSel{source: "jira"})
	checkSQL(t, "due history", f.sql, `SELECT source, milestone_id, d, first_seen, last_seen, closed_seen
FROM (
    SELECT source, milestone_id,
        arraySort(x -> tupleElement(x, 1), groupArray((toInt64(toUInt32(observed)), d))) AS snaps,
        arrayMap(x -> tupleElement(x, 1), snaps) AS ts,
        arrayMap(x -> tupleElement(x, 2), snaps) AS ds,
        arrayPushFront(arrayPopBack(ds), toInt64(-1)) AS prev,
        arrayPushBack(arrayPopFront(ds), toInt64(-1)) AS next,
        arrayFilter((v, p) -> v != p, ds, prev) AS vals,
        arrayFilter((t, v, p) -> v != p, ts, ds, prev) AS starts,
        arrayFilter((t, v, n) -> v != n, ts, ds, next) AS ends,
        toInt64(minIf(toUInt32(observed), state = 'closed')) AS closed_seen
    FROM (
        SELECT source, milestone_id, observed, state, toInt64(toUInt32(ifNull(due, toDateTime(0, 'UTC')))) AS d
        FROM {db}.milestone_snapshots FINAL
        WHERE (source, milestone_id) IN (SELECT source, milestone_id FROM {db}.milestones FINAL WHERE deleted = 0 AND source = ?)
    ) AS s
    GROUP BY source, milestone_id
) AS h
ARRAY JOIN vals AS d, starts AS first_seen, ends AS last_seen
ORDER BY source, milestone_id, first_seen`, f.args, []any{"jira"})
}

func TestTicketSummarySQL(t *testing.T) {
	f := buildTicketSummary(TicketFilter{Source: "zd", GroupBy: TicketsByGroup, From: &bFrom, Now: bNow,
		SLA: map[string]time.Duration{"urgent": 4 * time.Hour, "high": 24 * time.Hour}})
	open := []string{"new", "open", "pending", "hold"}
	checkSQL(t, "ticket summary", f.sql, `SELECT grp, toInt64(count()) AS created,
    toInt64(countIf(status IN ('solved', 'closed') AND NOT merged)) AS solved,
    toInt64(countIf(has(?, status))) AS open,
    toFloat64(quantileIf(0.5)(fr, has_fr)) AS fr50, toFloat64(quantileIf(0.9)(fr, has_fr)) AS fr90,
    toFloat64(quantileIf(0.5)(res, solved_work)) AS res50, toFloat64(quantileIf(0.9)(res, solved_work)) AS res90,
    toFloat64(quantileIf(0.5)(frb, has_frb)) AS frb50, toFloat64(quantileIf(0.9)(frb, has_frb)) AS frb90,
    toFloat64(quantileIf(0.5)(resb, solved_work_b)) AS resb50, toFloat64(quantileIf(0.9)(resb, solved_work_b)) AS resb90,
    toInt64(countIf(breaches > 0 OR (applied = 0 AND target > 0 AND waited > target))) AS breaches,
    toInt64(countIf(applied > 0 OR target > 0)) AS with_sla,
    toInt64(min(sla_change_at)) AS next_change
FROM (
    SELECT source, group_name AS grp, status, merged, breaches, applied,
        isNotNull(first_reply_minutes) AS has_fr, ifNull(first_reply_minutes, 0) / 60 AS fr,
        ifNull(resolution_minutes, 0) / 60 AS res,
        status IN ('solved', 'closed') AND NOT merged AND isNotNull(resolution_minutes) AS solved_work,
        isNotNull(first_reply_business_minutes) AS has_frb, ifNull(first_reply_business_minutes, 0) / 60 AS frb,
        ifNull(resolution_business_minutes, 0) / 60 AS resb,
        status IN ('solved', 'closed') AND NOT merged AND isNotNull(resolution_business_minutes) AS solved_work_b,
        toFloat64(transform(priority, ?, ?, 0)) AS target,
        if(has_fr, ifNull(first_reply_minutes, 0),
            if(has(?, status), (toInt64(toUInt32(?)) - toInt64(toUInt32(created))) / 60, 0)) AS waited,
        if(NOT (has_fr) AND has(?, status) AND applied = 0 AND target > 0 AND waited <= target,
            toInt64(toUInt32(created)) + toInt64(target * 60) + 1, 4294967295) AS sla_change_at
    FROM (
        SELECT source, ticket_id, priority, status, group_name, created, first_reply_minutes, resolution_minutes,
            first_reply_business_minutes, resolution_business_minutes, has(tags, 'closed_by_merge') AS merged
        FROM {db}.tickets FINAL
        WHERE status != 'deleted' AND source = ? AND created >= ?
    ) AS t
    ANY LEFT JOIN (
        SELECT source, ticket_id, toInt64(countIf(type = 'breach')) AS breaches,
            toInt64(countIf(type = 'apply_sla')) AS applied
        FROM {db}.ticket_metric_events FINAL
        GROUP BY source, ticket_id
    ) AS e USING (source, ticket_id)
) AS s
GROUP BY grp
ORDER BY grp`, f.args, []any{open, []string{"high", "urgent"}, []int64{1440, 240}, open, bNow, open, "zd", bFrom})
}

func TestTicketDurationsSQL(t *testing.T) {
	f := buildTicketDurations(TicketsByGroup, &bFrom, &bTo)
	checkSQL(t, "ticket durations", f.sql, `SELECT source AS src, group_name AS grp, toInt64(count()) AS n, toFloat64(sum(minutes)) / count() / 1440 AS mean_days,
    toFloat64(quantile(0.5)(days)) AS p50_days, toFloat64(quantile(0.9)(days)) AS p90_days,
    toFloat64(max(days)) AS max_days
FROM (
    SELECT source, priority, group_name, assumeNotNull(resolution_minutes) AS minutes, minutes / 1440 AS days
    FROM {db}.tickets FINAL
    WHERE status IN ('solved', 'closed') AND NOT has(tags, 'closed_by_merge') AND isNotNull(resolution_minutes) AND created >= ? AND created <= ?
) AS t
GROUP BY src, grp
ORDER BY src, grp`, f.args, []any{bFrom, bTo})
}

func TestValuesAreBound(t *testing.T) {
	evil := "B1' OR 1=1 --"
	plain := sprintSet(sprintSel{source: "s", board: "b", state: "closed", now: bNow, limit: 5})
	hostile := sprintSet(sprintSel{source: evil, board: evil, state: "closed", now: bNow, limit: 5})
	args := hostile.args
	if plain.sql != hostile.sql {
		t.Errorf("filter values changed the statement text")
	}
	bound, err := warehouse.Bind(hostile.sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bound, `'B1\' OR 1=1 --'`) {
		t.Errorf("value not bound as one quoted literal:\n%s", bound)
	}

	// The windows of the metrics statement are bound too.
	plainM, _ := buildSprintMetrics([]sprintWindow{{source: "s", id: "b", t0: bFrom, t1: bNow}})
	hostileM, argsM := buildSprintMetrics([]sprintWindow{{source: evil, id: evil, t0: bFrom, t1: bNow}})
	if plainM != hostileM {
		t.Errorf("window values changed the metrics statement text")
	}
	bound, err = warehouse.Bind(hostileM, argsM...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bound, `['B1\' OR 1=1 --']`) {
		t.Errorf("window value not bound as one quoted literal:\n%s", bound)
	}
}
