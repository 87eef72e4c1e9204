package warehouse

import (
	"encoding/binary"
	"strings"
	"testing"
)

// TestDecodeNativeCorruptCounts: a result whose block header claims more
// columns, rows or name bytes than it holds is an error, not an
// allocation of what it claims (inputs a fuzzer found crashing the
// process with out-of-memory).
func TestDecodeNativeCorruptCounts(t *testing.T) {
	for _, c := range []struct {
		name string
		data string
		want string
	}{
		{"columns and rows", "\x96\x96\x96\x96\x96\x10a", "cannot fit"},
		{"name length", "\x01\x01\xaf\xff\x83\x83\x83\x7f", "a string of"},
		// FuzzDecodeNative: a block of no columns and 48 rows, which a
		// caller would read as 48 empty rows (or 2^63).
		{"rows without columns", "\x000", "0 columns of 48 rows cannot fit"},
		{"many rows without columns", "\x00\xff\xff\xff\xff\xff\xff\xff\xff\x7f", "cannot fit"},
	} {
		_, _, err := decodeNative([]byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one saying %q", c.name, err, c.want)
		}
	}
}

// TestDecodeNativeCorruptData: column data whose lengths, counts, offsets
// or keys claim more than the result holds is an error naming the
// problem, and decoding it allocates little: never what it claims.
func TestDecodeNativeCorruptData(t *testing.T) {
	// header is a block of one column of rows rows.
	header := func(rows uint64, typ string) string {
		b := binary.AppendUvarint(nil, 1)
		b = binary.AppendUvarint(b, rows)
		b = append(b, 1, 'c')
		b = binary.AppendUvarint(b, uint64(len(typ)))
		return string(append(b, typ...))
	}
	u64 := func(vs ...uint64) string {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
		return string(b)
	}
	// lc is LowCardinality(String)'s prefix and the granule's flags
	// (8-bit keys, additional keys).
	lc := u64(1) + u64(1<<9)
	huge := string(binary.AppendUvarint(nil, 1<<62))
	for _, c := range []struct {
		name string
		data string
		want string
	}{
		// The fuzzer's input: a String column whose first value claims
		// about 4 GiB, which ch-go's ColStr allocated before reading it.
		{"string length", "\x01\x02\x010\x06String\xbe\xff\xff\xff\x0fab", "a string of 4294967230 bytes"},
		{"string length beyond int64", header(1, "String") + "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "a string of"},
		{"second string length", header(2, "String") + "\x01a" + huge, "row 1: a string of"},
		{"nullable string length", header(1, "Nullable(String)") + "\x00" + huge, "a string of"},
		{"string in an array", header(1, "Array(String)") + u64(1) + huge, "a string of"},
		{"array offsets", header(1, "Array(UInt64)") + u64(1<<31-1), "2147483647 values of 8 bytes or more"},
		{"array offsets beyond int", header(1, "Array(UInt8)") + u64(1<<63), "array elements"},
		{"decreasing array offsets", header(2, "Array(UInt8)") + u64(2, 1) + "ab", "below the previous"},
		{"nested array offsets", header(1, "Array(Array(String))") + u64(1) + u64(1000), "1000 values of 1 bytes or more"},
		{"fixed string size", header(2, "FixedString(1000000000)") + "ab", "2 values of 1000000000 bytes"},
		{"many rows of wide values", header(3, "Int256") + strings.Repeat("\x00", 64), "3 values of 32 bytes"},
		{"dictionary size", header(1, "LowCardinality(String)") + lc + u64(1<<31-1), "2147483647 values of 1 bytes"},
		{"negative dictionary size", header(1, "LowCardinality(String)") + lc + u64(1<<63), "dictionary of"},
		{"dictionary key", header(2, "LowCardinality(String)") + lc + u64(1) + "\x01x" + u64(2) + "\x00\x01", "key 1 of row 1 is outside its dictionary of 1"},
		{"key width", header(2, "LowCardinality(String)") + u64(1) + u64(1<<9|3) + u64(1) + "\x01x" + u64(2) + "\x00", "2 values of 8 bytes"},
		{"empty dictionary", header(1, "LowCardinality(Nullable(String))") + lc + u64(0) + u64(1) + "\x00", "outside its dictionary of 0"},
		{"tuple of nothing", header(1, "Tuple") + "\x00", "unsupported result type Tuple"},
		{"dictionary of arrays", header(1, "LowCardinality(Array(String))") + lc, "unsupported result type"},
	} {
		before := heapAllocBytes()
		_, _, err := decodeNative([]byte(c.data))
		grown := heapAllocBytes() - before
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one saying %q", c.name, err, c.want)
		}
		if grown > 1<<20 {
			t.Errorf("%s: decoding %d bytes allocated %d", c.name, len(c.data), grown)
		}
	}
}

// TestNativeReaderLeft: the bytes left are exact whether ch-go's Reader or
// the string decoding read them, which holds only while ch-go's Reader
// reads through the reader's own buffer (nativeBufferSize at least its
// own): were it to wrap the buffer in another, that one's read-ahead would
// go unseen, and strings read from the buffer would skip it.
func TestNativeReaderLeft(t *testing.T) {
	var b []byte
	b = binary.AppendUvarint(b, 300)
	b = binary.AppendUvarint(b, 5)
	b = append(b, "hello"...)
	b = binary.LittleEndian.AppendUint64(b, 42)
	b = append(b, make([]byte, 3*nativeBufferSize)...) // more than one buffer's worth
	r := newNativeReader(b)
	if n, err := r.UVarInt(); err != nil || n != 300 || r.left() != len(b)-2 {
		t.Fatalf("UVarInt = %d, %v; %d bytes left of %d", n, err, r.left(), len(b))
	}
	if s, err := boundedStr(r); err != nil || s != "hello" || r.left() != len(b)-8 {
		t.Fatalf("boundedStr = %q, %v; %d bytes left of %d", s, err, r.left(), len(b))
	}
	if v, err := r.UInt64(); err != nil || v != 42 || r.left() != 3*nativeBufferSize {
		t.Fatalf("UInt64 = %d, %v; %d bytes left, want %d", v, err, r.left(), 3*nativeBufferSize)
	}
	if err := r.ReadFull(make([]byte, 2*nativeBufferSize)); err != nil || r.left() != nativeBufferSize {
		t.Fatalf("ReadFull: %v; %d bytes left, want %d", err, r.left(), nativeBufferSize)
	}
}
