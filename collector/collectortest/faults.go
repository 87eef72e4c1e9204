package collectortest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/pageloop"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The upstream fault table (issue 14): one list of faults, each armed on
// a simulated site through its fault middleware, and one runner that
// proves them against a source. A source's tests bind the table to its
// simulator (FaultSource): how to build the site and the source, which
// requests the faults hit, and how its data is compared with the truth.
//
// For each fault, the runner collects a fresh site with the fault armed
// on a later page of a listing, after the run's first checkpoint. The run
// either completes with data equal to the truth, or fails with one error
// naming the faulted endpoint, keeping what its checkpoints committed and
// no cursor beyond them. Then a clean run, from the cursors the faulty
// one committed, must complete, and the rows of both equal the truth.

// FaultInjector is what the table arms faults with: the simulators'
// middleware (*simulate.Faults), named here without importing simulate,
// whose tests use this package.
type FaultInjector interface {
	FailNext(pathPrefix string, status, n int, retryAfter string)
	CorruptNext(pathPrefix, mode string)
	SlowNext(pathPrefix string, d time.Duration, n int)
	ResetNext(pathPrefix string, n int)
	CutNext(pathPrefix string, n int)
	RepeatNext(pathPrefix string, n int)
	RefuseCursorNext(pathPrefix string, n int)
	OnRequest(pathPrefix string, n int, fn func())
	// Pending is how many injected answers are still to come.
	Pending() int
	ClearFaults()
}

// FaultOutcome is how a faulty run must end.
type FaultOutcome int

const (
	// Completes: the run succeeds and its data equals the truth.
	Completes FaultOutcome = iota + 1
	// Fails: the run fails with one clear error; its checkpoints stay.
	Fails
)

func (o FaultOutcome) String() string {
	switch o {
	case Completes:
		return "completes"
	case Fails:
		return "fails"
	}
	return "unknown"
}

// Kinds of request a fault hits (FaultSource.Targets).
const (
	// TargetPage is a later page of a paged listing.
	TargetPage = "page"
	// TargetCursor is a request continuing a listing by a cursor, token
	// or page number that the server can refuse.
	TargetCursor = "cursor"
	// TargetChange is a listing read with conditional requests (ETags)
	// that changes between two of its pages.
	TargetChange = "change"
)

// FaultTarget is the request of a run a fault hits.
type FaultTarget struct {
	// Path selects the listing's requests, as the middleware's rules do:
	// a prefix, or a path ending in "$" for that path exactly.
	Path string
	// Nth is the request to Path the fault hits, 1 for the first: a
	// later page, after the run's first checkpoint.
	Nth int
	// NoCheckpoint: the run has made no checkpoint yet when the target
	// comes, so a run failing there commits nothing.
	NoCheckpoint bool
}

// FaultExpect is what a fault must lead to on a source.
type FaultExpect struct {
	Outcome FaultOutcome
	// ErrHas are texts the error of a failed run must all hold, besides
	// the faulted endpoint's path.
	ErrHas []string
	// ErrAny, when set: the error holds at least one of them.
	ErrAny []string
}

// FaultScenario is a row of the table.
type FaultScenario struct {
	Name   string
	Target string // TargetPage, TargetCursor or TargetChange
	// Arm arms the fault when the target's request arrives (before any
	// rule applies to it): path is the target's Path, change the
	// source's change between pages (TargetChange).
	Arm    func(f FaultInjector, path string, change func())
	Expect FaultExpect
	// Retries is the least number of retries the faulty run makes.
	Retries int64
	// Waits must all be among the run's waits between attempts.
	Waits []time.Duration
	// ClientTimeout bounds each HTTP request of the run.
	ClientTimeout time.Duration
	// Lingers: the fault outlasts the run (a page repeated for good);
	// every other fault must have happened in full by the run's end.
	Lingers bool
}

// faultBurst is how many answers a burst the retries outlast holds: as
// many as a harness client retries.
const faultBurst = HarnessMaxRetries

// loopRepeats is a page repeated "for good": far beyond any page bound
// a run could reach in a test.
const loopRepeats = 100_000

// slowFor and slowTimeout: an answer delayed far beyond the client's
// timeout, which is still far above an ordinary answer on a busy machine.
const (
	slowFor     = time.Minute
	slowTimeout = time.Second
)

var (
	failsRetries = FaultExpect{Outcome: Fails, ErrHas: []string{httpx.ErrRetriesExhausted.Error()}}
	failsDecode  = FaultExpect{Outcome: Fails, ErrHas: []string{"decoding response"}}
	failsLoop    = FaultExpect{Outcome: Fails, ErrAny: []string{pageloop.ErrRepeated.Error(), pageloop.ErrStale.Error()}}
)

// FaultTable is the table of upstream faults.
var FaultTable = []FaultScenario{
	{Name: "429 burst with Retry-After", Target: TargetPage, Expect: FaultExpect{Outcome: Completes},
		Retries: faultBurst, Waits: []time.Duration{7 * time.Second, 7 * time.Second, 7 * time.Second},
		Arm: func(f FaultInjector, p string, _ func()) { f.FailNext(p, http.StatusTooManyRequests, faultBurst, "7") }},
	{Name: "429 burst without Retry-After", Target: TargetPage, Expect: FaultExpect{Outcome: Completes}, Retries: faultBurst,
		Arm: func(f FaultInjector, p string, _ func()) { f.FailNext(p, http.StatusTooManyRequests, faultBurst, "") }},
	{Name: "429 beyond the retries", Target: TargetPage, Expect: failsRetries,
		Arm: func(f FaultInjector, p string, _ func()) {
			f.FailNext(p, http.StatusTooManyRequests, faultBurst+1, "1")
		}},
	{Name: "500", Target: TargetPage, Expect: FaultExpect{Outcome: Completes}, Retries: 2,
		Arm: func(f FaultInjector, p string, _ func()) { f.FailNext(p, http.StatusInternalServerError, 2, "") }},
	{Name: "502", Target: TargetPage, Expect: FaultExpect{Outcome: Completes}, Retries: 2,
		Arm: func(f FaultInjector, p string, _ func()) { f.FailNext(p, http.StatusBadGateway, 2, "") }},
	{Name: "503 with Retry-After", Target: TargetPage, Expect: FaultExpect{Outcome: Completes}, Retries: 2,
		Waits: []time.Duration{5 * time.Second, 5 * time.Second},
		Arm:   func(f FaultInjector, p string, _ func()) { f.FailNext(p, http.StatusServiceUnavailable, 2, "5") }},
	{Name: "503 beyond the retries", Target: TargetPage, Expect: failsRetries,
		Arm: func(f FaultInjector, p string, _ func()) {
			f.FailNext(p, http.StatusServiceUnavailable, faultBurst+1, "")
		}},
	{Name: "connection reset before the answer", Target: TargetPage, Expect: FaultExpect{Outcome: Completes},
		Arm: func(f FaultInjector, p string, _ func()) { f.ResetNext(p, 2) }},
	{Name: "connection reset mid-body", Target: TargetPage, Expect: FaultExpect{Outcome: Completes}, Retries: 2,
		Arm: func(f FaultInjector, p string, _ func()) { f.CutNext(p, 2) }},
	{Name: "answer slower than the client timeout", Target: TargetPage, Expect: FaultExpect{Outcome: Completes},
		Retries: 2, ClientTimeout: slowTimeout,
		Arm: func(f FaultInjector, p string, _ func()) { f.SlowNext(p, slowFor, 2) }},
	{Name: "truncated JSON", Target: TargetPage, Expect: failsDecode,
		Arm: func(f FaultInjector, p string, _ func()) { f.CorruptNext(p, "truncate") }},
	{Name: "malformed JSON (an HTML page)", Target: TargetPage, Expect: failsDecode,
		Arm: func(f FaultInjector, p string, _ func()) { f.CorruptNext(p, "html") }},
	// The target's request and the next one to the listing answer the
	// same page.
	{Name: "a page repeats once", Target: TargetPage, Expect: failsLoop,
		Arm: func(f FaultInjector, p string, _ func()) { f.RepeatNext(p, 1) }},
	{Name: "paging loop (a page repeats for good)", Target: TargetPage, Expect: failsLoop, Lingers: true,
		Arm: func(f FaultInjector, p string, _ func()) { f.RepeatNext(p, loopRepeats) }},
	{Name: "cursor refused as expired", Target: TargetCursor, Expect: FaultExpect{Outcome: Fails},
		Arm: func(f FaultInjector, p string, _ func()) { f.RefuseCursorNext(p, 1) }},
	{Name: "listing changes between pages (ETag)", Target: TargetChange, Expect: FaultExpect{Outcome: Completes},
		Arm: func(_ FaultInjector, _ string, change func()) { change() }},
}

// FaultSite is a fresh simulated site and the source under test
// collecting it, for one scenario.
type FaultSite struct {
	Faults  FaultInjector
	Harness *Harness
	// Change changes the site's listing of TargetChange (deletes an item
	// of its first page, say); nil when the source has none.
	Change func()
}

// FaultSource binds the fault table to one source and its simulator.
type FaultSource struct {
	// Name is the source (and flavour) as the report names it.
	Name string
	// New builds a fresh site and the source under test with the given
	// source name (unique per scenario) and harness options.
	New func(t *testing.T, name string, opts HarnessOptions) FaultSite
	// Targets are the requests the faults hit, by kind; a kind the
	// source lacks (no cursor to refuse, no conditional listing) is not
	// tried, and the report says so.
	Targets map[string]FaultTarget
	// Check fails t unless the rows the runs committed (each run's, in
	// run order) equal the site's truth. name is the source's name.
	Check func(t *testing.T, name string, runs [][]warehouse.Row)
	// Expect overrides the table's expectations, by scenario name.
	Expect map[string]FaultExpect
}

// FaultResult is one row of the report.
type FaultResult struct {
	Fault, Source, Outcome, Lost, Recovery string
}

// RunFaultTable proves every fault of the table against src, each in a
// subtest, and returns the report's rows.
func RunFaultTable(t *testing.T, src FaultSource) []FaultResult {
	t.Helper()
	ctx := context.Background()
	// A clean backfill: what a full run costs and where its cursors end.
	ref := src.New(t, "ref", HarnessOptions{})
	refSink := NewMemSink(nil)
	refStats, err := ref.Harness.Run(ctx, refSink)
	if err != nil {
		t.Fatalf("%s: a clean run failed: %v", src.Name, err)
	}
	src.Check(t, "ref", [][]warehouse.Row{refSink.CommittedRows()})
	var mu sync.Mutex
	var results []FaultResult
	for i, sc := range FaultTable {
		target, ok := src.Targets[sc.Target]
		if !ok {
			results = append(results, FaultResult{Fault: sc.Name, Source: src.Name, Outcome: "n/a: " + noTarget[sc.Target]})
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			r := runFault(t, src, sc, target, fmt.Sprintf("f%02d", i+1), refStats.Requests)
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		})
	}
	return results
}

// noTarget says why a source lacks a kind of target.
var noTarget = map[string]string{
	TargetCursor: "no cursor the server can refuse",
	TargetChange: "no conditional (ETag) listing",
}

func runFault(t *testing.T, src FaultSource, sc FaultScenario, target FaultTarget, name string, fullRequests int64) FaultResult {
	t.Helper()
	ctx := context.Background()
	expect := sc.Expect
	if e, ok := src.Expect[sc.Name]; ok {
		expect = e
	}
	site := src.New(t, name, HarnessOptions{ClientTimeout: sc.ClientTimeout})
	var armed atomic.Bool // set on the server's goroutine
	site.Faults.OnRequest(target.Path, target.Nth, func() {
		armed.Store(true)
		sc.Arm(site.Faults, target.Path, site.Change)
	})
	first := NewMemSink(nil)
	st, runErr := site.Harness.Run(ctx, first)
	pending := site.Faults.Pending()
	site.Faults.ClearFaults()
	if !armed.Load() {
		t.Fatalf("the run made fewer than %d requests to %s: the fault was never armed", target.Nth, target.Path)
	}
	if pending > 0 && !sc.Lingers {
		t.Errorf("%d injected answers never came: the run did not meet the fault in full", pending)
	}
	// A loop the source follows shows as requests far beyond a full run's.
	if limit := 2*fullRequests + 20; st.Requests > limit {
		t.Errorf("the faulty run made %d requests, a clean one %d", st.Requests, fullRequests)
	}
	res := FaultResult{Fault: sc.Name, Source: src.Name, Lost: "none"}
	switch expect.Outcome {
	case Completes:
		if runErr != nil {
			t.Fatalf("the run failed, want it to complete: %v", runErr)
		}
		if st.Retries < sc.Retries {
			t.Errorf("%d retries, want at least %d", st.Retries, sc.Retries)
		}
		if waits := site.Harness.Sleeps(); !containsAll(waits, sc.Waits) {
			t.Errorf("waits %v, want %v among them", waits, sc.Waits)
		}
		src.Check(t, name, [][]warehouse.Row{first.CommittedRows()})
		res.Outcome = fmt.Sprintf("completed, data exact (%d retries%s)", st.Retries, waited(site.Harness.Sleeps()))
	case Fails:
		checkFailure(t, runErr, target, expect)
		switch kept := first.Checkpoints() > 0 && len(first.CommittedRows()) > 0; {
		case target.NoCheckpoint && (first.Checkpoints() > 0 || len(first.Committed()) > 0):
			t.Errorf("the run failed with %d checkpoints, cursors %v: the fault should come before any",
				first.Checkpoints(), first.Committed())
		case !target.NoCheckpoint && !kept:
			t.Errorf("the run failed with %d checkpoints, %d rows committed: the fault should come after one",
				first.Checkpoints(), len(first.CommittedRows()))
		}
		res.Outcome = "failed: " + clip(runErr.Error())
	default:
		t.Fatalf("scenario %q: no expected outcome", sc.Name)
	}
	// The next clean run resumes from what the faulty one committed.
	second := NewMemSink(first.Committed())
	st2, err := site.Harness.Run(ctx, second)
	if err != nil {
		t.Fatalf("the clean run after the fault failed: %v", err)
	}
	src.Check(t, name, [][]warehouse.Row{first.CommittedRows(), second.CommittedRows()})
	if t.Failed() {
		res.Lost = "see the test's failures"
	}
	res.Recovery = fmt.Sprintf("next run: %d requests (a full run: %d)", st2.Requests, fullRequests)
	t.Logf("%s | %s | %s | %s", res.Source, res.Outcome, res.Lost, res.Recovery)
	return res
}

// checkFailure fails t unless err is one clear error: one line, naming
// the faulted endpoint, holding what expect asks.
func checkFailure(t *testing.T, err error, target FaultTarget, expect FaultExpect) {
	t.Helper()
	if err == nil {
		t.Fatal("the run completed, want it to fail")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("more than one error: %q", msg)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		t.Errorf("the run was cut short, not failed: %v", err)
	}
	path := strings.TrimSuffix(target.Path, "$")
	for _, want := range append([]string{path}, expect.ErrHas...) {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if len(expect.ErrAny) > 0 && !slices.ContainsFunc(expect.ErrAny, func(s string) bool { return strings.Contains(msg, s) }) {
		t.Errorf("error %q says none of %q", msg, expect.ErrAny)
	}
}

// containsAll reports whether have holds every element of want, as many
// times as want does.
func containsAll(have, want []time.Duration) bool {
	left := slices.Clone(have)
	for _, w := range want {
		i := slices.Index(left, w)
		if i < 0 {
			return false
		}
		left = slices.Delete(left, i, i+1)
	}
	return true
}

func waited(sleeps []time.Duration) string {
	var d time.Duration
	for _, s := range sleeps {
		d += s
	}
	if d == 0 {
		return ""
	}
	return ", waited " + d.Round(time.Millisecond).String()
}

// clip shortens an error for the report.
func clip(s string) string {
	if len(s) > 160 {
		return s[:157] + "..."
	}
	return s
}

// FaultReport renders results as a markdown table (fault | source |
// outcome | data lost | recovery).
func FaultReport(results []FaultResult) string {
	var b strings.Builder
	b.WriteString("| fault | source | outcome | data lost | recovery |\n|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.Fault, r.Source, strings.ReplaceAll(r.Outcome, "|", "\\|"),
			or(r.Lost, "-"), or(r.Recovery, "-"))
	}
	return b.String()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// WarehouseRuns writes the committed rows of a fault table's runs to
// databases as the runner commits them (times DateTime cannot hold made
// NULL, then table by table), each run once per source name, for sources
// whose truth is compared through the warehouse's reports.
type WarehouseRuns struct {
	DBs     []warehouse.DB
	mu      sync.Mutex
	written map[string]int // runs written, by source name
}

// Write writes the runs of source name not written yet to every database.
func (w *WarehouseRuns) Write(t testing.TB, name string, runs [][]warehouse.Row) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.written == nil {
		w.written = map[string]int{}
	}
	for _, rows := range runs[w.written[name]:] {
		byTable := map[string][]warehouse.Row{}
		for _, r := range rows {
			byTable[r.Table()] = append(byTable[r.Table()], r)
		}
		for _, db := range w.DBs {
			for _, table := range slices.Sorted(maps.Keys(byTable)) {
				fitted, _ := warehouse.FitDateTimes(byTable[table])
				if err := warehouse.InsertMixed(context.Background(), db, fitted); err != nil {
					t.Fatalf("writing %s's rows to %s: %v", name, db.Backend(), err)
				}
			}
		}
	}
	w.written[name] = len(runs)
}
