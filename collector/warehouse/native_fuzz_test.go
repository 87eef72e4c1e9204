package warehouse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"

	"github.com/ClickHouse/ch-go/proto"
)

// FuzzDecodeNative: whatever bytes the embedded engine hands back, the
// Native decoder returns a result or an error — never a panic, and never
// an allocation its input does not pay for (a corrupt length or count must
// not make it allocate what it claims). A result it returns is whole:
// every block has the first's columns, every row's value is a neutral
// value (see Assign) that Scan takes into *any, and a column's direct scan
// stores exactly what Assign would from its value.
//
// The seeds are real results: blocks as the insert encoder writes them
// (the engine's own layout), blocks of every type the decoder reads
// encoded by ch-go, and results captured from the embedded engine
// (testdata/fuzz/FuzzDecodeNative, see TestNativeEngineSeeds).
func FuzzDecodeNative(f *testing.F) {
	for _, s := range nativeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		before := heapAllocBytes()
		names, blocks, err := decodeNative(data)
		if err == nil {
			checkNativeResult(t, names, blocks, len(data))
		}
		// Decoding and reading every value allocates in proportion to the
		// input (a value takes a few times the bytes it was read from),
		// plus a constant: never what a corrupt length claims.
		if grown, limit := heapAllocBytes()-before, uint64(4<<20+256*len(data)); grown > limit {
			t.Fatalf("decoding %d bytes allocated %d bytes (limit %d); err %v", len(data), grown, limit, err)
		}
	})
}

// heapAllocBytes is the bytes allocated on the heap so far.
func heapAllocBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// checkNativeResult checks a decoded result of size bytes.
func checkNativeResult(t *testing.T, names []string, blocks []nativeBlock, size int) {
	t.Helper()
	total := 0
	for bi, b := range blocks {
		if len(b.cols) != len(names) {
			t.Fatalf("block %d has %d columns, the result %d", bi, len(b.cols), len(names))
		}
		if b.rows < 0 || b.rows > size {
			t.Fatalf("block %d has %d rows in %d bytes", bi, b.rows, size)
		}
		total += b.rows
		for ci, c := range b.cols {
			for i := range b.rows {
				v := c.value(i)
				if !neutral(v) {
					t.Fatalf("block %d column %d row %d: %T is not a neutral value", bi, ci, i, v)
				}
				checkDirectScan(t, c, i, v)
			}
		}
	}
	// The rows a caller reads: every row, each scanned into *any.
	rows := &nativeRows{names: names, blocks: blocks, row: -1}
	dest := make([]any, len(names))
	for i := range dest {
		dest[i] = new(any)
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			t.Fatalf("row %d: Scan into *any: %v", n, err)
		}
		n++
	}
	if n != total {
		t.Fatalf("read %d rows of %d", n, total)
	}
}

// neutral reports whether v is a value Assign takes (values.go).
func neutral(v any) bool {
	switch x := v.(type) {
	case nil, string, int64, uint64, float64, bool:
		return true
	case time.Time:
		return x.Location() == time.UTC
	case []any:
		for _, e := range x {
			if !neutral(e) {
				return false
			}
		}
		return true
	}
	return false
}

// checkDirectScan: where a column stores row i into a destination
// directly (scanner), it stores what Assign stores from its value.
func checkDirectScan(t *testing.T, c nativeColumn, i int, v any) {
	t.Helper()
	s, ok := c.(scanner)
	if !ok {
		return
	}
	for _, newDest := range []func() any{
		func() any { return new(string) }, func() any { return new(int64) }, func() any { return new(uint64) },
		func() any { return new(uint8) }, func() any { return new(float64) }, func() any { return new(bool) },
		func() any { return new([]string) },
	} {
		direct, assigned := newDest(), newDest()
		if !s.scan(i, direct) {
			continue
		}
		if err := Assign(assigned, v); err != nil {
			t.Fatalf("row %d: scanned into %T directly, but Assign of its value %#v fails: %v", i, direct, v, err)
		}
		if !sameValue(direct, assigned) {
			t.Fatalf("row %d: scan stored %#v, Assign %#v", i, reflect.ValueOf(direct).Elem(), reflect.ValueOf(assigned).Elem())
		}
	}
}

// sameValue compares two destinations, NaN equal to NaN.
func sameValue(a, b any) bool {
	if x, ok := a.(*float64); ok {
		y := b.(*float64)
		return math.Float64bits(*x) == math.Float64bits(*y) || *x == *y
	}
	return reflect.DeepEqual(a, b)
}

// nativeSeeds are real results of every shape the decoder reads.
func nativeSeeds(tb testing.TB) [][]byte {
	at := time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)
	f := 0.5
	var seeds [][]byte
	// Blocks as the insert encoder writes them: every insert type.
	enc := nativeEncoder{columns: []string{"s", "i", "u", "b", "f", "t", "nt", "nf", "ss", "is", "nothing"}, rows: [][]any{
		{"a\x00\n'\xff", int64(math.MinInt64), uint64(math.MaxUint64), uint8(255), math.Inf(-1), at, &at, &f, []string{"x", ""}, []int64{-1}, nil},
		{"", int64(0), uint64(0), uint8(0), math.NaN(), time.Unix(0, 0), (*time.Time)(nil), nil, []string{}, nil, nil},
	}}
	for {
		b, err := enc.next()
		if err != nil {
			tb.Fatal(err)
		}
		if b == nil {
			break
		}
		seeds = append(seeds, bytes.Clone(b))
	}
	// One block of each composite and less common type, ch-go encoding.
	strs := func(vs ...string) *proto.ColStr {
		c := new(proto.ColStr)
		for _, v := range vs {
			c.Append(v)
		}
		return c
	}
	nullStr := strs("a", "", "c").Nullable()
	nullStr.Nulls = proto.ColUInt8{0, 1, 0}
	lc := strs().LowCardinality()
	lc.AppendArr([]string{"x", "y", "x"})
	arr := strs().Array()
	arr.Append([]string{"a", "b"})
	arr.Append(nil)
	arr.Append([]string{""})
	arr2 := proto.NewArray[[]string](strs().Array())
	arr2.Append([][]string{{"a"}, {}})
	arr2.Append(nil)
	arr2.Append([][]string{{"b", "c"}})
	lcArr := strs().LowCardinality().Array()
	lcArr.Append([]string{"p", "q"})
	lcArr.Append(nil)
	lcArr.Append([]string{"q"})
	fixed := new(proto.ColFixedStr)
	fixed.SetSize(3)
	fixed.Append([]byte("ab\x00"))
	fixed.Append([]byte("xyz"))
	fixed.Append([]byte("\xff\xfe\xfd"))
	ids := proto.ColUUID{{0x61, 0xf0, 0xc4, 0x04, 0x5c, 0xb3, 0x11, 0xe7, 0x90, 0x7b, 0xa6, 0x00, 0x6a, 0xd3, 0xdb, 0xa0}, {},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	ip6 := proto.ColIPv6{proto.ToIPv6(netip.MustParseAddr("::1")), {}, proto.ToIPv6(netip.MustParseAddr("2001:db8::ff"))}
	seeds = append(seeds,
		encodeSeedBlock(3, seedColumn{"ns", "Nullable(String)", nullStr}),
		encodeSeedBlock(3, seedColumn{"lc", "LowCardinality(String)", lc}),
		encodeSeedBlock(3, seedColumn{"a", "Array(String)", arr}, seedColumn{"aa", "Array(Array(String))", arr2}),
		encodeSeedBlock(3, seedColumn{"alc", "Array(LowCardinality(String))", lcArr}),
		encodeSeedBlock(3, seedColumn{"fs", "FixedString(3)", fixed}, seedColumn{"id", "UUID", &ids}, seedColumn{"ip6", "IPv6", &ip6},
			seedColumn{"ip4", "IPv4", &proto.ColIPv4{0x0a010203, 0, math.MaxUint32}}),
		encodeSeedBlock(3, seedColumn{"e8", "Enum8('a' = 1, 'it\\'s' = -2)", &proto.ColInt8{1, -2, 7}},
			seedColumn{"e16", "Enum16('x' = -300, 'y' = 2)", &proto.ColInt16{-300, 2, 0}},
			seedColumn{"t", "Tuple(a UInt8, b String)", proto.ColTuple{&proto.ColUInt8{1, 2, 3}, strs("x", "", "z")}}),
		encodeSeedBlock(3, seedColumn{"d32", "Decimal(9, 1)", &proto.ColInt32{-15, 0, math.MaxInt32}},
			seedColumn{"d64", "Decimal(18, 3)", &proto.ColInt64{-1, 1000, math.MinInt64}},
			seedColumn{"d128", "Decimal(38, 1)", &proto.ColInt128{{Low: 5}, {Low: math.MaxUint64, High: math.MaxUint64}, {High: 1}}},
			seedColumn{"d256", "Decimal(76, 3)", &proto.ColInt256{{}, {Low: proto.UInt128{Low: 1}}, {High: proto.UInt128{High: 1 << 63}}}}),
		encodeSeedBlock(3, seedColumn{"i128", "Int128", &proto.ColInt128{{Low: 1}, {Low: math.MaxUint64, High: math.MaxUint64}, {High: 1 << 63}}},
			seedColumn{"u256", "UInt256", &proto.ColUInt256{{}, {Low: proto.UInt128{Low: 1}}, {High: proto.UInt128{High: math.MaxUint64}}}},
			seedColumn{"f32", "Float32", &proto.ColFloat32{0.1, float32(math.Inf(1)), float32(math.NaN())}},
			seedColumn{"b", "Bool", &proto.ColBool{true, false, true}}),
		encodeSeedBlock(3, seedColumn{"d", "Date", &proto.ColUInt16{0, 19782, math.MaxUint16}},
			seedColumn{"d32", "Date32", &proto.ColInt32{-25567, 0, 120000}},
			seedColumn{"dt", "DateTime('UTC')", &proto.ColUInt32{0, 1709251198, math.MaxUint32}},
			seedColumn{"dt64", "DateTime64(3, 'UTC')", &proto.ColInt64{-750, 0, 1709251198123}},
			seedColumn{"i8", "Int8", &proto.ColInt8{-128, 0, 127}},
			seedColumn{"i16", "Int16", &proto.ColInt16{-300, 0, 300}},
			seedColumn{"i32", "Int32", &proto.ColInt32{math.MinInt32, 0, math.MaxInt32}},
			seedColumn{"u16", "UInt16", &proto.ColUInt16{0, 1, math.MaxUint16}},
			seedColumn{"u32", "UInt32", &proto.ColUInt32{0, 1, math.MaxUint32}},
			seedColumn{"iv", "IntervalDay", &proto.ColInt64{3, 0, -1}},
			seedColumn{"saf", "SimpleAggregateFunction(max, UInt64)", &proto.ColUInt64{1, 2, 3}}),
		// Two blocks of one result, and a block without rows.
		append(encodeSeedBlock(2, seedColumn{"n", "UInt64", &proto.ColUInt64{1, 2}}),
			encodeSeedBlock(1, seedColumn{"n", "UInt64", &proto.ColUInt64{3}})...),
		encodeSeedBlock(0, seedColumn{"n", "UInt64", &proto.ColUInt64{}}),
	)
	return seeds
}

// seedColumn is a column of a seed block: its name, its type as the
// engine names it, and ch-go's encoder of its values.
type seedColumn struct {
	name, typ string
	data      proto.ColInput
}

// encodeSeedBlock encodes one Native block of rows rows.
func encodeSeedBlock(rows int, cols ...seedColumn) []byte {
	var b proto.Buffer
	b.PutUVarInt(uint64(len(cols)))
	b.PutUVarInt(uint64(rows))
	for _, c := range cols {
		b.PutString(c.name)
		b.PutString(c.typ)
		if p, ok := c.data.(proto.Preparable); ok {
			if err := p.Prepare(); err != nil {
				panic(err)
			}
		}
		if rows == 0 {
			continue
		}
		if s, ok := c.data.(proto.StateEncoder); ok {
			s.EncodeState(&b)
		}
		c.data.EncodeColumn(&b)
	}
	return b.Buf
}

// nativeEngineSeeds are queries whose results, as the embedded engine
// returns them, are FuzzDecodeNative's committed seeds
// (testdata/fuzz/FuzzDecodeNative/<name>), with their row counts.
var nativeEngineSeeds = []struct {
	name, query string
	rows        int
}{
	{"engine-wide", `SELECT number AS n, toString(number) AS s, if(number % 2 = 0, NULL, number) AS nn,
		[toString(number), ''] AS arr, toDateTime(number, 'UTC') AS at, if(number = 1, NULL, toDateTime(number, 'UTC')) AS nat,
		number * 0.5 AS f, toUInt8(number) AS u8, CAST([] AS Array(Int64)) AS ints FROM system.numbers LIMIT 3`, 3},
	{"engine-blocks", "SELECT number, toString(number) AS s FROM system.numbers LIMIT 7 SETTINGS max_block_size = 3", 7},
	{"engine-low-cardinality", `SELECT toLowCardinality(toString(number % 2)) AS lc,
		CAST(if(number = 1, NULL, toString(number)) AS LowCardinality(Nullable(String))) AS lcn,
		[toLowCardinality('x'), toLowCardinality(toString(number))] AS alc FROM system.numbers LIMIT 3`, 3},
	{"engine-types", `SELECT toDecimal32(-1.5, 1), toDecimal128('12345678901234567890.5', 1), toDecimal256('-0.001', 3),
		toInt128(-1), toUInt256(1), toInt16(-300), toUUID('61f0c404-5cb3-11e7-907b-a6006ad3dba0'), toIPv4('10.1.2.3'),
		toIPv6('::1'), CAST('b' AS Enum8('a' = 1, 'b' = 2)), CAST('it''s' AS Enum16('it''s' = -300, 'b' = 2)),
		toDate32('1900-01-02'), toDate('2024-02-29'), toDateTime64('1969-12-31 23:59:59.25', 2, 'UTC'),
		toFixedString('ab', 3), toIntervalDay(3), CAST((1, 'x') AS Tuple(a UInt8, b String)), toFloat32(0.1), true,
		[[1, 2], []], CAST(NULL AS Nullable(String)), CAST('n' AS Nullable(String))`, 1},
	{"engine-aggregates", `SELECT toString(number % 2) AS source, groupArray(toString(number)) AS ids, count() AS n,
		max(toDateTime(number * 86400, 'UTC')) AS last, avg(number) AS mean, uniqExact(number) AS u
		FROM system.numbers_mt WHERE number < 9 GROUP BY source ORDER BY source`, 2},
}

// TestNativeEngineSeeds: the results of nativeEngineSeeds' queries, as the
// embedded engine returns them, decode whole and pass FuzzDecodeNative's
// checks; so do the committed seeds made from them. With
// RUNWAY_WRITE_NATIVE_SEEDS=1 it (re)writes those seeds.
func TestNativeEngineSeeds(t *testing.T) {
	db := openTestDB(t, "chdb_native_seeds").(*chdbDB)
	write := os.Getenv("RUNWAY_WRITE_NATIVE_SEEDS") == "1"
	for _, s := range nativeEngineSeeds {
		var data []byte
		if err := db.eng.query(context.Background(), s.query, "Native", func(out []byte) error {
			data = bytes.Clone(out)
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		path := filepath.Join("testdata", "fuzz", "FuzzDecodeNative", s.name)
		if write {
			if err := os.WriteFile(path, fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		committed, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (RUNWAY_WRITE_NATIVE_SEEDS=1 writes it)", s.name, err)
		}
		seed, err := readFuzzBytes(committed)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for what, data := range map[string][]byte{"engine result": data, "committed seed": seed} {
			names, blocks, err := decodeNative(data)
			if err != nil {
				t.Fatalf("%s: %s: %v", s.name, what, err)
			}
			checkNativeResult(t, names, blocks, len(data))
			n := 0
			for _, b := range blocks {
				n += b.rows
			}
			if n != s.rows {
				t.Errorf("%s: %s has %d rows, want %d", s.name, what, n, s.rows)
			}
		}
	}
}

// readFuzzBytes reads a corpus file of one []byte value.
func readFuzzBytes(file []byte) ([]byte, error) {
	rest, ok := bytes.CutPrefix(file, []byte("go test fuzz v1\n[]byte("))
	if !ok {
		return nil, errors.New("not a corpus file of one []byte")
	}
	s, err := strconv.Unquote(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(")"))))
	return []byte(s), err
}
