package collectortest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The pager source type exists only here: it reads /items page by page
// (since its "seen" cursor, else a day before now), writes a row per item,
// checkpoints the page cursor after each page and sets "seen" to now at
// the end. Its client sends the token and the team it chose.

type pagerConfig struct {
	Team string `yaml:"team"`
	// Retries, when set, is the source's own retry bound.
	Retries int `yaml:"retries"`
}

func (c *pagerConfig) Validate() []string {
	if c.Team == "" {
		return []string{"team: empty"}
	}
	return nil
}

var pagerType = collector.SourceType{
	Name:     "pager",
	Settings: func() config.Settings { return &pagerConfig{Team: "core"} },
	New:      newPager,
}

type itemRow struct{ ID string }

func (itemRow) Table() string { return "items" }

type pager struct {
	name string
	http *httpx.Client
	log  *slog.Logger
	now  func() time.Time
}

func newPager(cfg config.Source, deps collector.Deps) (collector.Source, error) {
	c, ok := cfg.Settings.(*pagerConfig)
	if !ok || cfg.Type != "pager" || deps.Now == nil || deps.Logger == nil {
		return nil, fmt.Errorf("pager: type %q, settings %T, now set %v, logger set %v",
			cfg.Type, cfg.Settings, deps.Now != nil, deps.Logger != nil)
	}
	if problems := c.Validate(); len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	hc := deps.NewHTTP(httpx.Options{
		Auth:       httpx.HeaderAuth("X-Pager-Token", cfg.Token.Reveal()),
		Header:     http.Header{"X-Pager-Team": {c.Team}},
		MaxRetries: c.Retries,
	})
	return &pager{name: cfg.Name, http: hc, log: deps.Logger, now: deps.Now}, nil
}

func (p *pager) Name() string { return p.name }
func (p *pager) Type() string { return "pager" }

func (p *pager) Collect(ctx context.Context, sink collector.Sink) error {
	now := p.now()
	since := now.Add(-24 * time.Hour).Format(time.RFC3339)
	if v, ok := sink.Cursor("seen"); ok {
		since = v
	}
	for page := 1; ; page++ {
		var out struct {
			Items []string `json:"items"`
			Last  bool     `json:"last"`
		}
		q := url.Values{"page": {strconv.Itoa(page)}, "since": {since}}
		if _, err := p.http.GetJSON(ctx, "/items", q, &out); err != nil {
			return err
		}
		for _, id := range out.Items {
			sink.Write(itemRow{ID: id})
		}
		sink.SetCursor("page", strconv.Itoa(page))
		if err := sink.Checkpoint(ctx); err != nil {
			return err
		}
		if out.Last {
			break
		}
	}
	sink.SetCursor("seen", now.Format(time.RFC3339))
	p.log.Info("pager: collected", "pager", p.name)
	return nil
}

// pagerSite serves pages of items: page n holds pages[n-1], the last one
// says so. faults[n] are the statuses page n answers first, in order, each
// with Retry-After: 1 (429s: 2). It counts the body bytes it wrote.
type pagerSite struct {
	pages  [][]string
	mu     sync.Mutex
	faults map[int][]int
	bytes  int64
}

func (s *pagerSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if r.URL.Path != "/items" || err != nil || n < 1 || n > len(s.pages) {
		s.write(w, http.StatusNotFound, "no such page\n")
		return
	}
	s.mu.Lock()
	var fault int
	if f := s.faults[n]; len(f) > 0 {
		fault, s.faults[n] = f[0], f[1:]
	}
	s.mu.Unlock()
	switch fault {
	case 0:
		body, _ := json.Marshal(map[string]any{"items": s.pages[n-1], "last": n == len(s.pages)})
		w.Header().Set("Content-Type", "application/json")
		s.write(w, http.StatusOK, string(body))
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "2")
		s.write(w, fault, "slow down\n")
	default:
		w.Header().Set("Retry-After", "1")
		s.write(w, fault, "unavailable\n")
	}
}

func (s *pagerSite) write(w http.ResponseWriter, code int, body string) {
	s.mu.Lock()
	s.bytes += int64(len(body))
	s.mu.Unlock()
	w.WriteHeader(code)
	fmt.Fprint(w, body)
}

func (s *pagerSite) written() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

var harnessNow = time.Date(2027, 3, 14, 7, 30, 0, 0, time.UTC)

func threePages(faults map[int][]int) *pagerSite {
	return &pagerSite{pages: [][]string{{"a", "b"}, {"c", "d"}, {"e"}}, faults: faults}
}

func ids(rows []warehouse.Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.(itemRow).ID)
	}
	return out
}

// TestHarnessWiresTheSourceAsTheRunner: the type's factory builds the
// source from the config completed as the loader completes it (type,
// default settings) with the test server as base URL; its requests carry
// the auth and headers it chose; the 429 and the 503 are retried after the
// waits they asked for, recorded and not slept; Stats, metrics and the
// request log count every attempt; Run commits everything of a run that
// succeeds, and the next run reads the clock the test moved.
func TestHarnessWiresTheSourceAsTheRunner(t *testing.T) {
	site := threePages(map[int][]int{2: {http.StatusTooManyRequests}, 3: {http.StatusServiceUnavailable}})
	h := collectortest.NewHarness(t, pagerType, config.Source{Name: "pager-1", Token: "t0k"}, site,
		collectortest.HarnessOptions{Now: harnessNow})
	if h.Source.Name() != "pager-1" || h.Source.Type() != "pager" || !strings.HasPrefix(h.URL, "http://127.0.0.1:") {
		t.Fatalf("source %s of type %s at %s", h.Source.Name(), h.Source.Type(), h.URL)
	}

	sink := collectortest.NewMemSink(nil)
	run, err := h.Run(context.Background(), sink)
	if err != nil {
		t.Fatal(err)
	}
	since := harnessNow.Add(-24 * time.Hour).Format(time.RFC3339)
	var got []string
	for _, r := range h.Requests.Requests() {
		got = append(got, r.Method+" "+r.Path+"?"+r.Query.Encode())
		if tok, team := r.Header.Get("X-Pager-Token"), r.Header.Get("X-Pager-Team"); tok != "t0k" || team != "core" {
			t.Errorf("%s %s?%s: token %q, team %q; want t0k and the default team, core", r.Method, r.Path, r.Query.Encode(), tok, team)
		}
		if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "runway/") {
			t.Errorf("User-Agent %q", ua)
		}
	}
	q := "&since=" + url.QueryEscape(since)
	want := []string{"GET /items?page=1" + q, "GET /items?page=2" + q, "GET /items?page=2" + q,
		"GET /items?page=3" + q, "GET /items?page=3" + q}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requests:\n got %q\nwant %q", got, want)
	}
	if s := h.Sleeps(); !reflect.DeepEqual(s, []time.Duration{2 * time.Second, time.Second}) {
		t.Errorf("sleeps %v, want the 429's 2s then the 503's 1s", s)
	}
	wantRun := httpx.StatsSnapshot{Requests: 5, Retries: 2, Bytes: site.written()}
	if run != wantRun || h.Stats.Snapshot() != wantRun {
		t.Errorf("run counted %+v, stats %+v; want %+v", run, h.Stats.Snapshot(), wantRun)
	}
	for _, m := range []struct {
		name string
		got  float64
		want float64
	}{
		{"requests 200", testutil.ToFloat64(h.Metrics.Requests.WithLabelValues("pager-1", "200")), 3},
		{"requests 429", testutil.ToFloat64(h.Metrics.Requests.WithLabelValues("pager-1", "429")), 1},
		{"requests 503", testutil.ToFloat64(h.Metrics.Requests.WithLabelValues("pager-1", "503")), 1},
		{"retries 429", testutil.ToFloat64(h.Metrics.Retries.WithLabelValues("pager-1", "429")), 1},
		{"retries 5xx", testutil.ToFloat64(h.Metrics.Retries.WithLabelValues("pager-1", "5xx")), 1},
		{"bytes", testutil.ToFloat64(h.Metrics.ResponseBytes.WithLabelValues("pager-1")), float64(site.written())},
	} {
		if m.got != m.want {
			t.Errorf("metric %s = %v, want %v", m.name, m.got, m.want)
		}
	}
	wantCursors := map[string]string{"page": "3", "seen": harnessNow.Format(time.RFC3339)}
	if c := sink.Committed(); !reflect.DeepEqual(c, wantCursors) {
		t.Errorf("committed cursors %v, want %v", c, wantCursors)
	}
	if r := ids(sink.CommittedRows()); !reflect.DeepEqual(r, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("committed rows %v", r)
	}
	if n := sink.Checkpoints(); n != 3 {
		t.Errorf("%d checkpoints, want one a page", n)
	}

	// An hour later the next run starts from what this one committed; its
	// share of the stats is its own.
	later := h.Clock.Add(time.Hour)
	next := collectortest.NewMemSink(sink.Committed())
	run, err = h.Run(context.Background(), next)
	if err != nil {
		t.Fatal(err)
	}
	reqs := h.Requests.Requests()[len(want):]
	if len(reqs) != 3 || reqs[0].Query.Get("since") != harnessNow.Format(time.RFC3339) {
		t.Errorf("second run's requests: %v", reqs)
	}
	if run.Requests != 3 || run.Retries != 0 || h.Stats.Snapshot().Requests != 8 || len(h.Sleeps()) != 2 {
		t.Errorf("second run counted %+v (stats %+v, sleeps %v); want 3 requests, no retry", run, h.Stats.Snapshot(), h.Sleeps())
	}
	if c := next.Committed()["seen"]; c != later.Format(time.RFC3339) {
		t.Errorf("second run's seen cursor %q, want the moved clock's %s", c, later.Format(time.RFC3339))
	}
}

// TestHarnessSettingsAndLogger: settings given are the source's own (not
// the defaults), and the logger gets what the source logs, with no source
// attribute added.
func TestHarnessSettingsAndLogger(t *testing.T) {
	logs := &collectortest.LogBuffer{}
	h := collectortest.NewHarness(t, pagerType, config.Source{Name: "pager-2", Settings: &pagerConfig{Team: "blue"}},
		threePages(nil), collectortest.HarnessOptions{Now: harnessNow, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if _, err := h.Run(context.Background(), collectortest.NewMemSink(nil)); err != nil {
		t.Fatal(err)
	}
	for _, r := range h.Requests.Requests() {
		if team := r.Header.Get("X-Pager-Team"); team != "blue" {
			t.Errorf("team %q, want blue", team)
		}
	}
	if out := logs.String(); !strings.Contains(out, "msg=\"pager: collected\" pager=pager-2\n") || strings.Contains(out, "source=") {
		t.Errorf("log:\n%s", out)
	}
}

// TestHarnessRunFails: a run that fails keeps its checkpoints only (rows
// and cursors), whether a request failed or its context ended after
// Collect returned; one past its configured timeout fails before any
// request.
func TestHarnessRunFails(t *testing.T) {
	t.Run("a request fails", func(t *testing.T) {
		site := threePages(map[int][]int{3: {http.StatusBadRequest}})
		h := collectortest.NewHarness(t, pagerType, config.Source{Name: "p"}, site, collectortest.HarnessOptions{Now: harnessNow})
		sink := collectortest.NewMemSink(nil)
		run, err := h.Run(context.Background(), sink)
		if !httpx.IsStatus(err, http.StatusBadRequest) {
			t.Fatalf("err = %v, want the unretried 400", err)
		}
		if run != (httpx.StatsSnapshot{Requests: 3, Bytes: site.written()}) || len(h.Sleeps()) != 0 {
			t.Errorf("run counted %+v, sleeps %v", run, h.Sleeps())
		}
		if c := sink.Committed(); !reflect.DeepEqual(c, map[string]string{"page": "2"}) {
			t.Errorf("committed cursors %v, want page 2's checkpoint", c)
		}
		if r := ids(sink.CommittedRows()); !reflect.DeepEqual(r, []string{"a", "b", "c", "d"}) {
			t.Errorf("committed rows %v", r)
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		h := collectortest.NewHarness(t, pagerType, config.Source{Name: "p"}, threePages(nil), collectortest.HarnessOptions{Now: harnessNow})
		sink := collectortest.NewMemSink(nil)
		sink.OnCheckpoint = func(n int) error {
			if n == 3 {
				cancel() // after the last page: Collect still returns nil
			}
			return nil
		}
		if _, err := h.Run(ctx, sink); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "collection interrupted") {
			t.Fatalf("err = %v, want the run interrupted", err)
		}
		if c := sink.Committed(); !reflect.DeepEqual(c, map[string]string{"page": "3"}) {
			t.Errorf("committed cursors %v: seen is set after the last checkpoint and must not be committed", c)
		}
		if s := sink.Set(); s["seen"] == "" {
			t.Errorf("the source did not set seen: %v", s)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		h := collectortest.NewHarness(t, pagerType, config.Source{Name: "p", Timeout: config.Span(time.Nanosecond)},
			threePages(nil), collectortest.HarnessOptions{Now: harnessNow})
		run, err := h.Run(context.Background(), collectortest.NewMemSink(nil))
		if !errors.Is(err, context.DeadlineExceeded) || run != (httpx.StatsSnapshot{}) || len(h.Requests.Requests()) != 0 {
			t.Errorf("err = %v, run %+v, %d requests; want the deadline before any request", err, run, len(h.Requests.Requests()))
		}
	})
}

// TestHarnessRetryBound: the runner's bound (HarnessMaxRetries unless the
// options say) applies where the source sets none; the source's own wins.
func TestHarnessRetryBound(t *testing.T) {
	for _, tc := range []struct {
		name          string
		opts, source  int
		wantAttempts  int
		wantSleepsLen int
	}{
		{"default", 0, 0, 1 + collectortest.HarnessMaxRetries, collectortest.HarnessMaxRetries},
		{"options", 1, 0, 2, 1},
		{"never", -1, 0, 1, 0},
		{"the source's own", 1, 4, 5, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			site := threePages(map[int][]int{1: {503, 503, 503, 503, 503, 503, 503, 503}})
			h := collectortest.NewHarness(t, pagerType, config.Source{Name: "p", Settings: &pagerConfig{Team: "x", Retries: tc.source}},
				site, collectortest.HarnessOptions{Now: harnessNow, MaxRetries: tc.opts})
			_, err := h.Run(context.Background(), collectortest.NewMemSink(nil))
			if !errors.Is(err, httpx.ErrRetriesExhausted) {
				t.Errorf("err = %v, want retries exhausted", err)
			}
			if n := len(h.Requests.Requests()); n != tc.wantAttempts || h.Stats.Requests.Load() != int64(n) {
				t.Errorf("%d requests (stats %d), want %d", n, h.Stats.Requests.Load(), tc.wantAttempts)
			}
			sleeps := h.Sleeps()
			if len(sleeps) != tc.wantSleepsLen || h.Stats.Retries.Load() != int64(len(sleeps)) {
				t.Errorf("sleeps %v (retries %d), want %d", sleeps, h.Stats.Retries.Load(), tc.wantSleepsLen)
			}
			for _, d := range sleeps {
				if d != time.Second {
					t.Errorf("slept %v, want the 503's Retry-After: 1s", d)
				}
			}
		})
	}
}

// TestClock: a clock stands still until moved, and is safe to read while
// another goroutine moves it.
func TestClock(t *testing.T) {
	c := collectortest.NewClock(harnessNow)
	if got := c.Now(); !got.Equal(harnessNow) {
		t.Fatalf("Now = %v", got)
	}
	if got := c.Add(90 * time.Minute); !got.Equal(harnessNow.Add(90*time.Minute)) || !c.Now().Equal(got) {
		t.Errorf("Add = %v, Now = %v", got, c.Now())
	}
	c.Set(harnessNow.Add(-time.Hour))
	if got := c.Now(); !got.Equal(harnessNow.Add(-time.Hour)) {
		t.Errorf("after Set: %v", got)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				c.Add(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), harnessNow.Add(-time.Hour+400*time.Second); !got.Equal(want) {
		t.Errorf("after 400 concurrent seconds: %v, want %v", got, want)
	}
}
