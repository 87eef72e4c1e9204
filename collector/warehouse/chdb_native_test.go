package warehouse

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNativeRoundTrip encodes rows as the embedded backend inserts them and
// decodes the bytes as it reads results (the layouts are the same), with
// no engine in between: every insert type, NULLs, and a column whose Go
// type changes, which starts a new block.
func TestNativeRoundTrip(t *testing.T) {
	at := time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)
	f := 0.5
	cols := []string{"s", "i", "u", "b", "f", "t", "nt", "nf", "ss", "is", "nothing", "mixed"}
	rows := [][]any{
		{"a\x00\n'\xff", int64(math.MinInt64), uint64(math.MaxUint64), uint8(255), math.Inf(-1), at, &at, &f, []string{"x", ""}, []int64{-1}, nil, int64(7)},
		{"", int64(0), uint64(0), uint8(0), math.NaN(), time.Unix(0, 0), (*time.Time)(nil), nil, []string{}, nil, nil, int64(8)},
		{"z", int64(1), uint64(1), uint8(1), 1.5, at, nil, (*float64)(nil), nil, []int64{}, nil, "nine"},
	}
	// The last row's "nine" does not fit the block's Int64 column: it
	// starts another block, which a result never does.
	enc := nativeEncoder{columns: cols, rows: rows}
	var blocks [][]byte
	for {
		b, err := enc.next()
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			break
		}
		blocks = append(blocks, bytes.Clone(b))
	}
	if len(blocks) != 2 {
		t.Fatalf("%d blocks, want 2", len(blocks))
	}
	if _, _, err := decodeNative(bytes.Join(blocks, nil)); err == nil || !strings.Contains(err.Error(), "block 1 column") {
		t.Errorf("decoding blocks of different types: %v", err)
	}
	data := blocks[0]
	names, decoded, err := decodeNative(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names, cols) || len(decoded) != 1 || decoded[0].rows != 2 {
		t.Fatalf("names %q, %d blocks", names, len(decoded))
	}
	var got []string
	for i := range decoded[0].rows {
		var vals []string
		for _, c := range decoded[0].cols {
			vals = append(vals, fmt.Sprintf("%#v", c.value(i)))
		}
		got = append(got, strings.Join(vals, " "))
	}
	want := []string{
		`"a\x00\n'\xff" -9223372036854775808 0xffffffffffffffff 255 -Inf time.Date(2024, time.February, 29, 23, 59, 58, 0, time.UTC) ` +
			`time.Date(2024, time.February, 29, 23, 59, 58, 0, time.UTC) 0.5 []interface {}{"x", ""} []interface {}{-1} <nil> 7`,
		`"" 0 0x0 0 NaN time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC) <nil> <nil> []interface {}{} []interface {}{} <nil> 8`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Cut anywhere, the data is an error, never a panic or a shorter result.
	for n := 1; n < len(data); n++ {
		if _, _, err := decodeNative(data[:n]); err == nil {
			t.Fatalf("%d of %d bytes decoded without an error", n, len(data))
		}
	}
}

func TestNativeColumnTypes(t *testing.T) {
	for _, typ := range []string{"Map(String, UInt8)", "JSON", "Variant(String, UInt8)", "Array(Map(String, String))",
		"Nullable(Dynamic)", "FixedString(x)", "DateTime64(12)", "Decimal(x, 2)"} {
		if _, err := newNativeColumn(typ); err == nil || !strings.Contains(err.Error(), "unsupported result type") {
			t.Errorf("%s: err = %v", typ, err)
		}
	}
	for _, c := range []struct{ typ, elem string }{
		{"a UInt8", "UInt8"}, {"UInt8", "UInt8"}, {"Nullable(String)", "Nullable(String)"}, {"name DateTime('UTC')", "DateTime('UTC')"},
	} {
		if got := tupleElementType(c.typ); got != c.elem {
			t.Errorf("tupleElementType(%q) = %q, want %q", c.typ, got, c.elem)
		}
	}
	names, err := enumNames([]string{`'it\'s' = -1`, `'a = b' = 2`, `'\x41\n' = 3`})
	if err != nil || names[-1] != "it's" || names[2] != "a = b" || names[3] != "A\n" {
		t.Errorf("enumNames = %v, %v", names, err)
	}
}

// TestEmbeddedResultEdgeCases: values the Native decoding must get right,
// through a real engine.
func TestEmbeddedResultEdgeCases(t *testing.T) {
	db := openTestDB(t, "chdb_result_edges")
	ctx := context.Background()

	// No rows: no block, so no column names, and no error.
	rows, err := db.Query(ctx, "SELECT 1 AS one WHERE 0")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() || rows.Err() != nil || len(rows.Columns()) != 0 {
		t.Errorf("empty result: Next, Err, Columns = true or %v, %q", rows.Err(), rows.Columns())
	}
	if err := rows.Scan(new(int64)); err == nil {
		t.Error("Scan on an empty result: no error")
	}
	rows.Close()

	// Several blocks (the engine cuts at 65,409 rows here).
	const n = 200_000
	rows, err = db.Query(ctx, "SELECT number, toString(number), if(number % 3 = 0, NULL, number) FROM system.numbers LIMIT ?", n)
	if err != nil {
		t.Fatal(err)
	}
	if blocks := len(rows.(*nativeRows).blocks); blocks < 2 {
		t.Errorf("%d rows in %d block, want several", n, blocks)
	}
	i := uint64(0)
	for rows.Next() {
		var num uint64
		var s string
		var null *int64
		if err := rows.Scan(&num, &s, &null); err != nil {
			t.Fatal(err)
		}
		if num != i || s != strconv.FormatUint(i, 10) || (null == nil) != (i%3 == 0) || null != nil && *null != int64(i) {
			t.Fatalf("row %d = %d %q %v", i, num, s, null)
		}
		i++
	}
	if i != n {
		t.Errorf("read %d rows, want %d", i, n)
	}
	rows.Close()

	var maxU, zeroU uint64
	var nan, inf, negInf float64
	var nullT *time.Time
	var someT *time.Time
	var empty, some []string
	var emptyS string
	queryRow(t, db, `SELECT toUInt64('18446744073709551615'), toUInt64(0), nan, inf, -inf,
		CAST(NULL AS Nullable(DateTime('UTC'))), CAST('2024-01-02 03:04:05' AS Nullable(DateTime('UTC'))),
		CAST([] AS Array(String)), ['a\nb', '', 'it''s', unhex('FF')], ''`, nil,
		&maxU, &zeroU, &nan, &inf, &negInf, &nullT, &someT, &empty, &some, &emptyS)
	if maxU != math.MaxUint64 || zeroU != 0 || !math.IsNaN(nan) || !math.IsInf(inf, 1) || !math.IsInf(negInf, -1) {
		t.Errorf("numbers = %d %d %v %v %v", maxU, zeroU, nan, inf, negInf)
	}
	if nullT != nil || someT == nil || !someT.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) || someT.Location() != time.UTC {
		t.Errorf("nullable times = %v, %v", nullT, someT)
	}
	if empty == nil || len(empty) != 0 || !reflect.DeepEqual(some, []string{"a\nb", "", "it's", "\xff"}) || emptyS != "" {
		t.Errorf("strings = %#v %#v %q", empty, some, emptyS)
	}

	// The neutral value of each less common type.
	for _, c := range []struct {
		expr string
		want any
	}{
		{"toDecimal32(-1.5, 1)", -1.5},
		{"toDecimal128('12345678901234567890.5', 1)", 12345678901234567890.5},
		{"toDecimal256('-0.001', 3)", -0.001},
		{"toInt128('-170141183460469231731687303715884105728')", "-170141183460469231731687303715884105728"},
		{"toUInt256('115792089237316195423570985008687907853269984665640564039457584007913129639935')",
			"115792089237316195423570985008687907853269984665640564039457584007913129639935"},
		{"toInt16(-300)", int64(-300)},
		{"toUUID('61f0c404-5cb3-11e7-907b-a6006ad3dba0')", "61f0c404-5cb3-11e7-907b-a6006ad3dba0"},
		{"toIPv4('10.1.2.3')", "10.1.2.3"},
		{"toIPv6('::1')", "::1"},
		{"CAST('it''s' AS Enum16('it''s' = -300, 'b' = 2))", "it's"},
		{"toDate32('1900-01-02')", time.Date(1900, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"toDateTime64('1969-12-31 23:59:59.25', 2, 'UTC')", time.Date(1969, 12, 31, 23, 59, 59, 250_000_000, time.UTC)},
		{"toFixedString('ab', 3)", "ab\x00"},
		{"toIntervalDay(3)", int64(3)},
		{"CAST((1, 'x') AS Tuple(a UInt8, b String))", []any{int64(1), "x"}},
		{"[toLowCardinality('x')]", []any{"x"}},
		{"CAST([NULL, 'y'] AS Array(LowCardinality(Nullable(String))))", []any{nil, "y"}},
	} {
		var got any
		queryRow(t, db, "SELECT "+c.expr, nil, &got)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.expr, got, c.want)
		}
	}

	// A type this backend does not map fails the query, naming the type.
	if _, err := db.Query(ctx, "SELECT map('a', 1)"); err == nil || !strings.Contains(err.Error(), "unsupported result type Map(String, UInt8)") {
		t.Errorf("Map: err = %v", err)
	}
}

// TestEmbeddedLowCardinality: LowCardinality columns written from plain
// strings and read back, with more distinct values than one dictionary
// page, NULLs included.
func TestEmbeddedLowCardinality(t *testing.T) {
	db := openTestDB(t, "chdb_low_cardinality")
	ctx := context.Background()
	mustExec(t, db, "CREATE TABLE {db}.lc (id Int64, s LowCardinality(String), n LowCardinality(Nullable(String))) ENGINE = MergeTree ORDER BY id")
	const n = 30_000
	rows := make([][]any, n)
	for i := range rows {
		var null any
		if i%5 != 0 {
			null = "v" + strconv.Itoa(i%12_000)
		}
		rows[i] = []any{int64(i), "k" + strconv.Itoa(i%10_000), null}
	}
	if err := db.Insert(ctx, "lc", []string{"id", "s", "n"}, rows); err != nil {
		t.Fatal(err)
	}
	rs, err := db.Query(ctx, "SELECT id, s, n, n FROM {db}.lc ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	i := 0
	for ; rs.Next(); i++ {
		var id int64
		var s string
		var p *string
		var a any
		if err := rs.Scan(&id, &s, &p, &a); err != nil {
			t.Fatal(err)
		}
		want := rows[i][2]
		got := any(nil)
		if p != nil {
			got = *p
		}
		if id != int64(i) || s != rows[i][1] || got != want || a != want {
			t.Fatalf("row %d = %d %q %v %#v, want %v", i, id, s, got, a, rows[i])
		}
	}
	if i != n {
		t.Errorf("read %d rows, want %d", i, n)
	}
}

// TestEmbeddedInsertBlocks: an Insert whose columns change Go type between
// rows, or hold only NULLs, writes every row as VALUES did.
func TestEmbeddedInsertBlocks(t *testing.T) {
	db := openTestDB(t, "chdb_insert_blocks")
	ctx := context.Background()
	mustExec(t, db, `CREATE TABLE {db}.b (id Int64, n UInt64, at DateTime('UTC'), done Nullable(DateTime('UTC')),
		s String, tags Array(String), f Float64) ENGINE = MergeTree ORDER BY id`)
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	cols := []string{"id", "n", "at", "done", "s", "tags", "f"}
	rows := [][]any{
		{int64(1), uint64(10), at, nil, "a", []string{"x"}, 1.5},
		{int64(2), int64(20), &at, nil, nil, nil, ptr(2.5)}, // int64 into UInt64, *time.Time into DateTime, NULLs into String and Array
		{int64(3), uint64(30), at, nil, "c", []string{}, math.Inf(1)},
	}
	if err := db.Insert(ctx, "b", cols, rows); err != nil {
		t.Fatal(err)
	}
	// Columns of NULLs only (Nullable(Nothing) in the block).
	if err := db.Insert(ctx, "b", cols, [][]any{{int64(4), uint64(40), at, nil, nil, nil, 0.0}}); err != nil {
		t.Fatal(err)
	}
	rs, err := db.Query(ctx, "SELECT id, n, at, done, s, tags, f FROM {db}.b ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var got []string
	for rs.Next() {
		var id int64
		var n uint64
		var tm time.Time
		var done *time.Time
		var s string
		var tags []string
		var f float64
		if err := rs.Scan(&id, &n, &tm, &done, &s, &tags, &f); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %d %s %v %q %q %v", id, n, tm.Format(time.DateTime), done, s, tags, f))
	}
	want := []string{
		`1 10 2024-05-06 07:08:09 <nil> "a" ["x"] 1.5`,
		`2 20 2024-05-06 07:08:09 <nil> "" [] 2.5`,
		`3 30 2024-05-06 07:08:09 <nil> "c" [] +Inf`,
		`4 40 2024-05-06 07:08:09 <nil> "" [] 0`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func ptr[T any](v T) *T { return &v }
