package warehouse

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"github.com/ebitengine/purego"
)

// The process's one chDB engine: the registry, the C calls and the signal
// guards around them.

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
		return nil, engineMessage(strings.TrimSpace(cString(msg)))
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

// engineMessage is libchdb's error text for a statement. It quotes the
// statement, values included, so chdbDB.run reduces it to an engineError
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
