// Package analytics holds the warehouse queries behind the API's reports:
// sprint reports with their issue-level scope events, scope-change rollups
// and duration rollups. Each query is built by a pure function returning
// (sql, args), tested on its exact text, and run by a thin function that
// scans the result into structs; the same SQL runs on ClickHouse 18.16 (the
// server) and 26.7 (embedded), and the result tests check both.
//
// Sprint reports take two statements: the page of sprints with their
// windows, then the scope metrics of the started ones, with the windows
// bound as arrays, so that no statement re-reads the sprints for each
// subquery that needs them. The values derived from a row (start, planned
// and actual days, rates) are computed in Go, in Float64 exactly as the
// SQL would.
//
// # Definitions (DESIGN.md §5)
//
// A sprint's window is [t0, t1]: t0 = activatedDate, else startDate; t1 =
// completeDate for a closed sprint, else now (a parameter, for
// deterministic answers). Scope is read from membership intervals, one per
// entry of an issue into a sprint (entered, exited or NULL while still in,
// done at leaving), in one pass per sprint:
//
//   - committed C: distinct issues with an interval entered <= t0 and not
//     exited by t0;
//   - added A: intervals entered in (t0, t1] (an issue re-entering counts
//     again);
//   - removed R: intervals exited in (t0, t1] while not done, except exits
//     within 60 s before a closed sprint's completeDate: that is Jira moving
//     unfinished issues out as the sprint completes, i.e. carry-over;
//   - in the sprint at t1: intervals entered <= t1 and not exited by t1
//     (completion move-outs count as still in);
//   - completed D: distinct issues in the sprint at t1 whose status category
//     at t1 (the last status change at or before t1) is done; carried over:
//     in the sprint at t1 and not done.
//
// Rates: scope change (A+R)/C, added A/C, net change (A-R)/C, planning
// accuracy (committed issues in the sprint and done at t1)/C, completion
// D/(C+A-R). C = 0 makes every rate null (completion also when C+A-R <= 0).
//
// Future sprints have no t0: nothing has been committed yet, so their
// counts are 0 and their actual days and rates null; they are listed by
// Sprints (unless a time filter is given) and left out of every rollup.
//
// # SQL dialect
//
// Statements use only what both ClickHouse versions understand (DESIGN.md
// §3): FINAL on every ReplacingMergeTree read, explicit ALL INNER / ANY
// LEFT strictness, JOIN ... USING on equal column names with an alias on
// every joined subquery, one JOIN per SELECT level (18.16 has no multiple
// joins), aggregates cast to explicit types, arrays instead of window
// functions (the status at t1 is found in a per-issue sorted array of
// (at, changelog position, is_done)), aliases that never shadow a column an
// aggregate reads, and
// values bound through `?` only. Group-by and sort SQL comes from fixed
// allow-lists.
//
// The same statements run on a cluster (storage.cluster), where every
// table is Distributed: a FINAL read is never ordered or LIMIT BY'd at its
// own level (18.16 then loses columns merging the shards' streams; order
// it outside), and the cluster's DB makes every join and IN subquery
// GLOBAL (warehouse.Globalize).
package analytics
