// Package whtest runs warehouse tests against both storage backends: a
// throw-away ClickHouse server (Debian's clickhouse-server 18.16, started on
// loopback ports with a temporary data folder) and the embedded engine
// (libchdb, ClickHouse 26.7).
//
// A package whose tests use it calls Main from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(whtest.Main(m)) }
//
// Main starts one server and opens one embedded store for the whole test
// binary (chDB holds one engine per process), and each test gets fresh
// databases of its own from Backends or ForEach, dropped when it ends. A
// missing clickhouse-server or libchdb fails the binary: both backends must
// always be exercised (DESIGN.md §3).
package whtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// DefaultServerBin is where Debian's clickhouse-server package installs the
// server. CLICKHOUSE_SERVER_BIN overrides it.
const DefaultServerBin = "/usr/sbin/clickhouse-server"

const (
	startTimeout = 60 * time.Second
	stopTimeout  = 5 * time.Second
)

// ServerBin returns the clickhouse-server binary to run.
func ServerBin() string {
	if p := os.Getenv("CLICKHOUSE_SERVER_BIN"); p != "" {
		return p
	}
	return DefaultServerBin
}

// Server is a clickhouse-server owned by a test binary: a data folder and a
// port, and the process serving them while it runs. Kill and Start stop the
// process and run a new one on the same folder and port, so a test can make
// the database go away and come back under a client that stays open.
type Server struct {
	dir  string // temporary folder holding config, data and logs
	port int    // native TCP port on 127.0.0.1
	bin  string // clickhouse-server binary

	mu      sync.Mutex // guards proc and stopped; held across Kill and Start
	proc    *process   // the running process; nil after Kill
	stopped bool       // Stop was called: the folder is gone

	stopOnce sync.Once
	stopErr  error
}

// process is one run of a child program (clickhouse-server, or the
// Prometheus of deploy/prometheus's tests) that dies with the test binary.
type process struct {
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
}

// Child is a started child process; see StartChild.
type Child = process

// StartChild starts cmd so that it is killed if the test binary dies (a
// -timeout panic, a crash): no orphan keeps ports and files.
func StartChild(cmd *exec.Cmd) (*Child, error) { return startChild(cmd) }

// Done is closed when the child has exited.
func (p *process) Done() <-chan struct{} { return p.done }

func startChild(cmd *exec.Cmd) (*process, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	setParentDeathSignal(cmd.SysProcAttr)
	p := &process{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal fires when the *thread* that started the
		// child exits, so start it from a locked thread that lives exactly
		// as long as the child does.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// RestrictedUser is a user of every Server, with no password, allowed only
// into RestrictedDatabase (<allow_databases>), which does not exist until a
// test creates it as the default user.
const (
	RestrictedUser     = "restricted"
	RestrictedDatabase = "whtest_restricted"
)

// PasswordUser is a user of every Server with the password UserPassword,
// allowed into every database, for tests that check a password never shows
// up in errors or logs. PasswordDSN connects as it.
const (
	PasswordUser = "whtest_pw"
	UserPassword = "whtest-Pa55word-leak-canary"
)

// ServerOption changes the configuration StartServer generates.
type ServerOption func(*serverSettings)

type serverSettings struct {
	timezone string
	port     int    // native port; 0: a free one
	extra    string // XML elements added to config.xml (a cluster's)
}

// WithTimezone sets the server's time zone (<timezone>, default UTC), the
// zone of its Date values and of DateTime columns that name none.
func WithTimezone(tz string) ServerOption {
	return func(s *serverSettings) { s.timezone = tz }
}

// StartServer starts clickhouse-server with a generated configuration in a
// new temporary folder under dir ("" means os.TempDir()) and waits until its
// native port answers a query. Stop kills it and removes the folder.
//
// Only the native TCP port is opened, on 127.0.0.1; HTTP, interserver and
// MySQL ports are left out of the config, which 18.16 accepts (it simply
// does not listen on them). The default user and RestrictedUser have no
// password, PasswordUser has UserPassword; all may only connect from
// 127.0.0.1. Kill and Start take the server down and up again on the same
// folder and port; Stop ends it for good.
func StartServer(ctx context.Context, dir string, opts ...ServerOption) (*Server, error) {
	settings := serverSettings{timezone: "UTC"}
	for _, o := range opts {
		o(&settings)
	}
	bin := ServerBin()
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("whtest: clickhouse-server not found at %s (apt-get install clickhouse-server, or set CLICKHOUSE_SERVER_BIN): %w", bin, err)
	}
	var lastErr error
	// A free port can be taken between probing and binding; retry then.
	for attempt := 0; attempt < 3; attempt++ {
		s, err := startServer(ctx, bin, dir, settings)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "Address already in use") || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func startServer(ctx context.Context, bin, parent string, settings serverSettings) (*Server, error) {
	dir, err := os.MkdirTemp(parent, "whtest-clickhouse-")
	if err != nil {
		return nil, fmt.Errorf("whtest: %w", err)
	}
	port := settings.port
	if port == 0 {
		port, err = freePort()
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("whtest: finding a free port: %w", err)
	}
	for _, sub := range []string{"data", "tmp", "user_files", "format_schemas", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("whtest: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(serverConfig(dir, port, settings)), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("whtest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(usersConfig), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("whtest: %w", err)
	}
	s := &Server{dir: dir, port: port, bin: bin}
	if err := s.launch(ctx); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// launch starts a process on s's folder and port and waits until it
// answers. On failure the process, if it started, is killed again. The
// caller holds s.mu or owns s alone.
func (s *Server) launch(ctx context.Context) error {
	out, err := os.OpenFile(filepath.Join(s.dir, "log", "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("whtest: %w", err)
	}
	defer out.Close() // the child holds its own descriptor

	cmd := exec.Command(s.bin, "--config-file="+filepath.Join(s.dir, "config.xml"))
	cmd.Dir = s.dir
	cmd.Stdout = out
	cmd.Stderr = out
	p, err := startChild(cmd)
	if err != nil {
		return fmt.Errorf("whtest: starting %s: %w", s.bin, err)
	}
	s.proc = p
	if err := s.waitReady(ctx, p); err != nil {
		p.kill()
		s.proc = nil
		return err
	}
	return nil
}

// kill ends the process at once (SIGKILL) and waits for it to exit.
func (p *process) kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// terminate ends the process gracefully (SIGTERM), killing it if it has
// not exited after stopTimeout.
func (p *process) terminate() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			p.kill()
		}
	}
}

// Kill makes the database go away abruptly, as a crash or a lost machine
// does: the process gets SIGKILL and Kill waits until it has exited, so the
// port refuses connections when Kill returns. Connections clients hold are
// cut. The data folder is kept, so Start can bring the same data back on
// the same port. Killing a server that is not running does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.kill()
		s.proc = nil
	}
}

// Running reports whether a process is serving (it may have exited on its
// own since; Kill and Start keep this consistent).
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return false
	}
	select {
	case <-s.proc.done:
		return false
	default:
		return true
	}
}

// Start runs the server again after Kill, on the same data folder and port,
// and waits until it answers a query (bounded by ctx and the start-up
// timeout). A server that is already running is left alone. Start after
// Stop is an error.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return errors.New("whtest: server was stopped; its folder is gone")
	}
	if s.proc != nil {
		select {
		case <-s.proc.done:
			s.proc = nil // exited on its own: start a new one
		default:
			return nil
		}
	}
	// The port was released by the kill, but the kernel may still hold it
	// for a moment, or another socket may have been given it as its
	// ephemeral port; retry for a while rather than fail at once.
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.launch(ctx)
		if err == nil {
			return nil
		}
		if !strings.Contains(err.Error(), "Address already in use") || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Restart is Kill then Start: the database goes away and comes back with
// its data on the same port.
func (s *Server) Restart(ctx context.Context) error {
	s.Kill()
	return s.Start(ctx)
}

// waitReady polls the native port until SELECT 1 answers, the process
// exits, or the start timeout passes.
func (s *Server) waitReady(ctx context.Context, p *process) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{s.addr()},
		Auth:        clickhouse.Auth{Database: "default", Username: "default"},
		DialTimeout: time.Second,
	})
	if err != nil {
		return fmt.Errorf("whtest: %w", err)
	}
	defer conn.Close()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		qctx, qcancel := context.WithTimeout(ctx, 2*time.Second)
		lastErr = conn.Exec(qctx, "SELECT 1")
		qcancel()
		if lastErr == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("whtest: clickhouse-server exited during start-up (%v)%s", p.waitErr, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("whtest: clickhouse-server did not answer on %s within %s (last error: %v)%s", s.addr(), startTimeout, lastErr, s.logTail())
		case <-tick.C:
		}
	}
}

// logTail returns the end of the server's error log and console output,
// for start-up failures.
func (s *Server) logTail() string {
	var b strings.Builder
	for _, name := range []string{"server.err.log", "stdout.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, "log", name))
		if err != nil || len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		const max = 4000
		if len(data) > max {
			data = data[len(data)-max:]
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				data = data[i+1:]
			}
		}
		fmt.Fprintf(&b, "\n--- %s (tail) ---\n%s", name, bytes.TrimSpace(data))
	}
	return b.String()
}

func (s *Server) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the server's native TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// Dir is the server's temporary folder (config, data under data/, logs under log/).
func (s *Server) Dir() string { return s.dir }

// DSN returns a clickhouse:// DSN for database db on this server.
func (s *Server) DSN(db string) string { return s.UserDSN("default", db) }

// UserDSN returns a clickhouse:// DSN for database db on this server, as
// user (without a password: "default" or RestrictedUser).
func (s *Server) UserDSN(user, db string) string {
	return fmt.Sprintf("clickhouse://%s@%s/%s?dial_timeout=5s", user, s.addr(), db)
}

// PasswordDSN returns a clickhouse:// DSN for database db on this server,
// as PasswordUser with its password.
func (s *Server) PasswordDSN(db string) string {
	return fmt.Sprintf("clickhouse://%s:%s@%s/%s?dial_timeout=5s", PasswordUser, UserPassword, s.addr(), db)
}

// Stop terminates the server (SIGTERM, then SIGKILL after a few seconds)
// and removes its folder. Calling it again returns the first result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.proc != nil {
			s.proc.terminate()
			s.proc = nil
		}
		s.stopped = true
		s.stopErr = os.RemoveAll(s.dir)
	})
	return s.stopErr
}

// setParentDeathSignal asks Linux to SIGKILL the server when the test
// binary dies (a -timeout panic, a crash), so no orphan keeps ports and
// files. Set through reflection because the field exists only on Linux.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	f := reflect.ValueOf(attr).Elem().FieldByName("Pdeathsig")
	if f.IsValid() && f.CanSet() && f.Type() == reflect.TypeOf(syscall.SIGKILL) {
		f.Set(reflect.ValueOf(syscall.SIGKILL))
	}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) { return freePort() }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// serverConfig is a self-contained config.xml: 18.16 needs nothing from
// /etc/clickhouse-server. Paths must end in a slash.
func serverConfig(dir string, port int, settings serverSettings) string {
	p := func(sub string) string { return xmlEscape(filepath.Join(dir, sub)) + "/" }
	return `<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>` + xmlEscape(filepath.Join(dir, "log", "server.log")) + `</log>
        <errorlog>` + xmlEscape(filepath.Join(dir, "log", "server.err.log")) + `</errorlog>
        <size>10M</size>
        <count>1</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>` + strconv.Itoa(port) + `</tcp_port>
    <path>` + p("data") + `</path>
    <tmp_path>` + p("tmp") + `</tmp_path>
    <user_files_path>` + p("user_files") + `</user_files_path>
    <format_schema_path>` + p("format_schemas") + `</format_schema_path>
    <users_config>users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>` + xmlEscape(settings.timezone) + `</timezone>
    <mark_cache_size>67108864</mark_cache_size>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <max_concurrent_queries>100</max_concurrent_queries>
    <max_table_size_to_drop>0</max_table_size_to_drop>
    <max_partition_size_to_drop>0</max_partition_size_to_drop>
    <mlock_executable>false</mlock_executable>
` + settings.extra + `</yandex>
`
}

const usersConfig = `<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <` + RestrictedUser + `>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
            <allow_databases>
                <database>` + RestrictedDatabase + `</database>
            </allow_databases>
        </` + RestrictedUser + `>
        <` + PasswordUser + `>
            <password>` + UserPassword + `</password>
            <networks>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </` + PasswordUser + `>
    </users>
    <quotas>
        <default></default>
    </quotas>
</yandex>
`

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

func xmlEscape(s string) string { return xmlEscaper.Replace(s) }

// Shared fixtures of one test binary, set by Main.
var (
	shared struct {
		server      *Server
		embeddedDir string
		embedded    warehouse.DB // keeps the process's one chDB engine open
	}
	dbCounter atomic.Int64
)

// Main starts the shared server and embedded store, runs the tests and
// stops both, returning m.Run's exit code. Call it from TestMain, as
// os.Exit(whtest.Main(m)) or just whtest.Main(m) (Go exits with m.Run's
// result when TestMain returns). A missing clickhouse-server or libchdb is a
// failure, never a skip: Main prints why and exits the binary with code 1
// itself, since m.Run was never called to record the failure.
func Main(m *testing.M) int {
	code, ran := run(m)
	if !ran {
		os.Exit(code)
	}
	return code
}

// run does Main's work; ran reports whether m.Run was called. Its deferred
// clean-up has finished by the time it returns.
func run(m *testing.M) (code int, ran bool) {
	fail := func(format string, args ...any) (int, bool) {
		msg := fmt.Sprintf(format, args...)
		if !strings.HasPrefix(msg, "whtest: ") {
			msg = "whtest: " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
		fmt.Fprintln(os.Stderr, "FAIL: the warehouse tests need both backends: clickhouse-server (CLICKHOUSE_SERVER_BIN, default "+DefaultServerBin+") and libchdb (CHDB_LIB_PATH)")
		return 1, false
	}
	if fuzzingOnly(os.Args[1:]) {
		return m.Run(), true // fuzz targets decode bytes: no warehouse to start
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*startTimeout)
	defer cancel()

	srv, err := StartServer(ctx, "")
	if err != nil {
		return fail("%v", err)
	}
	defer srv.Stop()

	dir, err := os.MkdirTemp("", "whtest-chdb-")
	if err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(dir)
	emb, err := warehouse.Open(ctx, "chdb://"+dir+"?database=whtest")
	if err != nil {
		if errors.Is(err, warehouse.ErrLibraryMissing) {
			return fail("embedded backend unavailable: %v", err)
		}
		return fail("opening the embedded store in %s: %v", dir, err)
	}
	shared.server, shared.embeddedDir, shared.embedded = srv, dir, emb
	defer func() {
		if err := emb.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "whtest: closing the embedded store: %v\n", err)
		}
	}()

	return m.Run(), true
}

// fuzzingOnly reports whether the test binary only fuzzes (make fuzz
// runs `-run '^$' -fuzz Target`, and its workers get -test.fuzzworker):
// no test runs, so the backends would only cost each process seconds.
func fuzzingOnly(args []string) bool {
	fuzz, none := false, false
	for _, a := range args {
		switch {
		case a == "-test.fuzzworker" || strings.HasPrefix(a, "-test.fuzzworker="):
			return true
		case strings.HasPrefix(a, "-test.fuzz=") && a != "-test.fuzz=":
			fuzz = true
		case a == "-test.run=^$":
			none = true
		}
	}
	return fuzz && none
}

// SharedServer is the test binary's clickhouse-server (nil before Main).
func SharedServer() *Server { return shared.server }

// Backend is one storage backend holding a database of its own.
type Backend struct {
	Name string // "chdb" or "clickhouse"
	DB   warehouse.DB
}

// Backends opens a fresh database, unique to t, on each backend: the
// embedded store first, then the server. The databases are dropped and the
// handles closed in t.Cleanup.
func Backends(t testing.TB) []Backend {
	t.Helper()
	return []Backend{{"chdb", EmbeddedDB(t)}, {"clickhouse", ServerDB(t)}}
}

// ForEach runs fn as a subtest per backend ("chdb", "clickhouse"), each on a
// fresh database unique to the subtest.
func ForEach(t *testing.T, fn func(t *testing.T, db warehouse.DB)) {
	t.Helper()
	for _, b := range []struct {
		name string
		open func(testing.TB) warehouse.DB
	}{{"chdb", EmbeddedDB}, {"clickhouse", ServerDB}} {
		t.Run(b.name, func(t *testing.T) {
			fn(t, b.open(t))
		})
	}
}

// EmbeddedDB opens a fresh database unique to t in the shared embedded store.
func EmbeddedDB(t testing.TB) warehouse.DB {
	t.Helper()
	requireMain(t)
	name := DatabaseName(t)
	return openFor(t, "chdb://"+shared.embeddedDir+"?database="+name, name)
}

// ServerDB opens a fresh database unique to t on the shared server.
func ServerDB(t testing.TB) warehouse.DB {
	t.Helper()
	requireMain(t)
	name := DatabaseName(t)
	return openFor(t, shared.server.DSN(name), name)
}

func requireMain(t testing.TB) {
	t.Helper()
	if shared.server == nil || shared.embedded == nil {
		t.Fatal("whtest: shared backends are not running; call os.Exit(whtest.Main(m)) from TestMain")
	}
}

func openFor(t testing.TB, dsn, name string) warehouse.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := warehouse.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("whtest: opening %s: %v", dsn, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		drop := "DROP DATABASE IF EXISTS " + name
		err := db.Exec(ctx, drop)
		if errors.Is(err, warehouse.ErrClosed) {
			// The test closed its handle itself: drop through a new one.
			var again warehouse.DB
			if again, err = warehouse.Open(ctx, dsn); err == nil {
				err = again.Exec(ctx, drop)
				again.Close()
			}
		}
		if err != nil {
			t.Errorf("whtest: dropping database %s on %s: %v", name, db.Backend(), err)
		}
		if err := db.Close(); err != nil && !errors.Is(err, warehouse.ErrClosed) {
			t.Errorf("whtest: closing %s: %v", db.Backend(), err)
		}
	})
	return db
}

// DatabaseName returns a database name unique within the test binary,
// derived from t's name: "t_" + the sanitized name + a counter.
func DatabaseName(t testing.TB) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(t.Name()) {
		if b.Len() >= 42 {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	fmt.Fprintf(&b, "_%d", dbCounter.Add(1))
	return b.String()
}

// Count is how many rows table holds after FINAL: the live versions, for
// tests that check what a run stored.
func Count(t testing.TB, db warehouse.DB, table string) int64 {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT toInt64(count()) FROM {db}."+table+" FINAL")
	if err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			t.Fatalf("counting %s: %v", table, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}
