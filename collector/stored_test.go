package collector_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// runsSource runs the next of its functions on each collection.
type runsSource struct {
	name string
	runs []func(ctx context.Context, s collector.Sink) error
}

func (s *runsSource) Name() string { return s.name }
func (s *runsSource) Type() string { return "test" }
func (s *runsSource) Collect(ctx context.Context, sink collector.Sink) error {
	run := s.runs[0]
	s.runs = s.runs[1:]
	return run(ctx, sink)
}

// TestSinkStored: the runner's sink lists the source's own live entities
// as committed in the warehouse: not rows still buffered, rows a checkpoint
// committed, never another source's, and not tombstoned ones once the
// tombstone is committed with the run.
func TestSinkStored(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
		issue := func(source, id string) warehouse.Row {
			return warehouse.IssueRow{Source: source, IssueID: id, Key: "P-" + id, Project: "P", Created: at, Updated: at,
				SprintIDs: []string{}, MilestoneIDs: []string{}, Labels: []string{}, Version: 1}
		}
		ids := func(es []warehouse.StoredEntity) []string {
			out := []string{}
			for _, e := range es {
				out = append(out, e.ID+"@"+e.Scope)
			}
			return out
		}
		check := func(s collector.Sink, kind warehouse.EntityKind, want ...string) error {
			t.Helper()
			got, err := s.Stored(ctx, kind)
			if err != nil {
				return err
			}
			if want == nil {
				want = []string{}
			}
			if !reflect.DeepEqual(ids(got), want) {
				t.Errorf("stored %ss = %v, want %v", kind, ids(got), want)
			}
			return nil
		}
		src := &runsSource{name: "src", runs: []func(context.Context, collector.Sink) error{
			func(ctx context.Context, s collector.Sink) error { // run 1: a first collection
				s.Write(issue("src", "1"), issue("src", "2"),
					warehouse.SprintRow{Source: "src", SprintID: "7", BoardID: "3", State: "closed", Version: 1})
				return check(s, warehouse.KindIssue) // nothing committed yet
			},
			func(ctx context.Context, s collector.Sink) error { // run 2: sees run 1, then its checkpoint
				if err := check(s, warehouse.KindIssue, "1@P", "2@P"); err != nil {
					return err
				}
				if err := check(s, warehouse.KindSprint, "7@3"); err != nil {
					return err
				}
				s.Write(issue("src", "3"))
				if err := check(s, warehouse.KindIssue, "1@P", "2@P"); err != nil {
					return err
				}
				if err := s.Checkpoint(ctx); err != nil {
					return err
				}
				if err := check(s, warehouse.KindIssue, "1@P", "2@P", "3@P"); err != nil {
					return err
				}
				for _, tomb := range []struct {
					kind warehouse.EntityKind
					e    warehouse.StoredEntity
				}{{warehouse.KindIssue, warehouse.StoredEntity{ID: "2", Scope: "P"}}, {warehouse.KindSprint, warehouse.StoredEntity{ID: "7", Scope: "3"}}} {
					row, err := warehouse.Tombstone(tomb.kind, "src", tomb.e, at, 2)
					if err != nil {
						return err
					}
					s.Write(row)
				}
				return nil
			},
			func(ctx context.Context, s collector.Sink) error { // run 3: the tombstones are committed
				if err := check(s, warehouse.KindIssue, "1@P", "3@P"); err != nil {
					return err
				}
				return check(s, warehouse.KindSprint)
			},
		}}
		r := collector.NewRunner(db, nil, nil, collector.RunnerOptions{})
		if err := r.AddSource(src, ""); err != nil {
			t.Fatal(err)
		}
		// Another source's issue with the same id is not src's.
		if err := warehouse.InsertMixed(ctx, db, []warehouse.Row{issue("other", "9")}); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := r.RunOnce(ctx, "src", nil); err != nil {
				t.Fatal(err)
			}
		}
	})
}
