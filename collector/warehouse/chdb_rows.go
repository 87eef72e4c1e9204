package warehouse

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Query results of the embedded backend: rows and type conversion.

// jsonRows iterates a JSONCompactEachRowWithNamesAndTypes result, decoding
// one row per Next.
type jsonRows struct {
	names []string
	types []chType
	p     jsonParser
	cur   []any
	err   error
}

func newJSONRows(out []byte) (*jsonRows, error) {
	r := &jsonRows{p: jsonParser{data: out}}
	if r.p.atEnd() { // a statement with no result set
		return r, nil
	}
	names, err := r.p.stringArray()
	if err != nil {
		return nil, fmt.Errorf("result header: %w", err)
	}
	typeNames, err := r.p.stringArray()
	if err != nil {
		return nil, fmt.Errorf("result types: %w", err)
	}
	if len(names) != len(typeNames) {
		return nil, fmt.Errorf("result header: %d names for %d types", len(names), len(typeNames))
	}
	r.names = names
	r.types = make([]chType, len(typeNames))
	for i, t := range typeNames {
		r.types[i] = parseChType(t)
	}
	return r, nil
}

func (r *jsonRows) Columns() []string { return r.names }
func (r *jsonRows) Err() error        { return r.err }

func (r *jsonRows) Close() error {
	r.p.data, r.cur = nil, nil
	return nil
}

func (r *jsonRows) Next() bool {
	if r.err != nil || r.p.atEnd() {
		r.cur = nil
		return false
	}
	raw, err := r.p.value()
	if err != nil {
		r.err = fmt.Errorf("chdb: decode row: %w", err)
		return false
	}
	vals, ok := raw.([]any)
	if !ok || len(vals) != len(r.types) {
		r.err = fmt.Errorf("chdb: decode row: want an array of %d values, got a %T", len(r.types), raw)
		return false
	}
	for i, v := range vals {
		if vals[i], err = r.types[i].convert(v); err != nil {
			r.err = fmt.Errorf("chdb: column %s (%s): %w", r.names[i], r.types[i].name, withoutValue(err))
			return false
		}
	}
	r.cur = vals
	return true
}

func (r *jsonRows) Scan(dest ...any) error {
	if r.cur == nil {
		return fmt.Errorf("%w: Scan called without a successful Next", ErrScan)
	}
	if len(dest) != len(r.cur) {
		return fmt.Errorf("%w: %d destinations for %d columns", ErrScan, len(dest), len(r.cur))
	}
	for i, d := range dest {
		if err := Assign(d, r.cur[i]); err != nil {
			return fmt.Errorf("column %s: %w", r.names[i], err)
		}
	}
	return nil
}

// chType is a parsed ClickHouse column type, reduced to how its JSON text
// converts into a backend-neutral value.
type chType struct {
	name     string // as ClickHouse spelled it, for errors
	kind     chKind
	nullable bool
	loc      *time.Location // DateTime/DateTime64 text is in this zone
	zone     string         // a zone name that could not be loaded
	elem     *chType        // Array element
}

type chKind int

const (
	kindOther chKind = iota // best effort: JSON's own types
	kindString
	kindInt   // Int8..Int64, UInt8..UInt32 → int64
	kindUint  // UInt64 → uint64
	kindFloat // Float32/64, BFloat16, Decimal → float64
	kindBool  // Bool → bool
	kindTime  // DateTime, DateTime64 → time.Time in UTC
	kindDate  // Date, Date32 → time.Time at UTC midnight
	kindArray // Array(T) → []any
	kindNull  // Nothing (the type of a bare NULL) → nil
)

func parseChType(s string) chType {
	t := chType{name: s}
	name, args := splitType(s)
	switch name {
	case "LowCardinality", "SimpleAggregateFunction":
		if len(args) > 0 {
			inner := parseChType(args[len(args)-1])
			inner.name = s
			return inner
		}
	case "Nullable":
		if len(args) == 1 {
			inner := parseChType(args[0])
			inner.name, inner.nullable = s, true
			return inner
		}
	case "Array":
		if len(args) == 1 {
			elem := parseChType(args[0])
			t.kind, t.elem = kindArray, &elem
		}
	case "String", "FixedString", "UUID", "Enum8", "Enum16", "Enum", "IPv4", "IPv6",
		"Int128", "Int256", "UInt128", "UInt256":
		// 128/256-bit integers stay text: they do not fit the neutral types.
		t.kind = kindString
	case "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32":
		t.kind = kindInt
	case "UInt64":
		t.kind = kindUint
	case "Float32", "Float64", "BFloat16", "Decimal", "Decimal32", "Decimal64", "Decimal128", "Decimal256":
		t.kind = kindFloat
	case "Bool":
		t.kind = kindBool
	case "DateTime", "DateTime64":
		t.kind, t.loc = kindTime, time.UTC
		// The zone is the last quoted argument: DateTime('tz') or
		// DateTime64(3, 'tz'). Without one the session zone (UTC) applies.
		if n := len(args); n > 0 && strings.HasPrefix(args[n-1], "'") {
			tz := strings.Trim(args[n-1], "'")
			if loc, err := time.LoadLocation(tz); err == nil {
				t.loc = loc
			} else {
				t.loc, t.zone = nil, tz // reported by convert: never guess a zone
			}
		}
	case "Date", "Date32":
		t.kind = kindDate
	case "Nothing":
		t.kind = kindNull
	}
	return t
}

// splitType splits "Name(a, b)" into Name and its top-level arguments.
func splitType(s string) (string, []string) {
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return strings.TrimSpace(s), nil
	}
	name, inner := strings.TrimSpace(s[:open]), s[open+1:len(s)-1]
	var args []string
	depth, start := 0, 0
	for i := 0; i < len(inner); i++ {
		switch c := inner[i]; c {
		case '\'':
			end, _ := skipQuoted(inner, i)
			i = end - 1
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(inner[start:i]))
				start = i + 1
			}
		}
	}
	return name, append(args, strings.TrimSpace(inner[start:]))
}

// convert turns one decoded JSON value into the neutral value for t.
func (t *chType) convert(v any) (any, error) {
	if v == nil {
		if t.kind == kindFloat && !t.nullable {
			// Without output_format_json_quote_denormals nan/inf print as
			// null; in a non-Nullable column null can only be one of those.
			return math.NaN(), nil
		}
		return nil, nil
	}
	switch t.kind {
	case kindNull:
		return nil, nil
	case kindString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		if n, ok := v.(jsonNumber); ok {
			return string(n), nil
		}
	case kindInt:
		if s, ok := numberText(v); ok {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, err
			}
			return n, nil
		}
	case kindUint:
		if s, ok := numberText(v); ok {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return nil, err
			}
			return n, nil
		}
	case kindFloat:
		if s, ok := numberText(v); ok {
			return parseCHFloat(s)
		}
	case kindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case jsonNumber:
			return x != "0", nil
		}
	case kindTime:
		if t.loc == nil {
			return nil, fmt.Errorf("unknown time zone %q (is tzdata installed?)", t.zone)
		}
		if s, ok := v.(string); ok {
			tm, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", s, t.loc)
			if err != nil {
				return nil, err
			}
			return tm.UTC(), nil
		}
	case kindDate:
		if s, ok := v.(string); ok {
			return time.ParseInLocation(time.DateOnly, s, time.UTC)
		}
	case kindArray:
		if arr, ok := v.([]any); ok {
			for i, e := range arr {
				c, err := t.elem.convert(e)
				if err != nil {
					return nil, err
				}
				arr[i] = c
			}
			return arr, nil
		}
	case kindOther:
		return genericValue(v), nil
	}
	return nil, fmt.Errorf("unexpected JSON value (Go type %T)", v)
}

// withoutValue drops the value a strconv or time parse error quotes: column
// errors are stored and served, and the value is data.
func withoutValue(err error) error {
	var num *strconv.NumError
	if errors.As(err, &num) {
		return fmt.Errorf("cannot parse number: %w", num.Err)
	}
	var tm *time.ParseError
	if errors.As(err, &tm) {
		return fmt.Errorf("cannot parse time as %q", tm.Layout)
	}
	return err
}

// numberText returns the text of a JSON number, or of a string holding one
// (64-bit integers and special floats arrive quoted).
func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case jsonNumber:
		return string(x), true
	case string:
		return x, true
	}
	return "", false
}

func parseCHFloat(s string) (float64, error) {
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case "nan":
		return math.NaN(), nil
	case "inf", "infinity":
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	}
	return strconv.ParseFloat(s, 64)
}

// genericValue converts a value of a type this backend does not map
// specifically (Tuple, Map, ...): numbers become int64, uint64 or float64.
func genericValue(v any) any {
	switch x := v.(type) {
	case jsonNumber:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return n
		}
		if n, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return n
		}
		f, _ := parseCHFloat(string(x))
		return f
	case []any:
		for i := range x {
			x[i] = genericValue(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = genericValue(x[k])
		}
		return x
	}
	return v
}
