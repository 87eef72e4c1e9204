package main

import (
	"context"
	"fmt"
	"io"
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
	var (
		mu   sync.Mutex
		lat  []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	for range n {
		wg.Go(func() {
			for range requests {
				start := time.Now() // elapsed time only
				_, code, err := benchGet(ctx, client, url)
				d := time.Since(start)
				mu.Lock()
				lat = append(lat, d)
				if err != nil || code != http.StatusOK {
					errs++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return loadResult{}, err
	}
	slices.Sort(lat)
	rank := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	return loadResult{Clients: n, Requests: len(lat), P50Ms: ms(rank(0.5)), P99Ms: ms(rank(0.99)), Errors: errs}, nil
}

func benchGet(ctx context.Context, client *http.Client, url string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", 0, err
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
