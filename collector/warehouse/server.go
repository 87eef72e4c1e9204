package warehouse

// The clickhouse:// backend: a ClickHouse server (or cluster) reached through
// github.com/ClickHouse/clickhouse-go/v2 over the native TCP protocol.
//
// Compatibility with ClickHouse 18.16 (Debian's clickhouse-server, protocol
// revision 54412), checked against clickhouse-go v2.51.0:
//
//   - The handshake works: the client announces a newer revision and both
//     sides settle on the server's 54412, so query parameters (54459+),
//     custom serialization (54454+) and OpenTelemetry (54442+) are never sent.
//   - Native protocol only (DESIGN.md §3: 18.16 rejects clickhouse-go's HTTP
//     protocol). A clickhouse:// DSN always selects native in ParseDSN; the
//     check in openServer is a guard should that ever change.
//   - Before revision 54429 settings travel as bare varints, so only integer
//     and boolean settings can be sent. clickhouse-go turns unknown DSN
//     parameters into settings; a string-valued one (for example
//     `?load_balancing=random`) fails every query with "unsupported data
//     type", so openServer refuses it up front with a clear error. The only
//     setting clickhouse-go adds on its own is max_execution_time (an integer,
//     from a context deadline), which 18.16 accepts.
//   - Compression: off by default. `compress=lz4`, `lz4hc` and `zstd` were
//     also tried against 18.16 and work (queries and PrepareBatch inserts).
//   - A DateTime before 1970 (including the zero time.Time) is stored by
//     clickhouse-go as 1970-01-01 00:00:00 on 18.16; use a Nullable column for
//     "no time" rather than the zero value.
//   - Pointing the DSN at the HTTP port gives "[handshake] unexpected packet
//     [72]" (the 'H' of "HTTP/1.1"); the open error adds a hint.
//   - An INSERT without an explicit column list makes 18.16 answer with an
//     empty header block (every Append then fails with "expected 0
//     arguments"), so Insert always names the columns.
//   - Values are bound client-side by Bind (shared with the embedded backend)
//     and the fully rendered statement is sent with no arguments, so the
//     driver's own binder never runs and both backends execute identical SQL.

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

const (
	// defaultServerDatabase is used when the DSN names no database.
	defaultServerDatabase = "runway"
	// defaultDialTimeout replaces clickhouse-go's 30s, so an unreachable
	// server fails fast. A DSN's dial_timeout overrides it.
	defaultDialTimeout = 5 * time.Second
	// statementInError is how much of a statement an error quotes.
	statementInError = 120
	// settingsAsStringsRevision is the first protocol revision that accepts
	// string-valued settings (DBMS_MIN_REVISION_WITH_SETTINGS_SERIALIZED_AS_STRINGS
	// is 54429; the encoding changes for revisions above it).
	settingsAsStringsRevision = 54429
)

// serverDB is a DB on a ClickHouse server.
type serverDB struct {
	conn     driver.Conn
	db       string // database all tables live in (Database())
	password string // scrubbed from every error message
	closed   atomic.Bool
}

func openServer(ctx context.Context, dsn string) (DB, error) {
	shown := redactServerDSN(dsn)
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		// clickhouse-go redacts the password in URL errors; the DSN we show is
		// redacted by redactServerDSN, which also copes with unparsable DSNs.
		return nil, fmt.Errorf("%w %q: %s", ErrBadDSN, shown, scrub(err.Error(), passwordOf(dsn)))
	}
	password := opts.Auth.Password
	if opts.Protocol != clickhouse.Native {
		return nil, fmt.Errorf("%w %q: only the native protocol is supported (ClickHouse 18.16 has no usable HTTP interface)", ErrBadDSN, shown)
	}
	if len(opts.Addr) == 0 {
		return nil, fmt.Errorf("%w %q: no host", ErrBadDSN, shown)
	}
	db := opts.Auth.Database
	if db == "" {
		db = defaultServerDatabase
	}
	if !validDatabaseName(db) {
		return nil, fmt.Errorf("%w %q: database name %q must match [A-Za-z_][A-Za-z0-9_]*", ErrBadDSN, shown, db)
	}
	// Connect to "default", which always exists, so the target database can
	// be created below. Every statement names its database explicitly ({db}),
	// so the session's current database never matters.
	opts.Auth.Database = "default"
	if opts.DialTimeout == 0 {
		opts.DialTimeout = defaultDialTimeout
	}
	var stringSettings []string
	for k, v := range opts.Settings {
		switch v.(type) {
		case int, bool:
		default:
			stringSettings = append(stringSettings, k)
		}
	}
	sort.Strings(stringSettings)

	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %s", ErrBadDSN, shown, scrub(err.Error(), password))
	}
	s := &serverDB{conn: conn, db: db, password: password}

	// Bound the whole open, so a server that accepts TCP but never answers
	// cannot hang start-up. The dial and handshake are already bounded by
	// DialTimeout; the first queries get a little more.
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*opts.DialTimeout+10*time.Second)
		defer cancel()
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		what := "cannot reach ClickHouse server " + shown
		switch msg := err.Error(); {
		case strings.Contains(msg, "unexpected packet [72]"):
			what += " (this looks like an HTTP port; use the native TCP port, usually 9000)"
		case strings.Contains(msg, "i/o timeout"):
			what += fmt.Sprintf(" (no answer within dial_timeout=%s)", opts.DialTimeout)
		}
		return nil, wrapScrubbed(what, err, password)
	}
	if len(stringSettings) > 0 {
		if v, err := conn.ServerVersion(); err == nil && v.Revision <= settingsAsStringsRevision {
			conn.Close()
			return nil, fmt.Errorf("%w %q: ClickHouse %d.%d (protocol revision %d) accepts only integer settings; remove or fix %s",
				ErrBadDSN, shown, v.Version.Major, v.Version.Minor, v.Revision, strings.Join(stringSettings, ", "))
		}
	}
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db); err != nil {
		conn.Close()
		return nil, wrapScrubbed("ClickHouse server "+shown+": creating database "+db, err, password)
	}
	return s, nil
}

func (s *serverDB) Backend() string  { return "clickhouse" }
func (s *serverDB) Database() string { return s.db }

// render qualifies {db} and binds args, giving the exact SQL sent.
func (s *serverDB) render(query string, args []any) (string, error) {
	q := qualify(query, s.db)
	out, err := Bind(q, args...)
	if err != nil {
		return "", fmt.Errorf("clickhouse: binding %s: %w", snippet(q), err)
	}
	return out, nil
}

func (s *serverDB) Exec(ctx context.Context, query string, args ...any) error {
	if s.closed.Load() {
		return ErrClosed
	}
	sql, err := s.render(query, args)
	if err != nil {
		return err
	}
	if err := s.conn.Exec(ctx, sql); err != nil {
		return s.wrap("exec "+snippet(qualify(query, s.db)), err)
	}
	return nil
}

func (s *serverDB) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	sql, err := s.render(query, args)
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.Query(ctx, sql)
	if err != nil {
		return nil, s.wrap("query "+snippet(qualify(query, s.db)), err)
	}
	return newServerRows(rows, s), nil
}

func (s *serverDB) Insert(ctx context.Context, table string, columns []string, rows [][]any) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if !validIdentifier(table) {
		return fmt.Errorf("clickhouse: insert: invalid table name %q", table)
	}
	if len(columns) == 0 {
		return fmt.Errorf("clickhouse: insert into %s: no columns", table)
	}
	for _, c := range columns {
		if !validIdentifier(c) {
			return fmt.Errorf("clickhouse: insert into %s: invalid column name %q", table, c)
		}
	}
	for i, r := range rows {
		if len(r) != len(columns) {
			return fmt.Errorf("clickhouse: insert into %s: row %d has %d values for %d columns", table, i, len(r), len(columns))
		}
	}
	if len(rows) == 0 {
		return nil
	}
	stmt := "INSERT INTO " + s.db + "." + table + " (" + strings.Join(columns, ", ") + ")"
	batch, err := s.conn.PrepareBatch(ctx, stmt)
	if err != nil {
		return s.wrap("insert into "+table, err)
	}
	for i, r := range rows {
		if err := batch.Append(r...); err != nil {
			_ = batch.Abort()
			return s.wrap(fmt.Sprintf("insert into %s: row %d", table, i), err)
		}
	}
	if err := batch.Send(); err != nil {
		return s.wrap(fmt.Sprintf("insert into %s: sending %d rows", table, len(rows)), err)
	}
	return nil
}

func (s *serverDB) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := s.conn.Ping(ctx); err != nil {
		return s.wrap("ping", err)
	}
	return nil
}

// Close closes the connection pool. Closing twice is harmless; like every
// other method after Close, a second Close returns ErrClosed (as the
// embedded backend does).
func (s *serverDB) Close() error {
	if s.closed.Swap(true) {
		return ErrClosed
	}
	if err := s.conn.Close(); err != nil {
		return s.wrap("close", err)
	}
	return nil
}

// wrap adds context to a driver error, keeping it matchable with errors.Is/As
// while making sure the password never reaches the message.
func (s *serverDB) wrap(what string, err error) error {
	return wrapScrubbed("clickhouse: "+what, err, s.password)
}

// wrapScrubbed is fmt.Errorf("%s: %w") on one line, with password removed
// from the message.
func wrapScrubbed(prefix string, err error, password string) error {
	text := err.Error()
	if !strings.ContainsAny(text, "\n\r") && (password == "" || !strings.Contains(text, password)) {
		return fmt.Errorf("%s: %w", prefix, err)
	}
	return &scrubbedError{msg: prefix + ": " + foldLines(scrub(text, password)), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// serverRows adapts driver.Rows to Rows, normalizing every value to the
// backend-neutral set Assign understands.
type serverRows struct {
	rows    driver.Rows
	db      *serverDB
	cols    []string
	holders []any // one *T per column, T the driver's scan type
	err     error
}

func newServerRows(rows driver.Rows, db *serverDB) *serverRows {
	types := rows.ColumnTypes()
	r := &serverRows{rows: rows, db: db, cols: rows.Columns(), holders: make([]any, len(types))}
	for i, ct := range types {
		r.holders[i] = reflect.New(ct.ScanType()).Interface()
	}
	return r
}

func (r *serverRows) Next() bool        { return r.rows.Next() }
func (r *serverRows) Columns() []string { return r.cols }
func (r *serverRows) Close() error      { return r.rows.Close() }

func (r *serverRows) Err() error {
	if r.err != nil {
		return r.err
	}
	if err := r.rows.Err(); err != nil {
		return r.db.wrap("reading rows", err)
	}
	return nil
}

func (r *serverRows) Scan(dest ...any) error {
	if len(dest) != len(r.holders) {
		return fmt.Errorf("%w: %d destinations for %d columns", ErrScan, len(dest), len(r.holders))
	}
	if err := r.rows.Scan(r.holders...); err != nil {
		return r.db.wrap("scan", err)
	}
	for i, h := range r.holders {
		v, err := normalize(reflect.ValueOf(h).Elem())
		if err != nil {
			return fmt.Errorf("column %s: %w", r.cols[i], err)
		}
		if err := Assign(dest[i], v); err != nil {
			return fmt.Errorf("column %s: %w", r.cols[i], err)
		}
	}
	return nil
}

var timeType = reflect.TypeFor[time.Time]()

// normalize converts a scanned driver value into nil, string, int64, uint64,
// float64, bool, time.Time (UTC) or []any, the same value the embedded
// backend produces for the column type:
//
//	Int8..Int64, UInt8..UInt32   int64
//	UInt64                       uint64
//	Float32/64, Decimal          float64
//	String, FixedString, Enum8/16, UUID, IPv4/6, (U)Int128/256   string
//	DateTime (any timezone), Date   time.Time in UTC
//	Nullable(T)                  nil or T's value (the driver scans into *T)
//	Array(T)                     []any of T's values
//	LowCardinality(T)            T's value
func normalize(v reflect.Value) (any, error) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, nil
		}
		return normalize(v.Elem())
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), nil
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return int64(v.Uint()), nil
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return v.Uint(), nil
	case reflect.Float32:
		// Through the shortest decimal text, as the embedded backend reads
		// it: float64(float32(0.1)) would be 0.10000000149011612.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(v.Float(), 'g', -1, 32), 64)
		return f, nil
	case reflect.Float64:
		return v.Float(), nil
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return []any{}, nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 && v.Kind() == reflect.Array {
			break // net.IP-like fixed byte arrays (UUID): use String below
		}
		out := make([]any, v.Len())
		for i := range out {
			e, err := normalize(v.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).UTC(), nil
		}
	}
	if v.CanInterface() {
		x := v.Interface()
		if v.CanAddr() {
			x = v.Addr().Interface()
		}
		if d, ok := x.(interface{ InexactFloat64() float64 }); ok { // Decimal
			return d.InexactFloat64(), nil
		}
		if s, ok := x.(fmt.Stringer); ok { // UUID, IP, big.Int
			return s.String(), nil
		}
	}
	return nil, fmt.Errorf("%w: unsupported column value of type %s", ErrScan, v.Type())
}

// snippet shortens a statement for an error message.
func snippet(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > statementInError {
		cut := statementInError
		for cut > 0 && !isRuneStart(q[cut]) {
			cut--
		}
		q = q[:cut] + "…"
	}
	return fmt.Sprintf("%q", q)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// foldLines folds a multi-line driver message (18.16 exceptions can carry
// several lines) into one.
func foldLines(s string) string { return strings.Join(strings.Fields(s), " ") }

// scrub removes a password (raw and URL-escaped) from a message.
func scrub(msg, password string) string {
	if password == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, password, "xxxxx")
	if esc := url.QueryEscape(password); esc != password {
		msg = strings.ReplaceAll(msg, esc, "xxxxx")
	}
	if esc := url.PathEscape(password); esc != password {
		msg = strings.ReplaceAll(msg, esc, "xxxxx")
	}
	return msg
}

// splitUserinfo finds the userinfo of a DSN without relying on url.Parse,
// which fails on exactly the malformed DSNs whose errors we must still
// show. It returns the text before the userinfo, the userinfo and the rest.
func splitUserinfo(dsn string) (head, userinfo, rest string, ok bool) {
	scheme, after, found := strings.Cut(dsn, "://")
	if !found {
		return "", "", "", false
	}
	authEnd := len(after)
	if i := strings.IndexByte(after, '?'); i >= 0 {
		authEnd = i
	}
	at := strings.LastIndexByte(after[:authEnd], '@')
	if at < 0 {
		return "", "", "", false
	}
	return scheme + "://", after[:at], after[at+1:], true
}

// passwordOf extracts the password of a DSN, even a malformed one.
func passwordOf(dsn string) string {
	_, ui, _, ok := splitUserinfo(dsn)
	if !ok {
		return queryPassword(dsn)
	}
	_, pw, has := strings.Cut(ui, ":")
	if !has {
		return queryPassword(dsn)
	}
	if un, err := url.PathUnescape(pw); err == nil {
		return un
	}
	return pw
}

func queryPassword(dsn string) string {
	_, q, ok := strings.Cut(dsn, "?")
	if !ok {
		return ""
	}
	vals, err := url.ParseQuery(q)
	if err != nil {
		return ""
	}
	return vals.Get("password")
}

// redactServerDSN hides the password of a clickhouse:// DSN, including one in
// a `password=` parameter and in DSNs url.Parse rejects.
func redactServerDSN(dsn string) string {
	out := dsn
	if head, ui, rest, ok := splitUserinfo(dsn); ok {
		if user, _, has := strings.Cut(ui, ":"); has {
			out = head + user + ":xxxxx@" + rest
		}
	}
	if base, q, ok := strings.Cut(out, "?"); ok {
		if vals, err := url.ParseQuery(q); err == nil && vals.Has("password") {
			vals.Set("password", "xxxxx")
			out = base + "?" + vals.Encode()
		}
	}
	// Belt and braces for shapes the structural redaction above missed. Very
	// short passwords are skipped: replacing every "a" would garble the DSN
	// without protecting anything.
	if pw := passwordOf(dsn); len(pw) >= 4 {
		out = scrub(out, pw)
	}
	return out
}
