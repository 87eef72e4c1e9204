package analytics

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// Whole-org reports (every milestone, every sprint's scope metrics) are
// computed from readings: a few statements over every row, whose result
// changes only when the warehouse does. A collection runs every few
// minutes while the API is read many times a minute, so a reading is
// kept per warehouse and reused while the warehouse holds the same data:
// the fingerprint of its data parts (one statement over system.parts,
// ~3 ms) changes with every insert. It does not change with merges (a
// merge keeps the block numbers its parts cover), so a reading made right
// after a collection is not thrown away when the parts merge a second
// later. Runway never mutates rows (ALTER UPDATE/DELETE): a tombstone is
// an insert.

// partsFingerprintSQL identifies the data a warehouse holds: per table and
// partition, the newest block number of its active parts. An insert makes
// a part with a new block number; a merge makes a part covering the same
// numbers; a dropped partition or table goes missing. On a cluster the
// parts are every shard's (one replica each), told apart by node (host
// and data folder): each shard numbers its blocks on its own. A shard
// answered by another replica than last time reads as a change, so a
// reading is made again rather than ever served stale.
func partsFingerprintSQL(cluster, database string) frag {
	from, node, args := "system.parts", "''", []any{}
	if cluster != "" {
		from, node, args = "cluster(?, system, parts)", "concat(hostName(), substring(path, 1, position(path, '/data/')))", []any{cluster}
	}
	return frag{sql: "SELECT toString(count()), toString(sum(cityHash64(node, table, partition_id, top)))\n" +
		"FROM (\n" +
		"    SELECT " + node + " AS node, table, partition_id, max(max_block_number) AS top\n" +
		"    FROM " + from + "\n" +
		"    WHERE database = ? AND active\n" +
		"    GROUP BY node, table, partition_id\n" +
		") AS p", args: append(args, database)}
}

// partsFingerprint identifies the data db holds now.
func partsFingerprint(ctx context.Context, db warehouse.DB) (string, error) {
	var n, sum string
	err := each(ctx, db, "warehouse parts", partsFingerprintSQL(db.Cluster(), db.Database()),
		func(r warehouse.Rows) error { return r.Scan(&n, &sum) })
	if err != nil {
		return "", err
	}
	return n + "/" + sum, nil
}

// maxCachedCells bounds the readings a readingCache keeps (tests open
// many warehouses; a reading per filter is kept for a few filters).
const maxCachedCells = 16

// readingCache keeps one reading per warehouse and key (a filter, or ""),
// each behind its own single flight: concurrent requests share one
// reading rather than each running its statements.
type readingCache[T any] struct {
	mu    sync.Mutex
	by    map[cellKey]*readingCell[T]
	order []cellKey // least recently added first
}

type cellKey struct {
	db  warehouse.DB
	key string
}

type readingCell[T any] struct {
	turn chan struct{} // a one-slot semaphore: the holder reads
	last *cachedReading[T]
}

// cachedReading is a reading and what it was read under: the parts, and
// the clock (the open sprints' t1, the throughput window).
type cachedReading[T any] struct {
	parts string
	took  time.Time // when parts was read (monotonic)
	now   time.Time
	data  T
}

// serves reports whether a reading made under (parts, at) answers for
// the clock now.
type servesFunc[T any] func(r *cachedReading[T], now time.Time) bool

// get returns the cached reading when the parts are unchanged and serves
// says it answers for now, else reads a new one and keeps it. When the
// parts cannot be fingerprinted (no access to system.parts), every call
// reads afresh. peek only looks: with no usable reading it returns ok
// false without reading.
func (c *readingCache[T]) get(ctx context.Context, db warehouse.DB, key string, now time.Time, peek bool,
	serves servesFunc[T], read func(context.Context) (T, error)) (data T, ok bool, err error) {
	arrived := time.Now()
	parts, err := partsFingerprint(ctx, db)
	if err != nil {
		if peek {
			return data, false, nil
		}
		data, err = read(ctx)
		return data, err == nil, err
	}
	cell := c.cell(db, key)
	waited := false
	select {
	case cell.turn <- struct{}{}:
	default:
		if peek {
			return data, false, nil // a reading is being made: do not wait for it
		}
		waited = true
		select {
		case cell.turn <- struct{}{}:
		case <-ctx.Done():
			return data, false, fmt.Errorf("reading: %w", ctx.Err())
		}
	}
	defer func() { <-cell.turn }()
	// A reading fingerprinted after this call arrived holds everything
	// committed before it did: while a collection writes, the calls that
	// waited for one reading take it rather than each make the next.
	if r := cell.last; r != nil && (r.parts == parts || !r.took.Before(arrived)) && serves(r, now) {
		return r.data, true, nil
	}
	if peek {
		return data, false, nil
	}
	// After a wait, fingerprint again: the calls queued behind this one
	// all arrived before this instant, so its reading serves them too.
	took := arrived
	if waited {
		took = time.Now()
		if parts, err = partsFingerprint(ctx, db); err != nil {
			data, err = read(ctx)
			return data, err == nil, err
		}
	}
	if data, err = read(ctx); err != nil {
		return data, false, err
	}
	// The parts may have changed while reading: then the next call's
	// fingerprint differs from this one, and it reads again.
	cell.last = &cachedReading[T]{parts: parts, took: took, now: now, data: data}
	return data, true, nil
}

func (c *readingCache[T]) cell(db warehouse.DB, key string) *readingCell[T] {
	k := cellKey{db, key}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cell, ok := c.by[k]; ok {
		return cell
	}
	if c.by == nil {
		c.by = map[cellKey]*readingCell[T]{}
	}
	if len(c.order) >= maxCachedCells {
		delete(c.by, c.order[0])
		c.order = c.order[1:]
	}
	cell := &readingCell[T]{turn: make(chan struct{}, 1)}
	c.by[k] = cell
	c.order = append(c.order, k)
	return cell
}

// Warm makes the readings for the warehouse's current data as of now
// (every milestone with the closed ones' backtests, every sprint's
// metrics, and the whole-desk ticket answers the overview, the gauges
// and the support load ask for with the configured SLA targets), so that
// the first requests after a collection find them ready: serve calls it
// after each run.
func Warm(ctx context.Context, db warehouse.DB, now time.Time, sla map[string]time.Duration) error {
	now, err := reportNow(now)
	if err != nil {
		return err
	}
	c, err := allMilestoneData(ctx, db, now)
	if err != nil {
		return err
	}
	if _, err := c.backtests(ctx, db, now); err != nil {
		return err
	}
	if _, _, err := cachedSprintMetrics(ctx, db, now, true); err != nil {
		return err
	}
	f := TicketFilter{GroupBy: TicketsByPriority, SLA: sla, Now: now}
	for _, bySource := range []bool{false, true} {
		if _, err := ticketGroups(ctx, db, f, bySource); err != nil {
			return err
		}
	}
	_, err = ticketClasses(ctx, db, sla, now, now, nil)
	return err
}
