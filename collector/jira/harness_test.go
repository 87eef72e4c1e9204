package jira

import (
	"net/http"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
)

// The Jira Cloud credentials newHarness signs in with unless cfg has its
// own: serve the simulator with them (simulate.JiraOptions Email, Token).
const fakeUser, fakeToken = "bot@acme.com", "s3cret"

// harness is a Jira source built the way the runner builds it
// (collectortest.Harness: its requests, sleeps, stats and clock), signed in
// as the test chose: Cloud (Basic fakeUser:fakeToken) unless cfg has a
// token and no e-mail (Data Center, Bearer). src is the source itself, for
// the tests that look inside it.
type harness struct {
	*collectortest.Harness
	src *source
}

// newHarness builds the source named acme-jira unless cfg names it, at now.
func newHarness(t testing.TB, h http.Handler, cfg config.Source, now time.Time) *harness {
	t.Helper()
	return newHarnessWith(t, h, cfg, collectortest.HarnessOptions{Now: now})
}

// newHarnessWith is newHarness with the harness's options in full.
func newHarnessWith(t testing.TB, h http.Handler, cfg config.Source, opts collectortest.HarnessOptions) *harness {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "acme-jira"
	}
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
	hs := collectortest.NewHarness(t, SourceType, cfg, h, opts)
	return &harness{Harness: hs, src: hs.Source.(*source)}
}

// jiraSource is a source config with Jira settings, for newHarness.
func jiraSource(c Config) config.Source { return config.Source{Settings: &c} }
