// Package collector runs Runway's sources: it schedules them, gives each run
// a buffered Sink, commits what a run wrote (rows, then cursors) only when the
// run succeeds, records every run in the warehouse and exports collector
// health metrics.
package collector

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
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
// fails while collecting writes nothing since its last checkpoint. One that
// fails while committing (storage went away) may leave some of its rows
// written; that is harmless, because every table is idempotent and the next
// run rewrites them, and its cursors do not move, so nothing is skipped.
type Sink interface {
	// Cursor returns a cursor value stored by the last successful run or
	// checkpoint.
	Cursor(name string) (string, bool)
	// SetCursor sets a cursor, committed with the rows at the next
	// checkpoint or when the run succeeds.
	SetCursor(name, value string)
	// Write buffers rows of any table.
	Write(rows ...warehouse.Row)
	// Progress reports how far the run is, for terminal progress displays
	// (done of total units; total 0 when unknown). Optional to call.
	Progress(stage string, done, total int)
	// Checkpoint commits the rows written so far and then the cursors set
	// so far, which must be justified by those rows alone: a run that fails
	// later keeps them, and the next run resumes from there. Long backfills
	// call it every few pages; a source that never does commits once, at
	// the end.
	Checkpoint(ctx context.Context) error
	// Stored lists the entities of one kind (issues, sprints) that the
	// source has stored and not tombstoned, with the scope each was
	// collected under, ordered by id. It reads what earlier runs and this
	// run's checkpoints committed, not rows still buffered. A source
	// reconciling deletions compares it with what exists upstream and
	// writes a warehouse.Tombstone for each entity that is gone.
	Stored(ctx context.Context, kind warehouse.EntityKind) ([]warehouse.StoredEntity, error)
}

// Deps are what a source is built with.
type Deps struct {
	// NewHTTP builds an HTTP client from the options the source chooses
	// (Auth, Header, UserAgent, retry and size bounds) with the runner's
	// part filled in: the source's name, its configured base URL, the
	// transport, metrics, per-run stats and logger (see HTTPBuilder).
	NewHTTP func(httpx.Options) *httpx.Client
	Logger  *slog.Logger
	// Now is the clock a source measures its windows by (first-run reach,
	// "now" of open sprints): the runner's, so tests that pin the runner
	// pin the source too. Never nil when the runner builds the source.
	Now func() time.Time
}

// Factory builds a source of one type from its configuration.
type Factory func(cfg config.Source, deps Deps) (Source, error)

// HTTPBuilder returns a Deps.NewHTTP that completes a source's options
// with base, the runner's part: base's Source, BaseURL, HTTPClient,
// Metrics, Stats and Logger replace the source's, and base's MaxRetries and
// Sleep apply where the source leaves them unset (tests shorten retries so).
// Everything else (Auth, Header, ...) is the source's choice.
func HTTPBuilder(base httpx.Options) func(httpx.Options) *httpx.Client {
	return func(o httpx.Options) *httpx.Client {
		o.Source, o.BaseURL, o.HTTPClient = base.Source, base.BaseURL, base.HTTPClient
		o.Metrics, o.Stats, o.Logger = base.Metrics, base.Stats, base.Logger
		if o.MaxRetries == 0 {
			o.MaxRetries = base.MaxRetries
		}
		if o.Sleep == nil {
			o.Sleep = base.Sleep
		}
		return httpx.New(o)
	}
}

// batch is the Sink of one run. commit writes rows (by table, in table
// order) and then cursors; checkpoints and the end of a successful run use
// it alike.
type batch struct {
	mu       sync.Mutex
	cursors  map[string]string
	pending  map[string]string
	tables   []string // tables in first-write order
	rows     map[string][]warehouse.Row
	progress func(stage string, done, total int)
	commit   func(ctx context.Context, rows map[string][]warehouse.Row, cursors map[string]string) error
	// stored lists committed entities (Sink.Stored).
	stored func(ctx context.Context, kind warehouse.EntityKind) ([]warehouse.StoredEntity, error)
	// committed counts rows per table written by checkpoints.
	committed   map[string]int
	checkpoints int
}

func newBatch(cursors map[string]string, progress func(string, int, int),
	commit func(context.Context, map[string][]warehouse.Row, map[string]string) error,
	stored func(context.Context, warehouse.EntityKind) ([]warehouse.StoredEntity, error)) *batch {
	return &batch{cursors: cursors, pending: map[string]string{}, rows: map[string][]warehouse.Row{}, progress: progress,
		commit: commit, stored: stored, committed: map[string]int{}}
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

func (b *batch) Checkpoint(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	rows, cursors := b.rows, b.pending
	b.rows, b.pending, b.tables = map[string][]warehouse.Row{}, map[string]string{}, nil
	b.mu.Unlock()
	if err := b.commit(ctx, rows, cursors); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for t, rs := range rows {
		b.committed[t] += len(rs)
	}
	for n, v := range cursors {
		b.cursors[n] = v
	}
	b.checkpoints++
	return nil
}

func (b *batch) Stored(ctx context.Context, kind warehouse.EntityKind) ([]warehouse.StoredEntity, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return b.stored(ctx, kind)
}

// rowCounts returns rows committed by checkpoints plus those buffered, per
// table.
func (b *batch) rowCounts() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := maps.Clone(b.committed)
	for t, rs := range b.rows {
		out[t] += len(rs)
	}
	return out
}

// committedCounts returns the rows that checkpoints committed, per table.
func (b *batch) committedCounts() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return maps.Clone(b.committed)
}

// finish commits what the last checkpoint left.
func (b *batch) finish(ctx context.Context) error {
	b.mu.Lock()
	rows, cursors := b.rows, b.pending
	b.mu.Unlock()
	return b.commit(ctx, rows, cursors)
}
