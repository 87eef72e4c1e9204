package jira_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/jira"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// These tests run the whole slice: simulated Jira → Jira source → runner →
// ClickHouse (both backends) → sprint report SQL, and compare the reports
// with the generator's own truth, computed in plain Go from its event list.

func TestMain(m *testing.M) { os.Exit(whtest.Main(m)) }

const simEmail, simToken, simPAT = "bot@acme.test", "sim-token", "sim-personal-access-token"

// flavour is how the source reaches the simulated Jira.
type flavour struct {
	name   string
	email  string // Cloud: Basic auth with e-mail and API token
	token  string // Data Center: the simulator's bearer token
	search string // the search endpoint
}

var (
	cloud      = flavour{name: "cloud", email: simEmail, token: simToken, search: simulate.PathSearch}
	dataCenter = flavour{name: "datacenter", token: simPAT, search: simulate.PathSearchDC}
)

type slice struct {
	org    *simulate.Org
	site   *simulate.Jira
	runner *collector.Runner
	db     warehouse.DB
	clock  time.Time
}

// newSlice builds the slice for a generated org; zone is the simulated Jira
// user's time zone ("" for UTC).
func newSlice(t testing.TB, db warehouse.DB, opts simulate.Options, pageSize int, fl flavour, zone string) *slice {
	t.Helper()
	return newSliceWith(t, db, opts, pageSize, fl, zone, jira.SourceType.New)
}

func newSliceWith(t testing.TB, db warehouse.DB, opts simulate.Options, pageSize int, fl flavour, zone string, factory collector.Factory) *slice {
	t.Helper()
	return newSliceSettings(t, db, opts, pageSize, fl, zone, factory, &jira.Config{Email: fl.email})
}

// newSliceReconciling builds the slice with a source that reconciles
// deletions every `every`.
func newSliceReconciling(t testing.TB, db warehouse.DB, opts simulate.Options, pageSize int, fl flavour, every time.Duration) *slice {
	t.Helper()
	return newSliceSettings(t, db, opts, pageSize, fl, "", jira.SourceType.New,
		&jira.Config{Email: fl.email, Reconcile: config.Span(every)})
}

// newSliceSettings builds the slice with the source's Jira settings.
func newSliceSettings(t testing.TB, db warehouse.DB, opts simulate.Options, pageSize int, fl flavour, zone string,
	factory collector.Factory, settings *jira.Config) *slice {
	t.Helper()
	ctx := context.Background()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	s := &slice{db: db, clock: opts.Now}
	s.org = simulate.Generate(opts)
	s.site = simulate.NewJira(s.org, simulate.JiraOptions{Email: simEmail, Token: simToken, BearerToken: simPAT,
		PageSize: pageSize, TimeZone: zone, Now: func() time.Time { return s.clock }})
	srv := httptest.NewServer(s.site)
	t.Cleanup(srv.Close)
	s.runner = collector.NewRunner(db, nil, collector.NewMetrics(prometheus.NewRegistry()),
		collector.RunnerOptions{Now: func() time.Time { return s.clock }})
	err := s.runner.Add(config.Source{Name: "sim", Type: "jira", BaseURL: srv.URL, Settings: settings,
		Token: config.Secret(fl.token), Since: config.Span(400 * 24 * time.Hour)}, factory)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkTruth compares every sprint's report with the generator's truth.
func (s *slice) checkTruth(t *testing.T, now time.Time) {
	t.Helper()
	reports, err := analytics.Sprints(context.Background(), s.db, analytics.SprintFilter{Now: now, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	truths := s.org.AllSprintTruths(now)
	if len(reports) != len(truths) {
		t.Fatalf("%d sprint reports, generator has %d sprints", len(reports), len(truths))
	}
	var withAdds, withRemovals, withCarry int
	for _, r := range reports {
		tr, ok := truths[r.ID]
		if !ok {
			t.Errorf("sprint %s not in the generator", r.ID)
			continue
		}
		got := fmt.Sprintf("C=%d A=%d R=%d D=%d carried=%d", r.Committed, r.Added, r.Removed, r.Completed, r.CarriedOver)
		want := fmt.Sprintf("C=%d A=%d R=%d D=%d carried=%d", tr.Committed, tr.Added, tr.Removed, tr.Completed, tr.CarriedOver)
		if got != want {
			t.Errorf("sprint %s (%s, %s): %s, truth %s", r.ID, r.Name, r.State, got, want)
		}
		// Points: estimates at t0, at entry and at t1, whatever was
		// re-estimated since (the org re-estimates closed sprints' work).
		gotPts := fmt.Sprintf("C=%g A=%g R=%g D=%g", r.CommittedPoints, r.AddedPoints, r.RemovedPoints, r.CompletedPoints)
		wantPts := fmt.Sprintf("C=%g A=%g R=%g D=%g", tr.CommittedPoints, tr.AddedPoints, tr.RemovedPoints, tr.CompletedPoints)
		if gotPts != wantPts {
			t.Errorf("sprint %s (%s) points: %s, truth %s", r.ID, r.Name, gotPts, wantPts)
		}
		if !sameRate(r.ScopeChangeRate, tr.ScopeChangeRate()) || !sameRate(r.PlanningAccuracy, tr.PlanningAccuracy()) ||
			!sameRate(r.CompletionRate, tr.CompletionRate()) {
			t.Errorf("sprint %s rates: scope %v/%v planning %v/%v completion %v/%v", r.ID,
				fp(r.ScopeChangeRate), fp(tr.ScopeChangeRate()), fp(r.PlanningAccuracy), fp(tr.PlanningAccuracy()),
				fp(r.CompletionRate), fp(tr.CompletionRate()))
		}
		if tr.Added > 0 {
			withAdds++
		}
		if tr.Removed > 0 {
			withRemovals++
		}
		if tr.CarriedOver > 0 {
			withCarry++
		}
	}
	// The comparison means something only if the org has scope changes.
	if withAdds == 0 || withRemovals == 0 || withCarry == 0 {
		t.Errorf("org too tame: %d sprints with additions, %d with removals, %d with carry-over", withAdds, withRemovals, withCarry)
	}
}

func sameRate(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	d := *a - *b
	return d < 1e-9 && d > -1e-9
}

func fp(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprintf("%.4f", *p)
}

// simNow is the default clock of the generated orgs (RUNWAY_TEST_NOW
// moves it).
var simNow = collectortest.Now(time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC))

// TestSprintReportsEqualGeneratorTruth runs the slice against Jira Cloud
// and Jira Data Center, into both backends.
func TestSprintReportsEqualGeneratorTruth(t *testing.T) {
	for _, fl := range []flavour{cloud, dataCenter} {
		t.Run(fl.name, func(t *testing.T) { testSprintReportsEqualGeneratorTruth(t, fl, simNow, "") })
	}
}

// TestSprintReportsOnManyDays is the date guard of the whole slice: the same
// run and report comparison on days spread over a year (month ends, a leap
// day, DST switches read in the Jira user's zone), on both backends.
func TestSprintReportsOnManyDays(t *testing.T) {
	for _, d := range collectortest.Days {
		t.Run(d.Name, func(t *testing.T) { testSprintReportsEqualGeneratorTruth(t, cloud, d.Now, d.Zone) })
	}
}

func testSprintReportsEqualGeneratorTruth(t *testing.T, fl flavour, now time.Time, zone string) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		s := newSlice(t, db, simulate.Options{Seed: 11, Now: now, Teams: 3, Months: 6, IssuesPerSprint: 10}, 40, fl, zone)
		// One rate limit and one server error on the way: both retried.
		s.site.FailNext(fl.search, http.StatusTooManyRequests, 1, "1")
		s.site.FailNext(simulate.PathBoard, http.StatusInternalServerError, 1, "")

		res, err := s.runner.RunOnce(ctx, "sim", nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Retries != 2 {
			t.Errorf("retries = %d, want 2 (one 429, one 500)", res.Retries)
		}
		if n := s.site.Requests()[fl.search]; n < 4 {
			t.Errorf("%d search requests: want ≥ 3 pages plus the 429", n)
		}
		fetched := 0 // requests for the full changelogs of issues whose embedded one is truncated
		for p, n := range s.site.Requests() {
			if fl == dataCenter && strings.HasPrefix(p, simulate.PathIssueDC) || fl == cloud && p == simulate.PathBulkFetch {
				fetched += n
			}
			if strings.HasSuffix(p, "/changelog") {
				t.Errorf("%s: %d requests for one issue's changelog", p, n)
			}
		}
		// The org's ping-pong issue has more histories than a page embeds.
		if fetched == 0 {
			t.Error("no full changelog fetched: the default embed limit truncates the ping-pong issue's")
		}
		s.checkTruth(t, now)

		// Incremental: an hour later five issues change; the next run asks
		// only for issues updated since the cursor and the reports follow.
		cur, err := collector.LoadCursors(ctx, db, "sim")
		if err != nil {
			t.Fatal(err)
		}
		cursor, err := time.Parse(time.RFC3339, cur[jira.CursorIssues])
		if err != nil {
			t.Fatal(err)
		}
		later := now.Add(time.Hour)
		s.clock = later
		touched := s.org.Touch(later.Add(-time.Minute), 5)
		s.site.ResetRequests()
		res, err = s.runner.RunOnce(ctx, "sim", nil)
		if err != nil {
			t.Fatal(err)
		}
		// Exactly the issues updated since the JQL's date literal, read in
		// the Jira user's zone: the touched ones, the cursor's overlap, and
		// near a daylight-saving change the two hours the window widens by.
		jqls := s.site.SearchJQLs()
		m := regexp.MustCompile(`updated >= "([^"]+)"`).FindStringSubmatch(strings.Join(jqls, "\n"))
		if len(jqls) != 1 || m == nil {
			t.Fatalf("incremental JQL = %v", jqls)
		}
		loc := time.UTC
		if zone != "" {
			if loc, err = time.LoadLocation(zone); err != nil {
				t.Fatal(err)
			}
		}
		from, err := time.ParseInLocation("2006-01-02 15:04", m[1], loc)
		if err != nil {
			t.Fatal(err)
		}
		if lo, hi := cursor.Add(-5*time.Minute-2*time.Hour-time.Minute), cursor.Add(-5*time.Minute); from.Before(lo) || from.After(hi) {
			t.Errorf("incremental search from %v; want within [%v, %v] of the cursor %v", from, lo, hi, cursor)
		}
		want := 0
		for _, is := range s.org.Issues {
			if !is.Updated.Before(from) {
				want++
			}
		}
		if got := res.Rows["issues"]; got != want || got < len(touched) {
			t.Errorf("incremental run wrote %d issues; %d were updated since %s (%d of them touched)", got, want, from, len(touched))
		}
		s.checkTruth(t, later)
	})
}

// TestMalformedPayloadCommitsNothing: a corrupt page fails the run with an
// error naming the endpoint; no row of the failed run is visible and the
// cursor stays where the last good run left it.
func TestMalformedPayloadCommitsNothing(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		now := simNow
		s := newSlice(t, db, simulate.Options{Seed: 5, Now: now, Teams: 2, Months: 3, IssuesPerSprint: 8}, 20, cloud, "")
		s.site.CorruptNext(simulate.PathSearch, simulate.CorruptTruncate)
		_, err := s.runner.RunOnce(ctx, "sim", nil)
		if err == nil || !strings.Contains(err.Error(), simulate.PathSearch) {
			t.Fatalf("error = %v, want one naming %s", err, simulate.PathSearch)
		}
		for _, table := range []string{"issues", "sprints", "boards", "membership_intervals", "cursors"} {
			if n := whtest.Count(t, db, table); n != 0 {
				t.Errorf("failed run left %d rows in %s", n, table)
			}
		}
		if _, err := s.runner.RunOnce(ctx, "sim", nil); err != nil {
			t.Fatal(err)
		}
		issues := whtest.Count(t, db, "issues")
		cur, _ := collector.LoadCursors(ctx, db, "sim")
		// A corrupt page in the second run changes nothing either.
		s.clock = now.Add(time.Hour)
		s.org.Touch(now.Add(50*time.Minute), 3)
		s.site.CorruptNext(simulate.PathSearch, simulate.CorruptWrongTypes)
		if _, err := s.runner.RunOnce(ctx, "sim", nil); err == nil {
			t.Fatal("corrupt page did not fail the run")
		}
		cur2, _ := collector.LoadCursors(ctx, db, "sim")
		if whtest.Count(t, db, "issues") != issues || cur2[jira.CursorIssues] != cur[jira.CursorIssues] {
			t.Errorf("failed incremental run moved data or cursor: %v → %v", cur, cur2)
		}
		s.checkTruth(t, now)
	})
}

// TestKilledBackfillResumesFromCheckpoint: a first backfill cancelled at
// 60 % of its search pages keeps its checkpoints; the next run resumes
// from the last one (it does not start over) and ends with exactly the
// rows of an uninterrupted backfill.
func TestKilledBackfillResumesFromCheckpoint(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		opts := simulate.Options{Seed: 11, Now: simNow, Teams: 3, Months: 6, IssuesPerSprint: 10}
		const pageSize, every = 10, 3
		other := whtest.ServerDB(t)
		if db.Backend() == "chdb" {
			other = whtest.EmbeddedDB(t)
		}
		ref := newSliceWith(t, other, opts, pageSize, cloud, "", jira.CheckpointEvery(every))
		if _, err := ref.runner.RunOnce(ctx, "sim", nil); err != nil {
			t.Fatal(err)
		}
		pages := ref.site.Requests()[cloud.search]
		if pages < 30 {
			t.Fatalf("%d search pages: too few to mean much", pages)
		}

		s := newSliceWith(t, db, opts, pageSize, cloud, "", jira.CheckpointEvery(every))
		killCtx, kill := context.WithCancel(ctx)
		defer kill()
		s.site.OnSearch(pages*6/10, kill)
		if _, err := s.runner.RunOnce(killCtx, "sim", nil); err == nil || !strings.Contains(err.Error(), "checkpoint") {
			t.Fatalf("killed run: %v, want a failure that kept its checkpoints", err)
		}
		cur, err := collector.LoadCursors(ctx, db, "sim")
		if err != nil || cur[jira.CursorIssues] == "" {
			t.Fatalf("after the kill: cursors %v (%v), want the last checkpoint's", cur, err)
		}
		if n, all := whtest.Count(t, db, "issues"), whtest.Count(t, other, "issues"); n == 0 || n >= all {
			t.Errorf("after the kill: %d of %d issues kept, want some", n, all)
		}

		s.site.ResetRequests()
		if _, err := s.runner.RunOnce(ctx, "sim", nil); err != nil {
			t.Fatal(err)
		}
		n := s.site.Requests()[cloud.search]
		if n >= pages*6/10 {
			t.Errorf("resumed run made %d search requests, the whole backfill %d: it started over", n, pages)
		}
		t.Logf("uninterrupted: %d search pages; killed at %d; resumed with %d", pages, pages*6/10, n)
		for _, table := range []string{"boards", "sprints", "statuses", "issues", "issue_status_changes",
			"membership_events", "membership_intervals"} {
			if got, want := dump(t, db, table), dump(t, other, table); got != want {
				t.Errorf("%s after resuming differs from an uninterrupted backfill:\n got %d bytes\nwant %d bytes", table, len(got), len(want))
			}
		}
		s.checkTruth(t, simNow)
	})
}

// dump renders a table's rows (without the version column) in a stable
// order, to compare two databases.
func dump(t testing.TB, db warehouse.DB, table string) string {
	t.Helper()
	var cols []string
	for _, r := range warehouse.AllRows() {
		if r.Table() == table {
			for _, c := range warehouse.Columns(r) {
				if c != "version" {
					cols = append(cols, c)
				}
			}
		}
	}
	if len(cols) == 0 {
		t.Fatalf("no row type for table %s", table)
	}
	list := strings.Join(cols, ", ")
	rows, err := db.Query(context.Background(), "SELECT "+list+" FROM {db}."+table+" FINAL ORDER BY "+list)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, vals...)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// BenchmarkCollectSite: a full collection of a large simulated site
// (≈ 20,000 issues, 300 sprints) into each backend. Reports requests, rows
// and rows/s of the whole run (fetch, map and commit), and run-live-heap-MB,
// the live Go heap the run held above what was live before it, for the
// site and one twice its size (…/double): the runner commits every 20
// search pages.
func BenchmarkCollectSite(b *testing.B) {
	for _, be := range whtest.Backends(b) {
		for _, size := range []struct {
			name    string
			perTeam int
		}{{"site", 80}, {"double", 160}} {
			b.Run(be.Name+"/"+size.name, func(b *testing.B) { benchCollectSite(b, be.DB, size.perTeam) })
		}
	}
}

func benchCollectSite(b *testing.B, db warehouse.DB, issuesPerSprint int) {
	now := simNow
	for range b.N {
		s := newSlice(b, db, simulate.Options{Seed: 1, Now: now, Teams: 13, Months: 12, IssuesPerSprint: issuesPerSprint}, 100, cloud, "")
		// A full run: no cursor from an earlier size or iteration. The
		// simulated site builds its indexes on its first requests: a first
		// full run builds them, so the measured one counts the collector's
		// memory only.
		fresh := func() {
			if err := db.Exec(context.Background(), "TRUNCATE TABLE {db}.cursors"); err != nil {
				b.Fatal(err)
			}
		}
		fresh()
		if _, err := s.runner.RunOnce(context.Background(), "sim", nil); err != nil {
			b.Fatal(err)
		}
		fresh()
		b.ResetTimer()
		var res collector.RunResult
		var err error
		start := time.Now() // elapsed time only: the run's own clock is the simulated one
		heap := collectortest.RunHeap(func() { res, err = s.runner.RunOnce(context.Background(), "sim", nil) })
		wall := time.Since(start).Seconds()
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(heap, "run-live-heap-MB")
		b.ReportMetric(float64(len(s.org.Issues)), "issues")
		b.ReportMetric(float64(len(s.org.Sprints)), "sprints")
		b.ReportMetric(float64(res.Requests), "requests")
		b.ReportMetric(float64(res.TotalRows()), "rows")
		b.ReportMetric(float64(res.TotalRows())/wall, "rows/s")
	}
}
