// Package deploy_test checks the deployable stack in deploy/: the
// Alertmanager example with amtool and a live Alertmanager, the compose file
// structurally (no Docker engine runs here) with the Runway config it mounts
// loaded by Runway's own loader, the Grafana provisioning, the Dockerfile,
// and the systemd unit with systemd-analyze. The runway binary the files
// start is built, and the flags they give it are checked against its
// `serve --help`.
//
// The tools come from Debian packages that `make deps` installs:
// prometheus-alertmanager (amtool, the Alertmanager) and systemd
// (systemd-analyze). A missing tool fails the test, never skips it.
package deploy_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// repoRoot is the repository, seen from this folder.
const repoRoot = ".."

// tool returns the path of an external program, failing the test with the
// Debian package to install when it is missing.
func tool(t *testing.T, pkg string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Fatalf("%s not found in PATH: it comes with Debian's %s package "+
		"(`make test` installs it through `make deps`; by hand: apt-get install %s)",
		strings.Join(names, " or "), pkg, pkg)
	return ""
}

// run runs a program with a timeout and returns its stdout and stderr.
func run(t *testing.T, bin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var o, e bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// readYAML decodes a YAML file.
func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

var (
	runwayOnce sync.Once
	runwayBin  string
	runwayErr  error
)

// runwayBinary builds ./cmd/runway once per test binary, the way
// deploy/Dockerfile does (CGO_ENABLED=0).
func runwayBinary(t *testing.T) string {
	t.Helper()
	runwayOnce.Do(func() {
		dir, err := os.MkdirTemp("", "runway-deploy-test")
		if err != nil {
			runwayErr = err
			return
		}
		runwayBin = filepath.Join(dir, "runway")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", runwayBin, "./cmd/runway")
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			runwayErr = fmt.Errorf("go build ./cmd/runway: %v\n%s", err, out)
		}
	})
	if runwayErr != nil {
		t.Fatal(runwayErr)
	}
	return runwayBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if runwayBin != "" {
		os.RemoveAll(filepath.Dir(runwayBin))
	}
	os.Exit(code)
}

// checkServeArgs checks a runway command line (without the binary) as the
// deploy files give it: `serve` and flags that `runway serve --help`
// lists, each with its value, and no positional arguments (serve takes
// none). It returns the flags' values by name.
func checkServeArgs(t *testing.T, what string, args []string) map[string]string {
	t.Helper()
	if len(args) == 0 || args[0] != "serve" {
		t.Fatalf("%s: runway %q, want the serve command", what, args)
	}
	known := serveFlags(t)
	got := map[string]string{}
	for i := 1; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") {
			t.Errorf("%s: runway serve takes no argument %q", what, args[i])
			continue
		}
		if !slices.Contains(known, name) {
			t.Errorf("%s: runway serve has no flag -%s (it has %v)", what, name, known)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				t.Errorf("%s: flag -%s has no value", what, name)
				continue
			}
			i++
			value = args[i]
		}
		got[name] = value
	}
	return got
}

var (
	flagsOnce sync.Once
	flagNames []string
	flagsErr  error
)

// serveFlags returns the flags `runway serve --help` lists.
func serveFlags(t *testing.T) []string {
	t.Helper()
	bin := runwayBinary(t)
	flagsOnce.Do(func() {
		stdout, stderr, err := run(t, bin, "serve", "--help")
		if err != nil {
			flagsErr = fmt.Errorf("runway serve --help: %v\n%s%s", err, stdout, stderr)
			return
		}
		sc := bufio.NewScanner(strings.NewReader(stdout + stderr))
		for sc.Scan() {
			// flag's usage lines: "  -config string".
			if f := strings.Fields(sc.Text()); len(f) > 0 && strings.HasPrefix(sc.Text(), "  -") {
				flagNames = append(flagNames, strings.TrimLeft(f[0], "-"))
			}
		}
		if len(flagNames) == 0 {
			flagsErr = fmt.Errorf("runway serve --help lists no flags:\n%s%s", stdout, stderr)
		}
	})
	if flagsErr != nil {
		t.Fatal(flagsErr)
	}
	return flagNames
}
