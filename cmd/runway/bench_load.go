package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// benchEndpoints are the read endpoints bench drives: every /api/v1 report
// (lists, one of each detail, every rollup) and the overview page. The
// detail ids are the bench org's first sprint and milestone.
var benchEndpoints = []string{
	"/api/v1/sprints?limit=100",
	"/api/v1/sprints?state=closed&limit=1000",
	"/api/v1/sprints/" + benchJira + "/10000",
	"/api/v1/milestones?state=open&limit=100",
	"/api/v1/milestones/" + benchJira + "/10000",
	"/api/v1/projects",
	"/api/v1/forecast-accuracy?group_by=kind",
	"/api/v1/scope-change?entity=sprint&group_by=board",
	"/api/v1/scope-change?entity=milestone&group_by=project",
	"/api/v1/tickets/summary?group_by=priority",
	"/api/v1/support-load?group_by=project",
	"/api/v1/durations?entity=sprint&group_by=board",
	"/api/v1/durations?entity=milestone&group_by=project",
	"/api/v1/durations?entity=ticket&group_by=priority",
	"/",
}

// loadResult is one endpoint at one concurrency.
type loadResult struct {
	Path     string  `json:"path"`
	Clients  int     `json:"clients"`
	Requests int     `json:"requests"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	Errors   int     `json:"errors"`
}

// benchLoad serves the API over db and measures /metrics (cold: the
// first scrape of a fresh server, nothing computed yet; warm: the next),
// then each endpoint with each number of clients, every client making
// requests calls one after another.
func benchLoad(ctx context.Context, db warehouse.DB, now time.Time, clients []int, requests int) ([]loadResult, metricsResult, error) {
	srv := benchServer(db, now)
	defer srv.Close()
	client := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var m metricsResult
	for i, d := range []*float64{&m.ColdMs, &m.WarmMs} {
		start := time.Now() // elapsed time only
		body, code, err := benchGet(ctx, client, srv.URL+"/metrics")
		if err != nil || code != http.StatusOK {
			return nil, m, fmt.Errorf("/metrics: %d %v", code, err)
		}
		*d = ms(time.Since(start))
		if i == 0 {
			for _, l := range strings.Split(body, "\n") {
				if l != "" && !strings.HasPrefix(l, "#") {
					m.Series++
				}
			}
		}
	}
	var out []loadResult
	for _, path := range benchEndpoints {
		for _, c := range clients {
			r, err := drive(ctx, client, srv.URL+path, c, requests)
			if err != nil {
				return nil, m, err
			}
			r.Path = path
			out = append(out, r)
		}
	}
	return out, m, nil
}

// drive has n clients call url requests times each, one call after
// another, and returns the latency quantiles (nearest rank) and how many
// calls did not answer 200.
func drive(ctx context.Context, client *http.Client, url string, n, requests int) (loadResult, error) {
	clients := make([]loadClient, n)
	for i := range clients {
		clients[i] = &repeatClient{url: url, left: requests}
	}
	tally := driveLoad(ctx, client, clients)
	if err := ctx.Err(); err != nil {
		return loadResult{}, err
	}
	r := tally.result(url)
	r.Clients = n
	return r, nil
}

// The load generator: bench drives one endpoint at a time with it, the
// load test (load_test.go) every endpoint at once for a while, during
// collections, checking what each answer says.

// loadClient is one client of a load, which makes its calls one after
// another: Next says its next call (ok false: the client is done), Seen
// gets the answer (code 0 and err when there was none).
type loadClient interface {
	Next() (call loadCall, ok bool)
	Seen(url string, code int, body []byte, err error)
}

// loadCall is a GET a load client makes.
type loadCall struct {
	Endpoint string // what the call is tallied under
	URL      string
	Token    string // sent as a bearer token when set
}

// repeatClient calls url left times.
type repeatClient struct {
	url  string
	left int
}

func (c *repeatClient) Next() (loadCall, bool) {
	if c.left <= 0 {
		return loadCall{}, false
	}
	c.left--
	return loadCall{Endpoint: c.url, URL: c.url}, true
}

func (c *repeatClient) Seen(string, int, []byte, error) {}

// driveLoad runs every client in a goroutine of its own until it is done
// or ctx is, and tallies every call.
func driveLoad(ctx context.Context, client *http.Client, clients []loadClient) *loadTally {
	tally := &loadTally{lat: map[string][]time.Duration{}, codes: map[string]map[int]int{}}
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				call, ok := c.Next()
				if !ok {
					return
				}
				start := time.Now() // elapsed time only
				body, code, err := loadGet(ctx, client, call)
				took := time.Since(start)
				if ctx.Err() != nil {
					return // cut short by the end of the load, not an answer
				}
				tally.add(call.Endpoint, code, err, took)
				c.Seen(call.URL, code, []byte(body), err)
			}
		})
	}
	wg.Wait()
	return tally
}

// loadTally holds the latencies and statuses of a load's calls by
// endpoint; status 0 counts calls that got no answer.
type loadTally struct {
	mu    sync.Mutex
	lat   map[string][]time.Duration
	codes map[string]map[int]int
}

func (t *loadTally) add(endpoint string, code int, err error, took time.Duration) {
	if err != nil {
		code = 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lat[endpoint] = append(t.lat[endpoint], took)
	if t.codes[endpoint] == nil {
		t.codes[endpoint] = map[int]int{}
	}
	t.codes[endpoint][code]++
}

// endpoints lists the endpoints called, sorted.
func (t *loadTally) endpoints() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Sorted(maps.Keys(t.lat))
}

// statuses counts the calls of endpoint by status (0: no answer).
func (t *loadTally) statuses(endpoint string) map[int]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.codes[endpoint])
}

// result is endpoint's calls: how many, their latency quantiles (nearest
// rank) and how many did not answer 200.
func (t *loadTally) result(endpoint string) loadResult {
	t.mu.Lock()
	lat := slices.Clone(t.lat[endpoint])
	errs := 0
	for code, n := range t.codes[endpoint] {
		if code != http.StatusOK {
			errs += n
		}
	}
	t.mu.Unlock()
	r := loadResult{Path: endpoint, Requests: len(lat), Errors: errs}
	if len(lat) == 0 {
		return r
	}
	slices.Sort(lat)
	rank := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	r.P50Ms, r.P99Ms = ms(rank(0.5)), ms(rank(0.99))
	return r
}

func benchGet(ctx context.Context, client *http.Client, url string) (string, int, error) {
	return loadGet(ctx, client, loadCall{URL: url})
}

func loadGet(ctx context.Context, client *http.Client, call loadCall) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, call.URL, nil)
	if err != nil {
		return "", 0, err
	}
	if call.Token != "" {
		req.Header.Set("Authorization", "Bearer "+call.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode, err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
