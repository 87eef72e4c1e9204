package warehouse

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// The process's one chDB engine: the registry, its connections and the C
// calls that run statements on them.

// chdbEngine is the process's one ClickHouse engine: a pool of chDB
// connections on one data folder, shared by every handle opened on it.
type chdbEngine struct {
	reg   *engineRegistry
	lib   *chdbLib
	path  string
	conns *connPool
	refs  int // open handles; guarded by reg.mu
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

// engineArgs are the startup arguments of every connection. Query-level
// settings given here apply to that connection, as if SET on it.
func engineArgs(path string) []string {
	return []string{
		"clickhouse",
		"--path=" + path,
		// DateTime text in statements is UTC whatever the process's TZ.
		// (The engine's serverTimezone() still follows TZ: a --timezone
		// argument is ignored. Every DateTime without an explicit zone
		// follows the session zone, and Runway's columns name 'UTC'.)
		"--session_timezone=UTC",
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
	// The first connection boots the engine, so its failure is reported
	// here rather than by the first statement.
	args := engineArgs(path)
	first, err := lib.open(args)
	if err != nil {
		return nil, fmt.Errorf("chdb: open %s: %w", path, err)
	}
	e := &chdbEngine{reg: r, lib: lib, path: path, refs: 1,
		conns: newConnPool(maxConns(), first, func() (*uintptr, error) { return lib.open(args) }, lib.closeConn)}
	if r.byPath == nil {
		r.byPath = make(map[string]*chdbEngine)
	}
	r.byPath[path] = e
	return e, nil
}

// release drops one handle's reference; the last one closes the engine.
// Every handle waits for its statements before releasing, so no connection
// is in use then.
func (e *chdbEngine) release() {
	e.reg.mu.Lock()
	defer e.reg.mu.Unlock()
	e.refs--
	if e.refs > 0 {
		return
	}
	delete(e.reg.byPath, e.path)
	e.conns.closeAll()
}

// open calls chdb_connect with args.
func (l *chdbLib) open(args []string) (*uintptr, error) {
	l.openMu.Lock()
	defer l.openMu.Unlock()
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

// query runs one statement on a pooled connection. With read it asks for
// output in format and passes read the result buffer, which is C memory
// valid only during the call. The C call cannot be interrupted: a context
// cancelled while it runs takes effect only once it returns.
func (e *chdbEngine) query(ctx context.Context, query, format string, read func([]byte) error) error {
	if query == "" {
		return errors.New("empty statement")
	}
	conn, err := e.conns.get(ctx)
	if err != nil {
		return err
	}
	// The statement is passed by pointer and length (chdb_query_n), so it is
	// neither copied nor truncated at a NUL; Go keeps it alive for the call.
	res := e.lib.queryN(*conn, unsafe.StringData(query), uintptr(len(query)),
		unsafe.StringData(format), uintptr(len(format)))
	runtime.KeepAlive(query)
	runtime.KeepAlive(format)
	e.conns.put(conn) // the result outlives the statement's hold on conn
	if res == 0 {
		return errors.New("chdb_query_n returned no result")
	}
	defer e.lib.destroyResult(res)
	if msg := e.lib.resultError(res); msg != nil {
		return engineMessage(strings.TrimSpace(cString(msg)))
	}
	if read == nil {
		return nil
	}
	var out []byte
	if n := e.lib.resultLength(res); n > 0 {
		if buf := e.lib.resultBuffer(res); buf != nil {
			out = unsafe.Slice(buf, int(n))
		}
	}
	return read(out)
}

// insert runs head (INSERT INTO t (c1, c2)) on a pooled connection as a
// streaming INSERT of Native data, appending each piece next returns until
// it returns nil. ctx is checked between pieces; a cancelled or failed
// insert is abandoned, leaving what the engine already wrote.
func (e *chdbEngine) insert(ctx context.Context, head string, next func() ([]byte, error)) error {
	conn, err := e.conns.get(ctx)
	if err != nil {
		return err
	}
	defer e.conns.put(conn)
	const format = "Native"
	stream := e.lib.streamInsertN(*conn, unsafe.StringData(head), uintptr(len(head)),
		unsafe.StringData(format), uintptr(len(format)))
	runtime.KeepAlive(head)
	if stream == 0 {
		return errors.New("chdb_stream_insert_n returned no stream")
	}
	defer e.lib.destroyInsertStream(stream)
	if msg := e.lib.streamInsertError(stream); msg != nil {
		return engineMessage(strings.TrimSpace(cString(msg)))
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := next()
		if err != nil {
			return err
		}
		if data == nil {
			break
		}
		if e.lib.streamAppend(stream, unsafe.SliceData(data), uintptr(len(data))) != 0 {
			return engineMessage(e.streamError(stream))
		}
		runtime.KeepAlive(data)
	}
	res := e.lib.streamDone(stream)
	if res == 0 {
		return errors.New("chdb_stream_done returned no result")
	}
	defer e.lib.destroyResult(res)
	if msg := e.lib.resultError(res); msg != nil {
		return engineMessage(strings.TrimSpace(cString(msg)))
	}
	return nil
}

// streamError is the error text of a failed insert stream.
func (e *chdbEngine) streamError(stream uintptr) string {
	if msg := e.lib.streamInsertError(stream); msg != nil {
		return strings.TrimSpace(cString(msg))
	}
	return "chdb_stream_append failed"
}

// engineMessage is libchdb's error text for a statement. It quotes the
// statement, values included, so chdbDB.do reduces it to an engineError
// and never passes it on.
type engineMessage string

func (m engineMessage) Error() string { return string(m) }

// cString copies a NUL-terminated C string.
func cString(p *byte) string {
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(p, n))
}
