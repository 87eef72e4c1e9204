package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/simulate"
)

// The demo's org collected and asked in-process on a pinned clock: the
// cluster and idempotency tests compare every answer of one collection
// with another's.

// demoNow is when the in-process demo org (cluster and idempotency tests) ends.
var demoNow = collectortest.Now(time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC))

// demoAnswers are the API's answers by request path.
type demoAnswers map[string]string

// pastOf are the demo's replayed instants before now.
func pastOf(now time.Time) []time.Time {
	var out []time.Time
	for _, ago := range demoPast {
		out = append(out, now.Add(-ago))
	}
	return out
}

// pinnedDemoApp is the demo's app (its four simulated sites, sources and
// projects) on dsn, its sites and runner on the clock it returns, and its
// API, on demoNow, served.
func pinnedDemoApp(t *testing.T, ctx context.Context, dsn, cluster string) (*app, *collectortest.Clock, *httptest.Server, func()) {
	t.Helper()
	clock := collectortest.NewClock(demoNow)
	var sites []demoSite
	var stops []func()
	for _, v := range demoVendors {
		site, evolve := v.start(7, demoNow, clock.Now)
		u, stop, err := simulate.Listen(ctx, site)
		if err != nil {
			t.Fatal(err)
		}
		stops = append(stops, stop)
		sites = append(sites, demoSite{v, u, site, evolve})
	}
	env := config.MapEnv{"RUNWAY_STORAGE_DSN": dsn}
	if cluster != "" {
		env["RUNWAY_STORAGE_CLUSTER"] = cluster
	}
	cfg, cleanup, err := demoConfig(sites, env)
	stops = append(stops, cleanup)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(tLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := openAt(ctx, cfg, log, nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{DB: a.db, Runner: a.runner, Logger: log, Gatherer: a.reg,
		Now: func() time.Time { return demoNow }, Kinds: a.kinds, SLA: slaTargets(cfg.SLA)}).Handler())
	return a, clock, srv, func() {
		srv.Close()
		a.close()
		for _, s := range slices.Backward(stops) {
			s()
		}
	}
}

// sitesOf replaces the simulated sites' addresses (a new port each time
// they are served) in answers that link to them with the source's name.
func sitesOf(a *app) *strings.Replacer {
	var pairs []string
	for _, s := range a.cfg.Sources {
		u, err := url.Parse(s.BaseURL)
		if err != nil {
			panic(err)
		}
		pairs = append(pairs, u.Scheme+"://"+u.Host, "site:"+s.Name)
	}
	return strings.NewReplacer(pairs...)
}

// askEvery asks the API every report question (every page of every list,
// and, with details, every sprint's and milestone's detail) and returns
// the answers by path, with the sites' addresses replaced.
func askEvery(t *testing.T, base string, sites *strings.Replacer, details bool) demoAnswers {
	t.Helper()
	out := demoAnswers{}
	ask := func(p string) string {
		code, body := fetch(t, base+p)
		if code != http.StatusOK {
			t.Errorf("GET %s: %d %s", p, code, body)
		}
		out[p] = sites.Replace(body)
		return body
	}
	for _, p := range []string{
		"/api/v1/projects", "/api/v1/forecast-accuracy", "/api/v1/forecast-accuracy?group_by=kind",
		"/api/v1/scope-change?entity=sprint&group_by=board", "/api/v1/scope-change?entity=sprint&group_by=month",
		"/api/v1/scope-change?entity=milestone&group_by=project", "/api/v1/scope-change?entity=milestone&group_by=kind",
		"/api/v1/tickets/summary", "/api/v1/tickets/summary?group_by=priority", "/api/v1/tickets/summary?group_by=group",
		"/api/v1/support-load", "/api/v1/support-load?group_by=month",
		"/api/v1/durations?entity=sprint&group_by=board", "/api/v1/durations?entity=sprint&group_by=state",
		"/api/v1/durations?entity=milestone&group_by=project", "/api/v1/durations?entity=milestone&group_by=kind",
		"/api/v1/durations?entity=project&group_by=type", "/api/v1/durations?entity=ticket&group_by=priority",
		"/ui/overview",
	} {
		ask(p)
	}
	for _, list := range []struct{ path, detail string }{
		{"/api/v1/sprints?limit=50", "/api/v1/sprints/"}, {"/api/v1/milestones?limit=50", "/api/v1/milestones/"},
	} {
		p := list.path
		for p != "" {
			var page struct {
				Items []struct {
					Source string `json:"source"`
					ID     string `json:"id"`
				} `json:"items"`
				Next string `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(ask(p)), &page); err != nil {
				t.Fatalf("GET %s: %v", p, err)
			}
			for _, it := range page.Items {
				if !details {
					break
				}
				ask(list.detail + url.PathEscape(it.Source) + "/" + url.PathEscape(it.ID))
			}
			p = ""
			if page.Next != "" {
				p = list.path + "&cursor=" + url.QueryEscape(page.Next)
			}
		}
	}
	return out
}

// compareAnswers fails for every question the two warehouses answer
// differently.
func compareAnswers(t *testing.T, what string, want, got demoAnswers) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d answers, want %d", what, len(got), len(want))
	}
	diffs := 0
	for p, w := range want {
		if g, ok := got[p]; !ok || g != w {
			if diffs++; diffs <= 5 {
				t.Errorf("%s: GET %s\n got  %s\n want %s", what, p, clip(g, 600), clip(w, 600))
			}
		}
	}
	if diffs > 0 {
		t.Errorf("%s: %d of %d answers differ", what, diffs, len(want))
	} else {
		t.Logf("%s: all %d answers equal", what, len(want))
	}
}

// fetch GETs u and returns the status and body (status 0 when the
// request failed).
func fetch(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err.Error()
	}
	return resp.StatusCode, string(b)
}

// clip shortens s for a failure message.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// tLog writes a log to the test's.
type tLog struct{ t *testing.T }

func (w tLog) Write(p []byte) (int, error) { w.t.Log(strings.TrimSpace(string(p))); return len(p), nil }
