package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/api/gauges"
	"github.com/runway-analytics/runway/api/gauges/gaugestest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// Scale of BenchmarkMilestonesAtScale: the milestones issue's target org.
const benchBoards, benchMilestones = 500, 5000

// BenchmarkMilestonesAtScale serves 5,000 open milestones over 500 boards
// (gaugestest.SeedScale: 100,000 milestone issues, 2,500 sprints) on each
// backend and measures, over loopback HTTP:
//
//   - metrics-cold: GET /metrics with the gauges' cache cold (a new
//     Collector per request), every family refreshed; the forecasts'
//     process-wide memo is warm after the first request, as in a running
//     server (first-ms reports the very first one).
//   - milestones-open: GET /api/v1/milestones?state=open&limit=100, one
//     client; p50-ms and p99-ms over the iterations.
func BenchmarkMilestonesAtScale(b *testing.B) {
	ctx := context.Background()
	now := gaugestest.Now
	for _, be := range whtest.Backends(b) {
		if _, err := warehouse.Migrate(ctx, be.DB, nil); err != nil {
			b.Fatal(err)
		}
		if err := gaugestest.SeedScale(ctx, be.DB, benchBoards, benchMilestones); err != nil {
			b.Fatal(err)
		}
		clock := func() time.Time { return now }
		cold := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
			reg := prometheus.NewRegistry()
			reg.MustRegister(gauges.New(be.DB, nil, clock, time.Minute))
			return reg.Gather()
		})
		srv := httptest.NewServer(api.New(api.Options{DB: be.DB, Gatherer: cold, Now: clock}).Handler())
		b.Cleanup(srv.Close)

		b.Run(be.Name+"/metrics-cold", func(b *testing.B) {
			first := true
			var lat []time.Duration
			for b.Loop() {
				start := time.Now() // elapsed time only: latency on the real clock
				body := benchGet(b, srv.URL+"/metrics")
				lat = append(lat, time.Since(start))
				if first {
					b.ReportMetric(ms(lat[0]), "first-ms")
					first = false
				}
				for _, f := range gauges.Families {
					if !slices.Contains(splitLines(body), `runway_gauges_scrape_success{family="`+f+`"} 1`) {
						b.Fatalf("family %s did not succeed:\n%.2000s", f, body)
					}
				}
			}
			report(b, lat)
		})
		b.Run(be.Name+"/milestones-open", func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				start := time.Now() // elapsed time only: latency on the real clock
				body := benchGet(b, srv.URL+"/api/v1/milestones?state=open&limit=100")
				lat = append(lat, time.Since(start))
				var page struct{ Items []json.RawMessage }
				if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Items) != 100 {
					b.Fatalf("page of %d items (%v)", len(page.Items), err)
				}
			}
			report(b, lat)
		})
	}
}

func benchGet(b *testing.B, url string) string {
	b.Helper()
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v %.500s", url, resp.StatusCode, err, body)
	}
	return string(body)
}

// report adds the p50 and p99 latencies (nearest rank) to the benchmark.
func report(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	rank := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	b.ReportMetric(ms(rank(0.5)), "p50-ms")
	b.ReportMetric(ms(rank(0.99)), "p99-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func splitLines(s string) []string { return strings.Split(s, "\n") }
