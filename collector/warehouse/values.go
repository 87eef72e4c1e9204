package warehouse

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Insert types: the Go value each column type takes in Insert rows. Both
// backends accept exactly these, so a row built once writes the same anywhere.
//
//	String                     string
//	Int64 / UInt64             int64 / uint64
//	UInt8 (flags)              uint8
//	Float64                    float64
//	DateTime('UTC')            time.Time
//	Nullable(DateTime('UTC'))  *time.Time
//	Nullable(Float64)          *float64
//	Array(String)              []string
//	Array(Int64)               []int64
//
// DateTime holds whole seconds from 1970-01-01 00:00:00 to
// 2106-02-07 06:28:15 UTC (an unsigned 32-bit Unix time); a time outside it,
// the zero time.Time included, is refused with ErrBind (see checkDateTime),
// which fails the whole Insert. Rows from upstream go through FitDateTimes
// first, which stores such a time as NULL or clamps it, with a warning.
// A nil value (untyped nil or a nil *time.Time / *float64) writes NULL into
// a Nullable column.
//
// Query results are converted by Assign from a backend-neutral value (nil,
// string, int64, uint64, float64, bool, time.Time or []any) into the caller's
// destination.

// DateTime's range, in Unix seconds.
const (
	minDateTime = 0
	maxDateTime = math.MaxUint32 // 2106-02-07 06:28:15 UTC
)

// dateTimeRange is DateTime's range as messages give it.
const dateTimeRange = "[1970-01-01 00:00:00, 2106-02-07 06:28:15] UTC"

// checkDateTime returns an error wrapping ErrBind when t cannot be stored in
// a DateTime: the servers would silently store another time instead (18.16
// wraps 1960 around to 2096, 26.7 clamps). Fractions of a second are
// dropped when a time is written, so t is judged by its whole seconds.
func checkDateTime(t time.Time) error {
	// The time itself is left out of the message: it is data.
	if t.IsZero() {
		return fmt.Errorf("%w: zero time.Time (0001-01-01) is outside DateTime's range %s (use a nil *time.Time for no time)", ErrBind, dateTimeRange)
	}
	switch u := t.Unix(); {
	case u < minDateTime:
		return fmt.Errorf("%w: time before 1970 is outside DateTime's range %s", ErrBind, dateTimeRange)
	case u > maxDateTime:
		return fmt.Errorf("%w: time after 2106-02-07 06:28:15 is outside DateTime's range %s", ErrBind, dateTimeRange)
	}
	return nil
}

// checkInsertRows checks rows before an Insert sends anything: each row
// has one value per column, and each value is an insert type (above) or
// untyped nil, with times in DateTime's range. Both backends run it, so they
// accept and refuse the same rows. Errors wrap ErrBind and name the table,
// row index, column and Go type.
func checkInsertRows(table string, columns []string, rows [][]any) error {
	for i, row := range rows {
		if len(row) != len(columns) {
			return fmt.Errorf("insert into %s: row %d has %d values for %d columns", table, i, len(row), len(columns))
		}
		for j, v := range row {
			if err := checkInsertValue(v); err != nil {
				return fmt.Errorf("insert into %s: row %d column %s: %w", table, i, columns[j], err)
			}
		}
	}
	return nil
}

// checkInsertValue checks one Insert value; see checkInsertRows.
func checkInsertValue(v any) error {
	switch x := v.(type) {
	case nil, string, int64, uint64, uint8, float64, *float64, []string, []int64:
		return nil
	case time.Time:
		return checkDateTime(x)
	case *time.Time:
		if x == nil {
			return nil
		}
		return checkDateTime(*x)
	}
	return fmt.Errorf("%w: unsupported insert type %T (see Insert types in values.go)", ErrBind, v)
}

// Assign converts a backend-neutral value into dest. Supported destinations:
// *string, *int, *int64, *uint64, *uint8, *float64, *bool, *time.Time, the
// nullable forms **string, **int64, **float64, **time.Time, *[]string,
// *[]int64 and *any. A NULL into a non-pointer destination is an error, so a
// query that can produce NULL must scan into a nullable destination.
func Assign(dest any, src any) error {
	switch d := dest.(type) {
	case *any:
		*d = src
		return nil
	case **string:
		if src == nil {
			*d = nil
			return nil
		}
		var v string
		if err := Assign(&v, src); err != nil {
			return err
		}
		*d = &v
		return nil
	case **int64:
		if src == nil {
			*d = nil
			return nil
		}
		var v int64
		if err := Assign(&v, src); err != nil {
			return err
		}
		*d = &v
		return nil
	case **float64:
		if src == nil {
			*d = nil
			return nil
		}
		var v float64
		if err := Assign(&v, src); err != nil {
			return err
		}
		*d = &v
		return nil
	case **time.Time:
		if src == nil {
			*d = nil
			return nil
		}
		var v time.Time
		if err := Assign(&v, src); err != nil {
			return err
		}
		*d = &v
		return nil
	}
	if src == nil {
		return fmt.Errorf("%w: NULL into %T (scan into a pointer destination)", ErrScan, dest)
	}
	switch d := dest.(type) {
	case *string:
		switch s := src.(type) {
		case string:
			*d = s
		case time.Time:
			*d = s.UTC().Format(time.RFC3339)
		case int64:
			*d = strconv.FormatInt(s, 10)
		case uint64:
			*d = strconv.FormatUint(s, 10)
		case float64:
			*d = strconv.FormatFloat(s, 'g', -1, 64)
		default:
			return mismatch(dest, src)
		}
	case *int64:
		v, err := toInt64(src)
		if err != nil {
			return err
		}
		*d = v
	case *int:
		v, err := toInt64(src)
		if err != nil {
			return err
		}
		*d = int(v)
	case *uint64:
		switch s := src.(type) {
		case uint64:
			*d = s
		case int64:
			if s < 0 {
				return mismatch(dest, src)
			}
			*d = uint64(s)
		case string:
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return mismatch(dest, src)
			}
			*d = v
		default:
			return mismatch(dest, src)
		}
	case *uint8:
		v, err := toInt64(src)
		if err != nil || v < 0 || v > math.MaxUint8 {
			return mismatch(dest, src)
		}
		*d = uint8(v)
	case *bool:
		switch s := src.(type) {
		case bool:
			*d = s
		default:
			v, err := toInt64(src)
			if err != nil {
				return err
			}
			*d = v != 0
		}
	case *float64:
		switch s := src.(type) {
		case float64:
			*d = s
		case int64:
			*d = float64(s)
		case uint64:
			*d = float64(s)
		case string:
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return mismatch(dest, src)
			}
			*d = v
		default:
			return mismatch(dest, src)
		}
	case *time.Time:
		s, ok := src.(time.Time)
		if !ok {
			return mismatch(dest, src)
		}
		*d = s.UTC()
	case *[]string:
		arr, ok := src.([]any)
		if !ok {
			return mismatch(dest, src)
		}
		out := make([]string, len(arr))
		for i, e := range arr {
			if err := Assign(&out[i], e); err != nil {
				return err
			}
		}
		*d = out
	case *[]int64:
		arr, ok := src.([]any)
		if !ok {
			return mismatch(dest, src)
		}
		out := make([]int64, len(arr))
		for i, e := range arr {
			if err := Assign(&out[i], e); err != nil {
				return err
			}
		}
		*d = out
	default:
		return fmt.Errorf("%w: unsupported destination %T", ErrScan, dest)
	}
	return nil
}

func toInt64(src any) (int64, error) {
	switch s := src.(type) {
	case int64:
		return s, nil
	case uint64:
		if s > math.MaxInt64 {
			return 0, fmt.Errorf("%w: uint64 value overflows int64", ErrScan)
		}
		return int64(s), nil
	case bool:
		if s {
			return 1, nil
		}
		return 0, nil
	case float64:
		if s != math.Trunc(s) {
			return 0, fmt.Errorf("%w: float64 value is not a whole number", ErrScan)
		}
		return int64(s), nil
	case string:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: string value is not an integer", ErrScan)
		}
		return v, nil
	}
	return 0, fmt.Errorf("%w: %T is not an integer", ErrScan, src)
}

// mismatch names the types only: scan errors reach the run log and the API
// too, and the value is data.
func mismatch(dest, src any) error {
	return fmt.Errorf("%w: %T value into %T", ErrScan, src, dest)
}
