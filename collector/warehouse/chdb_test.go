package warehouse

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The embedded tests run against the real libchdb, named by CHDB_LIB_PATH.
// chDB holds one engine per process, so the whole test binary shares one
// data folder, opened on first use and removed by TestMain; cases are
// isolated by database name. Tests that need a fresh process (another TZ, no
// library, closing the engine) re-execute the test binary for one test with
// childTestEnv set.

const childTestEnv = "RUNWAY_CHDB_TEST_CHILD"

var store struct {
	once sync.Once
	dir  string
	db   DB // held open for the whole run so the engine stays up
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if store.db != nil {
		store.db.Close()
	}
	if store.dir != "" {
		os.RemoveAll(store.dir)
	}
	os.Exit(code)
}

// sharedStore returns the test binary's data folder, opening the shared
// engine on first use (so tests that do not need it, like the Bind tests and
// fuzzing, run without the library). A missing library fails the test, never
// skips it: the embedded backend is the default, so its tests must run.
func sharedStore(tb testing.TB) string {
	tb.Helper()
	store.once.Do(func() {
		if store.dir, store.err = os.MkdirTemp("", "runway-chdb-test-"); store.err == nil {
			store.db, store.err = Open(context.Background(), "chdb://"+store.dir+"?database=shared")
		}
	})
	if store.err != nil {
		tb.Fatalf("embedded ClickHouse tests need libchdb %s: set CHDB_LIB_PATH=/path/to/libchdb.so (the Makefile downloads it): %v",
			chdbVersion, store.err)
	}
	return store.dir
}

// openTestDB opens a handle on the shared engine bound to database name,
// dropped and closed when the test ends.
func openTestDB(tb testing.TB, name string) DB {
	tb.Helper()
	dir := sharedStore(tb)
	db, err := Open(context.Background(), "chdb://"+dir+"?database="+name)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Exec(context.Background(), "DROP DATABASE IF EXISTS {db}"); err != nil {
			tb.Errorf("drop %s: %v", name, err)
		}
		db.Close()
	})
	return db
}

// runChild re-runs this test binary for one test with extra environment and
// returns its output and whether it succeeded.
func runChild(t *testing.T, test string, env ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), append(env, childTestEnv+"=1")...)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// childOnly skips a test body meant to run only in a child process.
func childOnly(t *testing.T) {
	if os.Getenv(childTestEnv) == "" {
		t.Skip("runs in a child process")
	}
}

func mustExec(t *testing.T, db DB, query string, args ...any) {
	t.Helper()
	if err := db.Exec(context.Background(), query, args...); err != nil {
		t.Fatalf("exec %q: %v", query, err)
	}
}

// queryRow runs query and scans its single row into dest.
func queryRow(t *testing.T, db DB, query string, args []any, dest ...any) {
	t.Helper()
	rows, err := db.Query(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("query %q: no row (err %v)", query, rows.Err())
	}
	if err := rows.Scan(dest...); err != nil {
		t.Fatalf("scan %q: %v", query, err)
	}
	if rows.Next() {
		t.Fatalf("query %q: more than one row", query)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
}

// nastyStrings must survive Insert, Bind and the Native result decoding.
var nastyStrings = []string{
	"", "plain", "it's", `back\slash`, `\'`, `\\'`, `'; DROP TABLE x; --`, "?", "'?'",
	"a\x00b", "\x00", "line1\nline2", "tab\there", "cr\r\n", "\x01\x1f\x7f", "\x1b[31mred",
	"é", "日本語", "😀 emoji", "\u2028\u2029", `"double"`, "`back`", "/* c */", "-- c", "# c",
	"$$", `{"json": [1, "x"]}`, "\\u0000", "\xff\xfe invalid utf8", strings.Repeat("long ", 2000),
}

func TestEmbeddedOpen(t *testing.T) {
	dir := sharedStore(t)
	db, err := Open(context.Background(), "chdb://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		db.Exec(context.Background(), "DROP DATABASE IF EXISTS {db}")
		db.Close()
	}()
	if db.Backend() != "chdb" || db.Database() != "runway" {
		t.Errorf("Backend, Database = %q, %q; want chdb, runway", db.Backend(), db.Database())
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int64
	queryRow(t, db, "SELECT count() FROM system.databases WHERE name = ?", []any{"runway"}, &n)
	if n != 1 {
		t.Errorf("database runway not created")
	}
	var tz string
	queryRow(t, db, "SELECT timezone()", nil, &tz)
	if tz != "UTC" {
		t.Errorf("session timezone = %q, want UTC", tz)
	}
}

func TestParseEmbeddedDSN(t *testing.T) {
	cwd, _ := os.Getwd()
	cases := []struct {
		dsn, path, db string
	}{
		{"chdb:///var/lib/runway", "/var/lib/runway", "runway"},
		{"chdb:///var/lib/runway/?database=r2", "/var/lib/runway", "r2"},
		{"chdb://./data/dir", filepath.Join(cwd, "data/dir"), "runway"},
		{"chdb://data", filepath.Join(cwd, "data"), "runway"},
		{"chdb://../up?database=_x1", filepath.Join(filepath.Dir(cwd), "up"), "_x1"},
	}
	for _, c := range cases {
		path, db, err := parseEmbeddedDSN(c.dsn)
		if err != nil || path != c.path || db != c.db {
			t.Errorf("parseEmbeddedDSN(%q) = %q, %q, %v; want %q, %q", c.dsn, path, db, err, c.path, c.db)
		}
	}
	for _, dsn := range []string{"chdb://", "chdb://?database=x", "chdb:///x?database=a-b",
		"chdb:///x?database=a;DROP", "chdb:///x?db=x", "chdb:///x?database=%zz", "clickhouse:///x"} {
		if _, _, err := parseEmbeddedDSN(dsn); !errors.Is(err, ErrBadDSN) {
			t.Errorf("parseEmbeddedDSN(%q): err = %v, want ErrBadDSN", dsn, err)
		}
	}
}

func TestEmbeddedInsertTypes(t *testing.T) {
	db := openTestDB(t, "chdb_insert_types")
	mustExec(t, db, `CREATE TABLE {db}.all_types (
		source String,
		id Int64,
		n UInt64,
		flag UInt8,
		score Float64,
		at DateTime('UTC'),
		done Nullable(DateTime('UTC')),
		ratio Nullable(Float64),
		labels Array(String),
		ids Array(Int64),
		version UInt64
	) ENGINE = ReplacingMergeTree(version) ORDER BY (source, id)`)

	cols := []string{"source", "id", "n", "flag", "score", "at", "done", "ratio", "labels", "ids", "version"}
	tokyo := time.FixedZone("JST", 9*3600)
	at := time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)
	done := time.Date(2024, 3, 1, 8, 0, 0, 0, tokyo) // 2024-02-29 23:00:00 UTC
	ratio := 0.25
	nan, inf := math.NaN(), math.Inf(1)
	type row struct {
		source string
		id     int64
		n      uint64
		flag   uint8
		score  float64
		at     time.Time
		done   *time.Time
		ratio  *float64
		labels []string
		ids    []int64
	}
	want := []row{
		{"a", 1, 0, 0, 0, time.Unix(0, 0).UTC(), nil, nil, []string{}, []int64{}},
		{"a", 2, math.MaxUint64, 255, -1.5e-300, at, &done, &ratio, []string{"x", "it's", ""}, []int64{math.MinInt64, 0, math.MaxInt64}},
		{"b", math.MinInt64, 42, 1, math.MaxFloat64, at.In(tokyo), nil, &nan, []string{"\x00\n"}, []int64{-1}},
		{"b", math.MaxInt64, 7, 1, math.Inf(-1), at, &done, &inf, nil, nil},
		{"c", 3, 1, 0, nan, at, nil, &ratio, nastyStrings, []int64{1}},
	}
	var rows [][]any
	for _, r := range want {
		rows = append(rows, []any{r.source, r.id, r.n, r.flag, r.score, r.at, r.done, r.ratio, r.labels, r.ids, uint64(1)})
	}
	// A stale version of row a/1 first: ReplacingMergeTree keeps the newest.
	stale := []any{"a", int64(1), uint64(99), uint8(1), 9.0, at, &done, &ratio, []string{"old"}, []int64{9}, uint64(0)}
	ctx := context.Background()
	if err := db.Insert(ctx, "all_types", cols, [][]any{stale}); err != nil {
		t.Fatal(err)
	}
	if err := db.Insert(ctx, "all_types", cols, rows); err != nil {
		t.Fatal(err)
	}

	rs, err := db.Query(ctx, "SELECT source, id, n, flag, score, at, done, ratio, labels, ids FROM {db}.all_types FINAL ORDER BY source, id")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if got := strings.Join(rs.Columns(), ","); got != "source,id,n,flag,score,at,done,ratio,labels,ids" {
		t.Errorf("Columns = %s", got)
	}
	sameFloat := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	i := 0
	for rs.Next() {
		var g row
		if err := rs.Scan(&g.source, &g.id, &g.n, &g.flag, &g.score, &g.at, &g.done, &g.ratio, &g.labels, &g.ids); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if i >= len(want) {
			t.Fatalf("extra row %+v", g)
		}
		w := want[i]
		i++
		if g.source != w.source || g.id != w.id || g.n != w.n || g.flag != w.flag || !sameFloat(g.score, w.score) {
			t.Errorf("row %d scalars = %v %v %v %v %v, want %v %v %v %v %v", i, g.source, g.id, g.n, g.flag, g.score, w.source, w.id, w.n, w.flag, w.score)
		}
		if !g.at.Equal(w.at) || g.at.Location() != time.UTC {
			t.Errorf("row %d at = %v, want %v in UTC", i, g.at, w.at)
		}
		if (g.done == nil) != (w.done == nil) || g.done != nil && !g.done.Equal(*w.done) {
			t.Errorf("row %d done = %v, want %v", i, g.done, w.done)
		}
		if (g.ratio == nil) != (w.ratio == nil) || g.ratio != nil && !sameFloat(*g.ratio, *w.ratio) {
			t.Errorf("row %d ratio = %v, want %v", i, g.ratio, w.ratio)
		}
		if fmt.Sprintf("%q", g.labels) != fmt.Sprintf("%q", append([]string{}, w.labels...)) {
			t.Errorf("row %d labels = %q, want %q", i, g.labels, w.labels)
		}
		if fmt.Sprint(g.ids) != fmt.Sprint(append([]int64{}, w.ids...)) {
			t.Errorf("row %d ids = %v, want %v", i, g.ids, w.ids)
		}
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(want) {
		t.Errorf("read %d rows, want %d", i, len(want))
	}
}

func TestEmbeddedStringsRoundTrip(t *testing.T) {
	db := openTestDB(t, "chdb_strings")
	mustExec(t, db, "CREATE TABLE {db}.s (id Int64, s String) ENGINE = MergeTree ORDER BY id")
	var rows [][]any
	for i, s := range nastyStrings {
		rows = append(rows, []any{int64(i), s})
	}
	if err := db.Insert(context.Background(), "s", []string{"id", "s"}, rows); err != nil {
		t.Fatal(err)
	}
	for i, s := range nastyStrings {
		// Through Insert and the result decoder.
		var got string
		var n int64
		queryRow(t, db, "SELECT s, length(s) FROM {db}.s WHERE id = ?", []any{int64(i)}, &got, &n)
		if got != s || n != int64(len(s)) {
			t.Errorf("stored %q came back as %q (length %d)", s, got, n)
		}
		// Through Bind in a WHERE: the literal matches exactly that row.
		var id int64
		queryRow(t, db, "SELECT id FROM {db}.s WHERE s = ? AND id >= ?", []any{s, 0}, &id)
		if id != int64(i) {
			t.Errorf("WHERE s = %q matched id %d, want %d", s, id, i)
		}
		// Through Bind as a value.
		var echo string
		queryRow(t, db, "SELECT ?", []any{s}, &echo)
		if echo != s {
			t.Errorf("SELECT %q returned %q", s, echo)
		}
	}
	var arr []string
	queryRow(t, db, "SELECT ?", []any{nastyStrings}, &arr)
	if fmt.Sprintf("%q", arr) != fmt.Sprintf("%q", nastyStrings) {
		t.Errorf("array round trip = %q", arr)
	}
}

func TestEmbeddedBindLiterals(t *testing.T) {
	db := openTestDB(t, "chdb_bind")
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	var (
		i8                  int64
		u64                 uint64
		f, sub, nan, inf    float64
		b                   bool
		tm                  time.Time
		null                *string
		strs                []string
		ints                []int64
		emptyS              []string
		emptyI              []int64
		emptyU, someU, hasX any
	)
	queryRow(t, db, "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, has(?, 'x')",
		[]any{int8(-8), uint64(math.MaxUint64), 0.1, 5e-324, math.NaN(), math.Inf(-1), true, at, nil,
			[]string{"a", "b"}, []int64{-1, 2}, []string{}, []int64{}, []uint64{}, []uint64{math.MaxUint64}, []string{}},
		&i8, &u64, &f, &sub, &nan, &inf, &b, &tm, &null, &strs, &ints, &emptyS, &emptyI, &emptyU, &someU, &hasX)
	if i8 != -8 || u64 != math.MaxUint64 || f != 0.1 || sub != 5e-324 || !math.IsNaN(nan) || !math.IsInf(inf, -1) || !b {
		t.Errorf("scalars = %v %v %v %v %v %v %v", i8, u64, f, sub, nan, inf, b)
	}
	if !tm.Equal(at) || null != nil {
		t.Errorf("time, null = %v, %v", tm, null)
	}
	if fmt.Sprint(strs, ints, emptyS, emptyI, emptyU, someU, hasX) != "[a b] [-1 2] [] [] [] [18446744073709551615] 0" {
		t.Errorf("arrays = %v %v %v %v %v %v %v", strs, ints, emptyS, emptyI, emptyU, someU, hasX)
	}
}

// TestEmbeddedResultTypes covers the conversion of each ClickHouse result
// type into the backend-neutral values.
func TestEmbeddedResultTypes(t *testing.T) {
	db := openTestDB(t, "chdb_result_types")
	rows, err := db.Query(context.Background(), `SELECT
		toUInt8(255), toInt32(-5), toUInt32(4294967295), toInt64(-9223372036854775808),
		toUInt64(18446744073709551615), toFloat32(1.5), nan, -inf,
		toDateTime('2024-01-02 03:04:05', 'UTC'), toDateTime('2024-01-02 12:04:05', 'Asia/Tokyo'),
		toDateTime('2024-01-02 03:04:05'), toDate('2024-02-03'),
		CAST('b' AS Enum8('a' = 1, 'b' = 2)), toLowCardinality('lc'),
		CAST(NULL AS Nullable(String)), CAST('x' AS Nullable(String)), NULL,
		[1, 2], [[1], []], ['a', NULL], true, toDecimal64(1.25, 2),
		toDateTime64('2024-01-02 03:04:05.123', 3, 'UTC'), (1, 'x')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	got := make([]any, len(rows.Columns()))
	dest := make([]any, len(got))
	for i := range got {
		dest[i] = &got[i]
	}
	if err := rows.Scan(dest...); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	want := []any{
		int64(255), int64(-5), int64(4294967295), int64(math.MinInt64),
		uint64(math.MaxUint64), 1.5, "NaN", math.Inf(-1),
		ts, ts, ts, time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC),
		"b", "lc", nil, "x", nil,
		[]any{int64(1), int64(2)}, []any{[]any{int64(1)}, []any{}}, []any{"a", nil}, true, 1.25,
		ts.Add(123 * time.Millisecond), []any{int64(1), "x"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d columns, want %d", len(got), len(want))
	}
	for i := range want {
		g := got[i]
		if f, ok := g.(float64); ok && math.IsNaN(f) {
			g = "NaN"
		}
		if tm, ok := g.(time.Time); ok && tm.Location() != time.UTC {
			t.Errorf("column %d (%s): time %v not in UTC", i, rows.Columns()[i], tm)
		}
		if fmt.Sprintf("%#v", g) != fmt.Sprintf("%#v", want[i]) {
			t.Errorf("column %d (%s) = %#v, want %#v", i, rows.Columns()[i], g, want[i])
		}
	}
}

func TestEmbeddedErrors(t *testing.T) {
	db := openTestDB(t, "chdb_errors")
	ctx := context.Background()
	long := "SELECT nosuchcolumn FROM system.one WHERE " + strings.Repeat("1 = 1 AND ", 30) + "1 = 1"
	err := db.Exec(ctx, long)
	if err == nil {
		t.Fatal("no error for a bad statement")
	}
	// The operation, its table and the exception's code and name; never the
	// statement or the engine's message (both can quote values).
	if msg, want := err.Error(), "chdb: exec SELECT (table system.one): Code: 47 UNKNOWN_IDENTIFIER (mentions nosuchcolumn)"; msg != want {
		t.Errorf("error %q, want %q", msg, want)
	}
	var eng *engineError
	if !errors.As(err, &eng) || eng.code != 47 {
		t.Errorf("error %v does not unwrap to the engine's code 47", err)
	}
	if _, err := db.Query(ctx, "SELECT ?", struct{}{}); !errors.Is(err, ErrBind) {
		t.Errorf("bad arg: err = %v, want ErrBind", err)
	}
	if err := db.Exec(ctx, "SELECT ?, ?", 1); !errors.Is(err, ErrBind) {
		t.Errorf("arg count: err = %v, want ErrBind", err)
	}
	// Insert validates identifiers and values before running anything.
	mustExec(t, db, "CREATE TABLE {db}.v (a Int64, s String) ENGINE = MergeTree ORDER BY a")
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
		want  string
	}{
		{"v; DROP TABLE v", []string{"a"}, [][]any{{int64(1)}}, "invalid table name"},
		{"v", []string{"a", "s`"}, [][]any{{int64(1), "x"}}, "invalid column name"},
		{"v", nil, [][]any{{}}, "no columns"},
		{"v", []string{"a", "s"}, [][]any{{int64(1)}}, "has 1 values for 2 columns"},
		{"v", []string{"a", "s"}, [][]any{{1, "x"}}, "unsupported insert type int"},
		{"v", []string{"a", "s"}, [][]any{{int64(1), "x"}, {int64(2), struct{}{}}}, "row 1 column s"},
	} {
		err := db.Insert(ctx, c.table, c.cols, c.rows)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Insert(%q, %q): err = %v, want %q", c.table, c.cols, err, c.want)
		}
	}
	var n int64
	queryRow(t, db, "SELECT count() FROM {db}.v", nil, &n)
	if n != 0 {
		t.Errorf("rejected inserts wrote %d rows", n)
	}
	if err := db.Insert(ctx, "v", []string{"a", "s"}, nil); err != nil {
		t.Errorf("empty insert: %v", err)
	}
	// A cancelled context stops the call before it reaches the engine.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.Exec(cctx, "SELECT 1"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err = %v", err)
	}
	if err := db.Insert(cctx, "v", []string{"a", "s"}, [][]any{{int64(1), "x"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx insert: err = %v", err)
	}
}

func TestEmbeddedInsertChunks(t *testing.T) {
	db := openTestDB(t, "chdb_chunks")
	mustExec(t, db, "CREATE TABLE {db}.c (id Int64, s String) ENGINE = MergeTree ORDER BY id")
	// More rows than one block holds, and rows big enough to hit the byte limit.
	n := insertBlockRows*3 + 17
	rows := make([][]any, n)
	for i := range rows {
		s := "x"
		if i%1000 == 0 {
			s = strings.Repeat("y", 100_000)
		}
		rows[i] = []any{int64(i), s}
	}
	if err := db.Insert(context.Background(), "c", []string{"id", "s"}, rows); err != nil {
		t.Fatal(err)
	}
	var count, sum, bytes int64
	queryRow(t, db, "SELECT count(), sum(id), sum(length(s)) FROM {db}.c", nil, &count, &sum, &bytes)
	if count != int64(n) || sum != int64(n)*int64(n-1)/2 {
		t.Errorf("count, sum = %d, %d; want %d, %d", count, sum, n, int64(n)*int64(n-1)/2)
	}
	wantBytes := int64(n) + int64((n+999)/1000)*(100_000-1)
	if bytes != wantBytes {
		t.Errorf("total string bytes = %d, want %d", bytes, wantBytes)
	}
}

func TestEmbeddedSharing(t *testing.T) {
	dir := sharedStore(t)
	a := openTestDB(t, "chdb_share_a")
	// The same folder through a relative DSN shares the engine too.
	cwd, _ := os.Getwd()
	rel, err := filepath.Rel(cwd, dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(context.Background(), "chdb://"+rel+"?database=chdb_share_b")
	if err != nil {
		t.Fatalf("open relative %q: %v", rel, err)
	}
	defer func() {
		b.Exec(context.Background(), "DROP DATABASE IF EXISTS {db}")
		b.Close()
	}()
	engines.mu.Lock()
	refs := engines.byPath[dir].refs
	nEngines := len(engines.byPath)
	engines.mu.Unlock()
	if nEngines != 1 || refs < 3 {
		t.Errorf("engines = %d, refs = %d; want 1 engine shared by at least 3 handles", nEngines, refs)
	}
	mustExec(t, a, "CREATE TABLE {db}.x (v String) ENGINE = MergeTree ORDER BY v")
	if err := a.Insert(context.Background(), "x", []string{"v"}, [][]any{{"from a"}}); err != nil {
		t.Fatal(err)
	}
	var v string
	queryRow(t, b, "SELECT v FROM chdb_share_a.x", nil, &v)
	if v != "from a" {
		t.Errorf("b read %q", v)
	}
	// Another folder while this engine is open is refused.
	other := t.TempDir()
	_, err = Open(context.Background(), "chdb://"+other)
	if err == nil || !strings.Contains(err.Error(), "already open on "+dir) {
		t.Errorf("second folder: err = %v, want a refusal naming %s", err, dir)
	}
	// Closing one handle leaves the engine to the others.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
	queryRow(t, a, "SELECT v FROM {db}.x", nil, &v)
}

func TestEmbeddedClosed(t *testing.T) {
	db := openTestDB(t, "chdb_closed")
	h, err := Open(context.Background(), "chdb://"+sharedStore(t)+"?database=chdb_closed")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := h.Exec(ctx, "SELECT 1"); !errors.Is(err, ErrClosed) {
		t.Errorf("Exec after Close: %v", err)
	}
	if _, err := h.Query(ctx, "SELECT 1"); !errors.Is(err, ErrClosed) {
		t.Errorf("Query after Close: %v", err)
	}
	if err := h.Insert(ctx, "x", []string{"a"}, [][]any{{"a"}}); !errors.Is(err, ErrClosed) {
		t.Errorf("Insert after Close: %v", err)
	}
	if err := h.Ping(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Ping after Close: %v", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("other handle after Close: %v", err)
	}
}

// TestEmbeddedConcurrency mixes inserts and selects from 8 goroutines on one
// handle, more than the engine has connections, then closes a second
// handle while it is in use (run with -race).
func TestEmbeddedConcurrency(t *testing.T) {
	db := openTestDB(t, "chdb_concurrency")
	mustExec(t, db, `CREATE TABLE {db}.events (source String, id Int64, at DateTime('UTC'), v Float64, version UInt64)
		ENGINE = ReplacingMergeTree(version) ORDER BY (source, id)`)
	ctx := context.Background()
	const workers, rounds, batch = 8, 20, 200
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			source := fmt.Sprintf("w%d", w)
			for r := range rounds {
				rows := make([][]any, batch)
				for i := range rows {
					id := int64(r*batch + i)
					rows[i] = []any{source, id, time.Unix(1_700_000_000+id, 0), float64(id), uint64(r)}
				}
				if err := db.Insert(ctx, "events", []string{"source", "id", "at", "v", "version"}, rows); err != nil {
					errs <- err
					return
				}
				rs, err := db.Query(ctx, "SELECT count(), max(id) FROM {db}.events WHERE source = ?", source)
				if err != nil {
					errs <- err
					return
				}
				var n, maxID int64
				for rs.Next() {
					if err := rs.Scan(&n, &maxID); err != nil {
						errs <- err
					}
				}
				rs.Close()
				if want := int64((r + 1) * batch); n != want || maxID != want-1 {
					errs <- fmt.Errorf("%s round %d: count %d max %d, want %d %d", source, r, n, maxID, want, want-1)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var total int64
	queryRow(t, db, "SELECT count() FROM {db}.events FINAL", nil, &total)
	if total != workers*rounds*batch {
		t.Errorf("total = %d, want %d", total, workers*rounds*batch)
	}

	// Close racing statements: each either runs or gets ErrClosed.
	h, err := Open(ctx, "chdb://"+sharedStore(t)+"?database=chdb_concurrency")
	if err != nil {
		t.Fatal(err)
	}
	var wg2 sync.WaitGroup
	for range workers {
		wg2.Go(func() {
			for range 50 {
				rs, err := h.Query(ctx, "SELECT count() FROM {db}.events")
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				rs.Close()
			}
		})
	}
	time.Sleep(5 * time.Millisecond)
	if err := h.Close(); err != nil {
		t.Error(err)
	}
	wg2.Wait()
}

// TestEmbeddedTimeUTC checks that DateTime text is UTC in and out whatever
// the zone of the times passed in and of the process (time.Local here; the
// TZ variable in TestEmbeddedTimezoneChild).
func TestEmbeddedTimeUTC(t *testing.T) {
	db := openTestDB(t, "chdb_time")
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		tokyo = time.FixedZone("JST", 9*3600)
	}
	saved := time.Local
	time.Local = tokyo
	defer func() { time.Local = saved }()
	checkTimeRoundTrip(t, db)
}

func TestEmbeddedTimezone(t *testing.T) {
	sharedStore(t)
	if out, ok := runChild(t, "TestEmbeddedTimezoneChild", "TZ=Asia/Tokyo"); !ok || !strings.Contains(out, "--- PASS: TestEmbeddedTimezoneChild") {
		t.Fatalf("child with TZ=Asia/Tokyo failed:\n%s", out)
	}
}

// TestEmbeddedTimezoneChild runs in a process started with TZ=Asia/Tokyo,
// so its engine starts under that TZ.
func TestEmbeddedTimezoneChild(t *testing.T) {
	childOnly(t)
	if _, offset := time.Now().Zone(); os.Getenv("TZ") != "Asia/Tokyo" || offset != 9*3600 {
		t.Fatal("child expects TZ=Asia/Tokyo")
	}
	db := openTestDB(t, "chdb_tz_child")
	var server string
	queryRow(t, db, "SELECT serverTimezone()", nil, &server)
	t.Logf("engine serverTimezone() = %s (session timezone is UTC)", server)
	checkTimeRoundTrip(t, db)
}

func checkTimeRoundTrip(t *testing.T, db DB) {
	t.Helper()
	mustExec(t, db, "CREATE TABLE {db}.times (id Int64, plain DateTime, utc DateTime('UTC'), n Nullable(DateTime('UTC'))) ENGINE = MergeTree ORDER BY id")
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	local := at.In(time.Local)
	if err := db.Insert(context.Background(), "times", []string{"id", "plain", "utc", "n"},
		[][]any{{int64(1), local, local, &local}}); err != nil {
		t.Fatal(err)
	}
	var tz string
	var plain, utc, n, parsed, bound time.Time
	var unix, boundUnix int64
	queryRow(t, db, `SELECT timezone(), plain, utc, n, toDateTime('2024-01-02 03:04:05'), toUnixTimestamp(plain), ?, toUnixTimestamp(?)
		FROM {db}.times WHERE utc = ? AND plain = ?`, []any{local, local, local, at},
		&tz, &plain, &utc, &n, &parsed, &unix, &bound, &boundUnix)
	if tz != "UTC" {
		t.Errorf("timezone() = %s", tz)
	}
	for name, got := range map[string]time.Time{"plain": plain, "utc": utc, "nullable": n, "toDateTime text": parsed, "bound": bound} {
		if !got.Equal(at) || got.Location() != time.UTC {
			t.Errorf("%s = %v, want %v UTC", name, got, at)
		}
	}
	if unix != at.Unix() || boundUnix != at.Unix() {
		t.Errorf("unix = %d, %d; want %d", unix, boundUnix, at.Unix())
	}
}
