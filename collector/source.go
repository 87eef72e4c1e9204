// Package collector runs Runway's sources: it schedules them, gives each run
// a buffered Sink, commits what a run wrote (rows, then cursors) only when the
// run succeeds, records every run in the warehouse and exports collector
// health metrics.
package collector

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// Source collects one upstream system (a Jira site, a GitHub org...).
type Source interface {
	// Name is the configured source name, unique in a deployment.
	Name() string
	// Type is the source type: jira, github, gitlab or zendesk.
	Type() string
	// Collect fetches what changed since the sink's cursors and writes rows
	// and new cursor values to the sink. An error fails the run: nothing it
	// wrote is committed and no cursor moves.
	Collect(ctx context.Context, sink Sink) error
}

// Sink receives one run's output. Rows and cursors are buffered and
// committed after Collect returns nil: rows first, cursors last. A run that
// fails while collecting writes nothing. One that fails while committing
// (storage went away) may leave some of its rows written; that is harmless,
// because every table is idempotent and the next run rewrites them, and
// its cursors do not move, so nothing is skipped.
type Sink interface {
	// Cursor returns a cursor value stored by the last successful run.
	Cursor(name string) (string, bool)
	// SetCursor sets a cursor, committed only if the run succeeds.
	SetCursor(name, value string)
	// Write buffers rows of any table.
	Write(rows ...warehouse.Row)
	// Progress reports how far the run is, for terminal progress displays
	// (done of total units; total 0 when unknown). Optional to call.
	Progress(stage string, done, total int)
}

// Deps are what a source is built with.
type Deps struct {
	// HTTP is a client configured for this source: base URL, auth, retries,
	// metrics and per-run stats already set up.
	HTTP   *httpx.Client
	Logger *slog.Logger
	// Now is the clock a source measures its windows by (first-run reach,
	// "now" of open sprints): the runner's, so tests that pin the runner
	// pin the source too. Never nil when the runner builds the source.
	Now func() time.Time
}

// Factory builds a source of one type from its configuration.
type Factory func(cfg config.Source, deps Deps) (Source, error)

// batch is the Sink of one run.
type batch struct {
	mu       sync.Mutex
	cursors  map[string]string
	pending  map[string]string
	tables   []string // tables in first-write order
	rows     map[string][]warehouse.Row
	progress func(stage string, done, total int)
}

func newBatch(cursors map[string]string, progress func(string, int, int)) *batch {
	return &batch{cursors: cursors, pending: map[string]string{}, rows: map[string][]warehouse.Row{}, progress: progress}
}

func (b *batch) Cursor(name string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.cursors[name]
	return v, ok
}

func (b *batch) SetCursor(name, value string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending[name] = value
}

func (b *batch) Write(rows ...warehouse.Row) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range rows {
		t := r.Table()
		if _, ok := b.rows[t]; !ok {
			b.tables = append(b.tables, t)
		}
		b.rows[t] = append(b.rows[t], r)
	}
}

func (b *batch) Progress(stage string, done, total int) {
	if b.progress != nil {
		b.progress(stage, done, total)
	}
}

// rowCounts returns rows buffered per table, sorted by table name.
func (b *batch) rowCounts() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int, len(b.rows))
	for t, rs := range b.rows {
		out[t] = len(rs)
	}
	return out
}

func (b *batch) sortedTables() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := slices.Clone(b.tables)
	slices.Sort(t)
	return t
}
