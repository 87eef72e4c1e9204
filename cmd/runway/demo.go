package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/github"
	"github.com/runway-analytics/runway/collector/gitlab"
	"github.com/runway-analytics/runway/collector/jira"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/sources"
	"github.com/runway-analytics/runway/collector/zendesk"
)

// demoSchedule is when the demo's sources collect, and how the banner says it.
const demoSchedule, demoEvery = "*/5 * * * *", "every 5 minutes"

// demoVendor is one vendor `runway demo` can simulate: its site serves a
// world of its own (an org laid out as that vendor can hold one, or a
// support desk), and its source collects that site with the vendor's real
// collector.
type demoVendor struct {
	name  string // the --vendors name: the site's Vendor()
	title string // how the banner names the site
	// start generates the vendor's world, ending at now, and builds its
	// site on the demo's clock (the wall's once the demo is live, a past
	// instant while it replays); evolve moves the world on at a minute of
	// the live demo and says what changed.
	start func(seed int64, now time.Time, clock func() time.Time) (site simulate.Site, evolve func(time.Time) []string)
	// source is the config of the source that collects site at baseURL.
	source func(baseURL string, site simulate.Site) config.Source
}

// orgVendor is start for a vendor serving an org: gen builds the org,
// site the vendor's site for it; each minute a few issues change status
// and milestones move on.
func orgVendor(gen func(seed int64, now time.Time) *simulate.Org,
	site func(org *simulate.Org, clock func() time.Time) simulate.Site,
) func(int64, time.Time, func() time.Time) (simulate.Site, func(time.Time) []string) {
	return func(seed int64, now time.Time, clock func() time.Time) (simulate.Site, func(time.Time) []string) {
		org := gen(seed, now)
		return site(org, clock), func(at time.Time) []string {
			return append(org.Touch(at, 3), org.EvolveMilestones(at)...)
		}
	}
}

// The credentials of the simulated sites, which their sources carry.
const (
	demoJiraEmail, demoJiraToken = "demo@runway.local", "demo-token"
	demoGitHubToken              = "ghp_demo"
	demoZendeskEmail             = "demo@runway.local"
	demoZendeskToken             = "zd-demo"
)

// demoGitHubProjects are the simulated GitHub org's projects: each a
// repository runway-sim/<lower-case key>; the demo's Runway projects match
// three of them beside their Jira projects.
var demoGitHubProjects = []string{"API", "APP", "SITE", "DESK"}

// demoVendors are the vendors `runway demo` knows, in the order it serves
// them by default. A vendor's source is RUNWAY_SOURCES_<i>_* for the
// environment, i its place in --vendors.
var demoVendors = []demoVendor{
	{
		name: simulate.VendorJira, title: "Jira",
		start: orgVendor(func(seed int64, now time.Time) *simulate.Org {
			return simulate.Generate(simulate.Options{Seed: seed, Now: now})
		}, func(org *simulate.Org, now func() time.Time) simulate.Site {
			return simulate.NewJira(org, simulate.JiraOptions{Email: demoJiraEmail, Token: demoJiraToken, Now: now})
		}),
		source: func(baseURL string, _ simulate.Site) config.Source {
			return config.Source{
				Name: "demo-jira", Type: jira.Type, BaseURL: baseURL,
				TokenEnv: "RUNWAY_DEMO_JIRA_TOKEN", Token: config.Secret(demoJiraToken),
				Schedule: demoSchedule, Since: config.Span(400 * 24 * time.Hour),
				Settings: &jira.Config{Email: demoJiraEmail}, // Cloud: the simulated site speaks REST v3
			}
		},
	},
	{
		name: simulate.VendorGitHub, title: "GitHub",
		start: orgVendor(func(seed int64, now time.Time) *simulate.Org {
			return simulate.Generate(simulate.Options{Seed: seed + 1, Now: now, Projects: demoGitHubProjects,
				Vendor: simulate.VendorGitHub})
		}, func(org *simulate.Org, now func() time.Time) simulate.Site {
			return simulate.NewGitHub(org, simulate.GitHubOptions{Token: demoGitHubToken, Now: now})
		}),
		source: func(baseURL string, site simulate.Site) config.Source {
			var repos []string
			for _, p := range site.Org().Projects {
				repos = append(repos, demoRepo(p.Key))
			}
			return config.Source{
				Name: "demo-github", Type: github.Type, BaseURL: baseURL,
				TokenEnv: "RUNWAY_DEMO_GITHUB_TOKEN", Token: config.Secret(demoGitHubToken),
				Schedule: demoSchedule, Since: config.Span(400 * 24 * time.Hour),
				Settings: &github.Config{Repos: repos},
			}
		},
	},
	{
		name: simulate.VendorGitLab, title: "GitLab",
		start: orgVendor(func(seed int64, now time.Time) *simulate.Org {
			return simulate.Generate(simulate.Options{Seed: seed + 2, Now: now, Projects: demoGitLabProjects,
				Vendor: simulate.VendorGitLab})
		}, func(org *simulate.Org, now func() time.Time) simulate.Site {
			return simulate.NewGitLab(org, simulate.GitLabOptions{Token: demoGitLabToken, Group: demoGitLabGroup, Now: now})
		}),
		source: func(baseURL string, _ simulate.Site) config.Source {
			return config.Source{
				Name: "demo-gitlab", Type: gitlab.Type, BaseURL: baseURL + simulate.PathGitLabAPI,
				TokenEnv: "RUNWAY_DEMO_GITLAB_TOKEN", Token: config.Secret(demoGitLabToken),
				Schedule: demoSchedule, Since: config.Span(400 * 24 * time.Hour),
				Settings: &gitlab.Config{Groups: []string{demoGitLabGroup}, TokenType: gitlab.TokenPrivate, Iterations: true},
			}
		},
	},
	{
		name: simulate.VendorZendesk, title: "Zendesk",
		start: func(seed int64, now time.Time, clock func() time.Time) (simulate.Site, func(time.Time) []string) {
			desk := simulate.GenerateDesk(simulate.DeskOptions{Seed: seed, Now: now})
			return simulate.NewZendesk(desk, simulate.ZendeskOptions{Email: demoZendeskEmail, Token: demoZendeskToken, Now: clock}),
				func(at time.Time) []string { return desk.Evolve(seed, at) }
		},
		source: func(baseURL string, _ simulate.Site) config.Source {
			return config.Source{
				Name: "demo-zendesk", Type: zendesk.Type, BaseURL: baseURL,
				TokenEnv: "RUNWAY_DEMO_ZENDESK_TOKEN", Token: config.Secret(demoZendeskToken),
				Schedule: demoSchedule, Since: config.Span(400 * 24 * time.Hour),
				// The simulated site enforces no limit: the demo needs no pacing.
				Settings: &zendesk.Config{Email: demoZendeskEmail, RequestsPerMinute: 600},
			}
		},
	},
}

// demoGitLabGroup is the simulated GitLab group; its first project's
// milestones are the group's own.
const demoGitLabGroup = "runway-lab"

// demoGitLabProjects are the simulated GitLab group's projects.
var demoGitLabProjects = []string{"CORE", "IOS", "INFRA"}

// demoGitLabToken is the simulated GitLab's access token.
const demoGitLabToken = "glpat-demo"

// demoRepo is the simulated GitHub repository of a project.
func demoRepo(project string) string {
	return simulate.DefaultGitHubOwner + "/" + strings.ToLower(project)
}

// demoVendorNames are the names --vendors takes.
func demoVendorNames() []string {
	names := make([]string, len(demoVendors))
	for i, v := range demoVendors {
		names[i] = v.name
	}
	return names
}

// pickDemoVendors resolves --vendors: comma-separated names, in the order
// given (a repeated name counts once). An unknown name, or none, is a
// usage error that lists the known ones.
func pickDemoVendors(list string) ([]demoVendor, error) {
	known := strings.Join(demoVendorNames(), ", ")
	var out []demoVendor
	for _, name := range strings.Split(list, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		i := slices.IndexFunc(demoVendors, func(v demoVendor) bool { return v.name == name })
		switch {
		case name == "":
		case i < 0:
			return nil, fmt.Errorf("%w: --vendors: unknown vendor %q (known: %s)", errUsage, name, known)
		case !slices.ContainsFunc(out, func(v demoVendor) bool { return v.name == name }):
			out = append(out, demoVendors[i])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: --vendors names no vendor (known: %s)", errUsage, known)
	}
	return out, nil
}

// demoSite is a vendor's site, served, and what moves its world on.
type demoSite struct {
	vendor demoVendor
	url    string
	site   simulate.Site
	evolve func(time.Time) []string
}

// cmdDemo serves simulated orgs: fake vendor sites (Jira Cloud, GitHub,
// GitLab and Zendesk by default), each serving a world of its own, on
// loopback ports,
// collected by the real collectors into the embedded store (or whatever
// RUNWAY_STORAGE_DSN names), with the API and /metrics as in serve.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("runway demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Int64("seed", 42, "seed of the simulated org")
	vendorList := fs.String("vendors", strings.Join(demoVendorNames(), ","),
		"comma-separated simulated vendors to serve and collect (known: "+strings.Join(demoVendorNames(), ", ")+")")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	vendors, err := pickDemoVendors(*vendorList)
	if err != nil {
		return err
	}

	// The demo is live: its org ends now and its sites' clocks are the
	// wall's, once its past has been replayed.
	var clock demoClock
	start := time.Now().UTC().Truncate(time.Second)
	sites := make([]demoSite, 0, len(vendors))
	for _, v := range vendors {
		site, evolve := v.start(*seed, start, clock.Now)
		url, stop, err := simulate.Listen(ctx, site)
		if err != nil {
			return fmt.Errorf("serving the simulated %s: %w", v.title, err)
		}
		defer stop()
		sites = append(sites, demoSite{v, url, site, evolve})
	}
	cfg, cleanup, err := demoConfig(sites, getenv)
	defer cleanup()
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)

	a, err := openAt(ctx, cfg, log, nil, clock.Now)
	if err != nil {
		return err
	}
	defer a.close()
	if err := replayDemo(ctx, a, cfg.Sources[:len(sites)], &clock, start); err != nil {
		return err
	}
	// Keep the org moving: a few issues change status every minute, and
	// milestones are released, gain scope and have due dates moved, so the
	// scheduled incremental runs have something to pick up and milestone
	// snapshots accumulate.
	go func() {
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				now = now.UTC().Truncate(time.Second)
				for _, s := range sites {
					for _, c := range s.evolve(now) {
						log.Debug("demo org", "vendor", s.vendor.name, "change", c)
					}
				}
			}
		}
	}()
	return a.serve(ctx, func(addr string) {
		printOverview(stdout, addr)
		base := "http://" + addr
		// A chdb:// DSN is a path; a server DSN may hold a password.
		store := a.db.Backend() + " database " + a.db.Database()
		if t := cfg.Storage.Target; t.Backend() == "chdb" {
			store = t.String()
		}
		at := make([]string, len(sites))
		for i, s := range sites {
			at[i] = s.vendor.title + " at " + s.url
		}
		every := demoEvery
		if slices.ContainsFunc(cfg.Sources[:len(sites)], func(s config.Source) bool { return s.Schedule != demoSchedule }) {
			every = "on their schedules"
		}
		fmt.Fprintf(stdout, `Runway demo: simulated %s, store %s
Collecting now (and %s). Try:
  %s/api/v1/collectors
  %s/api/v1/sprints
  %s/api/v1/scope-change?entity=sprint&group_by=board
  %s/api/v1/durations?entity=sprint&group_by=board
  %s/api/v1/milestones?state=open
  %s/api/v1/projects
  %s/metrics
Press Ctrl-C to stop.
`, strings.Join(at, ", "), store, every, base, base, base, base, base, base, base)
		for _, s := range cfg.Sources[:len(sites)] {
			if _, err := a.runner.Trigger(s.Name); err != nil {
				log.Warn("starting the first collection", "source", s.Name, "err", err)
			}
		}
	})
}

// demoPast is when, before it starts, the demo collects its org: Runway
// knows only the due dates and states it has observed, so without a past a
// demo would show no due-date move and no version released late. The
// simulator lays its milestone scenarios out for these runs.
var demoPast = []time.Duration{14 * 24 * time.Hour, 7 * 24 * time.Hour}

// replayDemo collects the demo's sites as of each demoPast before start,
// the sites and the runner both on that clock, then puts the clock back on
// the wall. A failed run is reported and the demo goes on: the live runs
// collect what it missed.
func replayDemo(ctx context.Context, a *app, srcs []config.Source, clock *demoClock, start time.Time) error {
	defer clock.set(time.Time{})
	for _, ago := range demoPast {
		at := start.Add(-ago).UTC().Truncate(time.Second)
		a.log.Info("demo: collecting the org as it was", "as_of", at)
		clock.set(at)
		for _, s := range srcs {
			if _, err := a.runner.RunOnce(ctx, s.Name, nil); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				a.log.Warn("replaying the demo's past", "source", s.Name, "as_of", at, "err", err)
			}
		}
	}
	return nil
}

// demoClock is the demo's clock: the wall's, unless set to an instant.
type demoClock struct{ at atomic.Int64 } // Unix nanoseconds; 0: the wall

func (c *demoClock) set(t time.Time) {
	if t.IsZero() {
		c.at.Store(0)
		return
	}
	c.at.Store(t.UnixNano())
}

// Now is the clock's time, in UTC.
func (c *demoClock) Now() time.Time {
	if n := c.at.Load(); n != 0 {
		return time.Unix(0, n).UTC()
	}
	return time.Now().UTC()
}

// demoConfig is the demo's config: one source per served site, in site
// order, and the demo's projects, then the RUNWAY_* environment over them
// (RUNWAY_SOURCES_0_SCHEDULE sets the first site's schedule; further
// indexes add sources of the user's own), and a fresh embedded store
// unless RUNWAY_STORAGE_DSN names one. cleanup removes that store; call it
// even when err is not nil.
//
// The demo resolves no secrets: a demo source carries its site's token in
// code (its token_env, RUNWAY_DEMO_<VENDOR>_TOKEN, is only a name), so an
// added source of the user's own collects without one.
func demoConfig(sites []demoSite, getenv env) (cfg config.Config, cleanup func(), err error) {
	cleanup = func() {}
	types := sources.Registry().ConfigTypes()
	cfg = config.Default()
	cfg.Storage.DSN = "" // chosen below unless RUNWAY_STORAGE_DSN sets it
	for _, s := range sites {
		cfg.Sources = append(cfg.Sources, s.vendor.source(s.url, s.site))
	}
	// Each Runway project gathers a Jira project, a GitHub repository and
	// a GitLab project (platform: the GitLab group's own milestones), and
	// the desk's groups it answers (simulate's generated group names):
	// escalations land on the platform team, the rest on operations.
	match := func(jira, repo, gl string, groups ...string) config.ProjectMatch {
		return config.ProjectMatch{JiraProjects: []string{jira}, GitHubRepos: []string{demoRepo(repo)},
			GitLabProjects: []string{gl}, ZendeskGroups: groups}
	}
	cfg.Projects = []config.Project{
		{Key: "platform", Name: "Platform rebuild", Type: "long_term", Match: match("PLAT", "API", demoGitLabGroup, "Escalations")},
		{Key: "mobile", Name: "Mobile app", Type: "short_term", Match: match("MOB", "APP", demoGitLabGroup+"/ios")},
		{Key: "ops", Name: "Operations support", Type: "ongoing_support",
			Match: match("OPS", "DESK", demoGitLabGroup+"/infra", "Support", "Billing", "Technical")},
	}
	// The environment applies after the demo's own settings, so it
	// overrides them, as it overrides a config file's.
	if err := config.ApplyEnv(&cfg, getenv, types); err != nil {
		return cfg, cleanup, err
	}
	if cfg.Storage.DSN == "" {
		dir, err := os.MkdirTemp("", "runway-demo-")
		if err != nil {
			return cfg, cleanup, fmt.Errorf("creating demo store: %w", err)
		}
		cleanup = func() { os.RemoveAll(dir) }
		cfg.Storage.DSN = "chdb://" + filepath.Join(dir, "data")
	}
	return cfg, cleanup, cfg.Validate(types)
}
