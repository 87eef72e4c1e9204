package warehouse

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Client-side binding, shared by both backends so a statement renders to the
// same SQL on either. ClickHouse 18.16 has no server-side parameters and the
// embedded engine is fed plain text, so values are rendered as literals here,
// and every literal is built so that no value can end it early: a bound
// string can never change the statement around it (see FuzzBind).

// Bind replaces each `?` placeholder in query with the literal for the
// matching arg. A `?` inside a string literal ('...' or $$...$$), a quoted
// identifier ("..." or `...`) or a comment (-- or # to end of line, /* ... */)
// is left alone.
//
// Supported args: nil and nil pointers (NULL); string and []byte (a quoted,
// fully escaped string); bool (1/0); every int and uint kind; float32 and
// float64 (nan, inf and -inf for the special values); time.Time
// (toDateTime('YYYY-MM-DD hh:mm:ss', 'UTC'), whole seconds, in UTC, within
// DateTime's range: see checkDateTime and textDateTimeEnd); pointers to any of these; []string,
// []int64 and []uint64 (array literals). Any other type, a time outside
// DateTime's range, or a count mismatch, is an error wrapping ErrBind. Its
// text quotes neither the statement nor a value: backends pass it on into
// errors that are stored and served.
//
// A negative number is written in parentheses, (-5), so that it cannot join
// the token before the placeholder: `10-?` becomes `10-(-5)`, never the line
// comment `10--5`.
func Bind(query string, args ...any) (string, error) {
	var b strings.Builder
	b.Grow(len(query) + 16*len(args))
	placeholders := 0 // every `?` seen, bound or not, for the mismatch message
	start := 0        // query[start:i] is not yet copied into b
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			end, ok := skipQuoted(query, i)
			if !ok {
				return "", fmt.Errorf("%w: unterminated %c quote at offset %d", ErrBind, c, i)
			}
			i = end
		case c == '-' && i+1 < len(query) && query[i+1] == '-', c == '#':
			// 26.7 also reads "# " as a line comment (18.16 rejects it).
			nl := strings.IndexByte(query[i:], '\n')
			if nl < 0 {
				i = len(query)
			} else {
				i += nl + 1
			}
		case c == '$' && (i == 0 || !isWordByte(query[i-1])):
			end, ok := skipHeredoc(query, i)
			if !ok {
				return "", fmt.Errorf("%w: unterminated $$ string at offset %d", ErrBind, i)
			}
			i = end
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			end, err := skipBlockComment(query, i)
			if err != nil {
				return "", err
			}
			i = end
		case c == '?':
			if placeholders < len(args) {
				b.WriteString(query[start:i])
				if err := appendLiteral(&b, args[placeholders]); err != nil {
					return "", fmt.Errorf("arg %d: %w", placeholders+1, err)
				}
				start = i + 1
			}
			placeholders++
			i++
		default:
			i++
		}
	}
	if placeholders != len(args) {
		return "", fmt.Errorf("%w: statement has %d placeholders but %d args were given", ErrBind, placeholders, len(args))
	}
	b.WriteString(query[start:])
	return b.String(), nil
}

// skipQuoted returns the offset just past the quoted token opening at
// query[i]. ClickHouse reads string literals and quoted identifiers alike:
// a backslash escapes the next byte and a doubled quote stands for itself.
func skipQuoted(query string, i int) (int, bool) {
	quote := query[i]
	for j := i + 1; j < len(query); j++ {
		switch query[j] {
		case '\\':
			j++ // skip the escaped byte, whatever it is
		case quote:
			if j+1 < len(query) && query[j+1] == quote {
				j++ // '' inside '...'
				continue
			}
			return j + 1, true
		}
	}
	return len(query), false
}

// skipHeredoc returns the offset just past the heredoc string ($$...$$ or
// $tag$...$tag$, ClickHouse 26.7) opening at query[i], or i+1 when the $ does
// not open one. A `?` inside one is text, not a placeholder.
func skipHeredoc(query string, i int) (int, bool) {
	j := i + 1
	for j < len(query) && isWordByte(query[j]) && query[j] != '$' {
		j++
	}
	if j >= len(query) || query[j] != '$' {
		return i + 1, true // a lone $, as in an identifier
	}
	tag := query[i : j+1]
	end := strings.Index(query[j+1:], tag)
	if end < 0 {
		return len(query), false
	}
	return j + 1 + end + len(tag), true
}

// isWordByte reports whether c can continue an identifier.
func isWordByte(c byte) bool {
	return c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}

// skipBlockComment returns the offset just past the /* ... */ comment opening
// at query[i]. ClickHouse 26.7 nests block comments and 18.16 does not, so a
// `?` after a nested /* would be a placeholder on one backend and comment text
// on the other: such statements are refused rather than guessed at.
func skipBlockComment(query string, i int) (int, error) {
	for j := i + 2; j+1 < len(query); j++ {
		switch {
		case query[j] == '*' && query[j+1] == '/':
			return j + 2, nil
		case query[j] == '/' && query[j+1] == '*':
			return 0, fmt.Errorf("%w: nested /* comment at offset %d (ClickHouse versions disagree on nesting)", ErrBind, j)
		}
	}
	return 0, fmt.Errorf("%w: unterminated /* comment at offset %d", ErrBind, i)
}

// Quote returns s as a ClickHouse string literal. Backslash and quote are
// escaped, and so is every control byte (< 0x20 and 0x7f), so the literal is
// a single line of printable text whatever s holds: NULs, newlines or quotes
// cannot end it early or confuse a log line. Bytes >= 0x80 pass through
// unchanged, so invalid UTF-8 round-trips byte for byte.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	appendQuoted(&b, s)
	return b.String()
}

const hexDigits = "0123456789abcdef"

func appendQuoted(b *strings.Builder, s string) {
	b.WriteByte('\'')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != 0x7f && c != '\\' && c != '\'' {
			continue
		}
		b.WriteString(s[start:i])
		start = i + 1
		switch c {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			// \xHH is read as exactly two hex digits by every ClickHouse
			// version (18.16 included), so the next byte of s cannot extend it.
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		}
	}
	b.WriteString(s[start:])
	b.WriteByte('\'')
}

// dateTimeLayout is how DateTime values are written as text, in UTC.
const dateTimeLayout = "2006-01-02 15:04:05"

// textDateTimeEnd (2106-01-01 00:00:00 UTC, in Unix seconds) is where
// ClickHouse 18.16 stops reading DateTime text right: its date tables end
// with 2105, so toDateTime('2106-01-01 00:00:00', 'UTC') is 1970-01-01 and
// '2106-02-07 06:28:15' is 1970-01-01 06:28:15. Bind writes the last weeks
// of DateTime's range as toDateTime(<Unix seconds>, 'UTC') instead, which
// both servers read exactly.
const textDateTimeEnd = 4291747200

// appendLiteral writes the SQL literal for v.
func appendLiteral(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("NULL")
	case string:
		appendQuoted(b, x)
	case []byte:
		if x == nil {
			b.WriteString("NULL")
		} else {
			appendQuoted(b, string(x))
		}
	case bool:
		if x {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	case int:
		appendInt(b, int64(x))
	case int8:
		appendInt(b, int64(x))
	case int16:
		appendInt(b, int64(x))
	case int32:
		appendInt(b, int64(x))
	case int64:
		appendInt(b, x)
	case uint:
		b.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint8:
		b.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint16:
		b.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint32:
		b.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint64:
		b.WriteString(strconv.FormatUint(x, 10))
	case float32:
		appendFloat(b, float64(x), 32)
	case float64:
		appendFloat(b, x, 64)
	case time.Time:
		if err := checkDateTime(x); err != nil {
			return err
		}
		if x.Unix() >= textDateTimeEnd {
			b.WriteString("toDateTime(")
			b.WriteString(strconv.FormatInt(x.Unix(), 10))
			b.WriteString(", 'UTC')")
			return nil
		}
		b.WriteString("toDateTime('")
		b.WriteString(x.UTC().Format(dateTimeLayout))
		b.WriteString("', 'UTC')")
	case []string:
		if len(x) == 0 {
			b.WriteString("CAST([] AS Array(String))")
			return nil
		}
		b.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			appendQuoted(b, s)
		}
		b.WriteByte(']')
	case []int64:
		if len(x) == 0 {
			b.WriteString("CAST([] AS Array(Int64))")
			return nil
		}
		b.WriteByte('[')
		for i, n := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatInt(n, 10))
		}
		b.WriteByte(']')
	case []uint64:
		if len(x) == 0 {
			b.WriteString("CAST([] AS Array(UInt64))")
			return nil
		}
		b.WriteByte('[')
		for i, n := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatUint(n, 10))
		}
		b.WriteByte(']')
	default:
		// Pointers to any supported type: NULL or the pointee.
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				b.WriteString("NULL")
				return nil
			}
			return appendLiteral(b, rv.Elem().Interface())
		}
		return fmt.Errorf("%w: unsupported type %T", ErrBind, v)
	}
	return nil
}

// appendInt writes n, in parentheses when negative (see Bind).
func appendInt(b *strings.Builder, n int64) {
	if n < 0 {
		b.WriteByte('(')
		b.WriteString(strconv.FormatInt(n, 10))
		b.WriteByte(')')
		return
	}
	b.WriteString(strconv.FormatInt(n, 10))
}

// appendFloat writes f so that both ClickHouse 26.7 and 18.16 read it back
// exactly, in parentheses when it starts with a minus sign (-inf and -0
// included; see Bind). 18.16's parser rejects subnormal literals (5e-324 is
// a syntax error there), so those go through toFloat64('...') instead, which
// 26.7 reads exactly and 18.16 flushes to zero rather than failing.
func appendFloat(b *strings.Builder, f float64, bits int) {
	var text string
	switch {
	case math.IsNaN(f):
		text = "nan"
	case math.IsInf(f, 1):
		text = "inf"
	case math.IsInf(f, -1):
		text = "-inf"
	case f != 0 && math.Abs(f) < 0x1p-1022:
		text = "toFloat64('" + strconv.FormatFloat(f, 'g', -1, bits) + "')"
	default:
		text = strconv.FormatFloat(f, 'g', -1, bits)
	}
	if strings.HasPrefix(text, "-") {
		b.WriteByte('(')
		b.WriteString(text)
		b.WriteByte(')')
		return
	}
	b.WriteString(text)
}

// qualify replaces every {db} in query with the handle's database name. It
// runs before Bind, on statement text written in this repository, so bound
// values are never rewritten. db must have passed validDatabaseName.
func qualify(query, db string) string {
	if !strings.Contains(query, "{db}") {
		return query
	}
	return strings.ReplaceAll(query, "{db}", db)
}

// validDatabaseName reports whether s can name a database without quoting:
// ^[A-Za-z_][A-Za-z0-9_]*$.
func validDatabaseName(s string) bool { return validIdentifier(s) }

// validIdentifier reports whether s is a plain identifier
// (^[A-Za-z_][A-Za-z0-9_]*$), the only form table and column names take
// here, so they can be written into statements unquoted.
func validIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// oneLine folds a text (a statement, a multi-line driver or engine message)
// onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
