package jira

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/httpx"
)

// The Jira Cloud credentials newHarness signs in with unless cfg has its
// own: serve the simulator with them (simulate.JiraOptions Email, Token).
const fakeUser, fakeToken = "bot@acme.com", "s3cret"

// harness is a Jira source built the way the runner builds it: by the
// registered factory (SourceType.New), whose HTTP client comes from
// collector.HTTPBuilder with the test server as base URL and transport. The
// source picks its own auth: Cloud (Basic fakeUser:fakeToken) unless cfg
// has a token and no e-mail (Data Center, Bearer). requests logs every
// request the source made.
type harness struct {
	src      *source
	stats    *httpx.Stats
	requests *collectortest.RequestLog
	mu       sync.Mutex
	sleeps   []time.Duration
}

func newHarness(t *testing.T, h http.Handler, cfg config.Source, now time.Time) *harness {
	t.Helper()
	hs := &harness{stats: &httpx.Stats{}, requests: collectortest.LogRequests(h)}
	srv := httptest.NewServer(hs.requests)
	t.Cleanup(srv.Close)
	if cfg.Name == "" {
		cfg.Name = "acme-jira"
	}
	cfg.Type, cfg.BaseURL = Type, srv.URL
	var jc Config
	if c, ok := cfg.Settings.(*Config); ok && c != nil {
		jc = *c
	}
	switch {
	case jc.Email == "" && cfg.Token == "":
		jc.Email, cfg.Token = fakeUser, fakeToken
	case cfg.Token == "":
		cfg.Token = fakeToken
	}
	cfg.Settings = &jc
	deps := collector.Deps{
		NewHTTP: collector.HTTPBuilder(httpx.Options{
			Source: cfg.Name, BaseURL: cfg.BaseURL, HTTPClient: srv.Client(), Stats: hs.stats, MaxRetries: 3,
			Sleep: func(ctx context.Context, d time.Duration) error {
				hs.mu.Lock()
				defer hs.mu.Unlock()
				hs.sleeps = append(hs.sleeps, d)
				return ctx.Err()
			},
		}),
		Now: func() time.Time { return now },
	}
	s, err := SourceType.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	hs.src = s.(*source)
	return hs
}

// jiraSource is a source config with Jira settings, for newHarness.
func jiraSource(c Config) config.Source { return config.Source{Settings: &c} }
