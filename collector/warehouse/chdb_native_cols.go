package warehouse

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/ch-go/proto"
)

// Column decoders of Native results: the interface, and ch-go's columns
// for the leaf types (chdb_native_nested.go has the composite ones).

// nativeColumn decodes the values of one column of one block.
type nativeColumn interface {
	// prefix reads the serialization state written before the values
	// (only LowCardinality has one).
	prefix(r *nativeReader) error
	// width is the fewest bytes a value takes in a result (at least 1).
	width() int
	// decode reads rows values; call it through decodeColumn, which
	// checks first that they can fit in what is left of the result.
	decode(r *nativeReader, rows int) error
	// value is the neutral value of row i (see Assign).
	value(i int) any
}

// decodeColumn decodes rows values of c once it is sure they can be in
// what is left of the result: no count read from a corrupt result sizes
// an allocation beyond the result's size.
func decodeColumn(c nativeColumn, r *nativeReader, rows int) error {
	if err := r.fits(rows, c.width()); err != nil {
		return err
	}
	return c.decode(r, rows)
}

// scanner is a column that stores row i into some destinations directly,
// as Assign would store its value, and reports whether it did: a 100k-row
// scan spends most of its time boxing values otherwise.
type scanner interface {
	scan(i int, dest any) bool
}

// leaf is a column with a ch-go decoder whose values map one by one.
type leaf[T any] struct {
	col    proto.ColumnOf[T]
	conv   func(T) any
	size   int  // bytes a value takes (a String: at least its length's)
	direct bool // a *T destination takes the value as it is
}

func newLeaf[T any](col proto.ColumnOf[T], conv func(T) any) *leaf[T] {
	return &leaf[T]{col: col, conv: conv, size: valueSize(col)}
}

// newDirect is newLeaf for the types whose neutral value converts into a
// *T exactly as it is: String, Int64, UInt64, UInt8, Float64, Bool.
func newDirect[T any](col proto.ColumnOf[T], conv func(T) any) *leaf[T] {
	return &leaf[T]{col: col, conv: conv, size: valueSize(col), direct: true}
}

// valueSize is the bytes a value of col takes in a result: a String at
// least one (its length), a FixedString its size, a Nothing one (a
// placeholder byte), any other its Go value's size (ch-go decodes them
// as they are laid out).
func valueSize[T any](col proto.ColumnOf[T]) int {
	switch c := any(col).(type) {
	case *proto.ColStr:
		return 1
	case *proto.ColFixedStr:
		return c.Size
	}
	return max(int(reflect.TypeFor[T]().Size()), 1)
}

func (c *leaf[T]) prefix(*nativeReader) error { return nil }
func (c *leaf[T]) width() int                 { return c.size }
func (c *leaf[T]) decode(r *nativeReader, rows int) error {
	if s, ok := any(c.col).(*proto.ColStr); ok {
		return decodeStrings(r, s, rows)
	}
	return c.col.DecodeColumn(r.Reader, rows)
}

// decodeStrings reads rows String values into col, each no longer than
// what is left of the result (ch-go's ColStr allocates whatever length it
// reads, and more). It reads the buffered result directly: a byte at a
// time through ch-go's Reader is far slower.
func decodeStrings(r *nativeReader, col *proto.ColStr, rows int) error {
	col.Pos = slices.Grow(col.Pos[:0], rows)
	buf := col.Buf[:0]
	for i := range rows {
		n, err := strLen(r)
		if err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		start := len(buf)
		if start+n > cap(buf) {
			// Room for the rest at the mean length so far (a quarter
			// more at least), never more than is left of the result.
			mean := (start + n + i) / (i + 1)
			buf = slices.Grow(buf, min(max(mean*(rows-i), start/4, n), r.left()))
		}
		buf = buf[:start+n]
		if _, err := io.ReadFull(r.buf, buf[start:]); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		col.Pos = append(col.Pos, proto.Position{Start: start, End: start + n})
	}
	col.Buf = buf
	return nil
}
func (c *leaf[T]) value(i int) any { return c.conv(c.col.Row(i)) }
func (c *leaf[T]) scan(i int, dest any) bool {
	d, ok := dest.(*T)
	if ok = ok && c.direct; ok {
		*d = c.col.Row(i)
	}
	return ok
}

// Conversions of leaf values into neutral ones.
func asIs[T any](v T) any                                                       { return v }
func asInt64[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32](v T) any { return int64(v) }
func asString[T fmt.Stringer](v T) any                                          { return v.String() }
func asNull(proto.Nothing) any                                                  { return nil }

// asFloat32 widens a Float32 through its shortest text, as the engine
// prints it: float64(float32(0.1)) would be 0.10000000149011612.
func asFloat32(f float32) any {
	v, err := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	if err != nil {
		return float64(f) // NaN and ±Inf
	}
	return v
}

func asDate(days uint16) any  { return time.Unix(int64(days)*86400, 0).UTC() }
func asDate32(days int32) any { return time.Unix(int64(days)*86400, 0).UTC() }
func asDateTime(sec uint32) any {
	return time.Unix(int64(sec), 0).UTC()
}

// newLeafColumn returns the decoder of a type without type arguments (or
// whose arguments only parameterize its values), or nil.
func newLeafColumn(name string, args []string) nativeColumn {
	switch name {
	case "String":
		return newDirect(new(proto.ColStr), asIs[string])
	case "FixedString":
		n, err := intArg(args, 0)
		if err != nil || n <= 0 {
			return nil
		}
		col := new(proto.ColFixedStr)
		col.SetSize(n)
		return newLeaf(col, func(b []byte) any { return string(b) })
	case "Int8":
		return newLeaf(new(proto.ColInt8), asInt64[int8])
	case "Int16":
		return newLeaf(new(proto.ColInt16), asInt64[int16])
	case "Int32":
		return newLeaf(new(proto.ColInt32), asInt64[int32])
	case "Int64", "IntervalNanosecond", "IntervalMicrosecond", "IntervalMillisecond", "IntervalSecond",
		"IntervalMinute", "IntervalHour", "IntervalDay", "IntervalWeek", "IntervalMonth", "IntervalQuarter", "IntervalYear":
		return newDirect(new(proto.ColInt64), asIs[int64])
	case "UInt8":
		return newDirect(new(proto.ColUInt8), asInt64[uint8])
	case "UInt16":
		return newLeaf(new(proto.ColUInt16), asInt64[uint16])
	case "UInt32":
		return newLeaf(new(proto.ColUInt32), asInt64[uint32])
	case "UInt64":
		return newDirect(new(proto.ColUInt64), asIs[uint64])
	case "Int128":
		return newLeaf(new(proto.ColInt128), func(v proto.Int128) any { return bigText(true, v.Low, v.High) })
	case "UInt128":
		return newLeaf(new(proto.ColUInt128), func(v proto.UInt128) any { return bigText(false, v.Low, v.High) })
	case "Int256":
		return newLeaf(new(proto.ColInt256), func(v proto.Int256) any {
			return bigText(true, v.Low.Low, v.Low.High, v.High.Low, v.High.High)
		})
	case "UInt256":
		return newLeaf(new(proto.ColUInt256), func(v proto.UInt256) any {
			return bigText(false, v.Low.Low, v.Low.High, v.High.Low, v.High.High)
		})
	case "Float32":
		return newLeaf(new(proto.ColFloat32), asFloat32)
	case "Float64":
		return newDirect(new(proto.ColFloat64), asIs[float64])
	case "Decimal":
		return newDecimalColumn(args)
	case "Bool":
		return newDirect(new(proto.ColBool), asIs[bool])
	case "Date":
		return newLeaf(new(proto.ColUInt16), asDate)
	case "Date32":
		return newLeaf(new(proto.ColInt32), asDate32)
	case "DateTime":
		// Seconds since the epoch, whatever zone the type names.
		return newLeaf(new(proto.ColUInt32), asDateTime)
	case "DateTime64":
		p, err := intArg(args, 0)
		if err != nil || p < 0 || p > 9 {
			return nil
		}
		scale, nanos := pow10(p), pow10(9-p)
		return newLeaf(new(proto.ColInt64), func(v int64) any {
			sec, frac := v/scale, v%scale
			if frac < 0 {
				sec, frac = sec-1, frac+scale
			}
			return time.Unix(sec, frac*nanos).UTC()
		})
	case "Enum8", "Enum16":
		names, err := enumNames(args)
		if err != nil {
			return nil
		}
		element := func(v int) any {
			if s, ok := names[v]; ok {
				return s
			}
			return strconv.Itoa(v)
		}
		if name == "Enum8" {
			return newLeaf(new(proto.ColInt8), func(v int8) any { return element(int(v)) })
		}
		return newLeaf(new(proto.ColInt16), func(v int16) any { return element(int(v)) })
	case "UUID":
		return newLeaf(new(proto.ColUUID), asString)
	case "IPv4":
		return newLeaf(new(proto.ColIPv4), asString[proto.IPv4])
	case "IPv6":
		return newLeaf(new(proto.ColIPv6), asString[proto.IPv6])
	case "Nothing":
		return newLeaf(new(proto.ColNothing), asNull)
	}
	return nil
}

func intArg(args []string, i int) (int, error) {
	if i >= len(args) {
		return 0, errors.New("missing type argument")
	}
	return strconv.Atoi(args[i])
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// bigText is the decimal text of a little-endian multi-word integer.
func bigText(signed bool, words ...uint64) string {
	var n, w big.Int
	for i := len(words) - 1; i >= 0; i-- {
		n.Lsh(&n, 64)
		n.Or(&n, w.SetUint64(words[i]))
	}
	if signed && words[len(words)-1]>>63 == 1 {
		n.Sub(&n, w.Lsh(big.NewInt(1), uint(64*len(words))))
	}
	return n.String()
}

// newDecimalColumn decodes Decimal(P, S) (the engine names every decimal
// so) into float64, rounding the exact decimal value once.
func newDecimalColumn(args []string) nativeColumn {
	p, err := intArg(args, 0)
	if err != nil {
		return nil
	}
	s, err := intArg(args, 1)
	if err != nil {
		return nil
	}
	exp := "e-" + strconv.Itoa(s)
	float := func(digits string) any {
		f, _ := strconv.ParseFloat(digits+exp, 64)
		return f
	}
	switch {
	case p <= 9:
		return newLeaf(new(proto.ColInt32), func(v int32) any { return float(strconv.FormatInt(int64(v), 10)) })
	case p <= 18:
		return newLeaf(new(proto.ColInt64), func(v int64) any { return float(strconv.FormatInt(v, 10)) })
	case p <= 38:
		return newLeaf(new(proto.ColInt128), func(v proto.Int128) any { return float(bigText(true, v.Low, v.High)) })
	}
	return newLeaf(new(proto.ColInt256), func(v proto.Int256) any {
		return float(bigText(true, v.Low.Low, v.Low.High, v.High.Low, v.High.High))
	})
}

// enumNames parses Enum8('a' = 1, 'b' = 2) arguments.
func enumNames(args []string) (map[int]string, error) {
	names := make(map[int]string, len(args))
	for _, a := range args {
		eq := strings.LastIndexByte(a, '=')
		if eq < 0 {
			return nil, errors.New("bad enum element")
		}
		v, err := strconv.Atoi(strings.TrimSpace(a[eq+1:]))
		if err != nil {
			return nil, err
		}
		names[v] = unquoteName(strings.TrimSpace(a[:eq]))
	}
	return names, nil
}

// unquoteName decodes a '...' name of a type. The engine escapes it as C
// does, so it is a Go string literal once its quotes are swapped; a name
// Go cannot read (a \0 in it) stays as written.
func unquoteName(q string) string {
	q = strings.TrimSuffix(strings.TrimPrefix(q, "'"), "'")
	s, err := strconv.Unquote(`"` + strings.NewReplacer(`\'`, `'`, `"`, `\"`).Replace(q) + `"`)
	if err != nil {
		return q
	}
	return s
}
