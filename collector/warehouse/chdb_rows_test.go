package warehouse

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestJSONRowsDecoding(t *testing.T) {
	out := []byte("[\"s\", \"u\", \"f\", \"t\", \"a\"]\n" +
		"[\"String\", \"UInt64\", \"Nullable(Float64)\", \"DateTime('Asia\\/Tokyo')\", \"Array(Nullable(Int64))\"]\n" +
		"[\"a\\u0000\\/\\ud83d\\ude00\xff\\\"\", \"18446744073709551615\", \"-inf\", \"2024-01-02 12:04:05\", [\"1\", null]]\n" +
		"[\"\", 5, null, \"1970-01-01 09:00:00\", []]\n")
	rows, err := newJSONRows(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		var u uint64
		var f *float64
		var tm time.Time
		var a any
		if err := rows.Scan(&s, &u, &f, &tm, &a); err != nil {
			t.Fatal(err)
		}
		fs := "nil"
		if f != nil {
			fs = fmt.Sprint(*f)
		}
		got = append(got, fmt.Sprintf("%q %d %s %s %v", s, u, fs, tm.Format(time.RFC3339), a))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"\"a\\x00/😀\\xff\\\"\" 18446744073709551615 -Inf 2024-01-02T03:04:05Z [1 <nil>]",
		"\"\" 5 nil 1970-01-01T00:00:00Z []",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, bad := range []string{"[\"a\"]\n[\"Int64\"]\n[\"x\"]\n", "[\"a\"]\n[\"Int64\"]\n[1, 2]\n", "[\"a\"]\n[\"String\"]\n[\"unterminated]\n"} {
		rows, err := newJSONRows([]byte(bad))
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
		}
		if err == nil {
			t.Errorf("no error decoding %q", bad)
		}
	}
}
