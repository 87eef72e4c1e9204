package warehouse

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRedactDSN(t *testing.T) {
	for _, c := range []struct {
		dsn, want string
		secrets   []string
	}{
		{"clickhouse://runway:s3cret@db:9000/runway", "clickhouse://runway:xxxxx@db:9000/runway", []string{"s3cret"}},
		{"clickhouse://runway:50%off@db:9000/runway", "clickhouse://runway:xxxxx@db:9000/runway", []string{"50%off", "50%of"}},
		{"clickhouse://runway:s3cret#pw@db:9000/runway", "clickhouse://runway:xxxxx@db:9000/runway", []string{"s3cret", "#pw"}},
		{"clickhouse://runway:123#pw@db:9000/runway", "clickhouse://runway:xxxxx@db:9000/runway", []string{"123#pw", "pw@"}},
		{"runway:s3cretpw@db:9000/runway", "runway:xxxxx@db:9000/runway", []string{"s3cretpw"}},
		{"clickhouse://u:pass/word@127.0.0.1:9000/db", "clickhouse://u:xxxxx@127.0.0.1:9000/db", []string{"pass/word", "word"}},
		{"clickhouse://u:p?w0rd@h:9000/db", "clickhouse://u:xxxxx@h:9000/db", []string{"p?w0rd", "w0rd"}},
		{"clickhouse://u:p@ss?w0rd@h:9000/db", "clickhouse://u:xxxxx@h:9000/db", []string{"ss?w0rd", "w0rd"}},
		{"clickhouse://u:p%40ss@h:9000/db", "clickhouse://u:xxxxx@h:9000/db", []string{"p%40ss", "p@ss"}},
		{"clickhouse://h:9000/db?password=hunter22&dial_timeout=1s", "clickhouse://h:9000/db?password=xxxxx&dial_timeout=1s", []string{"hunter22"}},
		{"clickhouse://h:9000/db?dial_timeout=1s&password=p@ss!", "clickhouse://h:9000/db?dial_timeout=1s&password=xxxxx", []string{"p@ss!"}},
		{"clickhouse://[::1]:9000/db?password=a?b@c", "clickhouse://[::1]:9000/db?password=xxxxx", []string{"a?b@c"}},
		{"clickhouse://default@h:9000/db?dial_timeout=5s", "clickhouse://default@h:9000/db?dial_timeout=5s", nil},
		{"clickhouse://h1:9000,h2:9000/db", "clickhouse://h1:9000,h2:9000/db", nil},
		{"chdb:///var/lib/runway?database=x", "chdb:///var/lib/runway?database=x", nil},
		{"postgres://localhost/runway", "postgres://localhost/runway", nil},
		{"runway:s3cretpw@db:9000/runway?x=y://z", "runway:xxxxx@db:9000/runway?x=y://z", []string{"s3cretpw"}},
	} {
		got := redactDSN(c.dsn)
		if got != c.want {
			t.Errorf("redactDSN(%q) = %q, want %q", c.dsn, got, c.want)
		}
		for _, s := range c.secrets {
			if strings.Contains(got, s) {
				t.Errorf("redactDSN(%q) = %q shows %q", c.dsn, got, s)
			}
		}
	}
}

// TestDSNSecretsNeverShown: whatever shape a DSN has, neither Open nor
// CheckDSN shows its password.
func TestDSNSecretsNeverShown(t *testing.T) {
	for _, c := range []struct {
		dsn     string
		secrets []string
	}{
		{"clickhouse://runway:50%off@db:9000/runway", []string{"50%off", "%of"}},
		{"clickhouse://runway:s3cret#pw@db:9000/runway", []string{"s3cret"}},
		{"clickhouse://runway:123#pw@db:9000/runway", []string{"123#pw"}},
		{"runway:s3cretpw@db:9000/runway", []string{"s3cretpw"}},
		{"runway:s3cretpw@db:9000/runway?x=y://z", []string{"s3cretpw"}},
		{"clickhouse://runway:s3cretpw@db:9000/bad-db", []string{"s3cretpw"}},
		{"clickhouse://runway:s3cretpw@db:9000/db?dial_timeout=forever", []string{"s3cretpw"}},
		{"clickhouse://runway:s3cret/pw@db:9000/runway", []string{"s3cret"}},
		{"postgres://runway:s3cretpw@db/runway", []string{"s3cretpw"}},
		{"chdb://runway:s3cretpw@/tmp/x?database=bad-name", []string{"s3cretpw"}},
		{"chdb:///tmp/x?database=bad-name&password=s3cretpw", []string{"s3cretpw"}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		db, openErr := Open(ctx, c.dsn)
		cancel()
		if openErr == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", c.dsn)
			continue
		}
		checkErr := CheckDSN(c.dsn)
		if checkErr == nil {
			t.Errorf("CheckDSN(%q) accepted it", c.dsn)
			continue
		}
		for _, err := range []error{openErr, checkErr} {
			if !errors.Is(err, ErrBadDSN) {
				t.Errorf("%q: %v, want ErrBadDSN", c.dsn, err)
			}
			for _, s := range c.secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("%q: error %q shows %q", c.dsn, err, s)
				}
			}
		}
	}
}

// TestCheckDSNMatchesOpen: CheckDSN parses exactly as Open does, so it
// rejects what Open rejects before connecting, with the same message.
func TestCheckDSNMatchesOpen(t *testing.T) {
	for _, c := range []struct{ dsn, mention string }{
		{"chdb://?database=x", "no data folder"},
		{"chdb://", "no data folder"},
		{"chdb:///tmp/x?database=bad-name", `database name "bad-name"`},
		{"chdb:///tmp/x?foo=1", `unknown option "foo"`},
		{"chdb:///tmp/x?database=%zz", "invalid URL escape"},
		{"clickhouse://h:9000/bad-db", `database name "bad-db"`},
		{"clickhouse://h:9000/db?dial_timeout=forever", "dial_timeout"},
		{"clickhouse://u:1#pw@h:9000/db", "'#' is not allowed"},
		{"clickhouse://", ""},
		{"clickhouse:/h:9000", "want clickhouse://host:9000/db or chdb:///path"},
		{"h:9000/db", "want clickhouse://host:9000/db or chdb:///path"},
		{"postgres://localhost/runway", `unknown scheme "postgres" (want clickhouse or chdb)`},
	} {
		checkErr := CheckDSN(c.dsn)
		if !errors.Is(checkErr, ErrBadDSN) || !strings.Contains(checkErr.Error(), c.mention) {
			t.Errorf("CheckDSN(%q) = %v, want ErrBadDSN mentioning %q", c.dsn, checkErr, c.mention)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		db, openErr := Open(ctx, c.dsn)
		cancel()
		if openErr == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", c.dsn)
			continue
		}
		if openErr.Error() != checkErr.Error() {
			t.Errorf("%q: Open says %q, CheckDSN says %q", c.dsn, openErr, checkErr)
		}
	}
	// The exact text the config package shows for an unknown scheme.
	if err := CheckDSN("postgres://localhost/runway"); err == nil ||
		err.Error() != `invalid storage DSN "postgres://localhost/runway": unknown scheme "postgres" (want clickhouse or chdb)` {
		t.Errorf("unknown scheme: %v", err)
	}
	for _, dsn := range []string{
		"chdb:///var/lib/runway", "chdb://./data?database=r2", "chdb://data",
		"clickhouse://h", "clickhouse://u:p%23w@h:9000/db?dial_timeout=1s", "clickhouse://h1:9000,h2:9000/db",
		"clickhouse://h:9000/db?password=a%40b",
	} {
		if err := CheckDSN(dsn); err != nil {
			t.Errorf("CheckDSN(%q): %v", dsn, err)
		}
	}
}

// TestParseDSN: one parse says the backend, the database and (embedded)
// the folder, and prints without the password.
func TestParseDSN(t *testing.T) {
	d, err := ParseDSN("clickhouse://runway:s3cr3t@db.internal:9000/analytics?dial_timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	if d.Backend() != "clickhouse" || d.Database() != "analytics" || d.Path() != "" || strings.Contains(d.String(), "s3cr3t") || d.IsZero() {
		t.Errorf("server DSN: backend %q database %q path %q shown %q", d.Backend(), d.Database(), d.Path(), d.String())
	}
	e, err := ParseDSN("chdb://./data?database=demo")
	if err != nil {
		t.Fatal(err)
	}
	if e.Backend() != "chdb" || e.Database() != "demo" || !filepath.IsAbs(e.Path()) || !strings.HasSuffix(e.Path(), "/data") {
		t.Errorf("embedded DSN: backend %q database %q path %q", e.Backend(), e.Database(), e.Path())
	}
	if _, err := OpenDSN(context.Background(), DSN{}); !errors.Is(err, ErrBadDSN) {
		t.Errorf("OpenDSN of the zero DSN: %v, want ErrBadDSN", err)
	}
}
