package collectortest

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// MemSink is an in-memory collector.Sink with the runner's commit
// semantics: Checkpoint commits what was written and set so far, and a
// source's tests read what a run wrote, committed or not. Harness.Run
// also commits the rest when a run succeeds, as the runner does, so that
// Committed and CommittedRows are what the warehouse would hold.
type MemSink struct {
	mu          sync.Mutex
	cursors     map[string]string // committed: by earlier runs, then by checkpoints
	set         map[string]string // set by this run, checkpointed or pending
	pending     map[string]string
	rows        []warehouse.Row // every row this run wrote
	committed   int             // rows[:committed] are checkpointed
	progress    map[string][2]int
	checkpoints int
	// OnCheckpoint, when set, runs at each checkpoint before anything is
	// committed; an error fails the checkpoint (storage going away).
	OnCheckpoint func(n int) error
	// stored are the entities earlier runs stored (SetStored), by kind.
	stored map[warehouse.EntityKind][]warehouse.StoredEntity
	// StoredErr, when set, is what Stored answers (storage going away).
	StoredErr error
}

var _ collector.Sink = (*MemSink)(nil)

// NewMemSink returns a sink whose earlier runs committed cursors (nil:
// none, a first run).
func NewMemSink(cursors map[string]string) *MemSink {
	c := maps.Clone(cursors)
	if c == nil {
		c = map[string]string{}
	}
	return &MemSink{cursors: c, set: map[string]string{}, pending: map[string]string{}, progress: map[string][2]int{}}
}

func (s *MemSink) Cursor(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.cursors[name]
	return v, ok
}

func (s *MemSink) SetCursor(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set[name] = value
	s.pending[name] = value
}

func (s *MemSink) Write(rows ...warehouse.Row) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows = append(s.rows, rows...)
}

func (s *MemSink) Progress(stage string, done, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progress[stage] = [2]int{done, total}
}

func (s *MemSink) Checkpoint(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.OnCheckpoint != nil {
		if err := s.OnCheckpoint(s.checkpoints + 1); err != nil {
			return err
		}
	}
	s.commitLocked()
	s.checkpoints++
	return nil
}

// finish commits what the last checkpoint left, as the runner does when a
// run succeeds (Harness.Run).
func (s *MemSink) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commitLocked()
}

func (s *MemSink) commitLocked() {
	s.committed = len(s.rows)
	maps.Copy(s.cursors, s.pending)
	clear(s.pending)
}

// SetStored seeds the entities of kind that earlier runs stored and did
// not tombstone, as Stored lists them (sorted by id). Tombstones this run
// writes do not change them: read them with RowsOf.
func (s *MemSink) SetStored(kind warehouse.EntityKind, entities ...warehouse.StoredEntity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stored == nil {
		s.stored = map[warehouse.EntityKind][]warehouse.StoredEntity{}
	}
	es := slices.Clone(entities)
	slices.SortFunc(es, func(a, b warehouse.StoredEntity) int { return strings.Compare(a.ID, b.ID) })
	s.stored[kind] = es
}

// Stored lists the entities SetStored seeded.
func (s *MemSink) Stored(ctx context.Context, kind warehouse.EntityKind) ([]warehouse.StoredEntity, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.StoredErr != nil {
		return nil, s.StoredErr
	}
	return slices.Clone(s.stored[kind]), nil
}

// Set returns every cursor the run set (checkpointed or pending).
func (s *MemSink) Set() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.set)
}

// Committed returns the cursors committed so far: the earlier runs' and
// what checkpoints added.
func (s *MemSink) Committed() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.cursors)
}

// Checkpoints returns how many checkpoints the run made.
func (s *MemSink) Checkpoints() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkpoints
}

// ProgressOf returns the last progress reported for a stage.
func (s *MemSink) ProgressOf(stage string) [2]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.progress[stage]
}

// Rows returns every row the run wrote, in order.
func (s *MemSink) Rows() []warehouse.Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]warehouse.Row(nil), s.rows...)
}

// CommittedRows returns the rows checkpoints committed.
func (s *MemSink) CommittedRows() []warehouse.Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]warehouse.Row(nil), s.rows[:s.committed]...)
}

// RowsOf returns the rows of one type the run wrote, in order.
func RowsOf[T warehouse.Row](s *MemSink) []T {
	var out []T
	for _, r := range s.Rows() {
		if t, ok := r.(T); ok {
			out = append(out, t)
		}
	}
	return out
}
