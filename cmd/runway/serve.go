package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/api/gauges"
	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/sources"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// app is what serve, collect and demo share: the warehouse, the runner and
// the metrics registry.
type app struct {
	cfg    config.Config
	types  collector.Registry
	log    *slog.Logger
	db     warehouse.DB
	reg    *prometheus.Registry
	runner *collector.Runner
	kinds  analytics.KindRules
	now    func() time.Time // the runner's clock; nil: the wall's
	// serving: the API is up, so each run is followed by the readings
	// its first requests need (a one-off collect does not pay for them).
	serving atomic.Bool
}

// open connects to the warehouse, applies migrations, records the
// configured sources and projects, and builds the runner with the sources
// named in only (all when empty).
func open(ctx context.Context, cfg config.Config, log *slog.Logger, only []string) (*app, error) {
	return openAt(ctx, cfg, log, only, nil)
}

// openAt is open with the runner's clock (nil: the wall's); the demo
// replays its org's past with it.
func openAt(ctx context.Context, cfg config.Config, log *slog.Logger, only []string, now func() time.Time) (*app, error) {
	db, err := warehouse.OpenDSN(ctx, cfg.Storage.Target)
	if err != nil {
		return nil, fmt.Errorf("opening storage: %w", err)
	}
	a := &app{cfg: cfg, types: sources.Registry(), log: log, db: db, reg: prometheus.NewRegistry(), now: now}
	if err := a.init(ctx, only); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) init(ctx context.Context, only []string) error {
	var err error
	if a.kinds, err = milestoneKinds(a.cfg.MilestoneKinds); err != nil {
		return err
	}
	if _, err := warehouse.Migrate(ctx, a.db, a.log); err != nil {
		return fmt.Errorf("migrating storage: %w", err)
	}
	if err := collector.SyncConfig(ctx, a.db, a.cfg); err != nil {
		return err
	}
	v, rev, gov := buildInfo()
	bi := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "runway_build_info",
		Help: "Runway build: version, VCS revision and Go version."}, []string{"version", "revision", "goversion"})
	bi.WithLabelValues(v, rev, gov).Set(1)
	a.reg.MustRegister(bi, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		gauges.New(a.db, a.log.With("component", "gauges"), time.Now, gauges.DefaultTimeout,
			gauges.WithSLA(slaTargets(a.cfg.SLA))))
	a.runner = collector.NewRunner(a.db, a.log, collector.NewMetrics(a.reg), collector.RunnerOptions{Jitter: 30 * time.Second, Now: a.now,
		AfterRun: a.warm})

	want := map[string]bool{}
	for _, n := range only {
		want[n] = true
	}
	found := map[string]bool{}
	for _, s := range a.cfg.Sources {
		if len(want) > 0 && !want[s.Name] {
			continue
		}
		found[s.Name] = true
		st, ok := a.types.Lookup(s.Type)
		if !ok {
			return fmt.Errorf("source %s: type %s is not supported by this build (supported: %s)",
				s.Name, s.Type, strings.Join(a.types.Names(), ", "))
		}
		if err := a.runner.Add(s, st.New); err != nil {
			return err
		}
	}
	for _, n := range only {
		if !found[n] {
			return fmt.Errorf("%w: no source named %q in the config", errUsage, n)
		}
	}
	return nil
}

func (a *app) close() {
	if err := a.db.Close(); err != nil {
		a.log.Warn("closing storage", "err", err)
	}
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	cfg, rest, err := loadConfig("serve", args, stderr, getenv)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected arguments %v", errUsage, rest)
	}
	log := newLogger(cfg.Log, stderr)
	a, err := open(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer a.close()
	return a.serve(ctx, func(addr string) { printOverview(stdout, addr) })
}

// serve runs the scheduler and the HTTP listener until ctx is cancelled,
// then shuts both down gracefully. ready, if set, receives the bound
// address once the listener is up.
// warm makes the API's readings of the data a run just committed.
func (a *app) warm(ctx context.Context, source string) {
	if !a.serving.Load() {
		return
	}
	now := time.Now
	if a.now != nil {
		now = a.now
	}
	start := time.Now() // elapsed time only
	if err := analytics.Warm(ctx, a.db, now(), slaTargets(a.cfg.SLA)); err != nil {
		a.log.Warn("could not prepare the reports of the new data; the first requests will", "source", source, "err", err)
		return
	}
	a.log.Debug("reports prepared for the new data", "source", source, "took", time.Since(start).Round(time.Millisecond))
}

func (a *app) serve(ctx context.Context, ready func(addr string)) error {
	a.serving.Store(true)
	ln, err := net.Listen("tcp", a.cfg.API.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", a.cfg.API.Listen, err)
	}
	c := a.cfg.API
	srv := api.New(api.Options{DB: a.db, Runner: a.runner, Tokens: c.Tokens, Logger: a.log, Gatherer: a.reg,
		RateLimit: c.RateLimit, RateBurst: c.RateBurst, TrustedProxies: c.TrustedProxies,
		Limits: api.Limits{ReadHeaderTimeout: c.ReadHeaderTimeout.D(), ReadTimeout: c.ReadTimeout.D(),
			WriteTimeout: c.WriteTimeout.D(), IdleTimeout: c.IdleTimeout.D(), MaxBodyBytes: c.MaxBodyBytes},
		Kinds: a.kinds, SLA: slaTargets(a.cfg.SLA),
	}).HTTPServer(c.Listen)
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	if err := a.runner.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("runway serving", "addr", ln.Addr().String(), "overview", overviewURL(ln.Addr().String()), "backend", a.db.Backend(),
		"database", a.db.Database(), "sources", len(a.runner.Sources()))
	if ready != nil {
		ready(ln.Addr().String())
	}

	select {
	case err := <-errc:
		stopCtx, cancel := context.WithTimeout(context.Background(), a.cfg.API.ShutdownTimeout.D())
		defer cancel()
		_ = a.runner.Stop(stopCtx)
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down", "timeout", a.cfg.API.ShutdownTimeout.D())
	timeout := a.cfg.API.ShutdownTimeout.D()
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Stop scheduling and drain HTTP at the same time; running collections
	// get until the deadline, then are cancelled and recorded as failed.
	var wg sync.WaitGroup
	var runErr, httpErr error
	wg.Go(func() { runErr = a.runner.Stop(stopCtx) })
	wg.Go(func() { httpErr = srv.Shutdown(stopCtx) })
	wg.Wait()
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	if runErr != nil {
		a.log.Warn("scheduler shutdown", "err", runErr)
	}
	if httpErr != nil {
		a.log.Warn("http shutdown", "err", httpErr)
	}
	a.log.Info("stopped")
	return nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	// Migrating needs storage only: no upstream or API token has to be set.
	cfg, rest, err := loadConfig("migrate", args, stderr, getenv, config.WithoutSecrets())
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected arguments %v", errUsage, rest)
	}
	log := newLogger(cfg.Log, stderr)
	db, err := warehouse.OpenDSN(ctx, cfg.Storage.Target)
	if err != nil {
		return fmt.Errorf("opening storage: %w", err)
	}
	defer db.Close()
	applied, err := warehouse.Migrate(ctx, db, log)
	if err != nil {
		return fmt.Errorf("migrating storage: %w", err)
	}
	v, err := warehouse.SchemaVersion(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d on %s (database %s); applied %d migration(s) now\n",
		v, db.Backend(), db.Database(), len(applied))
	return nil
}

// milestoneKinds compiles the configured title patterns (validated at
// config load, so an error here is a bug).
func milestoneKinds(k config.MilestoneKinds) (analytics.KindRules, error) {
	var kinds []string
	var pats [][]string
	for _, kp := range k.Kinds() {
		kinds, pats = append(kinds, kp.Kind), append(pats, kp.Patterns)
	}
	rules, err := analytics.NewKindRules(kinds, pats)
	if err != nil {
		return nil, fmt.Errorf("milestone_kinds: %w", err)
	}
	return rules, nil
}

// slaTargets are the configured first-reply targets by priority.
func slaTargets(sla map[string]config.Span) map[string]time.Duration {
	out := make(map[string]time.Duration, len(sla))
	for prio, d := range sla {
		out[prio] = d.D()
	}
	return out
}
