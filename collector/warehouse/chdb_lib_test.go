package warehouse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLibraryMissing checks the loader's errors directly, on loader values
// of its own (the process's loader already holds the library), then a whole
// test process started with CHDB_LIB_PATH naming nothing.
func TestLibraryMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope", "libchdb.so")
	if _, err := loadLibrary(missing); err == nil {
		t.Fatal("loadLibrary of a missing file succeeded")
	}
	err := func() error { _, err := findLibrary(missing, []string{"/should/not/be/tried.so"}); return err }()
	if !errors.Is(err, ErrLibraryMissing) || !strings.Contains(err.Error(), "CHDB_LIB_PATH="+missing) ||
		strings.Contains(err.Error(), "/should/not/be/tried.so") || strings.Contains(err.Error(), "\n") {
		t.Errorf("with CHDB_LIB_PATH: %v", err)
	}
	notLib := filepath.Join(t.TempDir(), "libchdb.so")
	if err := os.WriteFile(notLib, []byte("not an ELF file"), 0o644); err != nil {
		t.Fatal(err)
	}
	cands := []string{"/nonexistent/a/libchdb.so", notLib, "/nonexistent/b/libchdb.so"}
	_, err = findLibrary("", cands)
	if !errors.Is(err, ErrLibraryMissing) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("search: %v", err)
	}
	for _, want := range append(cands, "CHDB_LIB_PATH") {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("search error %q does not name %s", err, want)
		}
	}
	t.Logf("error: %v", err)

	// A failed load is not remembered: the next attempt loads.
	var l libraryLoader
	for range 2 {
		if _, err := l.get(func() (*chdbLib, error) { return findLibrary(missing, nil) }); !errors.Is(err, ErrLibraryMissing) {
			t.Fatalf("loader: %v", err)
		}
	}
	if l.lib != nil {
		t.Fatal("a failed load left a library behind")
	}
	sharedStore(t)
	processLibrary.mu.Lock()
	real := processLibrary.lib.path
	processLibrary.mu.Unlock()
	lib, err := l.get(func() (*chdbLib, error) { return findLibrary("", []string{missing, real}) })
	if err != nil || lib.path != real {
		t.Fatalf("loader after a failure: %v, %v", lib, err)
	}

	// The search order: executable folder, then caches, then system folders.
	t.Setenv("RUNWAY_CACHE_DIR", "/cache")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	got := libraryCandidates()
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	want := []string{filepath.Join(filepath.Dir(exe), "libchdb.so"), "/cache/chdb/" + chdbVersion + "/libchdb.so",
		"/xdg/runway/chdb/" + chdbVersion + "/libchdb.so", "/usr/local/lib/libchdb.so", "/usr/lib/libchdb.so"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("candidates = %q\nwant %q", got, want)
	}

	// A whole process: its first Open fails with one clear line.
	out, ok := runChild(t, "TestEmbeddedOpen", "CHDB_LIB_PATH="+missing)
	if ok {
		t.Fatalf("test process with CHDB_LIB_PATH=%s succeeded:\n%s", missing, out)
	}
	line := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, ErrLibraryMissing.Error()) {
			line = l
		}
	}
	if !strings.Contains(line, "CHDB_LIB_PATH="+missing+" cannot be loaded") {
		t.Errorf("no line naming CHDB_LIB_PATH and %s in:\n%s", missing, out)
	}
}
