package warehouse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/ebitengine/purego"
)

// The embedded backend runs ClickHouse inside this process through libchdb's
// C API, called with purego (no cgo). The library is 566 MB and optional: it
// is loaded on the first chdb:// open, never at package init, so a binary
// configured for a ClickHouse server runs where no libchdb exists.

// chdbVersion is the libchdb release Runway is built and tested against; it
// names the cache folder the Makefile downloads the library into.
const chdbVersion = "26.7.3-stable.1"

// chdbLibEnv names the variable that points at libchdb.so. When set it is the
// only location tried.
const chdbLibEnv = "CHDB_LIB_PATH"

// chdbDefaultDatabase is the database a chdb:// DSN uses without ?database=.
const chdbDefaultDatabase = "runway"

// queryFormat is the output format Query asks for: one JSON array per row
// after a names line and a types line, so values can be converted per
// ClickHouse type.
const queryFormat = "JSONCompactEachRowWithNamesAndTypes"

// Insert chunking: one INSERT per chunk keeps memory bounded, and each chunk
// becomes one part, so chunks should be large. On the narrow rows of
// BenchmarkInsert (whtest; ~65 bytes a row) 200k-row chunks ran at ~1M rows/s
// against ~550k rows/s for 20k-row chunks.
const (
	insertChunkRows  = 200_000
	insertChunkBytes = 16 << 20
)

// chdbLib is one loaded libchdb with the C functions Runway uses bound to Go
// functions. Result handles are held as uintptr: they point into C memory,
// which the Go garbage collector neither scans nor moves.
type chdbLib struct {
	path string

	// chdb_connection * chdb_connect(int argc, char ** argv)
	connect func(argc int32, argv **byte) *uintptr
	// void chdb_close_conn(chdb_connection * conn)
	closeConn func(conn *uintptr)
	// chdb_result * chdb_query_n(chdb_connection conn, const char * query,
	//     size_t query_len, const char * format, size_t format_len)
	queryN func(conn uintptr, query *byte, queryLen uintptr, format *byte, formatLen uintptr) uintptr
	// char * chdb_result_buffer(chdb_result * result)
	resultBuffer func(result uintptr) *byte
	// size_t chdb_result_length(chdb_result * result)
	resultLength func(result uintptr) uintptr
	// const char * chdb_result_error(chdb_result * result)
	resultError func(result uintptr) *byte
	// void chdb_destroy_query_result(chdb_result * result)
	destroyResult func(result uintptr)
	// void chdb_set_signal_handlers_enabled(int enabled); nil when the
	// library predates it.
	setSignalHandlersEnabled func(enabled int32)

	signalsOnce sync.Once
}

// loadLibrary dlopens the libchdb at path and binds its C API. It touches no
// package state, so tests can call it with any path.
func loadLibrary(path string) (*chdbLib, error) {
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, errors.New(oneLine(err.Error()))
	}
	// Check every symbol first: RegisterLibFunc panics on a missing one. The
	// handle is deliberately not dlclosed on failure: the library's static
	// initializers have run, and unloading ClickHouse is not something it
	// supports.
	for _, name := range []string{"chdb_connect", "chdb_close_conn", "chdb_query_n",
		"chdb_result_buffer", "chdb_result_length", "chdb_result_error", "chdb_destroy_query_result"} {
		if _, err := purego.Dlsym(h, name); err != nil {
			return nil, fmt.Errorf("%s does not export %s (libchdb %s or later is needed)", path, name, chdbVersion)
		}
	}
	lib := &chdbLib{path: path}
	purego.RegisterLibFunc(&lib.connect, h, "chdb_connect")
	purego.RegisterLibFunc(&lib.closeConn, h, "chdb_close_conn")
	purego.RegisterLibFunc(&lib.queryN, h, "chdb_query_n")
	purego.RegisterLibFunc(&lib.resultBuffer, h, "chdb_result_buffer")
	purego.RegisterLibFunc(&lib.resultLength, h, "chdb_result_length")
	purego.RegisterLibFunc(&lib.resultError, h, "chdb_result_error")
	purego.RegisterLibFunc(&lib.destroyResult, h, "chdb_destroy_query_result")
	if _, err := purego.Dlsym(h, "chdb_set_signal_handlers_enabled"); err == nil {
		purego.RegisterLibFunc(&lib.setSignalHandlersEnabled, h, "chdb_set_signal_handlers_enabled")
	}
	return lib, nil
}

// findLibrary loads libchdb from env (CHDB_LIB_PATH) when it is set, else
// from the first candidate that loads. The error wraps ErrLibraryMissing, is
// one line and names everything that was tried.
func findLibrary(env string, candidates []string) (*chdbLib, error) {
	if env != "" {
		abs, err := filepath.Abs(env)
		if err != nil {
			abs = env
		}
		lib, err := loadLibrary(abs)
		if err != nil {
			return nil, fmt.Errorf("%w (%s=%s cannot be loaded: %v)", ErrLibraryMissing, chdbLibEnv, abs, err)
		}
		return lib, nil
	}
	tried := make([]string, 0, len(candidates))
	for _, p := range candidates {
		if _, err := os.Stat(p); err != nil {
			tried = append(tried, p+": not found")
			continue
		}
		lib, err := loadLibrary(p)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, p+": ") { // dlerror usually names the file itself
				msg = p + ": " + msg
			}
			tried = append(tried, msg)
			continue
		}
		return lib, nil
	}
	return nil, fmt.Errorf("%w (%s is not set; tried %s)", ErrLibraryMissing, chdbLibEnv, strings.Join(tried, "; "))
}

// libraryCandidates lists where libchdb is looked for when CHDB_LIB_PATH is
// not set, in order: next to the executable (a release archive), the
// download cache the Makefile fills, then the system library folders.
func libraryCandidates() []string {
	var out []string
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		out = append(out, filepath.Join(filepath.Dir(exe), "libchdb.so"))
	}
	if dir := os.Getenv("RUNWAY_CACHE_DIR"); dir != "" {
		out = append(out, filepath.Join(dir, "chdb", chdbVersion, "libchdb.so"))
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, ".cache")
		}
	}
	if cache != "" {
		out = append(out, filepath.Join(cache, "runway", "chdb", chdbVersion, "libchdb.so"))
	}
	return append(out, "/usr/local/lib/libchdb.so", "/usr/lib/libchdb.so")
}

// libraryLoader holds a libchdb once loaded. A failed load is not
// remembered, so a later open (after the library was downloaded, say) tries
// again.
type libraryLoader struct {
	mu  sync.Mutex
	lib *chdbLib
}

func (l *libraryLoader) get(find func() (*chdbLib, error)) (*chdbLib, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lib != nil {
		return l.lib, nil
	}
	lib, err := find()
	if err != nil {
		return nil, err
	}
	l.lib = lib
	return lib, nil
}

// processLibrary is the libchdb this process uses, loaded on first need.
var processLibrary libraryLoader

func sharedLibrary() (*chdbLib, error) {
	return processLibrary.get(func() (*chdbLib, error) {
		return findLibrary(os.Getenv(chdbLibEnv), libraryCandidates())
	})
}

// chdbEngine is the process's one ClickHouse engine: one chDB connection to
// one data folder, shared by every handle opened on that folder.
type chdbEngine struct {
	reg  *engineRegistry
	lib  *chdbLib
	path string
	conn *uintptr // chdb_connection *, what chdb_close_conn takes
	refs int      // open handles; guarded by reg.mu
}

// engineRegistry tracks open engines by absolute data path, with a count of
// the handles on each. chDB holds one engine per process: while it is open,
// connecting with another path would silently reuse the first one's data, so
// the registry refuses that instead.
type engineRegistry struct {
	mu     sync.Mutex
	byPath map[string]*chdbEngine
}

// engines is the process's registry.
var engines engineRegistry

// engineArgs are the startup arguments of the engine. Query-level settings
// given here apply to the connection, as if SET on it.
func engineArgs(path string) []string {
	return []string{
		"clickhouse",
		"--path=" + path,
		// DateTime text in statements and results is UTC whatever the
		// process's TZ. (The engine's serverTimezone() still follows TZ: a
		// --timezone argument is ignored. Every DateTime without an explicit
		// zone follows the session zone, and Runway's columns name 'UTC'.)
		"--session_timezone=UTC",
		// nan and ±inf as "nan"/"inf" strings rather than null, which would
		// be indistinguishable from NULL in a Nullable(Float64).
		"--output_format_json_quote_denormals=1",
		// The query profiler drives per-thread SIGUSR1/SIGUSR2 timers; those
		// signals belong to the Go runtime in this process.
		"--query_profiler_real_time_period_ns=0",
		"--query_profiler_cpu_time_period_ns=0",
	}
}

// acquire returns the engine on path, starting it if no engine is open.
func (r *engineRegistry) acquire(lib *chdbLib, path string) (*chdbEngine, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.byPath[path]; e != nil {
		e.refs++
		return e, nil
	}
	for other := range r.byPath {
		return nil, fmt.Errorf("chdb: cannot open %s: the embedded engine is already open on %s in this process "+
			"(chDB runs one engine per process; close every handle on it first)", path, other)
	}
	conn, err := lib.open(engineArgs(path))
	if err != nil {
		return nil, fmt.Errorf("chdb: open %s: %w", path, err)
	}
	e := &chdbEngine{reg: r, lib: lib, path: path, conn: conn, refs: 1}
	if r.byPath == nil {
		r.byPath = make(map[string]*chdbEngine)
	}
	r.byPath[path] = e
	return e, nil
}

// release drops one handle's reference; the last one closes the engine.
func (e *chdbEngine) release() {
	e.reg.mu.Lock()
	defer e.reg.mu.Unlock()
	e.refs--
	if e.refs > 0 {
		return
	}
	delete(e.reg.byPath, e.path)
	e.lib.closeConn(e.conn)
	e.conn = nil
}

// open calls chdb_connect with args.
func (l *chdbLib) open(args []string) (*uintptr, error) {
	l.signalsOnce.Do(l.disableSignalHandlers)
	bufs := make([][]byte, len(args))
	argv := make([]*byte, len(args)+1) // NULL-terminated, like a real argv
	for i, a := range args {
		bufs[i] = append([]byte(a), 0)
		argv[i] = &bufs[i][0]
	}
	restore := guardSignals()
	conn := l.connect(int32(len(args)), &argv[0])
	restore()
	runtime.KeepAlive(bufs)
	runtime.KeepAlive(argv)
	if conn == nil || *conn == 0 {
		return nil, errors.New("chdb_connect failed (is the data folder writable and not used by another process?)")
	}
	return conn, nil
}

// disableSignalHandlers asks libchdb not to install its crash handlers
// (SIGSEGV, SIGBUS, ...), which would take those signals from the Go runtime
// (nil-pointer panics, async preemption). The call itself resets some
// handlers to SIG_DFL, so the runtime's are saved and put back around it.
func (l *chdbLib) disableSignalHandlers() {
	if l.setSignalHandlersEnabled == nil {
		return
	}
	restore := guardSignals()
	l.setSignalHandlersEnabled(0)
	restore()
}

// query runs one statement. With wantOutput it returns a Go copy of the
// result buffer. The C call cannot be interrupted: a context cancelled while
// it runs takes effect only once it returns.
func (e *chdbEngine) query(query, format string, wantOutput bool) ([]byte, error) {
	if query == "" {
		return nil, errors.New("empty statement")
	}
	// The statement is passed by pointer and length (chdb_query_n), so it is
	// neither copied nor truncated at a NUL; Go keeps it alive for the call.
	res := e.lib.queryN(*e.conn, unsafe.StringData(query), uintptr(len(query)),
		unsafe.StringData(format), uintptr(len(format)))
	runtime.KeepAlive(query)
	runtime.KeepAlive(format)
	if res == 0 {
		return nil, errors.New("chdb_query_n returned no result")
	}
	defer e.lib.destroyResult(res)
	if msg := e.lib.resultError(res); msg != nil {
		return nil, errors.New(strings.TrimSpace(cString(msg)))
	}
	if !wantOutput {
		return nil, nil
	}
	n := e.lib.resultLength(res)
	if n == 0 {
		return nil, nil
	}
	buf := e.lib.resultBuffer(res)
	if buf == nil {
		return nil, nil
	}
	return bytes.Clone(unsafe.Slice(buf, int(n))), nil
}

// cString copies a NUL-terminated C string.
func cString(p *byte) string {
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(p, n))
}

// chdbDB is one handle on the shared engine, bound to one database.
type chdbDB struct {
	eng *chdbEngine
	db  string

	// mu is held shared by every call into the engine and exclusively by
	// Close, so the engine is never closed under a running statement.
	mu     sync.RWMutex
	closed bool
}

// openEmbedded opens a chdb:// DSN: chdb:///abs/path, chdb://./relative/dir
// or chdb://relative, with an optional ?database=NAME (default "runway").
func openEmbedded(ctx context.Context, dsn string) (DB, error) {
	path, db, err := parseEmbeddedDSN(dsn)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lib, err := sharedLibrary()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("chdb: create data folder: %w", err)
	}
	eng, err := engines.acquire(lib, path)
	if err != nil {
		return nil, err
	}
	d := &chdbDB{eng: eng, db: db}
	if err := d.Exec(ctx, "CREATE DATABASE IF NOT EXISTS {db}"); err != nil {
		eng.release()
		return nil, err
	}
	return d, nil
}

func parseEmbeddedDSN(dsn string) (path, db string, err error) {
	shown := redactDSN(dsn)
	rest, ok := strings.CutPrefix(dsn, "chdb://")
	if !ok {
		return "", "", fmt.Errorf("%w %q: want chdb:///path/to/dir", ErrBadDSN, shown)
	}
	rawPath, rawQuery, _ := strings.Cut(rest, "?")
	if rawPath == "" {
		return "", "", fmt.Errorf("%w %q: no data folder (want chdb:///path/to/dir or chdb://./relative/dir)", ErrBadDSN, shown)
	}
	db = chdbDefaultDatabase
	if rawQuery != "" {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return "", "", fmt.Errorf("%w %q: %v", ErrBadDSN, shown, err)
		}
		for k := range q {
			if k != "database" {
				return "", "", fmt.Errorf("%w %q: unknown option %q (only database= is supported)", ErrBadDSN, shown, k)
			}
		}
		if v := q.Get("database"); v != "" {
			db = v
		}
	}
	if !validDatabaseName(db) {
		return "", "", fmt.Errorf("%w %q: database name %q must match [A-Za-z_][A-Za-z0-9_]*", ErrBadDSN, shown, db)
	}
	abs, err := filepath.Abs(rawPath)
	if err != nil {
		return "", "", fmt.Errorf("%w %q: %v", ErrBadDSN, shown, err)
	}
	return abs, db, nil
}

func (d *chdbDB) Backend() string  { return "chdb" }
func (d *chdbDB) Database() string { return d.db }

// run renders and runs one statement under the handle's read lock.
func (d *chdbDB) run(ctx context.Context, stmt, format string, wantOutput bool) ([]byte, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := d.eng.query(stmt, format, wantOutput)
	if err != nil {
		return nil, fmt.Errorf("chdb: %q: %w", clip(stmt), err)
	}
	return out, nil
}

func (d *chdbDB) render(query string, args []any) (string, error) {
	stmt, err := Bind(qualify(query, d.db), args...)
	if err != nil {
		return "", fmt.Errorf("chdb: %w", err)
	}
	return stmt, nil
}

func (d *chdbDB) Exec(ctx context.Context, query string, args ...any) error {
	stmt, err := d.render(query, args)
	if err != nil {
		return err
	}
	_, err = d.run(ctx, stmt, "TabSeparated", false)
	return err
}

func (d *chdbDB) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	stmt, err := d.render(query, args)
	if err != nil {
		return nil, err
	}
	out, err := d.run(ctx, stmt, queryFormat, true)
	if err != nil {
		return nil, err
	}
	rows, err := newJSONRows(out)
	if err != nil {
		return nil, fmt.Errorf("chdb: %q: %w", clip(stmt), err)
	}
	return rows, nil
}

func (d *chdbDB) Ping(ctx context.Context) error {
	return d.Exec(ctx, "SELECT 1")
}

// Close releases the handle; the engine closes with its last handle. It
// waits for statements running on this handle to finish.
func (d *chdbDB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	d.eng.release()
	return nil
}

// Insert writes rows as INSERT ... VALUES statements of up to
// insertChunkRows rows or insertChunkBytes bytes each. Chunks are not atomic
// together: an error leaves earlier chunks written, which is harmless for
// Runway's idempotent (ReplacingMergeTree) tables.
func (d *chdbDB) Insert(ctx context.Context, table string, columns []string, rows [][]any) error {
	head, err := insertHead(d.db, table, columns)
	if err != nil {
		return fmt.Errorf("chdb: %w", err)
	}
	// Every row is checked before the first chunk is sent, exactly as the
	// server backend does.
	if err := checkInsertRows(table, columns, rows); err != nil {
		return fmt.Errorf("chdb: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	var b strings.Builder
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := d.run(ctx, b.String(), "TabSeparated", false)
		b.Reset()
		n = 0
		return err
	}
	for i, row := range rows {
		if n == 0 {
			b.Grow(min(insertChunkBytes+insertChunkBytes/8, 64*len(columns)*(len(rows)-i)))
			b.WriteString(head)
		} else {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				b.WriteByte(',')
			}
			if err := appendInsertValue(&b, v); err != nil {
				return fmt.Errorf("chdb: insert into %s: row %d column %s: %w", table, i, columns[j], err)
			}
		}
		b.WriteByte(')')
		n++
		if n >= insertChunkRows || b.Len() >= insertChunkBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// insertHead is "INSERT INTO db.table (c1, c2) VALUES ", with every
// identifier checked, since identifiers are written unquoted.
func insertHead(db, table string, columns []string) (string, error) {
	if !validIdentifier(table) {
		return "", fmt.Errorf("insert: invalid table name %q", table)
	}
	if len(columns) == 0 {
		return "", fmt.Errorf("insert into %s: no columns", table)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(db)
	b.WriteByte('.')
	b.WriteString(table)
	b.WriteString(" (")
	for i, c := range columns {
		if !validIdentifier(c) {
			return "", fmt.Errorf("insert into %s: invalid column name %q", table, c)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c)
	}
	b.WriteString(") VALUES ")
	return b.String(), nil
}

// appendInsertValue writes v in the VALUES format for the insert types of
// values.go, already checked by checkInsertRows. Unlike Bind it writes plain
// literals only (time.Time as a quoted 'YYYY-MM-DD hh:mm:ss', which a
// DateTime('UTC') column reads as UTC), so the engine's fast streaming VALUES
// parser takes every row. A negative number needs no parentheses here: it
// always follows '(' or ','.
func appendInsertValue(b *strings.Builder, v any) error {
	var scratch [32]byte // numbers and times are formatted here without allocating
	switch x := v.(type) {
	case nil:
		b.WriteString("NULL")
	case string:
		appendQuoted(b, x)
	case int64:
		b.Write(strconv.AppendInt(scratch[:0], x, 10))
	case uint64:
		b.Write(strconv.AppendUint(scratch[:0], x, 10))
	case uint8:
		b.Write(strconv.AppendUint(scratch[:0], uint64(x), 10))
	case float64:
		appendInsertFloat(b, x)
	case time.Time:
		b.WriteByte('\'')
		b.Write(x.UTC().AppendFormat(scratch[:0], dateTimeLayout))
		b.WriteByte('\'')
	case *time.Time:
		if x == nil {
			b.WriteString("NULL")
			return nil
		}
		return appendInsertValue(b, *x)
	case *float64:
		if x == nil {
			b.WriteString("NULL")
			return nil
		}
		appendInsertFloat(b, *x)
	case []string:
		b.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			appendQuoted(b, s)
		}
		b.WriteByte(']')
	case []int64:
		b.WriteByte('[')
		for i, n := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(strconv.AppendInt(scratch[:0], n, 10))
		}
		b.WriteByte(']')
	default:
		return fmt.Errorf("%w: unsupported insert type %T (see Insert types in values.go)", ErrBind, v)
	}
	return nil
}

func appendInsertFloat(b *strings.Builder, f float64) {
	switch {
	case math.IsNaN(f):
		b.WriteString("nan")
	case math.IsInf(f, 1):
		b.WriteString("inf")
	case math.IsInf(f, -1):
		b.WriteString("-inf")
	default:
		var scratch [32]byte
		b.Write(strconv.AppendFloat(scratch[:0], f, 'g', -1, 64))
	}
}

// Signal handlers. libchdb (ClickHouse) installs process-wide handlers for
// crash signals when it starts, and chdb_set_signal_handlers_enabled(0)
// resets some of them to SIG_DFL as a side effect. The Go runtime owns these
// signals (nil dereferences become panics through SIGSEGV, goroutines are
// preempted with SIGURG), so around the calls that may touch them the
// runtime's handlers are saved and restored through libc's sigaction.

// guardedSignals are the signals whose handlers are kept: every standard
// signal (1-31; SIGKILL and SIGSTOP cannot be caught and are skipped). With
// handlers left enabled, chdb_connect takes SIGILL, SIGTRAP, SIGABRT, SIGBUS,
// SIGFPE, SIGSEGV, SIGTSTP and SIGSYS. Real-time signals are left to the
// engine: it installs a SIGRTMIN handler to collect thread stack traces and
// sends that signal to its own threads only.
var guardedSignals = func() []syscall.Signal {
	var out []syscall.Signal
	for s := syscall.Signal(1); s <= 31; s++ {
		if s != syscall.SIGKILL && s != syscall.SIGSTOP {
			out = append(out, s)
		}
	}
	return out
}()

// sigactionSize holds a struct sigaction on any supported libc (152 bytes on
// glibc/amd64); the buffer is opaque here.
const sigactionSize = 256

var libcSignals struct {
	once      sync.Once
	sigaction func(sig int32, act, oact unsafe.Pointer) int32
}

func loadSigaction() {
	for _, name := range []string{"libc.so.6", "libc.so", "/usr/lib/libSystem.B.dylib"} {
		h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			continue
		}
		if _, err := purego.Dlsym(h, "sigaction"); err != nil {
			continue
		}
		purego.RegisterLibFunc(&libcSignals.sigaction, h, "sigaction")
		return
	}
}

// guardSignals saves the handlers of guardedSignals and returns the function
// that restores them.
func guardSignals() (restore func()) {
	libcSignals.once.Do(loadSigaction)
	if libcSignals.sigaction == nil {
		return func() {}
	}
	saved := make([][sigactionSize]byte, len(guardedSignals))
	for i, sig := range guardedSignals {
		libcSignals.sigaction(int32(sig), nil, unsafe.Pointer(&saved[i][0]))
	}
	return func() {
		for i, sig := range guardedSignals {
			libcSignals.sigaction(int32(sig), unsafe.Pointer(&saved[i][0]), nil)
		}
	}
}

// Query results.

// jsonRows iterates a JSONCompactEachRowWithNamesAndTypes result, decoding
// one row per Next.
type jsonRows struct {
	names []string
	types []chType
	p     jsonParser
	cur   []any
	err   error
}

func newJSONRows(out []byte) (*jsonRows, error) {
	r := &jsonRows{p: jsonParser{data: out}}
	if r.p.atEnd() { // a statement with no result set
		return r, nil
	}
	names, err := r.p.stringArray()
	if err != nil {
		return nil, fmt.Errorf("result header: %w", err)
	}
	typeNames, err := r.p.stringArray()
	if err != nil {
		return nil, fmt.Errorf("result types: %w", err)
	}
	if len(names) != len(typeNames) {
		return nil, fmt.Errorf("result header: %d names for %d types", len(names), len(typeNames))
	}
	r.names = names
	r.types = make([]chType, len(typeNames))
	for i, t := range typeNames {
		r.types[i] = parseChType(t)
	}
	return r, nil
}

func (r *jsonRows) Columns() []string { return r.names }
func (r *jsonRows) Err() error        { return r.err }

func (r *jsonRows) Close() error {
	r.p.data, r.cur = nil, nil
	return nil
}

func (r *jsonRows) Next() bool {
	if r.err != nil || r.p.atEnd() {
		r.cur = nil
		return false
	}
	raw, err := r.p.value()
	if err != nil {
		r.err = fmt.Errorf("chdb: decode row: %w", err)
		return false
	}
	vals, ok := raw.([]any)
	if !ok || len(vals) != len(r.types) {
		r.err = fmt.Errorf("chdb: decode row: want an array of %d values, got %.80v", len(r.types), raw)
		return false
	}
	for i, v := range vals {
		if vals[i], err = r.types[i].convert(v); err != nil {
			r.err = fmt.Errorf("chdb: column %s (%s): %w", r.names[i], r.types[i].name, err)
			return false
		}
	}
	r.cur = vals
	return true
}

func (r *jsonRows) Scan(dest ...any) error {
	if r.cur == nil {
		return fmt.Errorf("%w: Scan called without a successful Next", ErrScan)
	}
	if len(dest) != len(r.cur) {
		return fmt.Errorf("%w: %d destinations for %d columns", ErrScan, len(dest), len(r.cur))
	}
	for i, d := range dest {
		if err := Assign(d, r.cur[i]); err != nil {
			return fmt.Errorf("column %s: %w", r.names[i], err)
		}
	}
	return nil
}

// chType is a parsed ClickHouse column type, reduced to how its JSON text
// converts into a backend-neutral value.
type chType struct {
	name     string // as ClickHouse spelled it, for errors
	kind     chKind
	nullable bool
	loc      *time.Location // DateTime/DateTime64 text is in this zone
	zone     string         // a zone name that could not be loaded
	elem     *chType        // Array element
}

type chKind int

const (
	kindOther chKind = iota // best effort: JSON's own types
	kindString
	kindInt   // Int8..Int64, UInt8..UInt32 → int64
	kindUint  // UInt64 → uint64
	kindFloat // Float32/64, BFloat16, Decimal → float64
	kindBool  // Bool → bool
	kindTime  // DateTime, DateTime64 → time.Time in UTC
	kindDate  // Date, Date32 → time.Time at UTC midnight
	kindArray // Array(T) → []any
	kindNull  // Nothing (the type of a bare NULL) → nil
)

func parseChType(s string) chType {
	t := chType{name: s}
	name, args := splitType(s)
	switch name {
	case "LowCardinality", "SimpleAggregateFunction":
		if len(args) > 0 {
			inner := parseChType(args[len(args)-1])
			inner.name = s
			return inner
		}
	case "Nullable":
		if len(args) == 1 {
			inner := parseChType(args[0])
			inner.name, inner.nullable = s, true
			return inner
		}
	case "Array":
		if len(args) == 1 {
			elem := parseChType(args[0])
			t.kind, t.elem = kindArray, &elem
		}
	case "String", "FixedString", "UUID", "Enum8", "Enum16", "Enum", "IPv4", "IPv6",
		"Int128", "Int256", "UInt128", "UInt256":
		// 128/256-bit integers stay text: they do not fit the neutral types.
		t.kind = kindString
	case "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32":
		t.kind = kindInt
	case "UInt64":
		t.kind = kindUint
	case "Float32", "Float64", "BFloat16", "Decimal", "Decimal32", "Decimal64", "Decimal128", "Decimal256":
		t.kind = kindFloat
	case "Bool":
		t.kind = kindBool
	case "DateTime", "DateTime64":
		t.kind, t.loc = kindTime, time.UTC
		// The zone is the last quoted argument: DateTime('tz') or
		// DateTime64(3, 'tz'). Without one the session zone (UTC) applies.
		if n := len(args); n > 0 && strings.HasPrefix(args[n-1], "'") {
			tz := strings.Trim(args[n-1], "'")
			if loc, err := time.LoadLocation(tz); err == nil {
				t.loc = loc
			} else {
				t.loc, t.zone = nil, tz // reported by convert: never guess a zone
			}
		}
	case "Date", "Date32":
		t.kind = kindDate
	case "Nothing":
		t.kind = kindNull
	}
	return t
}

// splitType splits "Name(a, b)" into Name and its top-level arguments.
func splitType(s string) (string, []string) {
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return strings.TrimSpace(s), nil
	}
	name, inner := strings.TrimSpace(s[:open]), s[open+1:len(s)-1]
	var args []string
	depth, start := 0, 0
	for i := 0; i < len(inner); i++ {
		switch c := inner[i]; c {
		case '\'':
			end, _ := skipQuoted(inner, i)
			i = end - 1
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(inner[start:i]))
				start = i + 1
			}
		}
	}
	return name, append(args, strings.TrimSpace(inner[start:]))
}

// convert turns one decoded JSON value into the neutral value for t.
func (t *chType) convert(v any) (any, error) {
	if v == nil {
		if t.kind == kindFloat && !t.nullable {
			// Without output_format_json_quote_denormals nan/inf print as
			// null; in a non-Nullable column null can only be one of those.
			return math.NaN(), nil
		}
		return nil, nil
	}
	switch t.kind {
	case kindNull:
		return nil, nil
	case kindString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		if n, ok := v.(jsonNumber); ok {
			return string(n), nil
		}
	case kindInt:
		if s, ok := numberText(v); ok {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, err
			}
			return n, nil
		}
	case kindUint:
		if s, ok := numberText(v); ok {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return nil, err
			}
			return n, nil
		}
	case kindFloat:
		if s, ok := numberText(v); ok {
			return parseCHFloat(s)
		}
	case kindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case jsonNumber:
			return x != "0", nil
		}
	case kindTime:
		if t.loc == nil {
			return nil, fmt.Errorf("unknown time zone %q (is tzdata installed?)", t.zone)
		}
		if s, ok := v.(string); ok {
			tm, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", s, t.loc)
			if err != nil {
				return nil, err
			}
			return tm.UTC(), nil
		}
	case kindDate:
		if s, ok := v.(string); ok {
			return time.ParseInLocation(time.DateOnly, s, time.UTC)
		}
	case kindArray:
		if arr, ok := v.([]any); ok {
			for i, e := range arr {
				c, err := t.elem.convert(e)
				if err != nil {
					return nil, err
				}
				arr[i] = c
			}
			return arr, nil
		}
	case kindOther:
		return genericValue(v), nil
	}
	return nil, fmt.Errorf("unexpected JSON value %.80v", v)
}

// numberText returns the text of a JSON number, or of a string holding one
// (64-bit integers and special floats arrive quoted).
func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case jsonNumber:
		return string(x), true
	case string:
		return x, true
	}
	return "", false
}

func parseCHFloat(s string) (float64, error) {
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case "nan":
		return math.NaN(), nil
	case "inf", "infinity":
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	}
	return strconv.ParseFloat(s, 64)
}

// genericValue converts a value of a type this backend does not map
// specifically (Tuple, Map, ...): numbers become int64, uint64 or float64.
func genericValue(v any) any {
	switch x := v.(type) {
	case jsonNumber:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return n
		}
		if n, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return n
		}
		f, _ := parseCHFloat(string(x))
		return f
	case []any:
		for i := range x {
			x[i] = genericValue(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = genericValue(x[k])
		}
		return x
	}
	return v
}

// jsonNumber is the text of a JSON number, kept exact until its column type
// says how to read it.
type jsonNumber string

// jsonParser decodes ClickHouse's JSON output. encoding/json would replace
// bytes that are not UTF-8 (ClickHouse strings are arbitrary bytes and are
// written out unvalidated) with U+FFFD; this keeps them byte for byte.
type jsonParser struct {
	data []byte
	pos  int
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) atEnd() bool {
	p.skipSpace()
	return p.pos >= len(p.data)
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *jsonParser) stringArray() ([]string, error) {
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, p.errorf("want an array of strings")
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		if out[i], ok = e.(string); !ok {
			return nil, p.errorf("want an array of strings")
		}
	}
	return out, nil
}

// value decodes one JSON value: nil, bool, jsonNumber, string, []any or
// map[string]any.
func (p *jsonParser) value() (any, error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of result")
	}
	switch c := p.data[p.pos]; {
	case c == '"':
		return p.str()
	case c == '[':
		p.pos++
		arr := []any{}
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			return arr, nil
		}
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
			p.skipSpace()
			if p.pos >= len(p.data) {
				return nil, p.errorf("unterminated array")
			}
			switch p.data[p.pos] {
			case ',':
				p.pos++
			case ']':
				p.pos++
				return arr, nil
			default:
				return nil, p.errorf("unexpected %q in array", p.data[p.pos])
			}
		}
	case c == '{':
		p.pos++
		obj := map[string]any{}
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			return obj, nil
		}
		for {
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != '"' {
				return nil, p.errorf("want an object key")
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return nil, p.errorf("want ':' after object key")
			}
			p.pos++
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			obj[k] = v
			p.skipSpace()
			if p.pos >= len(p.data) {
				return nil, p.errorf("unterminated object")
			}
			switch p.data[p.pos] {
			case ',':
				p.pos++
			case '}':
				p.pos++
				return obj, nil
			default:
				return nil, p.errorf("unexpected %q in object", p.data[p.pos])
			}
		}
	case c == '-' || c == '+' || ('0' <= c && c <= '9'):
		start := p.pos
		for p.pos < len(p.data) && strings.IndexByte("+-0123456789.eE", p.data[p.pos]) >= 0 {
			p.pos++
		}
		return jsonNumber(p.data[start:p.pos]), nil
	default:
		for _, lit := range []struct {
			text string
			v    any
		}{{"null", nil}, {"true", true}, {"false", false}, {"nan", jsonNumber("nan")},
			{"inf", jsonNumber("inf")}} {
			if bytes.HasPrefix(p.data[p.pos:], []byte(lit.text)) {
				p.pos += len(lit.text)
				return lit.v, nil
			}
		}
		return nil, p.errorf("unexpected %q", c)
	}
}

// str decodes a JSON string starting at the opening quote.
func (p *jsonParser) str() (string, error) {
	p.pos++ // opening quote
	var out []byte
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			var s string
			if out == nil {
				s = string(p.data[start:p.pos])
			} else {
				s = string(append(out, p.data[start:p.pos]...))
			}
			p.pos++
			return s, nil
		}
		if c != '\\' {
			p.pos++
			continue
		}
		out = append(out, p.data[start:p.pos]...)
		p.pos++
		if p.pos >= len(p.data) {
			break
		}
		e := p.data[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errorf("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A pair encodes one rune beyond the BMP.
				if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					if r2, ok := p.hex4(); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							out = utf8.AppendRune(out, d)
							break
						}
					}
					p.pos = save
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default:
			out = append(out, e)
		}
		start = p.pos
	}
	return "", p.errorf("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(n), true
}
