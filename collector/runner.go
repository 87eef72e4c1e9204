package collector

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cryptorand "crypto/rand"

	"github.com/robfig/cron/v3"

	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// Runner errors.
var (
	ErrUnknownSource = errors.New("unknown source")
	ErrRunning       = errors.New("a run of this source is already in progress")
	ErrStopped       = errors.New("runner is stopped")
)

// Run statuses recorded in collector_runs.
const (
	StatusRunning = "running"
	StatusSuccess = "success"
	StatusFailed  = "failed"
)

// RunnerOptions tune a Runner. Zero values take defaults.
type RunnerOptions struct {
	// Jitter delays each scheduled run by a random amount below it, so
	// sources sharing a schedule don't hit the network at the same instant.
	Jitter time.Duration
	// DefaultTimeout bounds a scheduled or API-triggered run when its
	// source sets no timeout. Runs started with RunOnce (runway collect, a
	// first backfill) have no default bound: the caller's context decides.
	DefaultTimeout time.Duration
	// HTTPClient is the transport for source clients (tests may inject one).
	HTTPClient *http.Client
	// Now is the clock (tests).
	Now func() time.Time
	// AfterRun, when set, is called after each successful run with the
	// run's context (serve makes the API's readings of the new data).
	AfterRun func(ctx context.Context, source string)
}

// Runner schedules sources, runs them and records every run.
type Runner struct {
	db      warehouse.DB
	log     *slog.Logger
	metrics *Metrics
	opts    RunnerOptions

	mu      sync.Mutex
	entries map[string]*entry
	order   []string
	cron    *cron.Cron
	started bool
	stopped bool

	baseCtx context.Context // parent of every run; cancelled at Stop's deadline
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

type entry struct {
	src      Source
	schedule string
	timeout  time.Duration
	stats    *httpx.Stats
	running  atomic.Bool
	cronID   cron.EntryID
	// unrecorded holds end records of runs that could not be written
	// (storage was gone); the next run writes them with its own. Only the
	// run holding running touches it.
	unrecorded []warehouse.RunRow
}

// maxUnrecorded bounds the end records a source keeps while storage is gone.
const maxUnrecorded = 100

// NewRunner builds a runner writing to db.
func NewRunner(db warehouse.DB, log *slog.Logger, metrics *Metrics, opts RunnerOptions) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.DefaultTimeout == 0 {
		opts.DefaultTimeout = 2 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Now().UTC() }
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{db: db, log: log, metrics: metrics, opts: opts, entries: map[string]*entry{},
		baseCtx: ctx, cancel: cancel}
}

// Add builds a source from its configuration with factory. The source
// builds its HTTP clients through Deps.NewHTTP, choosing their auth and
// headers; the runner supplies the base URL, transport, metrics, logger and
// the per-run request counters.
func (r *Runner) Add(cfg config.Source, factory Factory) error {
	stats := &httpx.Stats{}
	log := r.log.With("source", cfg.Name)
	var metrics *httpx.Metrics
	if r.metrics != nil {
		metrics = r.metrics.HTTP
	}
	newHTTP := HTTPBuilder(httpx.Options{Source: cfg.Name, BaseURL: cfg.BaseURL, HTTPClient: r.opts.HTTPClient,
		Metrics: metrics, Stats: stats, Logger: log})
	src, err := factory(cfg, Deps{NewHTTP: newHTTP, Logger: log, Now: r.opts.Now})
	if err != nil {
		return fmt.Errorf("source %s: %w", cfg.Name, err)
	}
	return r.add(src, cfg.Schedule, cfg.Timeout.D(), stats)
}

// AddSource registers an already built source (tests, custom sources).
func (r *Runner) AddSource(src Source, schedule string) error {
	return r.add(src, schedule, 0, nil)
}

func (r *Runner) add(src Source, schedule string, timeout time.Duration, stats *httpx.Stats) error {
	if schedule != "" {
		if _, err := config.CronParser.Parse(schedule); err != nil {
			return fmt.Errorf("source %s: bad schedule %q: %w", src.Name(), schedule, err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.entries[src.Name()]; dup {
		return fmt.Errorf("source %s: registered twice", src.Name())
	}
	r.entries[src.Name()] = &entry{src: src, schedule: schedule, timeout: timeout, stats: stats}
	r.order = append(r.order, src.Name())
	if r.metrics != nil {
		r.metrics.initSource(src.Name())
	}
	return nil
}

// Sources lists registered source names in registration order.
func (r *Runner) Sources() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.order...)
}

// Start schedules every source with a schedule. Runs use the runner's own
// context, not ctx, so that Stop decides when they are cancelled.
func (r *Runner) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return ErrStopped
	}
	if r.started {
		return nil
	}
	r.loadLastSuccess(ctx)
	cronLog := cronLogger{r.log}
	r.cron = cron.New(
		cron.WithParser(config.CronParser),
		cron.WithLocation(time.UTC),
		cron.WithChain(cron.Recover(cronLog), cron.SkipIfStillRunning(cronLog)),
	)
	for _, name := range r.order {
		e := r.entries[name]
		if e.schedule == "" {
			continue
		}
		id, err := r.cron.AddFunc(e.schedule, func() { r.scheduled(name) })
		if err != nil {
			return fmt.Errorf("source %s: scheduling %q: %w", name, e.schedule, err)
		}
		e.cronID = id
	}
	r.cron.Start()
	r.started = true
	return nil
}

func (r *Runner) scheduled(name string) {
	if j := r.opts.Jitter; j > 0 {
		select {
		case <-time.After(rand.N(j)):
		case <-r.baseCtx.Done():
			return
		}
	}
	if _, err := r.run(r.baseCtx, name, "schedule"); err != nil && !errors.Is(err, ErrRunning) {
		r.log.Warn("scheduled run failed", "source", name, "err", err)
	}
}

// Stop stops scheduling, waits for running collections until ctx is done,
// then cancels them and waits for them to record their failure.
func (r *Runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	r.stopped = true
	c := r.cron
	r.mu.Unlock()
	if c != nil {
		// Not waiting on Stop's context: it is done only when running jobs
		// finish, which is what the deadline below bounds.
		c.Stop()
	}
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		r.cancel()
		return nil
	case <-ctx.Done():
	}
	r.log.Warn("cancelling running collections at shutdown deadline")
	r.cancel()
	// Cancelled runs record their failure; a source that ignores its
	// context is not waited for beyond this grace period.
	select {
	case <-done:
	case <-time.After(stopGrace):
		r.log.Error("collections did not stop after cancellation; exiting without them", "grace", stopGrace)
	}
	return fmt.Errorf("collections cancelled at shutdown: %w", ctx.Err())
}

// stopGrace bounds the wait for cancelled runs to record their end.
const stopGrace = 15 * time.Second

// commitTimeout bounds writing one run's buffered rows and cursors.
const commitTimeout = 10 * time.Minute

// RunResult summarises one run.
type RunResult struct {
	Source   string
	RunID    string
	Status   string
	Err      error
	Started  time.Time
	Finished time.Time
	Requests int64
	Retries  int64
	Bytes    int64
	Rows     map[string]int
}

// TotalRows sums rows over tables.
func (rr RunResult) TotalRows() int64 {
	var n int64
	for _, c := range rr.Rows {
		n += int64(c)
	}
	return n
}

// RunOnce runs a source now and waits for it (runway collect, tests).
// progress, when set, receives the source's progress reports.
func (r *Runner) RunOnce(ctx context.Context, name string, progress func(stage string, done, total int)) (RunResult, error) {
	return r.runWith(ctx, name, "manual", progress)
}

// Trigger starts a run in the background (POST /collectors/{source}/run).
// It fails fast with ErrRunning when the source is already running.
func (r *Runner) Trigger(name string) (string, error) {
	r.mu.Lock()
	e, ok := r.entries[name]
	stopped := r.stopped
	r.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("%w %q", ErrUnknownSource, name)
	}
	if stopped {
		return "", ErrStopped
	}
	if e.running.Load() {
		return "", ErrRunning
	}
	runID := newRunID(r.opts.Now())
	started := make(chan error, 1)
	go func() {
		_, err := r.runID(r.baseCtx, name, "api", runID, nil, started)
		if err != nil && !errors.Is(err, ErrRunning) {
			r.log.Warn("triggered run failed", "source", name, "err", err)
		}
	}()
	if err := <-started; err != nil {
		return "", err
	}
	return runID, nil
}

func (r *Runner) run(ctx context.Context, name, trigger string) (RunResult, error) {
	return r.runWith(ctx, name, trigger, nil)
}

func (r *Runner) runWith(ctx context.Context, name, trigger string, progress func(string, int, int)) (RunResult, error) {
	return r.runID(ctx, name, trigger, newRunID(r.opts.Now()), progress, nil)
}

// runID is one run: claim the source, record the start, collect into a
// buffered batch, commit rows then cursors only on success, record the end.
// started (optional) receives nil once the run is claimed, or the reason it
// could not start.
func (r *Runner) runID(ctx context.Context, name, trigger, runID string, progress func(string, int, int), started chan<- error) (res RunResult, err error) {
	r.mu.Lock()
	e, ok := r.entries[name]
	if ok && !r.stopped {
		r.wg.Add(1)
	}
	stopped := r.stopped
	r.mu.Unlock()
	signal := func(err error) {
		if started != nil {
			started <- err
			started = nil
		}
	}
	switch {
	case !ok:
		err = fmt.Errorf("%w %q", ErrUnknownSource, name)
		signal(err)
		return RunResult{}, err
	case stopped:
		signal(ErrStopped)
		return RunResult{}, ErrStopped
	}
	defer r.wg.Done()
	if !e.running.CompareAndSwap(false, true) {
		signal(ErrRunning)
		return RunResult{}, ErrRunning
	}
	defer e.running.Store(false)
	signal(nil)

	if r.metrics != nil {
		r.metrics.running.WithLabelValues(name).Set(1)
		defer r.metrics.running.WithLabelValues(name).Set(0)
	}
	log := r.log.With("source", name, "run_id", runID)
	res = RunResult{Source: name, RunID: runID, Started: r.opts.Now()}
	record := warehouse.RunRow{Source: name, RunID: runID, Type: e.src.Type(), Trigger: trigger,
		Started: res.Started, Status: StatusRunning, Version: uint64(time.Now().UnixNano())}
	// The start record is best effort: a warehouse that is down fails the
	// run below anyway, with a clearer error.
	if werr := warehouse.InsertRows(ctx, r.db, []warehouse.RunRow{record}); werr != nil {
		log.Warn("recording run start", "err", werr)
	}
	var before httpx.StatsSnapshot
	if e.stats != nil {
		before = e.stats.Snapshot()
	}
	log.Info("collection started", "trigger", trigger)

	err = r.collect(ctx, e, runID, trigger, progress, &res)

	res.Finished = r.opts.Now()
	if e.stats != nil {
		after := e.stats.Snapshot()
		res.Requests = after.Requests - before.Requests
		res.Retries = after.Retries - before.Retries
		res.Bytes = after.Bytes - before.Bytes
	}
	res.Status, res.Err = StatusSuccess, err
	if err != nil {
		res.Status = StatusFailed
	}
	record.Finished = &res.Finished
	record.Status = res.Status
	if err != nil {
		record.Error = err.Error()
	}
	record.Requests, record.Retries, record.Bytes, record.Rows = res.Requests, res.Retries, res.Bytes, res.TotalRows()
	record.Version = uint64(time.Now().UnixNano())
	// Record the end even when the run's own context was cancelled, with
	// the ends of earlier runs that storage could not take then; keep them
	// all for the next run if it still cannot.
	recCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	records := append(e.unrecorded, record)
	if werr := warehouse.InsertRows(recCtx, r.db, records); werr != nil {
		if len(records) > maxUnrecorded {
			records = records[len(records)-maxUnrecorded:]
		}
		e.unrecorded = records
		log.Error("could not record run result; the next run will retry", "err", werr)
	} else {
		if n := len(e.unrecorded); n > 0 {
			log.Info("recorded the results of earlier runs that storage could not take", "runs", n)
		}
		e.unrecorded = nil
	}
	dur := res.Finished.Sub(res.Started)
	if r.metrics != nil {
		r.metrics.duration.WithLabelValues(name).Set(dur.Seconds())
		if err == nil {
			r.metrics.runs.WithLabelValues(name, "success").Inc()
			r.metrics.lastSuccess.WithLabelValues(name).Set(float64(res.Finished.UnixNano()) / 1e9)
			for t, n := range res.Rows {
				r.metrics.rows.WithLabelValues(name, t).Add(float64(n))
			}
		} else {
			r.metrics.runs.WithLabelValues(name, "failure").Inc()
		}
	}
	if err != nil {
		log.Warn("collection failed", "err", err, "duration", dur.Round(time.Millisecond), "requests", res.Requests)
		return res, fmt.Errorf("source %s: %w", name, err)
	}
	log.Info("collection finished", "duration", dur.Round(time.Millisecond), "requests", res.Requests,
		"retries", res.Retries, "rows", res.TotalRows())
	if r.opts.AfterRun != nil {
		r.opts.AfterRun(ctx, name)
	}
	return res, nil
}

func (r *Runner) collect(ctx context.Context, e *entry, runID, trigger string, progress func(string, int, int), res *RunResult) error {
	timeout := e.timeout
	if timeout == 0 && trigger != "manual" {
		timeout = r.opts.DefaultTimeout
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cursors, err := LoadCursors(ctx, r.db, e.src.Name())
	if err != nil {
		return err
	}
	b := newBatch(cursors, progress, func(ctx context.Context, rows map[string][]warehouse.Row, cursors map[string]string) error {
		return r.commit(ctx, e.src.Name(), runID, rows, cursors)
	}, func(ctx context.Context, kind warehouse.EntityKind) ([]warehouse.StoredEntity, error) {
		return warehouse.ListStored(ctx, r.db, e.src.Name(), kind)
	})
	err = e.src.Collect(ctx, b)
	if err == nil {
		if cerr := ctx.Err(); cerr != nil {
			err = fmt.Errorf("collection interrupted: %w", cerr)
		}
	}
	if err != nil {
		// What checkpoints committed stays; the rest is dropped.
		res.Rows = b.committedCounts()
		if b.checkpoints > 0 {
			return fmt.Errorf("%w (kept %d checkpoint(s); the next run resumes from the last)", err, b.checkpoints)
		}
		return err
	}
	// What was collected is committed even if the run's deadline or a
	// shutdown comes now: commit has its own bound.
	if err := b.finish(ctx); err != nil {
		res.Rows = b.committedCounts()
		return err
	}
	res.Rows = b.rowCounts()
	return nil
}

// commit writes rows, table by table in name order, then the cursors they
// justify, so a crash in between only means the next run re-collects
// (idempotently) what this one wrote. It has its own time bound: what a
// run collected is written even when the run's deadline comes now.
func (r *Runner) commit(ctx context.Context, source, runID string, rows map[string][]warehouse.Row, cursors map[string]string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	for _, table := range slices.Sorted(maps.Keys(rows)) {
		// One time outside DateTime (a date typed as year 0202) must not
		// fail the batch, or the cursor would never move again.
		fitted, warnings := warehouse.FitDateTimes(rows[table])
		for _, w := range warnings {
			r.log.WarnContext(ctx, "storing a time DateTime cannot hold", "source", source, "run_id", runID, "problem", w)
		}
		if err := warehouse.InsertMixed(ctx, r.db, fitted); err != nil {
			return fmt.Errorf("committing rows: %w", err)
		}
	}
	if len(cursors) == 0 {
		return nil
	}
	// The rows are made durable before the cursors they justify are
	// written: a crash of the machine or a failing disk may lose the last
	// commit, never keep a cursor without its rows (the embedded store;
	// a server keeps its own durability).
	if err := warehouse.Sync(ctx, r.db); err != nil {
		return fmt.Errorf("committing rows: %w", err)
	}
	now := r.opts.Now()
	out := make([]warehouse.CursorRow, 0, len(cursors))
	for _, n := range slices.Sorted(maps.Keys(cursors)) {
		out = append(out, warehouse.CursorRow{Source: source, Name: n, Value: cursors[n],
			RunID: runID, Updated: now, Version: uint64(time.Now().UnixNano())})
	}
	if err := warehouse.InsertRows(ctx, r.db, out); err != nil {
		return fmt.Errorf("committing cursors: %w", err)
	}
	return nil
}

// LoadCursors reads a source's committed cursors.
func LoadCursors(ctx context.Context, db warehouse.DB, source string) (map[string]string, error) {
	rows, err := db.Query(ctx, "SELECT name, value FROM {db}.cursors FINAL WHERE source = ?", source)
	if err != nil {
		return nil, fmt.Errorf("loading cursors: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, v string
		if err := rows.Scan(&n, &v); err != nil {
			return nil, fmt.Errorf("loading cursors: %w", err)
		}
		out[n] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loading cursors: %w", err)
	}
	return out, nil
}

// loadLastSuccess seeds the last-success gauge from the run log, so a
// restart does not make every source look like it never succeeded.
func (r *Runner) loadLastSuccess(ctx context.Context) {
	if r.metrics == nil {
		return
	}
	rows, err := r.db.Query(ctx, "SELECT source, max(finished) FROM {db}.collector_runs FINAL WHERE status = ? GROUP BY source", StatusSuccess)
	if err != nil {
		r.log.Warn("reading last successful runs", "err", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var src string
		var t *time.Time
		if rows.Scan(&src, &t) == nil && t != nil {
			if _, ok := r.entries[src]; ok {
				r.metrics.lastSuccess.WithLabelValues(src).Set(float64(t.Unix()))
			}
		}
	}
}

// Running reports whether a source is running now.
func (r *Runner) Running(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[name]
	return ok && e.running.Load()
}

// NextRun returns when the source is next scheduled (zero if unscheduled).
func (r *Runner) NextRun(name string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[name]
	if !ok || r.cron == nil || e.cronID == 0 {
		return time.Time{}
	}
	return r.cron.Entry(e.cronID).Next.UTC()
}

func newRunID(now time.Time) string {
	var b [4]byte
	_, _ = cryptorand.Read(b[:])
	// Sortable by start time to the microsecond, unique by the random tail.
	return now.UTC().Format("20060102T150405.000000Z") + "-" + hex.EncodeToString(b[:])
}

// cronLogger adapts slog to cron.Logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+strings.TrimSpace(msg), append(kv, "err", err)...)
}

// LastRuns reads the latest recorded run of every source.
func LastRuns(ctx context.Context, db warehouse.DB) (map[string]warehouse.RunRow, error) {
	// Ordered outside the FINAL read: 18.16 cannot order one on a cluster.
	rows, err := db.Query(ctx, `SELECT source, run_id, type, trigger, started, finished, status, error, requests, retries, bytes, rows
FROM (
    SELECT source, run_id, type, trigger, started, finished, status, error, requests, retries, bytes, rows, version
    FROM {db}.collector_runs FINAL
) AS r
ORDER BY source, started DESC, version DESC
LIMIT 1 BY source`)
	if err != nil {
		return nil, fmt.Errorf("reading collector runs: %w", err)
	}
	defer rows.Close()
	out := map[string]warehouse.RunRow{}
	for rows.Next() {
		var r warehouse.RunRow
		if err := rows.Scan(&r.Source, &r.RunID, &r.Type, &r.Trigger, &r.Started, &r.Finished, &r.Status,
			&r.Error, &r.Requests, &r.Retries, &r.Bytes, &r.Rows); err != nil {
			return nil, fmt.Errorf("reading collector runs: %w", err)
		}
		out[r.Source] = r
	}
	return out, rows.Err()
}
