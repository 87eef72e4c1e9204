package warehouse

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Sync makes what db's inserts have written so far durable, where the
// backend leaves that to this process: the embedded store flushes the file
// system its data folder is on. ClickHouse writes parts without fsync, so
// until the kernel writes them back, a crash of the machine or a disk
// error that turns the file system read-only loses them, in any order:
// a cursor could outlive the rows it was committed after. The collector
// runner syncs a commit's rows before it writes the cursors they justify.
// A ClickHouse server keeps its own durability; Sync does nothing there.
func Sync(ctx context.Context, db DB) error {
	if s, ok := db.(interface{ sync(context.Context) error }); ok {
		return s.sync(ctx)
	}
	return nil
}

func (d *chdbDB) sync(ctx context.Context) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.Open(d.eng.path)
	if err != nil {
		return fmt.Errorf("chdb: syncing the data folder: %w", err)
	}
	defer f.Close()
	if err := syncFileSystem(f); err != nil {
		return fmt.Errorf("chdb: syncing the data folder %s: %w", d.eng.path, err)
	}
	return nil
}

// checkWritable refuses a data folder the engine could not write to,
// naming why ("read-only file system", "permission denied"): the engine
// itself only says that it could not start.
func checkWritable(path string) error {
	if err := unix.Access(path, unix.W_OK); err != nil {
		return fmt.Errorf("chdb: the data folder %s is not writable: %w", path, err)
	}
	return nil
}
