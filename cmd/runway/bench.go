package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/schollz/progressbar/v3"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/api/gauges"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// runway bench: generate a large org, write it through the warehouse
// writer the collectors use, then drive every read endpoint with
// concurrent clients over loopback and print one table (README,
// Performance, has the numbers).

// benchReport is the table, also written as JSON by --json.
type benchReport struct {
	Scale     float64        `json:"scale"`
	Backend   string         `json:"backend"`
	Size      benchSize      `json:"size"`
	Ingest    []ingestResult `json:"ingest"`
	Endpoints []loadResult   `json:"endpoints"`
	Metrics   metricsResult  `json:"metrics"`
	// ReadingsSeconds is what serve does after each collection: the
	// whole-org readings of the new data (analytics.Warm).
	ReadingsSeconds float64 `json:"readings_seconds"`
	// IngestPeakRSSMB is the process's peak while generating and writing,
	// ReadingsPeakRSSMB while making the readings, PeakRSSMB while serving
	// the requests (the peak is reset in between).
	IngestPeakRSSMB   float64 `json:"ingest_peak_rss_mb"`
	ReadingsPeakRSSMB float64 `json:"readings_peak_rss_mb"`
	PeakRSSMB         float64 `json:"peak_rss_mb"`
}

type ingestResult struct {
	Table      string  `json:"table"`
	Rows       int64   `json:"rows"`
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rows_per_second"`
	// On the server backend: clickhouse-client's time for the same rows
	// from a TabSeparated file, and Runway's rows/s over its.
	ClientSeconds float64 `json:"client_seconds,omitempty"`
	Ratio         float64 `json:"ratio_to_client,omitempty"`
}

type metricsResult struct {
	ColdMs float64 `json:"cold_ms"`
	WarmMs float64 `json:"warm_ms"`
	Series int     `json:"series"`
}

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer, _ env) error {
	fs := flag.NewFlagSet("runway bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scale := fs.Float64("scale", 1, "org size relative to the default (200 boards, 2M issues, 20k milestones, 1M tickets)")
	dsn := fs.String("dsn", "", "storage DSN to fill (default: an embedded store in a temporary folder, removed after)")
	clientsFlag := fs.String("clients", "1,8,32", "concurrent clients, comma-separated")
	requests := fs.Int("requests", 5, "requests each client makes to each endpoint")
	jsonOut := fs.String("json", "", "also write the table as JSON to this file")
	seed := fs.Int64("seed", 1, "generator seed")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 || *scale <= 0 || *scale > 10 || *requests < 1 {
		return fmt.Errorf("%w: want --scale in (0, 10], --requests ≥ 1 and no arguments", errUsage)
	}
	clients, err := parseClients(*clientsFlag)
	if err != nil {
		return err
	}
	if *dsn == "" {
		dir, err := os.MkdirTemp("", "runway-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*dsn = "chdb://" + filepath.Join(dir, "data")
	}
	db, err := warehouse.Open(ctx, *dsn)
	if err != nil {
		return fmt.Errorf("opening storage: %w", err)
	}
	defer db.Close()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	rep := benchReport{Scale: *scale, Backend: db.Backend(), Size: sizeAt(*scale)}
	bar := func(n int64, what string) *progressbar.ProgressBar {
		if *quiet {
			return progressbar.DefaultSilent(n, what)
		}
		return progressbar.NewOptions64(n, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
	}
	var tsv *tsvFiles
	if db.Backend() == "clickhouse" {
		dir, err := os.MkdirTemp("", "runway-bench-tsv-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		tsv = newTSVFiles(dir)
	}
	if rep.Ingest, err = benchIngest(ctx, db, rep.Size, now, *seed, bar, tsv); err != nil {
		return err
	}
	if tsv != nil {
		if err := tsv.close(); err != nil {
			return err
		}
		took, err := clientIngest(ctx, *dsn, tsv)
		if err != nil {
			return err
		}
		for i := range rep.Ingest {
			in := &rep.Ingest[i]
			if d := took[in.Table]; d > 0 && in.Seconds > 0 {
				in.ClientSeconds, in.Ratio = d.Seconds(), d.Seconds()/in.Seconds
			}
		}
	}
	rep.IngestPeakRSSMB = peakRSSMB()
	resetPeakRSS()
	start := time.Now() // elapsed time only
	if err := analytics.Warm(ctx, db, now, nil); err != nil {
		return err
	}
	rep.ReadingsSeconds = time.Since(start).Seconds()
	rep.ReadingsPeakRSSMB = peakRSSMB()
	resetPeakRSS()
	if rep.Endpoints, rep.Metrics, err = benchLoad(ctx, db, now, clients, *requests); err != nil {
		return err
	}
	rep.PeakRSSMB = peakRSSMB()
	printBench(stdout, rep)
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func parseClients(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 256 {
			return nil, fmt.Errorf("%w: --clients %q: want numbers from 1 to 256", errUsage, s)
		}
		out = append(out, n)
	}
	return out, nil
}

// benchIngest generates the org and writes it in batches of up to 50,000
// rows a table, timing each table's writes.
func benchIngest(ctx context.Context, db warehouse.DB, size benchSize, now time.Time, seed int64,
	bar func(int64, string) *progressbar.ProgressBar, tsv *tsvFiles) ([]ingestResult, error) {
	const batch = 50_000
	pending := map[string][]warehouse.Row{}
	took := map[string]time.Duration{}
	rows := map[string]int64{}
	flush := func(table string) error {
		rs := pending[table]
		if len(rs) == 0 {
			return nil
		}
		start := time.Now() // elapsed time only
		if err := warehouse.InsertMixed(ctx, db, rs); err != nil {
			return err
		}
		took[table] += time.Since(start)
		rows[table] += int64(len(rs))
		pending[table] = rs[:0]
		return nil
	}
	add := func(rs []warehouse.Row) error {
		for _, r := range rs {
			if tsv != nil {
				if err := tsv.add(r); err != nil {
					return err
				}
			}
			t := r.Table()
			pending[t] = append(pending[t], r)
			if len(pending[t]) >= batch {
				if err := flush(t); err != nil {
					return err
				}
			}
		}
		return nil
	}
	pb := bar(int64(size.Boards), "boards ")
	for b := range size.Boards {
		if err := add(benchBoard(b, size, now, seed)); err != nil {
			return nil, err
		}
		_ = pb.Add(1)
	}
	pb = bar(int64(size.Tickets), "tickets")
	for from := 0; from < size.Tickets; from += 10_000 {
		to := min(from+10_000, size.Tickets)
		if err := add(benchTickets(from, to, size.Tickets, now, seed)); err != nil {
			return nil, err
		}
		_ = pb.Add(to - from)
	}
	var out []ingestResult
	for _, t := range slices.Sorted(maps.Keys(pending)) {
		if err := flush(t); err != nil {
			return nil, err
		}
		r := ingestResult{Table: t, Rows: rows[t], Seconds: took[t].Seconds()}
		if r.Seconds > 0 {
			r.RowsPerSec = float64(r.Rows) / r.Seconds
		}
		out = append(out, r)
	}
	return out, nil
}

// benchServer is the API as serve wires it (gauges on a registry of
// their own), on a loopback listener. Its clock starts at now and runs
// with the wall's, as a server's does: answers shared within a second are
// shared only by the requests of that second.
func benchServer(db warehouse.DB, now time.Time) *httptest.Server {
	reg := prometheus.NewRegistry()
	start := time.Now() // elapsed time only
	clock := func() time.Time { return now.Add(time.Since(start)) }
	reg.MustRegister(gauges.New(db, slog.New(slog.DiscardHandler), clock, time.Minute))
	return httptest.NewServer(api.New(api.Options{DB: db, Gatherer: reg, Now: clock}).Handler())
}

func printBench(w io.Writer, r benchReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "runway bench: scale %g on %s: %d boards × %d sprints, %d issues, %d milestones, %d tickets\n\n",
		r.Scale, r.Backend, r.Size.Boards, r.Size.SprintsPerBoard, r.Size.Boards*r.Size.IssuesPerBoard,
		r.Size.Boards*r.Size.MilestonesPerBoard, r.Size.Tickets)
	fmt.Fprintln(tw, "ingest\trows\tseconds\trows/s\tclickhouse-client s\tratio\t")
	for _, i := range r.Ingest {
		client, ratio := "-", "-"
		if i.Ratio > 0 {
			client, ratio = fmt.Sprintf("%.2f", i.ClientSeconds), fmt.Sprintf("%.2f", i.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.0f\t%s\t%s\t\n", i.Table, i.Rows, i.Seconds, i.RowsPerSec, client, ratio)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(tw, "endpoint\tclients\trequests\tp50 ms\tp99 ms\terrors\t")
	for _, e := range r.Endpoints {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.1f\t%d\t\n", e.Path, e.Clients, e.Requests, e.P50Ms, e.P99Ms, e.Errors)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nreadings after ingest (what serve does after a collection): %.2f s\n", r.ReadingsSeconds)
	fmt.Fprintf(w, "/metrics: cold %.0f ms, warm %.0f ms, %d series\n", r.Metrics.ColdMs, r.Metrics.WarmMs, r.Metrics.Series)
	fmt.Fprintf(w, "peak RSS: ingest %.0f MB, readings %.0f MB, serving the requests %.0f MB\n",
		r.IngestPeakRSSMB, r.ReadingsPeakRSSMB, r.PeakRSSMB)
}

// resetPeakRSS starts a new peak (Linux: 5 to clear_refs resets VmHWM);
// where it cannot, the serving peak includes the ingest's.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMB is the process's peak resident set (VmHWM), in MB; 0 where
// /proc does not tell.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
