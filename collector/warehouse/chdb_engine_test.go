package warehouse

import (
	"context"
	"strings"
	"testing"
)

// fakeLib stands in for libchdb in registry tests: connect hands out a
// non-zero handle and closeConn counts.
func fakeLib(closed *int) *chdbLib {
	return &chdbLib{
		path: "fake",
		connect: func(argc int32, argv **byte) *uintptr {
			h := uintptr(1)
			return &h
		},
		closeConn: func(*uintptr) { *closed++ },
	}
}

// TestEngineRegistry: handles on one folder share an engine, another folder
// is refused while it is open, and the last handle closes it, after which
// another folder can be opened.
func TestEngineRegistry(t *testing.T) {
	var reg engineRegistry
	closed := 0
	lib := fakeLib(&closed)
	a1, err := reg.acquire(lib, "/data/a")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := reg.acquire(lib, "/data/a")
	if err != nil || a2 != a1 || a1.refs != 2 {
		t.Fatalf("second handle: %v, shared %v, refs %d", err, a2 == a1, a1.refs)
	}
	if _, err := reg.acquire(lib, "/data/b"); err == nil || !strings.Contains(err.Error(), "already open on /data/a") {
		t.Fatalf("other folder while open: %v", err)
	}
	a1.release()
	if closed != 0 || len(reg.byPath) != 1 {
		t.Fatalf("engine closed with a handle left (closed %d)", closed)
	}
	a2.release()
	if closed != 1 || len(reg.byPath) != 0 {
		t.Fatalf("engine not closed by the last handle (closed %d)", closed)
	}
	b, err := reg.acquire(lib, "/data/b")
	if err != nil {
		t.Fatalf("other folder after close: %v", err)
	}
	b.release()

	// The process registry holds the shared engine; a handle of a test
	// joins and leaves it without closing it.
	dir := sharedStore(t)
	engines.mu.Lock()
	before := engines.byPath[dir].refs
	engines.mu.Unlock()
	h, err := Open(context.Background(), "chdb://"+dir+"?database=chdb_registry")
	if err != nil {
		t.Fatal(err)
	}
	engines.mu.Lock()
	during := engines.byPath[dir].refs
	engines.mu.Unlock()
	h.Exec(context.Background(), "DROP DATABASE IF EXISTS {db}")
	h.Close()
	engines.mu.Lock()
	after := engines.byPath[dir].refs
	engines.mu.Unlock()
	if during != before+1 || after != before {
		t.Errorf("refs before, during, after = %d, %d, %d", before, during, after)
	}
}

// TestEngineLifecycle runs in a fresh process, where nothing else holds the
// engine: the last Close closes it, another folder can then be opened, and
// the first folder's data is there when it is reopened.
func TestEngineLifecycle(t *testing.T) {
	sharedStore(t) // fail here, with the CHDB_LIB_PATH message, if the library is missing
	if out, ok := runChild(t, "TestEngineLifecycleChild"); !ok || !strings.Contains(out, "--- PASS: TestEngineLifecycleChild") {
		t.Fatalf("child failed:\n%s", out)
	}
}

func TestEngineLifecycleChild(t *testing.T) {
	childOnly(t)
	ctx := context.Background()
	dirA, dirB := t.TempDir(), t.TempDir()
	a1, err := Open(ctx, "chdb://"+dirA+"?database=one")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := Open(ctx, "chdb://"+dirA+"?database=two")
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, a1, "CREATE TABLE {db}.kept (v String) ENGINE = MergeTree ORDER BY v")
	if err := a1.Insert(ctx, "kept", []string{"v"}, [][]any{{"persisted"}}); err != nil {
		t.Fatal(err)
	}
	a1.Close()
	if _, err := Open(ctx, "chdb://"+dirB); err == nil {
		t.Fatal("opened a second folder while a handle on the first is open")
	}
	a2.Close()
	if p := openEnginePath(); p != "" {
		t.Fatalf("engine on %s still registered after the last Close", p)
	}

	b, err := Open(ctx, "chdb://"+dirB)
	if err != nil {
		t.Fatalf("open another folder after closing the first: %v", err)
	}
	var n int64
	queryRow(t, b, "SELECT count() FROM system.databases WHERE name = 'one'", nil, &n)
	if n != 0 {
		t.Errorf("folder B sees folder A's database")
	}
	b.Close()

	a, err := Open(ctx, "chdb://"+dirA+"?database=one")
	if err != nil {
		t.Fatalf("reopen the first folder: %v", err)
	}
	defer a.Close()
	var v string
	queryRow(t, a, "SELECT v FROM {db}.kept", nil, &v)
	if v != "persisted" {
		t.Errorf("reopened folder holds %q", v)
	}
}

// openEnginePath is the data folder of the open engine, or "".
func openEnginePath() string {
	engines.mu.Lock()
	defer engines.mu.Unlock()
	for path := range engines.byPath {
		return path
	}
	return ""
}
