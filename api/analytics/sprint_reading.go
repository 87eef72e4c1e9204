package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// The scope metrics of every started sprint are one reading (see
// readings.go): at 26,000 sprints and 4M membership intervals they cost
// seconds to count, while a page of reports is a lookup in them.
//
// A closed sprint's metrics do not depend on the clock (t1 is its
// completeDate). An open one's do (t1 = now), but only through the events
// in its window: when the warehouse holds no membership, status or
// estimate change after the clock a reading was made at, a later clock
// finds the same issues in the same states, so the reading serves every
// later clock (as it always does when the clock is the wall clock). When
// it holds later events (a clock pinned in the past), it serves that
// clock only.

// sprintReading is the metrics of every started sprint, by (source, id),
// and the time of the newest event they were counted from.
type sprintReading struct {
	metrics   map[[2]string]sprintMetrics
	lastEvent time.Time
}

var sprintReadings readingCache[*sprintReading]

// sprintsPerChunk bounds the sprints one statement of a reading counts,
// so that its memory (the histories of their issues) stays bounded
// however large the org.
const sprintsPerChunk = 4000

// wholeOrgLimit: selections larger than this (or without a limit) wait
// for the reading; smaller pages count their own sprints while none is
// ready, rather than wait for the whole org.
const wholeOrgLimit = 1000

// lastSprintEventSQL is the newest event time a sprint's metrics can read
// (0 when there is none). Without FINAL: a replaced row can only make it
// later, which costs a reuse, never a wrong answer.
// (greatest takes two arguments on 18.16.)
const lastSprintEventSQL = "SELECT toInt64(toUInt32(greatest(\n" +
	"    (SELECT max(greatest(entered, ifNull(exited, entered))) FROM {db}.membership_intervals WHERE kind = 'sprint'),\n" +
	"    greatest((SELECT max(at) FROM {db}.issue_status_changes),\n" +
	"        (SELECT max(at) FROM {db}.issue_points_changes)))))"

// startedSprintsSQL counts the started sprints a reading counts.
const startedSprintsSQL = "SELECT toInt64(count())\n" +
	"FROM {db}.sprints FINAL\n" +
	"WHERE deleted = 0 AND isNotNull(" + exprT0 + ")"

// cachedSprintMetrics returns the metrics of every started sprint as of
// now from the reading. With wait false it never reads: ok is false when
// no reading serves now (the caller counts its own sprints).
func cachedSprintMetrics(ctx context.Context, db warehouse.DB, now time.Time, wait bool) (map[[2]string]sprintMetrics, bool, error) {
	r, ok, err := sprintReadings.get(ctx, db, "", now, !wait,
		func(r *cachedReading[*sprintReading], now time.Time) bool {
			return now.Equal(r.now) || (now.After(r.now) && !r.data.lastEvent.After(r.now))
		},
		func(ctx context.Context) (*sprintReading, error) { return readAllSprintMetrics(ctx, db, now) })
	if err != nil || !ok {
		return nil, false, err
	}
	return r.metrics, true, nil
}

// readAllSprintMetrics counts every started sprint as of now, in chunks
// of boards of about sprintsPerChunk sprints.
func readAllSprintMetrics(ctx context.Context, db warehouse.DB, now time.Time) (*sprintReading, error) {
	var last, started int64
	if err := each(ctx, db, "sprint reading", frag{sql: lastSprintEventSQL},
		func(r warehouse.Rows) error { return r.Scan(&last) }); err != nil {
		return nil, err
	}
	if err := each(ctx, db, "sprint reading", frag{sql: startedSprintsSQL},
		func(r warehouse.Rows) error { return r.Scan(&started) }); err != nil {
		return nil, err
	}
	out := &sprintReading{metrics: make(map[[2]string]sprintMetrics, started), lastEvent: time.Unix(last, 0).UTC()}
	chunks := int(started/sprintsPerChunk) + 1
	for i := range chunks {
		sql, args := buildRecentSprintMetrics(sprintSel{now: now, chunk: [2]int{i, chunks}})
		if err := readSprintMetrics(ctx, db, sql, args, out.metrics); err != nil {
			return nil, fmt.Errorf("sprint reading: %w", err)
		}
	}
	return out, nil
}
