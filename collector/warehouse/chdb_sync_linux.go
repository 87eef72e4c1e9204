package warehouse

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFileSystem flushes the file system f is on (syncfs(2)).
func syncFileSystem(f *os.File) error { return unix.Syncfs(int(f.Fd())) }
