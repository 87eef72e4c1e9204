package analytics

import "strings"

// frag is a piece of SQL with the values bound to its `?` placeholders, in
// text order. Builders compose fragments by appending, so the args of a
// statement always follow its placeholders.
type frag struct {
	sql  string
	args []any
}

// query accumulates a statement.
type query struct {
	sb   strings.Builder
	args []any
}

// add appends SQL text and the values of its placeholders.
func (q *query) add(sql string, args ...any) {
	q.sb.WriteString(sql)
	q.args = append(q.args, args...)
}

// nest appends a fragment indented by one level, as the body of a
// parenthesised subquery.
func (q *query) nest(f frag) {
	q.sb.WriteString(indent(f.sql))
	q.args = append(q.args, f.args...)
}

func (q *query) frag() frag { return frag{sql: q.sb.String(), args: q.args} }

// indent prefixes every line of s with four spaces.
func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// Interval classification, shared by every sprint builder. Each expression
// reads one membership interval (entered, exited, done_at_leaving) next to
// its sprint's window: start_at = t0, end_at = t1, closing = the sprint is
// closed (so t1 is its completeDate) and grace = its carry-over grace in
// seconds: exits in [t1 - grace, t1] of a closed sprint are the completion
// move-out (carry-over), not removals. The grace is the source's rule,
// stored with the sprint at ingest (Jira: 60 s, since Jira writes the
// move-out a few seconds before completeDate), so this SQL knows no
// vendor. exited is Nullable; every use is guarded so the flags are plain
// UInt8 on both ClickHouse versions.
var (
	// In the sprint at t0: counts toward committed.
	exprInT0 = "entered <= start_at AND (isNull(exited) OR assumeNotNull(exited) > start_at)"
	// Entered in (t0, t1]: added, once per entry.
	exprAdded = "entered > start_at AND entered <= end_at"
	// Left in (t0, t1], other than the completion move-out of a closed sprint.
	exprExit = "isNotNull(exited) AND assumeNotNull(exited) > start_at AND assumeNotNull(exited) <= end_at" +
		"\n    AND NOT (closing AND assumeNotNull(exited) >= end_at - grace)"
	// A counted removal: an exit of an issue that was not done when it left.
	exprRemoved = exprExit + " AND done_at_leaving = 0"
	// In the sprint at t1 (the completion move-out counts as still in).
	exprInT1 = "entered <= end_at AND (isNull(exited) OR assumeNotNull(exited) > end_at" +
		"\n    OR (closing AND assumeNotNull(exited) >= end_at - grace))"
	// In a done status category at t1: st is the status history
	// sorted by time, then by its position in the changelog (history ids
	// grow; the creation-time 'initial' row reads 0), [(at, seq, is_done)]:
	// the last entry at or before t1 decides, so Done then Reopened within
	// one second reads as reopened, as the changelog says.
	// An issue without history (st = []) reads the default tuple: not done.
	exprDoneT1 = "tupleElement(arrayElement(st, arrayCount(x -> tupleElement(x, 1) <= end_at, st)), 3) = 1"
)

// daysBetween renders (b - a) in days as Float64; NULL when either is NULL.
func daysBetween(a, b string) string {
	return "(toFloat64(toUInt32(" + b + ")) - toFloat64(toUInt32(" + a + "))) / 86400"
}
