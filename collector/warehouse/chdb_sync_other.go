//go:build !linux

package warehouse

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFileSystem flushes every file system (no syncfs(2) here).
func syncFileSystem(*os.File) error {
	unix.Sync()
	return nil
}
