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
//   - metrics-cold: GET /metrics right after a collection: the gauges'
//     cache cold (a new Collector per request) and analytics' reading of
//     the milestones too (a new warehouse handle per request, which the
//     reading is kept per); every family refreshed from the warehouse. The
//     forecasts' process-wide memo is warm after the first request, as in
//     a running server (first-ms reports the very first one).
//   - metrics-unchanged: the same with the data unchanged since the last
//     reading (the usual scrape between two collections): the gauges'
//     cache is cold, the milestone reading is reused.
//   - milestones-open and milestones-open-fresh: GET
//     /api/v1/milestones?state=open&limit=100, one client, between
//     collections and right after one; p50-ms and p99-ms over the
//     iterations.
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
		// fresh is a new handle on the warehouse, with nothing cached.
		fresh := func() warehouse.DB { return &handle{be.DB} }
		gatherer := func(db func() warehouse.DB) prometheus.Gatherer {
			return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
				reg := prometheus.NewRegistry()
				reg.MustRegister(gauges.New(db(), nil, clock, time.Minute))
				return reg.Gather()
			})
		}
		same := func() warehouse.DB { return be.DB }
		for _, m := range []struct {
			name string
			db   func() warehouse.DB
		}{{"metrics-cold", fresh}, {"metrics-unchanged", same}} {
			srv := httptest.NewServer(api.New(api.Options{DB: be.DB, Gatherer: gatherer(m.db), Now: clock}).Handler())
			b.Cleanup(srv.Close)
			b.Run(be.Name+"/"+m.name, func(b *testing.B) {
				first := true
				var lat []time.Duration
				for b.Loop() {
					start := time.Now() // elapsed time only: latency on the real clock
					body := benchGet(b, srv.URL+"/metrics")
					lat = append(lat, time.Since(start))
					if first {
						b.ReportMetric(ms(lat[0]), "first-ms")
						series := 0
						for _, l := range splitLines(body) {
							if l != "" && !strings.HasPrefix(l, "#") {
								series++
							}
						}
						b.ReportMetric(float64(series), "series")
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
		}
		for _, m := range []struct {
			name string
			db   func() warehouse.DB
		}{{"milestones-open", same}, {"milestones-open-fresh", fresh}} {
			b.Run(be.Name+"/"+m.name, func(b *testing.B) {
				var lat []time.Duration
				for b.Loop() {
					srv := httptest.NewServer(api.New(api.Options{DB: m.db(), Now: clock}).Handler())
					start := time.Now() // elapsed time only: latency on the real clock
					body := benchGet(b, srv.URL+"/api/v1/milestones?state=open&limit=100")
					lat = append(lat, time.Since(start))
					srv.Close()
					var page struct{ Items []json.RawMessage }
					if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Items) != 100 {
						b.Fatalf("page of %d items (%v)", len(page.Items), err)
					}
				}
				report(b, lat)
			})
		}
	}
}

// handle is a warehouse handle of its own: analytics keeps its readings
// per handle, so a new one starts with nothing cached.
type handle struct{ warehouse.DB }

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
