package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// maxSecretBytes bounds a *_file secret. Tokens are tens of bytes; the
// bound keeps a mistaken path (token_file: /dev/zero, a log file) from
// being read without end.
const maxSecretBytes = 16 << 10

// readSecretFile reads the secret in path, named by the setting field
// (token_file). The file must be regular, after following symlinks as
// Kubernetes mounts secrets, and at most maxSecretBytes long; surrounding
// white space is trimmed. Errors name the setting and the file, never what
// it holds.
func readSecretFile(field, path string) (Secret, error) {
	// Stat before opening: opening a FIFO blocks until a writer comes.
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("%s %s: %s", field, bare(path), fsReason(err))
	}
	if err := checkSecretFile(field, path, fi); err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s %s: %s", field, bare(path), fsReason(err))
	}
	defer f.Close()
	// What was opened may not be what was checked if the path changed.
	if fi, err = f.Stat(); err != nil {
		return "", fmt.Errorf("%s %s: %s", field, bare(path), fsReason(err))
	}
	if err := checkSecretFile(field, path, fi); err != nil {
		return "", err
	}
	// Bounded even when the size is not what Stat said (files in /proc
	// report 0, a file may grow).
	b, err := io.ReadAll(io.LimitReader(f, maxSecretBytes+1))
	if err != nil {
		return "", fmt.Errorf("%s %s: %s", field, bare(path), fsReason(err))
	}
	if len(b) > maxSecretBytes {
		return "", errTooLarge(field, path)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%s %s is empty", field, bare(path))
	}
	return Secret(v), nil
}

func checkSecretFile(field, path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s %s is not a regular file (%s); it must name a file holding only the secret", field, bare(path), fileKind(fi.Mode()))
	}
	if fi.Size() > maxSecretBytes {
		return errTooLarge(field, path)
	}
	return nil
}

func errTooLarge(field, path string) error {
	return fmt.Errorf("%s %s is larger than %d KiB; it must hold only the secret", field, bare(path), maxSecretBytes>>10)
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	default:
		return "mode " + m.Type().String()
	}
}

// fsReason is an os error without the path it repeats (the caller names
// the file once, clipped).
func fsReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
