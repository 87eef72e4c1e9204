package collector_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// The ping source type exists only here. It is the whole of what a new
// source type is: a config type with its own keys and checks, a factory
// that builds its client (choosing its own auth and headers), and a Source;
// registering it is one line (the Registry below; collector/sources in the
// build).

// pingConfig is the ping type's own key.
type pingConfig struct {
	// Channel is sent as X-Ping-Channel with every request.
	Channel string `yaml:"channel"`
}

var channelRE = regexp.MustCompile(`^[a-z]+$`)

func (c *pingConfig) Validate() []string {
	if !channelRE.MatchString(c.Channel) {
		return []string{fmt.Sprintf("channel: %s: want lowercase letters", config.Quote(c.Channel))}
	}
	return nil
}

var pingType = collector.SourceType{
	Name:     "ping",
	Settings: func() config.Settings { return &pingConfig{Channel: "general"} }, // its default
	New:      newPing,
}

type pingSource struct {
	name string
	http *httpx.Client
}

func newPing(cfg config.Source, deps collector.Deps) (collector.Source, error) {
	c, ok := cfg.Settings.(*pingConfig)
	if !ok {
		return nil, fmt.Errorf("ping: settings are a %T", cfg.Settings)
	}
	hc := deps.NewHTTP(httpx.Options{
		Auth:   httpx.HeaderAuth("X-Ping-Token", cfg.Token.Reveal()),
		Header: http.Header{"X-Ping-Channel": {c.Channel}},
	})
	return &pingSource{name: cfg.Name, http: hc}, nil
}

func (s *pingSource) Name() string { return s.name }
func (s *pingSource) Type() string { return "ping" }
func (s *pingSource) Collect(ctx context.Context, sink collector.Sink) error {
	var out struct {
		Pong string `json:"pong"`
	}
	if _, err := s.http.GetJSON(ctx, "/ping", nil, &out); err != nil {
		return err
	}
	sink.SetCursor("pong", out.Pong)
	return nil
}

// TestSourceTypeSeam: a source type defined outside the runner and the
// config loader is loaded from YAML by its type's name with its own key
// (defaulted, overridable from the environment, validated, strict), built
// by the runner through its factory, and makes its request with the auth
// and header it chose, counted in the run.
func TestSourceTypeSeam(t *testing.T) {
	var mu sync.Mutex
	var got []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Clone())
		mu.Unlock()
		if r.URL.Path != "/ping" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"pong":"42"}`)
	}))
	defer srv.Close()

	reg := collector.Registry{pingType}
	types := reg.ConfigTypes()
	source := "sources:\n  - {name: pinger, type: ping, base_url: %q, token_env: PING_TOKEN, schedule: \"@hourly\"%s}\n"
	load := func(extra string, env config.MapEnv) (config.Config, error) {
		path := filepath.Join(t.TempDir(), "runway.yaml")
		if err := os.WriteFile(path, fmt.Appendf(nil, source, srv.URL, extra), 0o600); err != nil {
			t.Fatal(err)
		}
		env["PING_TOKEN"] = "ping-secret"
		return config.Load(path, env, types)
	}
	channel := func(cfg config.Config) string { return cfg.Sources[0].Settings.(*pingConfig).Channel }

	if cfg, err := load("", config.MapEnv{}); err != nil || channel(cfg) != "general" {
		t.Fatalf("default: %v, %v", cfg.Sources, err)
	}
	if cfg, err := load(", channel: blue", config.MapEnv{"RUNWAY_SOURCES_0_CHANNEL": "green"}); err != nil || channel(cfg) != "green" {
		t.Fatalf("from the environment: %v, %v", cfg.Sources, err)
	}
	for _, tc := range []struct{ name, extra, want string }{
		{"bad value", `, channel: "Not OK"`, `sources[0].channel: "Not OK": want lowercase letters`},
		{"unknown key", ", colour: red", "line 2: field colour not found in type ping (ping has: channel; every source has: name, type,"},
		{"another type's key", ", projects: [PLAT]", "line 2: field projects not found in type ping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := load(tc.extra, config.MapEnv{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := config.Load("", config.MapEnv{"RUNWAY_SOURCES_0_NAME": "x", "RUNWAY_SOURCES_0_TYPE": "jira"}, types); err == nil ||
		!strings.Contains(err.Error(), `sources[0].type: unknown source type "jira" (want one of ping)`) {
		t.Errorf("a type this registry lacks: %v", err)
	}

	cfg, err := load(", channel: blue", config.MapEnv{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db := whtest.ServerDB(t)
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	r := collector.NewRunner(db, nil, collector.NewMetrics(prometheus.NewRegistry()), collector.RunnerOptions{HTTPClient: srv.Client()})
	st, ok := reg.Lookup(cfg.Sources[0].Type)
	if !ok {
		t.Fatal("ping not in its registry")
	}
	if err := r.Add(cfg.Sources[0], st.New); err != nil {
		t.Fatal(err)
	}
	res, err := r.RunOnce(ctx, "pinger", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 1 {
		t.Errorf("run counted %d requests, want 1", res.Requests)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Get("X-Ping-Channel") != "blue" || got[0].Get("X-Ping-Token") != "ping-secret" || got[0].Get("Authorization") != "" {
		t.Errorf("requests = %v", got)
	}
	cursors, err := collector.LoadCursors(ctx, db, "pinger")
	if err != nil || cursors["pong"] != "42" {
		t.Errorf("cursors = %v, %v", cursors, err)
	}
}
