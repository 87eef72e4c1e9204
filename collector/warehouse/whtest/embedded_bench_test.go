package whtest_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// The embedded backend's per-statement cost: one small SELECT, a 100k-row
// result read and scanned, a 100k-row insert, and one query from 1, 2 and
// 8 goroutines at once. Run with a fixed count, e.g.
//
//	go test ./collector/warehouse/whtest -run '^$' -bench Embedded -benchtime 20x

// wideDDL has ten columns of the schema's types (values.go).
const wideDDL = `CREATE TABLE {db}.wide (
    source String,
    id Int64,
    n UInt64,
    flag UInt8,
    score Float64,
    at DateTime('UTC'),
    done Nullable(DateTime('UTC')),
    points Nullable(Float64),
    labels Array(String),
    title String
) ENGINE = MergeTree ORDER BY (source, id)`

var wideColumns = []string{"source", "id", "n", "flag", "score", "at", "done", "points", "labels", "title"}

const wideSelect = "SELECT source, id, n, flag, score, at, done, points, labels, title FROM {db}.wide"

// wideRows builds n rows; every other row has NULLs and no labels.
func wideRows(n int) [][]any {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([][]any, n)
	for i := range rows {
		at := base.Add(time.Duration(i) * time.Minute)
		var done *time.Time
		var points *float64
		var labels []string
		if i%2 == 0 {
			d, p := at.Add(36*time.Hour), float64(i%13)
			done, points = &d, &p
			labels = []string{"backend", "team-" + strconv.Itoa(i%7)}
		}
		rows[i] = []any{"source-" + strconv.Itoa(i%4), int64(i), uint64(i) * 7, uint8(i % 2), float64(i) * 0.25,
			at, done, points, labels, "Issue title number " + strconv.Itoa(i)}
	}
	return rows
}

type wideRow struct {
	source, title string
	id            int64
	n             uint64
	flag          uint8
	score         float64
	at            time.Time
	done          *time.Time
	points        *float64
	labels        []string
}

func (r *wideRow) dest() []any {
	return []any{&r.source, &r.id, &r.n, &r.flag, &r.score, &r.at, &r.done, &r.points, &r.labels, &r.title}
}

// aggRow is a row of aggQuery.
type aggRow struct {
	source    string
	n, labels uint64
	avg       float64
	last      time.Time
}

func (r *aggRow) dest() []any { return []any{&r.source, &r.n, &r.avg, &r.last, &r.labels} }

// scanAll reads every row of query into typed destinations (a wideRow, or
// an aggRow for five columns) and returns how many.
func scanAll(ctx context.Context, db warehouse.DB, query string, args ...any) (int, error) {
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var w wideRow
	var a aggRow
	dest := w.dest()
	if len(rows.Columns()) == len(a.dest()) {
		dest = a.dest()
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// embeddedWide opens an embedded database holding n wide rows.
func embeddedWide(b *testing.B, n int) warehouse.DB {
	ctx, db := testContext(b), whtest.EmbeddedDB(b)
	if err := db.Exec(ctx, wideDDL); err != nil {
		b.Fatal(err)
	}
	if err := db.Insert(ctx, "wide", wideColumns, wideRows(n)); err != nil {
		b.Fatal(err)
	}
	return db
}

const (
	smallQuery = wideSelect + " WHERE source = ? AND id < ? ORDER BY id" // 3 rows of one source
	aggQuery   = "SELECT source, count(), avg(score), max(at), sum(length(labels)) FROM {db}.wide GROUP BY source ORDER BY source"
)

func BenchmarkEmbeddedQuery(b *testing.B) {
	const total = 100_000
	db := embeddedWide(b, total)
	ctx := testContext(b)
	for _, c := range []struct {
		name  string
		query string
		args  []any
		rows  int
	}{
		{"small", smallQuery, []any{"source-1", 10}, 3},
		{"agg", aggQuery, nil, 4},
		{"100k", wideSelect, nil, total},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n, err := scanAll(ctx, db, c.query, c.args...)
				if err != nil {
					b.Fatal(err)
				}
				if n != c.rows {
					b.Fatalf("%d rows, want %d", n, c.rows)
				}
			}
		})
	}
}

func BenchmarkEmbeddedInsert(b *testing.B) {
	const total = 100_000
	ctx, db := testContext(b), whtest.EmbeddedDB(b)
	if err := db.Exec(ctx, wideDDL); err != nil {
		b.Fatal(err)
	}
	rows := wideRows(total)
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if err := db.Insert(ctx, "wide", wideColumns, rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*total/time.Since(start).Seconds(), "rows/s")
	if n := count(b, ctx, db, "SELECT count() FROM {db}.wide"); n != int64(b.N)*total {
		b.Fatalf("count = %d, want %d", n, int64(b.N)*total)
	}
}

// BenchmarkEmbeddedConcurrency runs callsPerOp calls of one query per
// iteration, spread over 1, 2 or 8 goroutines, and reports the throughput
// and the latency of single calls.
func BenchmarkEmbeddedConcurrency(b *testing.B) {
	const callsPerOp = 48
	db := embeddedWide(b, 100_000)
	ctx := testContext(b)
	for _, q := range []struct {
		name  string
		query string
		args  []any
	}{
		{"small", smallQuery, []any{"source-1", 10}},
		{"agg", aggQuery, nil},
	} {
		for _, clients := range []int{1, 2, 8} {
			b.Run(fmt.Sprintf("%s/clients=%d", q.name, clients), func(b *testing.B) {
				var lat []time.Duration
				start := time.Now()
				for b.Loop() {
					lat = append(lat, concurrentCalls(b, clients, callsPerOp, func() error {
						_, err := scanAll(ctx, db, q.query, q.args...)
						return err
					})...)
				}
				elapsed := time.Since(start)
				slices.Sort(lat)
				b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "calls/s")
				b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
				b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
			})
		}
	}
}

// concurrentCalls makes calls calls of fn from clients goroutines and
// returns the duration of each.
func concurrentCalls(b *testing.B, clients, calls int, fn func() error) []time.Duration {
	lat := make([]time.Duration, calls)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= calls {
					return
				}
				t0 := time.Now()
				if err := fn(); err != nil {
					failed.Store(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	return lat
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
