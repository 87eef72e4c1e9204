package warehouse

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// BenchmarkInsertEmbedded writes 1M narrow rows per iteration into the
// embedded engine with one Insert call (which splits them into VALUES chunks)
// and reports rows/s. The rows match BenchmarkInsertServer in whtest.
//
//	CHDB_LIB_PATH=... go test ./collector/warehouse -run '^$' -bench InsertEmbedded -benchtime 1x
func BenchmarkInsertEmbedded(b *testing.B) {
	const total = 1_000_000
	ctx := context.Background()
	db := openTestDB(b, "chdb_bench_insert")
	if err := db.Exec(ctx, `CREATE TABLE {db}.narrow (
    id Int64,
    source String,
    at DateTime('UTC'),
    v Float64
) ENGINE = MergeTree ORDER BY (source, id)`); err != nil {
		b.Fatal(err)
	}
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

	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if err := db.Insert(ctx, "narrow", columns, rows); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)*total/elapsed.Seconds(), "rows/s")

	rs, err := db.Query(ctx, "SELECT count() FROM {db}.narrow")
	if err != nil {
		b.Fatal(err)
	}
	defer rs.Close()
	var n int64
	if !rs.Next() {
		b.Fatal(rs.Err())
	}
	if err := rs.Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n != int64(b.N)*total {
		b.Fatalf("count = %d, want %d", n, int64(b.N)*total)
	}
}
