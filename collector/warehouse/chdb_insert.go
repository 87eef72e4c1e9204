package warehouse

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// INSERT encoding for the embedded backend.

// insertHead is "INSERT INTO db.table (c1, c2) VALUES ", with every
// identifier checked, since identifiers are written unquoted.
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
	b.WriteString(") VALUES ")
	return b.String(), nil
}

// appendInsertValue writes v in the VALUES format for the insert types of
// values.go, already checked by checkInsertRows. Unlike Bind it writes plain
// literals only (time.Time as a quoted 'YYYY-MM-DD hh:mm:ss', which a
// DateTime('UTC') column reads as UTC), so the engine's fast streaming VALUES
// parser takes every row. A negative number needs no parentheses here: it
// always follows '(' or ','.
func appendInsertValue(b *strings.Builder, v any) error {
	var scratch [32]byte // numbers and times are formatted here without allocating
	switch x := v.(type) {
	case nil:
		b.WriteString("NULL")
	case string:
		appendQuoted(b, x)
	case int64:
		b.Write(strconv.AppendInt(scratch[:0], x, 10))
	case uint64:
		b.Write(strconv.AppendUint(scratch[:0], x, 10))
	case uint8:
		b.Write(strconv.AppendUint(scratch[:0], uint64(x), 10))
	case float64:
		appendInsertFloat(b, x)
	case time.Time:
		b.WriteByte('\'')
		b.Write(x.UTC().AppendFormat(scratch[:0], dateTimeLayout))
		b.WriteByte('\'')
	case *time.Time:
		if x == nil {
			b.WriteString("NULL")
			return nil
		}
		return appendInsertValue(b, *x)
	case *float64:
		if x == nil {
			b.WriteString("NULL")
			return nil
		}
		appendInsertFloat(b, *x)
	case []string:
		b.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			appendQuoted(b, s)
		}
		b.WriteByte(']')
	case []int64:
		b.WriteByte('[')
		for i, n := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(strconv.AppendInt(scratch[:0], n, 10))
		}
		b.WriteByte(']')
	default:
		return fmt.Errorf("%w: unsupported insert type %T (see Insert types in values.go)", ErrBind, v)
	}
	return nil
}

func appendInsertFloat(b *strings.Builder, f float64) {
	switch {
	case math.IsNaN(f):
		b.WriteString("nan")
	case math.IsInf(f, 1):
		b.WriteString("inf")
	case math.IsInf(f, -1):
		b.WriteString("-inf")
	default:
		var scratch [32]byte
		b.Write(strconv.AppendFloat(scratch[:0], f, 'g', -1, 64))
	}
}
