package warehouse

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/ClickHouse/ch-go/proto"
)

// benchNativeResult is a 100k-row result of the whtest benchmark's wide
// table (every type of the schema, NULLs and arrays in every other row),
// encoded as the engine sends it (the insert encoder writes the same
// layout), plus a LowCardinality(String) column encoded by ch-go.
func benchNativeResult(tb testing.TB) []byte {
	const total = 100_000
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([][]any, total)
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
	cols := []string{"source", "id", "n", "flag", "score", "at", "done", "points", "labels", "title"}
	enc := nativeEncoder{columns: cols, rows: rows}
	var out []byte
	for {
		b, err := enc.next()
		if err != nil {
			tb.Fatal(err)
		}
		if b == nil {
			return out
		}
		out = append(out, b...)
	}
}

// BenchmarkDecodeNative decodes a 100k-row result (decode), and decodes
// it and scans every row into typed destinations as Query and Scan do
// (scan), without the engine.
func BenchmarkDecodeNative(b *testing.B) {
	data := benchNativeResult(b)
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := decodeNative(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		var (
			source, title string
			id            int64
			n             uint64
			flag          uint8
			score         float64
			at            time.Time
			done          *time.Time
			points        *float64
			labels        []string
		)
		dest := []any{&source, &id, &n, &flag, &score, &at, &done, &points, &labels, &title}
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			rows, err := newNativeRows(data)
			if err != nil {
				b.Fatal(err)
			}
			got := 0
			for rows.Next() {
				if err := rows.Scan(dest...); err != nil {
					b.Fatal(err)
				}
				got++
			}
			if got != 100_000 {
				b.Fatalf("%d rows", got)
			}
		}
	})
}

// BenchmarkDecodeNativeLowCardinality decodes 100k rows of
// LowCardinality(String) with 1,000 distinct values.
func BenchmarkDecodeNativeLowCardinality(b *testing.B) {
	const total = 100_000
	var buf proto.Buffer
	buf.PutUVarInt(1)
	buf.PutUVarInt(total)
	buf.PutString("lc")
	buf.PutString("LowCardinality(String)")
	lc := new(proto.ColStr).LowCardinality()
	for i := range total {
		lc.Append("value-" + strconv.Itoa(i%1000))
	}
	if err := lc.Prepare(); err != nil {
		b.Fatal(err)
	}
	lc.EncodeState(&buf)
	lc.EncodeColumn(&buf)
	data := bytes.Clone(buf.Buf)
	var s string
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rows, err := newNativeRows(data)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			if err := rows.Scan(&s); err != nil {
				b.Fatal(err)
			}
		}
	}
}
