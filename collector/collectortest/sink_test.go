package collectortest

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// TestMemSinkStored: seeded entities are listed by kind, sorted by id, and
// copies: a source changing what it got changes nothing.
func TestMemSinkStored(t *testing.T) {
	ctx := context.Background()
	s := NewMemSink(nil)
	if got, err := s.Stored(ctx, warehouse.KindIssue); err != nil || len(got) != 0 {
		t.Errorf("unseeded = %v, %v", got, err)
	}
	s.SetStored(warehouse.KindIssue, warehouse.StoredEntity{ID: "12", Scope: "B"}, warehouse.StoredEntity{ID: "10", Scope: "A"})
	got, err := s.Stored(ctx, warehouse.KindIssue)
	want := []warehouse.StoredEntity{{ID: "10", Scope: "A"}, {ID: "12", Scope: "B"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("stored = %v, %v; want %v", got, err, want)
	}
	got[0].ID = "x"
	if again, _ := s.Stored(ctx, warehouse.KindIssue); !reflect.DeepEqual(again, want) {
		t.Errorf("after the caller changed its copy: %v", again)
	}
	if got, _ := s.Stored(ctx, warehouse.KindSprint); len(got) != 0 {
		t.Errorf("sprints = %v, want none", got)
	}
	s.StoredErr = errors.New("storage gone")
	if _, err := s.Stored(ctx, warehouse.KindIssue); err == nil {
		t.Error("StoredErr not answered")
	}
}
