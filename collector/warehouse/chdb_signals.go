package warehouse

import (
	"sync"
	"syscall"
	"unsafe"

	"github.com/ebitengine/purego"
)

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
