package warehouse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ebitengine/purego"
)

// Loading libchdb: the library search and the purego binding of its C API.

// chdbVersion is the libchdb release Runway is built and tested against; it
// names the cache folder the Makefile downloads the library into.
const chdbVersion = "26.7.3-stable.1"

// chdbLibEnv names the variable that points at libchdb.so. When set it is the
// only location tried.
const chdbLibEnv = "CHDB_LIB_PATH"

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

	// The write side of a streaming INSERT: begin it on a connection, push
	// data in the named input format, then finish it.
	//
	// chdb_insert_stream chdb_stream_insert_n(chdb_connection conn,
	//     const char * query, size_t query_len, const char * format, size_t format_len)
	streamInsertN func(conn uintptr, query *byte, queryLen uintptr, format *byte, formatLen uintptr) uintptr
	// chdb_state chdb_stream_append(chdb_insert_stream stream, const void * data, size_t len)
	streamAppend func(stream uintptr, data *byte, n uintptr) int32
	// chdb_result * chdb_stream_done(chdb_insert_stream stream)
	streamDone func(stream uintptr) uintptr
	// const char * chdb_stream_insert_error(chdb_insert_stream stream)
	streamInsertError func(stream uintptr) *byte
	// void chdb_destroy_insert_stream(chdb_insert_stream stream); it
	// cancels a stream that was not finished.
	destroyInsertStream func(stream uintptr)
	// void chdb_set_signal_handlers_enabled(int enabled); nil when the
	// library predates it.
	setSignalHandlersEnabled func(enabled int32)

	signalsOnce sync.Once
	// openMu serializes chdb_connect: the signal handlers saved and put
	// back around it are process-wide.
	openMu sync.Mutex
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
		"chdb_result_buffer", "chdb_result_length", "chdb_result_error", "chdb_destroy_query_result",
		"chdb_stream_insert_n", "chdb_stream_append", "chdb_stream_done", "chdb_stream_insert_error",
		"chdb_destroy_insert_stream"} {
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
	purego.RegisterLibFunc(&lib.streamInsertN, h, "chdb_stream_insert_n")
	purego.RegisterLibFunc(&lib.streamAppend, h, "chdb_stream_append")
	purego.RegisterLibFunc(&lib.streamDone, h, "chdb_stream_done")
	purego.RegisterLibFunc(&lib.streamInsertError, h, "chdb_stream_insert_error")
	purego.RegisterLibFunc(&lib.destroyInsertStream, h, "chdb_destroy_insert_stream")
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
