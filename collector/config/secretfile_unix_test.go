//go:build unix

package config

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSecretFileFIFO: a named pipe is refused before it is opened (opening
// one blocks until a writer comes, so the load would hang).
func TestSecretFileFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "token.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	cfgPath := writeConfig(t, tokensConfig("{name: ops, token_file: "+fifo+", scope: admin}"))
	done := make(chan error, 1)
	go func() {
		_, err := Load(cfgPath, envOf(nil), testTypes)
		done <- err
	}()
	select {
	case err := <-done:
		checkErr(t, err, []string{"api.tokens[0] (ops): token_file " + fifo + " is not a regular file (a named pipe)"})
	case <-time.After(10 * time.Second):
		t.Fatal("Load blocked on a named pipe")
	}
}
