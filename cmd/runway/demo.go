package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/jira"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/sources"
)

// cmdDemo serves a simulated org: a fake Jira Cloud site on a loopback port,
// collected by the real Jira collector into the embedded store (or whatever
// RUNWAY_STORAGE_DSN names), with the API and /metrics as in serve.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("runway demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Int64("seed", 42, "seed of the simulated org")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}

	types := sources.Registry().ConfigTypes()
	cfg := config.Default()
	cfg.Storage.DSN = "" // chosen below unless RUNWAY_STORAGE_DSN sets it
	if err := config.ApplyEnv(&cfg, getenv, types); err != nil {
		return err
	}
	if cfg.Storage.DSN == "" {
		dir, err := os.MkdirTemp("", "runway-demo-")
		if err != nil {
			return fmt.Errorf("creating demo store: %w", err)
		}
		defer os.RemoveAll(dir)
		cfg.Storage.DSN = "chdb://" + filepath.Join(dir, "data")
	}
	log := newLogger(cfg.Log, stderr)

	// The demo is live: its org ends now and its site's clock is the wall's.
	org := simulate.Generate(simulate.Options{Seed: *seed, Now: time.Now()})
	const email, token = "demo@runway.local", "demo-token"
	jiraURL, stop := simulate.Serve(ctx, org, simulate.JiraOptions{Email: email, Token: token, Now: time.Now})
	defer stop()
	// Keep the org moving: a few issues change status every minute, so the
	// scheduled incremental runs have something to pick up.
	go func() {
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				org.Touch(now.UTC().Truncate(time.Second), 3)
			}
		}
	}()

	cfg.Sources = []config.Source{{
		Name: "demo-jira", Type: jira.Type, BaseURL: jiraURL,
		TokenEnv: "RUNWAY_DEMO_JIRA_TOKEN", Token: config.Secret(token),
		Schedule: "*/5 * * * *", Since: config.Span(400 * 24 * time.Hour),
		Settings: &jira.Config{Email: email}, // Cloud: the simulated site speaks REST v3
	}}
	cfg.Projects = []config.Project{
		{Key: "platform", Name: "Platform rebuild", Type: "long_term", Match: config.ProjectMatch{JiraProjects: []string{"PLAT"}}},
		{Key: "mobile", Name: "Mobile app", Type: "short_term", Match: config.ProjectMatch{JiraProjects: []string{"MOB"}}},
		{Key: "ops", Name: "Operations support", Type: "ongoing_support", Match: config.ProjectMatch{JiraProjects: []string{"OPS"}}},
	}
	if err := cfg.Validate(types); err != nil {
		return err
	}

	a, err := open(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer a.close()
	return a.serve(ctx, func(addr string) {
		base := "http://" + addr
		// A chdb:// DSN is a path; a server DSN may hold a password.
		store := a.db.Backend() + " database " + a.db.Database()
		if t := cfg.Storage.Target; t.Backend() == "chdb" {
			store = t.String()
		}
		fmt.Fprintf(stdout, `Runway demo: simulated Jira at %s, store %s
Collecting now (and every 5 minutes). Try:
  %s/api/v1/collectors
  %s/api/v1/sprints
  %s/api/v1/scope-change?entity=sprint&group_by=board
  %s/api/v1/durations?entity=sprint&group_by=board
  %s/metrics
Press Ctrl-C to stop.
`, jiraURL, store, base, base, base, base, base)
		if _, err := a.runner.Trigger("demo-jira"); err != nil {
			log.Warn("starting the first collection", "err", err)
		}
	})
}
