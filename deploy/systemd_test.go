package deploy_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/sources"
)

const (
	unitFile   = "systemd/runway.service"
	installBin = "/usr/local/bin/runway"
	// exposureMax bounds `systemd-analyze security`'s exposure score, in
	// tenths (it prints 0.0 locked down to 10.0 unprotected; the unit
	// scores 1.7 on systemd 252; the margin absorbs other versions' weights):
	// dropping the syscall filter, capability or address-family limits fails.
	exposureMax = "20"
)

// unit is a parsed unit file: section -> key -> values in order.
type unit map[string]map[string][]string

func parseUnit(t *testing.T, file string) unit {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	u := unit{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		case section == "":
			t.Fatalf("%s: %q outside a section", file, line)
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: %q is not KEY=value", file, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	return u
}

// one returns a key's single value.
func (u unit) one(t *testing.T, section, key string) string {
	t.Helper()
	v := u[section][key]
	if len(v) != 1 {
		t.Fatalf("[%s] %s: %d values, want 1", section, key, len(v))
	}
	return v[0]
}

// TestSystemdUnit: systemd-analyze verifies the unit (with ExecStart
// pointing at a freshly built runway, since none is installed here) and
// rates its hardening; the command line's flags are runway serve's; the
// stop timeout outlasts Runway's shutdown grace; and the example config's
// embedded store lands in a folder the sandbox lets it write.
func TestSystemdUnit(t *testing.T) {
	sa := tool(t, "systemd", "systemd-analyze")
	u := parseUnit(t, unitFile)

	exec := strings.Fields(u.one(t, "Service", "ExecStart"))
	if exec[0] != installBin {
		t.Fatalf("ExecStart runs %s, want %s", exec[0], installBin)
	}
	flags := checkServeArgs(t, "ExecStart", exec[1:])
	if flags["config"] != "/etc/runway/runway.yaml" {
		t.Errorf("ExecStart: --config %q, want /etc/runway/runway.yaml", flags["config"])
	}
	want := map[string]string{"User": "runway", "Restart": "on-failure", "NoNewPrivileges": "yes",
		"ProtectSystem": "strict", "EnvironmentFile": "-/etc/runway/runway.env"}
	for k, v := range want {
		if got := u.one(t, "Service", k); got != v {
			t.Errorf("[Service] %s=%s, want %s", k, got, v)
		}
	}

	// systemd-analyze verify wants ExecStart's binary to exist: verify a
	// copy that runs the one built here, and nothing else changed.
	data, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "ExecStart="+installBin+" ", "ExecStart="+runwayBinary(t)+" ", 1)
	copyPath := filepath.Join(t.TempDir(), "runway.service")
	if err := os.WriteFile(copyPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// verify exits 0 on unknown keys and bad values, only warning: any
	// output is a failure.
	stdout, stderr, err := run(t, sa, "verify", "--man=no", copyPath)
	if err != nil || strings.TrimSpace(stdout+stderr) != "" {
		t.Errorf("systemd-analyze verify: %v\n%s%s", err, stdout, stderr)
	}
	stdout, stderr, err = run(t, sa, "security", "--offline=true", "--threshold="+exposureMax, "--no-pager", copyPath)
	if err != nil {
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		t.Errorf("systemd-analyze security: exposure above %s/100: %v\n%s%s", exposureMax, err, lines[len(lines)-1], stderr)
	}

	// The example config a bare-metal install starts from.
	cfg := config.Default()
	example, err := os.ReadFile("runway.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := config.Parse(example, &cfg, sources.Registry().ConfigTypes()); err != nil {
		t.Fatalf("runway.example.yaml: %v", err)
	}
	stop, err := time.ParseDuration(u.one(t, "Service", "TimeoutStopSec"))
	if err != nil {
		t.Fatal(err)
	}
	if grace := cfg.API.ShutdownTimeout.D(); stop <= grace || stop > grace+30*time.Second {
		t.Errorf("TimeoutStopSec=%s: want a little above api.shutdown_timeout %s, so running collections get their grace", stop, grace)
	}

	// chdb://./data is relative to WorkingDirectory; ProtectSystem=strict
	// leaves it writable only under ReadWritePaths.
	store, ok := strings.CutPrefix(cfg.Storage.DSN, "chdb://")
	if !ok {
		t.Fatalf("runway.example.yaml: storage.dsn %s, want the embedded store", cfg.Storage.DSN)
	}
	store, _, _ = strings.Cut(store, "?")
	if !filepath.IsAbs(store) {
		store = filepath.Join(u.one(t, "Service", "WorkingDirectory"), store)
	}
	writable := false
	for _, p := range strings.Fields(strings.Join(u[`Service`]["ReadWritePaths"], " ")) {
		if rel, err := filepath.Rel(strings.TrimPrefix(p, "-"), store); err == nil && !strings.HasPrefix(rel, "..") {
			writable = true
		}
	}
	if !writable {
		t.Errorf("the embedded store %s is outside ReadWritePaths %v", store, u["Service"]["ReadWritePaths"])
	}
}
