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
		{"int", -7, "-7"},
		{"int8", int8(-128), "-128"},
		{"int16", int16(32767), "32767"},
		{"int32", int32(-2147483648), "-2147483648"},
		{"int64 min", int64(math.MinInt64), "-9223372036854775808"},
		{"uint", uint(7), "7"},
		{"uint8", uint8(255), "255"},
		{"uint16", uint16(65535), "65535"},
		{"uint32", uint32(4294967295), "4294967295"},
		{"uint64 max", uint64(math.MaxUint64), "18446744073709551615"},
		{"*int64", &i64, "-42"},
		{"**int64", &pi64, "-42"},
		{"float64", 1.5, "1.5"},
		{"float64 large", 1e100, "1e+100"},
		{"float64 small", 1e-300, "1e-300"},
		{"float64 subnormal", 5e-324, "toFloat64('5e-324')"},
		{"float64 zero", 0.0, "0"},
		{"float64 max", math.MaxFloat64, "1.7976931348623157e+308"},
		{"float32", float32(0.1), "0.1"},
		{"*float64", &f64, "2.5"},
		{"NaN", math.NaN(), "nan"},
		{"+Inf", math.Inf(1), "inf"},
		{"-Inf", math.Inf(-1), "-inf"},
		{"time UTC", tm, "toDateTime('2024-01-02 03:04:05', 'UTC')"},
		{"time other zone", time.Date(2024, 1, 2, 3, 4, 5, 999, tokyo), "toDateTime('2024-01-01 18:04:05', 'UTC')"},
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

// FuzzBind checks that no bound string can change the statement around it:
// the rendered statement must be the template's text, exactly one string
// literal decoding to the value, then the rest of the template untouched.
func FuzzBind(f *testing.F) {
	for _, s := range []string{
		"", "a", "'", "''", `\`, `\\`, `\'`, `\\'`, `'\`, "?", "??", "'?'",
		"\x00", "a\x00b", "\n", "\r\n", "\t", "\x1a", "\x7f", "\xff", "\xc3\x28",
		"é", "日本語", "😀", "\u2028\u2029", "-- x", "/* x */", "# x", "$$", "$x$",
		"', 1) -- ", `\x27`, `\'; DROP TABLE t; --`, "'; DROP TABLE t; --",
		"NULL", `\N`, "\\\n", "x\\", strings.Repeat(`\'`, 10),
	} {
		f.Add(s)
	}
	const prefix, suffix = "SELECT ", ", 'x?' -- ?"
	f.Fuzz(func(t *testing.T, s string) {
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
