//go:build linux

package main

// The embedded store's folder made read-only or full (issue 14, item 2,
// in part): `runway collect` fails with one clear error naming the
// problem, never a crash; nothing committed is lost; once the folder is
// writable again the next run completes with exactly the org's data.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/jira"
)

// storeFolder is a small ext4 file system in an image file, loop-mounted
// on a temporary folder, for the embedded store to live in: it can fill
// up, be remounted read-only, or turn read-only under a running process
// as ext4 does on an I/O error (errors=remount-ro). It needs root, as
// `make test` runs, and mount, mkfs.ext4 and e2fsck.
type storeFolder struct {
	image, dir string
}

// folderSize is a few times what the org's collection needs.
const folderSize = 64 << 20

func newStoreFolder(t *testing.T) *storeFolder {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("mounting a small file system for the store needs root (make test runs as root)")
	}
	f := &storeFolder{image: filepath.Join(t.TempDir(), "store.ext4"), dir: t.TempDir()}
	img, err := os.Create(f.image)
	if err == nil {
		err = img.Truncate(folderSize)
		img.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	// -m 0: no blocks reserved for root, which the store runs as.
	command(t, "mkfs.ext4", "-q", "-F", "-m", "0", f.image)
	f.mount(t)
	t.Cleanup(func() {
		if err := syscall.Unmount(f.dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmounting %s: %v", f.dir, err)
		}
	})
	return f
}

func command(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func (f *storeFolder) mount(t *testing.T) {
	t.Helper()
	command(t, "mount", "-o", "loop,errors=remount-ro", f.image, f.dir)
}

// device is the loop device the folder is mounted from ("loop3").
func (f *storeFolder) device(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if fs := strings.Fields(line); len(fs) > 1 && fs[1] == f.dir {
			return filepath.Base(fs[0])
		}
	}
	t.Fatalf("%s is not mounted", f.dir)
	return ""
}

// remount makes the folder read-only or writable again.
func (f *storeFolder) remount(t *testing.T, readOnly bool) {
	t.Helper()
	flags := uintptr(syscall.MS_REMOUNT)
	if readOnly {
		flags |= syscall.MS_RDONLY
	}
	if err := syscall.Mount("", f.dir, "", flags, "errors=remount-ro"); err != nil {
		t.Errorf("remounting %s (read-only %v): %v", f.dir, readOnly, err)
	}
}

// fail makes the file system turn read-only now, files open for writing
// or not, as ext4 does when the disk reports an error.
func (f *storeFolder) fail(t *testing.T) {
	t.Helper()
	p := "/sys/fs/ext4/" + f.device(t) + "/trigger_fs_error"
	if err := os.WriteFile(p, []byte("runway store-folder test"), 0o200); err != nil {
		t.Errorf("making %s fail: %v", f.dir, err)
	}
}

// repair is what an operator does after the disk error: unmount, check,
// mount again.
func (f *storeFolder) repair(t *testing.T) {
	t.Helper()
	if err := syscall.Unmount(f.dir, 0); err != nil {
		t.Fatalf("unmounting %s: %v", f.dir, err)
	}
	// Exit status 1: errors were corrected.
	if out, err := exec.Command("e2fsck", "-f", "-y", f.image).CombinedOutput(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() > 1 {
			t.Fatalf("e2fsck: %v\n%s", err, out)
		}
	}
	f.mount(t)
}

// fill takes every free byte of the folder and returns how to give them
// back.
func (f *storeFolder) fill(t *testing.T) (free func()) {
	t.Helper()
	p := filepath.Join(f.dir, "filler")
	file, err := os.Create(p)
	if err != nil {
		t.Errorf("filling %s: %v", f.dir, err)
		return func() {}
	}
	defer file.Close()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(f.dir, &fs); err == nil {
		_ = syscall.Fallocate(int(file.Fd()), 0, 0, int64(fs.Bfree)*fs.Bsize)
	}
	// What fallocate left (metadata, rounding), writes take.
	buf := make([]byte, 64<<10)
	for {
		if _, err := file.Write(buf); err != nil {
			break
		}
	}
	return func() {
		if err := os.Remove(p); err != nil {
			t.Errorf("freeing %s: %v", f.dir, err)
		}
	}
}

// crashSigns are what a crash leaves on stderr.
var crashSigns = []string{"panic", "goroutine ", "SIGSEGV", "SIGABRT", "fatal error", "Stack trace", "terminate called"}

// TestStoreFolderFaults: the embedded store in a size-limited folder
// (a tmpfs) made full, and read-only, in the middle of a backfill and
// before a run. Each faulted run exits 1 with a clear error naming the
// problem; what it committed before the fault is a consistent
// checkpoint; the run after the folder is writable again resumes from it
// and ends with exactly what a clean collection holds.
func TestStoreFolderFaults(t *testing.T) {
	t.Parallel()
	clean, ref := cleanKillOrg(t)
	sim := newSimJira(t, killOrg(), killPageSize)
	folder := newStoreFolder(t)
	st := newTarget(t, "chdb", folder.dir, "folder")
	cfg := sim.collectConfig(t, st.dsn, termGrace)
	var table []faultRow
	defer func() { logFaults(t, table) }()

	// A request into the issue search, past the first checkpoint.
	mid := clean.prefix + 50
	full := []string{"NOT_ENOUGH_SPACE", "No space left on device"}
	readOnly := []string{"Read-only file system"}
	cursor := ""
	for _, fc := range []struct {
		name    string
		during  bool                 // at request mid, else before the run
		fault   func() (undo func()) // makes the fault; undo, once the run ended, makes the folder writable again
		problem []string             // the error names one of these
	}{
		{"folder full during the backfill", true, func() func() { return folder.fill(t) }, full},
		{"folder turned read-only (disk error) during the backfill", true, func() func() {
			folder.fail(t)
			return func() { folder.repair(t) }
		}, readOnly},
		{"folder read-only before the run", false, func() func() {
			folder.remount(t, true)
			return func() { folder.remount(t, false) }
		}, readOnly},
		{"folder full before the run", false, func() func() { return folder.fill(t) }, full},
	} {
		what := "chdb: " + fc.name
		var undo func()
		var run collectRun
		if fc.during {
			run = sim.collect(t, cfg, sim.atRequest(mid), 0, func() { undo = fc.fault() })
		} else {
			undo = fc.fault()
			run = sim.collect(t, cfg, nil, 0)
		}
		if undo == nil {
			t.Fatalf("%s: the fault was never made\n%s%s", what, run.stdout, run.stderr)
		}
		undo()
		if run.signal != 0 || run.code != 1 {
			t.Errorf("%s: exit %d (signal %v), want 1\n%s%s", what, run.code, run.signal, run.stdout, run.stderr)
		}
		for _, bad := range crashSigns {
			if strings.Contains(run.stderr, bad) || strings.Contains(run.stdout, bad) {
				t.Errorf("%s: the output shows %q: a crash\n%s%s", what, bad, run.stdout, run.stderr)
			}
		}
		named := false
		for _, p := range fc.problem {
			named = named || strings.Contains(strings.ToLower(runwayLines(run)), strings.ToLower(p))
		}
		if !named {
			t.Errorf("%s: the error does not name the problem (%s)\n%s%s", what, strings.Join(fc.problem, " or "), run.stdout, run.stderr)
		}
		left := sim.inspect(t, st, false, false)
		covered := sim.checkResumable(t, what, left, ref)
		if c := left.Cursors[jira.CursorIssues]; c < cursor {
			t.Errorf("%s: the issue cursor went back from %s to %s", what, cursor, c)
		} else {
			cursor = c
		}
		table = append(table, faultRow{fault: what, outcome: fmt.Sprintf("exit 1: %s; the checkpoint holds %d of %d issues",
			firstLine(run.stdout, run.stderr), covered, len(sim.org.Issues)), lost: "none"})
	}
	last := sim.collect(t, cfg, nil, 0)
	if last.code != 0 {
		t.Fatalf("chdb: the run once writable again: exit %d\n%s%s", last.code, last.stdout, last.stderr)
	}
	if cursor != "" {
		resumedFrom(t, "chdb: the run once writable again", last.searches, cursor)
	}
	got := sim.inspect(t, st, false, true)
	sim.checkExact(t, "chdb: once writable again", got, ref)
	table = append(table, faultRow{fault: "chdb: the run once the folder is writable again", outcome: "completes; exact data (the org's truth)",
		lost: "none", recovery: fmt.Sprintf("%s, %d requests (a clean collection: %s, %d)", last.took.Round(10*time.Millisecond),
			last.requests, clean.took.Round(10*time.Millisecond), clean.requests)})
}

// runwayLines are what Runway itself said: its summary and its log and
// error lines (the engine may print its own exceptions to stderr too).
func runwayLines(r collectRun) string {
	var out []string
	for _, l := range strings.Split(r.stdout+r.stderr, "\n") {
		if strings.HasPrefix(l, "sim: ") || strings.HasPrefix(l, "runway ") || strings.HasPrefix(l, "time=") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// firstLine is the first line of the summary (stdout), else Runway's
// error (the last line of stderr).
func firstLine(stdout, stderr string) string {
	s, _, _ := strings.Cut(strings.TrimSpace(stdout), "\n")
	if s == "" {
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		s = lines[len(lines)-1]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
