package warehouse

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestBindLiterals(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	str := "it's"
	i64 := int64(-42)
	f64 := 2.5
	tm := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	pi64 := &i64
	var nilStr *string
	var nilTime *time.Time
	var nilF64 *float64

	cases := []struct {
		name string
		arg  any
		want string
	}{
		{"nil", nil, "NULL"},
		{"nil *string", nilStr, "NULL"},
		{"nil *time.Time", nilTime, "NULL"},
		{"nil *float64", nilF64, "NULL"},
		{"nil []byte", []byte(nil), "NULL"},
		{"empty string", "", "''"},
		{"plain string", "abc", "'abc'"},
		{"quote", "it's", `'it\'s'`},
		{"backslash", `a\b`, `'a\\b'`},
		{"backslash quote", `\'`, `'\\\''`},
		{"newline tab cr", "a\nb\tc\rd", `'a\nb\tc\rd'`},
		{"NUL and controls", "\x00\x01\x1f\x7f", `'\x00\x01\x1f\x7f'`},
		{"question mark", "?", "'?'"},
		{"comment markers", "-- /* */ #", "'-- /* */ #'"},
		{"unicode", "é日本😀", "'é日本😀'"},
		{"invalid utf8 passes through", "\xff\xfe", "'\xff\xfe'"},
		{"[]byte", []byte("x'y"), `'x\'y'`},
		{"*string", &str, `'it\'s'`},
		{"true", true, "1"},
		{"false", false, "0"},
		{"int", -7, "(-7)"},
		{"int positive", 7, "7"},
		{"int8", int8(-128), "(-128)"},
		{"int16", int16(32767), "32767"},
		{"int32", int32(-2147483648), "(-2147483648)"},
		{"int64 min", int64(math.MinInt64), "(-9223372036854775808)"},
		{"int64 zero", int64(0), "0"},
		{"uint", uint(7), "7"},
		{"uint8", uint8(255), "255"},
		{"uint16", uint16(65535), "65535"},
		{"uint32", uint32(4294967295), "4294967295"},
		{"uint64 max", uint64(math.MaxUint64), "18446744073709551615"},
		{"*int64", &i64, "(-42)"},
		{"**int64", &pi64, "(-42)"},
		{"float64", 1.5, "1.5"},
		{"float64 large", 1e100, "1e+100"},
		{"float64 small", 1e-300, "1e-300"},
		{"float64 subnormal", 5e-324, "toFloat64('5e-324')"},
		{"float64 negative subnormal", -5e-324, "toFloat64('-5e-324')"},
		{"float64 zero", 0.0, "0"},
		{"float64 negative zero", math.Copysign(0, -1), "(-0)"},
		{"float64 negative", -1.5, "(-1.5)"},
		{"float64 negative large", -1e100, "(-1e+100)"},
		{"float32 negative", float32(-0.1), "(-0.1)"},
		{"float64 max", math.MaxFloat64, "1.7976931348623157e+308"},
		{"float32", float32(0.1), "0.1"},
		{"*float64", &f64, "2.5"},
		{"NaN", math.NaN(), "nan"},
		{"+Inf", math.Inf(1), "inf"},
		{"-Inf", math.Inf(-1), "(-inf)"},
		{"time UTC", tm, "toDateTime('2024-01-02 03:04:05', 'UTC')"},
		{"time other zone", time.Date(2024, 1, 2, 3, 4, 5, 999, tokyo), "toDateTime('2024-01-01 18:04:05', 'UTC')"},
		{"time first second", time.Unix(0, 0), "toDateTime('1970-01-01 00:00:00', 'UTC')"},
		{"time last text second", time.Date(2105, 12, 31, 23, 59, 59, 0, time.UTC), "toDateTime('2105-12-31 23:59:59', 'UTC')"},
		{"time 2106 as Unix seconds", time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC), "toDateTime(4291747200, 'UTC')"},
		{"time last second", time.Date(2106, 2, 7, 6, 28, 15, 999999999, time.UTC), "toDateTime(4294967295, 'UTC')"},
		{"*time.Time", &tm, "toDateTime('2024-01-02 03:04:05', 'UTC')"},
		{"[]string", []string{"a", "b'c"}, `['a', 'b\'c']`},
		{"[]string empty", []string{}, "CAST([] AS Array(String))"},
		{"[]string nil", []string(nil), "CAST([] AS Array(String))"},
		{"[]int64", []int64{1, -2}, "[1, -2]"},
		{"[]int64 empty", []int64{}, "CAST([] AS Array(Int64))"},
		{"[]uint64", []uint64{1, math.MaxUint64}, "[1, 18446744073709551615]"},
		{"[]uint64 empty", []uint64(nil), "CAST([] AS Array(UInt64))"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Bind("SELECT ?", c.arg)
			if err != nil {
				t.Fatalf("Bind: %v", err)
			}
			if want := "SELECT " + c.want; got != want {
				t.Errorf("Bind(%#v)\n got %s\nwant %s", c.arg, got, want)
			}
		})
	}
}

func TestBindUnsupportedTypes(t *testing.T) {
	type myString string
	for _, arg := range []any{struct{}{}, map[string]int{}, []int{1}, myString("x"), time.Second, complex(1, 2), new(struct{})} {
		_, err := Bind("SELECT ?", arg)
		if !errors.Is(err, ErrBind) {
			t.Errorf("Bind(%T): err = %v, want ErrBind", arg, err)
			continue
		}
		// A pointer is dereferenced first, so the error names the pointee.
		if want := strings.TrimPrefix(fmt.Sprintf("%T", arg), "*"); !strings.Contains(err.Error(), want) {
			t.Errorf("Bind(%T): error %q does not name the type", arg, err)
		}
	}
}

func TestBindPlaceholders(t *testing.T) {
	cases := []struct {
		name  string
		query string
		args  []any
		want  string
	}{
		{"none", "SELECT 1", nil, "SELECT 1"},
		{"two", "SELECT ?, ?", []any{1, "a"}, "SELECT 1, 'a'"},
		{"adjacent", "SELECT ?+?", []any{1, 2}, "SELECT 1+2"},
		{"in string", "SELECT '?', ?", []any{1}, "SELECT '?', 1"},
		{"doubled quote", "SELECT 'it''s ?', ?", []any{1}, "SELECT 'it''s ?', 1"},
		{"escaped quote", `SELECT 'a\' ?', ?`, []any{1}, `SELECT 'a\' ?', 1`},
		{"escaped backslash", `SELECT 'a\\', ?`, []any{1}, `SELECT 'a\\', 1`},
		{"double-quoted identifier", `SELECT "x?" FROM t WHERE a = ?`, []any{1}, `SELECT "x?" FROM t WHERE a = 1`},
		{"backquoted identifier", "SELECT `x?` FROM t WHERE a = ?", []any{1}, "SELECT `x?` FROM t WHERE a = 1"},
		{"doubled backquote", "SELECT `a``?` , ?", []any{1}, "SELECT `a``?` , 1"},
		{"line comment", "SELECT ? -- ? '\nFROM t WHERE a = ?", []any{1, 2}, "SELECT 1 -- ? '\nFROM t WHERE a = 2"},
		{"line comment at end", "SELECT ? -- ?", []any{1}, "SELECT 1 -- ?"},
		{"hash comment", "SELECT ? # ? '\n, ?", []any{1, 2}, "SELECT 1 # ? '\n, 2"},
		{"block comment", "SELECT /* ? ' */ ?", []any{1}, "SELECT /* ? ' */ 1"},
		{"block comment multiline", "SELECT /* ?\n? */ ?", []any{1}, "SELECT /* ?\n? */ 1"},
		{"heredoc", "SELECT $$a?b$$, ?", []any{1}, "SELECT $$a?b$$, 1"},
		{"tagged heredoc", "SELECT $x$a?$$?$x$, ?", []any{1}, "SELECT $x$a?$$?$x$, 1"},
		{"dollar in identifier", "SELECT a$b, ?", []any{1}, "SELECT a$b, 1"},
		{"minus is not a comment", "SELECT 1 - ?", []any{1}, "SELECT 1 - 1"},
		// A negative number right after - or / must not make -- or join it.
		{"negative after minus", "SELECT 10-? AS a, ? AS b", []any{-5, -5}, "SELECT 10-(-5) AS a, (-5) AS b"},
		{"negative float after minus", "SELECT 10-?, 1/?, -?", []any{-0.5, -2.0, math.Inf(-1)}, "SELECT 10-(-0.5), 1/(-2), -(-inf)"},
		{"negative in IN list", "SELECT 1 WHERE x IN (?, ?)", []any{int64(-1), int8(-2)}, "SELECT 1 WHERE x IN ((-1), (-2))"},
		// Array elements follow [ or ", ", so they need no parentheses.
		{"negative array elements", "SELECT has(?, x)", []any{[]int64{-1, -2}}, "SELECT has([-1, -2], x)"},
		{"slash is not a comment", "SELECT 1 / ?", []any{2}, "SELECT 1 / 2"},
		{"bound ? is not rescanned", "SELECT ?, ?", []any{"?", "x"}, "SELECT '?', 'x'"},
		{"bound quote is not rescanned", "SELECT ?, ?", []any{"'", "?"}, `SELECT '\'', '?'`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Bind(c.query, c.args...)
			if err != nil {
				t.Fatalf("Bind: %v", err)
			}
			if got != c.want {
				t.Errorf("Bind(%q)\n got %q\nwant %q", c.query, got, c.want)
			}
		})
	}
}

func TestBindErrors(t *testing.T) {
	cases := []struct {
		name  string
		query string
		args  []any
		want  string
	}{
		{"too few args", "SELECT ?, ?", []any{1}, "2 placeholders but 1 args"},
		{"too many args", "SELECT ?", []any{1, 2}, "1 placeholders but 2 args"},
		{"args without placeholders", "SELECT '?'", []any{1}, "0 placeholders but 1 args"},
		{"placeholder without args", "SELECT ?", nil, "1 placeholders but 0 args"},
		{"unterminated string", "SELECT 'abc", nil, "unterminated ' quote"},
		{"unterminated identifier", "SELECT `abc", nil, "unterminated ` quote"},
		{"escaped final quote", `SELECT 'abc\'`, nil, "unterminated ' quote"},
		{"unterminated comment", "SELECT /* ?", nil, "unterminated /* comment"},
		{"nested comment", "SELECT /* /* */ ? */", []any{1}, "nested /* comment"},
		{"unterminated heredoc", "SELECT $$ ?", []any{1}, "unterminated $$ string"},
		{"bad arg type", "SELECT ?", []any{struct{}{}}, "arg 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Bind(c.query, c.args...)
			if !errors.Is(err, ErrBind) {
				t.Fatalf("err = %v, want ErrBind", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %q, want it to mention %q", err, c.want)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	for s, want := range map[string]string{
		"":         "''",
		"a'b":      `'a\'b'`,
		`a\b`:      `'a\\b'`,
		"\x00":     `'\x00'`,
		"\x1b[31m": `'\x1b[31m'`,
		"\u2028":   "'\u2028'",
	} {
		if got := Quote(s); got != want {
			t.Errorf("Quote(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestQualify(t *testing.T) {
	got := qualify("SELECT * FROM {db}.a JOIN {db}.b USING id WHERE s = ?", "runway_x")
	if want := "SELECT * FROM runway_x.a JOIN runway_x.b USING id WHERE s = ?"; got != want {
		t.Errorf("qualify = %q, want %q", got, want)
	}
	if got := qualify("SELECT 1", "x"); got != "SELECT 1" {
		t.Errorf("qualify without placeholder = %q", got)
	}
}

func TestValidDatabaseName(t *testing.T) {
	for _, s := range []string{"runway", "_x", "A1_b2", "x"} {
		if !validDatabaseName(s) {
			t.Errorf("validDatabaseName(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"", "1abc", "a-b", "a.b", "a b", "`a`", "a;DROP", "é", "a\x00"} {
		if validDatabaseName(s) {
			t.Errorf("validDatabaseName(%q) = true, want false", s)
		}
	}
}

// decodeCHString reads the ClickHouse string literal at the start of s, the
// way ClickHouse does (IO/ReadHelpers: readQuotedStringWithSQLStyle): the
// token ends at the first quote that is neither backslash-escaped nor
// doubled; \xHH is a byte, \N is nothing, \a \b \f \n \r \t \v \0 are the
// control bytes, and any other escaped byte stands for itself. It returns
// the decoded value and the rest of s after the closing quote.
func decodeCHString(s string) (value, rest string, ok bool) {
	if s == "" || s[0] != '\'' {
		return "", "", false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), s[i+1:], true
		case '\\':
			if i+1 >= len(s) {
				return "", "", false
			}
			i++
			switch e := s[i]; e {
			case 'x':
				if i+2 >= len(s) {
					return "", "", false
				}
				n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
				if err != nil {
					return "", "", false
				}
				b.WriteByte(byte(n))
				i += 2
			case 'N':
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'v':
				b.WriteByte('\v')
			case '0':
				b.WriteByte(0)
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

// TestBindTimeRange: a time DateTime cannot hold is an error, never a
// silently different time (18.16 stores 1960 as 2096).
func TestBindTimeRange(t *testing.T) {
	for _, tm := range []time.Time{
		{},
		time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 900_000_000, time.UTC),
		time.Date(1970, 1, 1, 8, 59, 59, 0, time.FixedZone("JST", 9*3600)), // 1969-12-31 23:59:59 UTC
		time.Date(2106, 2, 7, 6, 28, 16, 0, time.UTC),
		time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		for _, arg := range []any{tm, &tm} {
			_, err := Bind("SELECT ?", arg)
			if !errors.Is(err, ErrBind) {
				t.Errorf("Bind(%v): err = %v, want ErrBind", tm, err)
				continue
			}
			if !strings.Contains(err.Error(), "[1970-01-01 00:00:00, 2106-02-07 06:28:15] UTC") {
				t.Errorf("Bind(%v): error %q does not give the range", tm, err)
			}
			// The value is data: errors never quote it.
			if u := tm.UTC(); !tm.IsZero() && (strings.Contains(err.Error(), u.Format(time.RFC3339)) || strings.Contains(err.Error(), u.Format(time.DateTime))) {
				t.Errorf("Bind(%v): error %q quotes the value", tm, err)
			}
			if tm.IsZero() && !strings.Contains(err.Error(), "zero time.Time") {
				t.Errorf("Bind(zero time): error %q does not say zero time", err)
			}
		}
	}
}

func TestCheckInsertRows(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	f := 1.5
	ok := [][]any{
		{nil, "s", int64(-1), uint64(1), uint8(1), -2.5, at, &at, (*time.Time)(nil), &f, (*float64)(nil), []string{"a"}, []int64{-1}, []string(nil), []int64(nil)},
	}
	cols := make([]string, len(ok[0]))
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	if err := checkInsertRows("t", cols, ok); err != nil {
		t.Fatalf("documented insert types: %v", err)
	}
	old := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	s := "x"
	type named string
	for _, c := range []struct {
		v    any
		want string
	}{
		{1, "unsupported insert type int"},
		{int32(1), "unsupported insert type int32"},
		{uint32(1), "unsupported insert type uint32"},
		{float32(1), "unsupported insert type float32"},
		{true, "unsupported insert type bool"},
		{&s, "unsupported insert type *string"},
		{[]byte("x"), "unsupported insert type []uint8"},
		{[]uint64{1}, "unsupported insert type []uint64"},
		{named("x"), "unsupported insert type warehouse.named"},
		{map[string]string{}, "unsupported insert type map[string]string"},
		{time.Time{}, "zero time.Time"},
		{old, "time before 1970 is outside DateTime's range"},
		{&old, "time before 1970 is outside DateTime's range"},
		{time.Date(2202, 3, 1, 0, 0, 0, 0, time.UTC), "time after 2106-02-07 06:28:15 is outside DateTime's range"},
	} {
		err := checkInsertRows("tbl", []string{"a", "b"}, [][]any{{int64(1), "x"}, {int64(2), c.v}})
		if !errors.Is(err, ErrBind) {
			t.Errorf("%T: err = %v, want ErrBind", c.v, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "insert into tbl: row 1 column b: ") || !strings.Contains(msg, c.want) {
			t.Errorf("%T: error %q, want it to name table tbl, row 1, column b and %q", c.v, msg, c.want)
		}
		if msg := err.Error(); strings.Contains(msg, "1960-01-01") || strings.Contains(msg, "2202-03-01") {
			t.Errorf("%T: error %q quotes the value", c.v, msg)
		}
	}
	if err := checkInsertRows("tbl", []string{"a", "b"}, [][]any{{int64(1)}}); err == nil || !strings.Contains(err.Error(), "row 0 has 1 values for 2 columns") {
		t.Errorf("short row: err = %v", err)
	}
}

// FuzzBind checks that no bound value can change the statement around it.
// A string: the rendered statement must be the template's text, exactly one
// string literal decoding to the value, then the rest of the template
// untouched. Numbers (checkBoundNumbers): each literal reads back as the
// value, and the statement's shape (its comments and string literals) is
// the template's, whatever the values and whatever precedes them (-, /).
func FuzzBind(f *testing.F) {
	ints := []int64{0, 1, -1, -5, 42, math.MinInt64, math.MaxInt64, -1 << 53}
	floats := []float64{0, math.Copysign(0, -1), -0.5, 1.5, -1e300, -5e-324, 5e-324, -2.2250738585072014e-308,
		math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), -1e-7}
	for i, s := range []string{
		"", "a", "'", "''", `\`, `\\`, `\'`, `\\'`, `'\`, "?", "??", "'?'",
		"\x00", "a\x00b", "\n", "\r\n", "\t", "\x1a", "\x7f", "\xff", "\xc3\x28",
		"é", "日本語", "😀", "\u2028\u2029", "-- x", "/* x */", "# x", "$$", "$x$",
		"', 1) -- ", `\x27`, `\'; DROP TABLE t; --`, "'; DROP TABLE t; --",
		"NULL", `\N`, "\\\n", "x\\", strings.Repeat(`\'`, 10),
	} {
		f.Add(s, ints[i%len(ints)], floats[i%len(floats)])
	}
	const prefix, suffix = "SELECT ", ", 'x?' -- ?"
	f.Fuzz(func(t *testing.T, s string, n int64, x float64) {
		checkBoundNumbers(t, n, x)

		out, err := Bind(prefix+"?"+suffix, s)
		if err != nil {
			t.Fatalf("Bind(%q): %v", s, err)
		}
		rest, ok := strings.CutPrefix(out, prefix)
		if !ok {
			t.Fatalf("prefix changed: %q", out)
		}
		lit := rest[:len(rest)-len(suffix)]
		value, after, ok := decodeCHString(rest)
		if !ok {
			t.Fatalf("no string literal at %q", rest)
		}
		if value != s {
			t.Fatalf("literal %s decodes to %q, want %q", lit, value, s)
		}
		if after != suffix {
			t.Fatalf("statement after the literal is %q, want %q (full %q)", after, suffix, out)
		}
		// The literal is one line of printable text (plus any bytes >= 0x80).
		for i := 0; i < len(lit); i++ {
			if c := lit[i]; c < 0x20 || c == 0x7f {
				t.Fatalf("literal %q holds control byte %#x", lit, c)
			}
		}
		// Quote is the same literal, and binding it as []byte is too.
		if q := Quote(s); q != lit {
			t.Fatalf("Quote(%q) = %q, Bind wrote %q", s, q, lit)
		}
		if out2, err := Bind(prefix+"?"+suffix, []byte(s)); err != nil || out2 != out {
			t.Fatalf("Bind([]byte(%q)) = %q, %v; want %q", s, out2, err, out)
		}
		// In an array, each element is one literal too.
		arr, err := Bind("SELECT ?", []string{s, s})
		if err != nil {
			t.Fatal(err)
		}
		rest = strings.TrimPrefix(arr, "SELECT [")
		v1, rest, ok1 := decodeCHString(rest)
		rest, okSep := strings.CutPrefix(rest, ", ")
		v2, rest, ok2 := decodeCHString(rest)
		if !ok1 || !okSep || !ok2 || v1 != s || v2 != s || rest != "]" {
			t.Fatalf("array %q does not hold two literals of %q", arr, s)
		}
	})
}

// numberTemplate puts number placeholders after -, / and [, with a line
// comment, a string literal and a block comment holding `?` after them.
// The statement is numberTemplate's pieces joined by the literals.
var numberTemplate = []string{
	"SELECT 10-", " AS a, 1/", " AS b, -", " AS c, 2-", "-", " AS d, [", ", -",
	"] AS e -- ?\n, '-?' AS f, x IN (", ") AS g, ", " /* ? */",
}

// numberTemplateArgs are the args of numberTemplate.
func numberTemplateArgs(n int64, x float64) []any {
	return []any{n, x, n, x, n, n, x, n, float32(x)}
}

// checkBoundNumbers binds n and x into numberTemplate and checks that each
// literal is self-contained (it reads back as its value, and nothing in it
// can join the text before it) and that the statement has exactly the
// template's comments and string literals.
func checkBoundNumbers(t *testing.T, n int64, x float64) {
	t.Helper()
	args := numberTemplateArgs(n, x)
	out, err := Bind(strings.Join(numberTemplate, "?"), args...)
	if err != nil {
		t.Fatalf("Bind(%d, %v): %v", n, x, err)
	}
	var want strings.Builder
	var wantSpans []string
	for i, piece := range numberTemplate {
		want.WriteString(piece)
		wantSpans = append(wantSpans, sqlSpans(piece)...)
		if i == len(args) {
			break
		}
		lit, err := Bind("?", args[i])
		if err != nil {
			t.Fatal(err)
		}
		checkNumberLiteral(t, lit, args[i])
		want.WriteString(lit)
		wantSpans = append(wantSpans, sqlSpans(lit)...)
	}
	if out != want.String() {
		t.Fatalf("Bind(%d, %v) = %q, want the template with each literal in place: %q", n, x, out, want.String())
	}
	if got := sqlSpans(out); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", wantSpans) {
		t.Fatalf("statement shape changed: %q has comments and strings %q, want %q", out, got, wantSpans)
	}
}

// checkNumberLiteral checks that lit is a literal for v that no preceding
// token can join: it starts with a digit, a letter or a parenthesis (never
// a sign, '/' or '*'), and reads back as exactly v.
func checkNumberLiteral(t *testing.T, lit string, v any) {
	t.Helper()
	if lit == "" || strings.ContainsAny(lit[:1], "-+/*#.") {
		t.Fatalf("literal %q for %v can join the token before it", lit, v)
	}
	text := lit
	if inner, ok := strings.CutPrefix(text, "("); ok {
		var closed bool
		if text, closed = strings.CutSuffix(inner, ")"); !closed || !strings.HasPrefix(text, "-") || strings.ContainsAny(text, "()") {
			t.Fatalf("literal %q for %v: unbalanced or needless parentheses", lit, v)
		}
	} else if strings.HasPrefix(text, "-") {
		t.Fatalf("negative literal %q not in parentheses", lit)
	}
	if inner, ok := strings.CutPrefix(text, "toFloat64('"); ok {
		text, _ = strings.CutSuffix(inner, "')")
	}
	switch v := v.(type) {
	case int64:
		if got, err := strconv.ParseInt(text, 10, 64); err != nil || got != v {
			t.Fatalf("literal %q reads as %v (%v), want %d", lit, got, err, v)
		}
	case float64, float32:
		var want float64
		bits := 64
		if f, ok := v.(float32); ok {
			want, bits = float64(f), 32
		} else {
			want = v.(float64)
		}
		got, err := strconv.ParseFloat(text, bits)
		if err != nil || math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("literal %q reads as %v (%v), want %v", lit, got, err, want)
		}
	default:
		t.Fatalf("unexpected arg %T", v)
	}
}

// sqlSpans lists the comments and quoted tokens of a statement as
// ClickHouse's lexer finds them ('...', "...", `...` with backslash escapes
// and doubled quotes; -- and # to end of line; /* ... */). It is written
// independently of Bind's scanner, so a literal that merges with the text
// around it (10- and -5 making the comment --5) shows up as a new span.
func sqlSpans(q string) []string {
	var spans []string
	for i := 0; i < len(q); {
		c := q[i]
		start := i
		switch {
		case c == '\'' || c == '"' || c == '`':
			i++
			for i < len(q) {
				if q[i] == '\\' {
					i += 2
					continue
				}
				if q[i] == c {
					if i+1 < len(q) && q[i+1] == c {
						i += 2
						continue
					}
					break
				}
				i++
			}
			i = min(i+1, len(q))
		case c == '#' || c == '-' && strings.HasPrefix(q[i:], "--"):
			if nl := strings.IndexByte(q[i:], '\n'); nl >= 0 {
				i += nl + 1
			} else {
				i = len(q)
			}
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			if end := strings.Index(q[i+2:], "*/"); end >= 0 {
				i += 2 + end + 2
			} else {
				i = len(q)
			}
		default:
			i++
			continue
		}
		spans = append(spans, q[start:i])
	}
	return spans
}

func TestBoundNumbersKeepShape(t *testing.T) {
	for _, n := range []int64{0, 5, -5, math.MinInt64} {
		for _, x := range []float64{0, math.Copysign(0, -1), -1.5, math.Inf(-1), math.NaN(), -5e-324} {
			checkBoundNumbers(t, n, x)
		}
	}
	// The reviewer's case: the minus of the template and of the value must
	// not make a comment that drops the rest of the line.
	out, err := Bind("SELECT 10-? AS a, ? AS b", -5, -5)
	if err != nil || out != "SELECT 10-(-5) AS a, (-5) AS b" || len(sqlSpans(out)) != 0 {
		t.Errorf("Bind = %q, %v; spans %q", out, err, sqlSpans(out))
	}
}
