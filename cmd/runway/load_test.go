package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/simulate/truthcheck"
	"github.com/runway-analytics/runway/collector/sources"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// The load test (issue 14, item 6): the API under sustained concurrent
// load while collections run. Issue 14 asks for 32 clients for 60 s;
// -load.duration and -load.clients shorten it while developing:
//
//	go test -race -count=1 -run Load ./cmd/runway/ -args -load.duration=20s
var (
	loadDuration = flag.Duration("load.duration", 60*time.Second, "how long TestLoadDuringCollection loads the API")
	loadClients  = flag.Int("load.clients", 32, "concurrent clients of TestLoadDuringCollection")
	loadBackend  = flag.String("load.backend", "chdb", "the store TestLoadDuringCollection collects into: chdb or clickhouse")
	// The two below show what table-by-table commits allow (see
	// checkObserved): -load.churn adds changes that touch two tables of
	// one answer at once, -load.strict holds answers computed while runs
	// wrote to one state's truth. With either, the test fails when it
	// catches an answer that mixes two states.
	loadChurn = flag.Bool("load.churn", false,
		"TestLoadDuringCollection: besides the demo's evolution, every step moves open milestones' due dates and finishes an active sprint's issue as it leaves the sprint; and each insert into milestones and membership_intervals waits 2s, as on a slow store")
	loadStrict = flag.Bool("load.strict", false,
		"TestLoadDuringCollection: hold answers computed while the runs wrote to one state's truth too")
)

// TestLoadDuringCollection serves the API as `runway serve` wires it
// (the app of serve.go: migrations, the runner with its readings after
// each run) over the demo's simulated Jira, GitHub, GitLab and Zendesk,
// and loads it with -load.clients clients on loopback (the bench's load
// generator) for -load.duration while every source is collected back to
// back through POST /api/v1/collectors/{source}/run: the first run of each
// is its full backfill, and between two runs of a source its site moves
// on as the demo's does (issues change status, milestones are released,
// gain scope and have due dates moved, tickets are opened, answered and
// solved). Only between runs, so that every run collects one known state
// of its site and the answers can be held to the simulator's truth of
// that state.
//
// Runs commit table by table, without transactions, so an answer computed
// while a run writes may hold one table's rows of the state before and
// another's of the state after. What is checked:
//
//   - no answer is a 5xx, and every one is a 200 (a detail may be a 404
//     before its source's first run has ended);
//   - an answer computed while nothing was written (no insert in progress
//     or done between the request and its answer) is consistent in
//     itself: a sprint detail's events are its counts (added, removed not
//     done at leaving, carried over) and committed + added - every exit =
//     completed + carried over; a milestone detail's due date is the last
//     of its due history, the first its original due and the moves its
//     due changes;
//   - nothing goes backwards during a backfill: a client's successive
//     answers about a sprint never count less (an issue's status history
//     is committed before its membership, so its rows arrive whole);
//   - once a source's first run has ended, every answer about its sprints,
//     milestones, boards' scope change and tickets equals the simulator's
//     truth of a state its runs had committed while the request was in
//     flight (the last committed when it was sent, or one started by the
//     time it was answered): the whole answer one state's when nothing
//     was written meanwhile, else each table's part of it one state's (a
//     milestone's row, its observed due dates and its scope; of what the
//     other answers read, the demo's changes touch one table: issues'
//     status changes, tickets);
//   - a page walk repeats no item and, begun once its sources' first runs
//     had ended, lists every sprint or milestone of the truth;
//   - at the end, collections done, the answers equal the truth exactly.
//
// Latency (p50/p99 per endpoint), requests, statuses and the answers
// that mixed two states are logged, never asserted.
func TestLoadDuringCollection(t *testing.T) {
	if *loadDuration <= 0 || *loadClients < 1 {
		t.Fatalf("-load.duration %v and -load.clients %d: want both positive", *loadDuration, *loadClients)
	}
	var db warehouse.DB
	switch *loadBackend {
	case "chdb":
		db = whtest.EmbeddedDB(t)
	case "clickhouse":
		db = whtest.ServerDB(t)
	default:
		t.Fatalf("-load.backend %q: want chdb or clickhouse", *loadBackend)
	}
	lt := startLoadTest(t, db)
	defer lt.stop()

	began := time.Now() // elapsed time only
	loadCtx, endLoad := context.WithTimeout(lt.ctx, *loadDuration)
	defer endLoad()
	var drivers sync.WaitGroup
	for _, d := range lt.drivers {
		drivers.Go(func() { d.collect(loadCtx, lt) })
	}
	users := make([]loadClient, *loadClients)
	for i := range users {
		users[i] = lt.newUser(i, loadCtx)
	}
	// The clients stop asking when the load ends; what they asked is
	// answered.
	tally := driveLoad(lt.ctx, lt.client, users)
	loadTook := time.Since(began)
	// The runs in progress finish; the drivers start no more.
	drivers.Wait()
	collectTook := time.Since(began)

	lt.report(t, tally, loadTook, collectTook)
	lt.checkStatuses(t, tally)
	lt.rec.failures(t)
	lt.checkObserved(t)
	lt.checkFinal(t)
}

// loadSeed is the demo org's seed here.
const loadSeed = 42

// loadTest is one run of the load test: the simulated sites, the app
// serving the API, the drivers collecting each source, and what the
// clients observed.
type loadTest struct {
	t      *testing.T
	ctx    context.Context
	cancel context.CancelFunc
	stops  []func()

	clock  *loadClock
	app    *app
	store  *writeWatch
	base   string // the API's base URL
	client *http.Client
	admin  string   // the admin token (the drivers')
	reads  []string // a read token per client
	logs   *collectortest.LogBuffer

	drivers []*sourceDriver
	bySrc   map[string]*sourceDriver
	jira    *simulate.Org
	github  *simulate.GitHub
	gitlab  *simulate.GitLab
	desk    *simulate.SupportDesk

	// Details the clients ask for: sprints (active and closed) and
	// milestones of every source that has them.
	sprintIDs    [][2]string
	milestoneIDs [][2]string

	rec *recorder
}

// loadClock is the test's clock: a pinned instant (RUNWAY_TEST_NOW moves
// it) plus the time elapsed since the test began, in whole seconds as the
// warehouse keeps time. The sites, the runner and the API all read it, so
// that the org's future never shows and nothing depends on the day.
type loadClock struct {
	at    time.Time
	began time.Time // elapsed time only
}

func (c *loadClock) Now() time.Time { return c.at.Add(time.Since(c.began)).Truncate(time.Second) }

// writeWatch is the store as the app sees it, counting the writes in
// progress and done, so that a client can tell an answer computed while
// nothing was written from one computed while a run committed.
type writeWatch struct {
	warehouse.DB
	writing, written atomic.Int64
	// pause holds inserts into some tables back (-load.churn).
	pause map[string]time.Duration
}

func (w *writeWatch) Insert(ctx context.Context, table string, columns []string, rows [][]any) error {
	w.writing.Add(1)
	defer func() { w.written.Add(1); w.writing.Add(-1) }()
	if d := w.pause[table]; d > 0 {
		time.Sleep(d)
	}
	if table == "cursors" {
		// The runner makes a commit's rows durable (warehouse.Sync) just
		// before it writes the cursors they justify; its call does not
		// reach the store through this wrapper, so it is made here.
		if err := warehouse.Sync(ctx, w.DB); err != nil {
			return err
		}
	}
	return w.DB.Insert(ctx, table, columns, rows)
}

func (w *writeWatch) Exec(ctx context.Context, query string, args ...any) error {
	w.writing.Add(1)
	defer func() { w.written.Add(1); w.writing.Add(-1) }()
	return w.DB.Exec(ctx, query, args...)
}

// writes says how many writes are in progress and how many are done.
func (w *writeWatch) writes() [2]int64 { return [2]int64{w.writing.Load(), w.written.Load()} }

func startLoadTest(t *testing.T, db warehouse.DB) *loadTest {
	ctx, cancel := context.WithCancel(context.Background())
	lt := &loadTest{t: t, ctx: ctx, cancel: cancel, bySrc: map[string]*sourceDriver{}, rec: newRecorder()}
	ok := false
	defer func() {
		if !ok {
			lt.stop()
		}
	}()
	began := time.Now() // elapsed time only
	lt.clock = &loadClock{at: collectortest.Now(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)), began: began}
	start := lt.clock.at

	// The demo's sites, on the test's clock. Zendesk's incremental export
	// leaves out the tickets updated in the last minute (simulate's
	// zendesk_export.go), so the desk lives a minute and a second in the
	// past: every change to it is collected by the next run.
	var sites []demoSite
	for _, v := range demoVendors {
		ends := start
		if v.name == simulate.VendorZendesk {
			ends = start.Add(-deskLag)
		}
		site, evolve := v.start(loadSeed, ends, lt.clock.Now)
		if *loadChurn && site.Org() != nil {
			org, demo := site.Org(), evolve
			evolve = func(at time.Time) []string { return append(demo(at), churn(org, at)...) }
		}
		u, stop, err := simulate.Listen(ctx, site)
		if err != nil {
			t.Fatal(err)
		}
		lt.stops = append(lt.stops, stop)
		sites = append(sites, demoSite{v, u, site, evolve})
		switch s := site.(type) {
		case *simulate.Jira:
			lt.jira = s.Org()
		case *simulate.GitHub:
			lt.github = s
		case *simulate.GitLab:
			lt.gitlab = s
		case *simulate.Zendesk:
			lt.desk = s.Desk()
		}
	}
	if lt.jira == nil || lt.github == nil || lt.gitlab == nil || lt.desk == nil {
		t.Fatalf("the demo serves %d sites; want Jira, GitHub, GitLab and Zendesk", len(sites))
	}
	// The demo's config (its sources and projects), with a read token per
	// client and an admin token for the drivers. The store is the test's,
	// not a DSN's.
	cfg, cleanup, err := demoConfig(sites, config.MapEnv{"RUNWAY_STORAGE_DSN": "chdb:///unused"})
	cleanup()
	if err != nil {
		t.Fatal(err)
	}
	// The limiter stays in the path, above what the clients ask for: a
	// client whose details are quick 404s before the first runs end would
	// pass the default 20/s.
	cfg.API.RateLimit, cfg.API.RateBurst = 1000, 1000
	lt.admin = "load-admin-token"
	cfg.API.Tokens = []config.Token{{Name: "load-admin", Scope: "admin", Value: config.Secret(lt.admin)}}
	for i := range *loadClients {
		tok := fmt.Sprintf("load-read-token-%02d", i)
		lt.reads = append(lt.reads, tok)
		cfg.API.Tokens = append(cfg.API.Tokens, config.Token{Name: fmt.Sprintf("load-reader-%02d", i), Scope: "read",
			Value: config.Secret(tok)})
	}
	lt.logs = &collectortest.LogBuffer{}
	log := slog.New(slog.NewTextHandler(lt.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))

	// The app as openAt builds it, on the test's store (watched) and
	// clock; the runner is not started (no cron: the drivers start every
	// run).
	lt.store = &writeWatch{DB: db}
	if *loadChurn {
		// The tables the churn's changes reach last, after the others
		// (milestone_snapshots, issue_status_changes) of the same run.
		lt.store.pause = map[string]time.Duration{"milestones": 2 * time.Second, "membership_intervals": 2 * time.Second}
	}
	db = lt.store
	a := &app{cfg: cfg, types: sources.Registry(), log: log, db: db, reg: prometheus.NewRegistry(), now: lt.clock.Now}
	if err := a.init(ctx, nil); err != nil {
		t.Fatal(err)
	}
	a.serving.Store(true)
	lt.app = a

	// The API as serve wires it, but on the test's clock (serve's runs on
	// the wall's).
	c := cfg.API
	srv := api.New(api.Options{DB: db, Runner: a.runner, Tokens: c.Tokens, Logger: log, Gatherer: a.reg,
		RateLimit: c.RateLimit, RateBurst: c.RateBurst, TrustedProxies: c.TrustedProxies,
		Limits: api.Limits{ReadHeaderTimeout: c.ReadHeaderTimeout.D(), ReadTimeout: c.ReadTimeout.D(),
			WriteTimeout: c.WriteTimeout.D(), IdleTimeout: c.IdleTimeout.D(), MaxBodyBytes: c.MaxBodyBytes},
		Kinds: a.kinds, SLA: slaTargets(cfg.SLA), Now: lt.clock.Now,
	}).HTTPServer("127.0.0.1:0")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	lt.stops = append(lt.stops, func() {
		sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		<-served
		_ = a.runner.Stop(sctx)
	})
	lt.base = "http://" + ln.Addr().String()
	lt.client = &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * *loadClients}}

	for i, s := range sites {
		d := &sourceDriver{name: cfg.Sources[i].Name, vendor: s.vendor.name, evolve: s.evolve}
		if s.vendor.name == simulate.VendorZendesk {
			d.lag = deskLag
			d.truth = func() map[string]string { return ticketTruths(lt.desk.TruthAt(lt.clock.Now())) }
		}
		lt.drivers = append(lt.drivers, d)
		lt.bySrc[d.name] = d
	}
	lt.pickDetails(start)
	ok = true
	return lt
}

func (lt *loadTest) stop() {
	lt.cancel()
	for i := len(lt.stops) - 1; i >= 0; i-- {
		lt.stops[i]()
	}
	lt.stops = nil
}

// pickDetails chooses the sprints and milestones whose details the
// clients ask for: every active sprint of the sources that have sprints
// and one closed one each, and a few milestones of each source.
func (lt *loadTest) pickDetails(at time.Time) {
	for _, sp := range []struct {
		source string
		org    *simulate.Org
	}{{"demo-jira", lt.jira}, {"demo-gitlab", lt.gitlab.Org()}} {
		truths := sp.org.AllSprintTruths(at)
		closed := ""
		for _, id := range slices.Sorted(maps.Keys(truths)) {
			switch truths[id].State {
			case "active":
				lt.sprintIDs = append(lt.sprintIDs, [2]string{sp.source, id})
			case "closed":
				closed = id
			}
		}
		if closed != "" {
			lt.sprintIDs = append(lt.sprintIDs, [2]string{sp.source, closed})
		}
	}
	for _, ms := range []struct {
		source string
		org    *simulate.Org
	}{{"demo-jira", lt.jira}, {"demo-github", lt.github.Org()}, {"demo-gitlab", lt.gitlab.Org()}} {
		ids := make([]string, 0, len(ms.org.Milestones))
		for _, m := range ms.org.Milestones {
			ids = append(ids, m.ID)
		}
		slices.Sort(ids)
		for i := 0; i < len(ids); i += max(1, len(ids)/4) {
			lt.milestoneIDs = append(lt.milestoneIDs, [2]string{ms.source, ids[i]})
		}
	}
	if len(lt.sprintIDs) < 3 || len(lt.milestoneIDs) < 6 {
		lt.t.Fatalf("details: sprints %v, milestones %v", lt.sprintIDs, lt.milestoneIDs)
	}
}

// ---- collection: back-to-back runs of each source ----

// deskLag is how far in the past the desk lives and changes: beyond the
// minute its incremental export leaves out.
const deskLag = 61 * time.Second

// sourceDriver collects one source over and over while the load lasts:
// its site moves on, a run is started through the API and waited for.
// Run i collects state i of its site.
type sourceDriver struct {
	name, vendor string
	evolve       func(time.Time) []string
	// lag: the site's changes are made that far in the past (the desk's).
	lag time.Duration
	// truth, when set, is the site's truth now, taken after each run
	// (a site changed in the past has no truth "as of" a run's time).
	truth func() map[string]string

	started   atomic.Int64 // runs started (counted before the API is asked)
	completed atomic.Int64 // runs finished and committed

	mu      sync.Mutex
	runs    []time.Time         // when each run started (its clock), for the truth of its state
	ended   time.Time           // the clock when the last run was seen ended
	states  []map[string]string // truth after each run (with truth)
	changes int                 // changes the site went through
	took    []time.Duration
	errs    []string
}

func (d *sourceDriver) collect(ctx context.Context, lt *loadTest) {
	// The backfill and at least one run after it, however long the
	// backfill takes; then runs while the load lasts.
	for i := 0; i < 2 || ctx.Err() == nil; i++ {
		if i > 0 {
			// The site moves on after the second the last run started in,
			// so that the truth as of that second is what the run saw; a
			// site changed in the past, after the last run's end less the
			// lag, so that no change falls before the position that run
			// left its cursor at.
			d.mu.Lock()
			after := d.runs[len(d.runs)-1]
			if d.lag > 0 {
				after = d.ended.Add(time.Second)
			}
			d.mu.Unlock()
			for !lt.clock.Now().After(after) {
				time.Sleep(50 * time.Millisecond)
			}
			n := len(d.evolve(lt.clock.Now().Add(-d.lag)))
			d.mu.Lock()
			d.changes += n
			d.mu.Unlock()
		}
		began := time.Now() // elapsed time only
		d.started.Add(1)
		started, err := lt.runOnce(d.name)
		d.mu.Lock()
		if err != nil {
			d.errs = append(d.errs, err.Error())
		} else {
			d.runs = append(d.runs, started)
			d.took = append(d.took, time.Since(began))
			d.ended = lt.clock.Now()
			if d.truth != nil {
				d.states = append(d.states, d.truth())
			}
		}
		d.mu.Unlock()
		if err != nil {
			return // the states after it are not known: no more runs
		}
		d.completed.Add(1)
	}
}

// runOnce starts a run of source through the API and waits for it to
// end, and returns when it started (the runner's clock).
func (lt *loadTest) runOnce(source string) (time.Time, error) {
	req, _ := http.NewRequest(http.MethodPost, lt.base+"/api/v1/collectors/"+source+"/run", nil)
	req.Header.Set("Authorization", "Bearer "+lt.admin)
	resp, err := lt.client.Do(req)
	if err != nil {
		return time.Time{}, err
	}
	var started struct {
		RunID string `json:"run_id"`
	}
	err = json.NewDecoder(resp.Body).Decode(&started)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || err != nil {
		return time.Time{}, fmt.Errorf("POST run of %s: %d %v", source, resp.StatusCode, err)
	}
	// Waiting looks at the runner (an API request every few milliseconds
	// would be load of its own); the run's record is the API's.
	for lt.app.runner.Running(source) {
		select {
		case <-lt.ctx.Done():
			return time.Time{}, lt.ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
	for {
		var list struct {
			Items []struct {
				Source, Status, Error string
				RunID                 string     `json:"run_id"`
				Started               *time.Time `json:"started"`
				Running               bool
			}
		}
		req, _ := http.NewRequest(http.MethodGet, lt.base+"/api/v1/collectors", nil)
		req.Header.Set("Authorization", "Bearer "+lt.admin)
		resp, err := lt.client.Do(req)
		if err != nil {
			return time.Time{}, err
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			return time.Time{}, fmt.Errorf("GET collectors: %d %v", resp.StatusCode, err)
		}
		for _, it := range list.Items {
			if it.Source != source || it.RunID != started.RunID || it.Running {
				continue
			}
			if it.Status != "success" || it.Started == nil {
				return time.Time{}, fmt.Errorf("run %s of %s: %s: %s", it.RunID, source, it.Status, it.Error)
			}
			return it.Started.UTC(), nil
		}
		// Not recorded as ended yet (the run log is written before the
		// run lets go of its source).
		select {
		case <-lt.ctx.Done():
			return time.Time{}, lt.ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// state is where a source's collection stands as a request sees it:
// done runs completed when it was sent (state done-1 was whole then), and
// upTo runs had started by the time it was answered; quiet: nothing was
// written from the request to its answer.
type state struct {
	done, upTo int
	quiet      bool
}

func (lt *loadTest) snapshotDone() map[string]int {
	out := make(map[string]int, len(lt.drivers))
	for _, d := range lt.drivers {
		out[d.name] = int(d.completed.Load())
	}
	return out
}

func (lt *loadTest) snapshotStarted() map[string]int {
	out := make(map[string]int, len(lt.drivers))
	for _, d := range lt.drivers {
		out[d.name] = int(d.started.Load())
	}
	return out
}

// ---- the clients ----

// loadUser is one client: it goes round the endpoints (each client
// starting at its own), walking the paged lists page by page.
type loadUser struct {
	lt    *loadTest
	token string
	until context.Context // the load's end
	next  int
	// A walk of a paged list in progress: the endpoint's first URL, its
	// cursor, the items seen, and the states when it began.
	walk       *walk
	sentDone   map[string]int // states done when the current request was sent
	sentWrites [2]int64       // the store's writes then
	// A client's last answers about each sprint during its source's
	// backfill, which may only grow.
	backfill map[string][5]int64
}

type walk struct {
	kind    string // "sprints" or "milestones"
	first   string
	cursor  string
	seen    map[string]bool
	repeats []string
	began   map[string]int // runs done when the walk began
	pages   int
}

// loadTasks are what the clients call, in turn: the report endpoints of
// bench (the sprint and milestone lists walked page by page, details of
// the picked sprints and milestones in turn), the collectors' list and the
// overview (with tokens, / asks for one and the page's content is
// /ui/overview).
var loadTasks = []string{
	"walk:/api/v1/sprints?limit=25",
	"sprint",
	"walk:/api/v1/milestones?limit=20",
	"milestone",
	"/api/v1/projects",
	"/api/v1/forecast-accuracy?group_by=kind",
	"/api/v1/scope-change?entity=sprint&group_by=board",
	"/api/v1/scope-change?entity=milestone&group_by=project",
	"/api/v1/tickets/summary?group_by=priority",
	"/api/v1/support-load?group_by=project",
	"/api/v1/durations?entity=sprint&group_by=board",
	"/api/v1/durations?entity=milestone&group_by=project",
	"/api/v1/durations?entity=ticket&group_by=priority",
	"/api/v1/collectors",
	"/ui/overview",
}

func (lt *loadTest) newUser(i int, until context.Context) *loadUser {
	return &loadUser{lt: lt, token: lt.reads[i], until: until, next: i * 7, backfill: map[string][5]int64{}}
}

func (u *loadUser) Next() (loadCall, bool) {
	if u.until.Err() != nil {
		return loadCall{}, false
	}
	u.sentWrites = u.lt.store.writes()
	u.sentDone = u.lt.snapshotDone()
	if w := u.walk; w != nil {
		q := url.Values{"cursor": {w.cursor}}
		return loadCall{Endpoint: w.first + " (next pages)", URL: u.lt.base + w.first + "&" + q.Encode(), Token: u.token}, true
	}
	task := loadTasks[u.next%len(loadTasks)]
	n := u.next / len(loadTasks)
	u.next++
	switch {
	case strings.HasPrefix(task, "walk:"):
		path := strings.TrimPrefix(task, "walk:")
		kind := strings.Split(strings.TrimPrefix(path, "/api/v1/"), "?")[0]
		u.walk = &walk{kind: kind, first: path, seen: map[string]bool{}, began: u.sentDone}
		return loadCall{Endpoint: path, URL: u.lt.base + path, Token: u.token}, true
	case task == "sprint":
		id := u.lt.sprintIDs[n%len(u.lt.sprintIDs)]
		return loadCall{Endpoint: "/api/v1/sprints/{source}/{id}", URL: u.lt.base + "/api/v1/sprints/" + id[0] + "/" + id[1],
			Token: u.token}, true
	case task == "milestone":
		id := u.lt.milestoneIDs[n%len(u.lt.milestoneIDs)]
		return loadCall{Endpoint: "/api/v1/milestones/{source}/{id}", URL: u.lt.base + "/api/v1/milestones/" + id[0] + "/" + id[1],
			Token: u.token}, true
	}
	return loadCall{Endpoint: task, URL: u.lt.base + task, Token: u.token}, true
}

func (u *loadUser) Seen(rawURL string, code int, body []byte, err error) {
	lt := u.lt
	st := map[string]state{}
	upTo := lt.snapshotStarted()
	w0, w1 := u.sentWrites, lt.store.writes()
	quiet := w0[0] == 0 && w1[0] == 0 && w0[1] == w1[1]
	lt.rec.answered(quiet)
	for src, done := range u.sentDone {
		st[src] = state{done: done, upTo: upTo[src], quiet: quiet}
	}
	path := strings.TrimPrefix(rawURL, lt.base)
	w := u.walk
	if err != nil || code != http.StatusOK {
		u.walk = nil
		// A detail is not found before its source's first run ends.
		if code == http.StatusNotFound && (strings.HasPrefix(path, "/api/v1/sprints/") || strings.HasPrefix(path, "/api/v1/milestones/")) {
			src := strings.Split(path, "/")[4]
			if st[src].done == 0 {
				return
			}
		}
		lt.rec.fail("%s: %d %v: %.300s", path, code, err, body)
		return
	}
	switch {
	case w != nil:
		u.page(w, path, body, st)
	case strings.HasPrefix(path, "/api/v1/sprints/"):
		u.sprintDetail(path, body, st)
	case strings.HasPrefix(path, "/api/v1/milestones/"):
		u.milestoneDetail(path, body, st)
	case strings.HasPrefix(path, "/api/v1/scope-change?entity=sprint"):
		var a struct {
			Items []struct {
				Group, Source                      string
				Sprints, Committed, Added, Removed int64
			}
		}
		if !lt.rec.decode(path, body, &a) {
			return
		}
		for _, g := range a.Items {
			lt.rec.observe("board", g.Source, g.Group, fmt.Sprintf("sprints=%d C=%d A=%d R=%d", g.Sprints, g.Committed, g.Added, g.Removed), st[g.Source])
		}
	case strings.HasPrefix(path, "/api/v1/tickets/summary"):
		var a struct {
			Items []struct {
				Group                 string
				Created, Solved, Open int64
			}
		}
		if !lt.rec.decode(path, body, &a) {
			return
		}
		for _, g := range a.Items {
			lt.rec.observe("tickets", "demo-zendesk", g.Group, fmt.Sprintf("created=%d solved=%d open=%d", g.Created, g.Solved, g.Open),
				st["demo-zendesk"])
		}
	}
}

// sprintJSON is a sprint report as the API answers it.
type sprintJSON struct {
	Source, Board, ID, State             string
	Committed, Added, Removed, Completed int64
	CarriedOver                          int64 `json:"carried_over"`
}

func (s sprintJSON) counts() string {
	return fmt.Sprintf("state=%s C=%d A=%d R=%d D=%d O=%d", s.State, s.Committed, s.Added, s.Removed, s.Completed, s.CarriedOver)
}

// milestoneJSON is a milestone report as the API answers it.
type milestoneJSON struct {
	Source, ID, Title, Project, State string
	Start, Due                        *time.Time
	OriginalDue                       *time.Time `json:"original_due"`
	DueChanges                        int        `json:"due_changes"`
	InitialScope                      int64      `json:"initial_scope"`
	Added, Removed                    int64
	OpenIssues                        int64                      `json:"open_issues"`
	ClosedIssues                      int64                      `json:"closed_issues"`
	DueHistory                        []struct{ Due *time.Time } `json:"due_history"`
}

func (m milestoneJSON) fields() string {
	return milestoneFields(m.Title, m.Project, m.State, m.Due, m.OriginalDue, m.DueChanges, m.Start,
		m.InitialScope, m.Added, m.Removed, m.OpenIssues, m.ClosedIssues)
}

// milestoneFields renders what is compared of a milestone in three parts
// joined by " | ", each read from its own table: the milestone's row
// (milestones), its observed due dates (milestone_snapshots) and its scope
// (membership intervals and status changes).
func milestoneFields(title, project, st string, due, originalDue *time.Time, dueChanges int, baseline *time.Time,
	initial, added, removed, open, closed int64) string {
	return fmt.Sprintf("title=%q project=%s state=%s due=%s | original_due=%s due_changes=%d | baseline=%s initial=%d added=%d removed=%d open=%d closed=%d",
		title, project, st, truthcheck.Day(due), truthcheck.Day(originalDue), dueChanges, truthcheck.Day(baseline),
		initial, added, removed, open, closed)
}

// page checks a page of a walk and moves the walk on.
func (u *loadUser) page(w *walk, path string, body []byte, st map[string]state) {
	lt := u.lt
	var a struct {
		Items      []json.RawMessage
		NextCursor string `json:"next_cursor"`
	}
	if !lt.rec.decode(path, body, &a) {
		u.walk = nil
		return
	}
	w.pages++
	for _, raw := range a.Items {
		var key string
		switch w.kind {
		case "sprints":
			var s sprintJSON
			if !lt.rec.decode(path, raw, &s) {
				continue
			}
			key = s.Source + "/" + s.ID
			lt.rec.observe("sprint", s.Source, s.ID, s.counts(), st[s.Source])
			u.growing(s, st[s.Source])
		case "milestones":
			var m milestoneJSON
			if !lt.rec.decode(path, raw, &m) {
				continue
			}
			key = m.Source + "/" + m.ID
			lt.rec.observe("milestone", m.Source, m.ID, m.fields(), st[m.Source])
			milestoneAlone(lt.rec, path, m, st[m.Source])
		}
		if w.seen[key] {
			w.repeats = append(w.repeats, fmt.Sprintf("%s again on page %d", key, w.pages))
		}
		w.seen[key] = true
	}
	if a.NextCursor != "" {
		w.cursor = a.NextCursor
		return
	}
	u.walk = nil
	ended := map[string]int{}
	for src, s := range st {
		ended[src] = s.upTo
	}
	lt.rec.walked(w, ended)
}

// growing checks that during its source's backfill a sprint's counts, as
// this client sees them, never go down: the backfill adds issues whose
// rows are whole (an issue's status history is committed before its
// membership intervals), so every count can only grow until it ends.
func (u *loadUser) growing(s sprintJSON, st state) {
	done := int(u.lt.bySrc[s.Source].completed.Load())
	if st.done > 0 || done > 0 {
		return
	}
	key := s.Source + "/" + s.ID
	now := [5]int64{s.Committed, s.Added, s.Removed, s.Completed, s.CarriedOver}
	if prev, ok := u.backfill[key]; ok {
		for i := range now {
			if now[i] < prev[i] {
				u.lt.rec.fail("sprint %s during the backfill: counts C, A, R, D, O went from %v to %v", key, prev, now)
				break
			}
		}
	}
	u.backfill[key] = now
}

// sprintDetail checks a sprint's detail against itself and records it.
func (u *loadUser) sprintDetail(path string, body []byte, st map[string]state) {
	var d struct {
		sprintJSON
		Events []struct {
			Kind          string
			DoneAtLeaving bool `json:"done_at_leaving"`
		}
	}
	if !u.lt.rec.decode(path, body, &d) {
		return
	}
	var added, exits, removed, carried int64
	for _, e := range d.Events {
		switch e.Kind {
		case "added":
			added++
		case "removed":
			exits++
			if !e.DoneAtLeaving {
				removed++
			}
		case "carried_over":
			carried++
		}
	}
	s := d.sprintJSON
	if added != s.Added || removed != s.Removed || carried != s.CarriedOver || s.Committed+s.Added-exits != s.Completed+s.CarriedOver {
		u.lt.rec.inconsistent(st[s.Source], "%s: %s, but its events are %d added, %d exits (%d not done), %d carried over: C+A-exits = %d, D+O = %d",
			path, s.counts(), added, exits, removed, carried, s.Committed+s.Added-exits, s.Completed+s.CarriedOver)
	}
	u.lt.rec.observe("sprint", s.Source, s.ID, s.counts(), st[s.Source])
	u.growing(s, st[s.Source])
}

// milestoneDetail checks a milestone's detail against itself and records
// it.
func (u *loadUser) milestoneDetail(path string, body []byte, st map[string]state) {
	var m milestoneJSON
	if !u.lt.rec.decode(path, body, &m) {
		return
	}
	milestoneAlone(u.lt.rec, path, m, st[m.Source])
	if n := len(m.DueHistory); n > 0 {
		var first *time.Time
		for _, h := range m.DueHistory {
			if h.Due != nil {
				first = h.Due
				break
			}
		}
		if !sameDay(m.Due, m.DueHistory[n-1].Due) || !sameDay(m.OriginalDue, first) || m.DueChanges != n-1 {
			hist := make([]string, n)
			for i, h := range m.DueHistory {
				hist[i] = truthcheck.Day(h.Due)
			}
			u.lt.rec.inconsistent(st[m.Source], "%s: due %s, original due %s, %d due changes; but its due history is %v",
				path, truthcheck.Day(m.Due), truthcheck.Day(m.OriginalDue), m.DueChanges, hist)
		}
	}
	u.lt.rec.observe("milestone", m.Source, m.ID, m.fields(), st[m.Source])
}

// milestoneAlone checks what a milestone report says of itself: with no
// due change observed, its due date is its original one.
func milestoneAlone(rec *recorder, path string, m milestoneJSON, st state) {
	if m.DueChanges == 0 && !sameDay(m.Due, m.OriginalDue) {
		rec.inconsistent(st, "%s: milestone %s/%s: due %s but original due %s with no due change", path, m.Source, m.ID,
			truthcheck.Day(m.Due), truthcheck.Day(m.OriginalDue))
	}
}

func sameDay(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// ---- what was observed ----

// recorder keeps what the clients observed, for the checks after the
// load: each distinct (entity, value, state) once, with how often.
type recorder struct {
	mu    sync.Mutex
	obs   map[observation]int
	walks []walkSeen
	fails []string
	nfail int
	// Answers in all, those computed while nothing was written, and the
	// inconsistent ones among the others (torn: up to 10 kept).
	answers, quiet, torn int
	torns                []string
}

// observation is one entity's value in one answer: kind (sprint,
// milestone, board, tickets), its source and id, the value compared with
// the truth, and the state of the source's collection then.
type observation struct {
	kind, source, id, value string
	st                      state
}

// walkSeen is a walk done: the runs done when it began and started when
// it ended, per source, what it listed and what it listed twice.
type walkSeen struct {
	kind         string
	began, ended map[string]int
	keys         []string
	repeats      []string
}

func newRecorder() *recorder { return &recorder{obs: map[observation]int{}} }

func (r *recorder) observe(kind, source, id, value string, st state) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.obs[observation{kind, source, id, value, st}]++
}

func (r *recorder) answered(quiet bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers++
	if quiet {
		r.quiet++
	}
}

// inconsistent records an answer that contradicts itself: a failure when
// it was computed while nothing was written (or -load.strict), else an
// answer torn between two states by a run's writes, reported.
func (r *recorder) inconsistent(st state, format string, args ...any) {
	if st.quiet || *loadStrict {
		r.fail(format, args...)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.torn++
	if len(r.torns) < 10 {
		r.torns = append(r.torns, fmt.Sprintf(format, args...))
	}
}

func (r *recorder) walked(w *walk, ended map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.walks = append(r.walks, walkSeen{w.kind, w.began, ended, slices.Sorted(maps.Keys(w.seen)), w.repeats})
}

// fail records a failed check; the first 50 are kept.
func (r *recorder) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nfail++
	if len(r.fails) < 50 {
		r.fails = append(r.fails, fmt.Sprintf(format, args...))
	}
}

func (r *recorder) decode(path string, body []byte, v any) bool {
	if err := json.Unmarshal(body, v); err != nil {
		r.fail("%s: %v: %.200s", path, err, body)
		return false
	}
	return true
}

func (r *recorder) failures(t *testing.T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.fails {
		t.Error(f)
	}
	if r.nfail > len(r.fails) {
		t.Errorf("... and %d more failed checks", r.nfail-len(r.fails))
	}
}

// ---- after the load ----

func (lt *loadTest) report(t *testing.T, tally *loadTally, loadTook, collectTook time.Duration) {
	var b strings.Builder
	total, fivexx := 0, 0
	byCode := map[int]int{}
	fmt.Fprintf(&b, "%d clients asked for %v, the last answer came after %v, the last run ended after %v:\n", *loadClients,
		*loadDuration, loadTook.Round(time.Millisecond), collectTook.Round(time.Millisecond))
	fmt.Fprintf(&b, "%-62s %8s %9s %9s  %s\n", "endpoint", "requests", "p50 ms", "p99 ms", "statuses")
	for _, e := range tally.endpoints() {
		r := tally.result(e)
		codes := tally.statuses(e)
		var cs []string
		for _, c := range slices.Sorted(maps.Keys(codes)) {
			cs = append(cs, fmt.Sprintf("%d×%d", codes[c], c))
			byCode[c] += codes[c]
			if c >= 500 {
				fivexx += codes[c]
			}
		}
		total += r.Requests
		fmt.Fprintf(&b, "%-62s %8d %9.1f %9.1f  %s\n", e, r.Requests, r.P50Ms, r.P99Ms, strings.Join(cs, " "))
	}
	fmt.Fprintf(&b, "total %d requests (%.0f/s), by status %v, 5xx: %d\n", total, float64(total)/loadTook.Seconds(), byCode, fivexx)
	for _, d := range lt.drivers {
		d.mu.Lock()
		var first, rest time.Duration
		for i, took := range d.took {
			if i == 0 {
				first = took
			} else {
				rest += took
			}
		}
		mean := time.Duration(0)
		if n := len(d.took) - 1; n > 0 {
			mean = rest / time.Duration(n)
		}
		fmt.Fprintf(&b, "%s: %d runs (first, the backfill, %v; then %v on average), %d changes upstream between them\n",
			d.name, len(d.runs), first.Round(time.Millisecond), mean.Round(time.Millisecond), d.changes)
		d.mu.Unlock()
	}
	lt.rec.mu.Lock()
	n := 0
	for _, c := range lt.rec.obs {
		n += c
	}
	fmt.Fprintf(&b, "%d answers about an entity recorded (%d distinct), %d walks", n, len(lt.rec.obs), len(lt.rec.walks))
	lt.rec.mu.Unlock()
	t.Log(b.String())
}

// checkStatuses: no 5xx, and every run of every source succeeded.
func (lt *loadTest) checkStatuses(t *testing.T, tally *loadTally) {
	for _, e := range tally.endpoints() {
		for code, n := range tally.statuses(e) {
			if code >= 500 || code == 0 {
				t.Errorf("%s: %d answers with status %d", e, n, code)
			}
		}
	}
	for _, d := range lt.drivers {
		d.mu.Lock()
		if len(d.errs) > 0 {
			logs := lt.logs.String()
			t.Errorf("%s: %d runs, then %v\n%s", d.name, len(d.runs), d.errs, logs[max(0, len(logs)-4000):])
		}
		d.mu.Unlock()
	}
}

// truths are the simulator's truths of each state of each source: state
// i is what run i collected.
type truths struct {
	// by kind and source: per state, the values by id.
	of map[[2]string][]map[string]string
}

func (tr truths) value(kind, source string, state int, id string) (string, bool) {
	states := tr.of[[2]string{kind, source}]
	if state < 0 || state >= len(states) {
		return "", false
	}
	v, ok := states[state][id]
	return v, ok
}

// buildTruths computes every state's truth (after the load: the orgs
// no longer move).
func (lt *loadTest) buildTruths(boards map[string]string) truths {
	tr := truths{of: map[[2]string][]map[string]string{}}
	add := func(kind, source string, vals map[string]string) {
		k := [2]string{kind, source}
		tr.of[k] = append(tr.of[k], vals)
	}
	for _, d := range lt.drivers {
		d.mu.Lock()
		runs := slices.Clone(d.runs)
		d.mu.Unlock()
		for i, at := range runs {
			switch d.vendor {
			case simulate.VendorJira, simulate.VendorGitLab:
				org := lt.jira
				if d.vendor == simulate.VendorGitLab {
					org = lt.gitlab.Org()
				}
				sprints, byBoard := map[string]string{}, map[string][4]int{}
				for id, s := range org.AllSprintTruths(at) {
					if sp := org.Sprint(atoiOr(id)); sp == nil || sp.Created.After(at) {
						continue
					}
					sprints[id] = fmt.Sprintf("state=%s C=%d A=%d R=%d D=%d O=%d", s.State, s.Committed, s.Added, s.Removed,
						s.Completed, s.CarriedOver)
					if s.State != "future" {
						b := byBoard[boards[d.name+"/"+id]]
						byBoard[boards[d.name+"/"+id]] = [4]int{b[0] + 1, b[1] + s.Committed, b[2] + s.Added, b[3] + s.Removed}
					}
				}
				add("sprint", d.name, sprints)
				bs := map[string]string{}
				for b, v := range byBoard {
					bs[b] = fmt.Sprintf("sprints=%d C=%d A=%d R=%d", v[0], v[1], v[2], v[3])
				}
				add("board", d.name, bs)
			}
			switch d.vendor {
			case simulate.VendorJira, simulate.VendorGitHub, simulate.VendorGitLab:
				add("milestone", d.name, lt.milestoneTruths(d.vendor, runs[:i+1]))
			case simulate.VendorZendesk:
				d.mu.Lock()
				add("tickets", d.name, d.states[i])
				d.mu.Unlock()
			}
		}
	}
	return tr
}

func (lt *loadTest) milestoneTruths(vendor string, runs []time.Time) map[string]string {
	var (
		org     *simulate.Org
		rules   simulate.MilestoneRules
		project = func(key string) string { return key }
	)
	switch vendor {
	case simulate.VendorJira:
		org, rules = lt.jira, simulate.JiraMilestones
	case simulate.VendorGitHub:
		org, rules, project = lt.github.Org(), simulate.GitHubMilestones, lt.github.FullName
	case simulate.VendorGitLab:
		org, rules = lt.gitlab.Org(), simulate.GitLabMilestones
		project = func(key string) string {
			if key == org.Projects[0].Key {
				return demoGitLabGroup
			}
			return lt.gitlab.FullPath(key)
		}
	}
	out := map[string]string{}
	for id, m := range org.AllMilestoneTruthsWith(rules, runs) {
		out[id] = milestoneFields(m.Name, project(m.Project), m.State, m.Due, m.OriginalDue, m.DueChanges, m.Baseline,
			int64(m.InitialScope), int64(m.Added), int64(m.Removed), int64(m.OpenIssues), int64(m.ClosedIssues))
	}
	return out
}

// ticketTruths are the ticket summary by priority as the desk's truth
// has it: created (deleted ones count nowhere), solved (solved or closed,
// merged ones left out) and open (new, open, pending, on hold).
func ticketTruths(dt simulate.DeskTruth) map[string]string {
	type counts struct{ created, solved, open int }
	by := map[string]*counts{}
	for _, tk := range dt.Tickets {
		if tk.Status == simulate.TicketDeleted {
			continue
		}
		c := by[tk.Priority]
		if c == nil {
			c = &counts{}
			by[tk.Priority] = c
		}
		c.created++
		merged := tk.MergedInto != 0 || slices.Contains(tk.Tags, "closed_by_merge")
		switch tk.Status {
		case simulate.TicketSolved, simulate.TicketClosed:
			if !merged {
				c.solved++
			}
		case simulate.TicketNew, simulate.TicketOpen, simulate.TicketPending, simulate.TicketHold:
			c.open++
		}
	}
	out := map[string]string{}
	for p, c := range by {
		out[p] = fmt.Sprintf("created=%d solved=%d open=%d", c.created, c.solved, c.open)
	}
	return out
}

func atoiOr(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// finalSprints walks every sprint as the API lists them now, and returns
// them by source/id.
func (lt *loadTest) finalSprints(t *testing.T) map[string]sprintJSON {
	out := map[string]sprintJSON{}
	for _, raw := range lt.walkAll(t, "/api/v1/sprints", 7) {
		var s sprintJSON
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		out[s.Source+"/"+s.ID] = s
	}
	return out
}

// walkAll pages through a list limit items at a time, and returns its
// items; an item listed twice is an error (the data does not change now).
func (lt *loadTest) walkAll(t *testing.T, path string, limit int) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	seen := map[string]bool{}
	cursor := ""
	for {
		var a struct {
			Items      []json.RawMessage
			NextCursor string `json:"next_cursor"`
		}
		q := url.Values{"limit": {strconv.Itoa(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		lt.get(t, path+"?"+q.Encode(), &a)
		for _, raw := range a.Items {
			var key struct{ Source, ID string }
			if err := json.Unmarshal(raw, &key); err != nil {
				t.Fatal(err)
			}
			if seen[key.Source+"/"+key.ID] {
				t.Errorf("%s, %d a page: %s/%s listed twice", path, limit, key.Source, key.ID)
			}
			seen[key.Source+"/"+key.ID] = true
			out = append(out, raw)
		}
		if cursor = a.NextCursor; cursor == "" {
			return out
		}
	}
}

func (lt *loadTest) get(t *testing.T, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, lt.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+lt.admin)
	resp, err := lt.client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %v: %.300s", path, resp.StatusCode, err, b)
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// checkObserved holds every recorded answer, once its source's first
// run had ended, to the truth of the states it could show: the whole
// answer one state's when nothing was written while it was computed, else
// each table's part one state's (an answer that mixes states so is
// reported, and fails with -load.strict). And every walk begun once its
// sources' first runs had ended lists the truth's entities.
func (lt *loadTest) checkObserved(t *testing.T) {
	boards := map[string]string{}
	for k, s := range lt.finalSprints(t) {
		boards[k] = s.Board
	}
	tr := lt.buildTruths(boards)
	lt.rec.mu.Lock()
	defer lt.rec.mu.Unlock()
	checked, failed, mixed, mixedAnswers := 0, 0, 0, 0
	var mixes []string
	for _, o := range slices.SortedFunc(maps.Keys(lt.rec.obs), compareObservations) {
		if o.st.done == 0 {
			continue // during the backfill: partial
		}
		checked++
		var could []string
		// parts[i]: whether part i of the value is part i of some state's.
		parts := make([]bool, len(strings.Split(o.value, " | ")))
		whole := false
		for s := o.st.done - 1; s < o.st.upTo && !whole; s++ {
			v, ok := tr.value(o.kind, o.source, s, o.id)
			if !ok {
				v = "(none)"
			}
			if whole = v == o.value; whole {
				break
			}
			could = append(could, fmt.Sprintf("state %d: %s", s, v))
			vp := strings.Split(v, " | ")
			for i, p := range strings.Split(o.value, " | ") {
				parts[i] = parts[i] || (i < len(vp) && vp[i] == p)
			}
		}
		if whole {
			continue
		}
		msg := fmt.Sprintf("%s %s/%s answered %d time(s)%s with\n    %s\nwhile its source's runs %d..%d were committed or in progress, whose truths are\n    %s",
			o.kind, o.source, o.id, lt.rec.obs[o], map[bool]string{true: " while nothing was written", false: ""}[o.st.quiet],
			o.value, o.st.done-1, o.st.upTo-1, strings.Join(could, "\n    "))
		if o.st.quiet || *loadStrict || slices.Contains(parts, false) {
			if failed++; failed <= 20 {
				t.Error(msg)
			}
			continue
		}
		mixed++
		mixedAnswers += lt.rec.obs[o]
		if len(mixes) < 5 {
			mixes = append(mixes, msg)
		}
	}
	if failed > 20 {
		t.Errorf("... %d values in all equal no state's truth", failed)
	}
	// A walk over keys that did not change while it went (a sprint's
	// never does; a milestone's is its due date) lists nothing twice and,
	// begun once every source of its kind had ended its first run, lists
	// every entity of the truth.
	stable, moving := 0, 0
	for _, w := range lt.rec.walks {
		kind := map[string]string{"sprints": "sprint", "milestones": "milestone"}[w.kind]
		var want []string
		whole, steady := true, true
		for _, d := range lt.drivers {
			states := tr.of[[2]string{kind, d.name}]
			if len(states) == 0 {
				continue
			}
			if w.began[d.name] == 0 {
				whole = false
			}
			if kind == "milestone" {
				steady = steady && sameDues(states, max(w.began[d.name]-1, 0), w.ended[d.name]-1)
			}
			for id := range states[len(states)-1] {
				want = append(want, d.name+"/"+id)
			}
		}
		if !steady {
			moving++
			continue
		}
		if len(w.repeats) > 0 {
			t.Errorf("a walk of the %s listed %v", w.kind, w.repeats)
		}
		if !whole {
			continue
		}
		stable++
		slices.Sort(want)
		if !slices.Equal(w.keys, want) {
			t.Errorf("a walk of the %s listed %d: %v\nthe truth has %d: %v", w.kind, len(w.keys), w.keys, len(want), want)
		}
	}
	t.Logf("%d answers, %d of them computed while nothing was written; %d distinct values held to the truth (%d during backfills not); %d whole walks held to it (%d over moving due dates not)",
		lt.rec.answers, lt.rec.quiet, checked, len(lt.rec.obs)-checked, stable, moving)
	if mixed > 0 || lt.rec.torn > 0 {
		t.Logf("answered while runs wrote: %d value(s) (%d answers) whose parts are of different states, %d answer(s) contradicting themselves:\n%s\n%s",
			mixed, mixedAnswers, lt.rec.torn, strings.Join(mixes, "\n"), strings.Join(lt.rec.torns, "\n"))
	}
}

// sameDues says whether every milestone has the same due date in states
// from to to (a walk of milestones is ordered by it).
func sameDues(states []map[string]string, from, to int) bool {
	due := func(v string) string {
		row := strings.Split(v, " | ")[0]
		return row[strings.LastIndex(row, " due="):]
	}
	for s := from + 1; s <= to && s < len(states); s++ {
		for id, v := range states[s] {
			if w, ok := states[from][id]; !ok || due(w) != due(v) {
				return false
			}
		}
	}
	return true
}

func compareObservations(a, b observation) int {
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// checkFinal: collections done, every answer equals the truth of the
// last state exactly (and truthcheck's comparisons hold on the store).
func (lt *loadTest) checkFinal(t *testing.T) {
	sprints := lt.finalSprints(t)
	boards := map[string]string{}
	for k, s := range sprints {
		boards[k] = s.Board
	}
	tr := lt.buildTruths(boards)
	last := func(kind, source string) map[string]string {
		states := tr.of[[2]string{kind, source}]
		if len(states) == 0 {
			return nil
		}
		return states[len(states)-1]
	}
	got := map[[2]string]map[string]string{}
	put := func(kind, source, id, v string) {
		k := [2]string{kind, source}
		if got[k] == nil {
			got[k] = map[string]string{}
		}
		got[k][id] = v
	}
	for _, s := range sprints {
		put("sprint", s.Source, s.ID, s.counts())
		var d struct {
			sprintJSON
			Events []struct{ Kind string }
		}
		lt.get(t, "/api/v1/sprints/"+s.Source+"/"+s.ID, &d)
		if d.counts() != s.counts() {
			t.Errorf("sprint %s/%s: detail %s, list %s", s.Source, s.ID, d.counts(), s.counts())
		}
	}
	for _, raw := range lt.walkAll(t, "/api/v1/milestones", 5) {
		var m milestoneJSON
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		put("milestone", m.Source, m.ID, m.fields())
		var d milestoneJSON
		lt.get(t, "/api/v1/milestones/"+m.Source+"/"+m.ID, &d)
		if d.fields() != m.fields() {
			t.Errorf("milestone %s/%s: detail %s, list %s", m.Source, m.ID, d.fields(), m.fields())
		}
	}
	var sc struct {
		Items []struct {
			Group, Source                      string
			Sprints, Committed, Added, Removed int64
		}
	}
	lt.get(t, "/api/v1/scope-change?entity=sprint&group_by=board", &sc)
	for _, g := range sc.Items {
		put("board", g.Source, g.Group, fmt.Sprintf("sprints=%d C=%d A=%d R=%d", g.Sprints, g.Committed, g.Added, g.Removed))
	}
	var tk struct {
		Items []struct {
			Group                 string
			Created, Solved, Open int64
		}
	}
	lt.get(t, "/api/v1/tickets/summary?group_by=priority", &tk)
	for _, g := range tk.Items {
		put("tickets", "demo-zendesk", g.Group, fmt.Sprintf("created=%d solved=%d open=%d", g.Created, g.Solved, g.Open))
	}
	compared := 0
	for _, k := range slices.SortedFunc(maps.Keys(tr.of), func(a, b [2]string) int { return strings.Compare(a[0]+a[1], b[0]+b[1]) }) {
		want, have := last(k[0], k[1]), got[k]
		for _, id := range slices.Sorted(maps.Keys(want)) {
			compared++
			if have[id] != want[id] {
				t.Errorf("at the end, %s %s/%s:\n got %s\nwant %s", k[0], k[1], id, orNone(have[id]), want[id])
			}
		}
		for id := range have {
			if _, ok := want[id]; !ok {
				t.Errorf("at the end, %s %s/%s is answered (%s) but not in the truth", k[0], k[1], id, have[id])
			}
		}
	}
	// The same comparisons as every source's collection tests, on the
	// store.
	now := lt.clock.Now()
	for _, s := range []truthcheck.Site{
		{DB: lt.app.db, Source: "demo-jira", Org: lt.jira, Rules: simulate.JiraMilestones},
		{DB: lt.app.db, Source: "demo-gitlab", Org: lt.gitlab.Org()},
	} {
		compared += truthcheck.Sprints(t, s, now)
	}
	t.Logf("at the end: %d values equal to the truth", compared)
}

func orNone(s string) string {
	if s == "" {
		return "(not answered)"
	}
	return s
}

// churn moves the due date of every open milestone a week on (a row and
// a snapshot each) and, in an org with sprints laid out as Jira's,
// finishes an issue of an active sprint as it leaves the sprint (a status
// change and a membership interval).
func churn(org *simulate.Org, at time.Time) []string {
	var out []string
	for _, m := range org.Milestones {
		if due := m.DueAt(at); m.Released == nil && m.Archived == nil && due != nil {
			moved := due.Add(7 * 24 * time.Hour)
			if org.SetMilestoneDue(m.ID, &moved, at) == nil {
				out = append(out, "moved the due date of "+m.ID)
			}
		}
	}
	if org.Vendor != "" {
		return out
	}
	for id, tr := range org.AllSprintTruths(at) {
		if tr.State != "active" {
			continue
		}
		sid := atoiOr(id)
		for _, is := range org.IssuesInSprintEver(sid) {
			cur := is.SprintsAt(at)
			if !slices.Contains(cur, sid) || is.StatusAt(at) == simulate.StatusDone || is.Type == "Epic" {
				continue
			}
			if org.SetStatus(is.Key, simulate.StatusDone, at) == nil &&
				org.SetSprints(is.Key, slices.DeleteFunc(slices.Clone(cur), func(x int) bool { return x == sid }), at) == nil {
				return append(out, "finished "+is.Key+" as it left sprint "+id)
			}
		}
	}
	return out
}
