package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestBenchSmall runs `runway bench` on a tiny org (one board, the
// smallest scale) and checks that it completes with sane numbers: the
// rows it wrote are the generator's (worked out from sizeAt: 1 board of
// 130 sprints, 1,000 issues, 10 milestones with 2 snapshots each, 500
// tickets with 2 SLA events each), every endpoint answered every call
// with 200 at every concurrency, and /metrics has series. Timings are
// reported, never asserted.
func TestBenchSmall(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bench.json")
	code, stdout, stderr := runway(t, cleanEnv(t, "CHDB_LIB_PATH="+os.Getenv("CHDB_LIB_PATH")),
		"bench", "--scale", "0.0005", "--clients", "1,2", "--requests", "1", "--quiet", "--json", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.HasPrefix(stdout, "runway bench: scale 0.0005 on chdb: 1 boards × 130 sprints, 1000 issues, 10 milestones, 500 tickets") {
		t.Errorf("table:\n%s", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep benchReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	for _, i := range rep.Ingest {
		rows[i.Table] = i.Rows
		if i.Rows > 0 && (i.Seconds <= 0 || i.RowsPerSec <= 0) {
			t.Errorf("ingest of %s: %+v", i.Table, i)
		}
	}
	for table, want := range map[string]int64{"boards": 1, "projects": 1, "sprints": 130, "issues": 1000,
		"membership_intervals": 2000, "milestones": 10, "milestone_snapshots": 20, "tickets": 500,
		"ticket_metric_events": 1000} {
		if rows[table] != want {
			t.Errorf("%s: %d rows written, want %d", table, rows[table], want)
		}
	}
	// Every issue enters its sprint once and moves to In Progress once;
	// removals and completions add to those.
	if rows["membership_events"] < 1000 || rows["issue_status_changes"] < 1000 {
		t.Errorf("events: %d membership, %d status changes; want at least one per issue", rows["membership_events"], rows["issue_status_changes"])
	}
	if len(rep.Endpoints) != 2*len(benchEndpoints) {
		t.Fatalf("%d endpoint results, want %d", len(rep.Endpoints), 2*len(benchEndpoints))
	}
	for _, e := range rep.Endpoints {
		if e.Errors != 0 || e.Requests != e.Clients || e.P50Ms <= 0 || e.P99Ms < e.P50Ms {
			t.Errorf("endpoint %+v", e)
		}
	}
	if rep.Metrics.Series == 0 || rep.Metrics.ColdMs <= 0 || rep.PeakRSSMB <= 0 || rep.IngestPeakRSSMB <= 0 || rep.ReadingsPeakRSSMB <= 0 || rep.ReadingsSeconds <= 0 {
		t.Errorf("metrics %+v, peak RSS %v MB (ingest %v MB), readings %v s", rep.Metrics, rep.PeakRSSMB, rep.IngestPeakRSSMB, rep.ReadingsSeconds)
	}
}

// TestBenchServerRatio runs the smallest bench on the ClickHouse server:
// clickhouse-client inserts the same rows from TabSeparated files into a
// copy of the schema, which then holds exactly the rows Runway wrote, and
// every table with rows gets a ratio.
func TestBenchServerRatio(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bench.json")
	dsn := serverDSN(t)
	code, stdout, stderr := runway(t, cleanEnv(t), "bench", "--dsn", dsn, "--scale", "0.0005", "--clients", "1",
		"--requests", "1", "--quiet", "--json", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep benchReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path += "_client"
	db, err := warehouse.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, i := range rep.Ingest {
		if i.Ratio <= 0 || i.ClientSeconds <= 0 {
			t.Errorf("%s: no ratio: %+v", i.Table, i)
		}
		if n := whtest.Count(t, db, i.Table); int64(n) != i.Rows {
			t.Errorf("%s: clickhouse-client wrote %d rows, Runway %d", i.Table, n, i.Rows)
		}
	}
	if len(rep.Ingest) < 10 {
		t.Errorf("%d tables ingested", len(rep.Ingest))
	}
}
