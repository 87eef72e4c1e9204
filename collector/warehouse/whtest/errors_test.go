package whtest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestErrorsCarryNoData: a failed Insert or Query names the operation, the
// table and ClickHouse's code, but never a bound value or row (DESIGN.md §3:
// errors are stored in collector_runs.error and served by the API), though
// ClickHouse's own messages and clickhouse-go's quote them.
func TestErrorsCarryNoData(t *testing.T) {
	const marker = "SECRET-MARKER-123"
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := testContext(t)
		backend := db.Backend() + ": "
		if err := db.Exec(ctx, "CREATE TABLE {db}.secrets (a Int64, s String, e Enum8('x' = 1), at DateTime('UTC')) ENGINE = MergeTree ORDER BY a"); err != nil {
			t.Fatal(err)
		}
		check := func(what string, err error, want ...string) {
			t.Helper()
			if err == nil {
				t.Errorf("%s: no error", what)
				return
			}
			msg := err.Error()
			t.Logf("%s: %s", what, msg)
			if strings.Contains(msg, marker) || strings.Contains(msg, "0202-03-01") {
				t.Errorf("%s: error quotes the data: %q", what, msg)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("%s: error is not one line: %q", what, msg)
			}
			for _, w := range append([]string{backend}, want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("%s: error %q does not contain %q", what, msg, w)
				}
			}
		}
		ok := []any{int64(1), "fine", "x"}
		cols := []string{"a", "s", "e"}

		// The engine (chdb) or the driver (clickhouse-go) quotes the value
		// it cannot take.
		check("Insert of an unknown enum element", db.Insert(ctx, "secrets", cols, [][]any{ok, {int64(2), marker, marker}}),
			"insert into secrets: ")
		check("Insert of text into Int64", db.Insert(ctx, "secrets", []string{"s", "a"}, [][]any{{"fine", "1"}, {marker, marker}}),
			"insert into secrets: ")
		check("Insert into a missing column", db.Insert(ctx, "secrets", []string{"a", "nope"}, [][]any{{int64(1), marker}}),
			"insert into secrets: ", "Code: 16 NO_SUCH_COLUMN_IN_TABLE (mentions nope")
		check("Insert into a missing table", db.Insert(ctx, "no_secrets", []string{"a"}, [][]any{{marker}}),
			"insert into no_secrets: ", "Code: 60 UNKNOWN_TABLE")
		check("Insert of a time DateTime cannot hold", db.Insert(ctx, "secrets", []string{"s", "at"},
			[][]any{{marker, time.Unix(0, 0)}, {marker, time.Date(202, 3, 1, 0, 0, 0, 0, time.UTC)}}),
			"insert into secrets: row 1 column at: ", "outside DateTime's range")
		if n := count(t, ctx, db, "SELECT count() FROM {db}.secrets"); n != 0 {
			t.Errorf("failed inserts wrote %d rows", n)
		}

		for _, q := range []struct {
			query string
			want  []string
		}{
			{"SELECT count() FROM {db}.secrets WHERE a = toInt64(?)", []string{"query SELECT (table " + db.Database() + ".secrets): Code: 6 CANNOT_PARSE_TEXT"}},
			{"SELECT CAST(? AS Enum8('x' = 1)) FROM {db}.secrets", []string{"query SELECT (table " + db.Database() + ".secrets): Code: "}},
			{"SELECT nosuchcolumn FROM {db}.secrets WHERE s = ?", []string{"Code: 47 UNKNOWN_IDENTIFIER (mentions nosuchcolumn)"}},
			{"SELECT * FROM {db}.no_secrets WHERE s = ?", []string{"Code: 60 UNKNOWN_TABLE (mentions " + db.Database() + ".no_secrets)"}},
			{"SELECT 1 + , ? FROM {db}.secrets", []string{"Code: 62 SYNTAX_ERROR"}},
		} {
			_, err := db.Query(ctx, q.query, marker)
			check("Query "+q.query, err, q.want...)
		}
		_, err := db.Query(ctx, "SELECT count() FROM {db}.secrets WHERE a = ?", time.Date(202, 3, 1, 0, 0, 0, 0, time.UTC))
		check("Query binding a time DateTime cannot hold", err, "query SELECT (table "+db.Database()+".secrets): arg 1: ", "outside DateTime's range")
	})
}
