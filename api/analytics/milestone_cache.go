package analytics

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// Every milestone report of the whole org (the list, projects, rollups,
// the backtest, the gauges) is computed from one reading of every
// milestone: five statements that cost ~250 ms at 5,000 milestones, while
// the arithmetic over them costs ~15 ms. The rows change only when the
// warehouse does, and a collection runs every few minutes while the API
// is read many times a minute, so the reading is kept per warehouse and
// reused while the warehouse holds the same data parts: any insert, merge
// or mutation makes a new part, so the fingerprint of the active parts
// (one statement over system.parts, ~3 ms) changes with the data.
//
// The reading also depends on the clock, through the window of the
// throughput fallback (closures since now − 8 weeks): one made at t holds
// every closure a later clock needs, so it is reused for clocks from t up
// to t + maxReadingAge, never for an earlier one.

// maxReadingAge bounds how long one reading serves later clocks, so no
// clock-dependent reading outlives a few refreshes.
const maxReadingAge = 5 * time.Minute

// maxCachedWarehouses bounds the warehouses kept (tests open many).
const maxCachedWarehouses = 4

// partsFingerprintSQL identifies the data a warehouse holds: its active
// parts, by table and name (block numbers and mutation versions are in
// the name).
const partsFingerprintSQL = "SELECT toString(count()), toString(sum(cityHash64(table, name)))\n" +
	"FROM system.parts\n" +
	"WHERE database = ? AND active"

// reading is one reading of every milestone, and what it was read under.
type reading struct {
	parts string
	now   time.Time
	data  *milestoneData
}

// readings are the cached readings, one per warehouse, each behind its
// own single flight: concurrent requests share one reading rather than
// each running the five statements.
var readings = struct {
	sync.Mutex
	by    map[warehouse.DB]*readingCell
	order []warehouse.DB // least recently added first
}{by: map[warehouse.DB]*readingCell{}}

type readingCell struct {
	turn chan struct{} // a one-slot semaphore: the holder reads
	last *reading
}

// allMilestoneData returns the reading of every milestone as of now: the
// cached one when the warehouse's parts are unchanged and it was made at
// most maxReadingAge before now, else a new one. When the parts cannot be
// fingerprinted (no access to system.parts), every call reads afresh.
func allMilestoneData(ctx context.Context, db warehouse.DB, now time.Time) (*milestoneData, error) {
	parts, err := partsFingerprint(ctx, db)
	if err != nil {
		return collectMilestones(ctx, db, milestoneSel{}, now)
	}
	cell := readingCellOf(db)
	select {
	case cell.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("milestones: %w", ctx.Err())
	}
	defer func() { <-cell.turn }()
	if r := cell.last; r != nil && r.parts == parts && !now.Before(r.now) && now.Sub(r.now) <= maxReadingAge {
		return r.data, nil
	}
	data, err := collectMilestones(ctx, db, milestoneSel{}, now)
	if err != nil {
		return nil, err
	}
	// The parts may have changed while reading: then the next call's
	// fingerprint differs from this one, and it reads again.
	cell.last = &reading{parts: parts, now: now, data: data}
	return data, nil
}

func readingCellOf(db warehouse.DB) *readingCell {
	readings.Lock()
	defer readings.Unlock()
	if c, ok := readings.by[db]; ok {
		return c
	}
	if len(readings.order) >= maxCachedWarehouses {
		delete(readings.by, readings.order[0])
		readings.order = readings.order[1:]
	}
	c := &readingCell{turn: make(chan struct{}, 1)}
	readings.by[db] = c
	readings.order = append(readings.order, db)
	return c
}

// partsFingerprint identifies the data parts db holds now.
func partsFingerprint(ctx context.Context, db warehouse.DB) (string, error) {
	var n, sum string
	err := each(ctx, db, "warehouse parts", frag{sql: partsFingerprintSQL, args: []any{db.Database()}},
		func(r warehouse.Rows) error { return r.Scan(&n, &sum) })
	if err != nil {
		return "", err
	}
	return n + "/" + sum, nil
}
