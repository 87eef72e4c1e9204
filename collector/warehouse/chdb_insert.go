package warehouse

import (
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/ch-go/proto"
)

// INSERT encoding for the embedded backend: rows go to the engine as
// Native blocks (the layout of query results, see chdb_native.go) through
// libchdb's streaming INSERT, so no value is formatted as text or parsed
// back. Each block column declares the type of its Go values (values.go);
// the engine converts it to the table column's type as CAST would, and
// writes a NULL into a column that is not Nullable as the column's default,
// as it does for VALUES.

// insertHead is "INSERT INTO db.table (c1, c2)", with every identifier
// checked, since identifiers are written unquoted.
func insertHead(db, table string, columns []string) (string, error) {
	if !validIdentifier(table) {
		return "", fmt.Errorf("insert: invalid table name %q", table)
	}
	if len(columns) == 0 {
		return "", fmt.Errorf("insert into %s: no columns", table)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(db)
	b.WriteByte('.')
	b.WriteString(table)
	b.WriteString(" (")
	for i, c := range columns {
		if !validIdentifier(c) {
			return "", fmt.Errorf("insert into %s: invalid column name %q", table, c)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c)
	}
	b.WriteString(")")
	return b.String(), nil
}

// A block ends after insertBlockRows rows or once it holds about
// insertBlockBytes; the engine squashes blocks into parts of its own size.
const (
	insertBlockRows  = 65_536
	insertBlockBytes = 8 << 20
)

// insertKind is the Native type of a block column, from its Go values.
type insertKind uint8

const (
	kindNothing insertKind = iota // only NULLs so far
	kindString
	kindInt64
	kindUint64
	kindUint8
	kindFloat64
	kindDateTime
	kindStrings
	kindInt64s
)

var kindTypes = [...]string{kindNothing: "Nothing", kindString: "String", kindInt64: "Int64",
	kindUint64: "UInt64", kindUint8: "UInt8", kindFloat64: "Float64", kindDateTime: "DateTime('UTC')",
	kindStrings: "Array(String)", kindInt64s: "Array(Int64)"}

// blockColumn is the type of one column of a block.
type blockColumn struct {
	kind     insertKind
	nullable bool // a NULL was seen
}

// isArray: an array cannot be Nullable, so a NULL there is an empty
// array, the column's default.
func (c blockColumn) isArray() bool { return c.kind == kindStrings || c.kind == kindInt64s }

func (c blockColumn) typeName() string {
	if c.nullable && !c.isArray() {
		return "Nullable(" + kindTypes[c.kind] + ")"
	}
	return kindTypes[c.kind]
}

// kindOf is the kind of an insert value, whether it is NULL, and about
// how many bytes it takes.
func kindOf(v any) (k insertKind, null bool, size int, ok bool) {
	switch x := v.(type) {
	case nil:
		return kindNothing, true, 1, true
	case string:
		return kindString, false, len(x) + 1, true
	case int64:
		return kindInt64, false, 8, true
	case uint64:
		return kindUint64, false, 8, true
	case uint8:
		return kindUint8, false, 1, true
	case float64:
		return kindFloat64, false, 8, true
	case *float64:
		return kindFloat64, x == nil, 9, true
	case time.Time:
		return kindDateTime, false, 4, true
	case *time.Time:
		return kindDateTime, x == nil, 5, true
	case []string:
		n := 8
		for _, s := range x {
			n += len(s) + 1
		}
		return kindStrings, false, n, true
	case []int64:
		return kindInt64s, false, 8 + 8*len(x), true
	}
	return 0, false, 0, false
}

// nativeEncoder cuts rows (checked by checkInsertRows) into Native blocks.
type nativeEncoder struct {
	columns []string
	rows    [][]any
	buf     proto.Buffer
}

// next encodes the next block; its bytes are valid until the next call.
// It returns nil after the last block.
func (e *nativeEncoder) next() ([]byte, error) {
	if len(e.rows) == 0 {
		return nil, nil
	}
	cols, n, size, err := blockColumns(e.rows, len(e.columns))
	if err != nil {
		return nil, err
	}
	rows := e.rows[:n]
	e.rows = e.rows[n:]
	b := &e.buf
	b.Reset()
	if size += 64 * len(cols); cap(b.Buf) < size {
		b.Buf = make([]byte, 0, size) // growing a block of megabytes copies it over and over
	}
	b.PutUVarInt(uint64(len(cols)))
	b.PutUVarInt(uint64(len(rows)))
	for j, c := range cols {
		b.PutString(e.columns[j])
		b.PutString(c.typeName())
		encodeColumn(b, c, rows, j)
	}
	return b.Buf, nil
}

// blockColumns types the columns of the next block and says how many rows
// it takes: up to the size limits, and before a row whose value in some
// column has another Go type than the values above it (a block column has
// one type; the next block starts there).
func blockColumns(rows [][]any, ncols int) (cols []blockColumn, n, size int, err error) {
	cols = make([]blockColumn, ncols)
	kinds, nulls := make([]insertKind, ncols), make([]bool, ncols)
	for i, row := range rows {
		if i == insertBlockRows || size >= insertBlockBytes {
			return cols, i, size, nil
		}
		rowSize := 0
		for j, v := range row {
			k, null, sz, ok := kindOf(v)
			if !ok {
				return nil, 0, 0, fmt.Errorf("%w: unsupported insert type %T (see Insert types in values.go)", ErrBind, v)
			}
			if k != kindNothing && cols[j].kind != kindNothing && k != cols[j].kind {
				return cols, i, size, nil
			}
			kinds[j], nulls[j] = k, null
			rowSize += sz
		}
		size += rowSize
		for j := range cols {
			if kinds[j] != kindNothing {
				cols[j].kind = kinds[j]
			}
			cols[j].nullable = cols[j].nullable || nulls[j]
		}
	}
	return cols, len(rows), size, nil
}

// encodeColumn writes column j of rows as c: the null map of a Nullable,
// then the values, with zero values in place of NULLs.
func encodeColumn(b *proto.Buffer, c blockColumn, rows [][]any, j int) {
	if c.nullable && !c.isArray() {
		for _, row := range rows {
			_, null, _, _ := kindOf(row[j])
			b.PutBool(null)
		}
	}
	switch c.kind {
	case kindNothing:
		for range rows {
			b.PutUInt8('0') // Nothing takes a byte a value
		}
	case kindString:
		for _, row := range rows {
			s, _ := row[j].(string)
			b.PutString(s)
		}
	case kindInt64:
		for _, row := range rows {
			n, _ := row[j].(int64)
			b.PutInt64(n)
		}
	case kindUint64:
		for _, row := range rows {
			n, _ := row[j].(uint64)
			b.PutUInt64(n)
		}
	case kindUint8:
		for _, row := range rows {
			n, _ := row[j].(uint8)
			b.PutUInt8(n)
		}
	case kindFloat64:
		for _, row := range rows {
			var f float64
			switch x := row[j].(type) {
			case float64:
				f = x
			case *float64:
				if x != nil {
					f = *x
				}
			}
			b.PutFloat64(f)
		}
	case kindDateTime:
		for _, row := range rows {
			// checkInsertRows kept every time in DateTime's range.
			var sec uint32
			switch x := row[j].(type) {
			case time.Time:
				sec = uint32(x.Unix())
			case *time.Time:
				if x != nil {
					sec = uint32(x.Unix())
				}
			}
			b.PutUInt32(sec)
		}
	case kindStrings:
		end := uint64(0)
		for _, row := range rows {
			x, _ := row[j].([]string)
			end += uint64(len(x))
			b.PutUInt64(end)
		}
		for _, row := range rows {
			x, _ := row[j].([]string)
			for _, s := range x {
				b.PutString(s)
			}
		}
	case kindInt64s:
		end := uint64(0)
		for _, row := range rows {
			x, _ := row[j].([]int64)
			end += uint64(len(x))
			b.PutUInt64(end)
		}
		for _, row := range rows {
			x, _ := row[j].([]int64)
			for _, n := range x {
				b.PutInt64(n)
			}
		}
	}
}
