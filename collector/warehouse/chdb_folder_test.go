//go:build linux

package warehouse

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The errors a full or read-only data folder gives name the problem (the
// engine's texts below are libchdb 26.7's and ClickHouse 18.16's), never
// the paths or data the engine quotes.
func TestStorageErrorsNameTheProblem(t *testing.T) {
	const path = "/srv/SECRET-PATH/store/e1e/tmp_insert_all_2_2_1"
	for _, c := range []struct{ text, template, want string }{
		{"Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space. (NOT_ENOUGH_SPACE) (version 26.7.2.1)",
			"INSERT INTO db.issues (source, issue_id, version)", "Code: 243 NOT_ENOUGH_SPACE"},
		{"std::exception. Code: 1001, type: std::__1::filesystem::filesystem_error, e.what() = filesystem error: in create_directories: Read-only file system [\"" +
			path + "\"]\nCannot print extra info for Poco::Exception (version 26.7.2.1)",
			"INSERT INTO db.boards (source, board_id, type, version)", "Code: 1001 STD_EXCEPTION: Read-only file system"},
		{"Cannot open file " + path + "/data.bin, errno: 28, strerror: No space left on device",
			"INSERT INTO db.issues (source, issue_id)", "engine error without a code (message withheld: it may quote data)"},
	} {
		got := parseEngineMessage(c.text, c.template).Error()
		if got != c.want {
			t.Errorf("parseEngineMessage(%q) = %q, want %q", c.text, got, c.want)
		}
		if strings.Contains(got, "SECRET") {
			t.Errorf("%q quotes the path", got)
		}
	}
	// A server's exception comes with its code: the system error is named.
	e := newEngineError(76, "", "Cannot open file "+path+"/data.bin, errno: 30, strerror: Read-only file system", "INSERT INTO db.issues (source)")
	if got, want := e.Error(), "Code: 76 CANNOT_OPEN_FILE: Read-only file system"; got != want {
		t.Errorf("server exception: %q, want %q", got, want)
	}
}

// TestCheckWritable: a data folder the engine cannot write to is refused
// up front, saying why: as root (which permissions do not stop) a
// read-only tmpfs, else a folder without write permission.
func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	if err := checkWritable(dir); err != nil {
		t.Fatalf("a writable folder: %v", err)
	}
	want := "permission denied"
	if os.Geteuid() == 0 {
		if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_RDONLY, "size=1m"); err != nil {
			t.Fatal(err)
		}
		defer syscall.Unmount(dir, syscall.MNT_DETACH)
		want = "read-only file system"
	} else if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	err := checkWritable(dir)
	if err == nil || !strings.Contains(err.Error(), "is not writable: "+want) || !strings.Contains(err.Error(), dir) {
		t.Errorf("a read-only folder: %v, want it named, with %q", err, want)
	}
}

// TestSyncEmbedded: Sync flushes an open embedded store and refuses a
// closed handle.
func TestSyncEmbedded(t *testing.T) {
	dir := sharedStore(t)
	db, err := Open(context.Background(), "chdb://"+filepath.Clean(dir)+"?database=sync_test")
	if err != nil {
		t.Fatal(err)
	}
	if err := Sync(context.Background(), db); err != nil {
		t.Errorf("Sync: %v", err)
	}
	db.Close()
	if err := Sync(context.Background(), db); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close: %v, want ErrClosed", err)
	}
}
