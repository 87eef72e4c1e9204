package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// writeConfig writes body to a config file in a fresh directory and returns
// its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "runway.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkErr fails unless err is an ErrInvalid on one line containing every
// want and none of the never strings.
func checkErr(t *testing.T, err error, want []string, never ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	msg := err.Error()
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("error is not ErrInvalid: %q", clipForLog(msg))
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans lines: %q", clipForLog(msg))
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error = %q, want it to contain %q", clipForLog(msg), w)
		}
	}
	for _, n := range never {
		if strings.Contains(msg, n) {
			t.Errorf("error = %q, must not contain %q", clipForLog(msg), clipForLog(n))
		}
	}
}

// clipForLog keeps a failing test's output readable when the message under
// test is the megabyte-long one being fixed.
func clipForLog(s string) string {
	if len(s) > 2000 {
		return s[:2000] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

// tokensConfig is a non-loopback API with the given token entries (YAML flow
// mappings).
func tokensConfig(tokens ...string) string {
	return "api:\n  listen: \"0.0.0.0:8080\"\n  tokens:\n    - " + strings.Join(tokens, "\n    - ") + "\n"
}

// TestDuplicateTokenValues: two API tokens with the same value would let the
// last-listed scope win (a read token becoming admin); it is an error naming
// both entries, never the value.
func TestDuplicateTokenValues(t *testing.T) {
	dir := t.TempDir()
	sameFile := filepath.Join(dir, "same.token")
	if err := os.WriteFile(sameFile, []byte("shared-secret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{
		"READ_TOKEN": "shared-secret-value", "ADMIN_TOKEN": "shared-secret-value", "OTHER_TOKEN": "other-secret-value",
	})
	for _, tc := range []struct {
		name   string
		tokens []string
		opts   []LoadOption
		want   []string // nil: loads
	}{
		{"same env value", []string{
			"{name: managers, token_env: READ_TOKEN, scope: read}",
			"{name: ops, token_env: ADMIN_TOKEN, scope: admin}",
		}, nil, []string{"api.tokens[1] (ops): same token value as api.tokens[0] (managers)"}},
		{"env and file", []string{
			"{name: managers, token_env: READ_TOKEN, scope: read}",
			"{name: viewer, token_env: OTHER_TOKEN, scope: read}",
			"{name: ops, token_file: " + sameFile + ", scope: admin}",
		}, nil, []string{"api.tokens[2] (ops): same token value as api.tokens[0] (managers)"}},
		{"same variable twice", []string{
			"{name: a, token_env: OTHER_TOKEN, scope: read}",
			"{name: b, token_env: OTHER_TOKEN, scope: admin}",
		}, nil, []string{"api.tokens[1] (b): same token value as api.tokens[0] (a)"}},
		{"distinct values", []string{
			"{name: managers, token_env: READ_TOKEN, scope: read}",
			"{name: ops, token_env: OTHER_TOKEN, scope: admin}",
		}, nil, nil},
		{"without secrets nothing is compared", []string{
			"{name: managers, token_env: READ_TOKEN, scope: read}",
			"{name: ops, token_env: ADMIN_TOKEN, scope: admin}",
		}, []LoadOption{WithoutSecrets()}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(writeConfig(t, tokensConfig(tc.tokens...)), env, testTypes, tc.opts...)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("error = %v", err)
				}
				if len(cfg.API.Tokens) != len(tc.tokens) {
					t.Errorf("tokens = %d, want %d", len(cfg.API.Tokens), len(tc.tokens))
				}
				return
			}
			checkErr(t, err, tc.want, "shared-secret-value", "other-secret-value")
		})
	}
}

// TestSecretFileBounds: a *_file is read only if it is a regular file (after
// symlinks, as Kubernetes mounts secrets) of at most maxSecretBytes, so
// token_file: /dev/zero cannot read without bound.
func TestSecretFileBounds(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Repeat("k", size)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	exact := write("exact.token", 16<<10)
	big := write("big.token", 16<<10+1)
	huge := write("huge.token", 8<<20)
	link := filepath.Join(dir, "link.token")
	if err := os.Symlink(exact, link); err != nil {
		t.Fatal(err)
	}
	dirLink := filepath.Join(dir, "dirlink.token")
	if err := os.Symlink(dir, dirLink); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file string
		want       []string // nil: loads
	}{
		{"16 KiB exactly", exact, nil},
		{"symlink to a regular file", link, nil},
		{"one byte over", big, []string{"api.tokens[0] (ops): token_file " + big + " is larger than 16 KiB"}},
		{"8 MiB", huge, []string{"token_file " + huge + " is larger than 16 KiB"}},
		{"device", os.DevNull, []string{"api.tokens[0] (ops): token_file " + os.DevNull + " is not a regular file"}},
		{"unbounded device", "/dev/zero", []string{"token_file /dev/zero is not a regular file"}},
		{"directory", dir, []string{"token_file " + dir + " is not a regular file (a directory)"}},
		{"symlink to a directory", dirLink, []string{"token_file " + dirLink + " is not a regular file (a directory)"}},
		{"missing", filepath.Join(dir, "nope"), []string{"api.tokens[0] (ops): token_file " + filepath.Join(dir, "nope") + ":", "no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.file == "/dev/zero" {
				if _, err := os.Stat(tc.file); err != nil {
					t.Fatal("no /dev/zero here")
				}
			}
			cfg, err := Load(writeConfig(t, tokensConfig("{name: ops, token_file: "+tc.file+", scope: admin}")), envOf(nil), testTypes)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("error = %v", err)
				}
				if got := cfg.API.Tokens[0].Value.Reveal(); got != strings.Repeat("k", 16<<10) {
					t.Errorf("token of %d bytes, want %d", len(got), 16<<10)
				}
				return
			}
			checkErr(t, err, tc.want, "kkkkkkkk")
		})
	}

	// Source tokens go through the same reader.
	body := "sources:\n  - {name: acme, type: jira, base_url: \"https://acme.atlassian.net\", token_file: " + big + ", schedule: \"@hourly\"}\n"
	_, err := Load(writeConfig(t, body), envOf(nil), testTypes)
	checkErr(t, err, []string{"sources[0] (acme): token_file " + big + " is larger than 16 KiB"}, "kkkkkkkk")
}

// TestConfigFileBounded: the config file is read up to maxConfigBytes, so
// --config /dev/zero fails instead of reading without end.
func TestConfigFileBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Fatal("no /dev/zero here")
	}
	_, err := Load("/dev/zero", envOf(nil), testTypes)
	checkErr(t, err, []string{"config file /dev/zero is larger than 32 MiB"})
}

// TestMultipleDocuments: everything after a second "---" used to be ignored
// silently, even an unknown key or a syntax error.
func TestMultipleDocuments(t *testing.T) {
	const first = "storage: {dsn: \"chdb://./one\"}\n"
	for _, tc := range []struct {
		name, body string
		want       string // "": loads
		dsn        string // with want == "": the DSN loaded
	}{
		{"second document", first + "---\nstorage: {dsn: \"chdb://./two\"}\n",
			"a second YAML document (line 2) is not supported; put everything in one document", ""},
		{"unknown key in the second", first + "# two\n---\napi: {listn: x}\n",
			"a second YAML document (line 3) is not supported", ""},
		{"syntax error in the second", first + "\n---\napi: [\n", "a second YAML document (line 3) is not supported", ""},
		{"explicit start, then a second", "---\n" + first + "---\nlog: {level: debug}\n",
			"a second YAML document (line 3) is not supported", ""},
		{"empty document, then content", "---\n---\n" + first, "a second YAML document (line 2) is not supported", ""},
		{"explicit null second document", first + "---\n~\n", "a second YAML document (line 2) is not supported", ""},
		{"content after two trailing markers", first + "---\n---\nlog: {level: debug}\n",
			"a second YAML document (line 3) is not supported", ""},
		{"end marker, then content", first + "...\nlog: {level: debug}\n", "a second YAML document (line 3) is not supported", ""},
		{"one document", first, "", "chdb://./one"},
		{"explicit start", "---\n" + first, "", "chdb://./one"},
		{"end marker", first + "...\n", "", "chdb://./one"},
		{"trailing separator", first + "---\n", "", "chdb://./one"},
		{"trailing separator and comment", first + "---\n# nothing here\n\n", "", "chdb://./one"},
		{"only comments", "# nothing configured yet\n\n# really\n", "", "chdb://./data"},
		{"empty", "", "", "chdb://./data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(writeConfig(t, tc.body), envOf(nil), testTypes)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("error = %v", err)
				}
				if cfg.Storage.DSN != tc.dsn {
					t.Errorf("dsn = %q, want %q", cfg.Storage.DSN, tc.dsn)
				}
				return
			}
			checkErr(t, err, []string{tc.want})
		})
	}
}

// TestProblemsCapped: a config with thousands of problems gives the first
// few and a count, and a huge value is clipped wherever it is quoted.
func TestProblemsCapped(t *testing.T) {
	var keys strings.Builder
	keys.WriteString("projects:\n")
	for i := range 50000 {
		fmt.Fprintf(&keys, "  - {key: \"BAD KEY %d\", name: p, type: short_term}\n", i)
	}
	huge := strings.Repeat("x", 1<<20)
	var tokens strings.Builder
	tokens.WriteString(tokensConfig())
	for i := range 30 {
		fmt.Fprintf(&tokens, "    - {name: t%d, token_env: MISSING_%d, scope: read}\n", i, i)
	}
	badEnv := map[string]string{}
	for i := range 25 {
		badEnv[fmt.Sprintf("RUNWAY_SOURCES_%d_BOARDS", i)] = "not-a-number"
		badEnv[fmt.Sprintf("RUNWAY_SOURCES_%d_NAME", i)] = fmt.Sprintf("s%d", i)
		badEnv[fmt.Sprintf("RUNWAY_SOURCES_%d_TYPE", i)] = "jira" // boards is a jira key
	}
	var boards strings.Builder
	boards.WriteString("sources:\n  - {name: a, type: jira, base_url: \"https://a.atlassian.net\", token_env: T, schedule: \"@hourly\", boards: [")
	for i := range 20000 {
		if i > 0 {
			boards.WriteString(", ")
		}
		fmt.Fprintf(&boards, "b%d", i)
	}
	boards.WriteString("]}\n")

	for _, tc := range []struct {
		name, body string
		env        map[string]string
		want       []string
	}{
		{"50,000 bad project keys", keys.String(), nil, []string{
			`projects[0].key: "BAD KEY 0": want lowercase`, `projects[9].key: "BAD KEY 9"`, "; … and 49990 more problems"}},
		{"1 MiB listen address", "api: {listen: \"" + huge + "\"}\n", nil, []string{
			`api.listen: "` + strings.Repeat("x", 80) + `"…: want host:port`}},
		{"1 MiB schedule", "sources:\n  - {name: a, type: jira, base_url: \"https://a.atlassian.net\", token_env: T, schedule: \"" + huge + "\"}\n",
			map[string]string{"T": "t"}, []string{`sources[0].schedule: bad cron spec "` + strings.Repeat("x", 80) + `"…`}},
		{"1 MiB duration", "api: {shutdown_timeout: \"" + huge + "\"}\n", nil, []string{`bad duration "` + strings.Repeat("x", 80) + `"…`}},
		{"1 MiB unknown key", "api:\n  ? " + huge + "\n  : 1\n", nil, []string{"line 2: field xxxxxxxx", "x… not found in type config.API"}},
		{"1 MiB environment value", "", map[string]string{"RUNWAY_API_RATE_LIMIT": huge}, []string{
			`RUNWAY_API_RATE_LIMIT: "` + strings.Repeat("x", 80) + `"… is not a number`}},
		{"30 missing token variables", tokens.String(), nil, []string{
			"api.tokens[0] (t0): environment variable MISSING_0 is not set", "; … and 20 more problems"}},
		{"25 bad environment values", "", badEnv, []string{"RUNWAY_SOURCES_0_BOARDS: ", "; … and 15 more problems"}},
		{"20,000 wrongly typed values", boards.String(), map[string]string{"T": "t"}, []string{
			"cannot unmarshal !!str `b0` into int64", "; … and 19990 more problems"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tc.body), envOf(tc.env), testTypes)
			checkErr(t, err, tc.want, strings.Repeat("x", 81))
			if n := utf8.RuneCountInString(err.Error()); n > 4000 {
				t.Errorf("error is %d runes long", n)
			}
		})
	}
}

// TestParseSpan: days that are not a number, or overflow a duration, are
// refused rather than wrapping to a negative or undefined duration.
func TestParseSpan(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration // -1: an error
	}{
		{"90s", 90 * time.Second}, {"4h", 4 * time.Hour}, {"3d", 72 * time.Hour}, {"1.5d", 36 * time.Hour}, {"0d", 0},
		{"106000d", 106000 * 24 * time.Hour},
		{"-1d", -1}, {"-5s", -1}, {"NaNd", -1}, {"Infd", -1}, {"+Infd", -1}, {"1e300d", -1}, {"200000d", -1},
		{"99999999999h", -1}, {"d", -1}, {"", -1}, {"soon", -1},
	} {
		got, err := parseSpan(tc.in)
		if tc.want < 0 {
			if err == nil {
				t.Errorf("parseSpan(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseSpan(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestQuote: the one helper that quotes user values in messages.
func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"abc", `"abc"`},
		{"a\nb", `"a\nb"`},
		{strings.Repeat("é", 80), `"` + strings.Repeat("é", 80) + `"`},
		{strings.Repeat("é", 81), `"` + strings.Repeat("é", 80) + `"…`},
		{strings.Repeat("x", 1<<20), `"` + strings.Repeat("x", 80) + `"…`},
	} {
		if got := quote(tc.in); got != tc.want {
			t.Errorf("quote(%.20q…) = %.100q, want %.100q", tc.in, got, tc.want)
		}
	}
}

// TestAPIServerSettings: the HTTP server's limits and trusted proxies are
// settings with safe defaults, validated, and overridable by RUNWAY_API_*.
func TestAPIServerSettings(t *testing.T) {
	cfg, err := Load("", envOf(nil), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.API
	if len(a.TrustedProxies) != 0 || a.ReadHeaderTimeout.D() != 10*time.Second || a.ReadTimeout.D() != 30*time.Second ||
		a.WriteTimeout.D() != 2*time.Minute || a.IdleTimeout.D() != 2*time.Minute || a.MaxBodyBytes != 1<<20 {
		t.Errorf("defaults = %+v", a)
	}

	body := "api:\n  trusted_proxies: [10.0.0.0/8, \"192.168.1.1\", \"::1\", \"fd00::/8\"]\n  read_header_timeout: 5s\n" +
		"  read_timeout: 1m\n  write_timeout: 3m\n  idle_timeout: 1d\n  max_body_bytes: 4096\n"
	cfg, err = Load(writeConfig(t, body), envOf(nil), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	a = cfg.API
	if strings.Join(a.TrustedProxies, ",") != "10.0.0.0/8,192.168.1.1,::1,fd00::/8" || a.ReadHeaderTimeout.D() != 5*time.Second ||
		a.ReadTimeout.D() != time.Minute || a.WriteTimeout.D() != 3*time.Minute || a.IdleTimeout.D() != 24*time.Hour || a.MaxBodyBytes != 4096 {
		t.Errorf("from file = %+v", a)
	}
	if got := fmt.Sprint(a.TrustedProxyPrefixes()); got != "[10.0.0.0/8 192.168.1.1/32 ::1/128 fd00::/8]" {
		t.Errorf("prefixes = %s", got)
	}

	cfg, err = Load("", envOf(map[string]string{
		"RUNWAY_API_TRUSTED_PROXIES":     "10.1.0.0/16, 127.0.0.1",
		"RUNWAY_API_READ_HEADER_TIMEOUT": "2s",
		"RUNWAY_API_READ_TIMEOUT":        "3s",
		"RUNWAY_API_WRITE_TIMEOUT":       "4s",
		"RUNWAY_API_IDLE_TIMEOUT":        "5s",
		"RUNWAY_API_MAX_BODY_BYTES":      "1000",
	}), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	a = cfg.API
	if strings.Join(a.TrustedProxies, ",") != "10.1.0.0/16,127.0.0.1" || a.ReadHeaderTimeout.D() != 2*time.Second ||
		a.ReadTimeout.D() != 3*time.Second || a.WriteTimeout.D() != 4*time.Second || a.IdleTimeout.D() != 5*time.Second || a.MaxBodyBytes != 1000 {
		t.Errorf("from the environment = %+v", a)
	}

	for _, tc := range []struct {
		name, body string
		env        map[string]string
		want       []string
	}{
		{"bad proxy", "api: {trusted_proxies: [10.0.0.0/8, proxy.internal, \"10.0.0.0/33\", \"\"]}\n", nil, []string{
			`api.trusted_proxies[1]: "proxy.internal": want an IP address or CIDR`,
			`api.trusted_proxies[2]: "10.0.0.0/33"`, `api.trusted_proxies[3]: ""`}},
		{"bad proxy from the environment", "", map[string]string{"RUNWAY_API_TRUSTED_PROXIES": "10.0.0.1,,"},
			[]string{`api.trusted_proxies[1]: ""`, `api.trusted_proxies[2]: ""`}},
		{"zero timeouts", "api: {read_header_timeout: 0s, read_timeout: 0s, write_timeout: 0s, idle_timeout: 0d}\n", nil, []string{
			"api.read_header_timeout: must be greater than 0", "api.read_timeout: must be greater than 0",
			"api.write_timeout: must be greater than 0", "api.idle_timeout: must be greater than 0"}},
		{"zero timeout from the environment", "", map[string]string{"RUNWAY_API_WRITE_TIMEOUT": "0s"},
			[]string{"api.write_timeout: must be greater than 0"}},
		{"zero body", "api: {max_body_bytes: 0}\n", nil, []string{"api.max_body_bytes: must be greater than 0"}},
		{"negative body", "", map[string]string{"RUNWAY_API_MAX_BODY_BYTES": "-1"}, []string{"api.max_body_bytes: must be greater than 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tc.body), envOf(tc.env), testTypes)
			checkErr(t, err, tc.want)
		})
	}
}
