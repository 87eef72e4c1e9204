package pageloop

import (
	"errors"
	"testing"
	"time"
)

func TestGuard(t *testing.T) {
	var g Guard
	for _, next := range []string{"a", "b", "", ""} {
		if err := g.Follow(next); err != nil {
			t.Fatalf("Follow(%q): %v", next, err)
		}
	}
	if err := g.Follow("a"); !errors.Is(err, ErrRepeated) {
		t.Errorf("a again: %v, want ErrRepeated", err)
	}
	g.Reset()
	if err := g.Follow("a"); err != nil {
		t.Errorf("a after Reset: %v", err)
	}
}

func TestNotBefore(t *testing.T) {
	from := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		from, updated time.Time
		stale         bool
	}{
		{from, from, false},
		{from, from.Add(time.Second), false},
		{from, from.Add(-time.Second), true},
		{time.Time{}, from, false},
	} {
		err := NotBefore(c.from, 3, c.updated)
		if errors.Is(err, ErrStale) != c.stale {
			t.Errorf("NotBefore(%v, %v) = %v, want stale %v", c.from, c.updated, err, c.stale)
		}
	}
	if err := NotBefore(from, 3, from.Add(-time.Minute)); err.Error() !=
		"item 3 updated 2025-06-02T09:59:00Z, before the page's lower bound 2025-06-02T10:00:00Z: "+ErrStale.Error() {
		t.Errorf("message: %v", err)
	}
}
