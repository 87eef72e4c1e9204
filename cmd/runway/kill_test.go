//go:build linux

package main

// Process faults (issue 14, item 3): `runway collect` killed with SIGKILL
// at seeded points of a large backfill resumes from its last checkpoint
// and ends with exactly the simulator's data; SIGTERM stops it within
// api.shutdown_timeout (even when the store stops answering) and loses
// nothing committed; `runway serve` gives a run it started until then.
//
// The binary runs as a subprocess against a simulated Jira served by the
// test process (simJira). A fault point is a request reaching the site
// (counted by simJira; the signal goes out before it is answered) or an
// insert reaching the store (the server through chProxy, which holds it
// back; the embedded store's part appearing in its folder, watchParts), so
// a seed picks the same point of the run every time. The store is read by
// a helper, the test binary run again with storeHelperEnv set, because
// chDB holds one engine per process and this test process holds whtest's;
// a server database is read in this process. The same machinery serves
// idempotent_test.go and storefolder_test.go.

import (
	"bytes"
	"context"
	byteorder "encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/jira"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/simulate/truthcheck"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// storeHelperEnv, set to a JSON storeReq, makes the test binary a store
// helper: it runs the request, prints the answer and exits before any test
// (or whtest's shared stores) starts.
const storeHelperEnv = "RUNWAY_TEST_STORE_HELPER"

func init() {
	if req := os.Getenv(storeHelperEnv); req != "" {
		os.Exit(storeHelperMain(req))
	}
}

// storeReq asks the store helper to inspect a store (and then, with
// Cursors, to set cursors).
type storeReq struct {
	DSN    string           `json:"dsn"`
	Source string           `json:"source"`
	Org    simulate.Options `json:"org"` // the org the source collects, regenerated for the truth
	// API asks for the API's answers (inspect).
	API bool `json:"api"`
	// Truth asks for the comparison with the org's truth (inspect).
	Truth bool `json:"truth"`
	// Cursors are written after the inspection (name -> value), as a
	// newer version of the source's cursors.
	Cursors map[string]string `json:"cursors"`
}

// storeState is what a store holds for one source, as inspect reads it.
type storeState struct {
	Cursors map[string]string `json:"cursors"`
	// Tables: rows per table (all versions), rows under FINAL and distinct
	// natural keys.
	Tables map[string]tableCount `json:"tables"`
	// Issues by id: the stored update time and how many rows each table
	// keyed by issue holds for it (under FINAL).
	Issues map[string]issueState `json:"issues"`
	Runs   []runState            `json:"runs"`
	// API maps each request path to its status and body.
	API map[string]string `json:"api"`
	// Truth lists the differences from the simulator's truth;
	// SprintsChecked and MilestonesChecked count what was compared.
	Truth             []string `json:"truth"`
	SprintsChecked    int      `json:"sprints_checked"`
	MilestonesChecked int      `json:"milestones_checked"`
}

type tableCount struct {
	Rows  uint64 `json:"rows"`
	Final uint64 `json:"final"`
	Keys  uint64 `json:"keys"`
}

type issueState struct {
	Updated  time.Time         `json:"updated"`
	Children map[string]uint64 `json:"children"`
}

type runState struct {
	RunID    string `json:"run_id"`
	Status   string `json:"status"`
	Error    string `json:"error"`
	Rows     int64  `json:"rows"`
	Requests int64  `json:"requests"`
}

// naturalKeys are each table's natural key: what identifies one fact
// upstream (event tables: the upstream event id). Re-collecting must never
// make two rows of one key visible under FINAL.
var naturalKeys = map[string]string{
	"sources":              "source",
	"collector_runs":       "source, run_id",
	"cursors":              "source, name",
	"boards":               "source, board_id",
	"sprints":              "source, sprint_id",
	"statuses":             "source, status_id",
	"issues":               "source, issue_id",
	"issue_status_changes": "source, issue_id, event_id",
	"issue_points_changes": "source, issue_id, event_id",
	"membership_events":    "source, kind, container_id, issue_id, event_id",
	"membership_intervals": "source, kind, container_id, issue_id, entered",
	"milestones":           "source, milestone_id",
	"milestone_snapshots":  "source, milestone_id, observed",
	"tickets":              "source, ticket_id",
	"ticket_metric_events": "source, ticket_id, event_id",
	"sla_policies":         "source, policy_id, priority, metric",
	"projects":             "project_key",
}

// issueTables are the tables with rows per issue that an issue's row
// brings along: a cursor is justified only once all of them are stored.
var issueTables = []string{"issue_status_changes", "issue_points_changes", "membership_events", "membership_intervals"}

// entityTables hold what the upstream site has (no run bookkeeping, no
// observation snapshots): a finished collection holds exactly the same
// rows in them however often it was interrupted.
var entityTables = []string{"boards", "sprints", "statuses", "issues", "issue_status_changes", "issue_points_changes",
	"membership_events", "membership_intervals", "milestones"}

func storeHelperMain(raw string) int {
	var req storeReq
	if err := json.Unmarshal([]byte(raw), &req); err != nil {
		fmt.Fprintln(os.Stderr, "store helper:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := warehouse.Open(ctx, req.DSN)
	if err != nil {
		fmt.Fprintln(os.Stderr, "store helper: opening the store:", err)
		return 1
	}
	defer db.Close()
	out, err := runStoreReq(ctx, db, req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "store helper:", err)
		return 1
	}
	b, err := json.Marshal(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "store helper:", err)
		return 1
	}
	fmt.Printf("\n%s%s\n", helperMark, b)
	return 0
}

// runStoreReq inspects the store and then sets the cursors req asks for.
func runStoreReq(ctx context.Context, db warehouse.DB, req storeReq) (storeState, error) {
	st, err := inspectStore(ctx, db, req)
	if err != nil || len(req.Cursors) == 0 {
		return st, err
	}
	rows := make([]warehouse.CursorRow, 0, len(req.Cursors))
	for _, n := range slices.Sorted(maps.Keys(req.Cursors)) {
		rows = append(rows, warehouse.CursorRow{Source: req.Source, Name: n, Value: req.Cursors[n], RunID: "test-rewind",
			Updated: time.Now().UTC().Truncate(time.Second), Version: uint64(time.Now().UnixNano())})
	}
	return st, warehouse.InsertRows(ctx, db, rows)
}

// helperMark starts the helper's answer line (the engine may print too).
const helperMark = "STORE-HELPER-ANSWER "

func inspectStore(ctx context.Context, db warehouse.DB, req storeReq) (storeState, error) {
	st := storeState{Cursors: map[string]string{}, Tables: map[string]tableCount{}, Issues: map[string]issueState{}}
	query := func(q string, scan func(warehouse.Rows) error, args ...any) error {
		rows, err := db.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err := query("SELECT name, value FROM {db}.cursors FINAL WHERE source = ?", func(r warehouse.Rows) error {
		var n, v string
		err := r.Scan(&n, &v)
		st.Cursors[n] = v
		return err
	}, req.Source)
	if err != nil {
		return st, err
	}
	// One statement for every table, and one for the rows per issue: each
	// statement costs the embedded engine tens of milliseconds.
	var counts []string
	for _, table := range slices.Sorted(maps.Keys(naturalKeys)) {
		counts = append(counts, "SELECT '"+table+"' AS t, (SELECT toUInt64(count()) FROM {db}."+table+") AS rows, "+
			"toUInt64(count()) AS final, toUInt64(uniqExact("+naturalKeys[table]+")) AS keys FROM {db}."+table+" FINAL")
	}
	err = query(strings.Join(counts, "\nUNION ALL\n"), func(r warehouse.Rows) error {
		var table string
		var c tableCount
		err := r.Scan(&table, &c.Rows, &c.Final, &c.Keys)
		st.Tables[table] = c
		return err
	})
	if err != nil {
		return st, err
	}
	err = query("SELECT issue_id, updated FROM {db}.issues FINAL WHERE source = ?", func(r warehouse.Rows) error {
		var id string
		var is issueState
		err := r.Scan(&id, &is.Updated)
		is.Children = map[string]uint64{}
		st.Issues[id] = is
		return err
	}, req.Source)
	if err != nil {
		return st, err
	}
	var children []string
	var args []any
	for _, table := range issueTables {
		args = append(args, req.Source)
		children = append(children, "SELECT '"+table+"' AS t, issue_id, toUInt64(count()) AS n FROM {db}."+table+
			" FINAL WHERE source = ? GROUP BY issue_id")
	}
	err = query(strings.Join(children, "\nUNION ALL\n"), func(r warehouse.Rows) error {
		var table, id string
		var n uint64
		if err := r.Scan(&table, &id, &n); err != nil {
			return err
		}
		is, ok := st.Issues[id]
		if !ok { // rows of an issue whose own row is not stored (yet)
			is = issueState{Children: map[string]uint64{}}
			st.Issues[id] = is
		}
		is.Children[table] = n
		return nil
	}, args...)
	if err != nil {
		return st, err
	}
	err = query("SELECT run_id, status, error, rows, requests FROM {db}.collector_runs FINAL WHERE source = ? ORDER BY run_id",
		func(r warehouse.Rows) error {
			var rs runState
			err := r.Scan(&rs.RunID, &rs.Status, &rs.Error, &rs.Rows, &rs.Requests)
			st.Runs = append(st.Runs, rs)
			return err
		}, req.Source)
	if err != nil {
		return st, err
	}
	if !req.API && !req.Truth {
		return st, nil
	}
	tb := &collectTB{}
	org := simulate.Generate(req.Org)
	func() {
		defer tb.recoverFatal()
		if req.Truth {
			site := truthcheck.Site{DB: db, Source: req.Source, Org: org, Rules: simulate.JiraMilestones}
			st.SprintsChecked = truthcheck.Sprints(tb, site, org.Now)
			st.MilestonesChecked = len(truthcheck.Milestones(tb, site, []time.Time{org.Now}))
		}
		if req.API {
			st.API = apiAnswers(tb, db, req.Source, org.Now)
		}
	}()
	st.Truth = tb.errs
	return st, nil
}

// apiAnswers asks the API, on the org's clock, every report the collected
// data feeds: every list, and sprints and milestones one by one.
func apiAnswers(t testing.TB, db warehouse.DB, source string, now time.Time) map[string]string {
	h := api.New(api.Options{DB: db, Now: func() time.Time { return now }, Kinds: truthcheck.DefaultKinds(t)}).Handler()
	out := map[string]string{}
	get := func(path string) []byte {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		out[path] = fmt.Sprintf("%d %s", rec.Code, rec.Body.String())
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
		return rec.Body.Bytes()
	}
	ids := func(body []byte) []string {
		var list struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Next string `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			t.Errorf("decoding a list: %v", err)
		}
		if list.Next != "" {
			t.Errorf("a list has more than one page")
		}
		var out []string
		for _, it := range list.Items {
			out = append(out, it.ID)
		}
		return out
	}
	// The lists hold every sprint's and milestone's numbers; the details
	// add their issue-level events, read for a spread of them.
	for _, id := range spread(ids(get("/api/v1/sprints?limit=1000")), 6) {
		get("/api/v1/sprints/" + source + "/" + id)
	}
	for _, id := range spread(ids(get("/api/v1/milestones?limit=1000")), 6) {
		get("/api/v1/milestones/" + source + "/" + id)
	}
	for _, p := range []string{
		"/api/v1/projects",
		"/api/v1/scope-change?entity=sprint&group_by=board", "/api/v1/scope-change?entity=sprint&group_by=month",
		"/api/v1/scope-change?entity=milestone&group_by=project", "/api/v1/scope-change?entity=milestone&group_by=kind",
		"/api/v1/durations?entity=sprint&group_by=board", "/api/v1/durations?entity=sprint&group_by=state",
		"/api/v1/durations?entity=milestone&group_by=project", "/api/v1/durations?entity=project&group_by=type",
		"/api/v1/forecast-accuracy?group_by=project", "/api/v1/forecast-accuracy?group_by=kind",
		"/api/v1/support-load?group_by=project", "/api/v1/tickets/summary",
		"/",
	} {
		get(p)
	}
	return out
}

// spread picks n of ids, evenly spaced (all of them when there are fewer).
func spread(ids []string, n int) []string {
	if len(ids) <= n {
		return ids
	}
	out := make([]string, n)
	for i := range out {
		out[i] = ids[i*len(ids)/n]
	}
	return out
}

// collectTB is the testing.TB the helper gives truthcheck: it keeps the
// failures for the test to report.
type collectTB struct {
	testing.TB
	errs []string
}

var errHelperFatal = errors.New("fatal")

func (c *collectTB) Helper()                   {}
func (c *collectTB) Error(args ...any)         { c.errs = append(c.errs, fmt.Sprint(args...)) }
func (c *collectTB) Errorf(f string, a ...any) { c.errs = append(c.errs, fmt.Sprintf(f, a...)) }
func (c *collectTB) Fatal(args ...any)         { c.Error(args...); panic(errHelperFatal) }
func (c *collectTB) Fatalf(f string, a ...any) { c.Errorf(f, a...); panic(errHelperFatal) }
func (c *collectTB) recoverFatal() {
	if r := recover(); r != nil && r != errHelperFatal {
		panic(r)
	}
}

// storeHelper runs the helper on req and decodes its answer into out.
func storeHelper(t *testing.T, req storeReq, out any) {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0])
	// GORACE: a binary built with -race sleeps a second before it exits.
	cmd.Env = append(os.Environ(), storeHelperEnv+"="+string(b), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("store helper on %s: %v\n%s", req.DSN, err, stderr.String())
	}
	_, answer, ok := strings.Cut(stdout.String(), "\n"+helperMark)
	if !ok {
		t.Fatalf("store helper: no answer\n%s%s", stdout.String(), stderr.String())
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(answer)), out); err != nil {
		t.Fatalf("store helper: %v", err)
	}
}

// simJira is a simulated Jira site that fires a hook at a chosen request.
type simJira struct {
	opts simulate.Options
	org  *simulate.Org
	site *simulate.Jira
	url  string

	n atomic.Int64 // requests arrived since the run started
	// firstSearch is the number of the run's first issue search request.
	firstSearch atomic.Int64
	// delay slows every request down by this many nanoseconds.
	delay atomic.Int64
	mu    sync.Mutex
	at    int64
	hook  func() (drop bool)
}

const (
	simEmail, simToken = "bot@acme.test", "sim-token"
	simSource          = "sim"
)

// newSimJira serves a generated org whose issue search takes many pages
// (pageSize issues a page), so that a backfill checkpoints several times.
func newSimJira(t *testing.T, opts simulate.Options, pageSize int) *simJira {
	t.Helper()
	s := &simJira{opts: opts, org: simulate.Generate(opts)}
	s.site = simulate.NewJira(s.org, simulate.JiraOptions{Email: simEmail, Token: simToken, PageSize: pageSize})
	url, stop, err := simulate.Listen(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	s.url = url
	return s
}

func (s *simJira) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.n.Add(1)
	if r.URL.Path == simulate.PathSearch {
		s.firstSearch.CompareAndSwap(0, n)
	}
	s.mu.Lock()
	var hook func() bool
	if s.hook != nil && n >= s.at {
		hook, s.hook = s.hook, nil
	}
	s.mu.Unlock()
	if hook != nil && hook() {
		http.Error(w, "killed", http.StatusServiceUnavailable)
		return
	}
	if d := time.Duration(s.delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	s.site.ServeHTTP(w, r)
}

// reset starts a run's request count.
func (s *simJira) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n.Store(0)
	s.firstSearch.Store(0)
	s.delay.Store(0)
	s.hook = nil
	s.site.ResetRequests()
}

// trigger arms a fault point: fire is to be called once when the point is
// reached (it signals the run; true asks the trigger to hold back what
// reached the point). disarm undoes it.
type trigger func(t *testing.T, fire func() (drop bool)) (disarm func())

// atRequest fires when request n of the run reaches the site.
func (s *simJira) atRequest(n int64) trigger {
	return func(_ *testing.T, fire func() bool) func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.at, s.hook = n, fire
		return func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.hook = nil
		}
	}
}

// collectConfig writes a config collecting s into dsn, with grace as
// api.shutdown_timeout and a free loopback port for serve, and returns
// its path.
func (s *simJira) collectConfig(t *testing.T, dsn string, grace time.Duration) string {
	t.Helper()
	// The binary runs on the wall clock: its first run must reach back
	// from today to the pinned org (or forward, when RUNWAY_TEST_NOW is
	// later: the search has no upper bound).
	since := max(int(time.Since(s.org.Now).Hours()/24)+400, 400)
	cfg := fmt.Sprintf(`storage: {dsn: %q}
api: {listen: %q, shutdown_timeout: %s}
log: {level: warn}
sources:
  - {name: %s, type: jira, base_url: %q, email: %s, token_env: JIRA_TOKEN, schedule: "@hourly", since: %dd}
projects:
  - {key: platform, name: Platform, type: long_term, match: {jira_projects: [PLAT]}}
  - {key: mobile, name: Mobile, type: short_term, match: {jira_projects: [MOB]}}
`, dsn, freeAddr(t), grace, simSource, s.url, simEmail, since)
	p := filepath.Join(t.TempDir(), "runway.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// collectRun is one `runway collect` as the test saw it.
type collectRun struct {
	code     int            // exit status; -1 when a signal ended it
	signal   syscall.Signal // the signal that ended it, if one did
	fired    bool           // the trigger fired
	stdout   string
	stderr   string
	took     time.Duration // start to exit
	stopped  time.Duration // signal to exit, when the trigger fired
	requests int64         // requests that reached the site
	searches []string      // the issue searches' JQL, in order
	prefix   int64         // requests before the first issue search
}

// collect runs `runway collect` with config cfg. With a trigger, sig is
// sent when it fires (and, for SIGKILL, what reached the point is held
// back); before, when set, runs first.
func (s *simJira) collect(t *testing.T, cfg string, trig trigger, sig syscall.Signal, before ...func()) collectRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "collect", "--config", cfg)
	cmd.Env = cleanEnv(t, "JIRA_TOKEN="+simToken, "CHDB_LIB_PATH="+os.Getenv("CHDB_LIB_PATH"))
	var stdout, stderr collectortest.LogBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var sent atomic.Pointer[time.Time] // when the signal went out
	started := make(chan *os.Process, 1)
	s.reset()
	if trig != nil {
		disarm := trig(t, func() bool {
			p := <-started
			started <- p
			for _, f := range before {
				f()
			}
			now := time.Now() // elapsed time only
			sent.Store(&now)
			if err := p.Signal(sig); err != nil {
				t.Errorf("signalling collect: %v", err)
			}
			return sig == syscall.SIGKILL
		})
		defer disarm()
	}
	start := time.Now() // elapsed time only
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started <- cmd.Process
	err := cmd.Wait()
	end := time.Now()
	r := collectRun{stdout: stdout.String(), stderr: stderr.String(), took: end.Sub(start), requests: s.n.Load(),
		prefix: s.firstSearch.Load() - 1}
	for _, q := range s.site.SearchJQLs() {
		if strings.Contains(q, "updated >=") { // not the reconcile's id listing
			r.searches = append(r.searches, q)
		}
	}
	if at := sent.Load(); at != nil {
		r.fired, r.stopped = true, end.Sub(*at)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.signal = ws.Signal()
		}
	default:
		t.Fatalf("collect: %v\n%s", err, r.stderr)
	}
	if ctx.Err() != nil {
		t.Fatalf("collect did not end within 2 minutes\n%s", r.stderr)
	}
	return r
}

// serveRun is `runway serve` with config cfg: once it answers, a run of
// the source is started through the API, and at request at of it serve
// gets SIGTERM while the site slows down to a second a request, so that
// the run outlasts api.shutdown_timeout.
func (s *simJira) serveRun(t *testing.T, cfg string, at int64) collectRun {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr := regexp.MustCompile(`listen: "([^"]+)"`).FindSubmatch(b)
	if addr == nil {
		t.Fatalf("no api.listen in %s", b)
	}
	base := "http://" + string(addr[1])
	cmd := exec.Command(binary, "serve", "--config", cfg)
	cmd.Env = cleanEnv(t, "JIRA_TOKEN="+simToken, "CHDB_LIB_PATH="+os.Getenv("CHDB_LIB_PATH"))
	var stdout, stderr collectortest.LogBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	s.reset()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ended := false
	defer func() {
		if !ended {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	up := eventually(60*time.Second, 50*time.Millisecond, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if !up {
		t.Fatalf("serve never answered\n%s", stderr.String())
	}
	var sent atomic.Pointer[time.Time]
	disarm := s.atRequest(at)(t, func() bool {
		s.delay.Store(int64(time.Second))
		now := time.Now() // elapsed time only
		sent.Store(&now)
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("signalling serve: %v", err)
		}
		return false
	})
	defer disarm()
	start := time.Now() // elapsed time only
	resp, err := http.Post(base+"/api/v1/collectors/"+simSource+"/run", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("starting a run: %d", resp.StatusCode)
	}
	var werr error
	select {
	case werr = <-exited:
		ended = true
	case <-time.After(90 * time.Second):
		t.Fatalf("serve did not stop\n%s", stderr.String())
	}
	end := time.Now()
	r := collectRun{stdout: stdout.String(), stderr: stderr.String(), took: end.Sub(start), requests: s.n.Load(),
		prefix: s.firstSearch.Load() - 1}
	if at := sent.Load(); at != nil {
		r.fired, r.stopped = true, end.Sub(*at)
	}
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		r.code = ee.ExitCode()
	} else if werr != nil {
		t.Fatal(werr)
	}
	return r
}

// storeTarget is one store a scenario collects into, on either backend.
type storeTarget struct {
	backend string // "chdb" or "clickhouse"
	dsn     string
	dir     string // chdb: the data folder
	db      string // the database
	proxy   *chProxy
}

// newTarget makes a fresh store: a database in the embedded folder dir,
// or a database on the shared server (dropped at the end of the test),
// reached through a proxy the test controls.
func newTarget(t *testing.T, backend, dir, name string) storeTarget {
	t.Helper()
	if backend == "chdb" {
		return storeTarget{backend: backend, dsn: "chdb://" + dir + "?database=" + name, dir: dir, db: name}
	}
	db := whtest.ServerDB(t).Database()
	p := newCHProxy(t, fmt.Sprintf("127.0.0.1:%d", whtest.SharedServer().Port()))
	return storeTarget{backend: backend, dsn: "clickhouse://default@" + p.addr + "/" + db, db: db, proxy: p}
}

// inspect reads what the target holds (with the API's answers and the
// comparison with the truth, when asked).
func (s *simJira) inspect(t *testing.T, st storeTarget, api, truth bool) storeState {
	t.Helper()
	return s.inspectReq(t, st, storeReq{DSN: st.dsn, Source: simSource, Org: s.opts, API: api, Truth: truth})
}

// inspectReq runs req: on the server in this process, on the embedded
// store through the helper.
func (s *simJira) inspectReq(t *testing.T, st storeTarget, req storeReq) storeState {
	t.Helper()
	var out storeState
	if st.backend == "chdb" {
		storeHelper(t, req, &out)
		return out
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req.DSN = whtest.SharedServer().DSN(st.db)
	db, err := warehouse.Open(ctx, req.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if out, err = runStoreReq(ctx, db, req); err != nil {
		t.Fatal(err)
	}
	return out
}

// atInsert fires when the run's insert n reaches the store (a commit
// writes one insert per table, then the cursors): on the server when its
// query reaches the proxy (SIGKILL then holds it back), on the embedded
// store when its part is in place (the run is killed in the middle of the
// commit, at the next insert or so).
func (st storeTarget) atInsert(n int64) trigger {
	if st.proxy != nil {
		return st.proxy.atInsert(n)
	}
	return func(t *testing.T, fire func() bool) func() {
		return watchParts(t, filepath.Join(st.dir, "data", st.db), n, fire)
	}
}

// checkNoDuplicates: under FINAL every table holds one row per natural key.
func checkNoDuplicates(t *testing.T, what string, st storeState) {
	t.Helper()
	for table, c := range st.Tables {
		if c.Final != c.Keys {
			t.Errorf("%s: %s holds %d rows under FINAL for %d keys", what, table, c.Final, c.Keys)
		}
	}
}

// positions are the cursors that say how far the collection got: all but
// the time of the last reconcile, which is the wall clock's.
func positions(c map[string]string) map[string]string {
	out := maps.Clone(c)
	delete(out, jira.CursorReconciled)
	return out
}

// checkExact: a finished collection holds the org's issues as the site
// serves them, with the rows a clean collection (ref) holds in every
// entity table, the same cursors, nothing twice, and (when asked) reports
// the org's truth exactly.
func (s *simJira) checkExact(t *testing.T, what string, got, ref storeState) {
	t.Helper()
	for _, e := range got.Truth {
		t.Errorf("%s: %s", what, e)
	}
	if len(got.Issues) != len(s.org.Issues) {
		t.Errorf("%s: %d issues stored, the org has %d", what, len(got.Issues), len(s.org.Issues))
	}
	for _, is := range s.org.Issues {
		if g, ok := got.Issues[is.ID]; !ok || !g.Updated.Equal(is.Updated) {
			t.Errorf("%s: issue %s (%s) stored %v (updated %v), want updated %v", what, is.ID, is.Key, ok, g.Updated, is.Updated)
		}
	}
	for id, is := range got.Issues {
		if !maps.Equal(is.Children, ref.Issues[id].Children) {
			t.Errorf("%s: issue %s has rows %v, a clean collection %v", what, id, is.Children, ref.Issues[id].Children)
		}
	}
	for _, table := range entityTables {
		if g, w := got.Tables[table].Final, ref.Tables[table].Final; g != w || g == 0 {
			t.Errorf("%s: %s holds %d rows, a clean collection %d", what, table, g, w)
		}
	}
	if !maps.Equal(positions(got.Cursors), positions(ref.Cursors)) {
		t.Errorf("%s: cursors %v, a clean collection's %v", what, got.Cursors, ref.Cursors)
	}
	checkNoDuplicates(t, what, got)
}

// checkResumable: what a killed or stopped run left is a consistent
// checkpoint. The issue cursor is never ahead of the rows: every issue the
// site has that was updated before it is stored as the site serves it,
// with all of its rows (those of a clean collection, ref); the listings
// written before the search are stored once any cursor is; nothing is
// there twice. It returns how many issues the cursor covers.
func (s *simJira) checkResumable(t *testing.T, what string, got, ref storeState) int {
	t.Helper()
	checkNoDuplicates(t, what, got)
	for n := range got.Cursors {
		if _, ok := ref.Cursors[n]; !ok {
			t.Errorf("%s: cursor %s, which a clean collection does not set", what, n)
		}
	}
	v, ok := got.Cursors[jira.CursorIssues]
	if !ok {
		return 0
	}
	cur, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t.Fatalf("%s: issue cursor %q: %v", what, v, err)
	}
	if got.Cursors[jira.CursorProjects] != ref.Cursors[jira.CursorProjects] {
		t.Errorf("%s: projects cursor %q beside the issue cursor, want %q", what, got.Cursors[jira.CursorProjects], ref.Cursors[jira.CursorProjects])
	}
	covered := 0
	for _, is := range s.org.Issues {
		if !is.Updated.Before(cur) {
			continue
		}
		covered++
		g, ok := got.Issues[is.ID]
		switch {
		case !ok:
			t.Errorf("%s: issue cursor %s is ahead of the rows: issue %s (updated %v) is not stored", what, v, is.Key, is.Updated)
		case !g.Updated.Equal(is.Updated) || !maps.Equal(g.Children, ref.Issues[is.ID].Children):
			t.Errorf("%s: issue cursor %s is ahead of the rows: issue %s stored updated %v with %v, want %v with %v",
				what, v, is.Key, g.Updated, g.Children, is.Updated, ref.Issues[is.ID].Children)
		}
	}
	if covered == 0 {
		t.Errorf("%s: issue cursor %s covers no issue", what, v)
	}
	for _, table := range []string{"boards", "sprints", "statuses", "milestones"} {
		if g, w := got.Tables[table].Final, ref.Tables[table].Final; g != w {
			t.Errorf("%s: a cursor is committed but %s holds %d rows, a clean collection %d", what, table, g, w)
		}
	}
	return covered
}

// resumedFrom checks that a run's issue search started from the
// checkpoint's cursor (less the JQL overlap), as a resumed run must.
func resumedFrom(t *testing.T, what string, searches []string, cursor string) {
	t.Helper()
	cur, err := time.Parse(time.RFC3339, cursor)
	if err != nil {
		t.Fatalf("%s: cursor %q: %v", what, cursor, err)
	}
	want := `updated >= "` + cur.Add(-5*time.Minute).Truncate(time.Minute).UTC().Format("2006-01-02 15:04") + `"`
	if len(searches) == 0 || !strings.Contains(searches[0], want) {
		first := "none"
		if len(searches) > 0 {
			first = searches[0]
		}
		t.Errorf("%s: the next run's first search is %s, want one from the checkpoint (%s)", what, first, want)
	}
}

// killOrg is the large backfill: 700 issues in pages of 5, so the
// issue search checkpoints 7 times (every 20 pages).
func killOrg() simulate.Options {
	return simulate.Options{Seed: 14, Now: collectortest.Now(time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)),
		Teams: 2, Months: 12, IssuesPerSprint: 12, Projects: []string{"PLAT", "MOB"}}
}

const killPageSize = 5

// termGrace is api.shutdown_timeout in the process-fault tests.
const termGrace = 3 * time.Second

// faultRow is one line of the faults table the tests log.
type faultRow struct {
	fault, outcome, lost, recovery string
}

func logFaults(t *testing.T, rows []faultRow) {
	t.Helper()
	var b strings.Builder
	b.WriteString("\n| fault | outcome | data lost | recovery |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.fault, r.outcome, r.lost, r.recovery)
	}
	t.Log(b.String())
}

// cleanCollection collects the org once, uninterrupted, into a fresh
// database on the server: the reference the faulted runs must end equal
// to, itself checked against the org's truth.
func (s *simJira) cleanCollection(t *testing.T) (cleanRef, storeState) {
	t.Helper()
	st := newTarget(t, "clickhouse", "", "clean")
	cfg := s.collectConfig(t, st.dsn, 5*time.Second)
	if code, out, errOut := runway(t, cleanEnv(t), "migrate", "--config", cfg); code != 0 {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	st.proxy.atInsert(0)(t, nil)
	run := s.collect(t, cfg, nil, 0)
	if run.code != 0 {
		t.Fatalf("clean collect: exit %d\n%s%s", run.code, run.stdout, run.stderr)
	}
	ref := s.inspect(t, st, false, true)
	s.checkExact(t, "clean collection", ref, ref)
	if ref.SprintsChecked == 0 || ref.MilestonesChecked == 0 {
		t.Fatalf("clean collection: compared %d sprints and %d milestones with the truth", ref.SprintsChecked, ref.MilestonesChecked)
	}
	if n := len(run.searches); n < 100 {
		t.Fatalf("clean collection: %d search pages, want ≥ 100 so that the backfill checkpoints at least 5 times", n)
	}
	c := cleanRef{collectRun: run, inserts: st.proxy.count()}
	t.Logf("clean collection: %d requests (%d before the issue search, %d search pages), %d inserts, %s",
		run.requests, run.prefix, len(run.searches), c.inserts, run.took.Round(10*time.Millisecond))
	return c, ref
}

// cleanKill is the clean collection of killOrg, made once for the tests
// that fault its collection.
var cleanKill struct {
	sync.Mutex
	done bool
	run  cleanRef
	ref  storeState
}

func cleanKillOrg(t *testing.T) (cleanRef, storeState) {
	t.Helper()
	cleanKill.Lock()
	defer cleanKill.Unlock()
	if !cleanKill.done {
		cleanKill.run, cleanKill.ref = newSimJira(t, killOrg(), killPageSize).cleanCollection(t)
		cleanKill.done = true
	}
	return cleanKill.run, cleanKill.ref
}

// cleanRef is what a clean collection took.
type cleanRef struct {
	collectRun
	inserts int64 // inserts its commits made
}

// remaining estimates what a run resuming from cursor ("": none) still
// has to do, from what the clean collection did: requests (those before
// the issue search, then its share of the search's) and inserts (a run's
// first three record it and the configuration, then its commits').
func (c cleanRef) remaining(org *simulate.Org, cursor string) (requests, inserts int64) {
	left := len(org.Issues)
	if cursor != "" {
		cur, _ := time.Parse(time.RFC3339, cursor)
		left = 0
		for _, is := range org.Issues {
			if !is.Updated.Before(cur.Add(-5 * time.Minute)) {
				left++
			}
		}
	}
	share := float64(left) / float64(len(org.Issues))
	return c.prefix + int64(share*float64(c.requests-c.prefix)), 3 + int64(share*float64(c.inserts-3))
}

// killStreams seed each backend's fault points: streams whose points
// land before the first checkpoint, at the very first request, in the
// middle of commits and late in the backfill.
var killStreams = map[string]uint64{"chdb": 9, "clickhouse": 6}

// TestCollectKilled: `runway collect` SIGKILLed at 5 seeded points of a
// backfill, one after the other on one store, on each backend: at a
// request reaching the site, or at an insert of a commit reaching the
// store. Each point is drawn from what the run still has to do. Every
// kill leaves a consistent checkpoint (no cursor ahead of its rows,
// nothing twice), each next run resumes from the last checkpoint, and the
// run after the last kill ends with exactly what a clean collection
// holds, which reports the org's truth.
func TestCollectKilled(t *testing.T) {
	t.Parallel()
	clean, ref := cleanKillOrg(t)
	var mu sync.Mutex
	tables := map[string][]faultRow{}
	t.Cleanup(func() { logFaults(t, append(tables["chdb"], tables["clickhouse"]...)) })
	for _, backend := range []string{"chdb", "clickhouse"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			// A site of its own: each counts its requests.
			sim := newSimJira(t, killOrg(), killPageSize)
			var table []faultRow
			defer func() {
				mu.Lock()
				defer mu.Unlock()
				tables[backend] = table
			}()
			st := newTarget(t, backend, t.TempDir(), "killed")
			cfg := sim.collectConfig(t, st.dsn, termGrace)
			r := rand.New(rand.NewPCG(14, killStreams[backend]))
			cursor := ""
			var all int64
			for k := range 5 {
				// Even kills at a request, odd ones at an insert (the
				// first run makes the tables), anywhere in the 90 %
				// of the run that is surely left.
				requests, inserts := clean.remaining(sim.org, cursor)
				var trig trigger
				var point string
				if k%2 == 1 {
					n := 4 + r.Int64N((inserts-3)*9/10)
					trig, point = st.atInsert(n), fmt.Sprintf("insert %d of ~%d", n, inserts)
				} else {
					n := 1 + r.Int64N(requests*9/10)
					trig, point = sim.atRequest(n), fmt.Sprintf("request %d of ~%d", n, requests)
				}
				what := fmt.Sprintf("%s: kill %d, at %s", backend, k+1, point)
				run := sim.collect(t, cfg, trig, syscall.SIGKILL)
				if run.signal != syscall.SIGKILL {
					t.Fatalf("%s: the run ended with exit %d, not by the kill\n%s%s", what, run.code, run.stdout, run.stderr)
				}
				all += run.requests
				if cursor != "" && len(run.searches) > 0 {
					resumedFrom(t, what, run.searches, cursor)
				}
				left := sim.inspect(t, st, false, false)
				covered := sim.checkResumable(t, what, left, ref)
				if n := len(left.Runs); n != k+1 || left.Runs[k].Status != "running" {
					t.Errorf("%s: run log %+v, want %d started runs", what, left.Runs, k+1)
				}
				outcome := "killed before the first checkpoint"
				recovery := fmt.Sprintf("the next run starts over (this one made %d requests)", run.requests)
				if c, ok := left.Cursors[jira.CursorIssues]; ok {
					cursor = c
					outcome = fmt.Sprintf("killed; the checkpoint holds %d of %d issues", covered, len(sim.org.Issues))
					recovery = fmt.Sprintf("the next run resumes from the checkpoint (this one made %d requests)", run.requests)
				}
				table = append(table, faultRow{fault: what, outcome: outcome, lost: "none", recovery: recovery})
			}
			// SIGTERM during the issue search; on the server, the store
			// stops answering at the same moment, so nothing more can be
			// committed or recorded: the process must still be gone within
			// api.shutdown_timeout.
			requests, _ := clean.remaining(sim.org, cursor)
			n := clean.prefix + 1 + r.Int64N(requests*9/10-clean.prefix)
			what := fmt.Sprintf("%s: SIGTERM at request %d of ~%d", backend, n, requests)
			var hold []func()
			if st.proxy != nil {
				what += ", the store holding every connection still"
				hold = append(hold, st.proxy.hold)
			}
			term := sim.collect(t, cfg, sim.atRequest(n), syscall.SIGTERM, hold...)
			if st.proxy != nil {
				st.proxy.release()
			}
			// Stopped, it says so: the run failed, or (the store holding
			// still) the process would not wait for it.
			said := strings.HasPrefix(term.stdout, "sim: FAILED after ") && strings.Contains(term.stdout, "context canceled")
			if st.proxy != nil {
				said = strings.Contains(term.stderr, "the collection did not end within api.shutdown_timeout (3s) of the signal")
			}
			if term.signal != 0 || term.code != 1 || !term.fired || !said {
				t.Errorf("%s: exit %d (signal %v), want 1 saying why\n%s%s", what, term.code, term.signal, term.stdout, term.stderr)
			}
			if term.stopped > termGrace+time.Second {
				t.Errorf("%s: stopped %s after the signal, api.shutdown_timeout is %s\n%s", what, term.stopped, termGrace, term.stderr)
			}
			all += term.requests
			left := sim.inspect(t, st, false, false)
			covered := sim.checkResumable(t, what, left, ref)
			if c := left.Cursors[jira.CursorIssues]; c < cursor {
				t.Errorf("%s: the issue cursor went back from %s to %s", what, cursor, c)
			} else {
				cursor = c
			}
			lastRun := left.Runs[len(left.Runs)-1]
			if st.proxy == nil && (lastRun.Status != "failed" || !strings.Contains(lastRun.Error, "context canceled")) {
				t.Errorf("%s: recorded %+v, want a failure by cancellation", what, lastRun)
			}
			table = append(table, faultRow{fault: what, outcome: fmt.Sprintf("exit 1 after %s (grace %s); the run is recorded %s; the checkpoint holds %d of %d issues",
				term.stopped.Round(10*time.Millisecond), termGrace, lastRun.Status, covered, len(sim.org.Issues)), lost: "none",
				recovery: fmt.Sprintf("the next run resumes from the checkpoint (this one made %d requests)", term.requests)})

			if backend == "chdb" {
				// serve gets SIGTERM during a run it started, which
				// outlasts api.shutdown_timeout: serve waits that long for
				// it, then cancels it, records it as failed and stops.
				requests, _ := clean.remaining(sim.org, cursor)
				n := clean.prefix + 1 + r.Int64N(requests*9/10-clean.prefix)
				what := fmt.Sprintf("%s: serve, SIGTERM at request %d of ~%d of a run it started", backend, n, requests)
				srv := sim.serveRun(t, cfg, n)
				if srv.code != 0 || !srv.fired || !strings.Contains(srv.stderr, "cancelling running collections at shutdown deadline") {
					t.Errorf("%s: exit %d, want 0 after cancelling the run\n%s", what, srv.code, srv.stderr)
				}
				if srv.stopped < termGrace || srv.stopped > termGrace+3*time.Second {
					t.Errorf("%s: stopped %s after the signal, want just past api.shutdown_timeout (%s)", what, srv.stopped, termGrace)
				}
				left := sim.inspect(t, st, false, false)
				covered := sim.checkResumable(t, what, left, ref)
				if c := left.Cursors[jira.CursorIssues]; c < cursor {
					t.Errorf("%s: the issue cursor went back from %s to %s", what, cursor, c)
				} else {
					cursor = c
				}
				lastRun := left.Runs[len(left.Runs)-1]
				if lastRun.Status != "failed" || !strings.Contains(lastRun.Error, "context canceled") {
					t.Errorf("%s: recorded %+v, want a failure by cancellation", what, lastRun)
				}
				all += srv.requests
				table = append(table, faultRow{fault: what, outcome: fmt.Sprintf("the run gets until api.shutdown_timeout, is cancelled and recorded %s; serve exits 0 after %s (grace %s); the checkpoint holds %d of %d issues",
					lastRun.Status, srv.stopped.Round(10*time.Millisecond), termGrace, covered, len(sim.org.Issues)), lost: "none",
					recovery: fmt.Sprintf("the next run resumes from the checkpoint (this one made %d requests)", srv.requests)})
			}

			last := sim.collect(t, cfg, nil, 0)
			if last.code != 0 {
				t.Fatalf("%s: the run after the kills: exit %d\n%s%s", backend, last.code, last.stdout, last.stderr)
			}
			resumedFrom(t, backend+": the run after the kills", last.searches, cursor)
			got := sim.inspect(t, st, false, true)
			sim.checkExact(t, backend+": after the kills", got, ref)
			if n := len(got.Runs); n < 7 || got.Runs[n-1].Status != "success" {
				t.Errorf("%s: run log %+v, want 5 killed runs, the stopped ones and a success", backend, got.Runs)
			}
			table = append(table, faultRow{fault: backend + ": the run after them", outcome: "completes; exact data (the org's truth)",
				lost: "none", recovery: fmt.Sprintf("%s, %d requests (a clean collection: %s, %d); all the runs made %d requests",
					last.took.Round(10*time.Millisecond), last.requests, clean.took.Round(10*time.Millisecond), clean.requests,
					all+last.requests)})
		})
	}
}

// chProxy stands between a run and the ClickHouse server: it counts the
// inserts that pass (to kill a run at one) and can hold every connection
// still (a store that stops answering).
type chProxy struct {
	addr, target string

	mu       sync.Mutex
	inserts  int64
	at       int64
	fire     func() bool
	held     chan struct{} // non-nil while held: closed on release
	conns    map[net.Conn]bool
	listener net.Listener
}

var insertInto = []byte("INSERT INTO")

func newCHProxy(t *testing.T, target string) *chProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &chProxy{addr: ln.Addr().String(), target: target, conns: map[net.Conn]bool{}, listener: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.release()
		p.mu.Lock()
		defer p.mu.Unlock()
		for c := range p.conns {
			c.Close()
		}
	})
	return p
}

func (p *chProxy) track(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		p.conns[c] = true
	}
}

func (p *chProxy) serve(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.track(client, server)
	go p.pipe(client, server, false)
	p.pipe(server, client, true)
}

// pipe copies src to dst until either closes, waiting while the proxy is
// held; from the client, it counts inserts and stops at the armed one.
func (p *chProxy) pipe(dst, src net.Conn, fromClient bool) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 64<<10)
	var tail []byte // the previous chunk's end: a statement may straddle two
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.wait()
			chunk := buf[:n]
			if fromClient {
				found := bytes.Count(append(tail, chunk...), insertInto)
				tail = append(tail[:0], chunk[max(0, n-len(insertInto)+1):]...)
				if found > 0 && p.counted(int64(found)) {
					return // held back: the insert never reaches the server
				}
			}
			if _, err := dst.Write(chunk); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// counted adds found inserts; it fires the armed point when they pass it
// and reports whether the chunk is to be held back.
func (p *chProxy) counted(found int64) bool {
	p.mu.Lock()
	p.inserts += found
	var fire func() bool
	if p.fire != nil && p.at > 0 && p.inserts >= p.at {
		fire, p.fire = p.fire, nil
	}
	p.mu.Unlock()
	return fire != nil && fire()
}

func (p *chProxy) wait() {
	p.mu.Lock()
	h := p.held
	p.mu.Unlock()
	if h != nil {
		<-h
	}
}

// hold stops every connection: nothing passes either way until release.
func (p *chProxy) hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held == nil {
		p.held = make(chan struct{})
	}
}

func (p *chProxy) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held != nil {
		close(p.held)
		p.held = nil
	}
}

// count is how many inserts passed since the proxy was last armed.
func (p *chProxy) count() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inserts
}

// atInsert fires when insert n of the run reaches the proxy (n = 0 only
// restarts the count).
func (p *chProxy) atInsert(n int64) trigger {
	return func(_ *testing.T, fire func() bool) func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.inserts, p.at, p.fire = 0, n, fire
		return func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.fire = nil
		}
	}
}

// insertPart matches the part an insert makes: one block number (the
// level is 1 when the insert already merged its rows); a merge's part
// covers several.
var insertPart = regexp.MustCompile(`^all_(\d+)_(\d+)_\d+$`)

// watchParts calls fire when the n-th insert part appears in the tables
// of the embedded database folder dbDir (data/<database>, whose entries
// link to the tables' folders). A commit writes one part per table.
func watchParts(t *testing.T, dbDir string, n int64, fire func() bool) (stop func()) {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "inotify") // non-blocking: Close ends a Read
	entries, err := os.ReadDir(dbDir)
	if err != nil || len(entries) == 0 {
		f.Close()
		t.Fatalf("watching the tables of %s: %v (%d tables)", dbDir, err, len(entries))
	}
	for _, e := range entries {
		dir, err := filepath.EvalSymlinks(filepath.Join(dbDir, e.Name()))
		if err == nil {
			_, err = syscall.InotifyAddWatch(fd, dir, syscall.IN_MOVED_TO|syscall.IN_CREATE)
		}
		if err != nil {
			f.Close()
			t.Fatalf("watching %s: %v", e.Name(), err)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var parts int64
		buf := make([]byte, 64<<10)
		for {
			k, err := f.Read(buf)
			if err != nil {
				return
			}
			for off := 0; off+syscall.SizeofInotifyEvent <= k; {
				size := int(byteorder.NativeEndian.Uint32(buf[off+12:]))
				name := strings.TrimRight(string(buf[off+syscall.SizeofInotifyEvent:off+syscall.SizeofInotifyEvent+size]), "\x00")
				off += syscall.SizeofInotifyEvent + size
				if m := insertPart.FindStringSubmatch(name); m != nil && m[1] == m[2] {
					if parts++; parts == n {
						fire()
					}
				}
			}
		}
	}()
	return func() {
		f.Close()
		<-done
	}
}
