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
//   - A time outside DateTime's range (before 1970, including the zero
//     time.Time, or after 2106-02-07 06:28:15 UTC) would be stored as some
//     other time (1960 comes back as 2096), so Insert refuses it, as Bind
//     and the embedded backend do (checkDateTime); use a Nullable column for
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
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	chcolumn "github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	chproto "github.com/ClickHouse/clickhouse-go/v2/lib/proto"
)

const (
	// defaultServerDatabase is used when the DSN names no database.
	defaultServerDatabase = "runway"
	// defaultDialTimeout replaces clickhouse-go's 30s, so an unreachable
	// server fails fast. A DSN's dial_timeout overrides it.
	defaultDialTimeout = 5 * time.Second
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
	addr     string // server address(es), named when they cannot be reached
	cluster  string // storage.cluster, "" on one node
	closed   atomic.Bool
}

func openServer(ctx context.Context, opts *clickhouse.Options, db, shown, cluster string) (DB, error) {
	password := opts.Auth.Password
	if cluster != "" {
		// An insert into a Distributed table returns once every shard has
		// its rows, not when they are queued on this node: a run's cursors
		// must never be committed before its rows are.
		settings := clickhouse.Settings{"insert_distributed_sync": 1}
		maps.Copy(settings, opts.Settings)
		opts.Settings = settings
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

	// Bound the whole open, so a server that accepts TCP but never answers
	// cannot hang start-up. Each dial and handshake is already bounded by
	// DialTimeout; an open that creates the database dials three times.
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 3*opts.DialTimeout+10*time.Second)
		defer cancel()
	}
	// Before revision 54429 a string setting fails every query, so the
	// settings are checked on a connection before it runs any.
	checkSettings := func(conn driver.Conn) error {
		if len(stringSettings) == 0 {
			return nil
		}
		if v, err := conn.ServerVersion(); err == nil && v.Revision <= settingsAsStringsRevision {
			return fmt.Errorf("%w %q: ClickHouse %d.%d (protocol revision %d) accepts only integer settings; remove or fix %s",
				ErrBadDSN, shown, v.Version.Major, v.Version.Minor, v.Revision, strings.Join(stringSettings, ", "))
		}
		return nil
	}
	// Connect to the target database itself, so a user restricted to it
	// (allow_databases) can open. Only when it does not exist, connect to
	// "default" to create it. Every statement names its database explicitly
	// ({db}), so the session's current database never matters.
	conn, err := connectServer(ctx, opts, db)
	if isUnknownDatabase(err) {
		admin, aerr := connectServer(ctx, opts, "default")
		if aerr != nil {
			return nil, wrapScrubbed("ClickHouse server "+shown+": database "+db+
				" does not exist, and connecting to database default to create it failed", aerr, password)
		}
		if serr := checkSettings(admin); serr != nil {
			admin.Close()
			return nil, serr
		}
		cerr := admin.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db+onCluster(cluster))
		admin.Close()
		if cerr != nil {
			return nil, wrapScrubbed("ClickHouse server "+shown+": creating database "+db, cerr, password)
		}
		conn, err = connectServer(ctx, opts, db)
	}
	if err != nil {
		var bad *badOptionsError
		if errors.As(err, &bad) {
			return nil, fmt.Errorf("%w %q: %s", ErrBadDSN, shown, oneLine(scrub(bad.err.Error(), password)))
		}
		what := "cannot reach ClickHouse server " + shown
		switch msg := err.Error(); {
		case strings.Contains(msg, "unexpected packet [72]"):
			what += " (this looks like an HTTP port; use the native TCP port, usually 9000)"
		case strings.Contains(msg, "i/o timeout"):
			what += fmt.Sprintf(" (no answer within dial_timeout=%s)", opts.DialTimeout)
		case strings.Contains(msg, "handshake") && strings.HasSuffix(msg, "EOF"):
			// 18.16 drops the connection when the user may not use the
			// session's database (allow_databases).
			what += " (the server closed the connection during the handshake: is user " +
				strconv.Quote(opts.Auth.Username) + " allowed into database " + db + "?)"
		}
		return nil, wrapScrubbed(what, err, password)
	}
	if err := checkSettings(conn); err != nil {
		conn.Close()
		return nil, err
	}
	if cluster != "" {
		if err := joinCluster(ctx, conn, db, cluster); err != nil {
			conn.Close()
			return nil, wrapScrubbed("ClickHouse server "+shown, err, password)
		}
	}
	return &serverDB{conn: conn, db: db, password: password, addr: strings.Join(opts.Addr, ", "), cluster: cluster}, nil
}

// onCluster is the ON CLUSTER clause of DDL on cluster ("" on one node).
func onCluster(cluster string) string {
	if cluster == "" {
		return ""
	}
	return " ON CLUSTER " + cluster
}

// joinCluster checks that the server knows cluster and creates db on every
// node of it (the node connected to may have it while others do not).
func joinCluster(ctx context.Context, conn driver.Conn, db, cluster string) error {
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.clusters WHERE cluster = '"+cluster+"'").Scan(&n); err != nil {
		return fmt.Errorf("reading system.clusters: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("storage.cluster %s: the server defines no such cluster (remote_servers in its config)", cluster)
	}
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db+onCluster(cluster)); err != nil {
		return fmt.Errorf("creating database %s on cluster %s: %w", db, cluster, err)
	}
	return nil
}

// badOptionsError is a clickhouse.Open failure: the options themselves are
// wrong. It matches ErrBadDSN and unwraps to the driver's error.
type badOptionsError struct{ err error }

func (e *badOptionsError) Error() string        { return e.err.Error() }
func (e *badOptionsError) Is(target error) bool { return target == ErrBadDSN }
func (e *badOptionsError) Unwrap() error        { return e.err }

// connectServer opens a connection pool whose session database is db and
// checks that the server answers.
func connectServer(ctx context.Context, opts *clickhouse.Options, db string) (driver.Conn, error) {
	o := *opts
	o.Auth.Database = db
	conn, err := clickhouse.Open(&o)
	if err != nil {
		return nil, &badOptionsError{err}
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// unknownDatabaseCode is ClickHouse's UNKNOWN_DATABASE error code.
const unknownDatabaseCode = 81

// isUnknownDatabase reports whether err is the server saying the session's
// database does not exist.
func isUnknownDatabase(err error) bool {
	var exc *clickhouse.Exception
	return errors.As(err, &exc) && exc.Code == unknownDatabaseCode
}

func (s *serverDB) Backend() string  { return "clickhouse" }
func (s *serverDB) Database() string { return s.db }
func (s *serverDB) Cluster() string  { return s.cluster }

// statement qualifies query, binds args (giving the exact SQL sent) and
// names the operation for errors, as the embedded backend does.
func (s *serverDB) statement(verb, query string, args []any) (op, template, sql string, err error) {
	template = qualify(query, s.db)
	if s.cluster != "" {
		template = Globalize(template)
	}
	op = verb + " " + describeStatement(template)
	sql, err = Bind(template, args...)
	if err != nil {
		return "", "", "", fmt.Errorf("clickhouse: %s: %w", op, err)
	}
	return op, template, sql, nil
}

func (s *serverDB) Exec(ctx context.Context, query string, args ...any) error {
	if s.closed.Load() {
		return ErrClosed
	}
	op, template, sql, err := s.statement("exec", query, args)
	if err != nil {
		return err
	}
	if err := s.conn.Exec(ctx, sql); err != nil {
		return s.wrap(op, template, err)
	}
	return nil
}

func (s *serverDB) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	op, template, sql, err := s.statement("query", query, args)
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.Query(ctx, sql)
	if err != nil {
		return nil, s.wrap(op, template, err)
	}
	return newServerRows(rows, s, op, template), nil
}

func (s *serverDB) Insert(ctx context.Context, table string, columns []string, rows [][]any) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if _, err := insertHead(s.db, table, columns); err != nil {
		return fmt.Errorf("clickhouse: %w", err)
	}
	// Every value is checked before anything is sent, exactly as the
	// embedded backend does: clickhouse-go would take many more Go types
	// (and store a time outside DateTime's range as some other time).
	if err := checkInsertRows(table, columns, rows); err != nil {
		return fmt.Errorf("clickhouse: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	stmt := "INSERT INTO " + s.db + "." + table + " (" + strings.Join(columns, ", ") + ")"
	batch, err := s.conn.PrepareBatch(ctx, stmt)
	if err != nil {
		return s.wrap("insert into "+table, stmt, err)
	}
	for i, r := range rows {
		if err := batch.Append(r...); err != nil {
			_ = batch.Abort()
			return &opError{msg: fmt.Sprintf("clickhouse: insert into %s: row %d: %s", table, i, appendProblem(err))}
		}
	}
	if err := batch.Send(); err != nil {
		return s.wrap(fmt.Sprintf("insert into %s: sending %d rows", table, len(rows)), stmt, err)
	}
	return nil
}

// appendProblem says which column clickhouse-go refused a value for and
// why, without the value its own messages quote (unknown element "x",
// parsing time "x").
func appendProblem(err error) string {
	what := "value refused by the driver"
	var conv *chcolumn.ColumnConverterError
	var colErr *chcolumn.Error
	switch {
	case errors.As(err, &conv):
		what = "converting " + conv.From + " to " + conv.To + " is unsupported"
	case errors.As(err, &colErr):
		what = "value refused for type " + colErr.ColumnType
	}
	var block *chproto.BlockError
	if errors.As(err, &block) && block.ColumnName != "" {
		return "column " + block.ColumnName + ": " + what
	}
	return what
}

func (s *serverDB) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := s.conn.Ping(ctx); err != nil {
		return s.wrap("ping", "", err)
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
		return s.wrap("close", "", err)
	}
	return nil
}

// wrap adds context to a driver error, keeping it matchable with errors.Is/As
// while making sure the password never reaches the message. A server
// exception is reduced to its code and name (its message can quote values
// and rows; template is the statement whose names it may mention). A server
// that went away (refused or dropped connections) is named as such, so that
// the driver's bare "EOF" or "connection refused" reads as what it means.
func (s *serverDB) wrap(what, template string, err error) error {
	var exc *clickhouse.Exception
	if errors.As(err, &exc) {
		e := newEngineError(int(exc.Code), exc.CodeName, exc.Message, template)
		return &opError{msg: "clickhouse: " + what + ": " + e.Error(), err: e}
	}
	prefix := "clickhouse: " + what
	if isConnectionError(err) {
		prefix += ": cannot reach ClickHouse server " + s.addr
		return unreachable{wrapScrubbed(prefix, err, s.password)}
	}
	return wrapScrubbed(prefix, err, s.password)
}

// unreachable is an error of a server that could not be reached: it
// matches ErrUnavailable.
type unreachable struct{ error }

func (e unreachable) Unwrap() error        { return e.error }
func (e unreachable) Is(target error) bool { return target == ErrUnavailable }

// isConnectionError reports whether err means the server could not be
// reached or the connection to it broke: a failed dial, a reset, refused or
// closed connection. A read that timed out (a slow query) is not one, nor is
// a pool with every connection busy.
func isConnectionError(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "dial" || !op.Timeout())
}

// wrapScrubbed is fmt.Errorf("%s: %w") on one line, with password removed
// from the message.
func wrapScrubbed(prefix string, err error, password string) error {
	text := err.Error()
	if !strings.ContainsAny(text, "\n\r") && (password == "" || !strings.Contains(text, password)) {
		return fmt.Errorf("%s: %w", prefix, err)
	}
	return &scrubbedError{msg: prefix + ": " + oneLine(scrub(text, password)), err: err}
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
	rows     driver.Rows
	db       *serverDB
	op       string // the Query, for errors
	template string // its statement before binding, for errors
	cols     []string
	holders  []any  // one *T per column, T the driver's scan type
	isDate   []bool // the column holds Date or Date32 values (maybe in Nullable or Array)
}

func newServerRows(rows driver.Rows, db *serverDB, op, template string) *serverRows {
	types := rows.ColumnTypes()
	r := &serverRows{rows: rows, db: db, op: op, template: template, cols: rows.Columns(),
		holders: make([]any, len(types)), isDate: make([]bool, len(types))}
	for i, ct := range types {
		r.holders[i] = reflect.New(ct.ScanType()).Interface()
		r.isDate[i] = isDateType(ct.DatabaseTypeName())
	}
	return r
}

// isDateType reports whether values of the ClickHouse type named typ are
// dates: Date or Date32, possibly inside Nullable, LowCardinality or Array.
func isDateType(typ string) bool {
	name, args := splitType(typ)
	switch name {
	case "Date", "Date32":
		return true
	case "Nullable", "LowCardinality", "Array":
		return len(args) == 1 && isDateType(args[0])
	}
	return false
}

func (r *serverRows) Next() bool        { return r.rows.Next() }
func (r *serverRows) Columns() []string { return r.cols }
func (r *serverRows) Close() error      { return r.rows.Close() }

func (r *serverRows) Err() error {
	if err := r.rows.Err(); err != nil {
		return r.db.wrap(r.op+": reading rows", r.template, err)
	}
	return nil
}

func (r *serverRows) Scan(dest ...any) error {
	if len(dest) != len(r.holders) {
		return fmt.Errorf("%w: %d destinations for %d columns", ErrScan, len(dest), len(r.holders))
	}
	if err := r.rows.Scan(r.holders...); err != nil {
		return r.db.wrap(r.op+": scan", r.template, err)
	}
	for i, h := range r.holders {
		v, err := normalize(reflect.ValueOf(h).Elem(), r.isDate[i])
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
// backend produces for the column type. date says the column holds Date or
// Date32 values: clickhouse-go gives those as midnight in the server's time
// zone, so the date is taken from the wall clock there, not from the instant
// (which in UTC is the day before on a server east of Greenwich).
//
//	Int8..Int64, UInt8..UInt32   int64
//	UInt64                       uint64
//	Float32/64, Decimal          float64
//	String, FixedString, Enum8/16, UUID, IPv4/6, (U)Int128/256   string
//	DateTime (any timezone)      time.Time in UTC
//	Date, Date32                 time.Time at UTC midnight of the date
//	Nullable(T)                  nil or T's value (the driver scans into *T)
//	Array(T)                     []any of T's values
//	LowCardinality(T)            T's value
func normalize(v reflect.Value, date bool) (any, error) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, nil
		}
		return normalize(v.Elem(), date)
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
			e, err := normalize(v.Index(i), date)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			if date {
				y, m, d := t.Date()
				return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
			}
			return t.UTC(), nil
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
