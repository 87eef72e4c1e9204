package warehouse

import (
	"strings"
	"testing"
)

func TestDescribeStatement(t *testing.T) {
	for _, c := range []struct{ query, want string }{
		{"SELECT 1", "SELECT"},
		{"select count() FROM runway.issues FINAL WHERE source = ?", "SELECT (table runway.issues)"},
		{"SELECT * FROM (SELECT a FROM runway.t) AS s JOIN runway.u AS u USING a", "SELECT (table runway.t)"},
		{"CREATE TABLE IF NOT EXISTS runway.sprints (a Int64) ENGINE = MergeTree ORDER BY a", "CREATE (table runway.sprints)"},
		{"INSERT INTO runway.t (a, b) VALUES ", "INSERT (table runway.t)"},
		{"DROP DATABASE IF EXISTS t_x_1", "DROP (database t_x_1)"},
		{"  -- a comment FROM secret\n(SELECT 'FROM x' FROM runway.y)", "SELECT (table runway.y)"},
		{"SELECT ? FROM FROM", "SELECT"},
		{"", "statement"},
	} {
		if got := describeStatement(c.query); got != c.want {
			t.Errorf("describeStatement(%q) = %q, want %q", c.query, got, c.want)
		}
	}
}

func TestParseEngineMessage(t *testing.T) {
	const marker = "SECRET-MARKER-123"
	for _, c := range []struct{ text, template, want string }{
		{"Code: 60. DB::Exception: Unknown table expression identifier 'db.nope' in scope SELECT * FROM db.nope WHERE s = '" + marker + "'. (UNKNOWN_TABLE)",
			"SELECT * FROM db.nope WHERE s = ?", "Code: 60 UNKNOWN_TABLE (mentions db.nope)"},
		{"Code: 6. DB::Exception: Cannot parse string '" + marker + "' as Int64: syntax error at begin of string. (CANNOT_PARSE_TEXT)",
			"SELECT toInt64(?)", "Code: 6 CANNOT_PARSE_TEXT"},
		// A name the map does not know comes from the message's suffix.
		{"Code: 9999. DB::Exception: something about " + marker + ". (SOME_NEW_ERROR) (version 26.7.3.1)", "SELECT ?", "Code: 9999 SOME_NEW_ERROR"},
		// The map wins over whatever the message ends with.
		{"Code: 62. DB::Exception: Syntax error: failed at position 8 (" + marker + ") (AB)", "SELECT ?", "Code: 62 SYNTAX_ERROR"},
		{"Code: 16. DB::Exception: No such column nope in table db.t (a6cad877-c13c). (NO_SUCH_COLUMN_IN_TABLE)",
			"INSERT INTO db.t (a, nope) VALUES ", "Code: 16 NO_SUCH_COLUMN_IN_TABLE (mentions nope, db.t)"},
		// Words of the message that are data (not in the template) are never named.
		{"Code: 47. DB::Exception: Missing columns: 'a_secret' 'nosuch' while processing query: 'SELECT nosuch FROM db.t'",
			"SELECT nosuch FROM db.t WHERE x = ?", "Code: 47 UNKNOWN_IDENTIFIER (mentions nosuch)"},
		{"DB::Exception: no code at all " + marker, "SELECT ?", "engine error without a code (message withheld: it may quote data)"},
	} {
		got := parseEngineMessage(c.text, c.template).Error()
		if got != c.want {
			t.Errorf("parseEngineMessage(%q) = %q, want %q", c.text, got, c.want)
		}
		if strings.Contains(got, marker) {
			t.Errorf("parseEngineMessage(%q) = %q quotes the data", c.text, got)
		}
	}
}

func TestSharedNames(t *testing.T) {
	// Literals of the template are not code names, and at most
	// maxNamesInError names are listed.
	got := sharedNames("x 'done' aa bb cc dd ee status_id", "SELECT aa, bb, cc, dd, ee, status_id FROM t WHERE s = 'done'")
	if strings.Join(got, ",") != "aa,bb,cc,dd" {
		t.Errorf("sharedNames = %q", got)
	}
}
