package whtest_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// BenchmarkInsert writes 1M narrow rows per iteration through Insert, in
// batches of 100k, into each backend, and reports rows/s.
//
//	go test ./collector/warehouse/whtest -run '^$' -bench Insert -benchtime 1x
func BenchmarkInsert(b *testing.B) {
	const (
		total = 1_000_000
		batch = 100_000
	)
	sources := make([]string, 16)
	for i := range sources {
		sources[i] = "source-" + strconv.Itoa(i)
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([][]any, total)
	for i := range rows {
		rows[i] = []any{int64(i), sources[i%len(sources)], base.Add(time.Duration(i) * time.Second), float64(i) * 0.5}
	}
	columns := []string{"id", "source", "at", "v"}

	for _, be := range whtest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			ctx, db := testContext(b), be.DB
			if err := db.Exec(ctx, `CREATE TABLE {db}.narrow (
    id Int64,
    source String,
    at DateTime('UTC'),
    v Float64
) ENGINE = MergeTree ORDER BY (source, id)`); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				for off := 0; off < total; off += batch {
					if err := db.Insert(ctx, "narrow", columns, rows[off:off+batch]); err != nil {
						b.Fatal(err)
					}
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)*total/elapsed.Seconds(), "rows/s")
			if n := count(b, ctx, db, "SELECT count() FROM {db}.narrow"); n != int64(b.N)*total {
				b.Fatalf("count = %d, want %d", n, int64(b.N)*total)
			}
		})
	}
}
